#pragma once
// What ops use to record history: deciding whether to record, linking a new node to the nodes
// of its inputs, attaching it to the outputs, and saving tensors for backward.
#include <initializer_list>
#include <string>

#include "autograd/autograd_meta.h"
#include "ember/autograd/grad_mode.h"

namespace ember::autograd {

/// True when grad mode is on and some defined tensor requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> tensors);

/// Where t's gradient goes: its grad_fn, a leaf's AccumulateGrad, or nowhere.
Edge gradient_edge(const Tensor& t);
edge_list collect_next_edges(std::initializer_list<const Tensor*> tensors);

/// Makes node the producer of out (out then requires grad and is not a leaf).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node);

/// A tensor saved in a node for backward. It remembers the version it saw, so an in-place change
/// made afterwards is reported at backward instead of giving a wrong gradient. A node's own output
/// is stored without its grad_fn (no reference cycle) and re-linked on unpack.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);

  /// The saved tensor; `owner` is the node it was saved in. Throws when released or modified.
  Tensor unpack(const std::shared_ptr<Node>& owner = nullptr) const;
  /// Frees the tensor (after backward without retain_graph).
  void reset();
  bool defined() const { return was_defined_; }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool was_defined_ = false;
  bool released_ = false;
  std::string producer_;  // name of the node that produced the tensor, for messages
};

/// The version-mismatch message, shared with custom functions.
std::string modified_message(const Tensor& t, const std::string& producer, uint32_t now,
                             uint32_t saved);

}  // namespace ember::autograd
