// The margin, embedding and likelihood loss modules: each applies its F:: function.
#include "ember/nn/modules/loss_margin.h"

namespace ember::nn {

namespace F = functional;

Tensor MarginRankingLossImpl::forward(const Tensor& a, const Tensor& b, const Tensor& c) {
  return F::margin_ranking_loss(a, b, c, options);
}
Tensor HingeEmbeddingLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::hinge_embedding_loss(input, target, options);
}
Tensor SoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::soft_margin_loss(input, target, options);
}
Tensor CosineEmbeddingLossImpl::forward(const Tensor& a, const Tensor& b, const Tensor& c) {
  return F::cosine_embedding_loss(a, b, c, options);
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multi_margin_loss(input, target, options);
}
Tensor MultiLabelMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multilabel_margin_loss(input, target, options);
}
Tensor MultiLabelSoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multilabel_soft_margin_loss(input, target, options);
}
Tensor TripletMarginLossImpl::forward(const Tensor& a, const Tensor& b, const Tensor& c) {
  return F::triplet_margin_loss(a, b, c, options);
}
Tensor TripletMarginWithDistanceLossImpl::forward(const Tensor& a, const Tensor& b,
                                                  const Tensor& c) {
  return F::triplet_margin_with_distance_loss(a, b, c, options);
}
Tensor PoissonNLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::poisson_nll_loss(input, target, options);
}
Tensor GaussianNLLLossImpl::forward(const Tensor& a, const Tensor& b, const Tensor& c) {
  return F::gaussian_nll_loss(a, b, c, options);
}

}  // namespace ember::nn
