#pragma once
/// A single number passed to an op: a C++ bool, integer or floating-point value.
#include <cstdint>
#include <type_traits>

#include "ember/core/dtype.h"

namespace ember {

/// A C++ number with its category; it takes part in type promotion as PyTorch's wrapped numbers do
/// (a float scalar makes an integer tensor float, but never widens a float32 tensor).
class Scalar {
 public:
  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool v) : kind_(kBool) { v_.i = v; }
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind_(kInt64) {
    v_.i = static_cast<int64_t>(v);
  }
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind_(kFloat64) {
    v_.d = static_cast<double>(v);
  }

  /// kBool, kInt64 or kFloat64: the category of the value.
  ScalarType type() const { return kind_; }
  bool is_floating_point() const { return kind_ == kFloat64; }
  bool is_integral() const { return kind_ == kInt64; }
  bool is_boolean() const { return kind_ == kBool; }

  /// The value converted to T.
  template <typename T>
  T to() const {
    return kind_ == kFloat64 ? static_cast<T>(v_.d) : static_cast<T>(v_.i);
  }
  double to_double() const { return to<double>(); }
  int64_t to_long() const { return to<int64_t>(); }

 private:
  union {
    double d;
    int64_t i;
  } v_;
  ScalarType kind_;
};

}  // namespace ember
