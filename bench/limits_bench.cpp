// What the machine can do, measured beside the libraries: the FMA peak (an AVX2 loop of
// independent fused multiply-adds), a STREAM-style triad (memory bandwidth) and raw OpenBLAS
// sgemm (the ceiling for mm).
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include "fma_peak.h"

#include <cstdlib>
#include <memory>
#include <random>

extern "C" void openblas_set_num_threads(int);

namespace {

int bench_threads() {
  const char* env = std::getenv("BENCH_THREADS");
  return env ? std::atoi(env) : 1;
}
int64_t triad_size() { return std::getenv("BENCH_SMALL") ? 4096 : (16 << 20); }

struct Setup {
  Setup() {
    omp_set_num_threads(bench_threads());
    openblas_set_num_threads(bench_threads());
  }
};
const Setup setup;

void BM_triad(benchmark::State& state) {
  const int64_t n = triad_size();
  std::unique_ptr<float[]> a(new float[n]), b(new float[n]), c(new float[n]);
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) a[i] = 0, b[i] = 1, c[i] = 2;
  for (auto _ : state) {
    float* pa = a.get();
    const float* pb = b.get();
    const float* pc = c.get();
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) pa[i] = pb[i] + 3.0f * pc[i];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 4 * 3);
}

#if defined(__x86_64__)
void BM_fma_peak(benchmark::State& state) {
  if (!bench::has_avx2_fma()) {
    state.SkipWithError("no AVX2 FMA on this CPU");
    return;
  }
  const int64_t rounds = std::getenv("BENCH_SMALL") ? 1000 : 10'000'000;
  const int threads = bench_threads();
  float sink = 0;
  for (auto _ : state) {
#pragma omp parallel for num_threads(threads) reduction(+ : sink)
    for (int t = 0; t < threads; ++t) sink += bench::fma_rounds(rounds);
    benchmark::DoNotOptimize(sink);
  }
  state.counters["GFLOPS"] = benchmark::Counter(
      bench::kFlopsPerRound * static_cast<double>(rounds) * threads * state.iterations() / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_fma_peak)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

void BM_sgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<float> a(n * n), b(n * n), c(n * n);
  std::mt19937 gen(0);
  std::normal_distribution<float> dist;
  for (auto& v : a) v = dist(gen);
  for (auto& v : b) v = dist(gen);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

BENCHMARK(BM_triad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sgemm)->Arg(64)->Arg(256)->Arg(1024)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
