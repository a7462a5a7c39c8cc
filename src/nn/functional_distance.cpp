// The distance functions of nn::functional: normalize, cosine_similarity, pairwise_distance.
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

Tensor normalize(const Tensor& x, double p, int64_t dim, double eps) {
  return x / x.norm(p, {dim}, true).clamp_min(eps).expand_as(x);
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  // sum(x1 x2) / sqrt(|x1|^2 |x2|^2): one square root of the product, as SciPy and PyTorch do.
  const std::vector<Tensor> both = broadcast_tensors({x1, x2});
  const Tensor &a = both[0], &b = both[1];
  const Tensor dot = (a * b).sum({dim});
  const Tensor squares = (a * a).sum({dim}) * (b * b).sum({dim});
  return dot / squares.clamp_min(eps * eps).sqrt();
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  return (x1 - x2 + eps).norm(p, {-1}, keepdim);
}

}  // namespace ember::nn::functional
