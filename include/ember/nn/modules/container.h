#pragma once
/// Containers of modules: Sequential (chains forward) and ModuleList (holds a list).
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/any.h"

namespace ember::nn {

/// What a container's constructor accepts: a module holder or a shared_ptr to a module.
template <typename T>
concept ModulePointer = std::convertible_to<T, std::shared_ptr<Module>>;

namespace detail {

/// A list of submodules named "0", "1", ...: what Sequential and ModuleList share.
class ModuleSequence : public Module {
 public:
  /// Appends a module named after its position.
  void push_back(std::shared_ptr<Module> module);
  template <std::same_as<AnyModule> Any>  // a template, so modules never convert to it
  void push_back(const Any& module) {
    push_back(module.ptr());
  }
  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  /// The module at index (negative counts from the end); out of range is an IndexError.
  std::shared_ptr<Module> operator[](int64_t index) const;
  /// The module at index as its concrete type T; a different type is a TypeError.
  template <typename T>
  T& at(int64_t index) const {
    auto typed = std::dynamic_pointer_cast<T>((*this)[index]);
    if (!typed)
      throw Error(name() + ": the module at index " + std::to_string(index) +
                      " is not of the requested type",
                  ErrorKind::Type);
    return *typed;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  explicit ModuleSequence(std::string name) : Module(std::move(name)) {}
  /// Appends a module under the given name.
  void push_back_named(std::string name, std::shared_ptr<Module> module);

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace detail

/// Holds submodules in a list, named "0", "1", ...; it has no forward of its own.
class ModuleListImpl : public detail::ModuleSequence {
 public:
  ModuleListImpl() : ModuleSequence("ModuleList") {}
  /// The list of the given modules, in order.
  template <ModulePointer... Modules>
  requires(sizeof...(Modules) > 0) explicit ModuleListImpl(Modules&&... modules)
      : ModuleListImpl() {
    (push_back(std::shared_ptr<Module>(std::forward<Modules>(modules))), ...);
  }
  /// Appends every module of another list.
  void extend(const ModuleListImpl& other);
};

/// Holder of a ModuleListImpl: `ModuleList list(Linear(2, 2), Linear(2, 2))`.
EMBER_MODULE(ModuleList);

/// Runs its modules one after another, each on the previous one's output.
class SequentialImpl : public detail::ModuleSequence {
 public:
  SequentialImpl() : ModuleSequence("Sequential") {}
  /// A chain of the given modules, named "0", "1", ...
  template <ModulePointer... Modules>
  requires(sizeof...(Modules) > 0) explicit SequentialImpl(Modules&&... modules)
      : SequentialImpl() {
    (push_back(std::shared_ptr<Module>(std::forward<Modules>(modules))), ...);
  }

  using ModuleSequence::push_back;
  /// Appends a module under a chosen name (PyTorch's Sequential(OrderedDict(...))).
  void push_back(std::string name, std::shared_ptr<Module> module);
  /// Feeds input through every module in order; an empty Sequential returns input.
  Tensor forward(const Tensor& input) override;
};

/// Holder of a SequentialImpl: `Sequential seq(Linear(3, 4), Flatten())`.
EMBER_MODULE(Sequential);

}  // namespace ember::nn
