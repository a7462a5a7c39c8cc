// Tensor's accessors; the op methods live with their ops in src/ops/ (item() and printing
// too: they copy a device tensor to the CPU, an op).
#include "ember/core/tensor.h"

#include "core/check.h"

namespace ember {

namespace {
int64_t wrap(int64_t dim, int64_t ndim, const char* what) {
  EMBER_CHECK_INDEX(dim >= -ndim && dim < ndim,
                    "{}: Dimension out of range (expected to be in range of [{}, {}], but got {})",
                    what, -ndim, ndim - 1, dim);
  return dim < 0 ? dim + ndim : dim;
}
}  // namespace

int64_t Tensor::size(int64_t dim) const { return sizes()[wrap(dim, this->dim(), "size")]; }
int64_t Tensor::stride(int64_t dim) const { return strides()[wrap(dim, this->dim(), "stride")]; }

template <typename T>
T* Tensor::data_ptr() const {
  EMBER_CHECK(defined(), "data_ptr: called on an undefined tensor");
  EMBER_CHECK(dtype() == scalar_type_of<T>, "expected scalar type {} but found {}",
              dtype_legacy_name(scalar_type_of<T>), dtype_legacy_name(dtype()));
  return static_cast<T*>(impl_->data());
}

#define EMBER_INSTANTIATE(T) template T* Tensor::data_ptr<T>() const;
EMBER_FORALL_SCALAR_TYPES(EMBER_INSTANTIATE)
#undef EMBER_INSTANTIATE

}  // namespace ember
