// Elementwise ops of one tensor.
#include <numbers>

#include "ember/core/op_table.h"
#include "ember/core/tensor.h"
#include "ember/ops/elementwise.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::UnaryOp;
using detail::UnaryParams;

namespace {

// The op table's names and dtype rules, by op.
const char* unary_name(UnaryOp op) {
  static const char* names[] = {
#define EMBER_UNARY_OP(Name, name, ...) #name,
#include "ember/core/op_table.def"
  };
  return names[static_cast<int>(op)];
}

// Ops such as exp are defined on floats only; integer and bool inputs give the default dtype.
bool promotes_to_float(UnaryOp op) {
  static const bool promotes[] = {
#define EMBER_UNARY_OP(Name, name, dtype, ...) EMBER_PROMOTES(dtype),
#include "ember/core/op_table.def"
  };
  return promotes[static_cast<int>(op)];
}

// Ops such as frac refuse integer and bool inputs, as PyTorch does.
bool float_only(UnaryOp op) {
  static const bool only[] = {
#define EMBER_UNARY_OP(Name, name, dtype, ...) EMBER_FLOAT_ONLY(dtype),
#include "ember/core/op_table.def"
  };
  return only[static_cast<int>(op)];
}

ScalarType unary_result_type(UnaryOp op, const Tensor& t) {
  if (promotes_to_float(op) && !t.is_floating_point()) return get_default_dtype();
  EMBER_CHECK(t.dtype() != kBool || op != UnaryOp::Neg,
              "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
              "to invert a mask, use the `~` or `logical_not()` operator instead.");
  EMBER_CHECK(t.dtype() != kBool || op == UnaryOp::Sign || op == UnaryOp::Sgn,
              "{}: not implemented for 'Bool'", unary_name(op));
  EMBER_CHECK(!float_only(op) || t.is_floating_point(), "{}: not implemented for '{}'",
              unary_name(op), dtype_legacy_name(t.dtype()));
  return t.dtype();
}

using detail::record;
using detail::variable_list;

// What a backward formula reads: nothing, the op's input x or its result y.
enum class Reads { Nothing, Input, Result };

// Each op's derivative: what it saves, and the gradient from the incoming g and the saved s.
template <UnaryOp op>
struct UnaryGrad;
#define EMBER_UNARY_GRAD(Name, reads, ...)                                                    \
  template <>                                                                                 \
  struct UnaryGrad<UnaryOp::Name> {                                                           \
    static constexpr Reads kReads = Reads::reads;                                             \
    static Tensor of(const Tensor& g, [[maybe_unused]] const Tensor& s, const UnaryParams&) { \
      return __VA_ARGS__;                                                                     \
    }                                                                                         \
  };
// d/dx -x = -1
EMBER_UNARY_GRAD(Neg, Nothing, -g)
// d/dx |x| = sign(x)
EMBER_UNARY_GRAD(Abs, Input, g* s.sign())
// d/dx sqrt(x) = 1 / (2 sqrt(x))
EMBER_UNARY_GRAD(Sqrt, Result, g / (2 * s))
// d/dx exp(x) = exp(x)
EMBER_UNARY_GRAD(Exp, Result, g* s)
// d/dx log(x) = 1 / x
EMBER_UNARY_GRAD(Log, Input, g / s)
// d/dx sin(x) = cos(x)
EMBER_UNARY_GRAD(Sin, Input, g* s.cos())
// d/dx cos(x) = -sin(x)
EMBER_UNARY_GRAD(Cos, Input, g * -s.sin())
// d/dx tan(x) = 1 + tan(x)^2
EMBER_UNARY_GRAD(Tan, Result, g*(1 + s * s))
// d/dx tanh(x) = 1 - tanh(x)^2
EMBER_UNARY_GRAD(Tanh, Result, g*(1 - s * s))
// d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))
EMBER_UNARY_GRAD(Sigmoid, Result, g* s*(1 - s))
// d/dx relu(x) = 1 where the result is positive, else 0
EMBER_UNARY_GRAD(Relu, Result, threshold_backward(g, s, 0))
// d/dx sign(x) = 0, and so for the rounding ops (piecewise constant)
EMBER_UNARY_GRAD(Sign, Nothing, zeros_like(g))
EMBER_UNARY_GRAD(Floor, Nothing, zeros_like(g))
EMBER_UNARY_GRAD(Ceil, Nothing, zeros_like(g))
EMBER_UNARY_GRAD(Round, Nothing, zeros_like(g))
EMBER_UNARY_GRAD(Trunc, Nothing, zeros_like(g))
// d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)
EMBER_UNARY_GRAD(Erf, Input, g*(2 * std::numbers::inv_sqrtpi) * (-(s * s)).exp())
// d/dx 1/x = -1/x^2 = -y^2
EMBER_UNARY_GRAD(Reciprocal, Result, g * -(s * s))
// d/dx x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2
EMBER_UNARY_GRAD(Rsqrt, Result, g*(-0.5 * s * s * s))
// d/dx log(1 + x) = 1 / (1 + x)
EMBER_UNARY_GRAD(Log1p, Input, g / (s + 1))
// d/dx (exp(x) - 1) = exp(x) = y + 1
EMBER_UNARY_GRAD(Expm1, Result, g*(s + 1))
// d/dx asin(x) = 1 / sqrt(1 - x^2)
EMBER_UNARY_GRAD(Asin, Input, g*(1 - s * s).rsqrt())
// d/dx acos(x) = -1 / sqrt(1 - x^2)
EMBER_UNARY_GRAD(Acos, Input, g * -(1 - s * s).rsqrt())
// d/dx atan(x) = 1 / (1 + x^2)
EMBER_UNARY_GRAD(Atan, Input, g / (s * s + 1))
// d/dx sinh(x) = cosh(x), d/dx cosh(x) = sinh(x)
EMBER_UNARY_GRAD(Sinh, Input, g* s.cosh())
EMBER_UNARY_GRAD(Cosh, Input, g* s.sinh())
// d/dx asinh(x) = 1 / sqrt(x^2 + 1), d/dx acosh(x) = 1 / sqrt(x^2 - 1)
EMBER_UNARY_GRAD(Asinh, Input, g*(s* s + 1).rsqrt())
EMBER_UNARY_GRAD(Acosh, Input, g*(s* s - 1).rsqrt())
// d/dx atanh(x) = 1 / (1 - x^2)
EMBER_UNARY_GRAD(Atanh, Input, g / (1 - s * s))
// d/dx log_b(x) = 1 / (x ln b)
EMBER_UNARY_GRAD(Log2, Input, g / (s * std::numbers::ln2))
EMBER_UNARY_GRAD(Log10, Input, g / (s * std::numbers::ln10))
// d/dx erfc(x) = -2 / sqrt(pi) * exp(-x^2)
EMBER_UNARY_GRAD(Erfc, Input, g*(-2 * std::numbers::inv_sqrtpi) * (-(s * s)).exp())
// d/dx erfinv(x) = sqrt(pi) / 2 * exp(erfinv(x)^2)
EMBER_UNARY_GRAD(Erfinv, Result, g*(0.5 / std::numbers::inv_sqrtpi) * (s * s).exp())
// d/dx lgamma(x) = digamma(x), d/dx digamma(x) = polygamma(1, x)
EMBER_UNARY_GRAD(Lgamma, Input, g* s.digamma())
EMBER_UNARY_GRAD(Digamma, Input, g* polygamma(1, s))
// d/dx 2^x = 2^x ln 2
EMBER_UNARY_GRAD(Exp2, Result, g*(s* std::numbers::ln2))
// d/dx (x - trunc(x)) = 1
EMBER_UNARY_GRAD(Frac, Nothing, g)
// Degrees and radians differ by a constant factor.
EMBER_UNARY_GRAD(Deg2rad, Nothing, g*(std::numbers::pi / 180))
EMBER_UNARY_GRAD(Rad2deg, Nothing, g*(180 / std::numbers::pi))
// d/dx I0(x) = I1(x)
EMBER_UNARY_GRAD(I0, Input, g* special::i1(s))
// sgn is sign for real numbers: piecewise constant
EMBER_UNARY_GRAD(Sgn, Nothing, zeros_like(g))
#undef EMBER_UNARY_GRAD

// x where it is not 0, else 1: the denominators of the formulas below, whose value at 0 is
// taken by where() (a NaN there would reach the second derivative through where's backward).
Tensor nonzero_or_one(const Tensor& x) { return where(x.eq(0), ones_like(x), x); }

// d/dx sinc(x) = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0
template <>
struct UnaryGrad<UnaryOp::Sinc> {
  static constexpr Reads kReads = Reads::Input;
  static Tensor of(const Tensor& g, const Tensor& s, const UnaryParams&) {
    const Tensor x = nonzero_or_one(s);
    const Tensor px = x * std::numbers::pi;
    return where(s.eq(0), 0.0, g * ((px * px.cos() - px.sin()) / (px * x)));
  }
};

// d/dx I1(x) = I0(x) - I1(x) / x, 1/2 at 0
template <>
struct UnaryGrad<UnaryOp::SpecialI1> {
  static constexpr Reads kReads = Reads::Input;
  static Tensor of(const Tensor& g, const Tensor& s, const UnaryParams&) {
    const Tensor x = nonzero_or_one(s);
    return g * where(s.eq(0), 0.5, s.i0() - special::i1(x) / x);
  }
};

// d/dx polygamma(n, x) = polygamma(n + 1, x)
template <>
struct UnaryGrad<UnaryOp::Polygamma> {
  static constexpr Reads kReads = Reads::Input;
  static Tensor of(const Tensor& g, const Tensor& s, const UnaryParams& p) {
    return g * polygamma(static_cast<int64_t>(p.lo) + 1, s);
  }
};

// d/dx logit(x) = 1 / (x (1 - x)); 0 where eps clamped x, NaN outside [0, 1] without eps.
template <>
struct UnaryGrad<UnaryOp::Logit> {
  static constexpr Reads kReads = Reads::Input;
  static Tensor of(const Tensor& g, const Tensor& s, const UnaryParams& p) {
    const Tensor grad = g / (s * (1 - s));
    if (p.has_lo) return where(s.lt(p.lo).logical_or(s.gt(1 - p.lo)), 0.0, grad);
    return where(s.lt(0).logical_or(s.gt(1)), std::numeric_limits<double>::quiet_NaN(), grad);
  }
};
#undef EMBER_UNARY_GRAD

// d/dx clamp(x, lo, hi) = 1 inside [lo, hi], else 0
template <>
struct UnaryGrad<UnaryOp::Clamp> {
  static constexpr Reads kReads = Reads::Input;
  static Tensor of(const Tensor& g, const Tensor& s, const UnaryParams& p) {
    Tensor inside = p.has_lo ? s.ge(p.lo) : s.le(p.hi);
    if (p.has_lo && p.has_hi) inside = inside.mul(s.le(p.hi));
    // Selected, not multiplied: an infinite gradient outside stays 0, as in PyTorch.
    return where(inside, g, 0.0);
  }
};

template <UnaryOp op>
void record_with(const char* node, const Tensor& x, const Tensor& y, const UnaryParams& p) {
  using Grad = UnaryGrad<op>;
  auto formula = [p](auto&, auto& g, auto& s) {
    return variable_list{Grad::of(g[0], Grad::kReads == Reads::Nothing ? Tensor() : s[0], p)};
  };
  if constexpr (Grad::kReads == Reads::Nothing)
    record(node, {&x}, {&y}, {}, formula);
  else if constexpr (Grad::kReads == Reads::Input)
    record(node, {&x}, {&y}, {{x}}, formula);
  else
    record(node, {&x}, {&y}, {{y, true}}, formula);
}

void record_unary(UnaryOp op, const Tensor& x, const Tensor& y, const UnaryParams& p) {
  switch (op) {
#define EMBER_UNARY_OP(Name, name, dtype, surface, node) \
  case UnaryOp::Name:                                    \
    return record_with<UnaryOp::Name>(node, x, y, p);
#include "ember/core/op_table.def"
  }
}

Tensor unary(UnaryOp op, const Tensor& t, const UnaryParams& p = {}) {
  const ScalarType dtype = unary_result_type(op, t);
  Tensor out = detail::empty_for(t.sizes(), TensorOptions(dtype).device(t.device()), {&t});
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
  detail::check_not_captured(t, unary_name(op), "_");
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

// The table's four forms of every op with a full surface.
#define EMBER_UNARY_OP(Name, name, dtype, surface, node)                                   \
  EMBER_IF_FULL(                                                                           \
      surface,                                                                             \
      Tensor name(const Tensor& t) { return unary(UnaryOp::Name, t); } Tensor& name##_out( \
          Tensor& out, const Tensor& t) {                                                  \
        return unary_out(UnaryOp::Name, out, t);                                           \
      } Tensor Tensor::name() const {                                                      \
        return unary(UnaryOp::Name, *this);                                                \
      } Tensor& Tensor::name##_() const { return unary_(UnaryOp::Name, self()); })
#include "ember/core/op_table.def"

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

Tensor polygamma(int64_t n, const Tensor& t) {
  EMBER_CHECK(n >= 0, "polygamma(n, x) does not support negative n (got {}).", n);
  UnaryParams p;
  p.lo = static_cast<double>(n);
  return unary(UnaryOp::Polygamma, t, p);
}
Tensor Tensor::polygamma(int64_t n) const { return ember::polygamma(n, *this); }
Tensor& Tensor::polygamma_(int64_t n) const {
  EMBER_CHECK(n >= 0, "polygamma(n, x) does not support negative n (got {}).", n);
  UnaryParams p;
  p.lo = static_cast<double>(n);
  return unary_(UnaryOp::Polygamma, self(), p);
}

Tensor logit(const Tensor& t, std::optional<double> eps) {
  UnaryParams p;
  if (eps && *eps >= 0) p.lo = *eps, p.has_lo = true;  // a negative eps means none, as in torch
  return unary(UnaryOp::Logit, t, p);
}
Tensor Tensor::logit(std::optional<double> eps) const { return ember::logit(*this, eps); }
Tensor& Tensor::logit_(std::optional<double> eps) const {
  UnaryParams p;
  if (eps && *eps >= 0) p.lo = *eps, p.has_lo = true;
  return unary_(UnaryOp::Logit, self(), p);
}

namespace special {
Tensor i1(const Tensor& t) { return unary(UnaryOp::SpecialI1, t); }
}  // namespace special

}  // namespace ember
