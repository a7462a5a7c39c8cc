#pragma once
/// A non-owning view of a contiguous run of values, as LibTorch's ArrayRef: functions take
/// `IntArrayRef` so callers can pass `{2, 3}`, a std::vector or another tensor's sizes().
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "ember/core/small_vector.h"

namespace ember {

/// Non-owning view of contiguous values. An ArrayRef built from an initializer list lives only
/// until the end of the full expression, as in LibTorch.
template <typename T>
class ArrayRef {
 public:
  constexpr ArrayRef() = default;
  constexpr ArrayRef(const T& one) : data_(&one), size_(1) {}
  constexpr ArrayRef(const T* data, size_t size) : data_(data), size_(size) {}
#if defined(__GNUC__) && !defined(__clang__)  // GCC only: the lifetime is documented above
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  constexpr ArrayRef(std::initializer_list<T> init) : data_(init.begin()), size_(init.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  template <typename A>
  ArrayRef(const std::vector<T, A>& v) : data_(v.data()), size_(v.size()) {}
  template <size_t N>
  ArrayRef(const SmallVector<T, N>& v) : data_(v.data()), size_(v.size()) {}

  constexpr const T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr const T* begin() const { return data_; }
  constexpr const T* end() const { return data_ + size_; }
  constexpr const T& operator[](size_t i) const { return data_[i]; }
  constexpr const T& front() const { return data_[0]; }
  constexpr const T& back() const { return data_[size_ - 1]; }
  /// A copy of the values as a std::vector.
  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }
  bool equals(ArrayRef o) const {
    if (size_ != o.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (!(data_[i] == o.data_[i])) return false;
    return true;
  }
  bool operator==(ArrayRef o) const { return equals(o); }
  bool operator!=(ArrayRef o) const { return !equals(o); }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

/// Sizes, strides and dim lists.
using IntArrayRef = ArrayRef<int64_t>;
/// Owned sizes or strides, inline up to 6 dims.
using DimVector = SmallVector<int64_t, 6>;

/// "[2, 3]": how shapes appear in error messages.
std::string shape_str(IntArrayRef shape);
/// Prints "[2, 3]".
std::ostream& operator<<(std::ostream& os, IntArrayRef shape);

}  // namespace ember
