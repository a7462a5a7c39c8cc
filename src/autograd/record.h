#pragma once
// What ops use to record history: deciding whether to record, linking a new node to the nodes
// of its inputs, attaching it to the outputs, and saving tensors for backward.
#include <initializer_list>
#include <string>

#include "autograd/autograd_meta.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/saved_tensor.h"

namespace ember::autograd {

/// Rebuilds a view's grad_fn from its base's current history (defined with the in-place
/// machinery in ops/in_place.cpp; Note [View histories]).
void regenerate_view_history(const Tensor& view);
/// regenerate_view_history unless another thread already brought the view up to date.
void refresh_view_history(const Tensor& view);
/// Brings a view's grad_fn up to date after its memory was written in place; safe to call from
/// several threads on one view.
inline void sync_view_history(const Tensor& t) {
  const TensorImpl* impl = t.unsafe_impl();
  if (impl->view_base() && impl->view_version() != impl->storage()->version())
    refresh_view_history(t);
}

/// True when grad mode is on and some defined tensor requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> tensors);

/// Where t's gradient goes: its grad_fn, a leaf's AccumulateGrad, or nowhere.
Edge gradient_edge(const Tensor& t);
edge_list collect_next_edges(std::initializer_list<const Tensor*> tensors);

/// Makes node the producer of out (out then requires grad and is not a leaf).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node);

/// The version-mismatch message, shared with custom functions.
std::string modified_message(const Tensor& t, const std::string& producer, uint32_t now,
                             uint32_t saved);

}  // namespace ember::autograd
