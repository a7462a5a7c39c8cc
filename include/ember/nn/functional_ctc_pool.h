#pragma once
/// LibTorch's functional spelling of the CTC loss and of fractional max pooling:
/// `F::ctc_loss(log_probs, targets, input_lengths, target_lengths,
/// F::CTCLossFuncOptions().blank(0).reduction(torch::kSum))`,
/// `F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_ratio(0.5))`.
/// Both are composed of differentiable ops, so they have every order of derivative.
#include <tuple>

#include "ember/core/tensor.h"
#include "ember/nn/modules/ctc_loss.h"
#include "ember/nn/modules/fractional_pooling.h"

namespace ember::nn::functional {

using CTCLossFuncOptions = CTCLossOptions;
using FractionalMaxPool2dFuncOptions = FractionalMaxPool2dOptions;
using FractionalMaxPool3dFuncOptions = FractionalMaxPool3dOptions;

/// The CTC loss: -log of the total probability of all alignments of each target sequence with
/// its input frames. log_probs is [T, N, C] (or unbatched [T, C]); targets is padded [N, S] or
/// the N sequences concatenated [sum(target_lengths)]; the lengths are integer tensors of N
/// values. An impossible alignment gives an infinite loss. As in torch, the gradient w.r.t.
/// log_probs carries an extra exp(log_probs) on the frames within each input length, which
/// log_softmax's backward cancels exactly; so the gradient of the logits is the true one, and
/// that of raw log_probs is torch's, not the finite difference of the loss.
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& options = {});

/// The maximum over pseudo-random windows of [N, C, H, W] (or [C, H, W]) inputs; returns only
/// the values.
Tensor fractional_max_pool2d(const Tensor& input, const FractionalMaxPool2dFuncOptions& options);
/// The maxima and their int64 positions within each H * W plane.
std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(
    const Tensor& input, const FractionalMaxPool2dFuncOptions& options);
/// The same over [N, C, T, H, W] (or [C, T, H, W]) inputs.
Tensor fractional_max_pool3d(const Tensor& input, const FractionalMaxPool3dFuncOptions& options);
/// The maxima and their int64 positions within each T * H * W volume.
std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(
    const Tensor& input, const FractionalMaxPool3dFuncOptions& options);

}  // namespace ember::nn::functional
