// Training workloads through nn modules, losses and optimizers, compiled twice from this one file:
// against Ember, and (with EMBER_BENCH_LIBTORCH) against LibTorch, as tensor_bench.cpp.
#include <benchmark/benchmark.h>

#include <cstdlib>

#ifdef EMBER_BENCH_LIBTORCH
#include <torch/torch.h>
namespace lib = torch;
#else
#include <ember/ember.h>
namespace lib = ember;
#endif

namespace {

int bench_threads() {
  const char* env = std::getenv("BENCH_THREADS");
  return env ? std::atoi(env) : 1;
}

// BENCH_SMALL=1 shrinks every workload so CI can smoke-test the benchmarks quickly.
bool small() { return std::getenv("BENCH_SMALL") != nullptr; }

struct Setup {
  Setup() { lib::set_num_threads(bench_threads()); }
};
const Setup setup;

// Seed 001: Sequential(Linear, ReLU, Linear) + MSELoss(sum) + SGD(lr=1e-4), 500 steps.
void BM_seed_sequential_500_steps(benchmark::State& state) {
  const int64_t n = 64, d_in = 1000, h = 100, d_out = 10, steps = small() ? 2 : 500;
  lib::manual_seed(0);
  lib::Tensor x = lib::randn({n, d_in}), y = lib::randn({n, d_out});
  for (auto _ : state) {
    lib::nn::Sequential model(lib::nn::Linear(d_in, h), lib::nn::ReLU(), lib::nn::Linear(h, d_out));
    lib::nn::MSELoss loss_fn(lib::nn::MSELossOptions().reduction(lib::kSum));
    lib::optim::SGD optimizer(model->parameters(), lib::optim::SGDOptions(1e-4));
    for (int64_t t = 0; t < steps; ++t) {
      lib::Tensor loss = loss_fn(model->forward(x), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
}

// One training step of an MLP 784-1024-1024-10 on a batch of 256: cross-entropy, Adam.
void BM_mlp_adam_step(benchmark::State& state) {
  const int64_t batch = small() ? 8 : 256, hidden = small() ? 32 : 1024;
  lib::manual_seed(0);
  lib::nn::Sequential model(lib::nn::Linear(784, hidden), lib::nn::ReLU(),
                            lib::nn::Linear(hidden, hidden), lib::nn::ReLU(),
                            lib::nn::Linear(hidden, 10));
  lib::optim::Adam optimizer(model->parameters(), lib::optim::AdamOptions(1e-3));
  lib::Tensor x = lib::randn({batch, 784});
  lib::Tensor target = lib::randint(0, 10, {batch}, lib::kLong);
  for (auto _ : state) {
    lib::Tensor loss = lib::nn::functional::cross_entropy(model->forward(x), target);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
}

// Conv2d(1, 32, 3, padding 1) forward and backward on a 64x1x28x28 batch.
void BM_conv2d_fwd_bwd(benchmark::State& state) {
  lib::manual_seed(0);
  lib::nn::Conv2d conv(lib::nn::Conv2dOptions(1, 32, 3).padding(1));
  lib::Tensor x = lib::randn({small() ? 2 : 64, 1, 28, 28});
  for (auto _ : state) {
    conv->zero_grad();
    conv->forward(x).sum().backward();
  }
}

// One training step of the demo's CNN (two conv + max-pool blocks, two linear layers), batch 64.
void BM_cnn_adam_step(benchmark::State& state) {
  const int64_t batch = small() ? 2 : 64;
  lib::manual_seed(0);
  lib::nn::Sequential model(lib::nn::Conv2d(lib::nn::Conv2dOptions(1, 32, 3).padding(1)),
                            lib::nn::ReLU(), lib::nn::MaxPool2d(lib::nn::MaxPool2dOptions(2)),
                            lib::nn::Conv2d(lib::nn::Conv2dOptions(32, 64, 3).padding(1)),
                            lib::nn::ReLU(), lib::nn::MaxPool2d(lib::nn::MaxPool2dOptions(2)),
                            lib::nn::Flatten(), lib::nn::Linear(64 * 7 * 7, 128), lib::nn::ReLU(),
                            lib::nn::Linear(128, 10));
  lib::optim::Adam optimizer(model->parameters(), lib::optim::AdamOptions(1e-3));
  lib::Tensor x = lib::randn({batch, 1, 28, 28});
  lib::Tensor target = lib::randint(0, 10, {batch}, lib::kLong);
  for (auto _ : state) {
    lib::Tensor loss = lib::nn::functional::cross_entropy(model->forward(x), target);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
}

// One step of the official DCGAN example (64x64 RGB images, nz 100, ngf = ndf = 64, batch 64):
// the discriminator on a real and a generated batch, then the generator through it, each with
// BCE and Adam(2e-4, betas (0.5, 0.999)).
lib::nn::Sequential dcgan_generator() {
  namespace nn = lib::nn;
  const auto up = [](int64_t in, int64_t out, int64_t stride, int64_t padding) {
    return nn::ConvTranspose2d(
        nn::ConvTranspose2dOptions(in, out, 4).stride(stride).padding(padding).bias(false));
  };
  return nn::Sequential(up(100, 512, 1, 0), nn::BatchNorm2d(512), nn::ReLU(nn::ReLUOptions(true)),
                        up(512, 256, 2, 1), nn::BatchNorm2d(256), nn::ReLU(nn::ReLUOptions(true)),
                        up(256, 128, 2, 1), nn::BatchNorm2d(128), nn::ReLU(nn::ReLUOptions(true)),
                        up(128, 64, 2, 1), nn::BatchNorm2d(64), nn::ReLU(nn::ReLUOptions(true)),
                        up(64, 3, 2, 1), nn::Tanh());
}

lib::nn::Sequential dcgan_discriminator() {
  namespace nn = lib::nn;
  const auto down = [](int64_t in, int64_t out, int64_t stride, int64_t padding) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 4).stride(stride).padding(padding).bias(false));
  };
  const auto leaky = [] {
    return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true));
  };
  return nn::Sequential(down(3, 64, 2, 1), leaky(), down(64, 128, 2, 1), nn::BatchNorm2d(128),
                        leaky(), down(128, 256, 2, 1), nn::BatchNorm2d(256), leaky(),
                        down(256, 512, 2, 1), nn::BatchNorm2d(512), leaky(), down(512, 1, 1, 0),
                        nn::Sigmoid());
}

void BM_dcgan_step(benchmark::State& state) {
  const int64_t batch = small() ? 2 : 64;
  lib::manual_seed(0);
  lib::nn::Sequential generator = dcgan_generator(), discriminator = dcgan_discriminator();
  const auto adam = [](lib::nn::Sequential& m) {
    return lib::optim::Adam(m->parameters(),
                            lib::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.999)));
  };
  lib::optim::Adam opt_d = adam(discriminator), opt_g = adam(generator);
  const lib::Tensor real = lib::rand({batch, 3, 64, 64}) * 2 - 1;
  const lib::Tensor ones = lib::ones({batch}), zeros = lib::zeros({batch});
  namespace F = lib::nn::functional;
  const auto step = [&] {
    discriminator->zero_grad();
    F::binary_cross_entropy(discriminator->forward(real).view({-1}), ones).backward();
    lib::Tensor fake = generator->forward(lib::randn({batch, 100, 1, 1}));
    F::binary_cross_entropy(discriminator->forward(fake.detach()).view({-1}), zeros).backward();
    opt_d.step();
    generator->zero_grad();
    F::binary_cross_entropy(discriminator->forward(fake).view({-1}), ones).backward();
    opt_g.step();
  };
  // A step of seconds is timed once or twice, in the steady state: the first step allocates the
  // optimizers' state, and the second, the first to hold that state from its start, peaks
  // higher and touches fresh memory (page faults). Both are left out, as the Python rows leave
  // them out.
  step();
  step();
  for (auto _ : state) step();
}

// A two-layer LSTM (64 -> 128) over 50 steps of a batch of 16, forward and backward.
void BM_lstm_fwd_bwd(benchmark::State& state) {
  const int64_t steps = small() ? 3 : 50, batch = small() ? 2 : 16;
  lib::manual_seed(0);
  lib::nn::LSTM lstm(lib::nn::LSTMOptions(64, 128).num_layers(2));
  lib::Tensor x = lib::randn({steps, batch, 64});
  for (auto _ : state) {
    auto out = lstm->forward(x);
    std::get<0>(out).sum().backward();
    for (auto& p : lstm->parameters()) p.mutable_grad() = lib::Tensor();
  }
}

// One training step of a Transformer encoder layer (d_model 256, 4 heads, feed-forward 1024,
// dropout 0.1) on 16 sequences of 128 tokens: forward, backward and AdamW.
void BM_transformer_encoder_layer_step(benchmark::State& state) {
  const int64_t length = small() ? 8 : 128, batch = small() ? 2 : 16;
  lib::manual_seed(0);
  lib::nn::TransformerEncoderLayer layer(
      lib::nn::TransformerEncoderLayerOptions(256, 4).dim_feedforward(1024));
  lib::optim::AdamW optimizer(layer->parameters(), lib::optim::AdamWOptions(1e-4));
  lib::Tensor x = lib::randn({length, batch, 256});
  auto step = [&] {
    lib::Tensor loss = layer->forward(x).pow(2).mean();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  };
  // A step takes ~0.1 s, so the timed runs are few: one untimed step first keeps the optimizer's
  // state creation and first-touch page faults out of them (as pytorch_bench.py's warm-up).
  step();
  for (auto _ : state) step();
}

// Scaled dot-product attention over 8 heads of dim 64 at sequence length L, forward and
// backward. LibTorch 1.13 has only the private at::_scaled_dot_product_attention (which
// materialises the scores); Ember runs its fused kernel.
lib::Tensor attention(const lib::Tensor& q, const lib::Tensor& k, const lib::Tensor& v) {
#ifdef EMBER_BENCH_LIBTORCH
  return std::get<0>(at::_scaled_dot_product_attention(q, k, v));
#else
  return lib::scaled_dot_product_attention(q, k, v);
#endif
}

void BM_sdpa_fwd_bwd(benchmark::State& state) {
  const int64_t length = small() ? 64 : state.range(0);
  lib::manual_seed(0);
  lib::Tensor q = lib::randn({1, 8, length, 64}, lib::requires_grad());
  lib::Tensor k = lib::randn({1, 8, length, 64}, lib::requires_grad());
  lib::Tensor v = lib::randn({1, 8, length, 64}, lib::requires_grad());
  auto step = [&] {
    lib::Tensor out = attention(q, k, v);
    out.backward(lib::ones_like(out));
    for (lib::Tensor* t : {&q, &k, &v}) t->mutable_grad() = lib::Tensor();
  };
  step();  // untimed, as in BM_transformer_encoder_layer_step
  for (auto _ : state) step();
}

BENCHMARK(BM_seed_sequential_500_steps)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_mlp_adam_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_conv2d_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_cnn_adam_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_dcgan_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_lstm_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_transformer_encoder_layer_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sdpa_fwd_bwd)
    ->Arg(1024)
    ->Arg(2048)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
