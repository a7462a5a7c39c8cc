#pragma once
/// The recorded graph: a Node per differentiable op application, linked by Edges to the nodes
/// that produced its inputs. Printing a tensor shows its node's name (`grad_fn=<MulBackward0>`).
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;
using variable_list = std::vector<Tensor>;

/// Where a gradient flows: input `input_nr` of `function`. Invalid when function is null.
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};
using edge_list = std::vector<Edge>;

/// What a node expects as the gradient for one of its inputs (a forward output's shape).
struct InputMetadata {
  DimVector shape;
  ScalarType dtype = kFloat32;
  Device device = Device(kCPU);
};

/// One recorded op application. apply() maps the gradients of its forward outputs to the
/// gradients of its forward inputs, one per next edge.
class Node : public std::enable_shared_from_this<Node> {
 public:
  explicit Node(edge_list next_edges = {});
  /// A node that runs in the order given by sequence_nr rather than its creation.
  Node(edge_list next_edges, uint64_t sequence_nr)
      : next_edges_(std::move(next_edges)), sequence_nr_(sequence_nr) {}
  /// Drops the graph behind the node without recursion (see the definition).
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// PyTorch's name for this node, e.g. "MulBackward0".
  virtual std::string name() const = 0;
  /// Gradients of the forward inputs given those of the forward outputs.
  virtual variable_list apply(variable_list&& grads) = 0;
  /// Frees saved tensors once backward no longer needs them (no retain_graph).
  virtual void release_variables() {}

  /// The edges to the nodes that produced the forward inputs.
  const edge_list& next_edges() const { return next_edges_; }
  const Edge& next_edge(size_t i) const { return next_edges_[i]; }
  size_t num_outputs() const { return next_edges_.size(); }
  /// Order of creation; later nodes run first in backward. A leaf's AccumulateGrad has the
  /// largest number, so it runs as soon as its gradient is complete: .grad, and the hooks on
  /// it (DDP starts its allreduces there), need not wait for the rest of backward.
  uint64_t sequence_nr() const { return sequence_nr_; }

  /// Records one forward output; returns its index among the node's inputs.
  uint32_t add_input_metadata(const Tensor& t);
  size_t num_inputs() const { return num_inputs_; }
  const InputMetadata& input_metadata(size_t i) const {
    return i == 0 ? first_input_ : more_inputs_[i - 1];
  }

  /// Replaces the edges (used when a custom Function links its inputs).
  void set_next_edges(edge_list edges) { next_edges_ = std::move(edges); }

  /// Asks the engine to store the gradient of forward output `output_nr` in `slot`
  /// (retain_grad on a non-leaf).
  void retain_grad_in(uint32_t output_nr, std::weak_ptr<Tensor> slot) {
    retained_grads_.emplace_back(output_nr, std::move(slot));
  }
  const std::vector<std::pair<uint32_t, std::weak_ptr<Tensor>>>& retained_grads() const {
    return retained_grads_;
  }

  /// A function of a gradient; returning an undefined tensor keeps the gradient unchanged.
  using GradHook = std::function<Tensor(const Tensor&)>;
  /// Runs hook on the gradient of forward output `output_nr` before this node uses it.
  void add_pre_hook(uint32_t output_nr, unsigned id, GradHook hook) {
    pre_hooks_.push_back({output_nr, id, std::move(hook)});
  }
  /// Removes the hook with this id; false when there is none.
  bool remove_pre_hook(unsigned id);
  /// Applies the pre-hooks to the incoming gradients (called by the engine).
  void run_pre_hooks(variable_list& grads) const;

  /// A function of all the gradients flowing into the node (its forward outputs'), run before
  /// apply; a non-empty result replaces them (PyTorch's grad_fn.register_prehook).
  using FunctionPreHook = std::function<variable_list(const variable_list& grad_outputs)>;
  /// Run after apply with (grad_inputs, grad_outputs); a non-empty result replaces grad_inputs,
  /// the gradients passed on (PyTorch's grad_fn.register_hook).
  using FunctionPostHook = std::function<variable_list(const variable_list& grad_inputs,
                                                       const variable_list& grad_outputs)>;
  /// Each returns an id for remove_function_hook.
  unsigned add_function_pre_hook(FunctionPreHook hook);
  unsigned add_post_hook(FunctionPostHook hook);
  /// Removes the function pre-hook or post-hook with this id; false when there is none.
  bool remove_function_hook(unsigned id);
  bool has_post_hooks() const { return !post_hooks_.empty(); }
  /// Called by the engine around apply.
  void run_function_pre_hooks(variable_list& grad_outputs) const;
  void run_post_hooks(variable_list& grad_inputs, const variable_list& grad_outputs) const;

  /// Data a binding attaches to the node (the dict behind Python's grad_fn.metadata).
  std::any& binding_data() { return binding_data_; }

  /// Held by the engine while it runs this node, so backward passes in several threads that
  /// share the node run it one at a time (recursive: a hook may start a nested backward).
  std::recursive_mutex& mutex() const { return mutex_; }

 private:
  edge_list next_edges_;
  uint64_t sequence_nr_;
  // Most nodes have one forward output; its metadata lives inline to spare an allocation.
  uint32_t num_inputs_ = 0;
  InputMetadata first_input_;
  std::vector<InputMetadata> more_inputs_;
  std::vector<std::pair<uint32_t, std::weak_ptr<Tensor>>> retained_grads_;
  struct PreHook {
    uint32_t output_nr;
    unsigned id;
    GradHook hook;
  };
  std::vector<PreHook> pre_hooks_;
  std::vector<std::pair<unsigned, FunctionPreHook>> function_pre_hooks_;
  std::vector<std::pair<unsigned, FunctionPostHook>> post_hooks_;
  unsigned next_function_hook_id_ = 0;
  std::any binding_data_;
  mutable std::recursive_mutex mutex_;
};

/// A new node, in one allocation with its reference count.
template <typename T, typename... Args>
std::shared_ptr<T> make_node(Args&&... args) {
  return std::make_shared<T>(std::forward<Args>(args)...);
}

}  // namespace ember::autograd
