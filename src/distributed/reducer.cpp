// The Reducer: DDP's gradient averaging. Note [Buckets]: parameters are grouped, in reverse
// order (backward produces the last layers' gradients first), into flat buckets of one dtype,
// the first small so communication starts early. A post-accumulate hook writes each gradient,
// divided by the world size, into its bucket; a full bucket is allreduced on the group's
// thread while backward goes on. Buckets are launched in index order, the same on every rank,
// as Gloo needs. When the last one is launched, the hook waits for all of them and writes the
// averages back into .grad.
#include <algorithm>
#include <deque>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/autograd/grad_accumulator.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/core/error.h"
#include "ember/nn/parallel/distributed.h"
#include "ember/ops.h"

namespace ember::nn::parallel {

struct Reducer::Bucket {
  std::vector<size_t> indices;
  std::vector<int64_t> offsets;
  Tensor flat;
  size_t pending = 0;
  distributed::WorkPtr work;
};

Reducer::Reducer(std::vector<Tensor> parameters, distributed::ProcessGroupPtr group,
                 int64_t bucket_cap_bytes, int64_t first_bucket_cap_bytes,
                 bool find_unused_parameters)
    : parameters_(std::move(parameters)),
      group_(std::move(group)),
      find_unused_(find_unused_parameters) {
  if (!group_) throw Error("DistributedDataParallel: the process group is null", ErrorKind::Value);
  const size_t n = parameters_.size();
  bucket_of_.resize(n);
  slot_of_.resize(n);
  ready_.assign(n, 0);
  used_.assign(n, 0);
  // Fill buckets from the last parameter back, one open bucket per dtype.
  std::vector<std::pair<ScalarType, std::unique_ptr<Bucket>>> open;
  std::vector<int64_t> open_bytes;
  const auto close = [&](size_t i) {
    buckets_.push_back(std::move(open[i].second));
    open.erase(open.begin() + static_cast<ptrdiff_t>(i));
    open_bytes.erase(open_bytes.begin() + static_cast<ptrdiff_t>(i));
  };
  for (size_t k = n; k-- > 0;) {
    const Tensor& p = parameters_[k];
    if (!p.device().is_cpu())
      throw Error(
          fmt::format("DistributedDataParallel: parameter {} is on {}; the gloo backend "
                      "averages CPU tensors",
                      k, p.device().str()));
    size_t slot = open.size();
    for (size_t i = 0; i < open.size(); ++i)
      if (open[i].first == p.dtype()) slot = i;
    if (slot == open.size()) {
      open.emplace_back(p.dtype(), std::make_unique<Bucket>());
      open_bytes.push_back(0);
    }
    open[slot].second->indices.push_back(k);
    open_bytes[slot] += p.numel() * static_cast<int64_t>(element_size(p.dtype()));
    const int64_t cap = buckets_.empty() ? first_bucket_cap_bytes : bucket_cap_bytes;
    if (open_bytes[slot] >= cap) close(slot);
  }
  while (!open.empty()) close(0);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = *buckets_[b];
    int64_t offset = 0;
    for (size_t k : bucket.indices) {
      bucket_of_[k] = b;
      slot_of_[k] = bucket.offsets.size();
      bucket.offsets.push_back(offset);
      offset += parameters_[k].numel();
    }
    bucket.flat = zeros({offset}, TensorOptions().dtype(parameters_[bucket.indices[0]].dtype()));
  }
  for (size_t k = 0; k < n; ++k) {
    // The hook holds no parameter: a parameter's hooks live in its own autograd state.
    hooks_.push_back(parameters_[k].register_post_accumulate_grad_hook(
        [this, k](const Tensor&) { on_grad_ready(k); }));
    accumulators_.push_back(autograd::impl::grad_accumulator(parameters_[k]));
  }
}

Reducer::~Reducer() {
  for (const auto& b : buckets_)
    if (b->work) {
      try {
        b->work->wait();
      } catch (const Error&) {
        // The group already failed; the error reached whoever waited on the reduction.
      }
    }
  for (size_t k = 0; k < parameters_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

std::vector<std::vector<size_t>> Reducer::bucket_indices() const {
  std::vector<std::vector<size_t>> out;
  for (const auto& b : buckets_) out.push_back(b->indices);
  return out;
}

void Reducer::prepare_for_forward() {
  if (!require_finalize_) return;
  std::vector<size_t> missing;
  for (size_t k = 0; k < parameters_.size(); ++k)
    if (!ready_[k]) missing.push_back(k);
  throw Error(fmt::format(
      "Expected to have finished reduction in the prior iteration before starting a new one. "
      "This error indicates that your module has parameters that were not used in producing "
      "loss. You can enable unused parameter detection by passing the keyword argument "
      "`find_unused_parameters=True` to `DistributedDataParallel`, and by making sure all "
      "`forward` function outputs participate in calculating loss. Parameter indices which did "
      "not receive grad for rank {}: {}",
      group_->rank(), fmt::join(missing, " ")));
}

void Reducer::prepare_for_backward(const std::vector<Tensor>& outputs) {
  std::fill(ready_.begin(), ready_.end(), 0);
  for (auto& b : buckets_) {
    b->pending = b->indices.size();
    b->work.reset();
  }
  next_bucket_ = 0;
  ready_count_ = 0;
  ready_at_first_launch_ = -1;
  armed_ = true;
  if (!find_unused_) return;
  // Walk the graph from the outputs; a parameter whose accumulator is not reached gets no
  // gradient in this backward, so it is ready now.
  std::unordered_set<const autograd::Node*> seen;
  std::deque<const autograd::Node*> todo;
  for (const auto& out : outputs)
    if (out.defined() && out.grad_fn() && seen.insert(out.grad_fn().get()).second)
      todo.push_back(out.grad_fn().get());
  for (const auto& out : outputs)  // an output that is itself a parameter
    for (size_t k = 0; k < parameters_.size(); ++k)
      if (out.defined() && out.is_same(parameters_[k])) seen.insert(accumulators_[k].get());
  while (!todo.empty()) {
    const autograd::Node* node = todo.front();
    todo.pop_front();
    for (const auto& edge : node->next_edges())
      if (edge.function && seen.insert(edge.function.get()).second)
        todo.push_back(edge.function.get());
  }
  for (size_t k = 0; k < parameters_.size(); ++k)
    if (!seen.count(accumulators_[k].get())) mark_ready(k);
}

void Reducer::on_grad_ready(size_t index) {
  used_[index] = 1;
  if (!armed_ || !require_sync_) return;
  if (ready_[index])
    throw Error(fmt::format(
        "Expected to mark a variable ready only once. A parameter got a second gradient before "
        "the reduction finished: two backward passes after one forward, or a parameter that "
        "find_unused_parameters found unused but the backward reached anyway. Parameter index "
        "{} on rank {}",
        index, group_->rank()));
  require_finalize_ = true;
  mark_ready(index);
}

void Reducer::mark_ready(size_t index) {
  ready_[index] = 1;
  ++ready_count_;
  Bucket& bucket = *buckets_[bucket_of_[index]];
  const Tensor& p = parameters_[index];
  Tensor view = bucket.flat.narrow(0, bucket.offsets[slot_of_[index]], p.numel());
  {
    NoGradGuard no_grad;
    const Tensor& grad = p.grad();
    if (grad.defined())  // divided on the way in: one pass over the gradient, not two
      div_out(view, grad.reshape({-1}), scalar_tensor(group_->size()));
    else
      view.zero_();
  }
  if (--bucket.pending == 0) launch_ready_buckets();
}

void Reducer::launch_ready_buckets() {
  NoGradGuard no_grad;
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_]->pending == 0) {
    Bucket& bucket = *buckets_[next_bucket_++];
    if (ready_at_first_launch_ < 0) ready_at_first_launch_ = ready_count_;
    bucket.work = group_->allreduce(bucket.flat, distributed::ReduceOp::SUM);
  }
  if (next_bucket_ == buckets_.size()) finalize();
}

void Reducer::finalize() {
  NoGradGuard no_grad;
  // Which parameters some rank used: one that no rank used keeps its .grad untouched.
  Tensor used;
  distributed::WorkPtr used_work;
  if (find_unused_) {
    used =
        from_blob(used_.data(), {static_cast<int64_t>(used_.size())}, TensorOptions().dtype(kInt32))
            .clone();
    used_work = group_->allreduce(used, distributed::ReduceOp::MAX);
  }
  armed_ = false;
  require_finalize_ = false;
  for (auto& b : buckets_) b->work->wait();
  if (used_work) used_work->wait();
  for (const auto& bucket : buckets_) {
    for (size_t slot = 0; slot < bucket->indices.size(); ++slot) {
      const size_t k = bucket->indices[slot];
      if (used.defined() && used.data_ptr<int32_t>()[k] == 0) continue;
      const Tensor& p = parameters_[k];
      Tensor average = bucket->flat.narrow(0, bucket->offsets[slot], p.numel()).view(p.sizes());
      if (p.grad().defined())
        p.grad().copy_(average);
      else
        p.mutable_grad() = average.clone();
    }
  }
  std::fill(used_.begin(), used_.end(), 0);
}

}  // namespace ember::nn::parallel
