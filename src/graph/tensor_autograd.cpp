// Tensor's autograd state: requires_grad, grad, grad_fn, hooks, detach (backward() is the
// engine's, in engine/tensor_backward.cpp).
#include <algorithm>
#include <atomic>

#include "core/batched.h"
#include "core/check.h"
#include "ember/autograd.h"
#include "graph/history.h"

namespace ember {
using autograd::ensure_meta;
using autograd::get_meta;

bool Tensor::requires_grad() const {
  autograd::sync_view_history(*this);
  auto* meta = get_meta(*this);
  return meta && meta->requires_grad();
}

Tensor& Tensor::requires_grad_(bool requires_grad) const {
  EMBER_CHECK(is_leaf() || requires_grad,
              "you can only change requires_grad flags of leaf variables. If you want to use a "
              "computed variable in a subgraph that doesn't require differentiation use "
              "var_no_grad = var.detach().");
  EMBER_CHECK(!requires_grad || is_floating_point(),
              "only Tensors of floating point dtype can require gradients (got {})",
              dtype_legacy_name(dtype()));
  if (requires_grad || get_meta(self())) ensure_meta(self()).requires_grad_ = requires_grad;
  // A view of a tensor without gradient that is made to require grad is a leaf of its own: its
  // views are views of it (so writing through one is refused, as PyTorch refuses it), and a write
  // to the memory it shares never gives it history.
  if (requires_grad) {
    if (TensorImpl* base = unsafe_impl()->view_base();
        base && !Tensor(IntrusivePtr<TensorImpl>{base}).requires_grad())
      unsafe_impl()->clear_view_base();
  }
  return self();
}

bool Tensor::is_leaf() const {
  autograd::sync_view_history(*this);
  auto* meta = get_meta(*this);
  return !meta || !meta->grad_fn_;
}

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  auto* meta = get_meta(*this);
  if (!meta) return undefined;
  if (meta->retained_grad_) return *meta->retained_grad_;
  return meta->grad_;
}

Tensor& Tensor::mutable_grad() const {
  auto& meta = ensure_meta(self());
  return meta.retained_grad_ ? *meta.retained_grad_ : meta.grad_;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  autograd::sync_view_history(*this);
  auto* meta = get_meta(*this);
  return meta ? meta->grad_fn_ : nullptr;
}

uint32_t Tensor::output_nr() const {
  autograd::sync_view_history(*this);
  auto* meta = get_meta(*this);
  return meta ? meta->output_nr_ : 0;
}

void Tensor::retain_grad() {
  EMBER_CHECK(requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf()) return;  // leaves keep their gradient anyway
  auto& meta = ensure_meta(*this);
  if (meta.retained_grad_) return;
  meta.retained_grad_ = std::make_shared<Tensor>();
  meta.grad_fn_->retain_grad_in(meta.output_nr_, meta.retained_grad_);
}

bool Tensor::retains_grad() const {
  auto* meta = get_meta(*this);
  return meta && meta->retained_grad_;
}

namespace {
std::atomic<unsigned> next_hook_id{0};
}  // namespace

unsigned Tensor::add_hook(std::function<Tensor(const Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  const unsigned id = next_hook_id.fetch_add(1);
  auto& meta = ensure_meta(*this);
  if (meta.grad_fn_)
    meta.grad_fn_->add_pre_hook(meta.output_nr_, id, std::move(hook));
  else
    meta.leaf_hooks_.emplace_back(id, std::move(hook));
  return id;
}

unsigned Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  EMBER_CHECK(is_leaf(), "post accumulate grad hooks cannot be registered on non-leaf tensors");
  const unsigned id = next_hook_id.fetch_add(1);
  ensure_meta(*this).post_accumulate_hooks_.emplace_back(id, std::move(hook));
  return id;
}

void Tensor::remove_hook(unsigned handle) const {
  auto* meta = get_meta(*this);
  EMBER_CHECK(meta, "remove_hook: no hook with handle {}", handle);
  const auto erase = [handle](auto& hooks) {
    auto it = std::find_if(hooks.begin(), hooks.end(), [&](auto& h) { return h.first == handle; });
    if (it == hooks.end()) return false;
    hooks.erase(it);
    return true;
  };
  if (erase(meta->leaf_hooks_) || erase(meta->post_accumulate_hooks_)) return;
  EMBER_CHECK(meta->grad_fn_ && meta->grad_fn_->remove_pre_hook(handle),
              "remove_hook: no hook with handle {}", handle);
}

Tensor Tensor::variable_data() const {
  Tensor data(IntrusivePtr<TensorImpl>::make(impl()->storage(), dtype(), sizes(), strides(),
                                             storage_offset()));
  data.unsafe_impl()->set_batch_dims(impl()->batch_dims());
  data.unsafe_impl()->set_vmap_run(impl()->vmap_run());
  return data;
}

void Tensor::set_data(const Tensor& new_data) const {
  EMBER_CHECK(new_data.defined(), "set_data: the new data is an undefined tensor");
  EMBER_CHECK(new_data.device() == device() || !requires_grad(),
              "set_data: data of a tensor that requires grad cannot move from {} to {}",
              device().str(), new_data.device().str());
  EMBER_CHECK(detail::merged_batch_dims({&new_data, this}).size() ==
                  detail::merged_batch_dims({this}).size(),
              "vmap: set_data: the new data is batched (vmapped over) but the tensor is not: one "
              "tensor cannot hold every entry's value; return the value from the function "
              "instead");
  impl()->set_data_from(*new_data.impl());
}

Tensor Tensor::detach() const { return variable_data(); }

Tensor& Tensor::detach_() const {
  // A view shares its base's history (Note [View histories]): cutting it alone is refused.
  EMBER_CHECK(unsafe_impl()->view_base() == nullptr,
              "Can't detach views in-place. Use detach() instead. If you are using "
              "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
              "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
              "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
              "function in torch/optim/optimizer.py as the solution.");
  if (auto* meta = get_meta(self())) {
    meta->grad_fn_.reset();
    meta->requires_grad_ = false;
    meta->output_nr_ = 0;
  }
  return self();
}

}  // namespace ember
