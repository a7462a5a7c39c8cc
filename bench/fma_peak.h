// The FMA peak loop, shared by the limits benchmark and the paired `mm` share rows: an AVX2 loop
// of independent fused multiply-adds that runs at the core's arithmetic limit.
#pragma once

#include <cstdint>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>

namespace bench {

// Ten independent accumulators hide the FMA latency (4 cycles, 2 ports on Zen 3 and most Intel
// cores): each round is 10 FMAs of 8 floats, 160 flops. Compiled for AVX2 whatever the build's
// flags, and run only where the CPU has it.
constexpr double kFlopsPerRound = 160.0;

__attribute__((target("avx2,fma"), noinline)) inline float fma_rounds(int64_t rounds) {
  // Opaque to the optimiser, so two calls with the same count are not folded into one.
  asm volatile("" : "+r"(rounds));
  __m256 acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < 10; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < 10; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  return out[0];
}

inline bool has_avx2_fma() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Runs `flops` worth of the loop split over `threads` threads; returns a value to keep alive.
// Built with OpenMP (LibTorch's side), the loop runs on the OpenMP pool the library itself uses,
// so its spinning workers do not compete with extra threads.
inline float fma_work(double flops, int threads) {
  const auto rounds = static_cast<int64_t>(flops / kFlopsPerRound / threads);
  if (threads <= 1) return fma_rounds(rounds);
#ifdef _OPENMP
  float sum = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : sum)
  for (int t = 0; t < threads; ++t) sum += fma_rounds(rounds);
  return sum;
#else
  std::vector<float> sinks(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sinks[t] = fma_rounds(rounds); });
  for (auto& thread : pool) thread.join();
  float sum = 0;
  for (float s : sinks) sum += s;
  return sum;
#endif
}

}  // namespace bench
#endif
