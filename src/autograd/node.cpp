#include "ember/autograd/node.h"

#include <algorithm>
#include <atomic>

#include "autograd/autograd_meta.h"

namespace ember::autograd {
namespace {
std::atomic<uint64_t> next_sequence_nr{0};
}

Node::Node(edge_list next_edges)
    : next_edges_(std::move(next_edges)),
      sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

uint32_t Node::add_input_metadata(const Tensor& t) {
  InputMetadata m{DimVector(t.sizes().begin(), t.sizes().end()), t.dtype(), t.device()};
  if (num_inputs_ == 0)
    first_input_ = std::move(m);
  else
    more_inputs_.push_back(std::move(m));
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

void delete_node_iteratively(Node* node) {
  // Before a node dies, the next nodes that only it owns are moved onto a stack and die here,
  // one at a time, instead of inside its destructor (which would recurse down the graph). A
  // node dropped while a stack is being drained on this thread (by a saved tensor, say) hands
  // its next nodes to that stack. The stack keeps its capacity from one graph to the next.
  thread_local std::vector<std::shared_ptr<Node>> stack;
  thread_local bool draining = false;
  auto take_sole_owners = [](Node* n) {
    n->release_variables();
    edge_list edges = std::move(n->next_edges_);
    n->next_edges_.clear();
    for (Edge& e : edges)
      if (e.function && e.function.use_count() == 1) stack.push_back(std::move(e.function));
  };
  const bool outermost = !draining;
  draining = true;
  take_sole_owners(node);
  delete node;
  if (!outermost) return;
  while (!stack.empty()) {
    std::shared_ptr<Node> next = std::move(stack.back());
    stack.pop_back();
    take_sole_owners(next.get());
  }
  draining = false;
}

}  // namespace ember::autograd
