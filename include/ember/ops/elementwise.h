#pragma once
/// Elementwise ops: arithmetic, math functions and comparisons, broadcasting like PyTorch.
#include <optional>

#include "ember/core/op_table.h"
#include "ember/core/tensor.h"

namespace ember {

/// The op table's binary math (add and sub, a + alpha * b and a - alpha * b; mul; div, true
/// division, giving integers a floating-point result; maximum and minimum, which propagate NaN;
/// atan2, ...; see ember/core/op_table.def), each with its _out form. a and b broadcast together;
/// the arithmetic ops also take a number for b.
#define EMBER_BINARY_OP(Name, name, dtype, surface, node)                                         \
  EMBER_IF_FULL(surface, Tensor name(const Tensor& a, const Tensor& b EMBER_ALPHA_DECL(surface)); \
                Tensor & name##_out(Tensor & out, const Tensor& a,                                \
                                    const Tensor& b EMBER_ALPHA_DECL(surface));)                  \
  EMBER_IF_NUMBER(surface, Tensor name(const Tensor& a, const Scalar& b EMBER_ALPHA_DECL(surface));)
#include "ember/core/op_table.def"
namespace detail {
/// a op number (and a op= number) as Python's torch records it, for the Python bindings: torch
/// wraps the number in a 0-dim tensor, so the node is the tensor overload's (AddBackward0) with a
/// second, empty edge. ember::add(a, number) records LibTorch's Scalar overload (AddBackward1, one
/// edge).
#define EMBER_BINARY_OP(Name, name, dtype, surface, node)                                         \
  EMBER_IF_NUMBER(                                                                                \
      surface, Tensor name##_wrapped(const Tensor& a, const Scalar& b EMBER_ALPHA_DECL(surface)); \
      Tensor & name##_wrapped_(Tensor & self, const Scalar& b EMBER_ALPHA_DECL(surface));)
#include "ember/core/op_table.def"
}  // namespace detail
/// other - alpha * t (LibTorch's rsub, which Python's number - t calls).
Tensor rsub(const Tensor& t, const Scalar& other, const Scalar& alpha = 1);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, const Scalar& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
Tensor& pow_out(Tensor& out, const Tensor& base, const Tensor& exponent);
/// grad where self > threshold (or is NaN), else 0: the gradient of relu and threshold.
Tensor threshold_backward(const Tensor& grad, const Tensor& self, const Scalar& threshold);
/// The op table's unary math (neg, abs, sqrt, exp, log, sin, ..., erf, floor, ceil, round,
/// trunc, reciprocal, rsqrt, log1p, expm1; see ember/core/op_table.def) and each op's _out form.
/// Rounding leaves integers as they are; round takes halves to even.
#define EMBER_UNARY_OP(Name, name, dtype, surface, node) \
  EMBER_IF_FULL(surface, Tensor name(const Tensor& t);   \
                Tensor & name##_out(Tensor & out, const Tensor& t);)
#include "ember/core/op_table.def"
/// Where elements are NaN, infinite, or neither (bool results; integers are always finite).
Tensor isnan(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor isfinite(const Tensor& t);
/// The n-th derivative of digamma (n >= 0; polygamma(0, t) is digamma(t)).
Tensor polygamma(int64_t n, const Tensor& t);
/// log(p / (1 - p)), with p first clamped to [eps, 1 - eps] when eps is given.
Tensor logit(const Tensor& t, std::optional<double> eps = std::nullopt);
/// Whether the sign bit is set (true for -0.0): bool results.
Tensor signbit(const Tensor& t);
/// Where elements are +inf (isposinf) or -inf (isneginf): bool results.
Tensor isposinf(const Tensor& t);
Tensor isneginf(const Tensor& t);
/// Limits every element to [min, max]; either bound may be left out (not both).
Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);

/// The op table's comparisons (eq, ne, lt, le, gt, ge): bool results.
#define EMBER_COMPARE_OP(Name, name) Tensor name(const Tensor& a, const Tensor& b);
#include "ember/core/op_table.def"

/// Elements of a where condition holds, else of b (all three broadcast together).
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b);
/// t with value wherever mask (bool, broadcast to t) is true.
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value);

/// The dtype PyTorch's promotion gives for an op on a and b.
ScalarType result_type(const Tensor& a, const Tensor& b);
ScalarType result_type(const Tensor& a, const Scalar& b);
/// The shape a and b broadcast to; throws Error naming op when they do not.
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op = "broadcast_shapes");

bool equal(const Tensor& a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

namespace special {
/// The modified Bessel function of the first kind of order 1 (torch.special.i1).
Tensor i1(const Tensor& t);
}  // namespace special

}  // namespace ember
