#pragma once
/// Loss modules: MSELoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss, CrossEntropyLoss, NLLLoss,
/// BCELoss and BCEWithLogitsLoss. Each
/// is called with (input, target): `MSELoss loss(MSELossOptions(kSum)); loss(pred, y)`.
#include <cstdint>
#include <utility>

#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember {

/// LibTorch's spellings of the loss reductions: `MSELossOptions().reduction(kSum)`.
inline constexpr nn::Reduction kNone = nn::Reduction::None;
/// Average the per-element losses.
inline constexpr nn::Reduction kMean = nn::Reduction::Mean;
/// Sum the per-element losses.
inline constexpr nn::Reduction kSum = nn::Reduction::Sum;
/// Sum, then divide by the batch size (kl_div only).
inline constexpr nn::Reduction kBatchMean = nn::Reduction::BatchMean;

}  // namespace ember

namespace ember::nn {

/// The arguments of MSELoss and L1Loss: the reduction (default mean).
class MSELossOptions {
 public:
  MSELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  /// None, Mean or Sum.
  MSELossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_;
};

/// Same arguments as MSELoss.
using L1LossOptions = MSELossOptions;

/// (input - target)^2, reduced.
class MSELossImpl : public Module {
 public:
  explicit MSELossImpl(const MSELossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  /// input and target must have the same shape.
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  MSELossOptions options;
};

/// A shared handle to an MSELossImpl.
EMBER_MODULE(MSELoss);

/// |input - target|, reduced.
class L1LossImpl : public Module {
 public:
  explicit L1LossImpl(const L1LossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  /// input and target must have the same shape.
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  L1LossOptions options;
};

/// A shared handle to an L1LossImpl.
EMBER_MODULE(L1Loss);

/// The arguments of SmoothL1Loss: `SmoothL1LossOptions().beta(0.5)`.
class SmoothL1LossOptions {
 public:
  SmoothL1LossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  SmoothL1LossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  /// Where the loss turns from quadratic to linear (default 1).
  SmoothL1LossOptions& beta(double v) { return beta_ = v, *this; }
  Reduction reduction() const { return reduction_; }
  double beta() const { return beta_; }

 private:
  Reduction reduction_;
  double beta_ = 1.0;
};

/// 0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta; d = input - target.
class SmoothL1LossImpl : public Module {
 public:
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& options = {})
      : Module("SmoothL1Loss"), options(options) {}
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  SmoothL1LossOptions options;
};
EMBER_MODULE(SmoothL1Loss);

/// The arguments of HuberLoss: `HuberLossOptions().delta(0.5)`.
class HuberLossOptions {
 public:
  HuberLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  HuberLossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  /// Where the loss turns from quadratic to linear (default 1).
  HuberLossOptions& delta(double v) { return delta_ = v, *this; }
  Reduction reduction() const { return reduction_; }
  double delta() const { return delta_; }

 private:
  Reduction reduction_;
  double delta_ = 1.0;
};

/// 0.5 d^2 for |d| <= delta, else delta (|d| - 0.5 delta).
class HuberLossImpl : public Module {
 public:
  explicit HuberLossImpl(const HuberLossOptions& options = {})
      : Module("HuberLoss"), options(options) {}
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  HuberLossOptions options;
};
EMBER_MODULE(HuberLoss);

/// The arguments of KLDivLoss: `KLDivLossOptions(kBatchMean).log_target(true)`.
class KLDivLossOptions {
 public:
  KLDivLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  /// None, Mean, Sum or BatchMean (the KL divergence per sample).
  KLDivLossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  /// Whether the target holds log-probabilities too (default false).
  KLDivLossOptions& log_target(bool v) { return log_target_ = v, *this; }
  Reduction reduction() const { return reduction_; }
  bool log_target() const { return log_target_; }

 private:
  Reduction reduction_;
  bool log_target_ = false;
};

/// The KL divergence from log-probabilities input to probabilities (or log-probabilities) target.
class KLDivLossImpl : public Module {
 public:
  explicit KLDivLossImpl(const KLDivLossOptions& options = {})
      : Module("KLDivLoss"), options(options) {}
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  KLDivLossOptions options;
};
EMBER_MODULE(KLDivLoss);

/// The arguments of NLLLoss: `NLLLossOptions().ignore_index(0).weight(w)`.
class NLLLossOptions {
 public:
  NLLLossOptions() = default;
  /// A [C] rescaling weight per class (default: none).
  NLLLossOptions& weight(Tensor v) { return weight_ = std::move(v), *this; }
  /// A target value that counts for nothing (default -100).
  NLLLossOptions& ignore_index(int64_t v) { return ignore_index_ = v, *this; }
  /// None, Mean (divided by the summed weights of the targets) or Sum.
  NLLLossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }
  Reduction reduction() const { return reduction_; }

 private:
  Tensor weight_;
  int64_t ignore_index_ = -100;
  Reduction reduction_ = Reduction::Mean;
};

/// -weight[c] * input[n, c] for log-probabilities input [N, C, ...] and class targets [N, ...].
class NLLLossImpl : public Module {
 public:
  explicit NLLLossImpl(const NLLLossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  NLLLossOptions options;
  /// The class weights, a buffer ("weight" in state_dict), or undefined.
  Tensor& weight;
};

/// A shared handle to an NLLLossImpl.
EMBER_MODULE(NLLLoss);

/// The arguments of CrossEntropyLoss: `CrossEntropyLossOptions().label_smoothing(0.1)`.
class CrossEntropyLossOptions {
 public:
  CrossEntropyLossOptions() = default;
  /// A [C] rescaling weight per class (default: none).
  CrossEntropyLossOptions& weight(Tensor v) { return weight_ = std::move(v), *this; }
  /// A target class index that counts for nothing (default -100).
  CrossEntropyLossOptions& ignore_index(int64_t v) { return ignore_index_ = v, *this; }
  /// None, Mean or Sum.
  CrossEntropyLossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  /// The weight in [0, 1] of the uniform distribution mixed into the targets (default 0).
  CrossEntropyLossOptions& label_smoothing(double v) { return label_smoothing_ = v, *this; }
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }
  Reduction reduction() const { return reduction_; }
  double label_smoothing() const { return label_smoothing_; }

 private:
  Tensor weight_;
  int64_t ignore_index_ = -100;
  Reduction reduction_ = Reduction::Mean;
  double label_smoothing_ = 0.0;
};

/// nll_loss(log_softmax(input, 1), target) for logits input [N, C, ...] and class indices (or
/// class probabilities of input's shape) as target.
class CrossEntropyLossImpl : public Module {
 public:
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  CrossEntropyLossOptions options;
  /// The class weights, a buffer ("weight" in state_dict), or undefined.
  Tensor& weight;
};

/// A shared handle to a CrossEntropyLossImpl.
EMBER_MODULE(CrossEntropyLoss);

/// The arguments of BCELoss: `BCELossOptions().weight(w).reduction(kSum)`.
class BCELossOptions {
 public:
  BCELossOptions() = default;
  /// A rescaling weight broadcast to the input (default: none).
  BCELossOptions& weight(Tensor v) { return weight_ = std::move(v), *this; }
  /// None, Mean or Sum.
  BCELossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  const Tensor& weight() const { return weight_; }
  Reduction reduction() const { return reduction_; }

 private:
  Tensor weight_;
  Reduction reduction_ = Reduction::Mean;
};

/// Binary cross entropy of probabilities input in [0, 1] against targets of the same shape.
class BCELossImpl : public Module {
 public:
  explicit BCELossImpl(const BCELossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  BCELossOptions options;
  /// The rescaling weight, a buffer ("weight" in state_dict), or undefined.
  Tensor& weight;
};

/// A shared handle to a BCELossImpl.
EMBER_MODULE(BCELoss);

/// The arguments of BCEWithLogitsLoss: `BCEWithLogitsLossOptions().pos_weight(p)`.
class BCEWithLogitsLossOptions {
 public:
  BCEWithLogitsLossOptions() = default;
  /// A rescaling weight broadcast to the input (default: none).
  BCEWithLogitsLossOptions& weight(Tensor v) { return weight_ = std::move(v), *this; }
  /// None, Mean or Sum.
  BCEWithLogitsLossOptions& reduction(Reduction v) { return reduction_ = v, *this; }
  /// A weight on the positive term per class, broadcast along the last dim (default: none).
  BCEWithLogitsLossOptions& pos_weight(Tensor v) { return pos_weight_ = std::move(v), *this; }
  const Tensor& weight() const { return weight_; }
  Reduction reduction() const { return reduction_; }
  const Tensor& pos_weight() const { return pos_weight_; }

 private:
  Tensor weight_;
  Reduction reduction_ = Reduction::Mean;
  Tensor pos_weight_;
};

/// BCELoss of sigmoid(input), computed stably from the logits.
class BCEWithLogitsLossImpl : public Module {
 public:
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options = {});
  using Module::forward;  // the one-input form, which losses reject
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options the loss was built with.
  BCEWithLogitsLossOptions options;
  /// The rescaling weight, a buffer ("weight" in state_dict), or undefined.
  Tensor& weight;
  /// The positive-class weight, a buffer ("pos_weight" in state_dict), or undefined.
  Tensor& pos_weight;
};

/// A shared handle to a BCEWithLogitsLossImpl.
EMBER_MODULE(BCEWithLogitsLoss);

}  // namespace ember::nn
