// One rank of a distributed test: tests/distributed/distributed_test.cpp starts several of these
// with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set and reads what they print.
// Usage: ember_distributed_worker <scenario> [args...]; exit status 0 means the rank's own checks
// passed. Scenarios print "error: <message>" for the error they were meant to meet.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include <ember/distributed.h>
#include <ember/ember.h>
#include <fmt/format.h>

#include "ddp_model.h"

namespace dist = ember::distributed;
using namespace ember;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    fmt::print("FAILED: {}\n", what);
    ++failures;
  }
}

void expect_close(const Tensor& a, const Tensor& b, const std::string& what) {
  if (allclose(a, b, 1e-12, 1e-12)) return;
  std::ostringstream text;
  text << what << ": " << a << " vs " << b;
  expect(false, text.str());
}

Tensor arange_f(int64_t n, double start) {
  return arange(n, TensorOptions().dtype(kFloat64)) + start;
}

// Every collective, checked against what it must give.
void collectives() {
  dist::init_process_group();
  const int rank = dist::get_rank(), world = dist::get_world_size();
  const double r = rank;
  const double sum_r = world * (world - 1) / 2.0;

  Tensor t = full({3}, r + 1, TensorOptions().dtype(kFloat64));
  dist::all_reduce(t);
  expect_close(t, full({3}, sum_r + world, TensorOptions().dtype(kFloat64)), "all_reduce SUM");
  t.fill_(r + 1);
  dist::all_reduce(t, dist::ReduceOp::AVG);
  expect_close(t, full({3}, (sum_r + world) / world, TensorOptions().dtype(kFloat64)), "AVG");
  Tensor m = tensor({rank, -rank}, TensorOptions().dtype(kInt64));
  dist::all_reduce(m, dist::ReduceOp::MAX);
  expect(m.equal(tensor({world - 1, 0}, TensorOptions().dtype(kInt64))), "all_reduce MAX");
  m = tensor({rank, -rank}, TensorOptions().dtype(kInt64));
  dist::all_reduce(m, dist::ReduceOp::MIN);
  expect(m.equal(tensor({0, 1 - world}, TensorOptions().dtype(kInt64))), "all_reduce MIN");
  Tensor p = full({2}, 2.0f);
  dist::all_reduce(p, dist::ReduceOp::PRODUCT);
  expect(p.equal(full({2}, std::pow(2.0f, static_cast<float>(world)))), "all_reduce PRODUCT");

  // A non-contiguous tensor is reduced in place through a copy.
  Tensor base = full({3, 2}, r, TensorOptions().dtype(kFloat64));
  Tensor col = base.select(1, 0);
  dist::all_reduce(col);
  expect_close(base.select(1, 0), full({3}, sum_r, TensorOptions().dtype(kFloat64)), "strided");
  expect_close(base.select(1, 1), full({3}, r, TensorOptions().dtype(kFloat64)), "untouched");

  Tensor b = rank == world - 1 ? arange_f(4, 10) : zeros({4}, TensorOptions().dtype(kFloat64));
  dist::broadcast(b, world - 1);
  expect_close(b, arange_f(4, 10), "broadcast");

  std::vector<Tensor> gathered;
  for (int i = 0; i < world; ++i) gathered.push_back(zeros({2}, TensorOptions().dtype(kFloat64)));
  dist::all_gather(gathered, full({2}, r, TensorOptions().dtype(kFloat64)));
  for (int i = 0; i < world; ++i)
    expect_close(gathered[static_cast<size_t>(i)],
                 full({2}, double(i), TensorOptions().dtype(kFloat64)), "all_gather");

  std::vector<Tensor> inputs;
  for (int i = 0; i < world; ++i)
    inputs.push_back(full({2}, r * 10 + i, TensorOptions().dtype(kFloat64)));
  Tensor out = zeros({2}, TensorOptions().dtype(kFloat64));
  dist::reduce_scatter(out, inputs);
  expect_close(out, full({2}, sum_r * 10 + world * r, TensorOptions().dtype(kFloat64)),
               "reduce_scatter");

  std::vector<Tensor> gather_list;
  if (rank == 0)
    for (int i = 0; i < world; ++i)
      gather_list.push_back(zeros({2}, TensorOptions().dtype(kFloat64)));
  dist::gather(full({2}, r * 3, TensorOptions().dtype(kFloat64)), gather_list, 0);
  for (int i = 0; rank == 0 && i < world; ++i)
    expect_close(gather_list[static_cast<size_t>(i)],
                 full({2}, i * 3.0, TensorOptions().dtype(kFloat64)), "gather");

  std::vector<Tensor> scatter_list;
  if (rank == 0)
    for (int i = 0; i < world; ++i)
      scatter_list.push_back(full({2}, i + 0.5, TensorOptions().dtype(kFloat64)));
  Tensor piece = zeros({2}, TensorOptions().dtype(kFloat64));
  dist::scatter(piece, scatter_list, 0);
  expect_close(piece, full({2}, r + 0.5, TensorOptions().dtype(kFloat64)), "scatter");

  Tensor red = full({2}, r + 1, TensorOptions().dtype(kFloat64));
  dist::reduce(red, 0);
  if (rank == 0)
    expect_close(red, full({2}, sum_r + world, TensorOptions().dtype(kFloat64)), "reduce");

  // Point to point around a ring: everyone sends first, then receives.
  if (world == 1) {
    try {
      dist::send(ones({1}), 0);
      expect(false, "a send to oneself was accepted");
    } catch (const Error& e) {
      expect(e.kind() == ErrorKind::Value, "send to oneself: a ValueError");
    }
  }
  for (int once = 0; once < 1 && world > 1; ++once) {
    Tensor msg = full({3}, r, TensorOptions().dtype(kFloat64));
    Tensor got = zeros({3}, TensorOptions().dtype(kFloat64));
    auto sent = dist::isend(msg, (rank + 1) % world);
    const int from = dist::recv(got, (rank + world - 1) % world);
    sent->wait();
    expect(from == (rank + world - 1) % world, "recv's source");
    expect_close(got, full({3}, double(from), TensorOptions().dtype(kFloat64)), "send/recv");
  }

  // Async work overlaps; wait() completes it.
  Tensor a = ones({1000});
  auto work = dist::all_reduce(a, dist::ReduceOp::SUM, nullptr, /*async_op=*/true);
  expect(work != nullptr, "async_op returns a Work");
  work->wait();
  expect(work->is_completed() && work->is_success(), "Work completed");
  expect(a.equal(full({1000}, float(world))), "async all_reduce");

  // A group of the even ranks; the odd ones are skipped.
  std::vector<int> evens;
  for (int i = 0; i < world; i += 2) evens.push_back(i);
  auto group = dist::new_group(evens);
  Tensor g = ones({2});
  dist::all_reduce(g, dist::ReduceOp::SUM, group);
  if (rank % 2 == 0) {
    expect(dist::get_rank(group) == rank / 2, "rank in the subgroup");
    expect(g.equal(full({2}, float(evens.size()))), "subgroup all_reduce");
  } else {
    expect(dist::get_rank(group) == -1, "non-member's rank");
    expect(g.equal(ones({2})), "non-member untouched");
  }
  dist::barrier();
  dist::destroy_process_group();
  expect(!dist::is_initialized(), "destroyed");
}

// K steps of SGD on this rank's shard, through DDP; prints the parameters.
void ddp(const std::string& mode, double bucket_cap_mb) {
  dist::init_process_group();
  const int rank = dist::get_rank(), world = dist::get_world_size();
  auto net = testing::ddp::make_net();
  if (rank != 0)  // different starting weights: DDP's broadcast must make them rank 0's
    for (auto& p : net->parameters()) p.data().add_(1.0);
  auto options = nn::parallel::DistributedDataParallelOptions()
                     .bucket_cap_mb(bucket_cap_mb)
                     .first_bucket_cap_mb(std::min(1.0, bucket_cap_mb))
                     .find_unused_parameters(mode == "unused");
  nn::parallel::DistributedDataParallel model(net, options);
  optim::SGD opt(model.parameters(), optim::SGDOptions(0.1));
  auto [x, y] = testing::ddp::make_data();
  Tensor xs = testing::ddp::shard(x, rank, world), ys = testing::ddp::shard(y, rank, world);
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    if (mode == "no_sync") {
      // Two micro-batches; only the second backward communicates.
      const int64_t half = xs.size(0) / 2;
      {
        auto guard = model.no_sync();
        nn::functional::mse_loss(model(xs.narrow(0, 0, half)), ys.narrow(0, 0, half)).backward();
      }
      nn::functional::mse_loss(model(xs.narrow(0, half, half)), ys.narrow(0, half, half))
          .backward();
    } else {
      const bool use_aux = mode != "unused" || rank == 0;
      nn::functional::mse_loss(model(xs, use_aux), ys).backward();
    }
    opt.step();
  }
  if (mode == "overlap")
    fmt::print("ready_at_first_launch {} of {}\n", model.reducer().grads_ready_at_first_launch(),
               model.parameters().size());
  fmt::print("buckets {}\n", model.reducer().bucket_indices().size());
  for (const auto& item : model.named_parameters()) {
    Tensor v = item.value().reshape({-1});
    fmt::print("param {}", item.key());
    for (int64_t i = 0; i < v.numel(); ++i) fmt::print(" {:.17g}", v[i].item<double>());
    fmt::print("\n");
  }
  dist::destroy_process_group();
}

// A parameter no rank's output uses, without find_unused_parameters: the next forward fails.
void ddp_unfinished() {
  dist::init_process_group();
  auto net = testing::ddp::make_net();
  nn::parallel::DistributedDataParallel model(net);
  auto [x, y] = testing::ddp::make_data();
  nn::functional::mse_loss(model(x, false), y).backward();
  try {
    model(x, false);
    fmt::print("FAILED: the second forward did not fail\n");
    ++failures;
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
  }
}

// A parameter find_unused_parameters marked unused, reached by backward all the same.
void ddp_twice() {
  dist::init_process_group();
  auto net = testing::ddp::make_net();
  nn::parallel::DistributedDataParallel model(
      net, nn::parallel::DistributedDataParallelOptions().find_unused_parameters(true));
  auto [x, y] = testing::ddp::make_data();
  Tensor out = model(x, false);
  try {
    (out.sum() + net->aux->forward(zeros({1, 8}, TensorOptions().dtype(kFloat64))).sum())
        .backward();
    fmt::print("FAILED: the backward did not fail\n");
    ++failures;
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
  }
}

void ddp_shapes() {
  dist::init_process_group();
  auto net = nn::Linear(dist::get_rank() == 0 ? 4 : 5, 2);
  try {
    nn::parallel::DistributedDataParallel model(net);
    fmt::print("FAILED: mismatched models were accepted\n");
    ++failures;
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
  }
}

// Rank `victim` exits (or stops) after joining; the others' next collective must fail.
void fault(const std::string& how, int timeout_ms) {
  dist::InitProcessGroupOptions options;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  dist::init_process_group(options);
  const int rank = dist::get_rank();
  Tensor t = ones({256});
  dist::all_reduce(t);  // everyone is up
  if (rank == 1) {
    std::fflush(stdout);
    if (how == "exit") std::_Exit(0);
    ::raise(SIGSTOP);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    for (int i = 0; i < 100; ++i) dist::all_reduce(t);
    fmt::print("FAILED: all_reduce without rank 1 succeeded\n");
    ++failures;
  } catch (const Error& e) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    fmt::print("error after {} ms: {}\n", ms, e.what());
  }
  // Rank 0 hosts the store, which the others ask which rank went away: it stays up a moment so
  // that a quick rank 0 does not turn their answer into "rank 0 is gone".
  if (rank == 0) std::this_thread::sleep_for(std::chrono::seconds(2));
}

// init_process_group that must fail (a rank missing, world sizes that disagree, a busy port).
void init_fails(int timeout_ms) {
  dist::InitProcessGroupOptions options;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  try {
    dist::init_process_group(options);
    fmt::print("joined\n");
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  set_num_threads(1);
  const std::string scenario = argc > 1 ? argv[1] : "";
  const std::string arg = argc > 2 ? argv[2] : "";
  try {
    if (scenario == "collectives")
      collectives();
    else if (scenario == "ddp")
      ddp(arg, argc > 3 ? std::stod(argv[3]) : 25.0);
    else if (scenario == "ddp_unfinished")
      ddp_unfinished();
    else if (scenario == "ddp_twice")
      ddp_twice();
    else if (scenario == "ddp_shapes")
      ddp_shapes();
    else if (scenario == "fault")
      fault(arg, std::stoi(argv[3]));
    else if (scenario == "init_fails")
      init_fails(std::stoi(arg));
    else
      return fmt::print("unknown scenario '{}'\n", scenario), 2;
  } catch (const std::exception& e) {
    fmt::print("FAILED with an exception: {}\n", e.what());
    return 1;
  }
  std::fflush(stdout);
  return failures == 0 ? 0 : 1;
}
