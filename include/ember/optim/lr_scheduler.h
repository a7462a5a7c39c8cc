#pragma once
/// Learning-rate schedulers: each step() sets every parameter group's lr for the next epoch.
#include <cstdint>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// The base of the schedulers (PyTorch's _LRScheduler with last_epoch = -1): constructing one
/// counts as epoch 0 and keeps the groups' lrs; each step() advances an epoch.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  /// Advances one epoch and writes the new lrs into the optimizer's groups.
  void step();
  /// The lr of each group as set by the last step (or at construction).
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }
  /// The epochs stepped so far.
  int64_t last_epoch() const noexcept { return last_epoch_; }
  /// Each group's lr when the scheduler was made.
  const std::vector<double>& base_lrs() const noexcept { return base_lrs_; }

 protected:
  /// The groups' lrs for last_epoch() (>= 1), computed from the current ones (PyTorch's
  /// chainable get_lr).
  virtual std::vector<double> get_lrs() = 0;
  /// The groups' lrs now.
  std::vector<double> get_current_lrs() const;
  /// For schedules that change the lrs at construction (epoch 0, as ConstantLR's factor):
  /// writes get_lrs() for epoch 0. Called from the derived constructor.
  void initial_step();

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_, last_lr_;
  int64_t last_epoch_ = 0;
};

/// Multiplies every lr by gamma each step_size epochs.
class StepLR : public LRScheduler {
 public:
  /// Throws a ValueError unless step_size > 0.
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  /// The rule, on one lr: the lr for epoch from the previous epoch's (chained) or from the base
  /// lr (closed form, for jumping to an epoch). The Python scheduler runs these too.
  static double chained_lr(double lr, int64_t epoch, int64_t step_size, double gamma);
  static double closed_form_lr(double base_lr, int64_t epoch, int64_t step_size, double gamma);

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// Anneals each lr from its base value to eta_min along half a cosine over t_max epochs (and
/// back up over the next t_max), with PyTorch's recursive formula.
class CosineAnnealingLR : public LRScheduler {
 public:
  /// t_max is PyTorch's T_max; throws a ValueError unless it is > 0.
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0);
  /// The rule, on one lr, as StepLR's.
  static double chained_lr(double lr, double base_lr, int64_t epoch, int64_t t_max, double eta_min);
  static double closed_form_lr(double base_lr, int64_t epoch, int64_t t_max, double eta_min);

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t t_max_;
  double eta_min_;
};

/// Multiplies every lr by gamma at each epoch listed in milestones (a milestone listed twice
/// counts twice).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  /// The rule, on one lr, as StepLR's; milestones sorted.
  static double chained_lr(double lr, int64_t epoch, const std::vector<int64_t>& milestones,
                           double gamma);
  static double closed_form_lr(double base_lr, int64_t epoch,
                               const std::vector<int64_t>& milestones, double gamma);

 protected:
  std::vector<double> get_lrs() override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// Multiplies every lr by gamma each epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  /// The rule, on one lr, as StepLR's.
  static double chained_lr(double lr, int64_t epoch, double gamma);
  static double closed_form_lr(double base_lr, int64_t epoch, double gamma);

 protected:
  std::vector<double> get_lrs() override;

 private:
  double gamma_;
};

/// When ReduceLROnPlateauScheduler reduces: a metric that has not improved on the best one by
/// threshold (relative or absolute) for more than patience epochs, then cooldown quiet epochs.
struct PlateauOptions {
  bool maximize = false;  // PyTorch's mode="max"
  double threshold = 1e-4;
  bool relative = true;  // PyTorch's threshold_mode="rel"
  int64_t patience = 10;
  int64_t cooldown = 0;
};
/// Where a plateau search stands.
struct PlateauState {
  double best;
  int64_t num_bad_epochs = 0;
  int64_t cooldown_counter = 0;
};
/// The first state: the worst possible best.
PlateauState plateau_start(const PlateauOptions& options);
/// Takes one epoch's metric; true when the lrs are to be reduced now. The Python scheduler runs
/// this one too.
bool plateau_step(PlateauState& state, double metric, const PlateauOptions& options);

/// Multiplies every lr by factor (not below its min_lr, and not by less than eps) once the metric
/// passed to step() stops improving (LibTorch 2's ReduceLROnPlateauScheduler).
class ReduceLROnPlateauScheduler {
 public:
  enum SchedulerMode { min, max };
  enum ThresholdMode { rel, abs };
  /// min_lr: one floor per parameter group, or none for 0. Throws a ValueError for factor >= 1
  /// or a min_lr whose count is not the groups'. verbose is accepted and ignored.
  ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min, float factor = 0.1,
                             int patience = 10, double threshold = 1e-4,
                             ThresholdMode threshold_mode = rel, int cooldown = 0,
                             const std::vector<float>& min_lr = std::vector<float>(),
                             double eps = 1e-8, bool verbose = false);
  virtual ~ReduceLROnPlateauScheduler() = default;
  void step(float metric);
  /// lr * factor, not below min_lr; lr itself when that changes it by eps or less.
  static double reduced_lr(double lr, double factor, double min_lr, double eps);
  const PlateauState& state() const noexcept { return state_; }

 private:
  Optimizer& optimizer_;
  PlateauOptions options_;
  PlateauState state_;
  double factor_, eps_;
  std::vector<double> min_lrs_;
};

}  // namespace ember::optim
