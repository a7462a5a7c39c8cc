// Process-level measurements, compiled against Ember and against LibTorch like the other
// benchmarks; bench/process_rows.py runs it in fresh processes.
//   process_bench startup   one op and exit: the wall time of the whole process is the start-up
//   process_bench seed_rss  the seed's two-layer network for 500 steps, then prints peak RSS (KiB)
//   process_bench sdpa_rss L  one attention forward and backward (8 heads of dim 64, length L),
//                             then prints peak RSS (KiB)
//   process_bench mlp_rss plain|checkpoint  one forward and backward through a 16-layer MLP
//                             (Linear, ReLU, Dropout 0.1; batch 4096, width 512), plain or with
//                             each 4 layers checkpointed (Ember only), then prints peak RSS (KiB)
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#ifdef EMBER_BENCH_LIBTORCH
#include <torch/torch.h>
namespace lib = torch;
#else
#include <ember/ember.h>
namespace lib = ember;
#endif

namespace {

void seed_network() {
  lib::manual_seed(0);
  const int64_t n = 64, d_in = 1000, h = 100, d_out = 10;
  lib::Tensor x = lib::randn({n, d_in}), y = lib::randn({n, d_out});
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
}

// LibTorch 1.13 has only the private at::_scaled_dot_product_attention.
void attention(int64_t length) {
  lib::manual_seed(0);
  lib::Tensor q = lib::randn({1, 8, length, 64}, lib::requires_grad());
  lib::Tensor k = lib::randn({1, 8, length, 64}, lib::requires_grad());
  lib::Tensor v = lib::randn({1, 8, length, 64}, lib::requires_grad());
#ifdef EMBER_BENCH_LIBTORCH
  lib::Tensor out = std::get<0>(at::_scaled_dot_product_attention(q, k, v));
#else
  lib::Tensor out = lib::scaled_dot_product_attention(q, k, v);
#endif
  out.backward(lib::ones_like(out));
}

// Checkpointing exists in Ember only (LibTorch has none): LibTorch runs the plain MLP.
void deep_mlp(bool checkpointed) {
  lib::manual_seed(0);
  constexpr int64_t kBatch = 4096, kWidth = 512;
  std::vector<lib::Tensor> weights;
  for (int i = 0; i < 16; ++i)
    weights.push_back((lib::randn({kWidth, kWidth}) / 32.0).requires_grad_(true));
  auto segment = [&weights](int first) {
    return [&weights, first](const lib::Tensor& in) {
      lib::Tensor h = in;
      for (int i = first; i < first + 4; ++i)
        h = lib::dropout(h.matmul(weights[i]).relu(), 0.1, true);
      return h;
    };
  };
  lib::Tensor h = lib::randn({kBatch, kWidth});
  for (int first = 0; first < 16; first += 4) {
#ifndef EMBER_BENCH_LIBTORCH
    if (checkpointed) {
      h = ember::utils::checkpoint(segment(first), h);
      continue;
    }
#endif
    h = segment(first)(h);
  }
  h.sum().backward();
  (void)checkpointed;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "startup") == 0) {
    lib::Tensor a = lib::ones({1});
    std::printf("%g\n", (a + a).item<float>());
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "seed_rss") == 0) {
    seed_network();
    std::printf("%ld\n", peak_rss_kib());
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "sdpa_rss") == 0) {
    attention(std::atoll(argv[2]));
    std::printf("%ld\n", peak_rss_kib());
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "mlp_rss") == 0) {
    deep_mlp(std::strcmp(argv[2], "checkpoint") == 0);
    std::printf("%ld\n", peak_rss_kib());
    return 0;
  }
  std::fprintf(stderr, "usage: process_bench startup|seed_rss|sdpa_rss L|mlp_rss MODE\n");
  return 2;
}
