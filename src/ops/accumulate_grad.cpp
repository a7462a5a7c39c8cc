#include "ops/accumulate_grad.h"

#include <limits>

#include "ember/autograd/grad_mode.h"

namespace ember::autograd {

// Holding the leaf makes no cycle: the leaf refers back to this node only weakly.
AccumulateGrad::AccumulateGrad(const Tensor& leaf)
    : Node({}, std::numeric_limits<uint64_t>::max()), leaf_(leaf) {
  add_input_metadata(leaf);
}

// Backward passes in several threads may reach the same leaf: the engine runs this node under
// its mutex (Note [Engine threads] in engine.cpp), so every contribution is added.
variable_list AccumulateGrad::apply(variable_list&& grads) {
  Tensor incoming = std::move(grads[0]);
  if (!incoming.defined()) return {};
  // backward() inside vmap into a leaf made outside it: each entry's gradient adds to the one
  // .grad, which vmap's per-entry run does (Note [Batched tensors]).
  if (incoming.unsafe_impl()->is_batched() && !leaf_.unsafe_impl()->is_batched())
    throw NoBatchingRule("vmap: backward() reached a leaf made outside vmap");
  for (const auto& [id, hook] : ensure_meta(leaf_).leaf_hooks_) {
    Tensor replaced = hook(incoming);
    if (replaced.defined()) incoming = replaced;
  }
  Tensor& grad = leaf_.mutable_grad();
  if (grad.defined()) {
    // Out of place: with create_graph the sum stays differentiable, and a gradient the user
    // still holds from an earlier backward is never changed under them.
    grad = grad + incoming;
  } else if (!incoming.is_contiguous() && leaf_.is_contiguous()) {
    // A contiguous leaf gets a contiguous gradient (PyTorch's layout contract), so the
    // optimizer's elementwise updates over both run on the fast path.
    grad = GradMode::is_enabled() ? incoming.contiguous() : incoming.detach().contiguous();
  } else {
    // Keep the incoming tensor when nothing else refers to it, else a private copy. With
    // create_graph it is always copied (differentiably), as PyTorch does: it may be a view, and
    // the gradient of a leaf must be a tensor of its own that zero_grad can detach and clear.
    const bool alone = incoming.impl().use_count() == 1;
    if (GradMode::is_enabled())
      grad = incoming.clone();
    else
      grad = alone ? incoming : incoming.detach().clone();
  }
  // A copy: a hook may register or remove hooks on this leaf.
  const auto post_hooks = ensure_meta(leaf_).post_accumulate_hooks_;
  for (const auto& [id, hook] : post_hooks) hook(leaf_);
  return {};
}

}  // namespace ember::autograd
