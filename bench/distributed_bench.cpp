// One rank of the distributed benchmarks (bench/distributed_rows.py starts two):
//   distributed_bench allreduce ember|gloo <bytes> <iterations>
//       the median time of one float32 allreduce through Ember's process group, or through
//       Gloo called directly (its own FileStore rendezvous in $BENCH_STORE_DIR);
//   distributed_bench ddp <steps> [<depth> <width>]
//       the median step of the Fashion-MNIST MLP (global batch 128 split over the ranks) with
//       DDP, the same step without communication (no_sync), and an allreduce of all gradients
//       at once; with one rank, the plain step. With depth and width, the MLP has that many
//       hidden layers of that width instead of 256 and 128, which gives DDP several buckets.
// Rank 0 prints one JSON object; RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT come from the
// environment.
#include <gloo/allreduce.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <ember/distributed.h>
#include <ember/ember.h>

namespace dist = ember::distributed;
using ember::Tensor;
using Clock = std::chrono::steady_clock;

namespace {

int env_int(const char* name) { return std::atoi(std::getenv(name)); }

double median_us(int iterations, const std::function<void()>& once) {
  for (int i = 0; i < 3; ++i) once();  // warm-up: connections, caches
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    const auto start = Clock::now();
    once();
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

double allreduce_ember(size_t bytes, int iterations) {
  dist::init_process_group();
  Tensor t = ember::ones({static_cast<int64_t>(bytes / 4)});
  const double us = median_us(iterations, [&] { dist::all_reduce(t); });
  dist::destroy_process_group();
  return us;
}

double allreduce_gloo(size_t bytes, int iterations) {
  const int rank = env_int("RANK"), world = env_int("WORLD_SIZE");
  gloo::rendezvous::FileStore files(std::getenv("BENCH_STORE_DIR"));
  gloo::rendezvous::PrefixStore store("bench", files);
  gloo::transport::tcp::attr attr;
  attr.hostname = "127.0.0.1";
  auto device = gloo::transport::tcp::CreateDevice(attr);
  auto context = std::make_shared<gloo::rendezvous::Context>(rank, world);
  context->connectFullMesh(store, device);
  std::vector<float> data(bytes / 4, 1.0f);
  uint32_t tag = 0;
  return median_us(iterations, [&] {
    gloo::AllreduceOptions opts(context);
    opts.setOutput(data.data(), data.size());
    opts.setReduceFunction(
        static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
    opts.setTag(tag++);
    gloo::allreduce(opts);
  });
}

ember::nn::Sequential mlp(const std::vector<int64_t>& hidden) {
  namespace nn = ember::nn;
  nn::Sequential net{nn::Flatten()};
  int64_t in = 28 * 28;
  for (int64_t width : hidden) {
    net->push_back(nn::Linear(in, width));
    net->push_back(nn::ReLU());
    in = width;
  }
  net->push_back(nn::Linear(in, 10));
  return net;
}

void ddp(int steps, const std::vector<int64_t>& hidden) {
  const int world = env_int("WORLD_SIZE");
  if (world > 1) dist::init_process_group();
  const int rank = world > 1 ? dist::get_rank() : 0;
  namespace nn = ember::nn;
  ember::manual_seed(0);
  nn::Sequential net = mlp(hidden);
  const int64_t batch = 128 / world;
  Tensor x = ember::randn({batch, 1, 28, 28});
  Tensor y = ember::randint(0, 10, {batch});
  ember::optim::SGD opt(net->parameters(), ember::optim::SGDOptions(0.01));
  if (world == 1) {
    const double step = median_us(steps, [&] {
      opt.zero_grad();
      nn::functional::cross_entropy(net->forward(x), y).backward();
      opt.step();
    });
    std::printf("{\"step_us\": %.3f}\n", step);
    return;
  }
  nn::parallel::DistributedDataParallel<nn::SequentialImpl> model(net.ptr());
  const auto step_once = [&] {
    opt.zero_grad();
    nn::functional::cross_entropy(model(x), y).backward();
    opt.step();
  };
  const double step = median_us(steps, step_once);
  const double local = median_us(steps, [&] {
    auto guard = model.no_sync();
    step_once();
  });
  int64_t count = 0;
  for (const auto& p : net->parameters()) count += p.numel();
  Tensor flat = ember::zeros({count});
  const double allreduce = median_us(steps, [&] { dist::all_reduce(flat); });
  if (rank == 0)
    std::printf("{\"step_us\": %.3f, \"local_step_us\": %.3f, \"allreduce_us\": %.3f}\n", step,
                local, allreduce);
  dist::destroy_process_group();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "allreduce" && argc == 5) {
    const size_t bytes = std::stoull(argv[3]);
    const int iterations = std::atoi(argv[4]);
    const double us = std::string(argv[2]) == "gloo" ? allreduce_gloo(bytes, iterations)
                                                     : allreduce_ember(bytes, iterations);
    if (env_int("RANK") == 0) std::printf("{\"allreduce_us\": %.3f}\n", us);
    return 0;
  }
  if (mode == "ddp" && (argc == 3 || argc == 5)) {
    std::vector<int64_t> hidden{256, 128};
    if (argc == 5) hidden.assign(std::atoi(argv[3]), std::atoll(argv[4]));
    ddp(std::atoi(argv[2]), hidden);
    return 0;
  }
  std::fprintf(stderr,
               "usage: distributed_bench allreduce ember|gloo <bytes> <iterations> | "
               "ddp <steps> [<depth> <width>]\n");
  return 2;
}
