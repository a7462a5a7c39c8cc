#pragma once
/// Custom differentiable functions, as LibTorch's torch::autograd::Function:
///
///   struct MyReLU : ember::autograd::Function<MyReLU> {
///     static Tensor forward(AutogradContext* ctx, Tensor x) {
///       ctx->save_for_backward({x});
///       return x.clamp_min(0);
///     }
///     static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
///       Tensor x = ctx->get_saved_variables()[0];
///       return {grads[0].masked_fill(x < 0, 0)};
///     }
///   };
///   Tensor y = MyReLU::apply(x);
///
/// forward runs without recording; backward returns one gradient per forward argument
/// (undefined for arguments that are not tensors or need none).
///
/// For forward-mode AD (a dual level, or func::jvp/jacfwd), a Function may also define
///
///     static tensor_list jvp(AutogradContext* ctx, tensor_list tangents);
///
/// taking one tangent per forward argument (zeros for a tensor without one, undefined for a
/// non-tensor) and returning one per output (undefined for none). What it reads back with
/// ctx->get_saved_variables() is what forward passed to ctx->save_for_forward. As in PyTorch, a
/// Function that marks an input dirty must change that input's tangent in place and return it,
/// and one returning an input (or a view of one) must return a view of that input's tangent.
#include <any>
#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/autograd/saved_tensor.h"

namespace ember::autograd {

using tensor_list = std::vector<Tensor>;

/// A value kept in AutogradContext::saved_data: a number, bool, string or tensor.
class SavedValue {
 public:
  SavedValue() = default;
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  SavedValue(T v) : value_(static_cast<int64_t>(v)) {}
  SavedValue(bool v) : value_(v) {}
  SavedValue(double v) : value_(v) {}
  SavedValue(std::string v) : value_(std::move(v)) {}
  SavedValue(const char* v) : value_(std::string(v)) {}
  SavedValue(Tensor v) : value_(std::move(v)) {}

  int64_t toInt() const;
  double toDouble() const;
  bool toBool() const;
  const std::string& toStringRef() const;
  Tensor toTensor() const;

 private:
  std::variant<std::monostate, int64_t, double, bool, std::string, Tensor> value_;
};

/// What forward leaves for backward.
class AutogradContext {
 public:
  /// Tensors backward needs; checked against in-place changes when unpacked.
  void save_for_backward(tensor_list to_save);
  /// Tensors jvp needs (torch's ctx.save_for_forward).
  void save_for_forward(tensor_list to_save);
  /// The tensors passed to save_for_backward; inside jvp, those passed to save_for_forward.
  tensor_list get_saved_variables() const;
  /// Declares inputs that forward modified in place (they take the new history).
  void mark_dirty(const tensor_list& inputs);
  /// Declares outputs that have no gradient (such as indices).
  void mark_non_differentiable(const tensor_list& outputs);
  /// Whether backward must compute the gradient of forward argument `index`.
  bool needs_input_grad(size_t index) const;
  /// How many tensors save_for_backward kept (once forward has returned).
  size_t saved_count() const { return saved_.size(); }
  /// Keeps saved tensor `index` from now on as what pack returns, turned back into a tensor by
  /// unpack at backward (torch's SavedTensor.register_hooks); one pair of hooks per tensor.
  void register_saved_hooks(size_t index, std::function<std::any(const Tensor&)> pack,
                            std::function<Tensor(const std::any&)> unpack);
  /// Anything else backward needs.
  std::unordered_map<std::string, SavedValue> saved_data;

 private:
  friend class CustomNode;
  friend class JvpTransposeNode;
  tensor_list to_save_;
  std::vector<SavedTensor> saved_;
  // save_for_forward's tensors: as given until forward AD has run, then kept as saved tensors
  // when a transform may call jvp again from backward (Note [Custom function JVP]).
  tensor_list for_forward_;
  std::vector<SavedTensor> saved_for_forward_;
  bool in_jvp_ = false;
  std::vector<bool> saved_is_output_, saved_hooked_;
  std::vector<TensorImpl*> dirty_, non_differentiable_;
  std::vector<bool> needs_input_grad_;
  std::weak_ptr<Node> node_;
};

/// The node of a custom function: calls the user's backward.
class CustomNode : public Node {
 public:
  explicit CustomNode(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  variable_list apply(variable_list&& grads) override;
  void release_variables() override;
  AutogradContext* context() { return &ctx_; }

  /// Links the node to the tensor arguments (in argument order; is_tensor marks which of the
  /// forward arguments they are). Returns false when nothing requires grad.
  bool link_inputs(const tensor_list& inputs, std::vector<bool> is_tensor);
  /// Attaches the outputs and converts what forward saved. Outputs that alias an input are
  /// replaced by fresh handles unless marked dirty.
  void link_outputs(const tensor_list& inputs, tensor_list& outputs);
  /// Under a dual level, when an input carries a tangent: calls jvp and gives the outputs the
  /// tangents it returns. Called after link_outputs, recorded or not.
  void propagate_tangents(const tensor_list& inputs, tensor_list& outputs);
  /// Runs forward without recording and without propagating tangents.
  static tensor_list run_forward(const std::function<tensor_list()>& forward);

 protected:
  virtual tensor_list call_backward(AutogradContext* ctx, tensor_list grads) = 0;
  /// Whether the function defines jvp.
  virtual bool has_jvp() const { return false; }
  /// The function's jvp; the default raises the missing-jvp error.
  virtual tensor_list call_jvp(AutogradContext* ctx, tensor_list tangents);
  /// Whether jvp gets zeros for tensor inputs without a tangent (rather than undefined).
  virtual bool materialize_tangents() const { return true; }

 private:
  friend class JvpTransposeNode;
  variable_list call_and_check_backward(variable_list grads);
  tensor_list jvp_in_context(tensor_list tangents);

  std::string name_;
  AutogradContext ctx_;
  std::vector<bool> is_tensor_;
  // Per forward output: its gradient's index among this node's inputs, or -1 (not recorded).
  std::vector<int> output_slots_;
  // The tensor inputs' metadata, to give jvp zero tangents where backward sent none.
  std::vector<std::optional<InputMetadata>> input_meta_;
};

namespace detail {
std::string function_name(const char* mangled);

template <typename T>
concept HasJvp = requires(AutogradContext* ctx, tensor_list tangents) {
  { T::jvp(ctx, std::move(tangents)) } -> std::convertible_to<tensor_list>;
};

template <typename T>
class TypedCustomNode final : public CustomNode {
 public:
  TypedCustomNode() : CustomNode(function_name(typeid(T).name())) {}

 protected:
  tensor_list call_backward(AutogradContext* ctx, tensor_list grads) override {
    return T::backward(ctx, std::move(grads));
  }
  bool has_jvp() const override { return HasJvp<T>; }
  tensor_list call_jvp(AutogradContext* ctx, tensor_list tangents) override {
    if constexpr (HasJvp<T>)
      return T::jvp(ctx, std::move(tangents));
    else
      return CustomNode::call_jvp(ctx, std::move(tangents));
  }
};

template <typename A>
void collect_argument(const A& arg, tensor_list& tensors, std::vector<bool>& is_tensor) {
  if constexpr (std::is_convertible_v<const A&, const Tensor&>) {
    tensors.push_back(arg);
    is_tensor.push_back(true);
  } else {
    is_tensor.push_back(false);
  }
}
}  // namespace detail

/// Base for custom functions; T supplies static forward and backward (and, optionally, jvp).
template <typename T>
struct Function {
  template <typename... Args>
  static auto apply(Args&&... args) {
    auto node = make_node<detail::TypedCustomNode<T>>();
    tensor_list inputs;
    std::vector<bool> is_tensor;
    (detail::collect_argument(args, inputs, is_tensor), ...);
    const bool record = node->link_inputs(inputs, std::move(is_tensor));
    using Output = decltype(T::forward(node->context(), std::forward<Args>(args)...));
    static_assert(std::is_same_v<Output, Tensor> || std::is_same_v<Output, tensor_list>,
                  "forward must return a Tensor or a tensor_list");
    tensor_list outputs = CustomNode::run_forward([&]() -> tensor_list {
      if constexpr (std::is_same_v<Output, Tensor>)
        return {T::forward(node->context(), std::forward<Args>(args)...)};
      else
        return T::forward(node->context(), std::forward<Args>(args)...);
    });
    if (record) node->link_outputs(inputs, outputs);
    node->propagate_tangents(inputs, outputs);
    if constexpr (std::is_same_v<Output, Tensor>)
      return outputs[0];
    else
      return outputs;
  }
};

}  // namespace ember::autograd
