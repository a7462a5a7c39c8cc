// Direct float32 convolutions for shallow windows at stride 1: where each output pixel sums only
// a few taps (C / groups * kh * kw up to kShallowTaps, as in a first layer over 1 or 3 channels),
// the arithmetic is small next to the memory that a library's blocked layouts or im2col's columns
// move, so these kernels read and write Ember's planes as they are. Each input plane is copied
// once with its zero padding, so that every tap of the window is one offset into the copy. The
// forward pass sweeps output rows with masked stores at their ends; the weight gradient sweeps
// the whole plane as one flat run, each output row followed by Wp - Wo columns whose gradient is
// laid out as zero, so its vectors meet no edges. Other windows go to the entries these wrap
// (oneDNN's).
// Highway compiles this file once per target instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/shallow_conv.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
// clang-format on
#include <hwy/aligned_allocator.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/parallel_for.h"

#ifndef EMBER_SHALLOW_CONV_PLAN
#define EMBER_SHALLOW_CONV_PLAN
namespace ember::detail::cpu {
// The padded planes of one convolution, as the vector loops see them.
struct ShallowPlan {
  int64_t channels;        // input channels per group
  int64_t taps;            // kh * kw
  int64_t ho, wo, wp;      // output rows and columns; columns of a padded plane
  int64_t span;            // Ho * Wp (the flat output run) rounded up to whole vectors
  int64_t plane;           // floats per padded plane or gradient run, over-reads included
  const int64_t* offsets;  // of each tap into a padded plane
};
}  // namespace ember::detail::cpu
#endif

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using cpu::ShallowPlan;

// out[q] (rows Ho x Wo, row stride out_row, columns contiguous) = bias[q] + the sum over
// channels c and taps t of w[q][c][t] planes[c][j + off_t], j = oh Wp + ow. B output channels go
// at once, so each input vector is loaded once for all of them, and two vectors of a row at a
// time, so 2 B sums are in flight to hide each addition's latency. w is [B][channels * taps].
template <int B>
void ForwardRows(float* const* out, int64_t out_row, const float* planes, const float* w,
                 const float* bias, const ShallowPlan& p) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), k = p.channels * p.taps;
  for (int64_t oh = 0; oh < p.ho; ++oh)
    for (int64_t ow = 0; ow < p.wo; ow += 2 * lanes) {
      hn::Vec<decltype(d)> a[B], b[B];
      for (int q = 0; q < B; ++q) a[q] = b[q] = hn::Set(d, bias[q]);
      for (int64_t c = 0; c < p.channels; ++c) {
        const float* x = planes + c * p.plane + oh * p.wp + ow;
        const float* wc = w + c * p.taps;
        for (int64_t t = 0; t < p.taps; ++t) {
          const auto u = hn::LoadU(d, x + p.offsets[t]);
          const auto v = hn::LoadU(d, x + p.offsets[t] + lanes);
          for (int q = 0; q < B; ++q) {
            const auto wq = hn::Set(d, wc[q * k + t]);
            a[q] = hn::MulAdd(wq, u, a[q]);
            b[q] = hn::MulAdd(wq, v, b[q]);
          }
        }
      }
      const int64_t rest = p.wo - ow;
      for (int q = 0; q < B; ++q) {
        float* o = out[q] + oh * out_row + ow;
        if (rest >= 2 * lanes) {
          hn::StoreU(a[q], d, o);
          hn::StoreU(b[q], d, o + lanes);
        } else if (rest > lanes) {
          hn::StoreU(a[q], d, o);
          hn::BlendedStore(b[q], hn::FirstN(d, static_cast<size_t>(rest - lanes)), d, o + lanes);
        } else {
          hn::BlendedStore(a[q], hn::FirstN(d, static_cast<size_t>(rest)), d, o);
        }
      }
    }
}

// One sample's share of the weight gradient, into the lane sums acc[q][c][t] (a vector each):
// += g[q][j] planes[c][j + off_t] over the run, where g holds B output-gradient runs (zero in
// the dropped columns), for the T taps from t0. Each vector loaded serves several sums (B T in
// all), which keeps the loads below the multiply-adds.
template <int B, int T>
void WeightTaps(float* acc, const float* g, const float* plane, int64_t c, int64_t t0,
                const ShallowPlan& p) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), k = p.channels * p.taps;
  const float* x[T];
  for (int t = 0; t < T; ++t) x[t] = plane + p.offsets[t0 + t];
  hn::Vec<decltype(d)> a[B][T];
  for (int q = 0; q < B; ++q)
    for (int t = 0; t < T; ++t) a[q][t] = hn::Zero(d);
  for (int64_t j = 0; j < p.span; j += lanes) {
    hn::Vec<decltype(d)> v[T];
    for (int t = 0; t < T; ++t) v[t] = hn::LoadU(d, x[t] + j);
    for (int q = 0; q < B; ++q) {
      const auto gq = hn::LoadU(d, g + q * p.plane + j);
      for (int t = 0; t < T; ++t) a[q][t] = hn::MulAdd(gq, v[t], a[q][t]);
    }
  }
  for (int q = 0; q < B; ++q)
    for (int t = 0; t < T; ++t) {
      float* at = acc + (q * k + c * p.taps + t0 + t) * lanes;
      hn::StoreU(hn::Add(hn::LoadU(d, at), a[q][t]), d, at);
    }
}

template <int B>
void WeightBlock(float* acc, const float* g, const float* planes, const ShallowPlan& p) {
  for (int64_t c = 0; c < p.channels; ++c) {
    const float* plane = planes + c * p.plane;
    int64_t t = 0;
    for (; t + 3 <= p.taps; t += 3) WeightTaps<B, 3>(acc, g, plane, c, t, p);
    if (p.taps - t == 2) WeightTaps<B, 2>(acc, g, plane, c, t, p);
    if (p.taps - t == 1) WeightTaps<B, 1>(acc, g, plane, c, t, p);
  }
}

void ShallowForward(float* const* out, int64_t out_row, const float* planes, const float* w,
                    const float* bias, int outs, const ShallowPlan& p) {
  switch (outs) {
    case 1:
      return ForwardRows<1>(out, out_row, planes, w, bias, p);
    case 2:
      return ForwardRows<2>(out, out_row, planes, w, bias, p);
    case 3:
      return ForwardRows<3>(out, out_row, planes, w, bias, p);
    default:
      return ForwardRows<4>(out, out_row, planes, w, bias, p);
  }
}

void ShallowWeight(float* acc, const float* g, const float* planes, int outs,
                   const ShallowPlan& p) {
  switch (outs) {
    case 1:
      return WeightBlock<1>(acc, g, planes, p);
    case 2:
      return WeightBlock<2>(acc, g, planes, p);
    case 3:
      return WeightBlock<3>(acc, g, planes, p);
    default:
      return WeightBlock<4>(acc, g, planes, p);
  }
}

// dst[i] += the sum of the lanes of the i-th vector of acc, for i < count.
void ReduceLanes(double* dst, const float* acc, int64_t count) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t i = 0; i < count; ++i)
    dst[i] += static_cast<double>(hn::GetLane(hn::SumOfLanes(d, hn::LoadU(d, acc + i * lanes))));
}

// Lays one output-gradient plane (rows Ho x Wo at src, strides sr and sc) out as a run: row oh
// at oh Wp, zero in the dropped columns, which must be zero on entry (each row's last vector
// writes zeros past its end). Returns the plane's sum.
float FillRun(float* run, const float* src, int64_t sr, int64_t sc, const ShallowPlan& p) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), whole = p.wo / lanes * lanes;
  const auto tail = hn::FirstN(d, static_cast<size_t>(p.wo - whole));
  auto total = hn::Zero(d);
  HWY_ALIGN float gathered[HWY_LANES(float)] = {};
  for (int64_t oh = 0; oh < p.ho; ++oh) {
    const float* row = src + oh * sr;
    float* o = run + oh * p.wp;
    const auto put = [&](int64_t ow, hn::Vec<decltype(d)> v) {
      hn::StoreU(v, d, o + ow);
      total = hn::Add(total, v);
    };
    if (sc == 1) {
      for (int64_t ow = 0; ow < whole; ow += lanes) put(ow, hn::LoadU(d, row + ow));
      if (whole < p.wo) put(whole, hn::MaskedLoad(tail, d, row + whole));
    } else if (sc == 0) {
      const auto v = hn::Set(d, row[0]);
      for (int64_t ow = 0; ow < whole; ow += lanes) put(ow, v);
      if (whole < p.wo) put(whole, hn::IfThenElseZero(tail, v));
    } else {
      for (int64_t ow = 0; ow < p.wo; ow += lanes) {
        const int64_t n = std::min(lanes, p.wo - ow);
        for (int64_t i = 0; i < lanes; ++i) gathered[i] = i < n ? row[(ow + i) * sc] : 0.0f;
        put(ow, hn::Load(d, gathered));
      }
    }
  }
  return hn::GetLane(hn::SumOfLanes(d, total));
}

// The float lanes of this target's vectors: runs and planes are whole vectors of them.
int64_t FloatLanes() { return static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())); }

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail::cpu {
namespace {

HWY_EXPORT(ShallowForward);
HWY_EXPORT(ShallowWeight);
HWY_EXPORT(ReduceLanes);
HWY_EXPORT(FillRun);
HWY_EXPORT(FloatLanes);

// Taps per output pixel (per group) up to which the direct kernels serve.
constexpr int64_t kShallowTaps = 32;
// Output channels each vector pass computes (ForwardRows's and WeightBlock's B).
constexpr int64_t kBlock = 4;
// Pieces of work per thread, so that a thread that starts late takes fewer of them.
constexpr int64_t kPiecesPerThread = 4;

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Copies rows x cols of src (strides sr, sc) into dst (strides dr, dc).
void copy_rows(float* dst, int64_t dr, int64_t dc, const float* src, int64_t sr, int64_t sc,
               int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float* o = dst + r * dr;
    const float* i = src + r * sr;
    if (dc == 1 && sc == 1)
      std::memcpy(o, i, static_cast<size_t>(cols) * sizeof(float));
    else
      for (int64_t c = 0; c < cols; ++c) o[c * dc] = i[c * sc];
  }
}

// A stride-1 window of few taps over a float32 input [N, C, H, W] (the output-side operand, out
// or grad_out, fixes Ho and Wo): the layout of the padded planes, and one sample's built.
class Shallow {
 public:
  static bool serves(const Tensor& in, const Tensor& weight, const Window2d& w, int64_t groups) {
    return in.dtype() == kFloat32 && weight.dtype() == kFloat32 && w.sh == 1 && w.sw == 1 &&
           (in.sizes()[1] / groups) * w.kh * w.kw <= kShallowTaps;
  }

  Shallow(const Tensor& in, IntArrayRef out_sizes, const Window2d& w, int64_t groups)
      : in_(in),
        win_(w),
        ho_(out_sizes[2]),
        wo_(out_sizes[3]),
        wp_(wo_ + (w.kw - 1) * w.dw),
        hp_(ho_ + (w.kh - 1) * w.dh),
        lanes_(HWY_DYNAMIC_DISPATCH(FloatLanes)()) {
    for (int64_t i = 0; i < w.kh; ++i)
      for (int64_t j = 0; j < w.kw; ++j) offsets_.push_back(i * w.dh * wp_ + j * w.dw);
    // The forward pass reads up to two vectors from a row's start, the weights' whole vectors of
    // runs, past the plane's last row.
    plan_ = {in.sizes()[1] / groups,
             w.kh * w.kw,
             ho_,
             wo_,
             wp_,
             round_up(ho_ * wp_, lanes_),
             round_up(ho_ * wp_ + 2 * lanes_ + offsets_.back(), lanes_),
             offsets_.data()};
  }

  const ShallowPlan& plan() const { return plan_; }
  int64_t lanes() const { return lanes_; }
  // Floats that the padded planes of one sample take.
  int64_t sample_floats() const { return in_.sizes()[1] * plan_.plane; }
  // Memory for them, vector-aligned like each plane within it.
  hwy::AlignedFreeUniquePtr<float[]> padded_planes() const {
    return hwy::AllocateAligned<float>(static_cast<size_t>(sample_floats()));
  }

  // Sample i's planes, padded into dst (sample_floats() of them): padded row r and column q hold
  // input row r - ph, column q - pw (zero outside the input).
  void pad(int64_t i, float* dst) const {
    const int64_t h = in_.sizes()[2], wi = in_.sizes()[3];
    const int64_t r0 = std::max<int64_t>(0, win_.ph), r1 = std::min(hp_, h + win_.ph);
    const int64_t q0 = std::max<int64_t>(0, win_.pw), q1 = std::min(wp_, wi + win_.pw);
    const auto st = in_.strides();
    std::fill(dst, dst + sample_floats(), 0.0f);
    if (r0 >= r1 || q0 >= q1) return;
    for (int64_t c = 0; c < in_.sizes()[1]; ++c) {
      const float* x = in_.data_ptr<float>() + i * st[0] + c * st[1] + (r0 - win_.ph) * st[2] +
                       (q0 - win_.pw) * st[3];
      copy_rows(dst + c * plan_.plane + r0 * wp_ + q0, wp_, 1, x, st[2], st[3], r1 - r0, q1 - q0);
    }
  }

 private:
  const Tensor& in_;
  Window2d win_;
  int64_t ho_, wo_, wp_, hp_, lanes_;
  std::vector<int64_t> offsets_;
  ShallowPlan plan_{};
};

// weight [O, C / groups, kh, kw] (any strides) as contiguous rows [O][C / groups * kh * kw].
std::vector<float> weight_rows(const Tensor& weight) {
  const auto s = weight.sizes(), st = weight.strides();
  std::vector<float> rows(static_cast<size_t>(weight.numel()));
  const float* w = weight.data_ptr<float>();
  size_t k = 0;
  for (int64_t o = 0; o < s[0]; ++o)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t i = 0; i < s[2]; ++i)
        for (int64_t j = 0; j < s[3]; ++j)
          rows[k++] = w[o * st[0] + c * st[1] + i * st[2] + j * st[3]];
  return rows;
}

using Conv2dEntry = bool (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                             const Window2d&, int64_t);
Conv2dEntry next_conv2d = nullptr;
Conv2dEntry next_conv2d_backward_weight = nullptr;

// Work items are (sample, block of kBlock output channels); each chunk of them pads a sample's
// planes once, into memory of its own.
bool conv2d(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
            const Window2d& w, int64_t groups) {
  if (!Shallow::serves(in, weight, w, groups) || out.dtype() != kFloat32 ||
      (bias.defined() && bias.dtype() != kFloat32))
    return next_conv2d && next_conv2d(out, in, weight, bias, w, groups);
  const Shallow s(in, out.sizes(), w, groups);
  const ShallowPlan& p = s.plan();
  const int64_t o = out.sizes()[1], og = o / groups, blocks = (og + kBlock - 1) / kBlock;
  const int64_t k = p.channels * p.taps, per_sample = groups * blocks;
  const std::vector<float> rows = weight_rows(weight);
  std::vector<float> biases(static_cast<size_t>(o), 0.0f);
  if (bias.defined())
    for (int64_t i = 0; i < o; ++i) biases[i] = bias.data_ptr<float>()[i * bias.strides()[0]];
  float* dst = out.data_ptr<float>();
  const auto st = out.strides();
  // Rows are written in place where their columns are contiguous, else through a plane buffer.
  const bool direct = st[3] == 1;
  const int64_t items = out.sizes()[0] * per_sample;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kBlock * p.ho * p.wo));
  parallel_pieces(
      0, items, std::min(items / grain, kPiecesPerThread * available_threads()),
      [&](int64_t b, int64_t e) {
        const auto planes = s.padded_planes();
        std::vector<float> staged(direct ? 0 : static_cast<size_t>(kBlock * p.ho * p.wo));
        for (int64_t item = b; item < e; ++item) {
          const int64_t i = item / per_sample, g = item / blocks % groups;
          if (item == b || item % per_sample == 0) s.pad(i, planes.get());
          const int64_t first = g * og + item % blocks * kBlock;
          const int outs = static_cast<int>(std::min(kBlock, g * og + og - first));
          float* rows_out[kBlock];
          for (int q = 0; q < outs; ++q)
            rows_out[q] =
                direct ? dst + i * st[0] + (first + q) * st[1] : staged.data() + q * p.ho * p.wo;
          HWY_DYNAMIC_DISPATCH(ShallowForward)
          (rows_out, direct ? st[2] : p.wo, planes.get() + g * p.channels * p.plane,
           rows.data() + first * k, biases.data() + first, outs, p);
          if (direct) continue;
          for (int q = 0; q < outs; ++q)
            copy_rows(dst + i * st[0] + (first + q) * st[1], st[2], st[3], rows_out[q], p.wo, 1,
                      p.ho, p.wo);
        }
      });
  return true;
}

// Writes the dw rows [O][k] (and db) into grad_weight (and grad_bias), any strides.
void store_weight_grad(const Tensor& grad_weight, const Tensor& grad_bias,
                       const std::vector<double>& dw, const std::vector<double>& db) {
  const auto s = grad_weight.sizes(), st = grad_weight.strides();
  float* gw = grad_weight.data_ptr<float>();
  size_t k = 0;
  for (int64_t o = 0; o < s[0]; ++o)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t i = 0; i < s[2]; ++i)
        for (int64_t j = 0; j < s[3]; ++j)
          gw[o * st[0] + c * st[1] + i * st[2] + j * st[3]] = static_cast<float>(dw[k++]);
  if (grad_bias.defined())
    for (int64_t o = 0; o < s[0]; ++o)
      grad_bias.data_ptr<float>()[o * grad_bias.strides()[0]] = static_cast<float>(db[o]);
}

// The batch is cut into kPiecesPerThread slices per thread, and where samples are fewer, the
// blocks of output channels are shared out too. An item pads each of its samples once and keeps
// lane sums per slice, which are added up at the end.
bool conv2d_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                            const Tensor& grad_out, const Tensor& in, const Window2d& w,
                            int64_t groups) {
  if (!Shallow::serves(in, grad_weight, w, groups) || grad_out.dtype() != kFloat32 ||
      (grad_bias.defined() && grad_bias.dtype() != kFloat32))
    return next_conv2d_backward_weight &&
           next_conv2d_backward_weight(grad_weight, grad_bias, grad_out, in, w, groups);
  const Shallow s(in, grad_out.sizes(), w, groups);
  const ShallowPlan& p = s.plan();
  const int64_t n = in.sizes()[0], o = grad_out.sizes()[1], og = o / groups;
  const int64_t blocks = (og + kBlock - 1) / kBlock, total_blocks = groups * blocks;
  const int64_t k = p.channels * p.taps, lanes = s.lanes();
  const int64_t pieces = kPiecesPerThread * available_threads();
  const int64_t slices = std::max<int64_t>(1, std::min(n, pieces));
  const int64_t splits = std::min(total_blocks, (pieces + slices - 1) / slices);
  std::vector<float> sums(static_cast<size_t>(slices * o * k * lanes), 0.0f);
  std::vector<double> db(static_cast<size_t>(slices * o), 0.0);
  const float* src = grad_out.data_ptr<float>();
  const auto st = grad_out.strides();
  parallel_pieces(0, slices * splits, slices * splits, [&](int64_t b, int64_t e) {
    const auto planes = s.padded_planes();
    // Vector-aligned, so that loads of the runs stay within one cache line each.
    const auto runs = hwy::AllocateAligned<float>(static_cast<size_t>(kBlock * p.plane));
    std::fill(runs.get(), runs.get() + kBlock * p.plane, 0.0f);
    for (int64_t item = b; item < e; ++item) {
      const int64_t slice = item / splits, split = item % splits;
      for (int64_t i = slice * n / slices; i < (slice + 1) * n / slices; ++i) {
        s.pad(i, planes.get());
        for (int64_t block = split * total_blocks / splits;
             block < (split + 1) * total_blocks / splits; ++block) {
          const int64_t g = block / blocks, first = g * og + block % blocks * kBlock;
          const int outs = static_cast<int>(std::min(kBlock, g * og + og - first));
          for (int q = 0; q < outs; ++q)
            db[slice * o + first + q] += HWY_DYNAMIC_DISPATCH(FillRun)(
                runs.get() + q * p.plane, src + i * st[0] + (first + q) * st[1], st[2], st[3], p);
          HWY_DYNAMIC_DISPATCH(ShallowWeight)
          (sums.data() + (slice * o + first) * k * lanes, runs.get(),
           planes.get() + g * p.channels * p.plane, outs, p);
        }
      }
    }
  });
  std::vector<double> dw(static_cast<size_t>(o * k), 0.0);
  for (int64_t slice = 0; slice < slices; ++slice) {
    HWY_DYNAMIC_DISPATCH(ReduceLanes)(dw.data(), sums.data() + slice * o * k * lanes, o * k);
    if (slice > 0)
      for (int64_t j = 0; j < o; ++j) db[j] += db[slice * o + j];
  }
  store_weight_grad(grad_weight, grad_bias, dw, db);
  return true;
}

}  // namespace

void fill_shallow_conv_kernels(KernelTable& table) {
  next_conv2d = table.conv2d;
  next_conv2d_backward_weight = table.conv2d_backward_weight;
  table.conv2d = conv2d;
  table.conv2d_backward_weight = conv2d_backward_weight;
}

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
