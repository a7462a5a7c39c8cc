// Ops built from other ops, each recorded as one node with PyTorch's name and its own backward
// formula (the pieces run without recording).
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::record;
using detail::variable_list;
using detail::wrap_dim;

namespace {

// The flip of t along each of dims (already wrapped), as a copy.
Tensor flip_copy(const Tensor& t, const DimVector& dims) {
  if (t.dim() == 0) return t.clone();
  Tensor out = t;
  for (int64_t d : dims) {
    const int64_t n = t.size(d);
    out = out.index_select(d, arange(n - 1, -1, -1, TensorOptions(kInt64).device(t.device())));
  }
  return dims.empty() ? t.clone() : out;
}

// Where element (i, j) of the last two dims lies on or below (tril) or on or above (triu) the
// diagonal shifted by `diagonal`.
Tensor triangle_mask(const Tensor& t, int64_t diagonal, bool lower) {
  const TensorOptions options = TensorOptions(kInt64).device(t.device());
  const Tensor rows = arange(t.size(-2), options).unsqueeze(1);
  const Tensor cols = arange(t.size(-1), options).unsqueeze(0);
  return lower ? (rows + diagonal).ge(cols) : (rows + diagonal).le(cols);
}

Tensor triangle(const Tensor& t, int64_t diagonal, bool lower) {
  const char* op = lower ? "tril" : "triu";
  EMBER_CHECK_INDEX(t.dim() >= 2, "{}: input tensor must have at least 2 dimensions (got {})", op,
                    t.sizes());
  Tensor out;
  {
    NoGradGuard recorded_below;
    out = where(triangle_mask(t, diagonal, lower), t, zeros({}, t.options()));
  }
  record(lower ? "TrilBackward0" : "TriuBackward0", {&t}, {&out}, {},
         [diagonal, lower](auto&, auto& g, auto&) {
           return variable_list{triangle(g[0], diagonal, lower)};
         });
  return out;
}

}  // namespace

Tensor isnan(const Tensor& t) {
  NoGradGuard no_history;  // a bool result has no gradient
  return t.ne(t);
}

Tensor isinf(const Tensor& t) {
  NoGradGuard no_history;
  if (!t.is_floating_point()) return zeros(t.sizes(), TensorOptions(kBool).device(t.device()));
  return t.abs().eq(std::numeric_limits<double>::infinity());
}

Tensor isposinf(const Tensor& t) {
  NoGradGuard no_history;
  return t.eq(std::numeric_limits<double>::infinity());
}

Tensor isneginf(const Tensor& t) {
  NoGradGuard no_history;
  return t.eq(-std::numeric_limits<double>::infinity());
}

// Negative numbers, and -0.0 (the only zero whose reciprocal is negative).
Tensor signbit(const Tensor& t) {
  NoGradGuard no_history;
  if (!t.is_floating_point()) return t.lt(0);
  return t.lt(0).logical_or(t.eq(0).logical_and(t.reciprocal().lt(0)));
}

Tensor isfinite(const Tensor& t) {
  NoGradGuard no_history;
  if (!t.is_floating_point()) return ones(t.sizes(), TensorOptions(kBool).device(t.device()));
  return (t - t).eq(0);  // NaN for inf and NaN, 0 for every finite value
}

Tensor flip(const Tensor& t, IntArrayRef dims) {
  DimVector wrapped;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, t.dim(), "flip");
    EMBER_CHECK(std::find(wrapped.begin(), wrapped.end(), w) == wrapped.end(),
                "flip: dim {} appears multiple times in the list of dims", w);
    wrapped.push_back(w);
  }
  Tensor out;
  {
    NoGradGuard recorded_below;
    out = flip_copy(t, wrapped);
  }
  record("FlipBackward0", {&t}, {&out}, {},
         [wrapped](auto&, auto& g, auto&) { return variable_list{flip_copy(g[0], wrapped)}; });
  return out;
}

Tensor repeat(const Tensor& t, IntArrayRef repeats) {
  const auto n = static_cast<int64_t>(repeats.size());
  EMBER_CHECK(n >= t.dim(),
              "repeat: Number of dimensions of repeat dims can not be smaller than number of "
              "dimensions of tensor (repeats {} for a tensor of shape {})",
              repeats, t.sizes());
  for (int64_t r : repeats)
    EMBER_CHECK(r >= 0, "repeat: Trying to create tensor with negative dimension {}: {}", r,
                repeats);
  // t as [1, s0, 1, s1, ...] (missing leading dims are 1), expanded to [r0, s0, r1, s1, ...],
  // then merged pairwise into [r0 s0, r1 s1, ...].
  DimVector padded, interleaved, expanded, result;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t lead = n - t.dim();
    padded.push_back(i < lead ? 1 : t.size(i - lead));
  }
  for (int64_t i = 0; i < n; ++i) {
    interleaved.push_back(1);
    interleaved.push_back(padded[i]);
    expanded.push_back(repeats[i]);
    expanded.push_back(padded[i]);
    result.push_back(repeats[i] * padded[i]);
  }
  Tensor out;
  {
    NoGradGuard recorded_below;
    // Always a copy, as in torch: contiguous() would hand back t's own memory when nothing is
    // repeated (all ones, or a 0-dim t), and writes to the result would reach t.
    out = detail::empty_for(expanded, t.options(), {&t});
    out.copy_(t.reshape(interleaved).expand(expanded));
    out = out.view(result);
  }
  const DimVector shape(t.sizes().begin(), t.sizes().end());
  record("RepeatBackward0", {&t}, {&out}, {}, [expanded, shape, n](auto&, auto& g, auto&) {
    DimVector tile_dims;
    for (int64_t i = 0; i < n; ++i) tile_dims.push_back(2 * i);
    return variable_list{g[0].reshape(expanded).sum(tile_dims).reshape(shape)};
  });
  return out;
}

Tensor tril(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, true); }
Tensor triu(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, false); }

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1,
              "outer: expected 1-D tensors, but got tensors of shape {} and {}", a.sizes(),
              b.sizes());
  return a.unsqueeze(1) * b.unsqueeze(0);  // recorded as the MulBackward0 PyTorch's is
}

Tensor Tensor::isnan() const { return ember::isnan(*this); }
Tensor Tensor::isposinf() const { return ember::isposinf(*this); }
Tensor Tensor::isneginf() const { return ember::isneginf(*this); }
Tensor Tensor::signbit() const { return ember::signbit(*this); }
Tensor Tensor::isinf() const { return ember::isinf(*this); }
Tensor Tensor::isfinite() const { return ember::isfinite(*this); }
Tensor Tensor::flip(IntArrayRef dims) const { return ember::flip(*this, dims); }
Tensor Tensor::repeat(IntArrayRef repeats) const { return ember::repeat(*this, repeats); }
Tensor Tensor::tril(int64_t diagonal) const { return ember::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ember::triu(*this, diagonal); }
Tensor Tensor::outer(const Tensor& other) const { return ember::outer(*this, other); }

}  // namespace ember
