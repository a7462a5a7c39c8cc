#pragma once
/// Stateless neural-network functions, as torch.nn.functional: activations, dropout, linear,
/// embedding, normalization and losses. The nn modules wrap these; all are differentiable.
#include <cstdint>
#include <optional>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember::nn {

/// How a loss combines its per-element values: kept as they are, averaged, or summed.
enum class Reduction { None, Mean, Sum };

namespace functional {

// ---- Activations ---------------------------------------------------------------------------
/// max(x, 0); inplace overwrites x (relu_).
Tensor relu(const Tensor& x, bool inplace = false);
/// x where x > 0, else negative_slope * x.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// 1 / (1 + exp(-x)).
Tensor sigmoid(const Tensor& x);
/// Hyperbolic tangent.
Tensor tanh(const Tensor& x);
/// x * Phi(x) with the exact erf form ("none") or the tanh approximation ("tanh").
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// Softmax along dim (see ember::softmax); dtype, when given, converts x first.
Tensor softmax(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// Log-softmax along dim (see ember::log_softmax).
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// ---- Layers --------------------------------------------------------------------------------
/// Zeroes each element with probability p (global generator) and scales the rest by 1/(1-p);
/// returns x itself when not training. p outside [0, 1] is a ValueError.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false);
/// x W^T + b for x [..., in_features], weight [out_features, in_features], bias [out_features].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
/// Rows of weight [num_embeddings, dim] picked by integer indices of any shape: [..., dim].
/// Rows at padding_idx get no gradient. An index outside [0, num_embeddings) is an IndexError.
Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt);
/// Dims start_dim..end_dim merged into one (torch.flatten).
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);

// ---- Normalization -------------------------------------------------------------------------
/// Normalizes over the trailing dims given by normalized_shape (biased variance), then applies
/// the elementwise affine weight and bias (each of shape normalized_shape) when given.
Tensor layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// Per-channel normalization of x [N, C, ...]. Training uses the batch statistics and updates
/// the running ones in place (unbiased variance, weight momentum); evaluation uses the running
/// statistics, which must then be given. weight and bias are [C].
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// ---- Losses --------------------------------------------------------------------------------
/// (input - target)^2, reduced; input and target must have the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |input - target|, reduced; input and target must have the same shape.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// -weight[c] * input[n, c] for log-probabilities input [N, C], [C] or [N, C, d...] and int64
/// class indices target [N], [] or [N, d...]. Mean divides by the summed weights of the targets;
/// targets equal to ignore_index count for nothing. weight, when given, is [C].
Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                int64_t ignore_index = -100, const Tensor& weight = {});
/// nll_loss(log_softmax(input, class dim), target), mixed with the uniform distribution by
/// label_smoothing in [0, 1]. A floating-point target of input's shape holds class
/// probabilities instead of indices (ignore_index does not apply then).
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0, const Tensor& weight = {});
/// -weight * (target log(input) + (1 - target) log(1 - input)), each log clamped at -100.
/// input must lie in [0, 1]; target has input's shape; weight broadcasts to it.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::Mean);
/// binary_cross_entropy(sigmoid(input), target) computed stably from the logits; pos_weight
/// scales the positive term (broadcast along the last dim, one value per class).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = {},
                                        Reduction reduction = Reduction::Mean,
                                        const Tensor& pos_weight = {});

}  // namespace functional
}  // namespace ember::nn
