#pragma once
/// A vector of trivially copyable values that keeps up to N of them inline, so shapes and strides
/// of ordinary tensors never touch the heap.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>

namespace ember {

/// Inline-first vector for trivially copyable T (shapes, strides, small index lists).
template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable values");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  explicit SmallVector(size_t n, T value = T()) { resize(n, value); }
  SmallVector(std::initializer_list<T> init) { assign(init.begin(), init.end()); }
  template <typename It, std::enable_if_t<!std::is_integral_v<It>, int> = 0>
  SmallVector(It first, It last) {
    assign(first, last);
  }
  SmallVector(const SmallVector& o) { assign(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept { steal(o); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void push_back(T v) {
    if (size_ == cap_) grow(cap_ * 2);
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void resize(size_t n, T value = T()) {
    if (n > cap_) grow(n);
    for (size_t i = size_; i < n; ++i) data_[i] = value;
    size_ = n;
  }
  T* insert(T* pos, T v) {
    size_t at = static_cast<size_t>(pos - data_);
    push_back(v);
    std::rotate(data_ + at, data_ + size_ - 1, data_ + size_);
    return data_ + at;
  }
  /// Inserts count copies of v, or the range [first, last), before pos.
  T* insert(T* pos, size_t count, T v) {
    const size_t at = static_cast<size_t>(pos - data_), old = size_;
    resize(size_ + count, v);
    std::rotate(data_ + at, data_ + old, data_ + size_);
    return data_ + at;
  }
  template <typename It>
  requires(!std::is_integral_v<It>) T* insert(T* pos, It first, It last) {
    const size_t at = static_cast<size_t>(pos - data_), old = size_;
    for (; first != last; ++first) push_back(*first);
    std::rotate(data_ + at, data_ + old, data_ + size_);
    return data_ + at;
  }
  T* erase(T* pos) {
    std::memmove(pos, pos + 1, static_cast<size_t>(end() - pos - 1) * sizeof(T));
    --size_;
    return pos;
  }
  template <typename It>
  void assign(It first, It last) {
    size_t n = static_cast<size_t>(std::distance(first, last));
    if (n > cap_) grow(n);
    std::copy(first, last, data_);
    size_ = n;
  }
  bool operator==(const SmallVector& o) const {
    return size_ == o.size_ && std::equal(begin(), end(), o.begin());
  }
  bool operator!=(const SmallVector& o) const { return !(*this == o); }

 private:
  bool is_inline() const { return data_ == inline_; }
  void grow(size_t want) {
    size_t cap = std::max(want, cap_ * 2);
    T* fresh = static_cast<T*>(std::malloc(cap * sizeof(T)));
    if (!fresh) throw std::bad_alloc();
    std::memcpy(fresh, data_, size_ * sizeof(T));
    release();
    data_ = fresh;
    cap_ = cap;
  }
  void release() {
    if (!is_inline()) std::free(data_);
    data_ = inline_;
    cap_ = N;
  }
  void steal(SmallVector& o) {
    if (o.is_inline()) {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
      data_ = inline_;
      cap_ = N;
    } else {
      data_ = o.data_;
      cap_ = o.cap_;
      o.data_ = o.inline_;
      o.cap_ = N;
    }
    size_ = o.size_;
    o.size_ = 0;
  }

  T inline_[N];
  T* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
};

}  // namespace ember
