#pragma once
/// ExpandingArray<D>, LibTorch's window parameter: one value for every one of D dims (`3`) or one
/// per dim (`{3, 5}`); and ExpandingArrayWithOptional<D>, whose entries may be left empty (an
/// adaptive pool's output size that keeps a dim as it is).
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "ember/core/array_ref.h"
#include "ember/nn/enum.h"

namespace ember {

namespace detail {
/// Throws the ValueError for a window parameter given with neither 1 nor D values.
[[noreturn]] void throw_window_count(size_t dims, size_t got);
/// "(3, 5)", "(3,)" for one dim, or "3" when as_given and the value was given once.
std::string window_repr(const int64_t* values, size_t dims, bool single, bool as_given);
}  // namespace detail

template <size_t D>
class ExpandingArray {
 public:
  ExpandingArray(int64_t v) : single_(true) { values_.fill(v); }
  /// One value for every dim, or exactly D; any other count is a ValueError.
  ExpandingArray(std::initializer_list<int64_t> values) : ExpandingArray(IntArrayRef(values)) {}
  ExpandingArray(IntArrayRef values) : single_(values.size() == 1) {
    if (values.size() != 1 && values.size() != D) detail::throw_window_count(D, values.size());
    for (size_t i = 0; i < D; ++i) values_[i] = values[values.size() == 1 ? 0 : i];
  }
  /// The D values.
  IntArrayRef values() const { return IntArrayRef(values_.data(), D); }
  operator IntArrayRef() const { return values(); }
  int64_t operator[](size_t i) const { return values_[i]; }
  /// True when given as a single value (PyTorch prints pooling parameters as given).
  bool is_single() const { return single_; }
  /// "(3, 5)" ("(3,)" for one dim), or "3" when given as a single value and as_given is true.
  std::string repr(bool as_given = false) const {
    return detail::window_repr(values_.data(), D, single_, as_given);
  }
  bool operator==(const ExpandingArray& o) const { return values_ == o.values_; }

 private:
  std::array<int64_t, D> values_;
  bool single_;
};

/// A convolution's padding, LibTorch's padding_t: sizes as an ExpandingArray (`1`, `{1, 2}`),
/// kValid (none) or kSame (the output as long as the input; stride 1 only).
template <size_t D>
class ConvPadding {
 public:
  ConvPadding(int64_t v) : sizes_(v) {}
  ConvPadding(std::initializer_list<int64_t> values) : sizes_(values) {}
  ConvPadding(ExpandingArray<D> sizes) : sizes_(sizes) {}
  ConvPadding(enumtype::kValid) : sizes_(0), mode_(Mode::kValid) {}
  ConvPadding(enumtype::kSame) : sizes_(0), mode_(Mode::kSame) {}
  bool is_same() const { return mode_ == Mode::kSame; }
  bool is_valid() const { return mode_ == Mode::kValid; }
  /// The explicit sizes (0 for kValid and kSame).
  const ExpandingArray<D>& sizes() const { return sizes_; }
  /// "(1, 2)", or "same" / "valid" as PyTorch prints a string padding.
  std::string repr() const { return is_same() ? "same" : is_valid() ? "valid" : sizes_.repr(); }
  bool operator==(const ConvPadding& o) const { return mode_ == o.mode_ && sizes_ == o.sizes_; }

 private:
  enum class Mode { kSizes, kValid, kSame };
  ExpandingArray<D> sizes_;
  Mode mode_ = Mode::kSizes;
};

/// An output size whose empty entries keep the input's size: `{3, std::nullopt}`.
template <size_t D>
class ExpandingArrayWithOptional {
 public:
  ExpandingArrayWithOptional(int64_t v) : single_(true) { values_.fill(v); }
  ExpandingArrayWithOptional(std::nullopt_t) : single_(true) { values_.fill(std::nullopt); }
  ExpandingArrayWithOptional(std::initializer_list<std::optional<int64_t>> values)
      : single_(values.size() == 1) {
    if (values.size() != 1 && values.size() != D) detail::throw_window_count(D, values.size());
    for (size_t i = 0; i < D; ++i) values_[i] = values.begin()[values.size() == 1 ? 0 : i];
  }
  const std::optional<int64_t>& operator[](size_t i) const { return values_[i]; }
  /// "3", "(3, 5)" or "(3, None)", as PyTorch prints an adaptive pool's output_size.
  std::string repr() const;

 private:
  std::array<std::optional<int64_t>, D> values_;
  bool single_ = false;
};

template <size_t D>
std::string ExpandingArrayWithOptional<D>::repr() const {
  auto one = [](const std::optional<int64_t>& v) {
    return v ? std::to_string(*v) : std::string("None");
  };
  if (single_) return one(values_[0]);
  std::string s = "(";
  for (size_t i = 0; i < D; ++i) s += (i ? ", " : "") + one(values_[i]);
  return s + (D == 1 ? ",)" : ")");
}

namespace nn {
using ember::ExpandingArray;
using ember::ExpandingArrayWithOptional;
/// The 2-D window parameter of Conv2d and the 2-D pools.
using ExpandingArray2 = ExpandingArray<2>;
}  // namespace nn

}  // namespace ember
