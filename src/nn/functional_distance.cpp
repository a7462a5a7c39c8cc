// The distance functions of nn::functional: normalize, cosine_similarity, pairwise_distance,
// pdist.
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

Tensor normalize(const Tensor& x, double p, int64_t dim, double eps) {
  return x / x.norm(p, {dim}, true).clamp_min(eps).expand_as(x);
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  // Each vector is divided by its own norm (at least eps) before the dot product, as PyTorch
  // does: the gradient at a zero vector is then PyTorch's too.
  const std::vector<Tensor> both = broadcast_tensors({x1, x2});
  auto unit = [&](const Tensor& x) {
    return x / (x * x).sum({dim}, true).clamp_min(eps * eps).sqrt();
  };
  return (unit(both[0]) * unit(both[1])).sum({dim});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  return (x1 - x2 + eps).norm(p, {-1}, keepdim);
}

Tensor pdist(const Tensor& x, double p) { return ember::pdist(x, p); }

}  // namespace ember::nn::functional
