#pragma once
// Scalar definitions of the elementwise ops: the reference semantics for every dtype, used for
// integer types and for ops without a vector form.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <type_traits>

#include "ember/core/op_table.h"
#include "kernels/cpu/special_functions.h"
#include "kernels/kernel_table.h"

namespace ember::detail {

/// Converts with x86's convention for values an integer cannot hold (NaN and overflow give the
/// type's minimum), avoiding undefined behaviour in the cast.
template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi = -lo;
    const double d = static_cast<double>(v);
    return (d >= lo && d < hi) ? static_cast<To>(d) : std::numeric_limits<To>::min();
  } else {
    return static_cast<To>(v);
  }
}

/// Integer arithmetic wraps around on overflow, as PyTorch's does (signed overflow would be
/// undefined behaviour in C++, so it is done in the unsigned type).
template <typename T>
inline constexpr bool kWraps = std::is_integral_v<T> && !std::is_same_v<T, bool>;
/// The type an op defined on floats computes in: T itself when floating, else double.
template <typename T>
using FloatOf = std::conditional_t<std::is_floating_point_v<T>, T, double>;

/// Rounds a float with f; an integer is already whole and stays exactly as it is.
template <typename T, typename F>
inline T round_with(T x, F f) {
  if constexpr (std::is_integral_v<T>)
    return x;
  else
    return f(x);
}

template <typename T>
inline T wrapping_neg(T x) {
  if constexpr (kWraps<T>)
    return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(x));
  else
    return static_cast<T>(-x);
}
template <typename T>
inline T wrapping_add(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a || b;
  } else if constexpr (kWraps<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else
    return static_cast<T>(a + b);
}
template <typename T>
inline T wrapping_sub(T a, T b) {
  if constexpr (kWraps<T>)
    return wrapping_add(a, wrapping_neg(b));
  else
    return static_cast<T>(a - b);
}
template <typename T>
inline T wrapping_mul(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (kWraps<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else
    return static_cast<T>(a * b);
}

/// Integer power by squaring (negative exponents are rejected before the kernel runs).
template <typename T>
inline T int_pow(T base, T exp) {
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = wrapping_mul(result, base);
    base = wrapping_mul(base, base);
    exp >>= 1;
  }
  return result;
}

/// Division; for integers (the in-place and composed forms) a zero divisor gives 0 rather than
/// trapping, and dividing by -1 wraps.
template <typename T>
inline T divide(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return b == T(0) ? T(0) : b == T(-1) ? wrapping_neg(a) : static_cast<T>(a / b);
  else
    return a / b;
}

/// a to the power b: `a or not b` for bool, by squaring for integers, std::pow for floats.
template <typename T>
inline T power(T a, T b) {
  if constexpr (std::is_same_v<T, bool>)
    return T(a || !b);
  else if constexpr (std::is_integral_v<T>)
    return int_pow(a, b);
  else
    return static_cast<T>(std::pow(a, b));
}

/// A special function (special_functions.h) at x, in x's float type.
#define EMBER_SPECIAL(f, x) static_cast<T>(f(static_cast<FloatOf<T>>(x)))

/// sin(pi x) / (pi x), 1 at 0.
template <typename T>
inline T sinc(T x) {
  using F = FloatOf<T>;
  if (x == T(0)) return T(1);
  const F px = std::numbers::pi_v<F> * static_cast<F>(x);
  return static_cast<T>(std::sin(px) / px);
}

/// The scalar function of each unary op for element type T: one specialisation per op of the
/// op table, `x` the element.
template <UnaryOp op, typename T>
struct UnaryFn;
#define EMBER_UNARY_FN(Name, ...)                   \
  template <typename T>                             \
  struct UnaryFn<UnaryOp::Name, T> {                \
    T operator()(T x) const { return __VA_ARGS__; } \
  };
EMBER_UNARY_FN(Neg, wrapping_neg(x))
EMBER_UNARY_FN(Abs, x < T(0) ? wrapping_neg(x) : x)
EMBER_UNARY_FN(Sqrt, static_cast<T>(std::sqrt(x)))
EMBER_UNARY_FN(Exp, static_cast<T>(std::exp(x)))
EMBER_UNARY_FN(Log, static_cast<T>(std::log(x)))
EMBER_UNARY_FN(Sin, static_cast<T>(std::sin(x)))
EMBER_UNARY_FN(Cos, static_cast<T>(std::cos(x)))
EMBER_UNARY_FN(Tan, static_cast<T>(std::tan(x)))
EMBER_UNARY_FN(Tanh, static_cast<T>(std::tanh(x)))
EMBER_UNARY_FN(Sigmoid, static_cast<T>(T(1) / (T(1) + std::exp(-x))))
EMBER_UNARY_FN(Relu, x > T(0) || x != x ? x : T(0))
EMBER_UNARY_FN(Sign, static_cast<T>((T(0) < x) - (x < T(0))))
EMBER_UNARY_FN(Erf, static_cast<T>(std::erf(x)))
// Rounding leaves integers as they are; the float-only ops never see integers (they are
// promoted before the kernel).
EMBER_UNARY_FN(Floor, round_with(x, [](auto v) { return std::floor(v); }))
EMBER_UNARY_FN(Ceil, round_with(x, [](auto v) { return std::ceil(v); }))
// Halves go to the even neighbour, as in PyTorch.
EMBER_UNARY_FN(Round, round_with(x, [](auto v) { return std::nearbyint(v); }))
EMBER_UNARY_FN(Trunc, round_with(x, [](auto v) { return std::trunc(v); }))
EMBER_UNARY_FN(Reciprocal, static_cast<T>(1 / static_cast<FloatOf<T>>(x)))
EMBER_UNARY_FN(Rsqrt, static_cast<T>(1 / std::sqrt(static_cast<FloatOf<T>>(x))))
EMBER_UNARY_FN(Log1p, static_cast<T>(std::log1p(x)))
EMBER_UNARY_FN(Expm1, static_cast<T>(std::expm1(x)))
EMBER_UNARY_FN(Asin, static_cast<T>(std::asin(x)))
EMBER_UNARY_FN(Acos, static_cast<T>(std::acos(x)))
EMBER_UNARY_FN(Atan, static_cast<T>(std::atan(x)))
EMBER_UNARY_FN(Sinh, static_cast<T>(std::sinh(x)))
EMBER_UNARY_FN(Cosh, static_cast<T>(std::cosh(x)))
EMBER_UNARY_FN(Asinh, static_cast<T>(std::asinh(x)))
EMBER_UNARY_FN(Acosh, static_cast<T>(std::acosh(x)))
EMBER_UNARY_FN(Atanh, static_cast<T>(std::atanh(x)))
EMBER_UNARY_FN(Log2, static_cast<T>(std::log2(x)))
EMBER_UNARY_FN(Log10, static_cast<T>(std::log10(x)))
EMBER_UNARY_FN(Erfc, static_cast<T>(std::erfc(x)))
EMBER_UNARY_FN(Erfinv, EMBER_SPECIAL(erfinv, x))
EMBER_UNARY_FN(Lgamma, EMBER_SPECIAL(lgamma, x))
EMBER_UNARY_FN(Digamma, EMBER_SPECIAL(digamma, x))
EMBER_UNARY_FN(Exp2, static_cast<T>(std::exp2(x)))
EMBER_UNARY_FN(Frac, round_with(x, [](auto v) { return v - std::trunc(v); }))
EMBER_UNARY_FN(Deg2rad, static_cast<T>(x*(std::numbers::pi_v<FloatOf<T>> / 180)))
EMBER_UNARY_FN(Rad2deg, static_cast<T>(x*(180 / std::numbers::pi_v<FloatOf<T>>)))
EMBER_UNARY_FN(Sinc, sinc(x))
EMBER_UNARY_FN(I0, EMBER_SPECIAL(bessel_i0, x))
EMBER_UNARY_FN(SpecialI1, EMBER_SPECIAL(bessel_i1, x))
EMBER_UNARY_FN(Sgn, static_cast<T>((T(0) < x) - (x < T(0))))
#undef EMBER_UNARY_FN
#undef EMBER_SPECIAL

template <typename T>
struct UnaryFn<UnaryOp::Clamp, T> {
  // Bounds beyond the type's range saturate, so clamp(int, -inf) is a no-op, not UB.
  static T bound(double v) {
    if constexpr (std::is_integral_v<T>) {
      if (v <= static_cast<double>(std::numeric_limits<T>::lowest()))
        return std::numeric_limits<T>::lowest();
      if (v >= static_cast<double>(std::numeric_limits<T>::max()))
        return std::numeric_limits<T>::max();
    }
    return static_cast<T>(v);
  }
  explicit UnaryFn(const UnaryParams& p)
      : lo(bound(p.lo)), hi(bound(p.hi)), has_lo(p.has_lo), has_hi(p.has_hi) {}
  T operator()(T x) const {
    if (x != x) return x;
    if (has_lo && x < lo) x = lo;
    if (has_hi && x > hi) x = hi;
    return x;
  }
  T lo, hi;
  bool has_lo, has_hi;
};

// polygamma(n, x): n is the parameter.
template <typename T>
struct UnaryFn<UnaryOp::Polygamma, T> {
  explicit UnaryFn(const UnaryParams& p) : n(static_cast<int>(p.lo)) {}
  T operator()(T x) const { return static_cast<T>(polygamma(n, static_cast<FloatOf<T>>(x))); }
  int n;
};

// log(x / (1 - x)), with x first clamped to [eps, 1 - eps] when an eps is given.
template <typename T>
struct UnaryFn<UnaryOp::Logit, T> {
  explicit UnaryFn(const UnaryParams& p) : eps(p.lo), has_eps(p.has_lo) {}
  T operator()(T x) const {
    using F = FloatOf<T>;
    F v = static_cast<F>(x);
    if (has_eps) v = v < F(eps) ? F(eps) : v > F(1 - eps) ? F(1 - eps) : v;
    return static_cast<T>(std::log(v / (1 - v)));
  }
  double eps;
  bool has_eps;
};

/// An op's functor, given the op's parameters when it takes any.
template <typename F>
F make_unary_fn(const UnaryParams& p) {
  if constexpr (std::is_constructible_v<F, const UnaryParams&>)
    return F(p);
  else
    return F{};
}

/// Calls body(f) with f the scalar function of op for element type T.
template <typename T, typename Body>
void with_unary_fn(UnaryOp op, const UnaryParams& p, Body&& body) {
  switch (op) {
#define EMBER_UNARY_OP(Name, ...) \
  case UnaryOp::Name:             \
    return body(make_unary_fn<UnaryFn<UnaryOp::Name, T>>(p));
#include "ember/core/op_table.def"
  }
}

/// log(e^a + e^b) (or log2(2^a + 2^b)) without overflow: the larger plus the log of one plus
/// the smaller's share; equal infinities give themselves.
template <typename T>
inline T log_add_exp(T a, T b, bool base2) {
  using F = FloatOf<T>;
  const F x = static_cast<F>(a), y = static_cast<F>(b);
  if (std::isinf(x) && x == y) return static_cast<T>(x);
  const F m = std::max(x, y), d = -std::abs(x - y);
  if (base2) return static_cast<T>(m + std::log1p(std::exp2(d)) / std::numbers::ln2_v<F>);
  return static_cast<T>(m + std::log1p(std::exp(d)));
}

/// a log(b), 0 where a is 0 (unless b is NaN).
template <typename T>
inline T xlogy(T a, T b) {
  using F = FloatOf<T>;
  const F x = static_cast<F>(a), y = static_cast<F>(b);
  if (y != y) return static_cast<T>(y);
  if (x == 0) return T(0);
  return static_cast<T>(x * std::log(y));
}

/// The scalar function of each binary op, for element type T (`a` and `b` the elements; the
/// float-only ops never see integers, which are promoted first).
template <BinaryOp op, typename T>
struct BinaryFn;
#define EMBER_BINARY_FN(Name, ...)                       \
  template <typename T>                                  \
  struct BinaryFn<BinaryOp::Name, T> {                   \
    T operator()(T a, T b) const { return __VA_ARGS__; } \
  };
// Integer arithmetic wraps around, as PyTorch's (for bool, add is `or` and mul is `and`).
EMBER_BINARY_FN(Add, wrapping_add(a, b))
EMBER_BINARY_FN(Sub, wrapping_sub(a, b))
EMBER_BINARY_FN(Mul, wrapping_mul(a, b))
EMBER_BINARY_FN(Div, divide(a, b))
EMBER_BINARY_FN(Pow, power(a, b))
// maximum and minimum propagate NaN from either side, as PyTorch's do.
EMBER_BINARY_FN(Maximum, a != a ? a : b != b ? b : (a > b ? a : b))
EMBER_BINARY_FN(Minimum, a != a ? a : b != b ? b : (a < b ? a : b))
// A gradient (a), zeroed where the input (b) is <= 0.
EMBER_BINARY_FN(ThresholdBackward, b <= T(0) ? T(0) : a)
EMBER_BINARY_FN(Atan2,
                static_cast<T>(std::atan2(static_cast<FloatOf<T>>(a), static_cast<FloatOf<T>>(b))))
// fmax and fmin ignore a NaN operand (NaN only when both are).
EMBER_BINARY_FN(Fmax, a != a ? b : b != b ? a : (a > b ? a : b))
EMBER_BINARY_FN(Fmin, a != a ? b : b != b ? a : (a < b ? a : b))
EMBER_BINARY_FN(Hypot, static_cast<T>(std::hypot(a, b)))
EMBER_BINARY_FN(Logaddexp, log_add_exp(a, b, false))
EMBER_BINARY_FN(Logaddexp2, log_add_exp(a, b, true))
EMBER_BINARY_FN(Xlogy, xlogy(a, b))
EMBER_BINARY_FN(Copysign, static_cast<T>(std::copysign(static_cast<FloatOf<T>>(a),
                                                       static_cast<FloatOf<T>>(b))))
#undef EMBER_BINARY_FN

/// Calls body(f) with f the scalar function of op for element type T.
template <typename T, typename Body>
void with_binary_fn(BinaryOp op, Body&& body) {
  switch (op) {
#define EMBER_BINARY_OP(Name, ...) \
  case BinaryOp::Name:             \
    return body(BinaryFn<BinaryOp::Name, T>{});
#include "ember/core/op_table.def"
  }
}

/// The comparison of each compare op, for element type T.
template <CompareOp op, typename T>
struct CompareFn;
#define EMBER_COMPARE_FN(Name, expr)                 \
  template <typename T>                              \
  struct CompareFn<CompareOp::Name, T> {             \
    bool operator()(T a, T b) const { return expr; } \
  };
EMBER_COMPARE_FN(Eq, a == b)
EMBER_COMPARE_FN(Ne, a != b)
EMBER_COMPARE_FN(Lt, a < b)
EMBER_COMPARE_FN(Le, a <= b)
EMBER_COMPARE_FN(Gt, a > b)
EMBER_COMPARE_FN(Ge, a >= b)
#undef EMBER_COMPARE_FN

/// Calls body(f) with f the comparison of op for element type T.
template <typename T, typename Body>
void with_compare_fn(CompareOp op, Body&& body) {
  switch (op) {
#define EMBER_COMPARE_OP(Name, name) \
  case CompareOp::Name:              \
    return body(CompareFn<CompareOp::Name, T>{});
#include "ember/core/op_table.def"
  }
}

}  // namespace ember::detail
