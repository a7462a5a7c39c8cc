#pragma once
// The autograd state of one tensor, stored in its TensorImpl. Ops and the engine reach it through
// these helpers; users through the Tensor methods.
#include <memory>

#include "ember/autograd/node.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

struct AutogradMeta final : AutogradMetaInterface {
  bool requires_grad_ = false;
  Tensor grad_;
  /// The node that produced the tensor; null for leaves.
  std::shared_ptr<Node> grad_fn_;
  /// A leaf's AccumulateGrad node, created on first use and shared by every graph using it.
  std::weak_ptr<Node> grad_accumulator_;
  uint32_t output_nr_ = 0;
  /// Set by retain_grad(): the engine writes the gradient of a non-leaf here.
  std::shared_ptr<Tensor> retained_grad_;
  /// Hooks of a leaf, run by its AccumulateGrad before accumulating (a non-leaf's hooks live
  /// on its grad_fn).
  std::vector<std::pair<unsigned, std::function<Tensor(const Tensor&)>>> leaf_hooks_;
  /// Hooks of a leaf, run by its AccumulateGrad after accumulating.
  std::vector<std::pair<unsigned, std::function<void(const Tensor&)>>> post_accumulate_hooks_;
  /// The tangent (forward-mode gradient) and the dual level that set it (Note [Forward grads]).
  Tensor fw_grad_;
  int64_t fw_level_ = 0;

  bool requires_grad() const override { return requires_grad_ || grad_fn_ != nullptr; }
  std::string grad_fn_name() const override { return grad_fn_ ? grad_fn_->name() : ""; }
};

/// t's autograd state, or null when autograd has never seen it.
inline AutogradMeta* get_meta(const Tensor& t) {
  return static_cast<AutogradMeta*>(t.unsafe_impl()->autograd_meta());
}
/// t's autograd state, created when missing.
AutogradMeta& ensure_meta(const Tensor& t);

}  // namespace ember::autograd
