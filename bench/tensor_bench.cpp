// Tensor-core workloads, compiled twice from this one file: against Ember, and (with
// EMBER_BENCH_LIBTORCH) against LibTorch. The two APIs share their spelling, so `lib::` is the
// only difference and both systems run exactly the same code.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "fma_peak.h"

#ifdef EMBER_BENCH_LIBTORCH
#include <torch/torch.h>
namespace lib = torch;
#else
#include <ember/ember.h>
namespace lib = ember;
#endif

namespace {

constexpr int64_t kElementwiseSize = 16 << 20;  // 16M floats

// Threads come from BENCH_THREADS so every system (and OpenBLAS inside it) uses the same count.
int bench_threads() {
  const char* env = std::getenv("BENCH_THREADS");
  return env ? std::atoi(env) : 1;
}

// Size of the elementwise workloads; BENCH_SMALL=1 shrinks it so CI can smoke-test quickly.
int64_t elementwise_size() { return std::getenv("BENCH_SMALL") ? 4096 : kElementwiseSize; }

struct Setup {
  Setup() { lib::set_num_threads(bench_threads()); }
};
const Setup setup;

template <typename Op>
void unary_alloc(benchmark::State& state, Op op) {
  const int64_t n = elementwise_size();
  lib::Tensor a = lib::rand({n}) - 0.5;
  op(a);  // untimed (see binary_alloc)
  for (auto _ : state) {
    lib::Tensor c = op(a);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * n * 4 * 2);
}

template <typename Op>
void unary_out(benchmark::State& state, Op op) {
  const int64_t n = elementwise_size();
  lib::Tensor a = lib::rand({n}) - 0.5;
  lib::Tensor c = lib::empty({n});
  for (auto _ : state) {
    op(c, a);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 4 * 2);
}

template <typename Op>
void binary_alloc(benchmark::State& state, Op op) {
  const int64_t n = elementwise_size();
  lib::Tensor a = lib::rand({n}), b = lib::rand({n});
  // Untimed: the process's first result of this size lands on fresh pages, whose first touch
  // on some VMs costs more than the op (200 ms here on one day), and a row of one iteration
  // would time only that. Later results reuse memory in Ember; LibTorch returns it each time.
  op(a, b);
  for (auto _ : state) {
    lib::Tensor c = op(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * n * 4 * 3);
}

template <typename Op>
void binary_out(benchmark::State& state, Op op) {
  const int64_t n = elementwise_size();
  lib::Tensor a = lib::rand({n}), b = lib::rand({n});
  lib::Tensor c = lib::empty({n});
  for (auto _ : state) {
    op(c, a, b);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 4 * 3);
}

void BM_add_alloc(benchmark::State& s) {
  binary_alloc(s, [](auto& a, auto& b) { return a + b; });
}
void BM_mul_alloc(benchmark::State& s) {
  binary_alloc(s, [](auto& a, auto& b) { return a * b; });
}
void BM_add_out(benchmark::State& s) {
  binary_out(s, [](auto& c, auto& a, auto& b) { lib::add_out(c, a, b); });
}
void BM_mul_out(benchmark::State& s) {
  binary_out(s, [](auto& c, auto& a, auto& b) { lib::mul_out(c, a, b); });
}
void BM_exp_alloc(benchmark::State& s) {
  unary_alloc(s, [](auto& a) { return a.exp(); });
}
void BM_tanh_alloc(benchmark::State& s) {
  unary_alloc(s, [](auto& a) { return a.tanh(); });
}
void BM_sigmoid_alloc(benchmark::State& s) {
  unary_alloc(s, [](auto& a) { return a.sigmoid(); });
}
void BM_exp_out(benchmark::State& s) {
  unary_out(s, [](auto& c, auto& a) { lib::exp_out(c, a); });
}
void BM_tanh_out(benchmark::State& s) {
  unary_out(s, [](auto& c, auto& a) { lib::tanh_out(c, a); });
}
void BM_sigmoid_out(benchmark::State& s) {
  unary_out(s, [](auto& c, auto& a) { lib::sigmoid_out(c, a); });
}

void BM_mm(benchmark::State& state) {
  const int64_t n = state.range(0);
  lib::Tensor a = lib::randn({n, n}), b = lib::randn({n, n});
  for (auto _ : state) {
    lib::Tensor c = lib::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

#if defined(__x86_64__)
// `mm` as a share of the FMA peak, measured in pairs: each iteration runs the FMA loop for as
// many flops as the product and then the product, so both see the same machine. On a noisy VM
// the peak drifts by 10-20% within a run; the median of the paired ratios does not.
void BM_mm_peak_share(benchmark::State& state) {
  if (!bench::has_avx2_fma()) {
    state.SkipWithError("no AVX2 FMA on this CPU");
    return;
  }
  const int64_t n = std::getenv("BENCH_SMALL") ? 64 : state.range(0);
  const double flops = 2.0 * n * n * n;
  lib::Tensor a = lib::randn({n, n}), b = lib::randn({n, n});
  std::vector<double> shares;
  using clock = std::chrono::steady_clock;
  for (auto _ : state) {
    const auto start = clock::now();
    benchmark::DoNotOptimize(bench::fma_work(flops, bench_threads()));
    const auto middle = clock::now();
    lib::Tensor c = lib::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
    const auto end = clock::now();
    shares.push_back(std::chrono::duration<double>(middle - start).count() /
                     std::chrono::duration<double>(end - middle).count());
  }
  std::nth_element(shares.begin(), shares.begin() + shares.size() / 2, shares.end());
  state.counters["peak_share"] = shares[shares.size() / 2];
}
#endif

void BM_mm_transposed(benchmark::State& state) {
  const int64_t n = state.range(0);
  lib::Tensor a = lib::randn({n, n}), b = lib::randn({n, n});
  for (auto _ : state) {
    lib::Tensor c = lib::mm(a.t(), b.t());
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_add_scalar_1elem(benchmark::State& state) {
  lib::Tensor a = lib::ones({1}), b = lib::ones({1});
  for (auto _ : state) {
    lib::Tensor c = a + b;
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

// Per-op overhead on tiny tensors, with and without recording.
void add_small(benchmark::State& state, std::initializer_list<int64_t> shape, bool grad) {
  lib::Tensor a = lib::ones(shape, lib::TensorOptions().requires_grad(grad));
  lib::Tensor b = lib::ones(shape);
  for (auto _ : state) {
    lib::Tensor c = a + b;
    benchmark::DoNotOptimize(c.data_ptr());
  }
}
void BM_add_1elem_grad(benchmark::State& s) { add_small(s, {1}, true); }
void BM_add_16x16(benchmark::State& s) { add_small(s, {16, 16}, false); }
void BM_add_16x16_grad(benchmark::State& s) { add_small(s, {16, 16}, true); }

// Double backward: y = sum(x^3), g = dy/dx with create_graph, then backward through g.
void BM_double_backward_1M(benchmark::State& state) {
  const int64_t n = std::getenv("BENCH_SMALL") ? 4096 : (1 << 20);
  lib::Tensor x = lib::rand({n}, lib::requires_grad());
  for (auto _ : state) {
    lib::Tensor y = x.pow(3).sum();
    lib::Tensor g = lib::autograd::grad({y}, {x}, {}, {}, true)[0];
    g.sum().backward();
    x.mutable_grad() = lib::Tensor();
  }
}

// An Elman RNN cell h = tanh(x W + h U + b), hidden 128, batch 1, 50 steps, then backward.
void BM_rnn_50_steps(benchmark::State& state) {
  lib::manual_seed(0);
  const int64_t hidden = 128;
  lib::Tensor w = (lib::randn({hidden, hidden}) * 0.05).requires_grad_();
  lib::Tensor u = (lib::randn({hidden, hidden}) * 0.05).requires_grad_();
  lib::Tensor b = lib::zeros({hidden}, lib::requires_grad());
  lib::Tensor xs = lib::randn({50, 1, hidden});
  for (auto _ : state) {
    lib::Tensor h = lib::zeros({1, hidden});
    for (int64_t t = 0; t < 50; ++t) h = lib::tanh(xs[t].mm(w) + h.mm(u) + b);
    h.sum().backward();
    for (lib::Tensor* p : {&w, &u, &b}) p->mutable_grad() = lib::Tensor();
  }
}

// Autograd overhead: a 10,000-node chain on a 0-dim tensor, forward then backward.
void BM_autograd_chain_10k(benchmark::State& state) {
  lib::Tensor x = lib::ones({}, lib::requires_grad());
  for (auto _ : state) {
    lib::Tensor y = x;
    for (int i = 0; i < 5000; ++i) y = (y * 1.0001) + 0.0001;
    y.backward();
    x.mutable_grad() = lib::Tensor();
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

// The chain's phases apart: recording the forward (graph dropped unused), and backward alone.
lib::Tensor chain_5000_pairs(const lib::Tensor& x) {
  lib::Tensor y = x;
  for (int i = 0; i < 5000; ++i) y = (y * 1.0001) + 0.0001;
  return y;
}
void BM_autograd_chain_10k_forward(benchmark::State& state) {
  lib::Tensor x = lib::ones({}, lib::requires_grad());
  for (auto _ : state) benchmark::DoNotOptimize(chain_5000_pairs(x).data_ptr());
  state.SetItemsProcessed(state.iterations() * 10000);
}
void BM_autograd_chain_10k_backward(benchmark::State& state) {
  lib::Tensor x = lib::ones({}, lib::requires_grad());
  for (auto _ : state) {
    state.PauseTiming();
    lib::Tensor y = chain_5000_pairs(x);
    state.ResumeTiming();
    y.backward();
    state.PauseTiming();
    y = lib::Tensor();
    x.mutable_grad() = lib::Tensor();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

// The seed's two-layer network: 500 steps of manual SGD.
void BM_seed_network_500_steps(benchmark::State& state) {
  lib::manual_seed(0);
  const int64_t n = 64, d_in = 1000, h = 100, d_out = 10;
  lib::Tensor x = lib::randn({n, d_in}), y = lib::randn({n, d_out});
  for (auto _ : state) {
    lib::Tensor w1 = lib::randn({d_in, h}, lib::requires_grad());
    lib::Tensor w2 = lib::randn({h, d_out}, lib::requires_grad());
    for (int t = 0; t < 500; ++t) {
      lib::Tensor loss = (x.mm(w1).clamp(0).mm(w2) - y).pow(2).sum();
      loss.backward();
      lib::NoGradGuard no_grad;
      w1 -= 1e-6 * w1.grad();
      w2 -= 1e-6 * w2.grad();
      w1.mutable_grad().zero_();
      w2.mutable_grad().zero_();
    }
    benchmark::DoNotOptimize(w1.data_ptr());
  }
}

BENCHMARK(BM_autograd_chain_10k)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_seed_network_500_steps)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_add_alloc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_add_out)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_mul_alloc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_mul_out)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_exp_alloc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_exp_out)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_tanh_alloc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_tanh_out)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sigmoid_alloc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sigmoid_out)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_mm)->Arg(64)->Arg(256)->Arg(1024)->Arg(2048)->UseRealTime();
BENCHMARK(BM_mm_transposed)->Arg(256)->UseRealTime();
#if defined(__x86_64__)
BENCHMARK(BM_mm_peak_share)->Arg(1024)->Arg(2048)->MinTime(1.0)->UseRealTime();
#endif
BENCHMARK(BM_add_scalar_1elem)->UseRealTime();
BENCHMARK(BM_add_1elem_grad)->UseRealTime();
BENCHMARK(BM_add_16x16)->UseRealTime();
BENCHMARK(BM_add_16x16_grad)->UseRealTime();
BENCHMARK(BM_double_backward_1M)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_rnn_50_steps)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_autograd_chain_10k_forward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_autograd_chain_10k_backward)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
