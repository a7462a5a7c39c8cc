#pragma once
// How an op records itself for autograd: after computing its forward result, it calls record()
// with its name, inputs, the tensors its backward needs and its backward formula. Nothing happens
// (and nothing is saved) unless grad mode is on and some input requires grad. Under a dual level,
// it also gives the outputs their tangents (Note [Forward grads]).
#include <type_traits>
#include <utility>
#include <vector>

#include "core/check.h"
#include "ember/ops/creation.h"
#include "graph/forward_grad.h"
#include "graph/history.h"

namespace ember::autograd {

/// Where t's gradient goes: its grad_fn, a leaf's AccumulateGrad, or nowhere.
Edge gradient_edge(const Tensor& t);
edge_list collect_next_edges(std::initializer_list<const Tensor*> tensors);

}  // namespace ember::autograd

namespace ember::detail {

using autograd::variable_list;

/// A node whose backward is a formula over the incoming gradients and the saved tensors.
template <typename Formula>
class FormulaNode final : public autograd::Node {
 public:
  FormulaNode(const char* name, autograd::edge_list edges, Formula formula)
      : Node(std::move(edges)), name_(name), formula_(std::move(formula)) {}

  /// Saved after the outputs are attached, so a saved output knows it has history.
  void set_saved(std::vector<autograd::SavedTensor> saved) { saved_ = std::move(saved); }

  std::string name() const override { return name_; }
  variable_list apply(variable_list&& grads) override {
    variable_list saved;
    saved.reserve(saved_.size());
    const auto self = shared_from_this();
    for (const auto& s : saved_) saved.push_back(s.unpack(self));
    return formula_(*this, grads, saved);
  }
  void release_variables() override {
    for (auto& s : saved_) s.reset();
  }

 private:
  const char* name_;
  std::vector<autograd::SavedTensor> saved_;
  Formula formula_;
};

/// True when backward must produce the gradient of forward input i.
inline bool needs_grad(const autograd::Node& node, size_t i) {
  return node.next_edge(i).is_valid();
}

/// A tensor to save for backward; `is_output` marks the op's own result. `is_number` marks a
/// number the formula captures by value (see SavedTensor::number).
struct Save {
  Tensor tensor;
  bool is_output = false;
  bool is_number = false;
};

/// The JVP of an op from its backward formula: with u standing for the outputs' cotangents,
/// formula(u) is linear in u, and the gradient of <formula(u), input tangents> with respect to u
/// is each output's tangent (Note [Forward grads]). Linear maps have that gradient everywhere;
/// it is taken at u = 1 rather than 0, where a formula that splits g by sign (logcumsumexp's)
/// is not differentiable.
template <typename Formula>
void propagate_tangents(const char* name, const std::vector<const Tensor*>& inputs,
                        const std::vector<const Tensor*>& outputs, std::vector<Tensor> saved,
                        const Formula& formula) {
  using namespace autograd;
  note_derived_jvp(name);
  const bool create_graph = GradMode::is_enabled();
  edge_list edges;
  variable_list tangents;
  for (const Tensor* t : inputs) {
    tangents.push_back(fw_grad(*t));
    edges.push_back(tangents.back().defined() ? Edge{jvp_marker(), 0} : Edge{});
  }
  ForwardADDisabledGuard no_tangents;
  EnableGradGuard grad_mode;
  FormulaNode<Formula> node(name, std::move(edges), formula);
  variable_list us;
  for (const Tensor* out : outputs)
    us.push_back(is_floating_point(out->dtype()) ? ones_like(*out).requires_grad_(true) : Tensor());
  const variable_list grads = formula(node, us, saved);
  variable_list terms, weights, wrt;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!tangents[i].defined() || i >= grads.size() || !grads[i].defined() ||
        !grads[i].requires_grad())
      continue;
    terms.push_back(grads[i]);
    // A formula may leave a broadcast input's gradient in the output's shape (the engine sums
    // it down); pairing it with the expanded tangent gives the same inner product.
    weights.push_back(tangents[i].to(grads[i].dtype()).expand(grads[i].sizes()));
  }
  if (terms.empty()) return;
  for (const Tensor& u : us)
    if (u.defined()) wrt.push_back(u);
  const variable_list out_tangents = jvp_gradients()(terms, wrt, weights, create_graph);
  size_t k = 0;
  for (size_t j = 0; j < outputs.size(); ++j) {
    if (!us[j].defined()) continue;
    const Tensor& tangent = out_tangents[k++];
    if (tangent.defined()) set_fw_grad(*outputs[j], create_graph ? tangent : tangent.detach());
  }
}

/// Marks an op whose JVP is derived from its backward formula (propagate_tangents): elementwise
/// and linear ops, whose formula gives the JVP at no extra cost in correctness.
struct DerivedJvp {};

/// An input's tangent for a written-out JVP rule: undefined where the input has none.
inline Tensor tangent_or_none(const Tensor* t) {
  return t->defined() ? autograd::fw_grad(*t) : Tensor();
}

/// a + b where either may be undefined (no tangent): the sum of a JVP rule's terms.
inline Tensor add_tangents(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}

/// Under a dual level, gives the outputs the tangents an op's written-out JVP rule computes:
/// jvp(tangents, saved) returns one tangent per output (undefined for none) from the inputs'
/// tangents and the saved values. The rule runs in differentiable ops, so with grad mode on the
/// tangents carry history (forward over reverse).
template <typename Jvp>
void apply_jvp(const std::vector<const Tensor*>& inputs, const std::vector<const Tensor*>& outputs,
               const std::vector<Tensor>& saved, const Jvp& jvp) {
  const bool create_graph = GradMode::is_enabled();
  variable_list tangents;
  tangents.reserve(inputs.size());
  for (const Tensor* t : inputs) tangents.push_back(tangent_or_none(t));
  autograd::ForwardADDisabledGuard no_tangents;
  const variable_list out_tangents = jvp(tangents, saved);
  for (size_t j = 0; j < outputs.size() && j < out_tangents.size(); ++j) {
    const Tensor& tangent = out_tangents[j];
    if (!tangent.defined() || !is_floating_point(outputs[j]->dtype())) continue;
    EMBER_CHECK(tangent.sizes() == outputs[j]->sizes(),
                "forward AD: the JVP rule gave a tangent of shape {} for an output of shape {}",
                tangent.sizes(), outputs[j]->sizes());
    autograd::set_fw_grad(*outputs[j], create_graph ? tangent : tangent.detach());
  }
}

/// An output an op made as a view of its own temporary, under its no-grad guard (dot's
/// mm(...).view({})), is the op's own tensor: it must not count as a view made in no-grad mode,
/// or writing it in place would be refused. A view of an input's memory stays a view.
template <typename Inputs>
void own_output(const Tensor& out, const Inputs& inputs) {
  TensorImpl* impl = out.unsafe_impl();
  if (!impl->view_base() || !impl->view_made_without_grad()) return;
  for (const Tensor* in : inputs)
    if (in->defined() && in->unsafe_impl()->storage().get() == impl->storage().get()) return;
  impl->clear_view_base();
}

/// Records `name` as the producer of `outputs` when some input requires grad. The formula is
/// called as formula(node, grads, saved) and returns one gradient per input (undefined where
/// none flows).
/// `jvp` is the op's written-out JVP rule (apply_jvp), or DerivedJvp for one derived from the
/// backward formula.
template <typename Formula, typename Jvp = DerivedJvp>
void record(const char* name, std::initializer_list<const Tensor*> inputs,
            std::initializer_list<const Tensor*> outputs, std::initializer_list<Save> saved,
            Formula formula, const Jvp& jvp = {}) {
  if (autograd::any_fw_grad(inputs)) {
    std::vector<Tensor> values;
    for (const Save& s : saved) values.push_back(s.is_number ? Tensor() : s.tensor);
    if constexpr (std::is_same_v<Jvp, DerivedJvp>)
      propagate_tangents(name, std::vector<const Tensor*>(inputs),
                         std::vector<const Tensor*>(outputs), std::move(values), formula);
    else
      apply_jvp(std::vector<const Tensor*>(inputs), std::vector<const Tensor*>(outputs), values,
                jvp);
  }
  if (!autograd::any_requires_grad(inputs)) return;
  auto node = autograd::make_node<FormulaNode<Formula>>(name, autograd::collect_next_edges(inputs),
                                                        std::move(formula));
  for (const Tensor* out : outputs) {
    own_output(*out, inputs);
    autograd::set_history(*out, node);
  }
  std::vector<autograd::SavedTensor> kept;
  kept.reserve(saved.size());
  for (const Save& s : saved)
    kept.push_back(s.is_number ? autograd::SavedTensor::number()
                               : autograd::SavedTensor(s.tensor, s.is_output));
  node->set_saved(std::move(kept));
}

/// record() for an op over a list of tensors (cat): one gradient per entry of inputs.
template <typename Formula>
void record_list(const char* name, const std::vector<const Tensor*>& inputs, const Tensor& output,
                 Formula formula) {
  if (autograd::forward_ad_enabled()) {
    bool tangent = false;
    for (const Tensor* t : inputs) tangent = tangent || autograd::fw_grad(*t).defined();
    if (tangent) propagate_tangents(name, inputs, {&output}, {}, formula);
  }
  if (!GradMode::is_enabled()) return;
  bool any = false;
  for (const Tensor* t : inputs) any = any || (t->defined() && t->requires_grad());
  if (!any) return;
  autograd::edge_list edges;
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) edges.push_back(autograd::gradient_edge(*t));
  auto node = autograd::make_node<FormulaNode<Formula>>(name, std::move(edges), std::move(formula));
  own_output(output, inputs);
  autograd::set_history(output, node);
}

}  // namespace ember::detail
