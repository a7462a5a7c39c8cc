// Tensor's accessors; the op methods live with their ops in src/ops/.
#include "ember/core/tensor.h"

#include <sstream>

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

Scalar Tensor::item() const {
  EMBER_CHECK(numel() == 1, "a Tensor with {} elements cannot be converted to Scalar", numel());
  Tensor t = is_cpu() ? *this : cpu();
  switch (dtype()) {
    case kBool:
      return Scalar(*static_cast<bool*>(t.data_ptr()));
    case kInt32:
      return Scalar(*static_cast<int32_t*>(t.data_ptr()));
    case kInt64:
      return Scalar(*static_cast<int64_t*>(t.data_ptr()));
    case kFloat32:
      return Scalar(*static_cast<float*>(t.data_ptr()));
    case kFloat64:
      return Scalar(*static_cast<double*>(t.data_ptr()));
  }
  return Scalar();
}

template <typename T>
T Tensor::item() const {
  return item().to<T>();
}

std::string Tensor::toString() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

#define EMBER_INSTANTIATE(T)               \
  template T* Tensor::data_ptr<T>() const; \
  template T Tensor::item<T>() const;
EMBER_INSTANTIATE(bool)
EMBER_INSTANTIATE(int32_t)
EMBER_INSTANTIATE(int64_t)
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
#undef EMBER_INSTANTIATE

}  // namespace ember
