// The backward engine: an iterative walk of the recorded graph. Each node runs once, after every
// node that feeds it a gradient has run (dependency counts), with later-created nodes first;
// gradients arriving from several paths are summed, and broadcast gradients are reduced back to
// the shape the receiving node recorded. No recursion, so graphs of any depth work.
#include <cctype>
#include <mutex>
#include <queue>
#include <unordered_map>

#include "autograd/record.h"
#include "core/check.h"
#include "ember/autograd.h"
#include "ember/autograd/anomaly_mode.h"
#include "ember/ops.h"

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
  bool execute = false;  // run apply (some capture or leaf lies beyond it)
  bool reached = false;  // receives gradients at all
  variable_list buffer;  // gradients for the node's inputs, summed over paths
};

struct ByOrder {
  bool operator()(const Node* a, const Node* b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

// Runs backward from `roots` with `grads`. With `captures`, only what is needed to compute
// the gradients arriving at those edges runs, and those gradients are returned.
variable_list execute(const edge_list& roots, const variable_list& grads, bool keep_graph,
                      bool create_graph, const edge_list& captures) {
  auto root = std::make_shared<GraphRoot>(roots, grads);
  std::unordered_map<Node*, NodeState> state;
  std::unordered_map<Node*, std::vector<size_t>> capture_at;
  for (size_t k = 0; k < captures.size(); ++k) capture_at[captures[k].function.get()].push_back(k);

  // Post-order walk (explicit stack): a node executes when a reached node lies beyond it.
  std::vector<std::pair<Node*, size_t>> stack{{root.get(), 0}};
  state[root.get()];
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->num_outputs()) {
      Node* child = node->next_edge(next++).function.get();
      if (child && !state.count(child)) {
        state[child];
        stack.emplace_back(child, 0);
      }
      continue;
    }
    NodeState& s = state[node];
    for (const Edge& e : node->next_edges())
      if (e.function && state[e.function.get()].reached) s.execute = true;
    if (captures.empty() && node != root.get()) s.execute = true;
    s.reached = s.execute || capture_at.count(node);
    stack.pop_back();
  }
  state[root.get()].execute = true;

  for (auto& [node, s] : state) {
    if (!s.execute) continue;
    for (const Edge& e : node->next_edges())
      if (e.function && state[e.function.get()].reached) ++state[e.function.get()].dependencies;
  }

  variable_list captured(captures.size());
  AutoGradMode mode(create_graph);
  std::priority_queue<Node*, std::vector<Node*>, ByOrder> ready;
  ready.push(root.get());
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    NodeState& s = state[node];
    variable_list inputs = std::move(s.buffer);
    inputs.resize(node->num_inputs());
    variable_list outputs;
    {
      // Note [Engine threads]: backward passes running in other threads may share this node
      // (a leaf's AccumulateGrad, or a graph kept with retain_graph), so its hooks, retained
      // gradients, apply and release run one thread at a time, as in PyTorch. Everything else
      // the engine touches is local to this call.
      std::lock_guard<std::recursive_mutex> lock(node->mutex());
      node->run_pre_hooks(inputs);

      if (auto it = capture_at.find(node); it != capture_at.end())
        for (size_t k : it->second) captured[k] = inputs[captures[k].input_nr];
      for (const auto& [nr, weak_slot] : node->retained_grads()) {
        auto slot = weak_slot.lock();
        if (!slot || !inputs[nr].defined()) continue;
        Tensor g = create_graph ? inputs[nr] : inputs[nr].detach();
        *slot = slot->defined() ? *slot + g : g;
      }
      if (!s.execute) continue;

      // Gradients that never arrived are zeros of the recorded shape.
      bool any_defined = node == root.get();
      for (const Tensor& g : inputs) any_defined |= g.defined();
      if (any_defined) {
        for (size_t i = 0; i < inputs.size(); ++i)
          if (!inputs[i].defined()) {
            const InputMetadata& m = node->input_metadata(i);
            inputs[i] = zeros(m.shape, TensorOptions(m.dtype).device(m.device));
          }
        outputs = node->apply(std::move(inputs));
        EMBER_CHECK(outputs.size() == node->num_outputs() || node->num_outputs() == 0,
                    "function {} returned an incorrect number of gradients (expected {}, got {})",
                    node->name(), node->num_outputs(), outputs.size());
        if (AnomalyMode::is_enabled()) check_for_nan(*node, outputs);
      }
      if (!keep_graph) node->release_variables();
    }

    for (size_t i = 0; i < node->num_outputs(); ++i) {
      const Edge& e = node->next_edge(i);
      if (!e.function) continue;
      NodeState& cs = state[e.function.get()];
      if (!cs.reached) continue;
      if (i < outputs.size() && outputs[i].defined()) {
        Tensor g = conform(outputs[i], e.function->input_metadata(e.input_nr), *node);
        cs.buffer.resize(e.function->num_inputs());
        Tensor& slot = cs.buffer[e.input_nr];
        slot = slot.defined() ? slot + g : g;
      }
      if (--cs.dependencies == 0) ready.push(e.function.get());
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
              std::optional<bool> retain_graph, bool create_graph) {
  variable_list grads = initial_grads(tensors, grad_tensors);
  execute(edges_of(tensors), grads, retain_graph.value_or(create_graph), create_graph, {});
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph,
                   bool create_graph, bool allow_unused) {
  variable_list grads = initial_grads(outputs, grad_outputs);
  for (const Tensor& t : inputs)
    EMBER_CHECK(t.requires_grad(), "One of the differentiated Tensors does not require grad");
  variable_list result = execute(edges_of(outputs), grads, retain_graph.value_or(create_graph),
                                 create_graph, edges_of(inputs));
  for (Tensor& g : result) {
    EMBER_CHECK(g.defined() || allow_unused,
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior.");
    if (g.defined() && !create_graph) g = g.detach();
  }
  return result;
}

}  // namespace ember::autograd
