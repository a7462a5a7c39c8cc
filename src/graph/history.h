#pragma once
// A tensor's autograd history, as ops record it: deciding whether to record, attaching a new node
// to the outputs, saving tensors for backward, and keeping views' histories current.
#include <atomic>
#include <initializer_list>
#include <string>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/saved_tensor.h"
#include "graph/autograd_meta.h"

namespace ember::autograd {

/// Rebuilds a view's grad_fn from its base's current history unless another thread already
/// brought it up to date. Rebuilding takes an op (as_strided), so the ops layer, which makes
/// every view, installs the function when it makes the first one (Note [View histories] in
/// ops/in_place.cpp); this layer only calls it.
using ViewHistoryRebuild = void (*)(const Tensor& view);
void set_view_history_rebuild(ViewHistoryRebuild rebuild);
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

/// Makes node the producer of out (out then requires grad and is not a leaf).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node);

/// The version-mismatch message, shared with custom functions.
std::string modified_message(const Tensor& t, const std::string& producer, uint32_t now,
                             uint32_t saved);

}  // namespace ember::autograd
