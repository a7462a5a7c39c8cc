// Random fills, drawn sequentially from the given stream so results are reproducible regardless
// of the thread count.
#include "core/generator.h"
#include "kernels/common/strided_loop.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/scalar_ops.h"

namespace ember::detail::cpu {
namespace {

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

void bernoulli(const Tensor& out, double p, GeneratorImpl& gen) {
  fill_random(out, gen, "bernoulli_",
              // Branch-free: a mask's draws are unpredictable, so a branch would mispredict.
              [&](GeneratorImpl& g) { return static_cast<double>(g.uniform() < p); });
}

}  // namespace

void fill_random_kernels(KernelTable& table) {
  table.uniform = uniform;
  table.normal = normal;
  table.bernoulli = bernoulli;
}

}  // namespace ember::detail::cpu
