#include "ember/optim/lr_scheduler.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace ember::optim {

LRScheduler::LRScheduler(Optimizer& optimizer)
    : optimizer_(optimizer), base_lrs_(get_current_lrs()), last_lr_(base_lrs_) {}

std::vector<double> LRScheduler::get_current_lrs() const {
  std::vector<double> lrs;
  for (const OptimizerParamGroup& group : optimizer_.param_groups())
    lrs.push_back(group.options().get_lr());
  return lrs;
}

void LRScheduler::step() {
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  if (groups.size() != base_lrs_.size())
    throw Error(
        fmt::format("LRScheduler.step: the optimizer has {} parameter groups but had {} "
                    "when the scheduler was made",
                    groups.size(), base_lrs_.size()));
  ++last_epoch_;
  const std::vector<double> lrs = get_lrs();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = get_current_lrs();
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0)
    throw Error(fmt::format("StepLR: step_size must be positive, got {}", step_size),
                ErrorKind::Value);
}

std::vector<double> StepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch() % step_size_ == 0)
    for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  if (t_max <= 0)
    throw Error(fmt::format("CosineAnnealingLR: T_max must be positive, got {}", t_max),
                ErrorKind::Value);
}

std::vector<double> CosineAnnealingLR::get_lrs() {
  // PyTorch's recursive form (not the closed form), so that values agree to rounding and lrs
  // changed by hand between steps are followed as PyTorch follows them.
  constexpr double pi = std::numbers::pi;
  const auto epoch = static_cast<double>(last_epoch());
  const auto t_max = static_cast<double>(t_max_);
  std::vector<double> lrs = get_current_lrs();
  const std::vector<double>& base = base_lrs();
  const bool restart = (last_epoch() - 1 - t_max_) % (2 * t_max_) == 0;
  for (size_t i = 0; i < lrs.size(); ++i) {
    if (restart)
      // lr += (base - eta_min) (1 - cos(pi / T)) / 2
      lrs[i] = lrs[i] + (base[i] - eta_min_) * (1 - std::cos(pi / t_max)) / 2;
    else
      // lr = eta_min + (lr - eta_min) (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T))
      lrs[i] = (1 + std::cos(pi * epoch / t_max)) / (1 + std::cos(pi * (epoch - 1) / t_max)) *
                   (lrs[i] - eta_min_) +
               eta_min_;
  }
  return lrs;
}

}  // namespace ember::optim
