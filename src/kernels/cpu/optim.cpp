// Fused optimizer updates: one pass over a parameter and its state instead of one pass per
// arithmetic step, which is what bounds an optimizer step on large layers (memory traffic).
// Highway compiles this file once per target instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/optim.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
// clang-format on

#include <algorithm>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/parallel_for.h"

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Adam over [0, n), step by step as the unfused update rounds (each constant in T):
//   m = m b1 + g (1 - b1);  v = v b2 + (g (1 - b2)) g
//   p = p - (m / (sqrt(v) / sqrt(1 - b2^t) + eps)) step_size
// The tail goes through a padded copy, so every element takes the same vector arithmetic.
template <class T>
void AdamImpl(T* p, const T* g, T* m, T* v, int64_t n64, const AdamStep& s) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const size_t n = static_cast<size_t>(n64);
  const auto b1 = hn::Set(d, T(s.beta1)), one_minus_b1 = hn::Set(d, T(1 - s.beta1));
  const auto b2 = hn::Set(d, T(s.beta2)), one_minus_b2 = hn::Set(d, T(1 - s.beta2));
  const auto bc2 = hn::Set(d, T(s.bias_correction2_sqrt)), eps = hn::Set(d, T(s.eps));
  const auto step_size = hn::Set(d, T(s.step_size));
  auto update = [&](T* pp, const T* gp, T* mp, T* vp) {
    const auto gv = hn::LoadU(d, gp);
    const auto mv = hn::Add(hn::Mul(hn::LoadU(d, mp), b1), hn::Mul(gv, one_minus_b1));
    const auto vv = hn::Add(hn::Mul(hn::LoadU(d, vp), b2), hn::Mul(hn::Mul(gv, one_minus_b2), gv));
    const auto denom = hn::Add(hn::Div(hn::Sqrt(vv), bc2), eps);
    hn::StoreU(mv, d, mp);
    hn::StoreU(vv, d, vp);
    hn::StoreU(hn::Sub(hn::LoadU(d, pp), hn::Mul(hn::Div(mv, denom), step_size)), d, pp);
  };
  size_t i = 0;
  for (; i + N <= n; i += N) update(p + i, g + i, m + i, v + i);
  if (i == n) return;
  constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(T);
  T tp[kMaxLanes] = {}, tg[kMaxLanes] = {}, tm[kMaxLanes] = {}, tv[kMaxLanes] = {};
  const size_t rest = n - i;
  std::copy(p + i, p + n, tp);
  std::copy(g + i, g + n, tg);
  std::copy(m + i, m + n, tm);
  std::copy(v + i, v + n, tv);
  update(tp, tg, tm, tv);
  std::copy(tp, tp + rest, p + i);
  std::copy(tm, tm + rest, m + i);
  std::copy(tv, tv + rest, v + i);
}
void AdamF32(float* p, const float* g, float* m, float* v, int64_t n, const AdamStep& s) {
  AdamImpl(p, g, m, v, n, s);
}
void AdamF64(double* p, const double* g, double* m, double* v, int64_t n, const AdamStep& s) {
  AdamImpl(p, g, m, v, n, s);
}

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail::cpu {
namespace {

HWY_EXPORT(AdamF32);
HWY_EXPORT(AdamF64);

template <typename T, typename Row>
void adam_chunks(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                 const Tensor& exp_avg_sq, const AdamStep& s, Row row) {
  T* p = param.data_ptr<T>();
  const T* g = grad.data_ptr<T>();
  T* m = exp_avg.data_ptr<T>();
  T* v = exp_avg_sq.data_ptr<T>();
  // Seven streams per element: a quarter of the grain of a plain elementwise op.
  parallel_for(0, param.numel(), kElementwiseGrain / 4,
               [&](int64_t b, int64_t e) { row(p + b, g + b, m + b, v + b, e - b, s); });
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const AdamStep& s) {
  // The row is dispatched at each call: a pointer taken before Highway's first dispatch would be
  // its set-up stub, which reads the CPU's features on every call.
  if (param.dtype() == kFloat64)
    adam_chunks<double>(param, grad, exp_avg, exp_avg_sq, s, [](auto... a) {
      HWY_DYNAMIC_DISPATCH(AdamF64)(a...);
    });
  else
    adam_chunks<float>(param, grad, exp_avg, exp_avg_sq, s, [](auto... a) {
      HWY_DYNAMIC_DISPATCH(AdamF32)(a...);
    });
}

}  // namespace

void fill_optim_kernels(KernelTable& table) { table.adam_step = adam_step; }

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
