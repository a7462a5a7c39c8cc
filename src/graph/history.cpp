#include "graph/history.h"

#include "core/check.h"

namespace ember::autograd {

AutogradMeta& ensure_meta(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl->autograd_meta()) impl->set_autograd_meta(std::make_unique<AutogradMeta>());
  return *static_cast<AutogradMeta*>(impl->autograd_meta());
}

bool any_requires_grad(std::initializer_list<const Tensor*> tensors) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : tensors)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

namespace {
std::atomic<ViewHistoryRebuild> view_history_rebuild{nullptr};
}

void set_view_history_rebuild(ViewHistoryRebuild rebuild) {
  view_history_rebuild.store(rebuild, std::memory_order_release);
}

// Only a view can be out of date, and views are made by make_view, which installs the rebuild.
void refresh_view_history(const Tensor& view) {
  view_history_rebuild.load(std::memory_order_acquire)(view);
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node) {
  AutogradMeta& meta = ensure_meta(out);
  meta.grad_fn_ = node;
  meta.output_nr_ = node->add_input_metadata(out);
}

}  // namespace ember::autograd
