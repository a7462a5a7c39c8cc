#pragma once
/// EMBER_ARG(T, name), LibTorch's TORCH_ARG: declares an options field `name_` of type T with a
/// getter `name()` and a chained setter `name(value)`. It leaves the class in `private:`; follow
/// it with `= default_value;`.
#include <utility>

#define EMBER_ARG(T, name)                                 \
 public:                                                   \
  auto name(const T& new_##name)->decltype(*this) {        \
    this->name##_ = new_##name;                            \
    return *this;                                          \
  }                                                        \
  auto name(T&& new_##name)->decltype(*this) {             \
    this->name##_ = std::move(new_##name);                 \
    return *this;                                          \
  }                                                        \
  const T& name() const noexcept { return this->name##_; } \
  T& name() noexcept { return this->name##_; }             \
                                                           \
 private:                                                  \
  T name##_
