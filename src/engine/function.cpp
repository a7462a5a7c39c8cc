#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/check.h"
#include "graph/forward_grad.h"
#include "graph/history.h"
#include "ops/record.h"

namespace ember::autograd {

namespace {
template <typename T>
const T& expect(const std::variant<std::monostate, int64_t, double, bool, std::string, Tensor>& v,
                const char* what) {
  EMBER_CHECK(std::holds_alternative<T>(v), "saved_data: the value is not {}", what);
  return std::get<T>(v);
}
}  // namespace

int64_t SavedValue::toInt() const { return expect<int64_t>(value_, "an int"); }
double SavedValue::toDouble() const {
  if (std::holds_alternative<int64_t>(value_))
    return static_cast<double>(std::get<int64_t>(value_));
  return expect<double>(value_, "a double");
}
bool SavedValue::toBool() const { return expect<bool>(value_, "a bool"); }
const std::string& SavedValue::toStringRef() const {
  return expect<std::string>(value_, "a string");
}
Tensor SavedValue::toTensor() const { return expect<Tensor>(value_, "a tensor"); }

void AutogradContext::save_for_backward(tensor_list to_save) { to_save_ = std::move(to_save); }

tensor_list AutogradContext::get_saved_variables() const {
  tensor_list out;
  const std::shared_ptr<Node> node = node_.lock();
  for (const SavedTensor& s : saved_) out.push_back(s.unpack(node));
  return out;
}

void AutogradContext::mark_dirty(const tensor_list& inputs) {
  for (const Tensor& t : inputs) dirty_.push_back(t.unsafe_impl());
}

void AutogradContext::mark_non_differentiable(const tensor_list& outputs) {
  for (const Tensor& t : outputs) non_differentiable_.push_back(t.unsafe_impl());
}

void AutogradContext::register_saved_hooks(size_t index,
                                           std::function<std::any(const Tensor&)> pack,
                                           std::function<Tensor(const std::any&)> unpack) {
  EMBER_CHECK(index < saved_.size(), "register_hooks: no saved tensor {} (the node saved {})",
              index, saved_.size());
  EMBER_CHECK(!saved_hooked_[index],
              "Calling register_hooks on a saved tensor whose hooks have already been set. Hint: "
              "only one pair of hooks is allowed at a time.");
  // Saving the tensor again with the hooks installed packs it the way saving under
  // saved_tensors_hooks would have; the unpacked value carries the same history.
  const Tensor t = saved_[index].unpack(node_.lock());
  SavedTensorHooksGuard hooks(std::move(pack), std::move(unpack));
  saved_[index] = SavedTensor(t, saved_is_output_[index]);
  saved_hooked_[index] = true;
}

bool AutogradContext::needs_input_grad(size_t index) const {
  return index < needs_input_grad_.size() && needs_input_grad_[index];
}

bool CustomNode::link_inputs(const tensor_list& inputs, std::vector<bool> is_tensor) {
  for (const Tensor& t : inputs)
    EMBER_CHECK(!(forward_ad_enabled() && fw_grad(t).defined()),
                "{}: You must implement the jvp function for custom autograd.Function to use it "
                "with forward mode AD.",
                name_);
  is_tensor_ = std::move(is_tensor);
  bool needed = false;
  for (const Tensor& t : inputs) needed |= t.defined() && t.requires_grad();
  if (!(GradMode::is_enabled() && needed)) return false;
  edge_list edges;
  for (const Tensor& t : inputs) edges.push_back(gradient_edge(t));
  // needs_input_grad is indexed by forward argument, tensors or not.
  size_t k = 0;
  for (bool tensor : is_tensor_) ctx_.needs_input_grad_.push_back(tensor && edges[k++].is_valid());
  set_next_edges(std::move(edges));
  ctx_.node_ = weak_from_this();
  return true;
}

void CustomNode::link_outputs(const tensor_list& inputs, tensor_list& outputs) {
  auto contains = [](const std::vector<TensorImpl*>& list, const Tensor& t) {
    return std::find(list.begin(), list.end(), t.unsafe_impl()) != list.end();
  };
  const std::shared_ptr<Node> self = shared_from_this();
  for (Tensor& out : outputs) {
    if (!out.defined()) continue;
    if (contains(ctx_.non_differentiable_, out)) continue;
    const bool is_input = std::any_of(inputs.begin(), inputs.end(),
                                      [&](const Tensor& in) { return in.is_same(out); });
    if (is_input && contains(ctx_.dirty_, out)) {
      EMBER_CHECK(!(out.is_leaf() && out.requires_grad()),
                  "a leaf Variable that requires grad is being used in an in-place operation.");
    } else if (is_input) {
      out = out.variable_data();  // returning an input unchanged gives it a new handle
    }
    set_history(out, self);
  }
  for (const Tensor& t : ctx_.to_save_) {
    const bool is_output =
        std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& o) { return o.is_same(t); });
    ctx_.saved_.emplace_back(t, is_output);
    ctx_.saved_is_output_.push_back(is_output);
    ctx_.saved_hooked_.push_back(false);
  }
  ctx_.to_save_.clear();
}

variable_list CustomNode::apply(variable_list&& grads) {
  tensor_list result = call_backward(&ctx_, std::move(grads));
  // As LibTorch's, backward may return undefined gradients past the arguments forward was
  // given: those of defaulted arguments the call left out (an optional bias).
  if (result.size() > is_tensor_.size() &&
      std::none_of(result.begin() + is_tensor_.size(), result.end(),
                   [](const Tensor& g) { return g.defined(); }))
    result.resize(is_tensor_.size());
  EMBER_CHECK(result.size() == is_tensor_.size(),
              "function {} returned an incorrect number of gradients (expected {}, got {})", name(),
              is_tensor_.size(), result.size());
  variable_list per_edge;
  for (size_t i = 0; i < result.size(); ++i) {
    if (is_tensor_[i]) {
      per_edge.push_back(result[i]);
    } else {
      EMBER_CHECK(!result[i].defined(),
                  "function {} returned a gradient for argument {}, which is not a tensor", name(),
                  i);
    }
  }
  return per_edge;
}

void CustomNode::release_variables() {
  for (SavedTensor& s : ctx_.saved_) s.reset();
}

std::string detail::function_name(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 ? demangled.get() : mangled;
  const size_t colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  return name + "Backward";
}

}  // namespace ember::autograd
