#pragma once
/// Elementwise ops composed of the primitive ones: fused multiply-adds, interpolation, remainders,
/// logical connectives and the NaN/closeness helpers. They broadcast and promote like the
/// arithmetic they are made of, and their gradients come from it.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// self + value * t1 * t2.
Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
/// self + value * t1 / t2 (t1 and t2 must not both be integers).
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
/// self + weight * (end - self).
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
/// a - floor(a / b) * b: the remainder with the sign of b, as Python's %.
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, const Scalar& b);
/// a - trunc(a / b) * b: the remainder with the sign of a, as C's fmod.
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Scalar& b);
/// floor(a / b); integers stay integers.
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, const Scalar& b);
/// a^b computed in float64 (a float64 result whatever the inputs' dtypes).
Tensor float_power(const Tensor& a, const Tensor& b);
Tensor float_power(const Tensor& a, const Scalar& b);
Tensor float_power(const Scalar& a, const Tensor& b);
/// a * 2^b.
Tensor ldexp(const Tensor& a, const Tensor& b);
/// The step function: 0 where t < 0, 1 where t > 0 and values where t is 0 (no gradient).
Tensor heaviside(const Tensor& t, const Tensor& values);
/// Logical connectives on truth values (non-zero is true); bool results.
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& t);
/// |a - b| <= atol + rtol * |b|, equal infinities included, NaNs equal only with equal_nan.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
               bool equal_nan = false);
/// t with NaN, +inf and -inf replaced (by 0 and the dtype's largest and lowest finite values
/// unless given).
Tensor nan_to_num(const Tensor& t, std::optional<double> nan = 0.0,
                  std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);

}  // namespace ember
