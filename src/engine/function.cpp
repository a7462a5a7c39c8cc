#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

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

void AutogradContext::save_for_forward(tensor_list to_save) { for_forward_ = std::move(to_save); }

tensor_list AutogradContext::get_saved_variables() const {
  if (in_jvp_ && saved_for_forward_.empty()) return for_forward_;
  tensor_list out;
  const std::shared_ptr<Node> node = node_.lock();
  for (const SavedTensor& s : in_jvp_ ? saved_for_forward_ : saved_) out.push_back(s.unpack(node));
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
  if (has_jvp())
    for (const Tensor& t : inputs)
      input_meta_.push_back(
          t.defined() ? std::optional<InputMetadata>(InputMetadata{
                            DimVector(t.sizes().begin(), t.sizes().end()), t.dtype(), t.device()})
                      : std::nullopt);
  return true;
}

void CustomNode::link_outputs(const tensor_list& inputs, tensor_list& outputs) {
  auto contains = [](const std::vector<TensorImpl*>& list, const Tensor& t) {
    return std::find(list.begin(), list.end(), t.unsafe_impl()) != list.end();
  };
  const std::shared_ptr<Node> self = shared_from_this();
  output_slots_.assign(outputs.size(), -1);
  for (size_t j = 0; j < outputs.size(); ++j) {
    Tensor& out = outputs[j];
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
    output_slots_[j] = static_cast<int>(num_inputs()) - 1;
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

namespace {
bool shares_memory(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() &&
         a.unsafe_impl()->storage().get() == b.unsafe_impl()->storage().get();
}
}  // namespace

tensor_list CustomNode::run_forward(const std::function<tensor_list()>& forward) {
  // As in PyTorch, forward sees no tangents: jvp gives the outputs theirs.
  AutoGradMode no_grad(false);
  ForwardADDisabledGuard no_tangents;
  return forward();
}

tensor_list CustomNode::call_jvp(AutogradContext*, tensor_list) {
  std::string function = name_;
  if (function.size() > 8 && function.ends_with("Backward")) function.resize(function.size() - 8);
  throw Error(fmt::format("{}: You must implement the jvp function for custom autograd.Function "
                          "to use it with forward mode AD.",
                          function),
              ErrorKind::NotImplemented);
}

tensor_list CustomNode::jvp_in_context(tensor_list tangents) {
  struct InJvp {
    bool& flag;
    explicit InJvp(bool& f) : flag(f) { flag = true; }
    ~InJvp() { flag = false; }
  } in_jvp(ctx_.in_jvp_);
  return call_jvp(&ctx_, std::move(tangents));
}

void CustomNode::propagate_tangents(const tensor_list& inputs, tensor_list& outputs) {
  auto keep_for_transforms = [&] {
    // A recorded function with a jvp keeps what jvp reads, for func::jvp and jacfwd to call it
    // again from backward (Note [Custom function JVP]).
    if (has_jvp() && !ctx_.node_.expired())
      for (const Tensor& t : ctx_.for_forward_) {
        const bool is_output = std::any_of(outputs.begin(), outputs.end(),
                                           [&](const Tensor& o) { return o.is_same(t); });
        ctx_.saved_for_forward_.emplace_back(t, is_output);
      }
    ctx_.for_forward_.clear();
  };
  tensor_list tangents(inputs.size());
  bool any = false;
  if (forward_ad_enabled())
    for (size_t k = 0; k < inputs.size(); ++k) {
      tangents[k] = fw_grad(inputs[k]);
      any = any || tangents[k].defined();
    }
  if (!any) return keep_for_transforms();

  // One tangent per forward argument; an in-place jvp must change its input's tangent itself.
  std::vector<uint32_t> versions(inputs.size());
  tensor_list per_argument;
  size_t k = 0;
  for (bool tensor : is_tensor_) {
    if (!tensor) {
      per_argument.emplace_back();
      continue;
    }
    Tensor t = tangents[k];
    if (t.defined())
      versions[k] = t._version();
    else if (materialize_tangents() && inputs[k].defined())
      t = zeros_like(inputs[k]);
    per_argument.push_back(t);
    ++k;
  }
  tensor_list result;
  {
    ForwardADDisabledGuard no_tangents;
    result = jvp_in_context(std::move(per_argument));
  }
  EMBER_CHECK(result.size() == outputs.size(),
              "Function's jvp returned an invalid number of forward gradients (expected {} but "
              "got {})",
              outputs.size(), result.size());
  auto contains = [](const std::vector<TensorImpl*>& list, const Tensor& t) {
    return std::find(list.begin(), list.end(), t.unsafe_impl()) != list.end();
  };
  for (size_t j = 0; j < outputs.size(); ++j) {
    Tensor& out = outputs[j];
    const Tensor& tangent = result[j];
    const bool differentiable =
        out.defined() && !contains(ctx_.non_differentiable_, out) && is_floating_point(out.dtype());
    if (!differentiable) {
      EMBER_CHECK(!tangent.defined(),
                  "Function's jvp returned a gradient at position {}, but the corresponding "
                  "forward output is not a differentiable Tensor. You should return None at that "
                  "position instead.",
                  j);
      continue;
    }
    if (!tangent.defined()) continue;
    EMBER_CHECK(tangent.sizes() == out.sizes(),
                "Trying to set a forward gradient that has a different size than that of the "
                "original Tensor, this is not supported. Tensor is of size {} while the given "
                "forward gradient is of size {}.",
                shape_str(out.sizes()), shape_str(tangent.sizes()));
    EMBER_CHECK(tangent.dtype() == out.dtype(),
                "Trying to set a forward gradient that has a different dtype than that of the "
                "original Tensor, this is not supported. Tensor is of dtype {} while the given "
                "forward gradient is of dtype {}.",
                dtype_legacy_name(out.dtype()), dtype_legacy_name(tangent.dtype()));
    const auto input = std::find_if(inputs.begin(), inputs.end(),
                                    [&](const Tensor& in) { return in.is_same(out); });
    const size_t i = static_cast<size_t>(input - inputs.begin());
    if (input != inputs.end() && contains(ctx_.dirty_, out) && tangents[i].defined()) {
      EMBER_CHECK(tangent._version() != versions[i],
                  "An inplace custom Function is not modifying the forward mode gradients "
                  "inplace. If the forward is modifying an input inplace, then the jvp function "
                  "must modify the corresponding gradient inplace.");
      EMBER_CHECK(tangent.is_same(tangents[i]),
                  "An inplace custom Function is not returning the forward mode gradients as-is. "
                  "If the forward is modifying an input inplace, then the jvp function must "
                  "modify the gradient inplace and return it as-is.");
      continue;
    }
    // As in PyTorch, an output that is an input or a view of one must take a view of that
    // input's tangent.
    for (size_t m = 0; m < inputs.size(); ++m) {
      if (!tangents[m].defined() || !shares_memory(out, inputs[m])) continue;
      EMBER_CHECK(tangent.unsafe_impl()->view_base(),
                  "A custom Function's forward is returning a view (or an input as-is) but the "
                  "jvp is not returning a view.");
      if (tangents[m].unsafe_impl()->view_base())
        EMBER_CHECK(shares_memory(tangent, tangents[m]),
                    "A custom Function is returning a view but the jvp is not returning a view of "
                    "the same base as the given grad input.");
      else
        EMBER_CHECK(shares_memory(tangent, tangents[m]),
                    "A custom Function is returning a view but the jvp is not returning a view of "
                    "the given grad input.");
      break;
    }
    // An input returned unchanged (unrecorded) becomes a new handle, so that its own tangent
    // stays as it was.
    if (input != inputs.end() && !contains(ctx_.dirty_, out)) out = out.variable_data();
    set_fw_grad(out, tangent);
  }
  keep_for_transforms();
}

// Note [Custom function JVP]
// Under a dual level, a custom function's outputs take their tangents from its jvp, called right
// after forward (propagate_tangents). func::jvp and jacfwd use no dual level: they differentiate
// a vector-Jacobian product J^T u with respect to the cotangent u, which for a custom function
// would differentiate its backward. A function with a jvp has that derivative written out: the
// vector-Jacobian product of u -> J^T u is v -> J v, its jvp. So when backward runs with
// cotangents that require grad (a transform differentiating with respect to them), backward
// gets them detached, and its gradients pass through a JvpTransposeNode whose backward sends
// the identity to the gradients' own history (how J^T depends on the inputs) and jvp(v) to the
// cotangents. A backward that is itself not differentiable (once_differentiable) then works
// under those transforms too. Functions that mark inputs dirty keep the plain path: their jvp
// writes tangents in place.
class JvpTransposeNode final : public Node {
 public:
  JvpTransposeNode(std::shared_ptr<CustomNode> function, edge_list edges, size_t num_gradients)
      : Node(std::move(edges)), function_(std::move(function)), num_gradients_(num_gradients) {}
  std::string name() const override { return function_->name() + "JvpTranspose"; }

  /// Gives gradient i (one per edge of the function) its slot among this node's inputs.
  void add_gradient(Tensor& gradient) {
    slots_.push_back(-1);
    if (!gradient.defined()) return;
    gradient = gradient.variable_data();
    set_history(gradient, shared_from_this());
    slots_.back() = static_cast<int>(num_inputs()) - 1;
  }

  variable_list apply(variable_list&& vs) override {
    CustomNode& f = *function_;
    // jvp runs in f's context, which a backward of f in another thread may be using.
    std::lock_guard<std::recursive_mutex> lock(f.mutex());
    variable_list out(num_outputs());
    tensor_list tangents;
    size_t k = 0;
    for (bool tensor : f.is_tensor_) {
      if (!tensor) {
        tangents.emplace_back();
        continue;
      }
      const int slot = slots_[k];
      Tensor v = slot >= 0 ? vs[slot] : Tensor();
      if (v.defined()) out[k] = v;  // the gradients' own history gets the identity
      if (!v.defined() && f.materialize_tangents() && f.input_meta_[k]) {
        const InputMetadata& meta = *f.input_meta_[k];
        v = zeros(meta.shape, TensorOptions(meta.dtype).device(meta.device));
      }
      tangents.push_back(v);
      ++k;
    }
    tensor_list result;
    {
      ForwardADDisabledGuard no_tangents;
      result = f.jvp_in_context(std::move(tangents));
    }
    EMBER_CHECK(result.size() == f.output_slots_.size(),
                "Function's jvp returned an invalid number of forward gradients (expected {} but "
                "got {})",
                f.output_slots_.size(), result.size());
    for (size_t j = 0; j < result.size(); ++j)
      if (f.output_slots_[j] >= 0) out[num_gradients_ + f.output_slots_[j]] = result[j];
    return out;
  }

 private:
  std::shared_ptr<CustomNode> function_;
  size_t num_gradients_;
  std::vector<int> slots_;
};

variable_list CustomNode::apply(variable_list&& grads) {
  const bool transposed =
      has_jvp() && ctx_.dirty_.empty() && GradMode::is_enabled() &&
      std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.requires_grad(); });
  if (!transposed) return call_and_check_backward(std::move(grads));
  edge_list cotangent_edges;
  for (Tensor& g : grads) {
    cotangent_edges.push_back(gradient_edge(g));
    if (g.defined()) g = g.detach();
  }
  variable_list per_edge = call_and_check_backward(std::move(grads));
  // An input backward sends no gradient to still gets jvp's tangent for it: a zero gradient
  // whose derivative with respect to the cotangents is jvp's.
  for (size_t k = 0; k < per_edge.size(); ++k)
    if (!per_edge[k].defined() && next_edge(k).is_valid() && input_meta_[k]) {
      const InputMetadata& meta = *input_meta_[k];
      per_edge[k] = zeros(meta.shape, TensorOptions(meta.dtype).device(meta.device));
    }
  edge_list edges;
  for (const Tensor& g : per_edge) edges.push_back(gradient_edge(g));
  edges.insert(edges.end(), cotangent_edges.begin(), cotangent_edges.end());
  auto node = make_node<JvpTransposeNode>(std::static_pointer_cast<CustomNode>(shared_from_this()),
                                          std::move(edges), per_edge.size());
  for (Tensor& g : per_edge) node->add_gradient(g);
  return per_edge;
}

variable_list CustomNode::call_and_check_backward(variable_list grads) {
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
  for (SavedTensor& s : ctx_.saved_for_forward_) s.reset();
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
