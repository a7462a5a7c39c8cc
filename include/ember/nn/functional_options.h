#pragma once
/// LibTorch's spelling of the functional API: each function also takes its arguments as one
/// options object, `F::mse_loss(x, y, F::MSELossFuncOptions().reduction(torch::kSum))`,
/// `F::dropout(x, F::DropoutFuncOptions().p(0.2).training(is_training()))`. Where LibTorch
/// reuses a module's options the name is an alias of it; the rest are defined here.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/functional_spatial.h"
#include "ember/nn/modules/activation.h"
#include "ember/nn/modules/conv.h"
#include "ember/nn/modules/distance.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/loss.h"
#include "ember/nn/modules/pooling.h"

namespace ember::nn {

namespace functional {

using ReLUFuncOptions = ReLUOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using GELUFuncOptions = GELUOptions;
using ELUFuncOptions = ELUOptions;
using CELUFuncOptions = CELUOptions;
using SELUFuncOptions = SELUOptions;
using ReLU6FuncOptions = ReLU6Options;
using SoftplusFuncOptions = SoftplusOptions;
using HardtanhFuncOptions = HardtanhOptions;
using ThresholdFuncOptions = ThresholdOptions;
using GLUFuncOptions = GLUOptions;
using CosineSimilarityFuncOptions = CosineSimilarityOptions;
using PairwiseDistanceFuncOptions = PairwiseDistanceOptions;
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;

/// F::softmax's arguments: `SoftmaxFuncOptions(1)`, optionally with the dtype to compute in.
class SoftmaxFuncOptions {
 public:
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
  EMBER_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};
/// F::log_softmax's arguments, the same (LibTorch has two classes; one name serves).
using LogSoftmaxFuncOptions = SoftmaxFuncOptions;

/// F::dropout's arguments: the probability, whether training (no dropout otherwise) and
/// whether to overwrite the input.
class DropoutFuncOptions {
  EMBER_ARG(double, p) = 0.5;
  EMBER_ARG(bool, training) = true;
  EMBER_ARG(bool, inplace) = false;
};

using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;

/// F::alpha_dropout's and F::feature_alpha_dropout's arguments (training defaults to false, as
/// in torch).
class AlphaDropoutFuncOptions {
  EMBER_ARG(double, p) = 0.5;
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(bool, inplace) = false;
};
using FeatureAlphaDropoutFuncOptions = AlphaDropoutFuncOptions;

/// F::embedding's arguments: `EmbeddingFuncOptions().padding_idx(0).max_norm(1.0)`.
class EmbeddingFuncOptions {
  /// The row that gets no gradient.
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  /// Rows the lookup picks whose norm exceeds max_norm are rescaled to it, in weight, in place.
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  /// The p of that norm.
  EMBER_ARG(double, norm_type) = 2.0;
  /// Divide each row's gradient by how often its index occurs in the lookup.
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  /// Sparse gradients are not supported: true is an error.
  EMBER_ARG(bool, sparse) = false;
};

/// F::pad's arguments: `PadFuncOptions({1, 1, 2, 2}).mode(torch::kReflect)`.
class PadFuncOptions {
 public:
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}
  EMBER_ARG(std::vector<int64_t>, pad);
  EMBER_ARG(PadMode, mode) = PadMode::Constant;
  EMBER_ARG(double, value) = 0;
};

/// F::normalize's arguments.
class NormalizeFuncOptions {
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(int64_t, dim) = 1;
  EMBER_ARG(double, eps) = 1e-12;
};

/// F::layer_norm's arguments: `LayerNormFuncOptions({4}).weight(w).bias(b)`.
class LayerNormFuncOptions {
 public:
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(double, eps) = 1e-5;
};

/// F::rms_norm's arguments: `RMSNormFuncOptions({4}).weight(w).eps(1e-6)`.
class RMSNormFuncOptions {
 public:
  RMSNormFuncOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(std::optional<double>, eps) = std::nullopt;
};

/// F::batch_norm's arguments.
class BatchNormFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(double, momentum) = 0.1;
  EMBER_ARG(double, eps) = 1e-5;
};

Tensor relu(const Tensor& x, const ReLUFuncOptions& options);
Tensor leaky_relu(const Tensor& x, const LeakyReLUFuncOptions& options);
Tensor gelu(const Tensor& x, const GELUFuncOptions& options);
Tensor elu(const Tensor& x, const ELUFuncOptions& options);
Tensor celu(const Tensor& x, const CELUFuncOptions& options);
Tensor selu(const Tensor& x, const SELUFuncOptions& options);
Tensor relu6(const Tensor& x, const ReLU6FuncOptions& options);
Tensor softplus(const Tensor& x, const SoftplusFuncOptions& options);
Tensor hardtanh(const Tensor& x, const HardtanhFuncOptions& options);
Tensor threshold(const Tensor& x, const ThresholdFuncOptions& options);
Tensor glu(const Tensor& x, const GLUFuncOptions& options);
Tensor softmax(const Tensor& x, const SoftmaxFuncOptions& options);
Tensor log_softmax(const Tensor& x, const LogSoftmaxFuncOptions& options);
Tensor dropout(const Tensor& x, const DropoutFuncOptions& options);
Tensor dropout2d(const Tensor& x, const Dropout2dFuncOptions& options);
Tensor dropout3d(const Tensor& x, const Dropout3dFuncOptions& options);
Tensor alpha_dropout(const Tensor& x, const AlphaDropoutFuncOptions& options);
Tensor feature_alpha_dropout(const Tensor& x, const FeatureAlphaDropoutFuncOptions& options);
Tensor embedding(const Tensor& indices, const Tensor& weight, const EmbeddingFuncOptions& options);
Tensor pad(const Tensor& x, const PadFuncOptions& options);
Tensor normalize(const Tensor& x, const NormalizeFuncOptions& options);
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                         const CosineSimilarityFuncOptions& options);
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                         const PairwiseDistanceFuncOptions& options);
Tensor layer_norm(const Tensor& x, const LayerNormFuncOptions& options);
Tensor rms_norm(const Tensor& x, const RMSNormFuncOptions& options);
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options);
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options);
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const SmoothL1LossFuncOptions& options);
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options);
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options);
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options);
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyFuncOptions& options);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options);

}  // namespace functional
}  // namespace ember::nn
