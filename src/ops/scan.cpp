// Running products, extremes and log-sum-exp along a dim, each with its backward.
#include "ember/ops/scan.h"

#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::ScanOp;
using detail::variable_list;

namespace {

// The running op of t (already in the result dtype) along the wrapped dim d, unrecorded.
std::tuple<Tensor, Tensor> scanned(ScanOp op, const Tensor& t, int64_t d, bool with_indices) {
  Tensor out = detail::empty_for(t.sizes(), t.options(), {&t});
  Tensor indices =
      with_indices ? detail::empty_for(t.sizes(), TensorOptions(kInt64).device(t.device()), {&t})
                   : Tensor();
  if (t.numel() == 0) return {out, indices};
  if (t.dim() == 0) {
    out.copy_(t);
    if (with_indices) indices.fill_(0);
    return {out, indices};
  }
  detail::kernels_for(t).scan(op, out, indices, t.contiguous(), d);
  return {out, indices};
}

// Sums g from each position to the end of dim d: the adjoint of a running sum.
Tensor reverse_cumsum(const Tensor& g, int64_t d) {
  return g.dim() == 0 ? g : g.flip({d}).cumsum(d).flip({d});
}

// d cumprod(x)_i / d x_k = prod_{j <= i, j != k} x_j for i >= k. Without zeros this is
// cumprod_i / x_k, so the gradient is reverse_cumsum(g * y) / x. With zeros the products are
// formed explicitly as an n x n matrix per row (M[i][k] = prod_{k < j <= i} x_j), in public ops
// so the result is differentiable again.
// With x moved to the last dim ([..., n]), M[..., i, k] = prod_{k < j <= i} x_j for i >= k (else
// 0) and the exclusive running product prod_{j < k} x_j: d y_i / d x_k = exclusive_k M[i][k].
std::pair<Tensor, Tensor> cumprod_factors(const Tensor& xm) {
  const int64_t n = xm.size(-1);
  const Tensor i = arange(n, TensorOptions(kInt64).device(xm.device())).view({n, 1});
  const Tensor k = arange(n, TensorOptions(kInt64).device(xm.device())).view({1, n});
  // factors[..., i, k] = x_i where i > k, else 1; their running product over i gives M.
  const Tensor factors = where(i.gt(k), xm.unsqueeze(-1), ones({}, xm.options()));
  const Tensor m = where(i.ge(k), factors.cumprod(-2), zeros({}, xm.options()));
  const Tensor exclusive =
      cat({ones_like(xm.narrow(-1, 0, 1)), xm.narrow(-1, 0, n - 1)}, -1).cumprod(-1);
  return {m, exclusive};
}

Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& y, int64_t d) {
  if (x.dim() == 0) return g;
  if (!x.eq(0).any().item<bool>()) return reverse_cumsum(g * y, d) / x;
  const auto [m, exclusive] = cumprod_factors(x.movedim(d, -1));
  const Tensor grad = exclusive * (g.movedim(d, -1).unsqueeze(-1) * m).sum(-2);
  return grad.movedim(-1, d);
}

// d y_i = sum_{k <= i} t_k prod_{j <= i, j != k} x_j: y * cumsum(t / x) without zeros, else
// through the same products as the backward.
Tensor cumprod_jvp(const Tensor& t, const Tensor& x, const Tensor& y, int64_t d) {
  if (x.dim() == 0) return t.to(y.dtype());
  if (!x.eq(0).any().item<bool>()) return (y * (t / x).cumsum(d)).to(y.dtype());
  const auto [m, exclusive] = cumprod_factors(x.movedim(d, -1));
  const Tensor dy = (m * (exclusive * t.movedim(d, -1)).unsqueeze(-2)).sum(-1);
  return dy.movedim(-1, d).to(y.dtype());
}

std::tuple<Tensor, Tensor> running_extreme(bool is_max, const Tensor& t, int64_t dim) {
  const char* name = is_max ? "cummax" : "cummin";
  const int64_t d = detail::wrap_dim(dim, t.dim(), name);
  auto [values, indices] = scanned(is_max ? ScanOp::Max : ScanOp::Min, t, d, true);
  detail::record_taken(is_max ? "CummaxBackward0" : "CumminBackward0", t, values, indices, d);
  return {values, indices};
}

}  // namespace

Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "cumprod");
  const ScalarType type = dtype ? *dtype : t.is_floating_point() ? t.dtype() : kInt64;
  Tensor out = std::get<0>(scanned(ScanOp::Prod, t.to(type), d, false));
  detail::record(
      "CumprodBackward0", {&t}, {&out}, {{t}, {out, true}},
      [d](auto&, auto& g, auto& s) { return variable_list{cumprod_backward(g[0], s[0], s[1], d)}; },
      [d](const variable_list& t, const variable_list& s) {
        return variable_list{cumprod_jvp(t[0], s[0], s[1], d)};
      });
  return out;
}

std::tuple<Tensor, Tensor> cummax(const Tensor& t, int64_t dim) {
  return running_extreme(true, t, dim);
}
std::tuple<Tensor, Tensor> cummin(const Tensor& t, int64_t dim) {
  return running_extreme(false, t, dim);
}

namespace {

// logcumsumexp's Jacobian J along d, with y = logcumsumexp(x): dy_i/dx_k = exp(x_k - y_i) for
// k <= i. Applying J^T (the gradient) or J (the tangent) sums, for each sign of the argument,
// in log space, so large inputs neither overflow nor underflow.
Tensor apply_jacobian_values(bool transpose, const Tensor& a, const Tensor& x, const Tensor& out,
                             int64_t d) {
  const double ninf = -std::numeric_limits<double>::infinity();
  // Where y is -inf so is every x before it, and the term is 0, not exp(-inf + inf).
  const Tensor y = where(out.eq(ninf), 0.0, out);
  auto part = [&](const Tensor& positive) {
    const Tensor log_a = where(positive.gt(0), positive, 1.0).log();
    if (transpose) {  // (J^T g)_k = exp(x_k + reverse_logcumsumexp(log g - y)_k)
      const Tensor masked = where(positive.gt(0), log_a - y, ninf);
      return (logcumsumexp(masked.flip({d}), d).flip({d}) + x).exp();
    }
    // (J t)_i = exp(logcumsumexp(x + log t)_i - y_i)
    const Tensor masked = where(positive.gt(0), log_a + x, ninf);
    return (logcumsumexp(masked, d) - y).exp();
  };
  return part(a) - part(-a);
}

// J^T a or J a as a node of its own when it must be differentiated again (grad mode on, or
// tangents under a dual level). The log-space values are flat in a where a = 0 (the sign split
// masks those entries), so differentiating through them would drop d/da there. Both maps are
// linear in a, each the other's adjoint, and
//   r = J^T g: d<r, v>/dx = v * r (diagonal),   d<r, v>/dy = -g * (J v);
//   r = J t:   d<r, v>/dx = t * (J^T v),            d<r, v>/dy = -v * r.
Tensor apply_jacobian(bool transpose, const Tensor& a, const Tensor& x, const Tensor& y,
                      int64_t d) {
  if (!GradMode::is_enabled() && !autograd::any_fw_grad({&a, &x, &y}))
    return apply_jacobian_values(transpose, a, x, y, d);
  Tensor r;
  {
    NoGradGuard values_only;
    autograd::ForwardADDisabledGuard no_tangents;
    r = apply_jacobian_values(transpose, a, x, y, d);
  }
  detail::record(
      transpose ? "LogcumsumexpBackwardBackward0" : "LogcumsumexpJvpBackward0", {&a, &x, &y}, {&r},
      {{a}, {x}, {y}, {r, true}}, [transpose, d](auto& node, auto& v, auto& s) {
        const Tensor back = apply_jacobian(!transpose, v[0], s[1], s[2], d);
        const bool dx = detail::needs_grad(node, 1), dy = detail::needs_grad(node, 2);
        if (transpose)
          return variable_list{back, dx ? v[0] * s[3] : Tensor(), dy ? -s[0] * back : Tensor()};
        return variable_list{back, dx ? s[0] * back : Tensor(), dy ? -v[0] * s[3] : Tensor()};
      });
  return r;
}

}  // namespace

Tensor logcumsumexp(const Tensor& t, int64_t dim) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "logcumsumexp");
  EMBER_CHECK(t.is_floating_point(), "logcumsumexp: not implemented for '{}'",
              dtype_legacy_name(t.dtype()));
  Tensor out = std::get<0>(scanned(ScanOp::LogSumExp, t, d, false));
  detail::record(
      "LogcumsumexpBackward0", {&t}, {&out}, {{t}, {out, true}},
      [d](auto&, auto& g, auto& s) {
        if (s[0].dim() == 0) return variable_list{g[0]};
        return variable_list{apply_jacobian(true, g[0], s[0], s[1], d)};
      },
      [d](const variable_list& t, const variable_list& s) {
        if (s[0].dim() == 0) return variable_list{t[0]};
        return variable_list{apply_jacobian(false, t[0], s[0], s[1], d)};
      });
  return out;
}

Tensor Tensor::cumprod(int64_t dim, std::optional<ScalarType> dtype) const {
  return ember::cumprod(*this, dim, dtype);
}
std::tuple<Tensor, Tensor> Tensor::cummax(int64_t dim) const { return ember::cummax(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummin(int64_t dim) const { return ember::cummin(*this, dim); }
Tensor Tensor::logcumsumexp(int64_t dim) const { return ember::logcumsumexp(*this, dim); }

}  // namespace ember
