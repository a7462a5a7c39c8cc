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

// The gradient of each running extreme goes to the position it was taken from.
void record_scattered(const char* name, const Tensor& t, const Tensor& values,
                      const Tensor& indices, int64_t d) {
  const DimVector shape(t.sizes().begin(), t.sizes().end());
  detail::record(
      name, {&t}, {&values}, {{indices}},
      [shape, d](auto&, auto& g, auto& s) {
        if (shape.empty()) return variable_list{g[0]};
        return variable_list{zeros(shape, g[0].options()).scatter_add(d, s[0], g[0])};
      },
      // The tangent at the position each extreme was taken from.
      [d](const variable_list& t, const variable_list& s) {
        return variable_list{t[0].dim() == 0 ? t[0] : t[0].gather(d, s[0])};
      });
}

std::tuple<Tensor, Tensor> running_extreme(bool is_max, const Tensor& t, int64_t dim) {
  const char* name = is_max ? "cummax" : "cummin";
  const int64_t d = detail::wrap_dim(dim, t.dim(), name);
  auto [values, indices] = scanned(is_max ? ScanOp::Max : ScanOp::Min, t, d, true);
  record_scattered(is_max ? "CummaxBackward0" : "CumminBackward0", t, values, indices, d);
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

// logcumsumexp's gradient along d: sum_{i >= k} g_i exp(x_k - y_i). The sum is split by the
// sign of g and taken in log space, so large inputs neither overflow nor underflow:
// exp(x_k + reverse_logcumsumexp(log|g| - y)) for each sign.
Tensor logcumsumexp_vjp(const Tensor& g, const Tensor& x, const Tensor& y, int64_t d) {
  const double ninf = -std::numeric_limits<double>::infinity();
  auto part = [&](const Tensor& positive_grad) {
    const Tensor log_g = where(positive_grad.gt(0), positive_grad, 1.0).log();
    const Tensor masked = where(positive_grad.gt(0), log_g - y, ninf);
    return (logcumsumexp(masked.flip({d}), d).flip({d}) + x).exp();
  };
  return part(g) - part(-g);
}

// Its tangent along t: sum_{k <= i} exp(x_k - y_i) t_k, each sign of t summed in log space:
// exp(logcumsumexp(x + log|t|)_i - y_i).
Tensor logcumsumexp_jvp(const Tensor& t, const Tensor& x, const Tensor& out, int64_t d) {
  const double ninf = -std::numeric_limits<double>::infinity();
  // Where y is -inf so is every x before it, and the term is 0, not exp(-inf + inf).
  const Tensor y = where(out.eq(ninf), 0.0, out);
  auto part = [&](const Tensor& positive) {
    const Tensor log_t = where(positive.gt(0), positive, 1.0).log();
    const Tensor masked = where(positive.gt(0), log_t + x, ninf);
    return (logcumsumexp(masked, d) - y).exp();
  };
  return part(t) - part(-t);
}

// The gradient gx = logcumsumexp_vjp(g, x, y) as a node of its own when it must be
// differentiated again. The log-space formula is flat in g where g = 0 (its sign split masks
// those entries), so differentiating through it would drop d gx / d g there. gx is linear in g
// with d<gx, v>/dg = J v (the tangent along v); d gx_k / d x_k = gx_k; and
// d<gx, v>/d y_i = -g_i (J v)_i.
Tensor logcumsumexp_grad(const Tensor& g, const Tensor& x, const Tensor& y, int64_t d) {
  if (!GradMode::is_enabled()) return logcumsumexp_vjp(g, x, y, d);
  Tensor gx;
  {
    NoGradGuard values_only;
    gx = logcumsumexp_vjp(g, x, y, d);
  }
  detail::record("LogcumsumexpBackwardBackward0", {&g, &x, &y}, {&gx}, {{g}, {x}, {y}, {gx, true}},
                 [d](auto& node, auto& v, auto& s) {
                   const Tensor jv = logcumsumexp_jvp(v[0], s[1], s[2], d);
                   return variable_list{jv, detail::needs_grad(node, 1) ? v[0] * s[3] : Tensor(),
                                        detail::needs_grad(node, 2) ? -s[0] * jv : Tensor()};
                 });
  return gx;
}

}  // namespace

Tensor logcumsumexp(const Tensor& t, int64_t dim) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "logcumsumexp");
  EMBER_CHECK(t.is_floating_point(), "logcumsumexp: not implemented for '{}'",
              dtype_legacy_name(t.dtype()));
  Tensor out = std::get<0>(scanned(ScanOp::LogSumExp, t, d, false));
  // d y_i / d x_k = exp(x_k - y_i) for k <= i.
  detail::record(
      "LogcumsumexpBackward0", {&t}, {&out}, {{t}, {out, true}},
      [d](auto&, auto& g, auto& s) {
        if (s[0].dim() == 0) return variable_list{g[0]};
        return variable_list{logcumsumexp_grad(g[0], s[0], s[1], d)};
      },
      [d](const variable_list& t, const variable_list& s) {
        if (s[0].dim() == 0) return variable_list{t[0]};
        return variable_list{logcumsumexp_jvp(t[0], s[0], s[1], d)};
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
