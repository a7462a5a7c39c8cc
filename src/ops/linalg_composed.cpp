// Products composed of mm, bmm, mv, outer and elementwise ops (see ember/ops/linalg_composed.h).
#include "ember/ops/linalg_composed.h"

#include <algorithm>
#include <numeric>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

// beta * self + term; as in torch, beta = 0 ignores self (its NaNs included).
Tensor scaled_accumulate(const Tensor& self, const Tensor& term, const Scalar& beta) {
  if (beta.to_double() == 0) return term + zeros_like(self) * 0;
  return self * beta + term;
}

}  // namespace

Tensor kron(const Tensor& a, const Tensor& b) {
  const int64_t n = std::max(a.dim(), b.dim());
  // Sizes padded with leading ones to rank n.
  auto padded = [n](const Tensor& t, int64_t i) {
    return i < n - t.dim() ? int64_t{1} : t.size(i - (n - t.dim()));
  };
  // a as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...], then each pair merged.
  DimVector va, vb, out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t sa = padded(a, i), sb = padded(b, i);
    va.push_back(sa), va.push_back(1);
    vb.push_back(1), vb.push_back(sb);
    out.push_back(sa * sb);
  }
  return (a.reshape(va) * b.reshape(vb)).reshape(out);
}

Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b) {
  EMBER_CHECK(dims_a.size() == dims_b.size(),
              "tensordot: both dimension lists should have same length (got {} and {})",
              dims_a.size(), dims_b.size());
  std::vector<bool> contracted_a(static_cast<size_t>(a.dim())), contracted_b(b.dim());
  DimVector perm_a, perm_b, free_sizes;
  int64_t k = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = detail::wrap_dim(dims_a[i], a.dim(), "tensordot");
    const int64_t db = detail::wrap_dim(dims_b[i], b.dim(), "tensordot");
    EMBER_CHECK(a.size(da) == b.size(db),
                "tensordot: contracted dimensions need to match, but first has size {} in dim {} "
                "and second has size {} in dim {}",
                a.size(da), da, b.size(db), db);
    contracted_a[da] = contracted_b[db] = true;
    k *= a.size(da);
  }
  int64_t m = 1, n = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!contracted_a[d]) perm_a.push_back(d), free_sizes.push_back(a.size(d)), m *= a.size(d);
  for (size_t i = 0; i < dims_a.size(); ++i)
    perm_a.push_back(detail::wrap_dim(dims_a[i], a.dim(), "tensordot"));
  for (size_t i = 0; i < dims_b.size(); ++i)
    perm_b.push_back(detail::wrap_dim(dims_b[i], b.dim(), "tensordot"));
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!contracted_b[d]) perm_b.push_back(d), free_sizes.push_back(b.size(d)), n *= b.size(d);
  const Tensor product = a.permute(perm_a).reshape({m, k}).mm(b.permute(perm_b).reshape({k, n}));
  return product.reshape(free_sizes);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  EMBER_CHECK(dims >= 0, "tensordot expects dims >= 0, but got dims={}", dims);
  EMBER_CHECK(dims <= a.dim() && dims <= b.dim(),
              "tensordot expects dims < ndim_a or ndim_b, but got dims={}", dims);
  DimVector da, db;
  for (int64_t i = 0; i < dims; ++i) da.push_back(a.dim() - dims + i), db.push_back(i);
  return tensordot(a, b, da, db);
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
  EMBER_CHECK(a.dim() == b.dim(), "linalg.cross: inputs must have the same number of dimensions.");
  const std::vector<Tensor> both = broadcast_tensors({a, b});
  const Tensor& x = both[0];
  const Tensor& y = both[1];
  int64_t d = -1;
  if (dim) {
    d = detail::wrap_dim(*dim, x.dim(), "cross");
  } else {
    for (int64_t i = 0; i < x.dim() && d < 0; ++i)
      if (x.size(i) == 3) d = i;
    EMBER_CHECK(d >= 0, "cross: no dimension of size 3 in input of shape {}", x.sizes());
  }
  EMBER_CHECK(x.size(d) == 3, "linalg.cross: inputs dimension {} must have length 3. Got {} and {}",
              d, a.dim() > d ? a.size(d) : 0, b.dim() > d ? b.size(d) : 0);
  auto at = [&](const Tensor& t, int64_t i) { return t.narrow(d, i, 1); };
  return cat({at(x, 1) * at(y, 2) - at(x, 2) * at(y, 1), at(x, 2) * at(y, 0) - at(x, 0) * at(y, 2),
              at(x, 0) * at(y, 1) - at(x, 1) * at(y, 0)},
             d);
}

Tensor cdist(const Tensor& x1, const Tensor& x2, double p) {
  EMBER_CHECK(x1.dim() >= 2 && x2.dim() >= 2,
              "cdist only supports at least 2D tensors, X1 got: {}D, X2 got: {}D", x1.dim(),
              x2.dim());
  EMBER_CHECK(x1.size(-1) == x2.size(-1),
              "cdist: X1 and X2 must have the same number of columns. X1: {} X2: {}", x1.size(-1),
              x2.size(-1));
  EMBER_CHECK(p >= 0, "cdist only supports non-negative p values (got {})", p);
  return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p, {-1});
}

Tensor pdist(const Tensor& x, double p) {
  EMBER_CHECK(x.dim() == 2, "pdist only supports 2D tensors, got: {}D", x.dim());
  EMBER_CHECK(p >= 0, "pdist only supports non-negative p values (got {})", p);
  const Tensor pairs = triu_indices(x.size(0), x.size(0), 1);
  return (x.index_select(0, pairs[0]) - x.index_select(0, pairs[1])).norm(p, {-1});
}

Tensor inner(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0) return a * b;
  EMBER_CHECK(
      a.size(-1) == b.size(-1),
      "inner() the last dimension must match on both input tensors but got shapes {} and {}",
      a.sizes(), b.sizes());
  return tensordot(a, b, {-1}, {-1});
}

Tensor vdot(const Tensor& a, const Tensor& b) { return dot(a, b); }

Tensor addr(const Tensor& self, const Tensor& v1, const Tensor& v2, const Scalar& beta,
            const Scalar& alpha) {
  return scaled_accumulate(self, outer(v1, v2) * alpha, beta);
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  return scaled_accumulate(self, mv(mat, vec) * alpha, beta);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  return scaled_accumulate(self, bmm(batch1, batch2) * alpha, beta);
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  return scaled_accumulate(self, bmm(batch1, batch2).sum({0}) * alpha, beta);
}

Tensor block_diag(TensorList tensors) {
  if (tensors.empty()) return empty({1, 0});
  std::vector<Tensor> blocks;
  ScalarType dtype = tensors[0].dtype();
  int64_t cols = 0;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(t.dim() <= 2,
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input has {} "
                "dimensions",
                t.dim());
    blocks.push_back(t.dim() == 2 ? t : t.reshape({1, -1}));
    dtype = result_type(blocks.back(), zeros({}, TensorOptions(dtype)));
    cols += blocks.back().size(1);
  }
  std::vector<Tensor> rows;
  int64_t before = 0;
  for (const Tensor& block : blocks) {
    const int64_t r = block.size(0), c = block.size(1);
    const TensorOptions options = TensorOptions(dtype).device(block.device());
    rows.push_back(cat(
        {zeros({r, before}, options), block.to(dtype), zeros({r, cols - before - c}, options)}, 1));
    before += c;
  }
  return cat(rows, 0);
}

}  // namespace ember
