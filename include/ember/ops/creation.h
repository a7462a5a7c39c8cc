#pragma once
/// Factory functions: tensors made from sizes, ranges, random numbers or C++ data.
#include <functional>
#include <initializer_list>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

/// Uninitialised memory of the given size.
Tensor empty(IntArrayRef size, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
/// Every element set to value; the dtype follows value's category when options give none.
Tensor full(IntArrayRef size, const Scalar& value, const TensorOptions& options = {});
/// A 0-dim tensor holding value, of the default dtype unless options give one (whatever the
/// number's type, as LibTorch's).
Tensor scalar_tensor(const Scalar& value, const TensorOptions& options = {});
/// 0, 1, ..., end-1 (int64 for integer arguments, float32 otherwise).
Tensor arange(const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
              const TensorOptions& options = {});
/// steps values evenly spaced from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options = {});
/// An n x m identity matrix (m defaults to n).
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
/// Uniform values in [0, 1), from the global stream or the given generator's.
Tensor rand(IntArrayRef size, const TensorOptions& options = {});
Tensor rand(IntArrayRef size, std::optional<Generator> generator,
            const TensorOptions& options = {});
/// Standard normal values.
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, std::optional<Generator> generator,
             const TensorOptions& options = {});
/// Integers uniform in [low, high) (int64 unless options say otherwise).
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options = {});
/// A random permutation of 0..n-1.
Tensor randperm(int64_t n, const TensorOptions& options = {});
Tensor randperm(int64_t n, std::optional<Generator> generator, const TensorOptions& options = {});

Tensor empty_like(const Tensor& t, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {});
Tensor ones_like(const Tensor& t, const TensorOptions& options = {});
Tensor full_like(const Tensor& t, const Scalar& value, const TensorOptions& options = {});
Tensor rand_like(const Tensor& t, const TensorOptions& options = {});
Tensor randn_like(const Tensor& t, const TensorOptions& options = {});

/// Seeds the global generator; the same seed gives the same numbers on every run.
void manual_seed(uint64_t seed);
/// The global generator's state, as an opaque int64 tensor for set_rng_state.
Tensor get_rng_state();
/// Restores a state from get_rng_state: the numbers drawn since are drawn again.
void set_rng_state(const Tensor& state);

/// Nested C++ data for tensor(): a number, or a braced list of nested data of equal shapes.
class TensorData {
 public:
  TensorData(bool v) : scalar_(v), is_scalar_(true) {}
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorData(T v) : scalar_(v), is_scalar_(true) {}
  TensorData(std::initializer_list<TensorData> list) : children_(list) {}
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorData(const std::vector<T>& values) : children_(values.begin(), values.end()) {}

  bool is_scalar() const { return is_scalar_; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<TensorData>& children() const { return children_; }

 private:
  Scalar scalar_;
  bool is_scalar_ = false;
  std::vector<TensorData> children_;
};

/// A tensor holding a copy of the data: `tensor({{1., 2.}, {3., 4.}})`. Floating-point data
/// gives float32, integers int64 and bools bool, unless options set a dtype.
Tensor tensor(const TensorData& data, const TensorOptions& options = {});

/// A tensor over caller-owned memory, without a copy; deleter (if any) runs when the last
/// tensor using the memory goes away. Strides default to row-major.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 std::function<void(void*)> deleter, const TensorOptions& options = {});

}  // namespace ember
