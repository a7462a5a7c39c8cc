#include "ember/core/tensor_impl.h"

#include "core/batched.h"
#include "ember/core/error.h"

namespace ember {

TensorImpl::TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides,
                       int64_t storage_offset)
    : storage_(std::move(storage)),
      sizes_(sizes.begin(), sizes.end()),
      strides_(strides.begin(), strides.end()),
      storage_offset_(storage_offset),
      dtype_(dtype),
      vmap_run_(detail::current_vmap_run()) {
  refresh();
}

void TensorImpl::set_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset) {
  sizes_.assign(sizes.begin(), sizes.end());
  strides_.assign(strides.begin(), strides.end());
  storage_offset_ = storage_offset;
  refresh();
}

void TensorImpl::set_data_from(const TensorImpl& other) {
  storage_ = other.storage_;
  dtype_ = other.dtype_;
  // Sharing memory with other does not make this tensor a view: its history stays its own.
  view_base_.reset();
  batch_dims_ = other.batch_dims_;
  vmap_run_ = other.vmap_run_;
  set_geometry(other.sizes_, other.strides_, other.storage_offset_);
}

void TensorImpl::throw_batched_data_access() {
  throw NoBatchingRule(
      "vmap: an op without a batching rule read the memory of a batched tensor (vmap then runs "
      "the function once per entry); a tensor made inside vmap cannot be used outside it");
}

void TensorImpl::set_view_base(TensorImpl* base, bool made_without_grad) {
  view_base_ = IntrusivePtr<TensorImpl>(base->view_base_ ? base->view_base_.get() : base);
  set_view_version(storage_->version());
  view_made_without_grad_ = made_without_grad || base->view_made_without_grad_;
}

void TensorImpl::refresh() {
  numel_ = 1;
  for (int64_t s : sizes_) numel_ *= s;
  // Size-1 dims may have any stride; an empty tensor is trivially contiguous.
  is_contiguous_ = true;
  if (numel_ == 0) return;
  int64_t expected = 1;
  for (size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      is_contiguous_ = false;
      return;
    }
    expected *= sizes_[i];
  }
}

DimVector contiguous_strides(IntArrayRef sizes) {
  DimVector strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

}  // namespace ember
