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

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t t_max_;
  double eta_min_;
};

}  // namespace ember::optim
