#pragma once
/// CTCLoss, the connectionist temporal classification loss, with its options class in LibTorch's
/// spelling: `nn::CTCLoss(nn::CTCLossOptions().blank(0).zero_infinity(true))`.
#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of CTCLoss: the blank label (default 0), the reduction (default mean: each
/// sample's loss divided by its target length, then averaged) and whether infinite losses (and
/// their gradients) become zero (default false).
struct CTCLossOptions {
  EMBER_ARG(int64_t, blank) = 0;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
  EMBER_ARG(bool, zero_infinity) = false;
};

/// The CTC loss of log-probabilities [T, N, C] against label sequences; forward applies
/// F::ctc_loss with the module's options.
class CTCLossImpl : public Module {
 public:
  explicit CTCLossImpl(const CTCLossOptions& options = {}) : Module("CTCLoss"), options(options) {}
  using Module::forward;  // the one-input form, which the loss rejects
  /// F::ctc_loss(log_probs, targets, input_lengths, target_lengths, options).
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  /// The options the loss was built with.
  CTCLossOptions options;
};
/// A shared handle to a CTCLossImpl.
EMBER_MODULE(CTCLoss);

}  // namespace ember::nn
