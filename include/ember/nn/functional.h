#pragma once
/// Stateless neural-network functions, as torch.nn.functional: activations, dropout, linear,
/// embedding, normalization and losses. The nn modules wrap these; all are differentiable.
#include <cstdint>
#include <optional>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember::nn {

/// How a loss combines its per-element values: kept as they are, averaged, or summed; kl_div
/// alone also takes BatchMean, the sum divided by the batch size.
enum class Reduction { None, Mean, Sum, BatchMean };

/// How F::pad fills: a constant, or x's own elements reflected, replicated or wrapped around.
enum class PadMode { Constant, Reflect, Replicate, Circular };

namespace functional {

// ---- Activations ---------------------------------------------------------------------------
/// max(x, 0); inplace overwrites x (relu_).
Tensor relu(const Tensor& x, bool inplace = false);
/// x where x > 0, else negative_slope * x.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01, bool inplace = false);
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
/// x where x > 0, else alpha (exp(x) - 1).
Tensor elu(const Tensor& x, double alpha = 1.0, bool inplace = false);
/// scale * elu(x, alpha) with the self-normalizing constants alpha ~ 1.6733, scale ~ 1.0507.
Tensor selu(const Tensor& x, bool inplace = false);
/// max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
Tensor celu(const Tensor& x, double alpha = 1.0, bool inplace = false);
/// x sigmoid(x) (swish).
Tensor silu(const Tensor& x, bool inplace = false);
/// x tanh(softplus(x)).
Tensor mish(const Tensor& x, bool inplace = false);
/// log(1 + exp(beta x)) / beta, or x where beta x > threshold.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// x / (1 + |x|).
Tensor softsign(const Tensor& x);
/// x - lambda above lambda, x + lambda below -lambda, 0 between.
Tensor softshrink(const Tensor& x, double lambda = 0.5);
/// x where |x| > lambda, 0 elsewhere.
Tensor hardshrink(const Tensor& x, double lambda = 0.5);
/// x - tanh(x).
Tensor tanhshrink(const Tensor& x);
/// softmax(-x) along dim.
Tensor softmin(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// x clamped to [min_val, max_val].
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0, bool inplace = false);
/// x clamped to [0, 6].
Tensor relu6(const Tensor& x, bool inplace = false);
/// log(sigmoid(x)), computed without overflow.
Tensor logsigmoid(const Tensor& x);
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& x, bool inplace = false);
/// x relu6(x + 3) / 6.
Tensor hardswish(const Tensor& x, bool inplace = false);
/// x where x > threshold, else value.
Tensor threshold(const Tensor& x, double threshold, double value, bool inplace = false);
/// a sigmoid(b) for the two halves a, b of x along dim (whose size must be even).
Tensor glu(const Tensor& x, int64_t dim = -1);

// ---- Layers --------------------------------------------------------------------------------
/// Zeroes each element with probability p (global generator) and scales the rest by 1/(1-p);
/// returns x itself when not training. p outside [0, 1] is a ValueError.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false);
/// Channel-wise dropout: zeroes whole channels (dim 1) with probability p and scales the rest by
/// 1/(1-p). dropout1d takes [N, C, L] or [C, L]; dropout2d [N, C, H, W], or [N, C, L] (torch
/// 1.13 reads a 3-D input as batched); dropout3d [N, C, D, H, W] or [C, D, H, W]. A 1-D input
/// is a RuntimeError, as is any but a 2-D or 3-D one for dropout1d.
Tensor dropout1d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false);
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false);
Tensor dropout3d(const Tensor& x, double p = 0.5, bool training = true, bool inplace = false);
/// Dropout for SELU networks: dropped elements take SELU's negative saturation value and all are
/// then scaled and shifted so that mean and variance are kept; feature_alpha_dropout drops whole
/// channels. Unlike dropout, training defaults to false, as in torch.
Tensor alpha_dropout(const Tensor& x, double p = 0.5, bool training = false, bool inplace = false);
Tensor feature_alpha_dropout(const Tensor& x, double p = 0.5, bool training = false,
                             bool inplace = false);
/// x W^T + b for x [..., in_features], weight [out_features, in_features], bias [out_features].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
/// Rows of weight [num_embeddings, dim] picked by integer indices of any shape: [..., dim].
/// Rows at padding_idx get no gradient. An index outside [0, num_embeddings) is an IndexError.
Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt);
/// How embedding_bag reduces each bag's rows.
enum class EmbeddingBagMode { Sum, Mean, Max };
/// The reduction of the weight rows each bag of indices picks: [bags, dim]. A 2-D input is one
/// bag per row; a 1-D input is split into bags at offsets (with include_last_offset, offsets
/// ends with the input's length). per_sample_weights (Sum only) scale each row; indices equal
/// to padding_idx are left out; an empty bag gives zeros.
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets = {},
                     EmbeddingBagMode mode = EmbeddingBagMode::Mean,
                     const Tensor& per_sample_weights = {}, bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);
/// Rescales, in place and without recording, each row of weight that indices picks whose
/// norm_type-norm exceeds max_norm, to norm max_norm (torch.embedding_renorm_).
Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm,
                          double norm_type = 2.0);
/// x with the gradient reaching it divided by how often its index occurs in indices (an
/// embedding's scale_grad_by_freq): the value is unchanged.
Tensor scale_grad_by_frequency(const Tensor& rows, const Tensor& indices);
/// x1^T A x2 + b for x1 [..., in1], x2 [..., in2], weight [out, in1, in2], bias [out].
Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias = {});
/// x where positive, weight * x elsewhere; weight has one value or one per channel (dim 1).
Tensor prelu(const Tensor& x, const Tensor& weight);
/// Dims start_dim..end_dim merged into one (torch.flatten).
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
/// int64 class indices [...] as one-hot rows [..., num_classes] (num_classes -1: max + 1).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
/// x padded by pad = {left, right} for the last dim, then {top, bottom} for the one before, and
/// so on. mode "constant" fills with value (negative pads crop); "reflect", "replicate" and
/// "circular" repeat x's own elements.
Tensor pad(const Tensor& x, IntArrayRef pad, std::string_view mode = "constant",
           double value = 0.0);
/// F::pad with the mode as a PadMode.
Tensor pad(const Tensor& x, IntArrayRef pad, PadMode mode, double value = 0.0);

// ---- Distances -----------------------------------------------------------------------------
/// x divided by its p-norm along dim (at least eps).
Tensor normalize(const Tensor& x, double p = 2.0, int64_t dim = 1, double eps = 1e-12);
/// sum(x1 x2) / (|x1| |x2|) along dim, the denominator at least eps.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);
/// The p-norm of x1 - x2 + eps along the last dim.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6,
                         bool keepdim = false);
/// The p-norm distance between every pair of rows i < j of x [N, M] (ember::pdist).
Tensor pdist(const Tensor& x, double p = 2.0);

// ---- Normalization -------------------------------------------------------------------------
/// Normalizes over the trailing dims given by normalized_shape (biased variance), then applies
/// the elementwise affine weight and bias (each of shape normalized_shape) when given.
Tensor layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// x / sqrt(mean(x^2) + eps) over the trailing normalized_shape dims, times weight when given
/// (torch 2.4's rms_norm); eps defaults to the machine epsilon of x's dtype.
Tensor rms_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);
/// Normalizes each sample's channels [N, C, ...] in num_groups groups (biased variance), then
/// scales and shifts per channel by weight and bias [C] when given.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// Per-channel normalization of x [N, C, ...]. Training uses the batch statistics and updates
/// the running ones in place (unbiased variance, weight momentum); evaluation uses the running
/// statistics, which must then be given. weight and bias are [C].
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

/// Normalizes each sample's channels [N, C, ...] over their own spatial dims. With
/// use_input_stats the sample statistics are used and the running ones (when given) updated
/// with their mean over the batch; otherwise the running statistics are used.
Tensor instance_norm(const Tensor& x, const Tensor& running_mean = {},
                     const Tensor& running_var = {}, const Tensor& weight = {},
                     const Tensor& bias = {}, bool use_input_stats = true, double momentum = 0.1,
                     double eps = 1e-5);
/// x divided by (k + alpha / size * sum of x^2 over the size neighbouring channels)^beta.
Tensor local_response_norm(const Tensor& x, int64_t size, double alpha = 1e-4, double beta = 0.75,
                           double k = 1.0);

// ---- Losses --------------------------------------------------------------------------------
/// (input - target)^2, reduced; input and target must have the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |input - target|, reduced; input and target must have the same shape.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = input - target; beta = 0 is
/// l1_loss. beta must not be negative.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::Mean, double beta = 1.0);
/// 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta); delta must be positive.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);
/// target (log(target) - input) for log-probabilities input (0 where target is 0), or
/// exp(target) (target - input) with log_target. Mean averages over every element; "batchmean"
/// (Reduction::Sum divided by the batch size) is the one that matches the KL divergence.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);
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

namespace ember {
/// LibTorch's spellings of the pad modes: `PadFuncOptions({1, 1}).mode(kReflect)`.
inline constexpr nn::PadMode kConstant = nn::PadMode::Constant;
inline constexpr nn::PadMode kReflect = nn::PadMode::Reflect;
inline constexpr nn::PadMode kReplicate = nn::PadMode::Replicate;
inline constexpr nn::PadMode kCircular = nn::PadMode::Circular;
}  // namespace ember
