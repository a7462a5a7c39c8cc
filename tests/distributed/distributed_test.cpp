// Distributed tests: several ranks (ember_distributed_worker processes) over localhost, each
// under a hard deadline, compared with one process training on the whole batch.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <ember/distributed.h>
#include <gtest/gtest.h>

#include "distributed/ddp_model.h"
#include "testing.h"

extern char** environ;

namespace ember {
namespace {

using Clock = std::chrono::steady_clock;

struct RankResult {
  int status = -1;  // exit status; -1 when killed at the deadline
  std::string output;
};

// A port nobody listens on now.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Starts one worker per entry of `world_sizes` (rank i with WORLD_SIZE world_sizes[i]) and
// waits for all of them, killing every one still running at the deadline (a failure), or once
// rank 0 has exited when `until_rank0`.
std::vector<RankResult> run_ranks(const std::vector<std::string>& args,
                                  const std::vector<int>& world_sizes, int port,
                                  std::chrono::seconds deadline = std::chrono::seconds(60),
                                  bool until_rank0 = false) {
  std::vector<pid_t> pids;
  std::vector<std::string> outputs;
  for (size_t rank = 0; rank < world_sizes.size(); ++rank) {
    std::vector<std::string> env_strings{
        "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
        "RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world_sizes[rank])};
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      if (kv.rfind("RANK=", 0) && kv.rfind("WORLD_SIZE=", 0) && kv.rfind("MASTER_", 0))
        env_strings.push_back(kv);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{EMBER_DISTRIBUTED_WORKER};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    outputs.push_back(::testing::TempDir() + "ember_rank_" + std::to_string(::getpid()) + "_" +
                      std::to_string(rank) + ".out");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, outputs.back().c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot start " << argv[0];
    pids.push_back(pid);
  }
  std::vector<RankResult> results(pids.size());
  std::vector<bool> done(pids.size(), false);
  const auto end = Clock::now() + deadline;
  for (size_t left = pids.size(); left > 0;) {
    for (size_t i = 0; i < pids.size(); ++i) {
      if (done[i]) continue;
      int status;
      if (::waitpid(pids[i], &status, WNOHANG) == pids[i]) {
        done[i] = true;
        --left;
        results[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    if (left == 0) break;
    const bool expired = Clock::now() > end;
    if (expired || (until_rank0 && done[0])) {
      if (expired) ADD_FAILURE() << "ranks still running at the deadline; killed";
      for (size_t i = 0; i < pids.size(); ++i)
        if (!done[i]) {
          ::kill(pids[i], SIGKILL);
          ::waitpid(pids[i], nullptr, 0);
        }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    std::ifstream in(outputs[i]);
    results[i].output.assign(std::istreambuf_iterator<char>(in), {});
    std::remove(outputs[i].c_str());
  }
  return results;
}

std::vector<RankResult> run_ranks(const std::vector<std::string>& args, int world) {
  return run_ranks(args, std::vector<int>(static_cast<size_t>(world), world), free_port());
}

// "param <name> v0 v1 ..." lines of a rank's output.
std::map<std::string, std::vector<double>> parse_params(const std::string& output) {
  std::map<std::string, std::vector<double>> params;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string tag, name;
    words >> tag >> name;
    if (tag != "param") continue;
    double v;
    while (words >> v) params[name].push_back(v);
  }
  return params;
}

// The same training in this process on the whole batch: SGD(0.1), 3 steps. "micro": each step
// accumulates the gradients of the global batch's 2 * world micro-batches and divides by the
// world size (what no_sync on each rank's two halves gives); "unused": only rank 0's shard goes
// through the aux branch.
std::map<std::string, std::vector<double>> reference(int world, const std::string& mode) {
  auto net = testing::ddp::make_net();
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.1));
  auto [x, y] = testing::ddp::make_data();
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    if (mode == "micro") {
      for (int m = 0; m < 2 * world; ++m) {
        Tensor xm = testing::ddp::shard(x, m, 2 * world), ym = testing::ddp::shard(y, m, 2 * world);
        (nn::functional::mse_loss(net->forward(xm), ym) / world).backward();
      }
    } else if (mode == "unused") {
      for (int r = 0; r < world; ++r) {
        Tensor xr = testing::ddp::shard(x, r, world), yr = testing::ddp::shard(y, r, world);
        (nn::functional::mse_loss(net->forward(xr, r == 0), yr) / world).backward();
      }
    } else {
      nn::functional::mse_loss(net->forward(x), y).backward();
    }
    opt.step();
  }
  std::map<std::string, std::vector<double>> params;
  for (const auto& item : net->named_parameters()) {
    Tensor v = item.value().reshape({-1});
    for (int64_t i = 0; i < v.numel(); ++i)
      params["module." + item.key()].push_back(v[i].item<double>());
  }
  return params;
}

void expect_params_near(const std::map<std::string, std::vector<double>>& got,
                        const std::map<std::string, std::vector<double>>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, values] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    ASSERT_EQ(got.at(name).size(), values.size()) << name;
    for (size_t i = 0; i < values.size(); ++i)
      EXPECT_NEAR(got.at(name)[i], values[i], tol) << name << "[" << i << "]";
  }
}

void expect_all_passed(const std::vector<RankResult>& results) {
  for (size_t r = 0; r < results.size(); ++r)
    EXPECT_EQ(results[r].status, 0) << "rank " << r << " said:\n" << results[r].output;
}

TEST(Distributed, EveryCollectiveOnThreeRanks) { expect_all_passed(run_ranks({"collectives"}, 3)); }

TEST(Distributed, CollectivesOnOneRank) { expect_all_passed(run_ranks({"collectives"}, 1)); }

class DdpBuckets : public ::testing::TestWithParam<std::string> {};

// Tiny buckets (one parameter each), the default, and one bucket for everything.
TEST_P(DdpBuckets, RanksOnShardsMatchOneProcessOnTheBatch) {
  for (int world : {2, 3}) {
    auto results = run_ranks({"ddp", "plain", GetParam()}, world);
    expect_all_passed(results);
    const auto want = reference(world, "plain");
    for (const auto& r : results) expect_params_near(parse_params(r.output), want, 1e-12);
    // Bit-identical across ranks: every rank applies the same averaged gradients.
    for (size_t i = 1; i < results.size(); ++i)
      EXPECT_EQ(parse_params(results[i].output), parse_params(results[0].output));
  }
}

INSTANTIATE_TEST_SUITE_P(Distributed, DdpBuckets, ::testing::Values("0.0000001", "25", "1000"));

TEST(Distributed, DdpBucketCountFollowsTheCap) {
  auto tiny = run_ranks({"ddp", "plain", "0.0000001"}, 2);
  auto huge = run_ranks({"ddp", "plain", "1000"}, 2);
  expect_all_passed(tiny);
  expect_all_passed(huge);
  EXPECT_NE(tiny[0].output.find("buckets 6\n"), std::string::npos) << tiny[0].output;
  EXPECT_NE(huge[0].output.find("buckets 1\n"), std::string::npos) << huge[0].output;
}

TEST(Distributed, DdpNoSyncAccumulatesThenAveragesEverything) {
  auto results = run_ranks({"ddp", "no_sync"}, 2);
  expect_all_passed(results);
  const auto want = reference(2, "micro");
  for (const auto& r : results) expect_params_near(parse_params(r.output), want, 1e-12);
}

TEST(Distributed, DdpFindUnusedParametersWithABranchOneRankSkips) {
  auto results = run_ranks({"ddp", "unused"}, 2);
  expect_all_passed(results);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(parse_params(results[0].output), parse_params(results[1].output));
  // The branch only rank 0 used is trained with rank 0's gradient over the world size.
  expect_params_near(parse_params(results[0].output), reference(2, "unused"), 1e-12);
}

TEST(Distributed, DdpFirstBucketIsReducedBeforeBackwardEnds) {
  auto results = run_ranks({"ddp", "overlap", "0.0000001"}, 2);
  expect_all_passed(results);
  for (const auto& r : results) {
    int ready = -1, total = -1;
    const auto at = r.output.find("ready_at_first_launch");
    ASSERT_NE(at, std::string::npos) << r.output;
    std::sscanf(r.output.c_str() + at, "ready_at_first_launch %d of %d", &ready, &total);
    EXPECT_GT(ready, 0);
    EXPECT_LT(ready, total) << "the first allreduce started only after every gradient was ready";
  }
}

TEST(Distributed, DdpUnfinishedReductionFailsTheNextForward) {
  auto results = run_ranks({"ddp_unfinished"}, 2);
  expect_all_passed(results);
  for (const auto& r : results)
    EXPECT_NE(r.output.find("error: Expected to have finished reduction in the prior iteration"),
              std::string::npos)
        << r.output;
  EXPECT_NE(results[0].output.find("did not receive grad for rank 0: 4 5"), std::string::npos)
      << results[0].output;
}

TEST(Distributed, DdpParameterReadyTwiceFails) {
  auto results = run_ranks({"ddp_twice"}, 2);
  expect_all_passed(results);
  for (const auto& r : results)
    EXPECT_NE(r.output.find("error: Expected to mark a variable ready only once"),
              std::string::npos)
        << r.output;
}

TEST(Distributed, DdpMismatchedModelsNameTheParameter) {
  auto results = run_ranks({"ddp_shapes"}, 2);
  expect_all_passed(results);
  for (const auto& r : results)
    EXPECT_NE(r.output.find("parameter 'weight' has shape [2, 5] on rank 1 and [2, 4] on rank 0"),
              std::string::npos)
        << r.output;
}

TEST(Distributed, ARankThatExitsIsNamedWithinSeconds) {
  const auto start = Clock::now();
  auto results = run_ranks({"fault", "exit", "60000"}, 3);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
  // Rank 1 is named; rank 2, which may give up on rank 1 first, can be named beside it.
  const std::regex names_rank_1(R"(ranks? (\d+, )*1(, \d+)* went away)");
  for (size_t r : {0u, 2u}) {
    EXPECT_EQ(results[r].status, 0) << results[r].output;
    EXPECT_TRUE(std::regex_search(results[r].output, names_rank_1)) << results[r].output;
  }
}

TEST(Distributed, AStoppedRankTimesOutTheOthers) {
  const auto start = Clock::now();
  auto results = run_ranks({"fault", "stop", "2000"}, {2, 2}, free_port(), std::chrono::seconds(30),
                           /*until_rank0=*/true);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  EXPECT_EQ(results[0].status, 0) << results[0].output;
  EXPECT_NE(results[0].output.find("timed out after 2000 ms"), std::string::npos)
      << results[0].output;
}

TEST(Distributed, ARankThatNeverJoinsTimesOutInit) {
  const auto start = Clock::now();
  auto results = run_ranks({"init_fails", "1500"}, {2}, free_port(), std::chrono::seconds(20));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(results[0].output.find("error: init_process_group: timed out after 1500 ms on rank 0 "
                                   "waiting for rank 1 to join (world_size 2)"),
            std::string::npos)
      << results[0].output;
}

TEST(Distributed, MismatchedWorldSizesAreNamed) {
  auto results = run_ranks({"init_fails", "5000"}, {2, 3}, free_port(), std::chrono::seconds(20));
  EXPECT_NE(results[0].output.find("error: init_process_group: rank 1 was started with "
                                   "world_size 3, but rank 0 with world_size 2"),
            std::string::npos)
      << results[0].output;
}

TEST(Distributed, APortInUseIsReported) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto results =
      run_ranks({"init_fails", "2000"}, {1}, ntohs(addr.sin_port), std::chrono::seconds(20));
  ::close(fd);
  EXPECT_NE(results[0].output.find("cannot listen on port"), std::string::npos)
      << results[0].output;
  EXPECT_NE(results[0].output.find("Address already in use"), std::string::npos)
      << results[0].output;
}

// ---- In one process: stores and the single-rank group ------------------------------------

TEST(DistributedStore, TcpStoreSetGetAddWaitDelete) {
  const int port = free_port();
  distributed::TCPStoreOptions master;
  master.is_master = true;
  master.timeout = std::chrono::milliseconds(500);
  distributed::TCPStore server("127.0.0.1", static_cast<uint16_t>(port), master);
  distributed::TCPStoreOptions client_options;
  client_options.timeout = std::chrono::milliseconds(500);
  distributed::TCPStore client("127.0.0.1", static_cast<uint16_t>(port), client_options);
  server.set("k", std::string("value"));
  auto v = client.get("k");
  EXPECT_EQ(std::string(v.begin(), v.end()), "value");
  EXPECT_EQ(client.add("n", 3), 3);
  EXPECT_EQ(server.add("n", 4), 7);
  v = client.get("n");
  EXPECT_EQ(std::string(v.begin(), v.end()), "7");
  EXPECT_TRUE(client.check({"k", "n"}));
  EXPECT_FALSE(client.check({"k", "missing"}));
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.set("late", std::string("x"));
  });
  client.wait({"late"});
  later.join();
  EXPECT_TRUE(client.delete_key("k"));
  EXPECT_FALSE(client.delete_key("k"));
  try {
    client.get("never");
    ADD_FAILURE() << "get of a missing key returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("get('never') waiting for the key timed out after 500 ms"),
              std::string::npos)
        << e.what();
  }
  // After a timeout the client still works (its late answer is not read as the next one's).
  server.set("never", std::string("now"));
  EXPECT_TRUE(client.check({"never"}));
}

TEST(DistributedStore, TcpStoreNamesRanksWhoseConnectionClosed) {
  const int port = free_port();
  distributed::TCPStoreOptions master;
  master.is_master = true;
  distributed::TCPStore server("127.0.0.1", static_cast<uint16_t>(port), master);
  {
    distributed::TCPStore leaving("127.0.0.1", static_cast<uint16_t>(port));
    leaving.register_rank(2);
    distributed::TCPStore polite("127.0.0.1", static_cast<uint16_t>(port));
    polite.register_rank(3);
    polite.unregister_rank();
  }
  std::vector<int64_t> lost;
  for (int i = 0; i < 100 && lost.empty(); ++i) {
    lost = server.lost_ranks();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(lost, std::vector<int64_t>{2});
}

TEST(DistributedStore, FileStoreAndPrefixStore) {
  const std::string dir = ::testing::TempDir() + "ember_file_store_" + std::to_string(::getpid());
  auto store = std::make_shared<distributed::FileStore>(dir, std::chrono::milliseconds(300));
  distributed::PrefixStore a("a", store), b("b", store);
  a.set("k", std::string("1"));
  b.set("k", std::string("2"));
  auto va = a.get("k"), vb = b.get("k");
  EXPECT_EQ(std::string(va.begin(), va.end()), "1");
  EXPECT_EQ(std::string(vb.begin(), vb.end()), "2");
  EXPECT_TRUE(store->check({"a/k", "b/k"}));
  EXPECT_EQ(a.add("n", 5), 5);
  EXPECT_EQ(a.add("n", -2), 3);
  EXPECT_TRUE(a.delete_key("k"));
  EXPECT_FALSE(store->check({"a/k"}));
  EXPECT_EMBER_ERROR(a.get("missing"), "FileStore: wait for keys [\"a/missing\"]");
  std::filesystem::remove_all(dir);
}

// With num_workers, the last store to go deletes the keys' files and the folder (as torch's
// FileStore deletes its file); other files in the folder are left alone.
TEST(DistributedStore, FileStoreCleansUpAfterTheLastWorker) {
  const std::string dir =
      ::testing::TempDir() + "ember_file_store_clean_" + std::to_string(::getpid());
  {
    distributed::FileStore first(dir, 2), second(dir, 2);
    first.set("k", std::string("v"));
    { distributed::FileStore third(dir); }  // without num_workers: counts for nothing
    EXPECT_TRUE(second.check({"k"}));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/notes.txt") << "the user's";
  {
    distributed::FileStore only(dir, 1);
    only.set("k", std::string("v"));
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/notes.txt"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

TEST(DistributedStore, HashStoreWaitsAcrossThreads) {
  distributed::HashStore store(std::chrono::milliseconds(300));
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    store.set("k", std::string("v"));
  });
  auto v = store.get("k");
  later.join();
  EXPECT_EQ(std::string(v.begin(), v.end()), "v");
  EXPECT_EQ(store.add("n", 2), 2);
  EXPECT_EQ(store.add("n", 2), 4);
  EXPECT_TRUE(store.delete_key("k"));
  try {
    store.wait({"k", "n"});
    ADD_FAILURE() << "wait for a deleted key returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("timed out after 300 ms"), std::string::npos) << e.what();
  }
}

// One rank in this process, meeting in a HashStore: the group's collectives are identities.
TEST(DistributedInit, OneRankGroupOnAHashStore) {
  auto group = std::make_shared<distributed::ProcessGroup>(
      std::make_shared<distributed::HashStore>(std::chrono::seconds(5)), 0, 1);
  Tensor t = arange(4, TensorOptions().dtype(kFloat64));
  group->allreduce(t)->wait();
  EXPECT_TRUE(t.equal(arange(4, TensorOptions().dtype(kFloat64))));
  std::vector<Tensor> outs{zeros({4}, TensorOptions().dtype(kFloat64))};
  auto work = group->allgather(outs, t);
  work->wait();
  EXPECT_TRUE(work->is_success());
  EXPECT_TRUE(outs[0].equal(t));
  EXPECT_EMBER_ERROR(group->allgather({zeros({4}), zeros({4})}, t),
                     "ProcessGroupGloo::allgather: the output list needs 1 tensors (one per");
  EXPECT_EMBER_ERROR(group->broadcast(t, 1),
                     "ProcessGroupGloo::broadcast: root 1 is not a rank of this group of 1");
  EXPECT_EMBER_ERROR(
      group->allreduce(ones({2}, TensorOptions().dtype(kInt64)), distributed::ReduceOp::AVG),
      "ProcessGroupGloo::allreduce: ReduceOp.AVG needs a floating-point");
}

TEST(DistributedInit, QueriesBeforeInitFail) {
  EXPECT_FALSE(distributed::is_initialized());
  EXPECT_EMBER_ERROR(distributed::get_rank(),
                     "Default process group has not been initialized, please make sure to");
  distributed::InitProcessGroupOptions options;
  options.init_method = "env://";
  options.rank = 0;
  options.world_size = 1;
  // No MASTER_ADDR in the environment of this test: the message names it.
  if (!std::getenv("MASTER_ADDR")) {
    try {
      distributed::init_process_group(options);
      ADD_FAILURE() << "init without MASTER_ADDR succeeded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("environment variable MASTER_ADDR expected"),
                std::string::npos)
          << e.what();
    }
  }
  options.init_method = "udp://x";
  EXPECT_EMBER_ERROR(distributed::init_process_group(options),
                     "init_process_group: no rendezvous handler for udp://x (Ember knows");
}

}  // namespace
}  // namespace ember
