#pragma once
/// nn::utils, as LibTorch's torch::nn::utils and torch.nn.utils: gradient clipping, moving
/// parameters to and from one flat vector, (nn::utils::rnn) packed sequences and
/// (nn::utils::stateless) functional_call.
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/utils/rnn.h"
#include "ember/nn/utils/stateless.h"

namespace ember::nn::utils {

/// Scales the parameters' gradients in place so that their total norm (the norm_type-norm of
/// the per-gradient norms; inf for the largest element) is at most max_norm, and returns that
/// total norm as it was before clipping. Parameters without a gradient are skipped. With
/// error_if_nonfinite, a NaN or infinite total is an error instead of a scale.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
/// clip_grad_norm_ returning the total norm as a 0-dim tensor of the gradients' dtype (what
/// torch.nn.utils.clip_grad_norm_ returns).
Tensor clip_grad_norm_tensor(const std::vector<Tensor>& parameters, double max_norm,
                             double norm_type = 2.0, bool error_if_nonfinite = false);
/// Clamps every gradient element to [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

/// The parameters flattened and joined into one 1-D tensor.
Tensor parameters_to_vector(const std::vector<Tensor>& parameters);
/// Copies consecutive slices of vec into the parameters (in place, no history).
void vector_to_parameters(const Tensor& vec, const std::vector<Tensor>& parameters);

}  // namespace ember::nn::utils
