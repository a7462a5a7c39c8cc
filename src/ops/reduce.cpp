// Reductions: sum, prod, max/min (with indices), and the composites built on them.
#include "ember/ops/reduce.h"

#include <cmath>
#include <string_view>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::ReduceOp;
using detail::variable_list;

namespace {

// Which dims a reduction covers; an empty list means every dim.
SmallVector<bool, 6> reduced_dims(const Tensor& t, IntArrayRef dims, const char* op) {
  SmallVector<bool, 6> mask(static_cast<size_t>(t.dim()), dims.empty());
  for (int64_t d : dims) {
    const int64_t w = detail::wrap_dim(d, t.dim(), op);
    if (t.dim() == 0) continue;
    EMBER_CHECK(!mask[w], "{}: dim {} appears multiple times in the list of dims", op, w);
    mask[w] = true;
  }
  return mask;
}

// The reduced shape with size 1 on reduced dims, and the final shape.
void reduced_shapes(const Tensor& t, const SmallVector<bool, 6>& mask, DimVector& keep,
                    DimVector& drop) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    keep.push_back(mask[d] ? 1 : t.sizes()[d]);
    if (!mask[d]) drop.push_back(t.sizes()[d]);
  }
}

Tensor reduce(ReduceOp op, const Tensor& t, IntArrayRef dims, bool keepdim, ScalarType out_dtype,
              const char* name) {
  auto mask = reduced_dims(t, dims, name);
  DimVector keep, drop;
  reduced_shapes(t, mask, keep, drop);
  // The result is a tensor of its own, not a view (it may be written in place later); the
  // kernel writes it through a view with the reduced dims kept.
  Tensor out =
      detail::empty_for(keepdim ? keep : drop, TensorOptions(out_dtype).device(t.device()), {&t});
  detail::kernels_for(t).reduce(op, keepdim ? out : out.view(keep), t.to(out_dtype));
  return out;
}

ScalarType sum_type(const Tensor& t, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_integral(t.dtype(), true) ? kInt64 : t.dtype();
}

int64_t reduced_count(const Tensor& t, IntArrayRef dims, const char* op) {
  auto mask = reduced_dims(t, dims, op);
  int64_t n = 1;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) n *= t.sizes()[d];
  return n;
}

// PyTorch raises RuntimeError for max()/min()/amax()/amin() of an empty tensor, but IndexError
// for argmax()/argmin().
void check_nonempty(const Tensor& t, const char* op) {
  if (!std::string_view(op).starts_with("arg")) {
    EMBER_CHECK(t.numel() > 0,
                "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument.",
                op);
    return;
  }
  EMBER_CHECK_INDEX(t.numel() > 0,
                    "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                    "the reduction dim with the 'dim' argument.",
                    op);
}

void check_nonempty_dims(const Tensor& t, IntArrayRef dims, const char* op) {
  if (t.numel() > 0) return;
  if (dims.empty()) check_nonempty(t, op);
  auto mask = reduced_dims(t, dims, op);
  for (int64_t d = 0; d < t.dim(); ++d)
    EMBER_CHECK_INDEX(!(mask[d] && t.sizes()[d] == 0),
                      "{}(): Expected reduction dim {} to have non-zero size.", op, d);
}

}  // namespace

// Records a reduction whose gradient is the incoming gradient spread back over the reduced
// dims, times `scale` (1 for sum, 1/n for mean).
void record_spread(const char* name, const Tensor& t, const Tensor& out, IntArrayRef dims,
                   double scale) {
  auto mask = reduced_dims(t, dims, name);
  DimVector keep, drop;
  reduced_shapes(t, mask, keep, drop);
  DimVector shape(t.sizes().begin(), t.sizes().end());
  detail::record(name, {&t}, {&out}, {}, [keep, shape, scale](auto&, auto& g, auto&) {
    Tensor spread = g[0].reshape(keep).expand(shape);
    return detail::variable_list{scale == 1 ? spread : spread * scale};
  });
}

// PyTorch names the node by overload: SumBackward0 for sum(), SumBackward1 for sum(dims), even
// when dims is empty (and likewise for mean).
namespace {
Tensor sum_impl(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype,
                const char* name) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = reduce(ReduceOp::Sum, t, dim, keepdim, sum_type(t, dtype), "sum");
  }
  // d/dx_i sum(x) = 1
  record_spread(name, t, out, dim, 1.0);
  return out;
}
Tensor mean_impl(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype,
                 const char* name);
}  // namespace

Tensor sum(const Tensor& t, std::optional<ScalarType> dtype) {
  return sum_impl(t, {}, false, dtype, "SumBackward0");
}
Tensor sum(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return sum_impl(t, dim, keepdim, dtype, "SumBackward1");
}

Tensor mean(const Tensor& t, std::optional<ScalarType> dtype) {
  return mean_impl(t, {}, false, dtype, "MeanBackward0");
}
Tensor mean(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return mean_impl(t, dim, keepdim, dtype, "MeanBackward1");
}

namespace {
Tensor mean_impl(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype,
                 const char* name) {
  const ScalarType out = dtype.value_or(t.dtype());
  EMBER_CHECK(is_floating_point(out),
              "mean(): could not infer output dtype. Input dtype must be either a floating point "
              "or complex dtype. Got: {}",
              dtype_legacy_name(out));
  const int64_t n = reduced_count(t, dim, "mean");
  Tensor result;
  {
    NoGradGuard no_grad;
    result = reduce(ReduceOp::Sum, t, dim, keepdim, out, "mean").div_(static_cast<double>(n));
  }
  // d/dx_i mean(x) = 1 / n
  record_spread(name, t, result, dim, 1.0 / static_cast<double>(n));
  return result;
}
}  // namespace

namespace {
// The product of the other elements along dim d, prod_{j != i} x_j: the exclusive running product
// from the front times the one from the back (PyTorch's prod_safe_zeros_backward). A polynomial in
// public ops, so create_graph differentiates it again whatever the zeros: with two zeros every
// first derivative is 0, yet the second derivative between the two is the product of the rest.
Tensor product_of_others(const Tensor& x, int64_t d) {
  const int64_t n = x.size(d);
  if (n <= 1) return ones_like(x);
  const Tensor one = ones_like(x.narrow(d, 0, 1));
  const Tensor before = cat({one, x.narrow(d, 0, n - 1)}, d).cumprod(d);
  const Tensor after = cat({one, x.narrow(d, 1, n - 1).flip({d})}, d).cumprod(d).flip({d});
  return before * after;
}

// The product over dims, recorded. d/dx_i prod(x) is the product of the other elements: r / x_i
// when no element is zero, else formed by running products.
Tensor recorded_prod(const Tensor& t, IntArrayRef dims, bool keepdim, ScalarType dtype,
                     const char* node_name) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = reduce(ReduceOp::Prod, t, dims, keepdim, dtype, "prod");
  }
  auto mask = reduced_dims(t, dims, "prod");
  DimVector keep, drop;
  reduced_shapes(t, mask, keep, drop);
  DimVector reduced;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) reduced.push_back(d);
  const bool all_dims = std::ssize(reduced) == t.dim();
  // d/dx_i prod(x) = prod(x) / x_i without zeros, else the product of the other elements.
  auto others = [keep, reduced, all_dims](const Tensor& x, const Tensor& y) {
    if (!x.eq(0).any().item<bool>()) return y.reshape(keep) / x;
    return all_dims ? product_of_others(x.reshape({-1}), 0).reshape(x.sizes())
                    : product_of_others(x, reduced[0]);
  };
  detail::record(
      node_name, {&t}, {&out}, {{t}, {out, true}},
      [keep, others](auto&, auto& g, auto& s) {
        const Tensor grad = g[0].reshape(keep);
        if (s[0].dim() == 0) return detail::variable_list{grad};
        return detail::variable_list{grad * others(s[0], s[1])};
      },
      // d prod(x)[t] = sum_i t_i prod_{j != i} x_j
      [reduced, others](const variable_list& t, const variable_list& s) {
        const Tensor& y = s[1];
        if (s[0].dim() == 0) return variable_list{t[0].to(y.dtype()).reshape(y.sizes())};
        const Tensor dy = (others(s[0], y) * t[0]).sum(reduced, true);
        return variable_list{dy.to(y.dtype()).reshape(y.sizes())};
      });
  return out;
}
}  // namespace

Tensor prod(const Tensor& t, std::optional<ScalarType> dtype) {
  return recorded_prod(t, {}, false, sum_type(t, dtype), "ProdBackward0");
}
Tensor prod(const Tensor& t, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  return recorded_prod(t, {dim}, keepdim, sum_type(t, dtype), "ProdBackward1");
}

namespace {
// The largest (smallest) elements over dims, recorded so that the gradient is split evenly among
// the elements that attain the extreme, as in PyTorch.
Tensor extreme(ReduceOp op, const Tensor& t, IntArrayRef dims, bool keepdim, const char* op_name,
               const char* node_name) {
  Tensor out = reduce(op, t, dims, keepdim, t.dtype(), op_name);
  auto mask = reduced_dims(t, dims, op_name);
  DimVector keep, drop, reduced;
  reduced_shapes(t, mask, keep, drop);
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) reduced.push_back(d);
  detail::record(
      node_name, {&t}, {&out}, {{t}, {out, true}},
      [keep, reduced](auto&, auto& g, auto& s) {
        Tensor hit = s[0].eq(s[1].reshape(keep)).to(g[0].dtype());
        Tensor count = hit.sum(reduced, true);
        return detail::variable_list{g[0].reshape(keep) * hit / count};
      },
      // The tangent averaged over the elements that attain the extreme (as the backward splits).
      [keep, reduced](const variable_list& t, const variable_list& s) {
        const Tensor hit = s[0].eq(s[1].reshape(keep)).to(t[0].dtype());
        const Tensor dy = (hit * t[0]).sum(reduced, true) / hit.sum(reduced, true);
        return variable_list{dy.reshape(s[1].sizes())};
      });
  return out;
}
}  // namespace

Tensor amax(const Tensor& t, IntArrayRef dim, bool keepdim) {
  check_nonempty_dims(t, dim, "amax");
  return extreme(ReduceOp::Amax, t, dim, keepdim, "amax", "AmaxBackward0");
}
Tensor amin(const Tensor& t, IntArrayRef dim, bool keepdim) {
  check_nonempty_dims(t, dim, "amin");
  return extreme(ReduceOp::Amin, t, dim, keepdim, "amin", "AminBackward0");
}
Tensor max(const Tensor& t) {
  check_nonempty(t, "max");
  return extreme(ReduceOp::Amax, t, {}, false, "max", "MaxBackward1");
}
Tensor min(const Tensor& t) {
  check_nonempty(t, "min");
  return extreme(ReduceOp::Amin, t, {}, false, "min", "MinBackward1");
}

namespace {
std::tuple<Tensor, Tensor> extreme_along(bool is_max, const Tensor& t, int64_t dim, bool keepdim) {
  const char* name = is_max ? "max" : "min";
  const int64_t d = detail::wrap_dim(dim, t.dim(), name);
  Tensor in = t.dim() == 0 ? t.view({1}) : t;
  EMBER_CHECK_INDEX(in.sizes()[d] > 0, "{}(): Expected reduction dim {} to have non-zero size.",
                    name, d);
  DimVector keep(in.sizes().begin(), in.sizes().end());
  keep[d] = 1;
  Tensor values = detail::empty_for(keep, TensorOptions(t.dtype()).device(t.device()), {&t});
  Tensor indices = detail::empty_for(keep, TensorOptions(kInt64).device(t.device()), {&t});
  detail::kernels_for(t).reduce_with_index(is_max, values, indices, in, d);
  const bool keep_shape = keepdim && t.dim() > 0;
  Tensor out_values = keep_shape ? values : values.squeeze(d);
  Tensor out_indices = keep_shape ? indices : indices.squeeze(d);
  // The gradient goes to the element each index picked: a one-hot mask along dim.
  DimVector in_shape(in.sizes().begin(), in.sizes().end());
  DimVector t_shape(t.sizes().begin(), t.sizes().end());
  const DimVector out_shape(out_values.sizes().begin(), out_values.sizes().end());
  detail::record(
      is_max ? "MaxBackward0" : "MinBackward0", {&t}, {&out_values}, {{indices}},
      [d, keep, in_shape, t_shape](auto&, auto& g, auto& s) {
        DimVector positions_shape(in_shape.size(), 1);
        positions_shape[d] = in_shape[d];
        Tensor positions = arange(in_shape[d]).view(positions_shape);
        Tensor onehot = positions.eq(s[0]).to(g[0].dtype());
        return detail::variable_list{(g[0].reshape(keep) * onehot).reshape(t_shape)};
      },
      // The tangent at the picked index.
      [d, in_shape, out_shape](const variable_list& t, const variable_list& s) {
        return variable_list{t[0].reshape(in_shape).gather(d, s[0]).reshape(out_shape)};
      });
  return {out_values, out_indices};
}
}  // namespace

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "cumsum");
  const ScalarType type = dtype ? *dtype : t.is_floating_point() ? t.dtype() : kInt64;
  const Tensor in = t.to(type);
  Tensor out = detail::empty_for(in.sizes(), in.options(), {&in});
  if (in.numel() > 0) {
    if (in.dim() == 0)
      out.copy_(in);
    else
      detail::kernels_for(in).cumsum(out, in, d);
  }
  // The gradient of a running sum is the running sum of the gradient taken from the end.
  detail::record("CumsumBackward0", {&t}, {&out}, {}, [d](auto&, auto& g, auto&) {
    if (g[0].dim() == 0) return detail::variable_list{g[0]};
    return detail::variable_list{g[0].flip({d}).cumsum(d).flip({d})};
  });
  return out;
}
Tensor Tensor::cumsum(int64_t dim, std::optional<ScalarType> dtype) const {
  return ember::cumsum(*this, dim, dtype);
}

std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_along(true, t, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_along(false, t, dim, keepdim);
}

Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) {
    check_nonempty(t, "argmax");
    return std::get<1>(extreme_along(true, t.reshape({-1}), 0, false));
  }
  return std::get<1>(extreme_along(true, t, *dim, keepdim));
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) {
    check_nonempty(t, "argmin");
    return std::get<1>(extreme_along(false, t.reshape({-1}), 0, false));
  }
  return std::get<1>(extreme_along(false, t, *dim, keepdim));
}

namespace {
// ||t||_p over dims for a finite p, recorded as one node (PyTorch's NormBackward1):
//   d/dx ||x||_p = sgn(x) |x|^(p-1) / ||x||^(p-1)   (x / ||x|| for p = 2, sgn(x) for p = 1),
// taken as 0 where the norm or x is 0, where the formula gives NaN, and everywhere for p = 0.
Tensor p_norm(const Tensor& t, double p, IntArrayRef dim, bool keepdim) {
  Tensor out;
  {
    NoGradGuard no_grad;
    if (p == 2)
      out = sum(t * t, dim, keepdim).sqrt();
    else if (p == 1)
      out = sum(t.abs(), dim, keepdim);
    else if (p == 0)
      out = sum(t.ne(0).to(t.dtype()), dim, keepdim);
    else
      out = sum(t.abs().pow(p), dim, keepdim).pow(1.0 / p);
  }
  auto mask = reduced_dims(t, dim, "norm");
  DimVector keep, drop;
  reduced_shapes(t, mask, keep, drop);
  DimVector reduced;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) reduced.push_back(d);
  // d||x||_p / dx, for p not 0.
  auto slope = [keep, p](const Tensor& x, const Tensor& norm) {
    if (p == 1) return x.sign();
    const Tensor n = norm.reshape(keep);
    const Tensor zero = n.eq(0);
    const Tensor safe_n = where(zero, 1.0, n);
    if (p == 2) return where(zero, 0.0, x / safe_n);
    const Tensor scaled = x.sign() * x.abs().pow(p - 1) / safe_n.pow(p - 1);
    return where(zero, 0.0, where(x.eq(0), 0.0, scaled));
  };
  detail::record(
      "NormBackward1", {&t}, {&out}, {{t}, {out, true}},
      [keep, p, slope](auto&, auto& g, auto& s) {
        if (p == 0) return detail::variable_list{zeros_like(s[0])};
        return detail::variable_list{slope(s[0], s[1]) * g[0].reshape(keep)};
      },
      // d||x||_p[t] = sum(slope * t) over the reduced dims.
      [p, slope, reduced](const variable_list& t, const variable_list& s) {
        if (p == 0) return variable_list{zeros_like(s[1])};
        return variable_list{(slope(s[0], s[1]) * t[0]).sum(reduced, true).reshape(s[1].sizes())};
      });
  return out;
}
}  // namespace

Tensor norm(const Tensor& t, const Scalar& p) { return norm(t, p, {}, false); }
Tensor norm(const Tensor& t, const Scalar& p, IntArrayRef dim, bool keepdim) {
  EMBER_CHECK(t.is_floating_point(), "norm(): input dtype should be floating point, got {}",
              dtype_legacy_name(t.dtype()));
  const double order = p.to_double();
  if (std::isinf(order))
    return order > 0 ? amax(t.abs(), dim, keepdim) : amin(t.abs(), dim, keepdim);
  return p_norm(t, order, dim, keepdim);
}

Tensor var(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  EMBER_CHECK(t.is_floating_point(), "var(): input dtype should be floating point, got {}",
              dtype_legacy_name(t.dtype()));
  const int64_t n = reduced_count(t, dim, "var");
  Tensor centered = t - mean(t, dim, true);
  const double denom = static_cast<double>(n - (unbiased ? 1 : 0));
  return sum(centered * centered, dim, keepdim) / std::max(denom, 0.0);
}
// Where the variance is 0 (a constant slice) the square root has no finite slope; the gradient
// there is 0, as PyTorch's, and the root is taken of 1 instead so that no 0 * inf reaches it.
Tensor std(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  const Tensor v = var(t, dim, unbiased, keepdim);
  const Tensor constant = v.eq(0);
  return where(constant, zeros_like(v), where(constant, ones_like(v), v).sqrt());
}

Tensor all(const Tensor& t) {
  if (t.numel() == 0) return full({}, true);
  return reduce(ReduceOp::Amin, t.dtype() == kBool ? t : t.ne(0), {}, false, kBool, "all");
}
Tensor any(const Tensor& t) {
  if (t.numel() == 0) return full({}, false);
  return reduce(ReduceOp::Amax, t.dtype() == kBool ? t : t.ne(0), {}, false, kBool, "any");
}

// The table's methods forward to the functions above.
#define EMBER_REDUCE_OP(Name, name, surface)                                                \
  EMBER_IF_REDUCE_DTYPE(                                                                    \
      surface,                                                                              \
      Tensor Tensor::name(std::optional<ScalarType> dtype)                                  \
          const { return ember::name(*this, dtype); } Tensor Tensor::name(                  \
              EMBER_REDUCE_DIM(surface) dim, bool keepdim, std::optional<ScalarType> dtype) \
              const { return ember::name(*this, dim, keepdim, dtype); })                    \
  EMBER_IF_REDUCE_NO_DTYPE(                                                                 \
      surface, Tensor Tensor::name(IntArrayRef dim, bool keepdim)                           \
                   const { return ember::name(*this, dim, keepdim); })
#include "ember/core/op_table.def"
Tensor Tensor::mean(std::optional<ScalarType> d) const { return ember::mean(*this, d); }
Tensor Tensor::mean(IntArrayRef dim, bool keepdim, std::optional<ScalarType> d) const {
  return ember::mean(*this, dim, keepdim, d);
}
Tensor Tensor::max() const { return ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return ember::max(*this, dim, keepdim);
}
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return ember::min(*this, dim, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmin(*this, dim, keepdim);
}
Tensor Tensor::norm(const Scalar& p) const { return ember::norm(*this, p); }
Tensor Tensor::norm(const Scalar& p, IntArrayRef dim, bool keepdim) const {
  return ember::norm(*this, p, dim, keepdim);
}
Tensor Tensor::var(IntArrayRef dim, bool unbiased, bool keepdim) const {
  return ember::var(*this, dim, unbiased, keepdim);
}
Tensor Tensor::std(IntArrayRef dim, bool unbiased, bool keepdim) const {
  return ember::std(*this, dim, unbiased, keepdim);
}
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::any() const { return ember::any(*this); }

}  // namespace ember
