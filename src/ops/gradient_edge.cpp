// Where a recorded op's gradient goes for each input: the input's grad_fn, or a leaf's
// AccumulateGrad node, made here on first use (its apply is an addition, an op, so it lives in
// this layer rather than in graph/).
#include <mutex>

#include "ember/autograd/grad_accumulator.h"
#include "ops/accumulate_grad.h"
#include "ops/record.h"

namespace ember::autograd {

Edge gradient_edge(const Tensor& t) {
  if (t.defined()) sync_view_history(t);
  AutogradMeta* meta = t.defined() ? get_meta(t) : nullptr;
  if (!meta) return {};
  if (meta->grad_fn_) return {meta->grad_fn_, meta->output_nr_};
  if (!meta->requires_grad_) return {};
  // Threads recording ops on the same leaf must share one accumulator.
  static std::mutex accumulator_mutex;
  std::lock_guard<std::mutex> lock(accumulator_mutex);
  std::shared_ptr<Node> acc = meta->grad_accumulator_.lock();
  if (!acc) {
    acc = make_node<AccumulateGrad>(t);
    meta->grad_accumulator_ = acc;
  }
  return {acc, 0};
}

std::shared_ptr<Node> impl::grad_accumulator(const Tensor& leaf) {
  if (!leaf.defined() || !leaf.is_leaf() || !leaf.requires_grad()) return nullptr;
  return gradient_edge(leaf).function;
}

edge_list collect_next_edges(std::initializer_list<const Tensor*> tensors) {
  edge_list edges;
  edges.reserve(tensors.size());
  for (const Tensor* t : tensors) edges.push_back(gradient_edge(*t));
  return edges;
}

}  // namespace ember::autograd
