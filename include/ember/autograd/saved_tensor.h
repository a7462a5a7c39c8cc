#pragma once
/// Tensors kept by graph nodes for their backward formulas.
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;

/// A pair of saved-tensor hooks (PyTorch's `torch.autograd.graph.saved_tensors_hooks`): while
/// they are installed, each tensor a node saves for backward is handed to `pack`, and only what
/// pack returns is kept; backward calls `unpack` on it to get the tensor back. Offloading saved
/// tensors, compressing them, and activation checkpointing are built this way.
struct SavedTensorHooks {
  std::function<std::any(const Tensor&)> pack;
  std::function<Tensor(const std::any&)> unpack;
};

/// Installs saved-tensor hooks on this thread for the guard's scope. Guards nest; the innermost
/// hooks apply. pack runs with grad mode off and receives the tensor without its history.
class SavedTensorHooksGuard {
 public:
  SavedTensorHooksGuard(std::function<std::any(const Tensor&)> pack,
                        std::function<Tensor(const std::any&)> unpack);
  ~SavedTensorHooksGuard();
  SavedTensorHooksGuard(const SavedTensorHooksGuard&) = delete;
  SavedTensorHooksGuard& operator=(const SavedTensorHooksGuard&) = delete;
};

/// Forbids installing saved-tensor hooks on this thread for the guard's scope: a
/// SavedTensorHooksGuard made inside throws `message` (torch's disable_saved_tensors_hooks).
class DisableSavedTensorHooksGuard {
 public:
  explicit DisableSavedTensorHooksGuard(std::string message);
  ~DisableSavedTensorHooksGuard();
  DisableSavedTensorHooksGuard(const DisableSavedTensorHooksGuard&) = delete;
  DisableSavedTensorHooksGuard& operator=(const DisableSavedTensorHooksGuard&) = delete;

 private:
  std::optional<std::string> previous_;
};

/// A tensor saved in a node for backward. It remembers the version it saw, so an in-place change
/// made afterwards is reported at backward instead of giving a wrong gradient. Only a leaf is kept
/// as itself; any other tensor is kept as its data plus the history it had when saved, and
/// re-linked on unpack, so an in-place rebase or a view's base can never close a reference cycle
/// through the node (a node's own output is re-linked to the node that saved it).
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  /// Stands for a number the formula captured by value where PyTorch saves it as a 0-dim
  /// tensor: it unpacks as undefined, but after release it throws like any saved tensor, so a
  /// second backward fails exactly where PyTorch's does.
  static SavedTensor number();

  /// The saved tensor; `owner` is the node it was saved in. Throws when released or modified.
  Tensor unpack(const std::shared_ptr<Node>& owner = nullptr) const;
  /// Frees the tensor (after backward without retain_graph).
  void reset();
  bool defined() const { return was_defined_; }

 private:
  Tensor unpack_hooked(const std::shared_ptr<Node>& owner) const;
  Tensor relink(const Tensor& data, const std::shared_ptr<Node>& owner) const;
  Tensor with_tangent(Tensor t) const;

  Tensor data_;
  Tensor fw_grad_;  // the tangent it had under the dual level active when saved
  int64_t fw_level_ = 0;
  Tensor leaf_;  // a leaf that requires grad, saved through hooks
  // With hooks installed when saved, the tensor lives only as what pack returned.
  std::any packed_;
  std::shared_ptr<const SavedTensorHooks> hooks_;
  std::shared_ptr<Node> grad_fn_;  // history of a saved non-leaf input
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool was_defined_ = false;
  bool released_ = false;
};

}  // namespace ember::autograd
