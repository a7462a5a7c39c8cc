#pragma once
/// DistributedDataParallel: each process trains a replica of the model on its share of the
/// batch; gradients are averaged across the processes in buckets, each bucket's allreduce
/// starting as soon as backward has produced its gradients (torch.nn.parallel's DDP).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/core/arg.h"
#include "ember/core/collect_tensors.h"
#include "ember/core/tensor_dict.h"
#include "ember/distributed/init.h"
#include "ember/distributed/process_group.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn::parallel {

struct DistributedDataParallelOptions {
  /// The group to average over; null: the default group.
  EMBER_ARG(distributed::ProcessGroupPtr, process_group) = nullptr;
  /// Broadcast rank 0's buffers (running statistics) to every rank before each forward.
  EMBER_ARG(bool, broadcast_buffers) = true;
  /// The size of the buckets after the first, in MiB.
  EMBER_ARG(double, bucket_cap_mb) = 25;
  /// The size of the first bucket, in MiB: small, so the first allreduce starts early.
  EMBER_ARG(double, first_bucket_cap_mb) = 1;
  /// Look after each forward for parameters the output does not depend on, so a model whose
  /// forward skips some parameters still finishes its reduction.
  EMBER_ARG(bool, find_unused_parameters) = false;
};

/// The gradient-averaging engine behind DistributedDataParallel, usable on any list of
/// parameters (the Python DDP drives it too).
class Reducer {
 public:
  Reducer(std::vector<Tensor> parameters, distributed::ProcessGroupPtr group,
          int64_t bucket_cap_bytes, int64_t first_bucket_cap_bytes, bool find_unused_parameters);
  ~Reducer();
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  /// Called before each forward: an Error (PyTorch's) when the previous backward's reduction
  /// did not finish because some parameter got no gradient.
  void prepare_for_forward();
  /// Called after a forward in grad mode: arms the hooks for the coming backward and, with
  /// find_unused_parameters, marks the parameters `outputs` do not depend on as ready.
  void prepare_for_backward(const std::vector<Tensor>& outputs);
  /// no_sync(): backward accumulates into .grad without communicating.
  void set_require_sync(bool on) { require_sync_ = on; }
  bool require_sync() const { return require_sync_; }

  /// The parameters' indices in each bucket, in the order the buckets are reduced.
  std::vector<std::vector<size_t>> bucket_indices() const;
  /// How many parameters had their gradient when the first bucket's allreduce started in the
  /// last backward: fewer than all means communication overlapped backward.
  int64_t grads_ready_at_first_launch() const { return ready_at_first_launch_; }

 private:
  struct Bucket;
  void on_grad_ready(size_t index);
  void mark_ready(size_t index);
  void launch_ready_buckets();
  void finalize();

  std::vector<Tensor> parameters_;
  distributed::ProcessGroupPtr group_;
  bool find_unused_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<size_t> bucket_of_;  // parameter index -> bucket
  std::vector<size_t> slot_of_;    // parameter index -> its place in the bucket
  std::vector<unsigned> hooks_;
  std::vector<std::shared_ptr<autograd::Node>> accumulators_;
  std::vector<uint8_t> ready_;
  std::vector<int32_t> used_;  // since the last reduction, no_sync steps included
  size_t next_bucket_ = 0;
  bool armed_ = false;
  bool require_sync_ = true;
  bool require_finalize_ = false;
  int64_t ready_count_ = 0;
  int64_t ready_at_first_launch_ = -1;
};

namespace detail {
/// Checks that every rank has parameters of the same shapes (an Error naming the first that
/// differs), then broadcasts rank 0's parameters and buffers.
void sync_module_states(const TensorDict& named_parameters, const std::vector<Tensor>& buffers,
                        const distributed::ProcessGroupPtr& group);
/// Broadcasts rank 0's buffers.
void broadcast_buffers(const std::vector<Tensor>& buffers,
                       const distributed::ProcessGroupPtr& group);
}  // namespace detail

/// Wraps a module (a shared_ptr or a holder such as nn::Linear); forward() forwards to it.
/// Registered under "module", so state_dict names read "module.<name>" as in PyTorch.
template <typename M>
class DistributedDataParallel : public Module {
 public:
  explicit DistributedDataParallel(std::shared_ptr<M> module,
                                   const DistributedDataParallelOptions& options = {})
      : Module("DistributedDataParallel"),
        module_(register_module("module", std::move(module))),
        options_(options) {
    auto group = options_.process_group() ? options_.process_group() : distributed::default_group();
    options_.process_group(group);
    detail::sync_module_states(module_->named_parameters(), module_->buffers(), group);
    std::vector<Tensor> trained;
    for (const auto& p : module_->parameters())
      if (p.requires_grad()) trained.push_back(p);
    reducer_ = std::make_unique<Reducer>(
        std::move(trained), group, static_cast<int64_t>(options_.bucket_cap_mb() * 1048576),
        static_cast<int64_t>(options_.first_bucket_cap_mb() * 1048576),
        options_.find_unused_parameters());
  }
  template <typename H>
  requires std::derived_from<H, ModuleHolder<M>>
  explicit DistributedDataParallel(H holder, const DistributedDataParallelOptions& options = {})
      : DistributedDataParallel(holder.ptr(), options) {}

  template <typename... Args>
  auto forward(Args&&... args) {
    reducer_->prepare_for_forward();
    if (options_.broadcast_buffers()) detail::broadcast_buffers(module_->buffers(), group());
    auto output = module_->forward(std::forward<Args>(args)...);
    if (GradMode::is_enabled() && reducer_->require_sync()) {
      std::vector<Tensor> outputs;
      ember::detail::collect_tensors(outputs, output);
      reducer_->prepare_for_backward(outputs);
    }
    return output;
  }
  template <typename... Args>
  auto operator()(Args&&... args) {
    return forward(std::forward<Args>(args)...);
  }

  /// The wrapped module.
  const std::shared_ptr<M>& module() const { return module_; }
  const distributed::ProcessGroupPtr& group() const { return options_.process_group(); }
  Reducer& reducer() { return *reducer_; }

  /// While alive, backward accumulates gradients locally; the first backward after it averages
  /// everything accumulated (PyTorch's `with ddp.no_sync():`).
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(Reducer& r) : reducer_(r), previous_(r.require_sync()) {
      r.set_require_sync(false);
    }
    ~NoSyncGuard() { reducer_.set_require_sync(previous_); }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;

   private:
    Reducer& reducer_;
    bool previous_;
  };
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*reducer_); }

 private:
  std::shared_ptr<M> module_;
  DistributedDataParallelOptions options_;
  std::unique_ptr<Reducer> reducer_;
};

template <typename H>
requires requires(H h) { h.ptr(); }
DistributedDataParallel(H, const DistributedDataParallelOptions& = {})
    ->DistributedDataParallel<typename H::ContainedType>;

}  // namespace ember::nn::parallel
