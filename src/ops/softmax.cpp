// Softmax, log-softmax and logsumexp. Each records a single node. Softmax and log-softmax over
// the innermost dim of a float tensor run on the row kernels (one pass per row while it is in
// the cache), as does their backward unless it is to be differentiated again; otherwise the
// forward runs on existing kernels (shift by the maximum, exp in place) and the backward is
// written in ops, which is cheaper than the graph of the composite and differentiable again.
#include "ember/ops/softmax.h"

#include <array>
#include <limits>
#include <optional>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
namespace {
using detail::variable_list;

Tensor floating_input(const Tensor& t, std::optional<ScalarType> dtype, const char* op) {
  Tensor in = dtype ? t.to(*dtype) : t;
  EMBER_CHECK(in.is_floating_point(), "{}: not implemented for '{}'", op,
              dtype_legacy_name(in.dtype()));
  return in;
}

// t minus its maximum along dim: every exponent is then <= 0, so exp cannot overflow.
Tensor shifted(const Tensor& t, int64_t dim) {
  if (t.numel() == 0) return t.clone();
  return t - t.amax({dim}, true);
}

// The shape of a reduction over dims (all when empty) without keepdim.
DimVector reduced_shape(const Tensor& t, IntArrayRef dims, const char* op) {
  SmallVector<bool, 6> reduced(static_cast<size_t>(t.dim()), dims.empty());
  for (int64_t d : dims)
    if (t.dim() > 0) reduced[detail::wrap_dim(d, t.dim(), op)] = true;
  DimVector shape;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!reduced[d]) shape.push_back(t.sizes()[d]);
  return shape;
}

// The [rows, n] shape of t with dim d innermost, when the row kernels can take t: a float
// tensor whose dims after d all have size 1.
std::optional<std::array<int64_t, 2>> kernel_rows(const Tensor& t, int64_t d) {
  if (t.dim() == 0 || t.numel() == 0 || !(t.dtype() == kFloat32 || t.dtype() == kFloat64))
    return std::nullopt;
  for (int64_t i = d + 1; i < t.dim(); ++i)
    if (t.size(i) != 1) return std::nullopt;
  const int64_t n = t.size(d);
  return std::array<int64_t, 2>{t.numel() / n, n};
}

Tensor kernel_forward(const Tensor& in, std::array<int64_t, 2> shape, bool log) {
  const IntArrayRef rows(shape.data(), 2);
  Tensor out = detail::empty_for(in.sizes(), in.options(), {&in});
  detail::kernels_for(in).softmax(out.view(rows), in.contiguous().view(rows), log);
  return out;
}

Tensor kernel_backward(const Tensor& grad, const Tensor& out, std::array<int64_t, 2> shape,
                       bool log) {
  const IntArrayRef rows(shape.data(), 2);
  Tensor grad_in = detail::empty_for(out.sizes(), out.options(), {&out, &grad});
  detail::kernels_for(out).softmax_backward(grad_in.view(rows), grad.contiguous().view(rows),
                                            out.contiguous().view(rows), log);
  return grad_in;
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  const Tensor in = floating_input(t, dtype, "softmax");
  const int64_t d = detail::wrap_dim(dim, in.dim(), "softmax");
  const auto rows = kernel_rows(in, d);
  Tensor out;
  if (rows) {
    out = kernel_forward(in, *rows, false);
  } else {
    NoGradGuard no_grad;
    out = shifted(in, d);
    out.exp_();
    out.div_(out.sum({d}, true));
  }
  // dy_i/dx_j = y_i (delta_ij - y_j), so grad_x = y * (g - sum(g * y))
  detail::record(
      "SoftmaxBackward0", {&in}, {&out}, {{out, true}},
      [d, rows](auto&, auto& g, auto& s) {
        const Tensor& y = s[0];
        if (rows && !GradMode::is_enabled() && g[0].dtype() == y.dtype())
          return variable_list{kernel_backward(g[0], y, *rows, false)};
        return variable_list{y * (g[0] - (g[0] * y).sum({d}, true))};
      },
      // d softmax(x)[t] = y * (t - sum(y * t)): the backward formula's shape, with t for g.
      [d](const variable_list& t, const variable_list& s) {
        const Tensor& y = s[0];
        return variable_list{y * (t[0] - (t[0] * y).sum({d}, true))};
      });
  return out;
}

Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  const Tensor in = floating_input(t, dtype, "log_softmax");
  const int64_t d = detail::wrap_dim(dim, in.dim(), "log_softmax");
  const auto rows = kernel_rows(in, d);
  Tensor out;
  if (rows) {
    out = kernel_forward(in, *rows, true);
  } else {
    NoGradGuard no_grad;
    out = shifted(in, d);
    out.sub_(out.exp().sum({d}, true).log());
  }
  // dy_i/dx_j = delta_ij - softmax_j, so grad_x = g - exp(y) * sum(g)
  detail::record(
      "LogSoftmaxBackward0", {&in}, {&out}, {{out, true}},
      [d, rows](auto&, auto& g, auto& s) {
        if (rows && !GradMode::is_enabled() && g[0].dtype() == s[0].dtype())
          return variable_list{kernel_backward(g[0], s[0], *rows, true)};
        return variable_list{g[0] - s[0].exp() * g[0].sum({d}, true)};
      },
      // d log_softmax(x)[t] = t - sum(softmax(x) * t).
      [d](const variable_list& t, const variable_list& s) {
        return variable_list{t[0] - (s[0].exp() * t[0]).sum({d}, true)};
      });
  return out;
}

Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim) {
  const Tensor in = t.is_floating_point() ? t : t.to(get_default_dtype());
  Tensor kept;
  {
    NoGradGuard no_grad;
    if (in.numel() == 0) {
      kept = in.exp().sum(dims, true).log();
    } else {
      // An infinite maximum is not subtracted (inf - inf would give NaN); the sum carries it.
      Tensor m = in.amax(dims, true);
      m.masked_fill_(m.abs().eq(std::numeric_limits<double>::infinity()), 0);
      kept = (in - m).exp_().sum(dims, true).log();
      kept.add_(m);
    }
  }
  Tensor out = keepdim ? kept : kept.view(reduced_shape(in, dims, "logsumexp"));
  const DimVector keep(kept.sizes().begin(), kept.sizes().end());
  // d/dx_i log(sum(exp(x))) = exp(x_i - logsumexp(x))
  detail::record(
      "LogsumexpBackward0", {&in}, {&out}, {{in}, {out, true}},
      [keep](auto&, auto& g, auto& s) {
        return variable_list{g[0].reshape(keep) * (s[0] - s[1].reshape(keep)).exp()};
      },
      // d logsumexp(x)[t] = sum(softmax(x) * t) over the reduced dims.
      [keep, dims = DimVector(dims.begin(), dims.end())](const variable_list& t,
                                                         const variable_list& s) {
        const Tensor weighted = (s[0] - s[1].reshape(keep)).exp() * t[0];
        return variable_list{weighted.sum(dims, true).reshape(s[1].sizes())};
      });
  return out;
}

}  // namespace ember
