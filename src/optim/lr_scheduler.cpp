#include "ember/optim/lr_scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
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

void LRScheduler::initial_step() {
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  const std::vector<double> lrs = get_lrs();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = get_current_lrs();
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

namespace {
// The rules are also called on their own (from Python), so they check their period themselves.
void check_step_size(int64_t step_size) {
  if (step_size <= 0)
    throw Error(fmt::format("StepLR: step_size must be positive, got {}", step_size),
                ErrorKind::Value);
}
void check_t_max(int64_t t_max) {
  if (t_max <= 0)
    throw Error(fmt::format("CosineAnnealingLR: T_max must be positive, got {}", t_max),
                ErrorKind::Value);
}
}  // namespace

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check_step_size(step_size);
}

double StepLR::chained_lr(double lr, int64_t epoch, int64_t step_size, double gamma) {
  if (epoch == 0) return lr;  // as torch, whose first (construction) step divides nothing
  check_step_size(step_size);
  return epoch % step_size != 0 ? lr : lr * gamma;
}

double StepLR::closed_form_lr(double base_lr, int64_t epoch, int64_t step_size, double gamma) {
  check_step_size(step_size);
  return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size));
}

std::vector<double> StepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  for (double& lr : lrs) lr = chained_lr(lr, last_epoch(), step_size_, gamma_);
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  check_t_max(t_max);
}

// PyTorch's recursive form (not the closed form), so that values agree to rounding and lrs
// changed by hand between steps are followed as PyTorch follows them.
double CosineAnnealingLR::chained_lr(double lr, double base_lr, int64_t epoch, int64_t t_max,
                                     double eta_min) {
  constexpr double pi = std::numbers::pi;
  if (epoch == 0) return lr;
  check_t_max(t_max);
  const auto t = static_cast<double>(epoch);
  const auto period = static_cast<double>(t_max);
  if ((epoch - 1 - t_max) % (2 * t_max) == 0)
    // lr += (base - eta_min) (1 - cos(pi / T)) / 2
    return lr + (base_lr - eta_min) * (1 - std::cos(pi / period)) / 2;
  // lr = eta_min + (lr - eta_min) (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T))
  return (1 + std::cos(pi * t / period)) / (1 + std::cos(pi * (t - 1) / period)) * (lr - eta_min) +
         eta_min;
}

double CosineAnnealingLR::closed_form_lr(double base_lr, int64_t epoch, int64_t t_max,
                                         double eta_min) {
  constexpr double pi = std::numbers::pi;
  check_t_max(t_max);
  return eta_min +
         (base_lr - eta_min) *
             (1 + std::cos(pi * static_cast<double>(epoch) / static_cast<double>(t_max))) / 2;
}

std::vector<double> CosineAnnealingLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  for (size_t i = 0; i < lrs.size(); ++i)
    lrs[i] = chained_lr(lrs[i], base_lrs()[i], last_epoch(), t_max_, eta_min_);
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
}

double MultiStepLR::chained_lr(double lr, int64_t epoch, const std::vector<int64_t>& milestones,
                               double gamma) {
  const auto hits = std::count(milestones.begin(), milestones.end(), epoch);
  return lr * std::pow(gamma, static_cast<double>(hits));
}

double MultiStepLR::closed_form_lr(double base_lr, int64_t epoch,
                                   const std::vector<int64_t>& milestones, double gamma) {
  const auto passed =
      std::upper_bound(milestones.begin(), milestones.end(), epoch) - milestones.begin();
  return base_lr * std::pow(gamma, static_cast<double>(passed));
}

std::vector<double> MultiStepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  for (double& lr : lrs) lr = chained_lr(lr, last_epoch(), milestones_, gamma_);
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {}

double ExponentialLR::chained_lr(double lr, int64_t epoch, double gamma) {
  return epoch == 0 ? lr : lr * gamma;
}

double ExponentialLR::closed_form_lr(double base_lr, int64_t epoch, double gamma) {
  return base_lr * std::pow(gamma, static_cast<double>(epoch));
}

std::vector<double> ExponentialLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  for (double& lr : lrs) lr = chained_lr(lr, last_epoch(), gamma_);
  return lrs;
}

PlateauState plateau_start(const PlateauOptions& options) {
  const double inf = std::numeric_limits<double>::infinity();
  return PlateauState{options.maximize ? -inf : inf};
}

bool plateau_step(PlateauState& state, double metric, const PlateauOptions& o) {
  const double t = o.threshold;
  // Better than best by the threshold, relatively (best (1 -+ t)) or absolutely (best -+ t).
  const bool better = o.maximize ? metric > (o.relative ? state.best * (1 + t) : state.best + t)
                                 : metric < (o.relative ? state.best * (1 - t) : state.best - t);
  if (better) {
    state.best = metric;
    state.num_bad_epochs = 0;
  } else {
    ++state.num_bad_epochs;
  }
  if (state.cooldown_counter > 0) {
    --state.cooldown_counter;
    state.num_bad_epochs = 0;  // bad epochs in cooldown do not count
  }
  if (state.num_bad_epochs <= o.patience) return false;
  state.cooldown_counter = o.cooldown;
  state.num_bad_epochs = 0;
  return true;
}

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode,
                                                       float factor, int patience, double threshold,
                                                       ThresholdMode threshold_mode, int cooldown,
                                                       const std::vector<float>& min_lr, double eps,
                                                       bool /*verbose*/)
    : optimizer_(optimizer),
      options_{mode == max, threshold, threshold_mode == rel, patience, cooldown},
      state_(plateau_start(options_)),
      factor_(factor),
      eps_(eps),
      min_lrs_(min_lr.begin(), min_lr.end()) {
  if (!(factor < 1.0)) throw Error("Factor should be < 1.0.", ErrorKind::Value);
  const size_t groups = optimizer.param_groups().size();
  if (min_lrs_.empty()) min_lrs_.resize(groups, 0.0);
  if (min_lrs_.size() != groups)
    throw Error(fmt::format("expected {} min_lrs, got {}", groups, min_lrs_.size()),
                ErrorKind::Value);
}

double ReduceLROnPlateauScheduler::reduced_lr(double lr, double factor, double min_lr, double eps) {
  const double new_lr = std::max(lr * factor, min_lr);
  return lr - new_lr > eps ? new_lr : lr;
}

void ReduceLROnPlateauScheduler::step(float metric) {
  if (!plateau_step(state_, metric, options_)) return;
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size() && i < min_lrs_.size(); ++i) {
    OptimizerOptions& o = groups[i].options();
    o.set_lr(reduced_lr(o.get_lr(), factor_, min_lrs_[i], eps_));
  }
}

}  // namespace ember::optim
