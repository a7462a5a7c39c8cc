#pragma once
/// A group of processes that run collectives together over Gloo (torch.distributed's
/// ProcessGroupGloo). Collectives run in order on the group's own thread; each returns a Work
/// to wait on, so communication can overlap computation.
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/distributed/store.h"

namespace ember::distributed {

enum class ReduceOp { SUM, AVG, PRODUCT, MIN, MAX };

/// "SUM", "AVG", ...
std::string reduce_op_name(ReduceOp op);

/// One collective in flight. wait() blocks until it is done and rethrows its error, if any.
class Work {
 public:
  /// Blocks until done; an Error after `timeout` (zero: the group's timeout).
  bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  bool is_completed() const;
  /// Done without an error.
  bool is_success() const;
  /// The error it ended with, or null.
  std::exception_ptr exception() const;
  /// The tensors it wrote (all_gather's outputs, a recv buffer...).
  const std::vector<Tensor>& result() const { return result_; }
  /// The rank a recv from any source got its message from.
  int source_rank() const { return source_rank_; }

  // The group's thread reports through these.
  explicit Work(std::string name, std::chrono::milliseconds timeout);
  void finish(std::exception_ptr error = nullptr);
  void set_result(std::vector<Tensor> result) { result_ = std::move(result); }
  void set_source_rank(int rank) { source_rank_ = rank; }
  /// wait() first runs `complete` (once), which may do the work in the waiting thread and
  /// finishes it when it does.
  void set_completion(std::function<void(Work&)> complete);

 private:
  std::string name_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
  std::vector<Tensor> result_;
  int source_rank_ = -1;
  std::function<void(Work&)> completion_;
  std::function<void(Work&)> take_completion();
};

using WorkPtr = std::shared_ptr<Work>;

struct ProcessGroupOptions {
  std::chrono::milliseconds timeout = kDefaultTimeout;
  /// The address other processes reach this one at; empty: MASTER_ADDR's kind of address
  /// (the loopback address for a local master, else this host's name), or the interface named
  /// by GLOO_SOCKET_IFNAME.
  std::string hostname;
  std::string interface;
};

/// A Gloo process group. Every process of the group constructs it with its own rank; the
/// constructor returns once all of them have connected.
class ProcessGroup {
 public:
  /// `ranks` are the members' ranks in the default group (empty: 0 .. size-1).
  ProcessGroup(std::shared_ptr<Store> store, int rank, int size,
               const ProcessGroupOptions& options = {}, std::vector<int> ranks = {});
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  /// The handle new_group gives a rank outside the new group: rank() is -1 and the
  /// collective functions skip it.
  static std::shared_ptr<ProcessGroup> non_member(std::vector<int> ranks);
  bool is_member() const { return rank_ >= 0; }

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::string backend() const { return "gloo"; }
  /// The members' ranks in the default group, by their rank in this one.
  const std::vector<int>& ranks() const { return ranks_; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  const std::shared_ptr<Store>& store() const { return store_; }

  // Each collective takes CPU tensors (any layout, the dtypes Gloo reduces) and returns at once
  // with the Work that does it; ranks are ranks in this group.
  WorkPtr allreduce(Tensor tensor, ReduceOp op = ReduceOp::SUM);
  WorkPtr broadcast(Tensor tensor, int root);
  WorkPtr allgather(std::vector<Tensor> outputs, Tensor input);
  WorkPtr reduce_scatter(Tensor output, std::vector<Tensor> inputs, ReduceOp op = ReduceOp::SUM);
  WorkPtr gather(std::vector<Tensor> outputs, Tensor input, int root);
  WorkPtr scatter(Tensor output, std::vector<Tensor> inputs, int root);
  WorkPtr reduce(Tensor tensor, int root, ReduceOp op = ReduceOp::SUM);
  WorkPtr send(Tensor tensor, int dst, int tag = 0);
  /// src -1: from any rank (Work::source_rank says which).
  WorkPtr recv(Tensor tensor, int src, int tag = 0);
  WorkPtr barrier();

 private:
  class Impl;
  std::shared_ptr<Store> store_;
  int rank_;
  int size_;
  ProcessGroupOptions options_;
  std::vector<int> ranks_;
  std::unique_ptr<Impl> impl_;
  ProcessGroup(std::vector<int> ranks);
  Impl& impl(const char* op) const;
};

using ProcessGroupPtr = std::shared_ptr<ProcessGroup>;

}  // namespace ember::distributed
