// ConstantLR, LinearLR, PolynomialLR, LambdaLR and MultiplicativeLR: PyTorch 1.13's chained
// rules (each epoch's lr from the previous one, so that lrs changed by hand are followed) and
// closed forms (for jumping to an epoch).
#include "ember/optim/lr_scheduler_factors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace ember::optim {
namespace {

// Applies a rule of (lr, base lr) to every group's current lr.
template <typename Rule>
std::vector<double> each(std::vector<double> lrs, const std::vector<double>& base, Rule rule) {
  for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = rule(lrs[i], base[i]);
  return lrs;
}

}  // namespace

void ConstantLR::check(double factor) {
  if (!(factor >= 0 && factor <= 1))
    throw Error("ConstantLR: Constant multiplicative factor expected to be between 0 and 1.",
                ErrorKind::Value);
}

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_iters_(total_iters) {
  check(factor);
  initial_step();
}

double ConstantLR::chained_lr(double lr, int64_t epoch, double factor, int64_t total_iters) {
  if (epoch == 0) return lr * factor;
  return epoch == total_iters ? lr * (1.0 / factor) : lr;
}

double ConstantLR::closed_form_lr(double base_lr, int64_t epoch, double factor,
                                  int64_t total_iters) {
  return base_lr * (factor + (epoch >= total_iters ? 1 - factor : 0));
}

std::vector<double> ConstantLR::get_lrs() {
  return each(get_current_lrs(), base_lrs(), [&](double lr, double) {
    return chained_lr(lr, last_epoch(), factor_, total_iters_);
  });
}

void LinearLR::check(double start_factor, double end_factor) {
  if (!(start_factor > 0 && start_factor <= 1))
    throw Error(
        "LinearLR: Starting multiplicative factor expected to be greater than 0 and less or "
        "equal to 1.",
        ErrorKind::Value);
  if (!(end_factor >= 0 && end_factor <= 1))
    throw Error("LinearLR: Ending multiplicative factor expected to be between 0 and 1.",
                ErrorKind::Value);
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  check(start_factor, end_factor);
  initial_step();
}

double LinearLR::chained_lr(double lr, int64_t epoch, double start_factor, double end_factor,
                            int64_t total_iters) {
  if (epoch == 0) return lr * start_factor;
  if (epoch > total_iters) return lr;
  // The ratio of this epoch's factor to the previous one's.
  const double slope = end_factor - start_factor;
  return lr * (1.0 + slope / (static_cast<double>(total_iters) * start_factor +
                              static_cast<double>(epoch - 1) * slope));
}

double LinearLR::closed_form_lr(double base_lr, int64_t epoch, double start_factor,
                                double end_factor, int64_t total_iters) {
  return base_lr * (start_factor + (end_factor - start_factor) *
                                       static_cast<double>(std::min(total_iters, epoch)) /
                                       static_cast<double>(total_iters));
}

std::vector<double> LinearLR::get_lrs() {
  return each(get_current_lrs(), base_lrs(), [&](double lr, double) {
    return chained_lr(lr, last_epoch(), start_factor_, end_factor_, total_iters_);
  });
}

void PolynomialLR::check(int64_t total_iters) {
  if (total_iters <= 0)
    throw Error(fmt::format("PolynomialLR: total_iters must be positive, got {}", total_iters),
                ErrorKind::Value);
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, int64_t total_iters, double power)
    : LRScheduler(optimizer), total_iters_(total_iters), power_(power) {
  check(total_iters);
}

double PolynomialLR::chained_lr(double lr, int64_t epoch, int64_t total_iters, double power) {
  if (epoch == 0 || epoch > total_iters) return lr;
  check(total_iters);
  const auto t = static_cast<double>(epoch), n = static_cast<double>(total_iters);
  return lr * std::pow((1.0 - t / n) / (1.0 - (t - 1) / n), power);
}

double PolynomialLR::closed_form_lr(double base_lr, int64_t epoch, int64_t total_iters,
                                    double power) {
  check(total_iters);
  return base_lr * std::pow(1.0 - static_cast<double>(std::min(total_iters, epoch)) /
                                      static_cast<double>(total_iters),
                            power);
}

std::vector<double> PolynomialLR::get_lrs() {
  return each(get_current_lrs(), base_lrs(), [&](double lr, double) {
    return chained_lr(lr, last_epoch(), total_iters_, power_);
  });
}

LambdaLR::LambdaLR(Optimizer& optimizer, LRLambda lr_lambda)
    : LRScheduler(optimizer), lr_lambda_(std::move(lr_lambda)) {
  initial_step();
}

std::vector<double> LambdaLR::get_lrs() {
  return each(get_current_lrs(), base_lrs(),
              [&](double, double base) { return base * lr_lambda_(last_epoch()); });
}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda)
    : LRScheduler(optimizer), lr_lambda_(std::move(lr_lambda)) {}

std::vector<double> MultiplicativeLR::get_lrs() {
  return each(get_current_lrs(), base_lrs(), [&](double lr, double) {
    return last_epoch() > 0 ? lr * lr_lambda_(last_epoch()) : lr;
  });
}

}  // namespace ember::optim
