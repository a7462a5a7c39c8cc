#pragma once
// Helpers shared by the op files: dim wrapping, output allocation, type promotion and the checks
// every in-place op makes.
#include "core/check.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "kernels/kernel_table.h"

namespace ember::detail {

/// A dim in [-ndim, ndim) mapped to [0, ndim); 0-dim tensors accept -1 and 0.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

/// A 0-dim tensor holding value converted to dtype, on device.
Tensor scalar_tensor(const Scalar& value, ScalarType dtype, Device device = Device(kCPU));

/// A fresh contiguous tensor.
inline Tensor empty_like_shape(IntArrayRef shape, ScalarType dtype, Device device) {
  return empty(shape, TensorOptions(dtype).device(device));
}

/// A fresh contiguous tensor of shape `shape` for the op's result, batched when some input is
/// (Note [Batched tensors] in src/core/batched.cpp): the inputs' hidden dims lead in memory.
Tensor empty_for(IntArrayRef shape, const TensorOptions& options, ArrayRef<const Tensor*> inputs);

/// A copy of t batched like t and the others (t broadcast over the hidden dims they add), for an
/// op that writes them into a copy of t in place.
Tensor batched_clone(const Tensor& t, ArrayRef<const Tensor*> others);

/// out itself when it has every hidden dim of others, else a copy of it batched to hold their
/// entries: for an op about to add a batched operand into its own unbatched result in place.
Tensor batched_to_hold(const Tensor& out, ArrayRef<const Tensor*> others);

/// The kernels for t's device.
inline const KernelTable& kernels_for(const Tensor& t) { return kernels(t.device().type()); }

/// Throws when a and b live on different devices.
void check_same_device(const Tensor& a, const Tensor& b, const char* op);

/// Throws unless every element of t has its own memory, so t can be written in place.
void check_no_overlap(const Tensor& t, const char* op);
/// Throws when an input of an in-place op shares some, but not all, of its memory with the
/// written-to tensor (x.add_(x.t())): the result would depend on the kernel's order. As in torch,
/// the input may be the written-to tensor itself, and layouts that are not dense pass unjudged.
void check_no_partial_overlap(const Tensor& out, const Tensor& in, const char* op);

/// Records `values` as taken from t at `indices` along dim (sort, topk, cummax): the gradient is
/// scattered back to those positions and the tangent gathered from them.
void record_taken(const char* name, const Tensor& t, const Tensor& values, const Tensor& indices,
                  int64_t dim);

/// Throws when an in-place op inside a grad transform (grad, vjp, jvp, jacfwd) would write into
/// a tensor the function captured from outside it, as functorch refuses: the write would escape
/// the transform. The error names op followed by suffix ("add" "_").
void check_not_captured(const Tensor& self, const char* op, const char* suffix = "");

/// Throws when an in-place op would write a batched input (under vmap) into a tensor that is not
/// batched: one tensor cannot hold every entry's result.
void check_batched_in_place(const Tensor& self, std::initializer_list<const Tensor*> inputs,
                            const char* op);

/// Throws when an op's result of dtype `result` cannot be stored in `out` (e.g. float into int).
void check_can_cast(ScalarType result, ScalarType out, const char* op);

/// Throws unless out can receive an op's result of this shape and dtype on device.
void check_out(const Tensor& out, IntArrayRef shape, ScalarType result, Device device,
               const char* op, std::initializer_list<const Tensor*> inputs);

/// A new view of t's storage with the given geometry; it remembers t (or t's base) as its base.
Tensor make_view(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset);
/// t's storage under a new geometry, as a tensor of its own (not a view: for fresh results).
Tensor restride(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset);

/// PyTorch's promotion over operands ranked: dimensioned tensors, 0-dim tensors, then wrapped
/// numbers. A lower rank changes the result only when its category (bool < int < float) is higher.
class ResultType {
 public:
  ResultType& add(const Tensor& t);
  ResultType& add(const Scalar& s);
  ScalarType get() const;

 private:
  std::optional<ScalarType> dim_, zero_dim_, wrapped_;
};

}  // namespace ember::detail
