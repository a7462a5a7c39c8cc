#pragma once
/// Tensors kept by graph nodes for their backward formulas.
#include <cstdint>
#include <memory>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;

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
  Tensor data_;
  std::shared_ptr<Node> grad_fn_;  // history of a saved non-leaf input
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool was_defined_ = false;
  bool released_ = false;
};

}  // namespace ember::autograd
