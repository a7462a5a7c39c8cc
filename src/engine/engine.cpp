// The backward engine: an iterative walk of the recorded graph. Each node runs once, after every
// node that feeds it a gradient has run (dependency counts), with later-created nodes first;
// gradients arriving from several paths are summed, and broadcast gradients are reduced back to
// the shape the receiving node recorded. No recursion, so graphs of any depth work.
#include <cctype>
#include <mutex>
#include <queue>
#include <unordered_set>

#include "core/check.h"
#include "ember/autograd.h"
#include "ember/autograd/anomaly_mode.h"
#include "ember/autograd/profiler.h"
#include "ember/ops.h"
#include "graph/history.h"
#include "ops/accumulate_grad.h"
#include "ops/record.h"

namespace ember::autograd {
namespace {

// The node backward starts from: it hands out the initial gradients.
class GraphRoot final : public Node {
 public:
  GraphRoot(edge_list roots, variable_list grads)
      : Node(std::move(roots)), grads_(std::move(grads)) {}
  std::string name() const override { return "GraphRoot"; }
  variable_list apply(variable_list&&) override { return grads_; }

 private:
  variable_list grads_;
};

// A node's name in profiles: PyTorch spells its leaf accumulator with the C++ namespace.
std::string profiled_name(const Node& node) {
  std::string name = node.name();
  return name == "AccumulateGrad" ? "torch::autograd::AccumulateGrad" : name;
}

// Sums a gradient over the dims that broadcasting added or expanded, to give `shape`.
Tensor sum_to(const Tensor& grad, IntArrayRef shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  DimVector dims;
  for (int64_t d = 0; d < lead; ++d) dims.push_back(d);
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && grad.sizes()[lead + static_cast<int64_t>(d)] != 1)
      dims.push_back(lead + static_cast<int64_t>(d));
  Tensor reduced = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return reduced.reshape(shape);
}

// Makes a gradient fit what the receiving node recorded for that input.
Tensor conform(const Tensor& grad, const InputMetadata& meta, const Node& producer) {
  Tensor g = grad;
  if (g.sizes() != IntArrayRef(meta.shape)) {
    DimVector target = broadcast_shapes(IntArrayRef(meta.shape), g.sizes(), "backward");
    EMBER_CHECK(IntArrayRef(target) == g.sizes(),
                "Function {} returned an invalid gradient - got {} but expected shape "
                "compatible with {}",
                producer.name(), g.sizes(), IntArrayRef(meta.shape));
    g = sum_to(g, meta.shape);
  }
  if (g.dtype() != meta.dtype) g = g.to(meta.dtype);
  return g;
}

// "MulBackward0" was recorded by the forward op "mul".
std::string forward_name(const std::string& node) {
  std::string name = node.substr(0, node.find("Backward"));
  std::string snake;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!snake.empty()) snake += '_';
      snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      snake += c;
    }
  }
  return snake;
}

void check_for_nan(const Node& node, const variable_list& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& g = outputs[i];
    if (!g.defined() || !g.is_floating_point()) continue;
    EMBER_CHECK(!g.ne(g).any().item<bool>(),
                "Function '{}' returned nan values in its {}th output (the gradient of input {} "
                "of the forward op '{}').",
                node.name(), i, i, forward_name(node.name()));
  }
}

struct NodeState {
  int dependencies = 0;
  bool execute = false;      // run apply (some capture or leaf lies beyond it)
  bool reached = false;      // receives gradients at all
  bool has_capture = false;  // some captured gradient is read at this node
  uint32_t first_child = 0;  // where the slots of its next edges start in Graph::children
  variable_list buffer;      // gradients for the node's inputs, summed over paths
};

constexpr uint32_t kNoSlot = UINT32_MAX;

// The part of the graph one backward pass sees. Every node gets a dense slot when the walk first
// meets it, and each edge's target slot is looked up once and kept, so the rest of the pass
// indexes arrays instead of hashing (a node-based hash map costs an allocation per node).
class Graph {
 public:
  // The slot of node, new when the walk has not met it yet (second is then true).
  std::pair<uint32_t, bool> slot_of(Node* node) {
    if ((nodes_.size() + 1) * 2 > keys_.size()) rehash(std::max<size_t>(64, keys_.size() * 2));
    size_t i = bucket(node);
    while (keys_[i] != nullptr) {
      if (keys_[i] == node) return {slots_[i], false};
      i = (i + 1) & (keys_.size() - 1);
    }
    const auto slot = static_cast<uint32_t>(nodes_.size());
    keys_[i] = node;
    slots_[i] = slot;
    nodes_.push_back(node);
    state_.emplace_back().first_child = static_cast<uint32_t>(children_.size());
    children_.resize(children_.size() + node->num_outputs(), kNoSlot);
    return {slot, true};
  }
  // The slot of a node the walk met, or kNoSlot.
  uint32_t find(Node* node) const {
    for (size_t i = bucket(node); keys_[i] != nullptr; i = (i + 1) & (keys_.size() - 1))
      if (keys_[i] == node) return slots_[i];
    return kNoSlot;
  }

  size_t size() const { return nodes_.size(); }
  Node* node(uint32_t slot) const { return nodes_[slot]; }
  NodeState& state(uint32_t slot) { return state_[slot]; }
  // The slot that next edge i of the node in `slot` leads to (kNoSlot for an invalid edge).
  uint32_t& child(uint32_t slot, size_t i) { return children_[state_[slot].first_child + i]; }

 private:
  size_t bucket(const Node* node) const {
    // Fibonacci hashing: the high bits of the product mix every bit of the pointer.
    const uint64_t h = reinterpret_cast<uintptr_t>(node) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h >> 32) & (keys_.size() - 1);
  }
  void rehash(size_t capacity) {
    keys_.assign(capacity, nullptr);
    slots_.assign(capacity, kNoSlot);
    for (uint32_t slot = 0; slot < nodes_.size(); ++slot) {
      size_t i = bucket(nodes_[slot]);
      while (keys_[i] != nullptr) i = (i + 1) & (capacity - 1);
      keys_[i] = nodes_[slot];
      slots_[i] = slot;
    }
  }

  std::vector<Node*> keys_;
  std::vector<uint32_t> slots_;
  std::vector<Node*> nodes_;
  std::vector<NodeState> state_;
  std::vector<uint32_t> children_;
};

// Runs backward from `roots` with `grads`. With `captures`, only what is needed to compute
// the gradients arriving at those edges runs, and those gradients are returned; with
// `run_captured_leaves` too, the AccumulateGrad nodes among the captures run as well
// (backward's `inputs`). Only backward writes the gradients of tensors that retain theirs
// (`accumulate`): autograd::grad leaves every .grad alone, as PyTorch 2's does.
variable_list execute(const edge_list& roots, const variable_list& grads, bool keep_graph,
                      bool create_graph, bool accumulate, const edge_list& captures,
                      bool run_captured_leaves = false) {
  auto root = std::make_shared<GraphRoot>(roots, grads);
  Graph graph;
  graph.slot_of(root.get());
  std::unordered_set<Node*> capture_nodes;
  for (const Edge& e : captures) capture_nodes.insert(e.function.get());

  // Post-order walk (explicit stack): a node executes when a reached node lies beyond it.
  std::vector<std::pair<uint32_t, size_t>> stack{{0, 0}};
  while (!stack.empty()) {
    auto& [slot, next] = stack.back();
    Node* node = graph.node(slot);
    if (next < node->num_outputs()) {
      const size_t i = next++;
      if (Node* child = node->next_edge(i).function.get()) {
        auto [child_slot, fresh] = graph.slot_of(child);
        graph.child(slot, i) = child_slot;
        if (fresh) stack.emplace_back(child_slot, 0);
      }
      continue;
    }
    NodeState& s = graph.state(slot);
    for (size_t i = 0; i < node->num_outputs(); ++i) {
      const uint32_t c = graph.child(slot, i);
      if (c != kNoSlot && graph.state(c).reached) s.execute = true;
    }
    if (captures.empty() && slot != 0) s.execute = true;
    s.has_capture = !capture_nodes.empty() && capture_nodes.count(node) != 0;
    if (s.has_capture && run_captured_leaves && dynamic_cast<AccumulateGrad*>(node))
      s.execute = true;
    s.reached = s.execute || s.has_capture;
    stack.pop_back();
  }
  // Where each captured gradient is read: the slot of its node (kNoSlot when the walk never
  // met it, so it stays undefined).
  std::vector<uint32_t> capture_slot(captures.size());
  for (size_t k = 0; k < captures.size(); ++k)
    capture_slot[k] = graph.find(captures[k].function.get());
  graph.state(0).execute = true;

  for (uint32_t slot = 0; slot < graph.size(); ++slot) {
    if (!graph.state(slot).execute) continue;
    for (size_t i = 0; i < graph.node(slot)->num_outputs(); ++i) {
      const uint32_t c = graph.child(slot, i);
      if (c != kNoSlot && graph.state(c).reached) ++graph.state(c).dependencies;
    }
  }

  variable_list captured(captures.size());
  AutoGradMode mode(create_graph);
  // Ready nodes, later-created first.
  auto later = [&graph](uint32_t a, uint32_t b) {
    return graph.node(a)->sequence_nr() < graph.node(b)->sequence_nr();
  };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> ready(later);
  ready.push(0);
  while (!ready.empty()) {
    const uint32_t slot = ready.top();
    ready.pop();
    Node* node = graph.node(slot);
    NodeState& s = graph.state(slot);
    variable_list inputs = std::move(s.buffer);
    inputs.resize(node->num_inputs());
    variable_list outputs;
    // As PyTorch records it: one range around the node's whole turn (hooks, apply, passing its
    // gradients on) and one inside it around apply. The root only hands out the initial grads.
    profiler::RecordFunction evaluate_range, node_range;
    if (profiler::is_enabled() && slot != 0 && s.execute)
      evaluate_range.begin("autograd::engine::evaluate_function: " + profiled_name(*node),
                           profiler::EventKind::Backward,
                           static_cast<int64_t>(node->sequence_nr()));
    {
      // Note [Engine threads]: backward passes running in other threads may share this node
      // (a leaf's AccumulateGrad, or a graph kept with retain_graph), so its hooks, retained
      // gradients, apply and release run one thread at a time, as in PyTorch. Everything else
      // the engine touches is local to this call.
      std::lock_guard<std::recursive_mutex> lock(node->mutex());
      node->run_pre_hooks(inputs);

      if (s.has_capture)
        for (size_t k = 0; k < captures.size(); ++k)
          if (capture_slot[k] == slot) captured[k] = inputs[captures[k].input_nr];
      for (const auto& [nr, weak_slot] : node->retained_grads()) {
        if (!accumulate) break;
        auto retained = weak_slot.lock();
        if (!retained || !inputs[nr].defined()) continue;
        // A first gradient is copied (contiguous), as in PyTorch: the engine's tensor may be
        // an expanded view or the caller's own grad_output.
        Tensor g = create_graph ? inputs[nr] : inputs[nr].detach();
        *retained = retained->defined() ? *retained + g : g.clone();
      }
      if (!s.execute) continue;

      // Gradients that never arrived are zeros of the recorded shape.
      bool any_defined = slot == 0;
      for (const Tensor& g : inputs) any_defined |= g.defined();
      if (any_defined) {
        for (size_t i = 0; i < inputs.size(); ++i)
          if (!inputs[i].defined()) {
            const InputMetadata& m = node->input_metadata(i);
            inputs[i] = zeros(m.shape, TensorOptions(m.dtype).device(m.device));
          }
        node->run_function_pre_hooks(inputs);
        if (evaluate_range.active()) {
          node_range.begin(profiled_name(*node), profiler::EventKind::Backward,
                           static_cast<int64_t>(node->sequence_nr()));
          node_range.record_inputs(inputs);
        }
        if (node->has_post_hooks()) {
          const variable_list grad_outputs = inputs;
          outputs = node->apply(std::move(inputs));
          node->run_post_hooks(outputs, grad_outputs);
        } else {
          outputs = node->apply(std::move(inputs));
        }
        node_range.end();
        EMBER_CHECK(outputs.size() == node->num_outputs() || node->num_outputs() == 0,
                    "function {} returned an incorrect number of gradients (expected {}, got {})",
                    node->name(), node->num_outputs(), outputs.size());
        if (AnomalyMode::is_enabled()) check_for_nan(*node, outputs);
      }
      if (!keep_graph) node->release_variables();
    }

    for (size_t i = 0; i < node->num_outputs(); ++i) {
      const uint32_t c = graph.child(slot, i);
      if (c == kNoSlot) continue;
      NodeState& cs = graph.state(c);
      if (!cs.reached) continue;
      if (i < outputs.size() && outputs[i].defined()) {
        const Edge& e = node->next_edge(i);
        Tensor g = conform(outputs[i], e.function->input_metadata(e.input_nr), *node);
        cs.buffer.resize(e.function->num_inputs());
        Tensor& into = cs.buffer[e.input_nr];
        into = into.defined() ? into + g : g;
      }
      if (--cs.dependencies == 0) ready.push(c);
    }
  }
  return captured;
}

// The default gradient of an output: ones for a single element, else an error.
variable_list initial_grads(const variable_list& outputs, const variable_list& given) {
  EMBER_CHECK(given.empty() || given.size() == outputs.size(),
              "grad requires one grad_output per output (got {} for {} outputs)", given.size(),
              outputs.size());
  variable_list grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    EMBER_CHECK(out.requires_grad(),
                "element {} of tensors does not require grad and does not have a grad_fn", i);
    Tensor g = given.empty() ? Tensor() : given[i];
    if (!g.defined()) {
      EMBER_CHECK(out.numel() == 1, "grad can be implicitly created only for scalar outputs");
      g = ones_like(out);
    } else {
      EMBER_CHECK(g.sizes() == out.sizes(),
                  "Mismatch in shape: grad_output[{}] has a shape of {} and output[{}] has a "
                  "shape of {}.",
                  i, g.sizes(), i, out.sizes());
    }
    grads.push_back(g);
  }
  return grads;
}

edge_list edges_of(const variable_list& tensors) {
  edge_list edges;
  for (const Tensor& t : tensors) edges.push_back(gradient_edge(t));
  return edges;
}

}  // namespace

void backward(const variable_list& tensors, const variable_list& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, const variable_list& inputs) {
  variable_list grads = initial_grads(tensors, grad_tensors);
  const bool keep_graph = retain_graph.value_or(create_graph);
  if (inputs.empty()) {
    execute(edges_of(tensors), grads, keep_graph, create_graph, /*accumulate=*/true, {});
    return;
  }
  // Only the given inputs get gradients: leaves through their AccumulateGrad node (so their
  // hooks run as usual), non-leaves from the gradient captured where it reaches them.
  for (const Tensor& t : inputs)
    EMBER_CHECK(t.requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  variable_list reached = execute(edges_of(tensors), grads, keep_graph, create_graph,
                                  /*accumulate=*/true, edges_of(inputs),
                                  /*run_captured_leaves=*/true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    // A non-leaf that retains its gradient already got it in the pass.
    const Tensor& t = inputs[i];
    if (t.is_leaf() || t.retains_grad() || !reached[i].defined()) continue;
    Tensor g = create_graph ? reached[i] : reached[i].detach();
    // Under the node's mutex, as the retained gradients are (Note [Engine threads]).
    std::lock_guard<std::recursive_mutex> lock(t.grad_fn()->mutex());
    Tensor& slot = t.mutable_grad();
    slot = slot.defined() ? slot + g : g.clone();
  }
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph,
                   bool create_graph, bool allow_unused) {
  variable_list grads = initial_grads(outputs, grad_outputs);
  for (const Tensor& t : inputs)
    EMBER_CHECK(t.requires_grad(), "One of the differentiated Tensors does not require grad");
  variable_list result = execute(edges_of(outputs), grads, retain_graph.value_or(create_graph),
                                 create_graph, /*accumulate=*/false, edges_of(inputs));
  for (Tensor& g : result) {
    EMBER_CHECK(g.defined() || allow_unused,
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior.");
    if (g.defined() && !create_graph) g = g.detach();
  }
  return result;
}

}  // namespace ember::autograd
