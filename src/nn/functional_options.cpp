// The functional API's options forms (ember/nn/functional_options.h): each unpacks its options
// into the positional form.
#include "ember/nn/functional_options.h"

#include "ember/ops/conv.h"

namespace ember::nn::functional {
Tensor relu(const Tensor& x, const ReLUFuncOptions& o) { return relu(x, o.inplace()); }
Tensor leaky_relu(const Tensor& x, const LeakyReLUFuncOptions& o) {
  return leaky_relu(x, o.negative_slope(), o.inplace());
}
Tensor gelu(const Tensor& x, const GELUFuncOptions& o) { return gelu(x, o.approximate()); }
Tensor elu(const Tensor& x, const ELUFuncOptions& o) { return elu(x, o.alpha(), o.inplace()); }
Tensor celu(const Tensor& x, const CELUFuncOptions& o) { return celu(x, o.alpha(), o.inplace()); }
Tensor selu(const Tensor& x, const SELUFuncOptions& o) { return selu(x, o.inplace()); }
Tensor relu6(const Tensor& x, const ReLU6FuncOptions& o) { return relu6(x, o.inplace()); }
Tensor softplus(const Tensor& x, const SoftplusFuncOptions& o) {
  return softplus(x, o.beta(), o.threshold());
}
Tensor hardtanh(const Tensor& x, const HardtanhFuncOptions& o) {
  return hardtanh(x, o.min_val(), o.max_val(), o.inplace());
}
Tensor threshold(const Tensor& x, const ThresholdFuncOptions& o) {
  return threshold(x, o.threshold(), o.value(), o.inplace());
}
Tensor glu(const Tensor& x, const GLUFuncOptions& o) { return glu(x, o.dim()); }
Tensor softmax(const Tensor& x, const SoftmaxFuncOptions& o) {
  return softmax(x, o.dim(), o.dtype());
}
Tensor log_softmax(const Tensor& x, const LogSoftmaxFuncOptions& o) {
  return log_softmax(x, o.dim(), o.dtype());
}
Tensor dropout(const Tensor& x, const DropoutFuncOptions& o) {
  return dropout(x, o.p(), o.training(), o.inplace());
}
Tensor dropout2d(const Tensor& x, const Dropout2dFuncOptions& o) {
  return dropout2d(x, o.p(), o.training(), o.inplace());
}
Tensor dropout3d(const Tensor& x, const Dropout3dFuncOptions& o) {
  return dropout3d(x, o.p(), o.training(), o.inplace());
}
Tensor alpha_dropout(const Tensor& x, const AlphaDropoutFuncOptions& o) {
  return alpha_dropout(x, o.p(), o.training(), o.inplace());
}
Tensor feature_alpha_dropout(const Tensor& x, const FeatureAlphaDropoutFuncOptions& o) {
  return feature_alpha_dropout(x, o.p(), o.training(), o.inplace());
}
Tensor embedding(const Tensor& indices, const Tensor& weight, const EmbeddingFuncOptions& o) {
  if (o.sparse())
    throw Error("embedding: sparse gradients are not supported (Ember has no sparse tensors)",
                ErrorKind::Runtime);
  std::optional<int64_t> padding_idx = o.padding_idx();
  if (padding_idx && *padding_idx < 0) *padding_idx += weight.size(0);
  if (o.max_norm()) {
    Tensor table = weight;
    embedding_renorm_(table, indices.contiguous(), *o.max_norm(), o.norm_type());
  }
  const Tensor rows = embedding(indices, weight, padding_idx);
  return o.scale_grad_by_freq() ? scale_grad_by_frequency(rows, indices) : rows;
}
Tensor pad(const Tensor& x, const PadFuncOptions& o) {
  return pad(x, o.pad(), o.mode(), o.value());
}
Tensor normalize(const Tensor& x, const NormalizeFuncOptions& o) {
  return normalize(x, o.p(), o.dim(), o.eps());
}
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, const CosineSimilarityFuncOptions& o) {
  return cosine_similarity(x1, x2, o.dim(), o.eps());
}
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, const PairwiseDistanceFuncOptions& o) {
  return pairwise_distance(x1, x2, o.p(), o.eps(), o.keepdim());
}
Tensor layer_norm(const Tensor& x, const LayerNormFuncOptions& o) {
  return layer_norm(x, o.normalized_shape(), o.weight(), o.bias(), o.eps());
}

Tensor rms_norm(const Tensor& x, const RMSNormFuncOptions& o) {
  return rms_norm(x, o.normalized_shape(), o.weight(), o.eps());
}
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& o) {
  return batch_norm(x, running_mean, running_var, o.weight(), o.bias(), o.training(), o.momentum(),
                    o.eps());
}
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& o) {
  return mse_loss(input, target, o.reduction());
}
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& o) {
  return l1_loss(input, target, o.reduction());
}
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& o) {
  return smooth_l1_loss(input, target, o.reduction(), o.beta());
}
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& o) {
  return huber_loss(input, target, o.reduction(), o.delta());
}
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& o) {
  return kl_div(input, target, o.reduction(), o.log_target());
}
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& o) {
  return nll_loss(input, target, o.reduction(), o.ignore_index(), o.weight());
}
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& o) {
  return cross_entropy(input, target, o.reduction(), o.ignore_index(), o.label_smoothing(),
                       o.weight());
}
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& o) {
  return binary_cross_entropy(input, target, o.weight(), o.reduction());
}
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& o) {
  return binary_cross_entropy_with_logits(input, target, o.weight(), o.reduction(), o.pos_weight());
}

}  // namespace ember::nn::functional
