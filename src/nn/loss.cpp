// Loss modules, thin wrappers over the nn::functional losses. Class weights live in buffers, as
// in PyTorch, so they follow to() and appear in state_dict.
#include "ember/nn/modules/loss.h"

namespace ember::nn {

MSELossImpl::MSELossImpl(const MSELossOptions& options) : Module("MSELoss"), options(options) {}

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, options.reduction());
}

L1LossImpl::L1LossImpl(const L1LossOptions& options) : Module("L1Loss"), options(options) {}

Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, options.reduction());
}

Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::huber_loss(input, target, options.reduction(), options.delta());
}

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::kl_div(input, target, options.reduction(), options.log_target());
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options)
    : Module("NLLLoss"), options(options), weight(register_buffer("weight", options.weight())) {}

Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, options.reduction(), options.ignore_index(), weight);
}

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options)
    : Module("CrossEntropyLoss"),
      options(options),
      weight(register_buffer("weight", options.weight())) {}

Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, options.reduction(), options.ignore_index(),
                                   options.label_smoothing(), weight);
}

BCELossImpl::BCELossImpl(const BCELossOptions& options)
    : Module("BCELoss"), options(options), weight(register_buffer("weight", options.weight())) {}

Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, weight, options.reduction());
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options)
    : Module("BCEWithLogitsLoss"),
      options(options),
      weight(register_buffer("weight", options.weight())),
      pos_weight(register_buffer("pos_weight", options.pos_weight())) {}

Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, weight, options.reduction(),
                                                      pos_weight);
}

}  // namespace ember::nn
