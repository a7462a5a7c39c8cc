#pragma once
/// ModuleHolder and EMBER_MODULE: value-like handles to shared modules, as LibTorch's
/// TORCH_MODULE (`nn::Linear lin(3, 4); lin(x); lin->weight`).
#include <concepts>
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>

#include "ember/core/error.h"
#include "ember/nn/module.h"

namespace ember::nn {

/// Owns a shared Contained module (an `XImpl` class) and forwards to it. Copies share the module.
template <typename Contained>
class ModuleHolder {
 public:
  using ContainedType = Contained;

  /// Builds the module with no arguments.
  ModuleHolder() requires std::default_initializable<Contained>
      : impl_(std::make_shared<Contained>()) {}
  /// An empty holder, to be assigned later.
  ModuleHolder(std::nullptr_t) {}
  /// Builds the module from the constructor arguments of Contained.
  template <typename Head, typename... Tail>
  requires(
      !std::is_same_v<std::decay_t<Head>, ModuleHolder> &&
      std::is_constructible_v<Contained, Head&&, Tail&&...>) explicit ModuleHolder(Head&& head,
                                                                                   Tail&&... tail)
      : impl_(std::make_shared<Contained>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  /// Shares an existing module.
  ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}

  /// True unless the holder is empty.
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  bool is_empty() const noexcept { return impl_ == nullptr; }

  Contained* operator->() const { return get(); }
  Contained& operator*() const { return *get(); }
  /// The module; throws when the holder is empty.
  Contained* get() const {
    if (!impl_)
      throw Error("ModuleHolder: accessing an empty ModuleHolder (it was constructed from nullptr)",
                  ErrorKind::Runtime);
    return impl_.get();
  }
  /// The shared pointer to the module.
  const std::shared_ptr<Contained>& ptr() const { return impl_; }
  /// Shares the module as a pointer to one of its bases (e.g. std::shared_ptr<Module>).
  template <typename M>
  requires std::convertible_to<std::shared_ptr<Contained>, std::shared_ptr<M>>
  operator std::shared_ptr<M>() const { return impl_; }

  /// Calls the module's forward.
  template <typename... Args>
  decltype(auto) operator()(Args&&... args) {
    return get()->forward(std::forward<Args>(args)...);
  }
  /// Indexes the module (Sequential, ModuleList).
  template <typename Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

 private:
  std::shared_ptr<Contained> impl_;
};

/// Prints the held module as PyTorch's repr does.
template <typename Contained>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Contained>& holder) {
  return os << static_cast<const Module&>(*holder);
}

}  // namespace ember::nn

/// Defines `Name`, a ModuleHolder of `NameImpl` (LibTorch's TORCH_MODULE).
#define EMBER_MODULE(Name)                                     \
  class Name : public ::ember::nn::ModuleHolder<Name##Impl> {  \
   public:                                                     \
    using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
    using Impl = Name##Impl;                                   \
  }
