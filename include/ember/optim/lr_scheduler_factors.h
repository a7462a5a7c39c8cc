#pragma once
/// Schedules that scale the lrs by a factor of the epoch: ConstantLR and LinearLR (warm-up),
/// PolynomialLR (decay), and LambdaLR and MultiplicativeLR (any function), with PyTorch's rules.
#include <cstdint>
#include <functional>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

/// Multiplies every lr by factor until epoch total_iters, then restores it (a constant warm-up).
class ConstantLR : public LRScheduler {
 public:
  /// Throws a ValueError unless factor is in [0, 1].
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);
  /// The rule, on one lr: chained from the previous epoch's, or from the base lr (closed form).
  /// The Python scheduler runs these too.
  static double chained_lr(double lr, int64_t epoch, double factor, int64_t total_iters);
  static double closed_form_lr(double base_lr, int64_t epoch, double factor, int64_t total_iters);
  static void check(double factor);

 protected:
  std::vector<double> get_lrs() override;

 private:
  double factor_;
  int64_t total_iters_;
};

/// Scales every lr by a factor going linearly from start_factor to end_factor over total_iters
/// epochs (a linear warm-up, or decay).
class LinearLR : public LRScheduler {
 public:
  /// Throws a ValueError unless start_factor is in (0, 1] and end_factor in [0, 1].
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);
  /// The rule, on one lr, as ConstantLR's.
  static double chained_lr(double lr, int64_t epoch, double start_factor, double end_factor,
                           int64_t total_iters);
  static double closed_form_lr(double base_lr, int64_t epoch, double start_factor,
                               double end_factor, int64_t total_iters);
  static void check(double start_factor, double end_factor);

 protected:
  std::vector<double> get_lrs() override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

/// Decays every lr to 0 over total_iters epochs as (1 - epoch / total_iters)^power.
class PolynomialLR : public LRScheduler {
 public:
  /// Throws a ValueError unless total_iters > 0.
  PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0);
  /// The rule, on one lr, as ConstantLR's.
  static double chained_lr(double lr, int64_t epoch, int64_t total_iters, double power);
  static double closed_form_lr(double base_lr, int64_t epoch, int64_t total_iters, double power);
  static void check(int64_t total_iters);

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t total_iters_;
  double power_;
};

/// A function of the epoch, for LambdaLR and MultiplicativeLR.
using LRLambda = std::function<double(int64_t epoch)>;

/// Sets every lr to its base value times lr_lambda(epoch), from epoch 0 (any schedule, e.g.
/// warm-up followed by cosine decay).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, LRLambda lr_lambda);

 protected:
  std::vector<double> get_lrs() override;

 private:
  LRLambda lr_lambda_;
};

/// Multiplies every lr by lr_lambda(epoch) at each step after construction.
class MultiplicativeLR : public LRScheduler {
 public:
  MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda);

 protected:
  std::vector<double> get_lrs() override;

 private:
  LRLambda lr_lambda_;
};

}  // namespace ember::optim
