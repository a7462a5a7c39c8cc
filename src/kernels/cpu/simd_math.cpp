// Highway compiles this file once per target instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/simd_math.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/cpu/blocked_sum-inl.h"
#include "kernels/cpu/simd_math.h"

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
using Vec = decltype(hn::Zero(D()));

// Vector forms of the unary ops, one specialisation per op that has one (the others run the
// scalar functor of scalar_ops.h). Highway's math functions are exact only on a stated range;
// the fix-ups below give IEEE results (inf, NaN, -inf) outside it, matching std::.
template <UnaryOp op>
struct VecUnary {
  using None = void;  // no vector form
};
template <class F>
concept VectorForm = !requires {
  typename F::None;
};
template <>
struct VecUnary<UnaryOp::Neg> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Neg(x);
  }
};
template <>
struct VecUnary<UnaryOp::Abs> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Abs(x);
  }
};
template <>
struct VecUnary<UnaryOp::Sqrt> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Sqrt(x);
  }
};
template <>
struct VecUnary<UnaryOp::Exp> {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V overflow = hn::Set(d, T(sizeof(T) == 4 ? 88.7228394 : 709.782712893384));
    V y = hn::Exp(d, x);
    y = hn::IfThenElse(hn::Gt(x, overflow), hn::Set(d, std::numeric_limits<T>::infinity()), y);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};
template <>
struct VecUnary<UnaryOp::Log> {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V zero = hn::Zero(d);
    const V inf = hn::Set(d, std::numeric_limits<T>::infinity());
    V y = hn::Log(d, x);
    y = hn::IfThenElse(hn::Eq(x, zero), hn::Neg(inf), y);
    y = hn::IfThenElse(hn::Lt(x, zero), hn::Set(d, std::numeric_limits<T>::quiet_NaN()), y);
    y = hn::IfThenElse(hn::Eq(x, inf), inf, y);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};
// Sine and cosine are only accurate for |x| <= 39000: lanes outside use std::.
template <bool kSin>
struct SinCos {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    V y = kSin ? hn::Sin(d, x) : hn::Cos(d, x);
    const auto in_range = hn::Le(hn::Abs(x), hn::Set(d, T(39000)));
    if (HWY_LIKELY(hn::AllTrue(d, in_range))) return y;
    HWY_ALIGN T xs[hn::MaxLanes(d)];
    HWY_ALIGN T ys[hn::MaxLanes(d)];
    hn::Store(x, d, xs);
    hn::Store(y, d, ys);
    for (size_t i = 0; i < hn::Lanes(d); ++i)
      if (!(std::abs(xs[i]) <= T(39000))) ys[i] = kSin ? std::sin(xs[i]) : std::cos(xs[i]);
    return hn::Load(d, ys);
  }
};
template <>
struct VecUnary<UnaryOp::Sin> : SinCos<true> {};
template <>
struct VecUnary<UnaryOp::Cos> : SinCos<false> {};
template <>
struct VecUnary<UnaryOp::Tanh> {
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::IfThenElse(hn::IsNaN(x), x, hn::Tanh(d, x));
  }
};
template <>
struct VecUnary<UnaryOp::Sigmoid> {
  template <class D, class V>
  V operator()(D d, V x) const {
    const V one = hn::Set(d, hn::TFromD<D>(1));
    return hn::Div(one, hn::Add(one, VecUnary<UnaryOp::Exp>()(d, hn::Neg(x))));
  }
};
template <>
struct VecUnary<UnaryOp::Floor> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Floor(x);
  }
};
template <>
struct VecUnary<UnaryOp::Ceil> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Ceil(x);
  }
};
template <>
struct VecUnary<UnaryOp::Round> {  // to nearest, halves to even
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Round(x);
  }
};
template <>
struct VecUnary<UnaryOp::Trunc> {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Trunc(x);
  }
};
template <>
struct VecUnary<UnaryOp::Reciprocal> {
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::Div(hn::Set(d, hn::TFromD<D>(1)), x);
  }
};
template <>
struct VecUnary<UnaryOp::Rsqrt> {  // exact, not the hardware approximation
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::Div(hn::Set(d, hn::TFromD<D>(1)), hn::Sqrt(x));
  }
};
template <>
struct VecUnary<UnaryOp::Log1p> {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V minus_one = hn::Set(d, T(-1));
    const V inf = hn::Set(d, std::numeric_limits<T>::infinity());
    V y = hn::Log1p(d, x);
    y = hn::IfThenElse(hn::Eq(x, minus_one), hn::Neg(inf), y);
    y = hn::IfThenElse(hn::Lt(x, minus_one), hn::Set(d, std::numeric_limits<T>::quiet_NaN()), y);
    y = hn::IfThenElse(hn::Eq(x, inf), inf, y);
    y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);  // keeps the sign of -0
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};
template <>
struct VecUnary<UnaryOp::Expm1> {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V overflow = hn::Set(d, T(sizeof(T) == 4 ? 88.7228394 : 709.782712893384));
    V y = hn::Expm1(d, x);
    y = hn::IfThenElse(hn::Gt(x, overflow), hn::Set(d, std::numeric_limits<T>::infinity()), y);
    y = hn::IfThenElse(hn::Lt(x, hn::Set(d, T(sizeof(T) == 4 ? -88 : -709))), hn::Set(d, T(-1)), y);
    y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);  // keeps the sign of -0
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};
// Arc sine and cosine: Highway's are defined on [-1, 1]; outside it the result is NaN.
template <bool kSin>
struct ArcSinCos {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V y = kSin ? hn::Asin(d, x) : hn::Acos(d, x);
    const auto outside = hn::Gt(hn::Abs(x), hn::Set(d, T(1)));
    return hn::IfThenElse(outside, hn::Set(d, std::numeric_limits<T>::quiet_NaN()),
                          hn::IfThenElse(hn::IsNaN(x), x, y));
  }
};
template <>
struct VecUnary<UnaryOp::Asin> : ArcSinCos<true> {};
template <>
struct VecUnary<UnaryOp::Acos> : ArcSinCos<false> {};
template <>
struct VecUnary<UnaryOp::Atan> {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V half_pi = hn::Set(d, T(1.57079632679489661923));
    V y = hn::Atan(d, x);
    y = hn::IfThenElse(hn::IsInf(x), hn::CopySign(half_pi, x), y);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};
template <>
struct VecUnary<UnaryOp::Relu> {
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::IfThenElse(hn::IsNaN(x), x, hn::Max(x, hn::Zero(d)));
  }
};
template <>
struct VecUnary<UnaryOp::Clamp> {
  explicit VecUnary(const UnaryParams& params) : p(params) {}
  UnaryParams p;
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    V y = x;
    if (p.has_lo) y = hn::Max(y, hn::Set(d, T(p.lo)));
    if (p.has_hi) y = hn::Min(y, hn::Set(d, T(p.hi)));
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
};

// Runs f over n contiguous elements; the tail goes through a padded buffer so every element
// sees the same vector code (results do not depend on where an element sits in the row).
template <class T, class F>
void UnaryRow(const F& f, const T* in, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(f(d, hn::LoadU(d, in + i)), d, out + i);
  if (i < n) {
    HWY_ALIGN T buf[hn::MaxLanes(d)] = {};
    std::memcpy(buf, in + i, (n - i) * sizeof(T));
    hn::Store(f(d, hn::Load(d, buf)), d, buf);
    std::memcpy(out + i, buf, (n - i) * sizeof(T));
  }
}

// An op's vector functor, given the op's parameters when it takes any.
template <class F>
F MakeVecUnary(const UnaryParams& p) {
  if constexpr (std::is_constructible_v<F, const UnaryParams&>)
    return F(p);
  else
    return F();
}

template <class T>
bool UnaryImpl(UnaryOp op, const T* in, T* out, int64_t n, const UnaryParams& p) {
  switch (op) {
#define EMBER_UNARY_OP(Name, ...)                                                          \
  case UnaryOp::Name:                                                                      \
    if constexpr (!VectorForm<VecUnary<UnaryOp::Name>>) {                                  \
      return false;                                                                        \
    } else {                                                                               \
      UnaryRow(MakeVecUnary<VecUnary<UnaryOp::Name>>(p), in, out, static_cast<size_t>(n)); \
      return true;                                                                         \
    }
#include "ember/core/op_table.def"
  }
  return false;
}
bool UnaryF32(UnaryOp op, const float* in, float* out, int64_t n, const UnaryParams& p) {
  return UnaryImpl(op, in, out, n, p);
}
bool UnaryF64(UnaryOp op, const double* in, double* out, int64_t n, const UnaryParams& p) {
  return UnaryImpl(op, in, out, n, p);
}

struct Add {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Add(a, b);
  }
};
struct Sub {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Sub(a, b);
  }
};
struct Mul {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Mul(a, b);
  }
};
struct Div {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Div(a, b);
  }
};
// maximum/minimum propagate NaN from either side, as PyTorch's do.
struct Maximum {
  template <class V>
  V operator()(V a, V b) const {
    V y = hn::IfThenElse(hn::IsNaN(a), a, hn::Max(a, b));
    return hn::IfThenElse(hn::IsNaN(b), b, y);
  }
};
struct Minimum {
  template <class V>
  V operator()(V a, V b) const {
    V y = hn::IfThenElse(hn::IsNaN(a), a, hn::Min(a, b));
    return hn::IfThenElse(hn::IsNaN(b), b, y);
  }
};
// The gradient a where b > 0 or b is NaN, else 0 (not a * mask, which turns an infinite
// gradient into NaN where the mask is 0).
struct ThresholdBackward {
  template <class V>
  V operator()(V a, V b) const {
    return hn::IfThenZeroElse(hn::Le(b, hn::Zero(hn::DFromV<V>())), a);
  }
};

// Integer powers PyTorch also computes by multiplying, so the results agree bit for bit; they
// ignore the exponent operand, which the caller has checked.
struct Square {
  template <class V>
  V operator()(V a, V) const {
    return hn::Mul(a, a);
  }
};
struct Cube {
  template <class V>
  V operator()(V a, V) const {
    return hn::Mul(hn::Mul(a, a), a);
  }
};
struct Reciprocal {
  template <class V>
  V operator()(V a, V) const {
    return hn::Div(hn::Set(hn::DFromV<V>(), 1), a);
  }
};
struct ReciprocalSquare {
  template <class V>
  V operator()(V a, V) const {
    return hn::Div(hn::Set(hn::DFromV<V>(), 1), hn::Mul(a, a));
  }
};

template <class T, class F>
void BinaryRow(const F& f, const T* a, const T* b, T* out, size_t n, BinaryLayout layout) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  auto load_a = [&](const T* p) {
    return layout == BinaryLayout::ScalarA ? hn::Set(d, *a) : hn::LoadU(d, p);
  };
  auto load_b = [&](const T* p) {
    return layout == BinaryLayout::ScalarB ? hn::Set(d, *b) : hn::LoadU(d, p);
  };
  size_t i = 0;
  if (layout == BinaryLayout::Rows) {
    for (; i + N <= n; i += N) hn::StoreU(f(hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, out + i);
  } else if (layout == BinaryLayout::ScalarB) {
    const auto vb = hn::Set(d, *b);
    for (; i + N <= n; i += N) hn::StoreU(f(hn::LoadU(d, a + i), vb), d, out + i);
  } else {
    const auto va = hn::Set(d, *a);
    for (; i + N <= n; i += N) hn::StoreU(f(va, hn::LoadU(d, b + i)), d, out + i);
  }
  if (i < n) {
    HWY_ALIGN T ba[hn::MaxLanes(d)] = {};
    HWY_ALIGN T bb[hn::MaxLanes(d)] = {};
    if (layout != BinaryLayout::ScalarA) std::memcpy(ba, a + i, (n - i) * sizeof(T));
    if (layout != BinaryLayout::ScalarB) std::memcpy(bb, b + i, (n - i) * sizeof(T));
    const auto va = layout == BinaryLayout::ScalarA ? load_a(a) : hn::Load(d, ba);
    const auto vb = layout == BinaryLayout::ScalarB ? load_b(b) : hn::Load(d, bb);
    hn::Store(f(va, vb), d, ba);
    std::memcpy(out + i, ba, (n - i) * sizeof(T));
  }
}

template <class T>
bool BinaryImpl(BinaryOp op, const T* a, const T* b, T* out, int64_t n64, BinaryLayout layout) {
  const size_t n = static_cast<size_t>(n64);
  switch (op) {
    case BinaryOp::Add:
      return BinaryRow(Add(), a, b, out, n, layout), true;
    case BinaryOp::Sub:
      return BinaryRow(Sub(), a, b, out, n, layout), true;
    case BinaryOp::Mul:
      return BinaryRow(Mul(), a, b, out, n, layout), true;
    case BinaryOp::Div:
      return BinaryRow(Div(), a, b, out, n, layout), true;
    case BinaryOp::Maximum:
      return BinaryRow(Maximum(), a, b, out, n, layout), true;
    case BinaryOp::Minimum:
      return BinaryRow(Minimum(), a, b, out, n, layout), true;
    case BinaryOp::ThresholdBackward:
      return BinaryRow(ThresholdBackward(), a, b, out, n, layout), true;
    case BinaryOp::Pow:
      if (layout != BinaryLayout::ScalarB) return false;
      if (*b == T(2)) return BinaryRow(Square(), a, b, out, n, layout), true;
      if (*b == T(3)) return BinaryRow(Cube(), a, b, out, n, layout), true;
      if (*b == T(-1)) return BinaryRow(Reciprocal(), a, b, out, n, layout), true;
      if (*b == T(-2)) return BinaryRow(ReciprocalSquare(), a, b, out, n, layout), true;
      return false;
    default:
      return false;
  }
}
bool BinaryF32(BinaryOp op, const float* a, const float* b, float* out, int64_t n,
               BinaryLayout layout) {
  return BinaryImpl(op, a, b, out, n, layout);
}
bool BinaryF64(BinaryOp op, const double* a, const double* b, double* out, int64_t n,
               BinaryLayout layout) {
  return BinaryImpl(op, a, b, out, n, layout);
}

// Blocks of 4096 (BlockedSum): four vector accumulators, block sums added in double.
template <class T>
double SumImpl(const T* in, int64_t n) {
  const hn::ScalableTag<T> d;
  return BlockedSum<4096>(
      d, static_cast<size_t>(n), [&](size_t i) { return hn::LoadU(d, in + i); },
      [&](size_t i) { return static_cast<double>(in[i]); });
}
double SumF32(const float* in, int64_t n) { return SumImpl(in, n); }
double SumF64(const double* in, int64_t n) { return SumImpl(in, n); }

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail {

HWY_EXPORT(UnaryF32);
HWY_EXPORT(UnaryF64);
HWY_EXPORT(BinaryF32);
HWY_EXPORT(BinaryF64);
HWY_EXPORT(SumF32);
HWY_EXPORT(SumF64);

bool simd_unary(UnaryOp op, const float* in, float* out, int64_t n, const UnaryParams& p) {
  return HWY_DYNAMIC_DISPATCH(UnaryF32)(op, in, out, n, p);
}
bool simd_unary(UnaryOp op, const double* in, double* out, int64_t n, const UnaryParams& p) {
  return HWY_DYNAMIC_DISPATCH(UnaryF64)(op, in, out, n, p);
}
bool simd_binary(BinaryOp op, const float* a, const float* b, float* out, int64_t n,
                 BinaryLayout layout) {
  return HWY_DYNAMIC_DISPATCH(BinaryF32)(op, a, b, out, n, layout);
}
bool simd_binary(BinaryOp op, const double* a, const double* b, double* out, int64_t n,
                 BinaryLayout layout) {
  return HWY_DYNAMIC_DISPATCH(BinaryF64)(op, a, b, out, n, layout);
}
double simd_sum(const float* in, int64_t n) { return HWY_DYNAMIC_DISPATCH(SumF32)(in, n); }
double simd_sum(const double* in, int64_t n) { return HWY_DYNAMIC_DISPATCH(SumF64)(in, n); }

}  // namespace ember::detail
#endif
