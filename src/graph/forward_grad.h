#pragma once
// Forward-mode AD state (Note [Forward grads]): the active dual level, each tensor's tangent at
// it, and the switch that keeps a JVP computation from propagating tangents of its own.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>

#include "ember/autograd/node.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

// Note [Forward grads]
// As in PyTorch, one dual level can be active at a time, process-wide. Each level has a fresh
// id; a tensor's tangent is stored with the id of the level that set it, so tangents from a
// level that has ended are simply not seen. Ops propagate tangents where they record history
// (ops/record.h): an op's Jacobian-vector product is the gradient, with respect to the output
// cotangent u, of <backward(u), input tangents>, which its backward formula gives exactly,
// because backward formulas are written in differentiable ops.

/// The id of the active dual level, 0 when none is.
int64_t current_dual_level();
/// Starts a dual level and returns its id; throws if one is already active.
int64_t enter_dual_level();
/// Ends the dual level `level` (the active one).
void exit_dual_level(int64_t level);

/// True when a dual level is active and this thread is not computing a JVP itself.
bool forward_ad_enabled();
/// t's tangent at the active level, or an undefined tensor.
Tensor fw_grad(const Tensor& t);
/// Sets t's tangent at the active level (undefined clears it).
void set_fw_grad(const Tensor& t, const Tensor& tangent);
/// True when forward AD is enabled and some defined tensor has a tangent.
bool any_fw_grad(std::initializer_list<const Tensor*> tensors);

/// Stops tangent propagation on this thread for its scope (while a JVP is being computed).
class ForwardADDisabledGuard {
 public:
  ForwardADDisabledGuard();
  ~ForwardADDisabledGuard();
  ForwardADDisabledGuard(const ForwardADDisabledGuard&) = delete;
  ForwardADDisabledGuard& operator=(const ForwardADDisabledGuard&) = delete;

 private:
  bool previous_;
};

/// The gradients of outputs with respect to inputs, with grad_outputs, keeping the graph and
/// allowing unused inputs: what JVPs are computed with. The engine installs it (it sits above
/// this layer) when a dual level is entered.
using JvpGradients = variable_list (*)(const variable_list& outputs, const variable_list& inputs,
                                       const variable_list& grad_outputs, bool create_graph);
void set_jvp_gradients(JvpGradients fn);
JvpGradients jvp_gradients();

/// Records that the op recording `node_name` derived its JVP from its backward formula (only
/// elementwise and linear ops may: the gradcheck table checks the others have written rules).
void note_derived_jvp(const char* node_name);
/// The names noted since the last call, which clears them.
std::set<std::string> take_derived_jvp_names();

/// A node that is never run: edges to it mark which inputs a JVP needs gradients for.
const std::shared_ptr<Node>& jvp_marker();

}  // namespace ember::autograd
