// Process-level measurements, compiled against Ember and against LibTorch like the other
// benchmarks; bench/process_rows.py runs it in fresh processes.
//   process_bench startup   one op and exit: the wall time of the whole process is the start-up
//   process_bench seed_rss  the seed's two-layer network for 500 steps, then prints peak RSS (KiB)
#include <sys/resource.h>

#include <cstdio>
#include <cstring>

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

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "startup") == 0) {
    lib::Tensor a = lib::ones({1});
    std::printf("%g\n", (a + a).item<float>());
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "seed_rss") == 0) {
    seed_network();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%ld\n", usage.ru_maxrss);
    return 0;
  }
  std::fprintf(stderr, "usage: process_bench startup|seed_rss\n");
  return 2;
}
