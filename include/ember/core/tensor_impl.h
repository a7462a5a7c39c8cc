#pragma once
/// The object behind a Tensor handle: storage, geometry (sizes, strides, offset) and dtype.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/dtype.h"
#include "ember/core/storage.h"

namespace ember {

/// Per-tensor autograd state, defined by the autograd layer; core only owns it.
class AutogradMetaInterface {
 public:
  virtual ~AutogradMetaInterface() = default;
  virtual bool requires_grad() const = 0;
  /// The name of the node that produced the tensor, or empty for leaves.
  virtual std::string grad_fn_name() const = 0;
};

/// A dim that vmap hides from the ops on a tensor (Note [Batched tensors] in
/// src/core/batched.cpp): the level of the vmap that owns it, its size, and the distance in
/// elements between its entries.
struct BatchDim {
  int64_t level;
  int64_t size;
  int64_t stride;
};
/// A batched tensor's hidden dims, outermost level first.
using BatchDims = std::vector<BatchDim>;

/// A strided view of a Storage.
class TensorImpl : public RefCounted {
 public:
  /// A view of storage with the given geometry. Checks nothing: callers validate.
  TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides,
             int64_t storage_offset);

  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t storage_offset() const { return storage_offset_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  const Storage& storage() const { return storage_; }
  /// Address of the first element (storage start plus the offset).
  void* data() const {
    if (batch_dims_) [[unlikely]]
      throw_batched_data_access();
    return static_cast<char*>(storage_->data()) +
           storage_offset_ * static_cast<int64_t>(element_size(dtype_));
  }
  /// True when the elements are laid out densely in row-major order.
  bool is_contiguous() const { return is_contiguous_; }

  /// Replaces the geometry (used by in-place view changes such as squeeze_).
  void set_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset);

  /// Takes other's storage, dtype and geometry, keeping this tensor's autograd state.
  void set_data_from(const TensorImpl& other);

  /// The autograd state, or null for a tensor autograd has never seen.
  AutogradMetaInterface* autograd_meta() const { return autograd_meta_.get(); }
  void set_autograd_meta(std::unique_ptr<AutogradMetaInterface> meta) {
    autograd_meta_ = std::move(meta);
  }

  /// For a view: the tensor that owns the memory it views (never itself a view); else null.
  /// Autograd uses it to route an in-place change of a view into its base's history.
  TensorImpl* view_base() const { return view_base_.get(); }
  /// The storage version at which autograd last brought this view's history up to date.
  /// Atomic: threads reading one view check it concurrently (Note [View histories]); the
  /// release store publishes the regenerated history to readers that see the new version.
  uint32_t view_version() const { return view_version_.load(std::memory_order_acquire); }
  void set_view_version(uint32_t version) {
    view_version_.store(version, std::memory_order_release);
  }
  /// True for a view made while gradients were off (autograd refuses to track in-place changes
  /// through it, as PyTorch does).
  bool view_made_without_grad() const { return view_made_without_grad_; }
  /// Marks this tensor as a view of base (or of base's own base).
  void set_view_base(TensorImpl* base, bool made_without_grad);
  /// Makes this tensor a root again: its later views are views of it.
  void clear_view_base() { view_base_.reset(); }

  /// Inside vmap, the dims it hides (null for every other tensor). The geometry above describes
  /// the first entry; entry i of a hidden dim lies i * stride elements further on. data() refuses
  /// a batched tensor, so a kernel without a batching rule cannot read one entry as if it were
  /// the whole.
  const std::shared_ptr<const BatchDims>& batch_dims() const { return batch_dims_; }
  bool is_batched() const { return batch_dims_ != nullptr; }
  void set_batch_dims(std::shared_ptr<const BatchDims> dims) { batch_dims_ = std::move(dims); }
  /// The batched run of vmap this tensor's memory was made in (0: outside any), so an op's own
  /// temporaries can be told from tensors the mapped function captured. Views keep their base's.
  uint64_t vmap_run() const { return vmap_run_; }
  void set_vmap_run(uint64_t run) { vmap_run_ = run; }

 private:
  void refresh();
  [[noreturn]] static void throw_batched_data_access();

  Storage storage_;
  DimVector sizes_;
  DimVector strides_;
  int64_t storage_offset_;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
  std::unique_ptr<AutogradMetaInterface> autograd_meta_;
  IntrusivePtr<TensorImpl> view_base_;
  std::atomic<uint32_t> view_version_{0};
  bool view_made_without_grad_ = false;
  std::shared_ptr<const BatchDims> batch_dims_;
  uint64_t vmap_run_;
};

/// Row-major strides for sizes.
DimVector contiguous_strides(IntArrayRef sizes);

}  // namespace ember
