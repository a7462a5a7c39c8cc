// nn::Module: registration, traversal, modes, conversion, state dicts and printing.
#include "ember/nn/module.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

#include "ember/autograd/grad_mode.h"

namespace ember::nn {
namespace {

// The class name of a module as Python would show it: no namespaces, no "Impl" suffix.
std::string class_name(const std::type_info& type) {
  std::string name = type.name();
#if __has_include(<cxxabi.h>)
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status == 0 && demangled) name = demangled;
  std::free(demangled);
#endif
  // Cut at the last "::" outside template arguments.
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<') ++depth;
    if (name[i] == '>') --depth;
    if (depth == 0 && name[i] == ':' && name[i + 1] == ':') start = i + 2;
  }
  name = name.substr(start);
  const std::string suffix = "Impl";
  if (name.size() > suffix.size() && name.ends_with(suffix))
    name.resize(name.size() - suffix.size());
  return name;
}

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Indents every line but the first by two spaces (PyTorch's _addindent).
std::string add_indent(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? ", \"" : "\"") + keys[i] + "\"";
  return out;
}

}  // namespace

Module::Module() = default;

Module::Module(std::string name) : name_(std::move(name)) {}

const std::string& Module::name() const {
  // The dynamic type is only known once construction is over, so the default name is lazy.
  if (!name_) name_ = class_name(typeid(*this));
  return *name_;
}

Tensor Module::forward(const Tensor&) {
  throw Error(fmt::format("Module [{}] is missing the required \"forward\" function", name()),
              ErrorKind::NotImplemented);
}

std::string Module::extra_repr() const { return ""; }

// ---- Registration ------------------------------------------------------------------------

void Module::check_new_name(const std::string& name, const char* what) const {
  if (name.empty())
    throw Error(fmt::format("register_{0}: {0} name can't be empty string \"\"", what),
                ErrorKind::Index);
  if (name.find('.') != std::string::npos)
    throw Error(fmt::format("register_{0}: {0} name can't contain \".\", got \"{1}\"", what, name),
                ErrorKind::Index);
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) {
      if constexpr (std::is_same_v<std::decay_t<decltype(e)>, Slot>)
        return e.name == name;
      else
        return e.first == name;
    });
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw Error(
        fmt::format("register_{}: attribute '{}' already exists in {}", what, name, this->name()),
        ErrorKind::Index);
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "parameter");
  if (tensor.defined()) {
    if (!tensor.is_leaf())
      throw Error(fmt::format("register_parameter: cannot assign non-leaf Tensor to parameter "
                              "'{0}'. Model parameters must be created explicitly. To express "
                              "'{0}' as a function of another Tensor, compute the value in the "
                              "forward() method.",
                              name),
                  ErrorKind::Value);
    tensor.requires_grad_(requires_grad);
  }
  parameters_.push_back(Slot{std::move(name), std::move(tensor)});
  return parameters_.back().value;
}

Tensor& Module::register_buffer(std::string name, Tensor tensor, bool persistent) {
  check_new_name(name, "buffer");
  buffers_.push_back(Slot{std::move(name), std::move(tensor), persistent});
  return buffers_.back().value;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  if (!module)
    throw Error(fmt::format("register_module: submodule '{}' is null", name), ErrorKind::Value);
  if (module.get() == this)
    throw Error(fmt::format("register_module: a module cannot be its own submodule ('{}')", name),
                ErrorKind::Value);
  children_.emplace_back(std::move(name), std::move(module));
}

// ---- Traversal ---------------------------------------------------------------------------

std::shared_ptr<Module> Module::self_ptr() {
  if (auto owned = weak_from_this().lock()) return owned;
  // Not owned by a shared_ptr (e.g. a module on the stack): hand out a non-owning pointer.
  return std::shared_ptr<Module>(std::shared_ptr<Module>(), this);
}

Module::NamedModules Module::named_children() const {
  NamedModules out("named_children");
  std::unordered_set<const Module*> seen;
  for (const auto& [name, child] : children_)
    if (seen.insert(child.get()).second) out.insert(name, child);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return named_children().values(); }

Module::NamedModules Module::named_modules(const std::string& name_prefix,
                                           bool include_self) const {
  NamedModules out("named_modules");
  std::unordered_set<const Module*> seen;
  // Depth first, pre-order, with an explicit stack so deep nests cannot overflow. Handing out
  // this module needs a non-const pointer; nothing is changed through it here.
  auto* self = const_cast<Module*>(this);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{
      {name_prefix, self->self_ptr()}};
  while (!stack.empty()) {
    auto [prefix, module] = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(module.get()).second) continue;
    for (auto it = module->children_.rbegin(); it != module->children_.rend(); ++it)
      stack.emplace_back(join_name(prefix, it->first), it->second);
    if (include_self || module.get() != this) out.insert(std::move(prefix), std::move(module));
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

std::vector<std::pair<std::string, Tensor*>> Module::named_tensor_slots() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (std::deque<Slot>* slots : {&parameters_, &buffers_})
    for (Slot& s : *slots)
      if (s.value.defined()) out.emplace_back(s.name, &s.value);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& child : children()) child->apply(fn);
  fn(*this);
}

TensorDict Module::named_tensors(bool recurse, bool buffers) const {
  TensorDict out;
  std::unordered_set<const TensorImpl*> seen;
  NamedModules modules;
  if (recurse)
    modules = named_modules();
  else
    modules.insert("", const_cast<Module*>(this)->self_ptr());
  for (const auto& [prefix, module] : modules)
    for (const Slot& slot : buffers ? module->buffers_ : module->parameters_)
      if (slot.value.defined() && seen.insert(slot.value.unsafe_impl()).second)
        out.insert(join_name(prefix, slot.name), slot.value);
  return out;
}

TensorDict Module::named_parameters(bool recurse) const { return named_tensors(recurse, false); }

TensorDict Module::named_buffers(bool recurse) const { return named_tensors(recurse, true); }

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (const auto& item : named_parameters(recurse)) out.push_back(item.second);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (const auto& item : named_buffers(recurse)) out.push_back(item.second);
  return out;
}

// ---- Modes and gradients -----------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (auto& child : children()) child->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    Tensor& grad = p.mutable_grad();
    if (set_to_none) {
      grad = Tensor();
    } else {
      // A gradient made with create_graph has history; cut it before zeroing in place.
      grad = grad.detach();
      grad.zero_();
    }
  }
}

// ---- Conversion --------------------------------------------------------------------------

void Module::convert(const TensorMap& fn) {
  NoGradGuard no_grad;
  // Everything is converted before any slot changes, so a failure leaves the module as it was.
  // Keyed by the old tensor, so a parameter shared by several modules stays shared.
  std::unordered_map<const TensorImpl*, Tensor> converted;
  auto convert_slot = [&](const Tensor& old, bool parameter) {
    if (!old.defined() || converted.count(old.unsafe_impl())) return;
    Tensor fresh = fn(old);
    if (!fresh.is_same(old)) {
      fresh = fresh.detach();
      if (parameter) {
        fresh.requires_grad_(old.requires_grad());
        if (old.grad().defined()) fresh.mutable_grad() = fn(old.grad()).detach();
      }
    }
    converted.emplace(old.unsafe_impl(), fresh);
  };
  const auto all = modules();
  for (const auto& module : all) {
    for (const Slot& s : module->parameters_) convert_slot(s.value, true);
    for (const Slot& s : module->buffers_) convert_slot(s.value, false);
  }
  for (const auto& module : all)
    for (std::deque<Slot>* slots : {&module->parameters_, &module->buffers_})
      for (Slot& s : *slots)
        if (s.value.defined()) s.value = converted.at(s.value.unsafe_impl());
}

void Module::to(ScalarType dtype) {
  if (!is_floating_point(dtype))
    throw Error(fmt::format("Module.to: only floating point dtypes are accepted, but got desired "
                            "dtype={}",
                            dtype_name(dtype)),
                ErrorKind::Type);
  convert([dtype](const Tensor& t) { return t.is_floating_point() ? t.to(dtype) : t; });
}

void Module::to(Device device) {
  convert([device](const Tensor& t) { return t.to(device); });
}

void Module::to(Device device, ScalarType dtype) {
  if (!is_floating_point(dtype))
    throw Error(fmt::format("Module.to: only floating point dtypes are accepted, but got desired "
                            "dtype={}",
                            dtype_name(dtype)),
                ErrorKind::Type);
  convert([device, dtype](const Tensor& t) {
    return t.is_floating_point() ? t.to(device).to(dtype) : t.to(device);
  });
}

// ---- State dicts -------------------------------------------------------------------------

// Like PyTorch, state dicts do not deduplicate: a shared module appears under each name.
void Module::collect_state(const std::string& prefix, TensorDict& out) const {
  for (const Slot& s : parameters_)
    if (s.value.defined()) out.insert_or_assign(prefix + s.name, s.value.detach());
  for (const Slot& s : buffers_)
    if (s.value.defined() && s.persistent) out.insert_or_assign(prefix + s.name, s.value.detach());
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

TensorDict Module::state_dict() const {
  TensorDict out;
  collect_state("", out);
  return out;
}

// Follows PyTorch's per-module checks, so keys are reported in the same order.
void Module::check_state(const std::string& prefix, const TensorDict& state,
                         std::vector<std::string>& missing, std::vector<std::string>& unexpected,
                         std::vector<std::string>& errors) const {
  std::unordered_set<std::string> local;
  auto check_slot = [&](const Slot& s) {
    if (!s.value.defined() || !s.persistent) return;
    local.insert(s.name);
    const std::string key = prefix + s.name;
    const Tensor* given = state.find(key);
    if (!given) {
      missing.push_back(key);
    } else if (!given->defined()) {
      errors.push_back(
          fmt::format("While copying the parameter named \"{}\", expected a defined "
                      "Tensor from checkpoint but received an undefined one.",
                      key));
    } else if (given->sizes() != s.value.sizes()) {
      errors.push_back(
          fmt::format("size mismatch for {}: copying a param with shape {} from "
                      "checkpoint, the shape in current model is {}.",
                      key, shape_str(given->sizes()), shape_str(s.value.sizes())));
    }
  };
  for (const Slot& s : parameters_) check_slot(s);
  for (const Slot& s : buffers_) check_slot(s);
  for (const auto& [key, value] : state) {
    if (!key.starts_with(prefix)) continue;
    const std::string head =
        key.substr(prefix.size(), key.find('.', prefix.size()) - prefix.size());
    const bool is_child = std::any_of(children_.begin(), children_.end(),
                                      [&](const auto& c) { return c.first == head; });
    if (!is_child && !local.count(head)) unexpected.push_back(key);
  }
  for (const auto& [name, child] : children_)
    child->check_state(prefix + name + ".", state, missing, unexpected, errors);
}

void Module::copy_state(const std::string& prefix, const TensorDict& state) {
  for (std::deque<Slot>* slots : {&parameters_, &buffers_})
    for (Slot& s : *slots) {
      if (!s.value.defined() || !s.persistent) continue;
      if (const Tensor* given = state.find(prefix + s.name)) s.value.copy_(*given);
    }
  for (const auto& [name, child] : children_) child->copy_state(prefix + name + ".", state);
}

LoadStateDictResult Module::load_state_dict(const TensorDict& state_dict, bool strict) {
  LoadStateDictResult result;
  std::vector<std::string> errors;
  check_state("", state_dict, result.missing_keys, result.unexpected_keys, errors);
  // PyTorch lists missing keys first, then unexpected ones, then the per-tensor errors.
  if (strict && !result.unexpected_keys.empty())
    errors.insert(errors.begin(), fmt::format("Unexpected key(s) in state_dict: {}. ",
                                              quoted_list(result.unexpected_keys)));
  if (strict && !result.missing_keys.empty())
    errors.insert(errors.begin(), fmt::format("Missing key(s) in state_dict: {}. ",
                                              quoted_list(result.missing_keys)));
  if (!errors.empty()) {
    std::string message = fmt::format("Error(s) in loading state_dict for {}:", name());
    for (const std::string& e : errors) message += "\n\t" + e;
    throw Error(message, ErrorKind::Runtime);
  }
  NoGradGuard no_grad;
  copy_state("", state_dict);
  return result;
}

// ---- Printing ----------------------------------------------------------------------------

std::ostream& operator<<(std::ostream& os, const Module& module) {
  // PyTorch's Module.__repr__: extra_repr lines, then "(name): child" lines indented by two.
  std::vector<std::string> lines;
  const std::string extra = module.extra_repr();
  size_t extra_lines = 0;
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    if (extra.back() == '\n') lines.push_back("");
    extra_lines = lines.size();
  }
  // Every registered name, duplicates included, as PyTorch iterates _modules.
  for (const auto& [name, child] : module.children_) {
    std::ostringstream child_os;
    child_os << *child;
    lines.push_back("(" + name + "): " + add_indent(child_os.str()));
  }
  os << module.name() << "(";
  if (extra_lines == 1 && lines.size() == 1) {
    os << lines[0];
  } else if (!lines.empty()) {
    os << "\n";
    for (const std::string& line : lines) os << "  " << line << "\n";
  }
  return os << ")";
}

}  // namespace ember::nn
