#pragma once
// In-place ops under autograd. An op that writes into t computes its result out of place from
// t's old value (which keeps t's old history), writes it into t, and rebases t's history onto
// the new node. When t is a view, the history of its base is rebased instead (CopySlices), and
// every view of that base regenerates its own grad_fn from the base when next asked (see
// Note [View histories] in in_place.cpp).
#include "ember/core/tensor.h"
#include "ops/op_utils.h"

namespace ember::detail {

/// Checks that t can be written in place by `op` and says whether autograd must record the
/// write (grad mode is on and t or one of `sources` requires grad). Throws, with PyTorch's
/// messages, for a leaf that requires grad, a view of one, and a view made in no-grad mode.
bool in_place_needs_history(const Tensor& t, const char* op,
                            std::initializer_list<const Tensor*> sources = {});

/// t's current value as a tensor of its own that carries t's current history: a copy when the
/// op saves its input for backward (the write would destroy it), else an alias of t's memory.
Tensor history_input(const Tensor& t, bool copy);

/// Writes result (computed from history_input(t)) into t and makes result's history t's.
Tensor& commit_in_place(Tensor& t, const Tensor& result);

/// self = f(self) for an op composed of out-of-place ones: the result, which self's dtype must
/// hold, is written back into self. Under autograd f runs on a copy of self's old value (its
/// backward may save it, as torch's in-place ops save self.clone()) and self takes the result's
/// history.
template <typename F>
Tensor& write_back(Tensor& self, const char* op, std::initializer_list<const Tensor*> sources,
                   F f) {
  const bool history = in_place_needs_history(self, op, sources);
  const Tensor result = f(history ? history_input(self, /*copy=*/true) : self);
  check_can_cast(result.dtype(), self.dtype(), op);
  if (!history) return self.copy_(result);
  return commit_in_place(self, result.to(self.dtype()));
}

/// Rebuilds a view's grad_fn from its base's current history (after a write through the view).
void regenerate_view_history(const Tensor& view);
/// regenerate_view_history unless another thread already brought the view up to date: what
/// graph/ calls when a view is read (installed by make_view).
void rebuild_view_history(const Tensor& view);

/// Where a tensor's elements sit in its storage.
struct Geometry {
  DimVector sizes, strides;
  int64_t offset = 0;
  static Geometry of(const Tensor& t);
};

/// The gradient of a tensor with geometry `base`, given the gradient of a view of the same
/// storage with geometry `view`: each element's gradient lands where it sits in memory, and
/// elements sharing memory add up. Built from differentiable ops, so it works under create_graph.
Tensor view_grad_to_base(const Tensor& grad_view, const Geometry& view, const Geometry& base);
/// For each element of geometry g, how many elements of g share its memory (an expanded
/// tensor's elements share theirs); undefined when none do.
Tensor shared_memory_counts(const Geometry& g, const TensorOptions& options);

}  // namespace ember::detail
