// Elementwise ops composed of primitive ones (principle 1 of the design: no kernel and no backward
// of their own). Their nodes are those of the pieces, so grad_fn names differ from PyTorch's
// fused kernels (AddBackward0 for addcmul, for example).
#include "ember/ops/elementwise_composed.h"

#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

Tensor bool_scalar(bool v, const Tensor& like) {
  return full({}, v ? 1 : 0, TensorOptions(kBool).device(like.device()));
}

Tensor truth(const Tensor& t) { return t.dtype() == kBool ? t : t.ne(0); }

// Integer remainders divide exactly: a zero divisor is an error, as in PyTorch.
void check_integer_divisor(const Tensor& b, const char* op) {
  if (!is_integral(b.dtype(), true)) return;
  NoGradGuard no_grad;
  EMBER_CHECK(!b.eq(0).any().item<bool>(), "{}: ZeroDivisionError", op);
}

// a - round(a / b) * b with round one of floor or trunc, in the dtype of a and b combined. Integer
// operands go through float64, exact below 2^53.
template <typename Round>
Tensor remainder_with(const Tensor& a, const Tensor& b, Round round, const char* op) {
  const ScalarType dtype = result_type(a, b);
  if (!is_integral(dtype, true)) return a - round(a / b) * b;
  check_integer_divisor(b, op);
  const Tensor wide_a = a.to(kFloat64), wide_b = b.to(kFloat64);
  return (wide_a - round(wide_a / wide_b) * wide_b).to(dtype);
}

Tensor scalar_operand(const Tensor& a, const Scalar& b) {
  return full({}, b, TensorOptions(result_type(a, b)).device(a.device()));
}

}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  const Tensor product = t1 * t2;
  return self + (value.to<double>() == 1 ? product : product * value);
}

Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  EMBER_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)),
              "addcdiv: Integer division with addcdiv is no longer supported, and in a future "
              "release addcdiv will perform a true division of tensor1 and tensor2.");
  const Tensor quotient = t1 / t2;
  return self + (value.to<double>() == 1 ? quotient : quotient * value);
}

Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  return self + (end - self) * weight;
}

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  return self + weight * (end - self);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  return remainder_with(
      a, b, [](const Tensor& q) { return q.floor(); }, "remainder");
}

Tensor remainder(const Tensor& a, const Scalar& b) { return remainder(a, scalar_operand(a, b)); }

Tensor fmod(const Tensor& a, const Tensor& b) {
  return remainder_with(
      a, b, [](const Tensor& q) { return q.trunc(); }, "fmod");
}

Tensor fmod(const Tensor& a, const Scalar& b) { return fmod(a, scalar_operand(a, b)); }

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  const ScalarType dtype = result_type(a, b);
  if (!is_integral(dtype, true)) return (a / b).floor();
  check_integer_divisor(b, "floor_divide");
  return (a.to(kFloat64) / b.to(kFloat64)).floor().to(dtype);
}

Tensor floor_divide(const Tensor& a, const Scalar& b) {
  return floor_divide(a, scalar_operand(a, b));
}

Tensor float_power(const Tensor& a, const Tensor& b) { return a.to(kFloat64).pow(b.to(kFloat64)); }
Tensor float_power(const Tensor& a, const Scalar& b) { return a.to(kFloat64).pow(b); }
Tensor float_power(const Scalar& a, const Tensor& b) { return pow(a, b.to(kFloat64)); }

Tensor ldexp(const Tensor& a, const Tensor& b) { return a * pow(2.0, b); }

Tensor heaviside(const Tensor& t, const Tensor& values) {
  EMBER_CHECK(t.dtype() == values.dtype(),
              "heaviside is not yet implemented for tensors with different dtypes ({} and {})",
              dtype_legacy_name(t.dtype()), dtype_legacy_name(values.dtype()));
  NoGradGuard no_history;  // a step function: torch gives it no derivative either
  return where(t.eq(0), values, t.gt(0).to(t.dtype()));
}

Tensor logical_and(const Tensor& a, const Tensor& b) {
  NoGradGuard no_history;  // bool results have no gradient
  return where(truth(a), truth(b), bool_scalar(false, a));
}

Tensor logical_or(const Tensor& a, const Tensor& b) {
  NoGradGuard no_history;
  return where(truth(a), bool_scalar(true, a), truth(b));
}

Tensor logical_xor(const Tensor& a, const Tensor& b) {
  NoGradGuard no_history;
  return truth(a).ne(truth(b));
}

Tensor logical_not(const Tensor& t) {
  NoGradGuard no_history;
  return t.dtype() == kBool ? t.eq(bool_scalar(false, t)) : t.eq(0);
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.dtype() == b.dtype(), "isclose: {} did not match {}", dtype_legacy_name(a.dtype()),
              dtype_legacy_name(b.dtype()));
  EMBER_CHECK(rtol >= 0, "isclose: rtol must be greater than or equal to zero, but got {}", rtol);
  EMBER_CHECK(atol >= 0, "isclose: atol must be greater than or equal to zero, but got {}", atol);
  NoGradGuard no_history;
  Tensor close = a.eq(b);  // equal values, infinities of one sign included
  if (equal_nan && a.is_floating_point())
    close = logical_or(close, logical_and(a.isnan(), b.isnan()));
  if (rtol == 0 && atol == 0) return close;
  // Integers honour the tolerances too, as in PyTorch: the allowed error is a float tensor and
  // bools are first made floats so that they can be subtracted.
  const Tensor x = a.dtype() == kBool ? a.to(get_default_dtype()) : a;
  const Tensor y = b.dtype() == kBool ? b.to(get_default_dtype()) : b;
  const Tensor diff = (x - y).abs();
  return logical_or(close, logical_and(diff.le(y.abs() * rtol + atol), diff.isfinite()));
}

Tensor nan_to_num(const Tensor& t, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!t.is_floating_point()) return t.clone();
  const bool is_double = t.dtype() == kFloat64;
  const double largest =
      is_double ? std::numeric_limits<double>::max() : std::numeric_limits<float>::max();
  Tensor out = where(t.isnan(), full({}, nan.value_or(0.0), t.options()), t);
  const double inf = std::numeric_limits<double>::infinity();
  out = where(t.eq(inf), full({}, posinf.value_or(largest), t.options()), out);
  return where(t.eq(-inf), full({}, neginf.value_or(-largest), t.options()), out);
}

// ---- The same as Tensor methods ----------------------------------------------------------

Tensor Tensor::addcmul(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return ember::addcmul(*this, t1, t2, value);
}
Tensor Tensor::addcdiv(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return ember::addcdiv(*this, t1, t2, value);
}
Tensor& Tensor::addcmul_(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return add_(t1 * t2, value);
}
Tensor& Tensor::addcdiv_(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  EMBER_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)),
              "addcdiv_: Integer division with addcdiv is no longer supported, and in a future "
              "release addcdiv will perform a true division of tensor1 and tensor2.");
  return add_(t1 / t2, value);
}
Tensor Tensor::lerp(const Tensor& end, const Scalar& weight) const {
  return ember::lerp(*this, end, weight);
}
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const {
  return ember::lerp(*this, end, weight);
}
Tensor& Tensor::lerp_(const Tensor& end, const Scalar& weight) const {
  return add_((end - *this) * weight);
}
Tensor Tensor::remainder(const Tensor& other) const { return ember::remainder(*this, other); }
Tensor Tensor::remainder(const Scalar& other) const { return ember::remainder(*this, other); }
Tensor Tensor::fmod(const Tensor& other) const { return ember::fmod(*this, other); }
Tensor Tensor::fmod(const Scalar& other) const { return ember::fmod(*this, other); }
Tensor Tensor::floor_divide(const Tensor& other) const { return ember::floor_divide(*this, other); }
Tensor Tensor::floor_divide(const Scalar& other) const { return ember::floor_divide(*this, other); }
Tensor Tensor::float_power(const Tensor& other) const { return ember::float_power(*this, other); }
Tensor Tensor::float_power(const Scalar& other) const { return ember::float_power(*this, other); }
Tensor Tensor::ldexp(const Tensor& other) const { return ember::ldexp(*this, other); }
Tensor Tensor::heaviside(const Tensor& values) const { return ember::heaviside(*this, values); }
Tensor Tensor::logical_and(const Tensor& other) const { return ember::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return ember::logical_or(*this, other); }
Tensor Tensor::logical_xor(const Tensor& other) const { return ember::logical_xor(*this, other); }
Tensor Tensor::logical_not() const { return ember::logical_not(*this); }
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return ember::isclose(*this, other, rtol, atol, equal_nan);
}
Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) const {
  return ember::nan_to_num(*this, nan, posinf, neginf);
}
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return ember::where(condition, *this, other);
}

// ---- In-place forms ------------------------------------------------------------------------

using detail::write_back;

Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) const {
  return write_back(self(), "lerp_", {&end, &weight},
                    [&](const Tensor& x) { return ember::lerp(x, end, weight); });
}
#define EMBER_COMPOSED_IN_PLACE(name)                                          \
  Tensor& Tensor::name##_(const Tensor& other) const {                         \
    return write_back(self(), #name "_", {&other},                             \
                      [&](const Tensor& x) { return ember::name(x, other); }); \
  }                                                                            \
  Tensor& Tensor::name##_(const Scalar& other) const {                         \
    return write_back(self(), #name "_", {},                                   \
                      [&](const Tensor& x) { return ember::name(x, other); }); \
  }
EMBER_COMPOSED_IN_PLACE(remainder)
EMBER_COMPOSED_IN_PLACE(fmod)
EMBER_COMPOSED_IN_PLACE(floor_divide)
#undef EMBER_COMPOSED_IN_PLACE
Tensor& Tensor::float_power_(const Tensor& other) const {
  EMBER_CHECK(dtype() == kFloat64,
              "the base given to float_power_ has dtype {} but the operation's result requires "
              "dtype Double",
              dtype_legacy_name(dtype()));
  return write_back(self(), "float_power_", {&other},
                    [&](const Tensor& x) { return ember::float_power(x, other); });
}
Tensor& Tensor::float_power_(const Scalar& other) const {
  EMBER_CHECK(dtype() == kFloat64,
              "the base given to float_power_ has dtype {} but the operation's result requires "
              "dtype Double",
              dtype_legacy_name(dtype()));
  return write_back(self(), "float_power_", {},
                    [&](const Tensor& x) { return ember::float_power(x, other); });
}
Tensor& Tensor::ldexp_(const Tensor& other) const {
  return write_back(self(), "ldexp_", {&other},
                    [&](const Tensor& x) { return ember::ldexp(x, other); });
}
Tensor& Tensor::heaviside_(const Tensor& values) const {
  return write_back(self(), "heaviside_", {&values},
                    [&](const Tensor& x) { return ember::heaviside(x, values); });
}
#define EMBER_LOGICAL_IN_PLACE(name)                                           \
  Tensor& Tensor::name##_(const Tensor& other) const {                         \
    return write_back(self(), #name "_", {&other},                             \
                      [&](const Tensor& x) { return ember::name(x, other); }); \
  }
EMBER_LOGICAL_IN_PLACE(logical_and)
EMBER_LOGICAL_IN_PLACE(logical_or)
EMBER_LOGICAL_IN_PLACE(logical_xor)
#undef EMBER_LOGICAL_IN_PLACE
Tensor& Tensor::logical_not_() const {
  return write_back(self(), "logical_not_", {},
                    [](const Tensor& x) { return ember::logical_not(x); });
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf,
                            std::optional<double> neginf) const {
  return write_back(self(), "nan_to_num_", {},
                    [&](const Tensor& x) { return ember::nan_to_num(x, nan, posinf, neginf); });
}

}  // namespace ember
