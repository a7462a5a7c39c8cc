#pragma once
/// Elementwise ops: arithmetic, math functions and comparisons, broadcasting like PyTorch.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// a + alpha * b.
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
/// a - alpha * b.
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
/// True division: integer inputs give a floating-point result.
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Scalar& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, const Scalar& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// grad where self > threshold (or is NaN), else 0: the gradient of relu and threshold.
Tensor threshold_backward(const Tensor& grad, const Tensor& self, const Scalar& threshold);

Tensor neg(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor tan(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor sign(const Tensor& t);
/// The Gauss error function, elementwise.
Tensor erf(const Tensor& t);
/// Rounding: down, up, to the nearest (halves to even) and toward zero; integers stay as they are.
Tensor floor(const Tensor& t);
Tensor ceil(const Tensor& t);
Tensor round(const Tensor& t);
Tensor trunc(const Tensor& t);
/// 1 / t, 1 / sqrt(t), log(1 + t) and exp(t) - 1 (the last two accurate for t near 0).
Tensor reciprocal(const Tensor& t);
Tensor rsqrt(const Tensor& t);
Tensor log1p(const Tensor& t);
Tensor expm1(const Tensor& t);
/// Where elements are NaN, infinite, or neither (bool results; integers are always finite).
Tensor isnan(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor isfinite(const Tensor& t);
/// Limits every element to [min, max]; either bound may be left out (not both).
Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);

Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

/// The same ops writing into a preallocated `out` of the result's shape (LibTorch's _out forms).
Tensor& add_out(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& sub_out(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor& mul_out(Tensor& out, const Tensor& a, const Tensor& b);
Tensor& div_out(Tensor& out, const Tensor& a, const Tensor& b);
Tensor& pow_out(Tensor& out, const Tensor& base, const Tensor& exponent);
Tensor& maximum_out(Tensor& out, const Tensor& a, const Tensor& b);
Tensor& minimum_out(Tensor& out, const Tensor& a, const Tensor& b);
Tensor& neg_out(Tensor& out, const Tensor& t);
Tensor& abs_out(Tensor& out, const Tensor& t);
Tensor& sqrt_out(Tensor& out, const Tensor& t);
Tensor& exp_out(Tensor& out, const Tensor& t);
Tensor& log_out(Tensor& out, const Tensor& t);
Tensor& sin_out(Tensor& out, const Tensor& t);
Tensor& cos_out(Tensor& out, const Tensor& t);
Tensor& tan_out(Tensor& out, const Tensor& t);
Tensor& tanh_out(Tensor& out, const Tensor& t);
Tensor& sigmoid_out(Tensor& out, const Tensor& t);
Tensor& relu_out(Tensor& out, const Tensor& t);
Tensor& sign_out(Tensor& out, const Tensor& t);
Tensor& floor_out(Tensor& out, const Tensor& t);
Tensor& ceil_out(Tensor& out, const Tensor& t);
Tensor& round_out(Tensor& out, const Tensor& t);
Tensor& trunc_out(Tensor& out, const Tensor& t);
Tensor& reciprocal_out(Tensor& out, const Tensor& t);
Tensor& rsqrt_out(Tensor& out, const Tensor& t);
Tensor& log1p_out(Tensor& out, const Tensor& t);
Tensor& expm1_out(Tensor& out, const Tensor& t);

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

}  // namespace ember
