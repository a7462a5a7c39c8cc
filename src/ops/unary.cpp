// Elementwise ops of one tensor.
#include <numbers>

#include "ember/core/tensor.h"
#include "ops/derivative.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"

namespace ember {
using detail::UnaryOp;
using detail::UnaryParams;

namespace {

// Ops such as exp are defined on floats only; integer and bool inputs give float32 results.
bool promotes_to_float(UnaryOp op) {
  switch (op) {
    case UnaryOp::Sqrt:
    case UnaryOp::Exp:
    case UnaryOp::Log:
    case UnaryOp::Sin:
    case UnaryOp::Cos:
    case UnaryOp::Tan:
    case UnaryOp::Tanh:
    case UnaryOp::Sigmoid:
    case UnaryOp::Erf:
    case UnaryOp::Reciprocal:
    case UnaryOp::Rsqrt:
    case UnaryOp::Log1p:
    case UnaryOp::Expm1:
      return true;
    default:
      return false;
  }
}

const char* unary_name(UnaryOp op) {
  static const char* names[] = {
#define EMBER_UNARY_OP(Name, name) #name,
#include "ops/op_list.def"
  };
  return names[static_cast<int>(op)];
}

ScalarType unary_result_type(UnaryOp op, const Tensor& t) {
  if (promotes_to_float(op) && !t.is_floating_point()) return get_default_dtype();
  EMBER_CHECK(t.dtype() != kBool || op != UnaryOp::Neg,
              "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
              "to invert a mask, use the `~` or `logical_not()` operator instead.");
  EMBER_CHECK(t.dtype() != kBool || op == UnaryOp::Sign, "{}: not implemented for 'Bool'",
              unary_name(op));
  return t.dtype();
}

using detail::record;
using detail::Save;
using detail::variable_list;

// Each op's derivative; `x` is the saved input and `y` the saved result.
void record_unary(UnaryOp op, const Tensor& x, const Tensor& y, const UnaryParams& p) {
  switch (op) {
    case UnaryOp::Neg:  // d/dx -x = -1
      return record("NegBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{-g[0]}; });
    case UnaryOp::Abs:  // d/dx |x| = sign(x)
      return record("AbsBackward0", {&x}, {&y}, {{x}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * s[0].sign()}; });
    case UnaryOp::Sqrt:  // d/dx sqrt(x) = 1 / (2 sqrt(x))
      return record("SqrtBackward0", {&x}, {&y}, {{y, true}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] / (2 * s[0])}; });
    case UnaryOp::Exp:  // d/dx exp(x) = exp(x)
      return record("ExpBackward0", {&x}, {&y}, {{y, true}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * s[0]}; });
    case UnaryOp::Log:  // d/dx log(x) = 1 / x
      return record("LogBackward0", {&x}, {&y}, {{x}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] / s[0]}; });
    case UnaryOp::Sin:  // d/dx sin(x) = cos(x)
      return record("SinBackward0", {&x}, {&y}, {{x}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * s[0].cos()}; });
    case UnaryOp::Cos:  // d/dx cos(x) = -sin(x)
      return record("CosBackward0", {&x}, {&y}, {{x}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * -s[0].sin()}; });
    case UnaryOp::Tan:  // d/dx tan(x) = 1 + tan(x)^2
      return record("TanBackward0", {&x}, {&y}, {{y, true}}, [](auto&, auto& g, auto& s) {
        return variable_list{g[0] * (1 + s[0] * s[0])};
      });
    case UnaryOp::Tanh:  // d/dx tanh(x) = 1 - tanh(x)^2
      return record("TanhBackward0", {&x}, {&y}, {{y, true}}, [](auto&, auto& g, auto& s) {
        return variable_list{g[0] * (1 - s[0] * s[0])};
      });
    case UnaryOp::Sigmoid:  // d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))
      return record("SigmoidBackward0", {&x}, {&y}, {{y, true}}, [](auto&, auto& g, auto& s) {
        return variable_list{g[0] * s[0] * (1 - s[0])};
      });
    case UnaryOp::Relu:  // d/dx relu(x) = 1 where the result is positive, else 0
      return record("ReluBackward0", {&x}, {&y}, {{y, true}}, [](auto&, auto& g, auto& s) {
        return variable_list{threshold_backward(g[0], s[0], 0)};
      });
    case UnaryOp::Sign:  // d/dx sign(x) = 0
      return record("SignBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    case UnaryOp::Clamp:  // d/dx clamp(x, lo, hi) = 1 inside [lo, hi], else 0
      return record("ClampBackward1", {&x}, {&y}, {{x}}, [p](auto&, auto& g, auto& s) {
        Tensor inside = p.has_lo ? s[0].ge(p.lo) : s[0].le(p.hi);
        if (p.has_lo && p.has_hi) inside = inside.mul(s[0].le(p.hi));
        // Selected, not multiplied: an infinite gradient outside stays 0, as in PyTorch.
        return variable_list{where(inside, g[0], 0.0)};
      });
    case UnaryOp::Erf:  // d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)
      return record("ErfBackward0", {&x}, {&y}, {{x}}, [](auto&, auto& g, auto& s) {
        return variable_list{g[0] * (2 * std::numbers::inv_sqrtpi) * (-(s[0] * s[0])).exp()};
      });
    case UnaryOp::Floor:  // piecewise constant: the gradient is 0
      return record("FloorBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    case UnaryOp::Ceil:
      return record("CeilBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    case UnaryOp::Round:
      return record("RoundBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    case UnaryOp::Trunc:
      return record("TruncBackward0", {&x}, {&y}, {},
                    [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    case UnaryOp::Reciprocal:  // d/dx 1/x = -1/x^2 = -y^2
      return record("ReciprocalBackward0", {&x}, {&y}, {{y, true}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * -(s[0] * s[0])}; });
    case UnaryOp::Rsqrt:  // d/dx x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2
      return record("RsqrtBackward0", {&x}, {&y}, {{y, true}}, [](auto&, auto& g, auto& s) {
        return variable_list{g[0] * (-0.5 * s[0] * s[0] * s[0])};
      });
    case UnaryOp::Log1p:  // d/dx log(1 + x) = 1 / (1 + x)
      return record("Log1PBackward0", {&x}, {&y}, {{x}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] / (s[0] + 1)}; });
    case UnaryOp::Expm1:  // d/dx (exp(x) - 1) = exp(x) = y + 1
      return record("Expm1Backward0", {&x}, {&y}, {{y, true}},
                    [](auto&, auto& g, auto& s) { return variable_list{g[0] * (s[0] + 1)}; });
  }
}

Tensor unary(UnaryOp op, const Tensor& t, const UnaryParams& p = {}) {
  const ScalarType dtype = unary_result_type(op, t);
  Tensor out = empty(t.sizes(), TensorOptions(dtype).device(t.device()));
  detail::kernels_for(t).unary(op, out, t.to(dtype), p);
  record_unary(op, t, out, p);
  return out;
}

Tensor& unary_out(UnaryOp op, Tensor& out, const Tensor& t, const UnaryParams& p = {}) {
  const ScalarType dtype = unary_result_type(op, t);
  detail::check_out(out, t.sizes(), dtype, t.device(), unary_name(op), {&t});
  if (out.dtype() != dtype) return out.copy_(unary(op, t, p));
  detail::kernels_for(t).unary(op, out, t.to(dtype), p);
  out.impl()->storage()->bump_version();
  return out;
}

Tensor& unary_(UnaryOp op, Tensor& t, const UnaryParams& p = {}) {
  detail::check_can_cast(unary_result_type(op, t), t.dtype(), unary_name(op));
  if (detail::in_place_needs_history(t, unary_name(op)))
    return detail::commit_in_place(t, unary(op, detail::history_input(t, true), p));
  detail::kernels_for(t).unary(op, t, t, p);
  t.impl()->storage()->bump_version();
  return t;
}

UnaryParams clamp_params(const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  EMBER_CHECK(min || max, "clamp: At least one of 'min' or 'max' must not be None");
  UnaryParams p;
  if (min) p.lo = min->to_double(), p.has_lo = true;
  if (max) p.hi = max->to_double(), p.has_hi = true;
  return p;
}

// The bounds take part in type promotion for integer and bool tensors, as in PyTorch:
// clamp(tensor([1, 2, 3]), 1.5, 2.5) is float32.
ScalarType clamp_result_type(const Tensor& t, const std::optional<Scalar>& min,
                             const std::optional<Scalar>& max) {
  if (t.is_floating_point()) return t.dtype();
  detail::ResultType state;
  state.add(t);
  if (min) state.add(*min);
  if (max) state.add(*max);
  return state.get();
}

}  // namespace

#define EMBER_UNARY_OP(Name, name)                                                              \
  Tensor name(const Tensor& t) { return unary(UnaryOp::Name, t); }                              \
  Tensor& name##_out(Tensor& out, const Tensor& t) { return unary_out(UnaryOp::Name, out, t); } \
  Tensor Tensor::name() const { return unary(UnaryOp::Name, *this); }                           \
  Tensor& Tensor::name##_() const { return unary_(UnaryOp::Name, self()); }
EMBER_UNARY_OP(Neg, neg)
EMBER_UNARY_OP(Abs, abs)
EMBER_UNARY_OP(Sqrt, sqrt)
EMBER_UNARY_OP(Exp, exp)
EMBER_UNARY_OP(Log, log)
EMBER_UNARY_OP(Sin, sin)
EMBER_UNARY_OP(Cos, cos)
EMBER_UNARY_OP(Tan, tan)
EMBER_UNARY_OP(Tanh, tanh)
EMBER_UNARY_OP(Sigmoid, sigmoid)
EMBER_UNARY_OP(Relu, relu)
EMBER_UNARY_OP(Sign, sign)
EMBER_UNARY_OP(Floor, floor)
EMBER_UNARY_OP(Ceil, ceil)
EMBER_UNARY_OP(Round, round)
EMBER_UNARY_OP(Trunc, trunc)
EMBER_UNARY_OP(Reciprocal, reciprocal)
EMBER_UNARY_OP(Rsqrt, rsqrt)
EMBER_UNARY_OP(Log1p, log1p)
EMBER_UNARY_OP(Expm1, expm1)
#undef EMBER_UNARY_OP

Tensor erf(const Tensor& t) { return unary(UnaryOp::Erf, t); }

Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  const UnaryParams p = clamp_params(min, max);
  return unary(UnaryOp::Clamp, t.to(clamp_result_type(t, min, max)), p);
}
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return ember::clamp(*this, min, max);
}
Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) const {
  const UnaryParams p = clamp_params(min, max);
  const ScalarType result = clamp_result_type(self(), min, max);
  EMBER_CHECK(result == dtype(),
              "clamp_: result type {} can't be cast to the desired inplace output type {}",
              dtype_legacy_name(result), dtype_legacy_name(dtype()));
  return unary_(UnaryOp::Clamp, self(), p);
}

}  // namespace ember
