// Random fills, drawn sequentially from the given stream so results are reproducible regardless
// of the thread count. Bernoulli masks (dropout's) are drawn from eight xoshiro256** streams side
// by side, seeded from one draw of the given stream; Highway compiles that part once per target
// instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/random.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
// clang-format on

#include <algorithm>
#include <cstdint>

#include "core/generator.h"
#include "kernels/common/strided_loop.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/scalar_ops.h"

// Shared by every target's pass over this file, so defined once.
#ifndef EMBER_KERNELS_CPU_RANDOM_STREAMS
#define EMBER_KERNELS_CPU_RANDOM_STREAMS
namespace ember::detail {
namespace {

// Note [Vectorised Bernoulli masks]
// One xoshiro256** draw per element took dropout 2.4 ns an element, a tenth of a Transformer
// layer's step: the generator's state update is one serial dependency chain. A mask instead comes
// from kStreams independent xoshiro256** streams, one per 64-bit lane, seeded (splitmix64) from a
// single draw of the caller's stream. Each step of the streams gives 2 * kStreams 32-bit
// uniforms; element 16 t + 2 j (+ 1) is the low (high) half of stream j's t-th output, however
// wide the vectors of the machine, so a seed gives the same mask on every instruction set. An
// element is kept when its uniform is below p 2^32.
constexpr size_t kStreams = 8;
constexpr size_t kGroup = 2 * kStreams;  // elements per step of the streams

struct alignas(64) StreamState {
  uint64_t s[4][kStreams];
};

StreamState seeded_streams(uint64_t key) {
  StreamState st;
  for (size_t w = 0; w < 4; ++w)
    for (size_t j = 0; j < kStreams; ++j) {
      key += 0x9E3779B97F4A7C15ULL;
      uint64_t z = key;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      st.s[w][j] = z ^ (z >> 31);
    }
  return st;
}

}  // namespace
}  // namespace ember::detail
#endif  // EMBER_KERNELS_CPU_RANDOM_STREAMS

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Writes value or 0 to out[0, n) (n a multiple of kGroup): value where a uniform is below
// threshold.
void BernoulliGroupsF32(float* out, size_t n, StreamState& st, uint32_t threshold, float value) {
#if HWY_TARGET == HWY_SCALAR  // one 64-bit lane cannot be split into two 32-bit ones
  for (size_t i = 0; i < n; i += kGroup)
    for (size_t j = 0; j < kStreams; ++j) {
      uint64_t* s = &st.s[0][0];
      uint64_t &s0 = s[j], &s1 = s[kStreams + j], &s2 = s[2 * kStreams + j],
               &s3 = s[3 * kStreams + j];
      const uint64_t x5 = s1 * 5, result = ((x5 << 7) | (x5 >> 57)) * 9, t = s1 << 17;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 45) | (s3 >> 19);
      out[i + 2 * j] = static_cast<uint32_t>(result) < threshold ? value : 0.0f;
      out[i + 2 * j + 1] = static_cast<uint32_t>(result >> 32) < threshold ? value : 0.0f;
    }
#else
  const hn::ScalableTag<uint64_t> d64;
  const hn::Repartition<uint32_t, decltype(d64)> d32;
  const hn::Repartition<float, decltype(d64)> df;
  const size_t N = hn::Lanes(d64);
  const auto thr = hn::Set(d32, threshold);
  const auto kept = hn::Set(df, value);
  for (size_t i = 0; i < n; i += kGroup) {
    for (size_t j = 0; j < kStreams; j += N) {
      auto s0 = hn::Load(d64, st.s[0] + j), s1 = hn::Load(d64, st.s[1] + j);
      auto s2 = hn::Load(d64, st.s[2] + j), s3 = hn::Load(d64, st.s[3] + j);
      const auto x5 = hn::Add(hn::ShiftLeft<2>(s1), s1);    // s1 * 5
      const auto r = hn::RotateRight<57>(x5);               // rotl 7
      const auto result = hn::Add(hn::ShiftLeft<3>(r), r);  // * 9
      const auto t = hn::ShiftLeft<17>(s1);
      s2 = hn::Xor(s2, s0);
      s3 = hn::Xor(s3, s1);
      s1 = hn::Xor(s1, s2);
      s0 = hn::Xor(s0, s3);
      s2 = hn::Xor(s2, t);
      s3 = hn::RotateRight<19>(s3);  // rotl 45
      hn::Store(s0, d64, st.s[0] + j);
      hn::Store(s1, d64, st.s[1] + j);
      hn::Store(s2, d64, st.s[2] + j);
      hn::Store(s3, d64, st.s[3] + j);
      const auto keep = hn::RebindMask(df, hn::Lt(hn::BitCast(d32, result), thr));
      hn::StoreU(hn::IfThenElseZero(keep, kept), df, out + i + 2 * j);
    }
  }
#endif
}

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail::cpu {
namespace {

HWY_EXPORT(BernoulliGroupsF32);

template <typename Draw>
void fill_random(const Tensor& out, GeneratorImpl& gen, const char* name, Draw&& draw) {
  std::lock_guard<std::mutex> lock(gen.mutex());
  if (out.is_contiguous()) {  // the common case (dropout masks, randn): one plain loop
    EMBER_DISPATCH_ALL(out.dtype(), name, [&] {
      scalar_t* p = out.data_ptr<scalar_t>();
      const int64_t n = out.numel();
      for (int64_t i = 0; i < n; ++i) p[i] = convert<scalar_t>(draw(gen));
    });
    return;
  }
  StridedLoop loop(out.sizes(), {&out});
  EMBER_DISPATCH_ALL(out.dtype(), name, [&] {
    loop.for_range(0, loop.numel(), [&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<scalar_t*>(p[0] + i * s[0]) = convert<scalar_t>(draw(gen));
    });
  });
}

void uniform(const Tensor& out, double from, double to, GeneratorImpl& gen) {
  if (is_floating_point(out.dtype())) {
    fill_random(out, gen, "uniform_",
                [&](GeneratorImpl& g) { return from + (to - from) * g.uniform(); });
  } else {
    // Integers uniform in [from, to): floor of a uniform draw over the range.
    fill_random(out, gen, "randint",
                [&](GeneratorImpl& g) { return std::floor(from + (to - from) * g.uniform()); });
  }
}

void normal(const Tensor& out, double mean, double std, GeneratorImpl& gen) {
  fill_random(out, gen, "normal_", [&](GeneratorImpl& g) { return mean + std * g.normal(); });
}

// Draws a mask of n elements from vector streams seeded by gen (Note [Vectorised Bernoulli
// masks]), a block at a time: block(begin, len, mask) gets each block's mask (value where kept,
// else 0), written to `direct` + begin when that is given and the block is whole, else to a
// buffer in the cache.
template <typename Block>
void stream_blocks(size_t n, double p, float value, GeneratorImpl& gen, float* direct,
                   Block&& block) {
  uint64_t key;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    key = gen.next();
  }
  StreamState streams = seeded_streams(key);
  const auto threshold = static_cast<uint32_t>(std::ldexp(p, 32));
  constexpr size_t kBlock = 1024;  // a multiple of kGroup
  alignas(64) float buffer[kBlock];
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t len = std::min(kBlock, n - begin);
    float* mask = direct && len % kGroup == 0 ? direct + begin : buffer;
    HWY_DYNAMIC_DISPATCH(BernoulliGroupsF32)
    (mask, (len + kGroup - 1) / kGroup * kGroup, streams, threshold, value);
    block(begin, len, static_cast<const float*>(mask));
  }
}

// p 2^32 must fit the streams' 32-bit threshold (p this close to 1 keeps every element anyway),
// and the tensors must be contiguous float32 or float64 ones.
bool streams_fit(double p, std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors)
    if (!t->is_contiguous() || !(t->dtype() == kFloat32 || t->dtype() == kFloat64) ||
        t->dtype() != (*tensors.begin())->dtype())
      return false;
  return p < 1 - 0x1.0p-33 && (*tensors.begin())->numel() >= static_cast<int64_t>(kGroup);
}

void bernoulli(const Tensor& out, double p, GeneratorImpl& gen) {
  if (streams_fit(p, {&out})) {
    const auto n = static_cast<size_t>(out.numel());
    if (out.dtype() == kFloat32) {
      float* f = out.data_ptr<float>();
      return stream_blocks(n, p, 1.0f, gen, f, [&](size_t begin, size_t len, const float* mask) {
        if (mask != f + begin) std::copy(mask, mask + len, f + begin);
      });
    }
    double* d = out.data_ptr<double>();
    return stream_blocks(n, p, 1.0f, gen, nullptr,
                         [&](size_t begin, size_t len, const float* mask) {
                           std::copy(mask, mask + len, d + begin);
                         });
  }
  fill_random(out, gen, "bernoulli_",
              // Branch-free: a mask's draws are unpredictable, so a branch would mispredict.
              [&](GeneratorImpl& g) { return static_cast<double>(g.uniform() < p); });
}

template <typename T>
void scaled_product(T* out, T* mask, const T* in, size_t len, T scale) {
  for (size_t i = 0; i < len; ++i) {
    mask[i] *= scale;
    out[i] = in[i] * mask[i];
  }
}

// One pass: the mask (1 / (1 - p) where kept) and in times it, block by block while the block
// of the mask is in the cache. Draws as bernoulli(mask, 1 - p) then scaling would.
void dropout(const Tensor& out, const Tensor& mask, const Tensor& in, double p,
             GeneratorImpl& gen) {
  const double keep = 1 - p, scale = 1 / keep;
  const auto n = static_cast<size_t>(in.numel());
  if (streams_fit(keep, {&in, &out, &mask}) && in.dtype() == kFloat32) {
    const float* x = in.data_ptr<float>();
    float *o = out.data_ptr<float>(), *m = mask.data_ptr<float>();
    const auto s = static_cast<float>(scale);
    return stream_blocks(n, keep, s, gen, m, [&](size_t begin, size_t len, const float* drawn) {
      if (drawn != m + begin) std::copy(drawn, drawn + len, m + begin);
      for (size_t i = begin; i < begin + len; ++i) o[i] = x[i] * m[i];  // m is already scaled
    });
  }
  if (streams_fit(keep, {&in, &out, &mask})) {
    const double* x = in.data_ptr<double>();
    double *o = out.data_ptr<double>(), *m = mask.data_ptr<double>();
    return stream_blocks(n, keep, 1.0f, gen, nullptr,
                         [&](size_t begin, size_t len, const float* drawn) {
                           std::copy(drawn, drawn + len, m + begin);
                           scaled_product(o + begin, m + begin, x + begin, len, scale);
                         });
  }
  bernoulli(mask, keep, gen);
  EMBER_DISPATCH_FLOATING(in.dtype(), "dropout", [&] {
    scaled_product(out.data_ptr<scalar_t>(), mask.data_ptr<scalar_t>(), in.data_ptr<scalar_t>(), n,
                   static_cast<scalar_t>(scale));
  });
}

}  // namespace

void fill_random_kernels(KernelTable& table) {
  table.uniform = uniform;
  table.normal = normal;
  table.bernoulli = bernoulli;
  table.dropout = dropout;
}

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
