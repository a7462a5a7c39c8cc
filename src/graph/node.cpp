#include "ember/autograd/node.h"

#include <algorithm>
#include <atomic>

#include "core/check.h"
#include "graph/autograd_meta.h"

namespace ember::autograd {
namespace {
std::atomic<uint64_t> next_sequence_nr{0};
}

Node::Node(edge_list next_edges)
    : next_edges_(std::move(next_edges)),
      sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

uint32_t Node::add_input_metadata(const Tensor& t) {
  InputMetadata& m = num_inputs_ == 0 ? first_input_ : more_inputs_.emplace_back();
  m.shape.assign(t.sizes().begin(), t.sizes().end());
  m.dtype = t.dtype();
  m.device = t.device();
  return num_inputs_++;
}

bool Node::remove_pre_hook(unsigned id) {
  auto it = std::find_if(pre_hooks_.begin(), pre_hooks_.end(),
                         [id](const PreHook& h) { return h.id == id; });
  if (it == pre_hooks_.end()) return false;
  pre_hooks_.erase(it);
  return true;
}

void Node::run_pre_hooks(variable_list& grads) const {
  for (const PreHook& h : pre_hooks_) {
    Tensor& g = grads[h.output_nr];
    if (!g.defined()) continue;
    Tensor replaced = h.hook(g);
    if (replaced.defined()) g = replaced;
  }
}

unsigned Node::add_function_pre_hook(FunctionPreHook hook) {
  function_pre_hooks_.emplace_back(next_function_hook_id_, std::move(hook));
  return next_function_hook_id_++;
}

unsigned Node::add_post_hook(FunctionPostHook hook) {
  post_hooks_.emplace_back(next_function_hook_id_, std::move(hook));
  return next_function_hook_id_++;
}

bool Node::remove_function_hook(unsigned id) {
  auto matches = [id](const auto& h) { return h.first == id; };
  return std::erase_if(function_pre_hooks_, matches) + std::erase_if(post_hooks_, matches) > 0;
}

void Node::run_function_pre_hooks(variable_list& grad_outputs) const {
  for (const auto& [id, hook] : function_pre_hooks_) {
    variable_list replaced = hook(grad_outputs);
    if (replaced.empty()) continue;
    EMBER_CHECK(replaced.size() == grad_outputs.size(),
                "{}: a pre-hook returned {} gradients, but the node has {} outputs", name(),
                replaced.size(), grad_outputs.size());
    grad_outputs = std::move(replaced);
  }
}

void Node::run_post_hooks(variable_list& grad_inputs, const variable_list& grad_outputs) const {
  for (const auto& [id, hook] : post_hooks_) {
    variable_list replaced = hook(grad_inputs, grad_outputs);
    if (replaced.empty()) continue;
    EMBER_CHECK(replaced.size() == grad_inputs.size(),
                "{}: a hook returned {} gradients, but the node has {} inputs", name(),
                replaced.size(), grad_inputs.size());
    grad_inputs = std::move(replaced);
  }
}

Node::~Node() {
  // The next nodes that only this node keeps alive are moved onto a stack and die in the loop
  // below, one at a time, instead of inside this destructor, which would recurse once per node
  // down the graph and overflow the stack on a long chain. A node that dies while the stack is
  // being drained (popped from it, or dropped by a saved tensor) only adds its own next nodes.
  // The derived class's members, saved tensors included, are already gone here, so a reference
  // count of one means the edge really is the last owner. The stack keeps its capacity from one
  // graph to the next.
  thread_local std::vector<std::shared_ptr<Node>> stack;
  thread_local bool draining = false;
  for (Edge& e : next_edges_)
    if (e.function && e.function.use_count() == 1) stack.push_back(std::move(e.function));
  next_edges_.clear();
  if (draining) return;
  draining = true;
  while (!stack.empty()) {
    std::shared_ptr<Node> next = std::move(stack.back());
    stack.pop_back();
  }
  draining = false;
}

}  // namespace ember::autograd
