// Ordering along a dim: sort, argsort and topk. Their gradients flow back to the positions the
// sorted elements came from.
#include "ember/ops/sort.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::variable_list;

namespace {

// The sorted values and source positions of t along dim (wrapped), without recording.
std::tuple<Tensor, Tensor> sorted(const Tensor& t, int64_t dim, bool descending) {
  Tensor values = detail::empty_for(t.sizes(), t.options(), {&t});
  Tensor indices = detail::empty_for(t.sizes(), TensorOptions(kInt64).device(t.device()), {&t});
  if (t.numel() == 0) return {values, indices};
  if (t.dim() == 0) return {values.fill_(t.item()), indices.fill_(0)};
  detail::kernels_for(t).sort(values, indices, t, dim, descending);
  return {values, indices};
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim, bool descending, bool stable) {
  (void)stable;  // the kernel always keeps equal elements in order
  const int64_t d = detail::wrap_dim(dim, t.dim(), "sort");
  auto [values, indices] = sorted(t, d, descending);
  detail::record_taken("SortBackward0", t, values, indices, d);
  return {values, indices};
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "argsort");
  return std::get<1>(sorted(t, d, descending));
}

std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim, bool largest,
                                bool sorted_result) {
  (void)sorted_result;  // the k elements always come in order
  const int64_t d = detail::wrap_dim(dim, t.dim(), "topk");
  EMBER_CHECK(t.dtype() != kBool, "topk: not implemented for 'Bool'");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  EMBER_CHECK(k >= 0 && k <= n, "topk: selected index k ({}) out of range for a dim of {}", k, n);
  Tensor values, indices;
  {
    NoGradGuard recorded_below;
    auto [all_values, all_indices] = sorted(t, d, largest);
    values = t.dim() == 0 ? all_values : all_values.narrow(d, 0, k).contiguous();
    indices = t.dim() == 0 ? all_indices : all_indices.narrow(d, 0, k).contiguous();
  }
  detail::record_taken("TopkBackward0", t, values, indices, d);
  return {values, indices};
}

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool stable) const {
  return ember::sort(*this, dim, descending, stable);
}
Tensor Tensor::argsort(int64_t dim, bool descending) const {
  return ember::argsort(*this, dim, descending);
}
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}

namespace detail {

void record_taken(const char* name, const Tensor& t, const Tensor& values, const Tensor& indices,
                  int64_t dim) {
  const DimVector shape(t.sizes().begin(), t.sizes().end());
  detail::record(
      name, {&t}, {&values}, {{indices}},
      [shape, dim](auto&, auto& g, auto& s) {
        if (shape.empty()) return variable_list{g[0]};
        return variable_list{zeros(shape, g[0].options()).scatter_add(dim, s[0], g[0])};
      },
      // The tangent at the positions the values came from.
      [dim](const variable_list& t, const variable_list& s) {
        return variable_list{t[0].dim() == 0 ? t[0] : t[0].gather(dim, s[0])};
      });
}

}  // namespace detail

}  // namespace ember
