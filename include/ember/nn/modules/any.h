#pragma once
/// AnyModule and AnyValue (LibTorch's): a module of any type behind one handle, whose forward is
/// called with its own argument types, checked when called.
#include <any>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

namespace detail {
[[noreturn]] void throw_any_value_type(const std::type_info& wanted, const std::type_info& held);
[[noreturn]] void throw_any_argument_type(const std::string& module, size_t index,
                                          const std::type_info& wanted,
                                          const std::type_info& given);
[[noreturn]] void throw_any_argument_count(const std::string& module, size_t required,
                                           size_t accepted, size_t given);
[[noreturn]] void throw_empty_any_module(const char* call);
}  // namespace detail

/// A value of any type: what AnyModule::any_forward returns and its arguments travel as.
class AnyValue {
 public:
  template <typename T>
  requires(!std::same_as<std::decay_t<T>, AnyValue>) explicit AnyValue(T&& value)
      : value_(std::forward<T>(value)) {}

  /// The value if it is a T, else nullptr.
  template <typename T>
  T* try_get() noexcept {
    return std::any_cast<T>(&value_);
  }
  /// The value as a T; another type is a TypeError naming both.
  template <typename T>
  T get() const {
    if (const T* v = std::any_cast<T>(&value_)) return *v;
    detail::throw_any_value_type(typeid(T), value_.type());
  }
  const std::type_info& type_info() const noexcept { return value_.type(); }

 private:
  std::any value_;
};

namespace detail {

template <typename Method>
struct ForwardSignature;
template <typename C, typename R, typename... Args>
struct ForwardSignature<R (C::*)(Args...)> {
  using Return = R;
  using Params = std::tuple<std::decay_t<Args>...>;
};
template <typename C, typename R, typename... Args>
struct ForwardSignature<R (C::*)(Args...) const> : ForwardSignature<R (C::*)(Args...)> {};

// A parameter a call may leave out: an undefined Tensor or an empty optional, LibTorch's
// conventions for "absent" (RNN's hx).
template <typename T>
constexpr bool kMayBeLeftOut = std::is_same_v<T, Tensor>;
template <typename T>
constexpr bool kMayBeLeftOut<std::optional<T>> = true;

template <typename Params, size_t... I>
constexpr size_t required_count(std::index_sequence<I...>) {
  size_t required = 0;
  ((required = kMayBeLeftOut<std::tuple_element_t<I, Params>> ? required : I + 1), ...);
  return required;
}

}  // namespace detail

/// Any module with a forward method, held by a shared pointer: `AnyModule any(Linear(3, 4));
/// Tensor y = any.forward(x);`. forward's arguments are checked against the module's own
/// forward when called (a mismatch is a TypeError naming the argument); trailing Tensor and
/// optional parameters may be left out.
class AnyModule {
 public:
  /// An empty AnyModule, to be assigned later.
  AnyModule() = default;
  template <typename M>
  requires std::derived_from<M, Module> AnyModule(std::shared_ptr<M> module)
      : content_(std::make_shared<Holder<M>>(std::move(module))) {}
  template <typename M>
  AnyModule(const ModuleHolder<M>& holder) : AnyModule(holder.ptr()) {}

  /// Calls the module's forward and returns its result as an AnyValue.
  template <typename... Args>
  AnyValue any_forward(Args&&... args) const {
    std::vector<AnyValue> values;
    values.reserve(sizeof...(Args));
    (values.emplace_back(std::decay_t<Args>(std::forward<Args>(args))), ...);
    return content("forward")->forward(std::move(values));
  }
  /// Calls the module's forward and returns its result as a Return (Tensor by default).
  template <typename Return = Tensor, typename... Args>
  Return forward(Args&&... args) const {
    return any_forward(std::forward<Args>(args)...).template get<Return>();
  }

  /// The module as a Module, or as its own type T (a TypeError when it is not a T).
  std::shared_ptr<Module> ptr() const { return content("ptr")->module(); }
  template <typename T>
  std::shared_ptr<T> ptr() const {
    auto typed = std::dynamic_pointer_cast<T>(ptr());
    if (!typed) detail::throw_any_value_type(typeid(T), type_info());
    return typed;
  }
  template <typename T>
  T& get() const {
    return *ptr<T>();
  }
  /// The held module's type.
  const std::type_info& type_info() const { return content("type_info")->type(); }
  bool is_empty() const noexcept { return content_ == nullptr; }

 private:
  struct Content {
    virtual ~Content() = default;
    virtual AnyValue forward(std::vector<AnyValue>&& args) = 0;
    virtual std::shared_ptr<Module> module() const = 0;
    virtual const std::type_info& type() const = 0;
  };

  template <typename M>
  struct Holder final : Content {
    using Signature = detail::ForwardSignature<decltype(&M::forward)>;
    using Params = typename Signature::Params;
    static constexpr size_t kParams = std::tuple_size_v<Params>;

    explicit Holder(std::shared_ptr<M> m) : module_(std::move(m)) {}
    AnyValue forward(std::vector<AnyValue>&& args) override {
      constexpr size_t required =
          detail::required_count<Params>(std::make_index_sequence<kParams>());
      if (args.size() < required || args.size() > kParams)
        detail::throw_any_argument_count(module_->name(), required, kParams, args.size());
      return call(args, std::make_index_sequence<kParams>());
    }
    std::shared_ptr<Module> module() const override { return module_; }
    const std::type_info& type() const override { return typeid(M); }

   private:
    template <size_t I>
    std::tuple_element_t<I, Params> argument(std::vector<AnyValue>& args) const {
      using T = std::tuple_element_t<I, Params>;
      if (I >= args.size()) return T{};
      if (T* v = args[I].template try_get<T>()) return std::move(*v);
      detail::throw_any_argument_type(module_->name(), I, typeid(T), args[I].type_info());
    }
    template <size_t... I>
    AnyValue call(std::vector<AnyValue>& args, std::index_sequence<I...>) {
      return AnyValue(module_->forward(argument<I>(args)...));
    }

    std::shared_ptr<M> module_;
  };

  const std::shared_ptr<Content>& content(const char* call) const {
    if (!content_) detail::throw_empty_any_module(call);
    return content_;
  }

  std::shared_ptr<Content> content_;
};

}  // namespace ember::nn
