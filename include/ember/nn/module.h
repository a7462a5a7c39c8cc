#pragma once
/// nn::Module: the base of every layer, holding named parameters, buffers and submodules
/// (torch::nn::Module's C++ API with PyTorch's Python semantics).
#include <concepts>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_dict.h"

namespace ember::nn {

template <typename Contained>
class ModuleHolder;

/// What a non-strict load_state_dict skipped (PyTorch's _IncompatibleKeys).
struct LoadStateDictResult {
  /// Keys the module expects but the state dict lacks.
  std::vector<std::string> missing_keys;
  /// Keys in the state dict the module does not have.
  std::vector<std::string> unexpected_keys;
};

/// A layer or a model. Subclasses register their tensors and submodules in the constructor and
/// override forward(). A Module is meant to be owned by a std::shared_ptr (or a ModuleHolder).
///
/// Registered tensors live in slots owned by the module: register_parameter and register_buffer
/// return a reference to the slot, and built-in modules bind their public fields to it
/// (`Tensor& weight`), so assigning `lin->weight = t` replaces the registered parameter. to()
/// replaces the tensor in each slot; a Tensor copied out of a module before to() keeps the old
/// values, so fetch parameters (and build optimizers) after converting the module.
class Module : public std::enable_shared_from_this<Module> {
 public:
  /// A module whose name (used when printing) is its C++ class name without namespaces and
  /// without a trailing "Impl".
  Module();
  /// A module printed as `name`.
  explicit Module(std::string name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The type name shown when printing, e.g. "Linear".
  const std::string& name() const;

  /// Runs the module on one input. The default throws NotImplemented; single-input modules
  /// override it so that Sequential can chain them.
  virtual Tensor forward(const Tensor& input);

  /// The text printed inside this module's parentheses (PyTorch's extra_repr), e.g.
  /// "in_features=3, out_features=4, bias=True". Empty by default.
  virtual std::string extra_repr() const;

  // ---- Registration ----------------------------------------------------------------------
  /// Registers a parameter: a leaf that requires grad unless requires_grad is false. An
  /// undefined tensor registers an absent parameter (like PyTorch's None), skipped everywhere.
  /// Returns the stored tensor's slot.
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers state that is not trained (running statistics and the like). Non-persistent
  /// buffers are left out of state_dict. Returns the stored tensor's slot.
  Tensor& register_buffer(std::string name, Tensor tensor, bool persistent = true);
  /// Registers a submodule under name and returns it.
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }
  /// Registers the module a holder (e.g. nn::Linear) holds and returns the holder.
  template <typename Holder>
  requires std::derived_from<Holder, ModuleHolder<typename Holder::ContainedType>> Holder
  register_module(std::string name, Holder holder) {
    add_child(std::move(name), holder.ptr());
    return holder;
  }

  // ---- Traversal -------------------------------------------------------------------------
  /// The parameters of this module and (with recurse) its descendants, each once.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// Parameters by dotted name ("linear1.weight") in registration order, each once.
  TensorDict named_parameters(bool recurse = true) const;
  /// The buffers of this module and (with recurse) its descendants, each once.
  std::vector<Tensor> buffers(bool recurse = true) const;
  /// Buffers by dotted name in registration order, each once.
  TensorDict named_buffers(bool recurse = true) const;
  /// Modules by name, in order: entries have `.key()`/`.value()` (LibTorch) and
  /// `.first`/`.second`.
  using NamedModules = OrderedDict<std::string, std::shared_ptr<Module>>;
  /// The direct submodules, each once.
  std::vector<std::shared_ptr<Module>> children() const;
  /// The direct submodules with their names.
  NamedModules named_children() const;
  /// This module (unless include_self is false) followed by all its descendants (depth first),
  /// each once. For a module not owned by a shared_ptr, the first entry does not own it.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  /// modules() with dotted names, each prefixed by name_prefix; this module's name is the
  /// prefix ("" by default).
  NamedModules named_modules(const std::string& name_prefix = std::string(),
                             bool include_self = true) const;
  /// This module's own defined parameter and buffer slots by name, parameters first: where
  /// func::functional_call swaps tensors in for one call.
  std::vector<std::pair<std::string, Tensor*>> named_tensor_slots();
  /// Calls fn on every submodule (depth first) and then on this module.
  void apply(const std::function<void(Module&)>& fn);
  /// This module as a ModuleType (a module class such as LinearImpl, or a holder such as
  /// nn::Linear, which gives its module class), or nullptr when it is not one (LibTorch's as).
  template <typename ModuleType>
  auto* as() noexcept {
    if constexpr (std::is_base_of_v<Module, ModuleType>)
      return dynamic_cast<ModuleType*>(this);
    else
      return dynamic_cast<typename ModuleType::ContainedType*>(this);
  }
  template <typename ModuleType>
  const auto* as() const noexcept {
    return const_cast<Module*>(this)->as<ModuleType>();
  }

  // ---- Modes and gradients ---------------------------------------------------------------
  /// Sets training mode on this module and its descendants.
  virtual void train(bool on = true);
  /// train(false).
  void eval() { train(false); }
  /// True in training mode (the default).
  bool is_training() const { return training_; }
  /// Clears every parameter's gradient: to undefined (the default, as PyTorch 1.13), or to
  /// zeros when set_to_none is false.
  void zero_grad(bool set_to_none = true);

  // ---- Conversion and state --------------------------------------------------------------
  /// Converts floating-point parameters and buffers to dtype (a floating-point type). Parameters
  /// stay leaves with their requires_grad; gradients are converted too.
  void to(ScalarType dtype);
  /// Moves parameters and buffers to device.
  void to(Device device);
  /// Moves to device and converts floating-point tensors to dtype.
  void to(Device device, ScalarType dtype);
  /// Parameters and persistent buffers by dotted name, detached (sharing memory with the module).
  TensorDict state_dict() const;
  /// Copies values from state_dict into the parameters and buffers, in place and without
  /// recording history. With strict, missing or unexpected keys are an error; a shape mismatch
  /// always is. Nothing is copied when an error is raised.
  LoadStateDictResult load_state_dict(const TensorDict& state_dict, bool strict = true);

 private:
  friend std::ostream& operator<<(std::ostream& os, const Module& module);
  struct Slot {
    std::string name;
    Tensor value;
    bool persistent = true;
  };
  using TensorMap = std::function<Tensor(const Tensor&)>;

  void add_child(std::string name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  std::shared_ptr<Module> self_ptr();
  void convert(const TensorMap& fn);
  TensorDict named_tensors(bool recurse, bool buffers) const;
  void collect_state(const std::string& prefix, TensorDict& out) const;
  void check_state(const std::string& prefix, const TensorDict& state,
                   std::vector<std::string>& missing, std::vector<std::string>& unexpected,
                   std::vector<std::string>& errors) const;
  void copy_state(const std::string& prefix, const TensorDict& state);

  bool training_ = true;
  mutable std::optional<std::string> name_;
  // Deques keep slot addresses stable, so the references handed out stay valid.
  std::deque<Slot> parameters_;
  std::deque<Slot> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

/// Prints the module as PyTorch's repr does:
/// "Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n)".
std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace ember::nn
