// SavedTensor: a tensor kept for backward with the version it had, checked when unpacked.
#include <vector>

#include "core/check.h"
#include "ember/autograd/anomaly_mode.h"
#include "ember/autograd/grad_mode.h"
#include "graph/forward_grad.h"
#include "graph/history.h"

namespace ember::autograd {
namespace {

// Per thread, as in PyTorch: the installed hooks (innermost last), and the message that forbids
// installing more when set.
thread_local std::vector<std::shared_ptr<const SavedTensorHooks>> hooks_stack;
thread_local std::optional<std::string> hooks_disabled;

}  // namespace

SavedTensorHooksGuard::SavedTensorHooksGuard(std::function<std::any(const Tensor&)> pack,
                                             std::function<Tensor(const std::any&)> unpack) {
  EMBER_CHECK(!hooks_disabled, "saved_tensors_hooks: disabled here: {}", *hooks_disabled);
  EMBER_CHECK(pack && unpack, "saved_tensors_hooks: both a pack and an unpack hook are needed");
  hooks_stack.push_back(std::make_shared<const SavedTensorHooks>(
      SavedTensorHooks{std::move(pack), std::move(unpack)}));
}

SavedTensorHooksGuard::~SavedTensorHooksGuard() { hooks_stack.pop_back(); }

DisableSavedTensorHooksGuard::DisableSavedTensorHooksGuard(std::string message)
    : previous_(std::exchange(hooks_disabled, std::move(message))) {}

DisableSavedTensorHooksGuard::~DisableSavedTensorHooksGuard() {
  hooks_disabled = std::move(previous_);
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : was_defined_(t.defined()) {
  if (!t.defined()) return;
  version_ = t._version();
  is_output_ = is_output;
  requires_grad_ = t.requires_grad();
  if (AutogradMeta* meta = get_meta(t)) {
    output_nr_ = meta->output_nr_;
    if (!is_output) grad_fn_ = meta->grad_fn_;
  }
  // Backward formulas run under a dual level see their saved tensors' tangents (forward over
  // reverse), so the tangent is kept with the tensor.
  if (forward_ad_enabled()) {
    fw_grad_ = fw_grad(t);
    fw_level_ = current_dual_level();
  }
  // A leaf that requires grad stays itself, so gradients reach its accumulator.
  const bool keep_identity = requires_grad_ && !grad_fn_ && !is_output;
  if (hooks_stack.empty()) {
    data_ = keep_identity ? t : t.variable_data();
    return;
  }
  hooks_ = hooks_stack.back();
  if (keep_identity) leaf_ = t;
  const Tensor data = t.variable_data();
  NoGradGuard no_grad;
  packed_ = hooks_->pack(data);
  EMBER_CHECK(data._version() == version_,
              "A saved tensor pack hook is modifying its input in place. Tensors provided as "
              "input to pack hook can not be modified by in-place operations as this can lead to "
              "unexpected side-effects. Please open an issue if you need to perform in-place "
              "operations on the input to a pack hook.");
}

SavedTensor SavedTensor::number() {
  SavedTensor saved;
  saved.was_defined_ = true;
  return saved;
}

std::string modified_message(const Tensor& t, const std::string& producer, uint32_t now,
                             uint32_t saved) {
  static const char* legacy[] = {"Bool", "Int", "Long", "Float", "Double"};
  std::string what =
      fmt::format("[torch.{}Tensor {}]", legacy[static_cast<int>(t.dtype())], shape_str(t.sizes()));
  if (!producer.empty()) what += ", which is output 0 of " + producer + ",";
  // The hint depends on anomaly mode, as in PyTorch: with it on, the forward trace of the node
  // that failed has already been printed.
  const char* hint =
      AnomalyMode::is_enabled()
          ? "Hint: the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good "
            "luck!"
          : "Hint: enable anomaly detection to find the operation that failed to compute its "
            "gradient, with torch.autograd.set_detect_anomaly(True).";
  return fmt::format(
      "one of the variables needed for gradient computation has been modified by an inplace "
      "operation: {} is at version {}; expected version {} instead. {}",
      what, now, saved, hint);
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  if (!was_defined_) return {};
  EMBER_CHECK(!released_,
              "Trying to backward through the graph a second time (or directly access saved "
              "tensors after they have already been freed). Saved intermediate values of the "
              "graph are freed when you call .backward() or autograd.grad(). Specify "
              "retain_graph=True if you need to backward through the graph a second time or if "
              "you need to access saved tensors after calling backward.");
  if (hooks_) return with_tangent(unpack_hooked(owner));
  if (!data_.defined()) return {};  // a number()
  // The node that produced the tensor, named in the message: an output's is the owner.
  const Node* producer = is_output_ && requires_grad_ ? owner.get() : grad_fn_.get();
  EMBER_CHECK(
      data_._version() == version_, "{}",
      modified_message(data_, producer ? producer->name() : "", data_._version(), version_));
  return with_tangent(relink(data_, owner));
}

Tensor SavedTensor::with_tangent(Tensor t) const {
  if (fw_grad_.defined() && fw_level_ == current_dual_level() && !fw_grad(t).defined()) {
    if (t.unsafe_impl() == data_.unsafe_impl()) t = t.variable_data();  // data_ stays plain
    set_fw_grad(t, fw_grad_);
  }
  return t;
}

Tensor SavedTensor::unpack_hooked(const std::shared_ptr<Node>& owner) const {
  // The version check needs the saved memory, which the hooks exist to let go; only a leaf that
  // requires grad is still at hand to check.
  if (leaf_.defined())
    EMBER_CHECK(leaf_._version() == version_, "{}",
                modified_message(leaf_, "", leaf_._version(), version_));
  Tensor data = hooks_->unpack(packed_);
  EMBER_CHECK(data.defined(), "saved_tensors_hooks: the unpack hook returned an undefined tensor");
  if (leaf_.defined()) {
    // A leaf that shares the leaf's accumulator, as torch unpacks it: it stays a leaf (no
    // grad_fn) while gradients through it still reach the original leaf's .grad.
    if (data.unsafe_impl() == leaf_.unsafe_impl()) return leaf_;
    Tensor linked = data.variable_data();
    AutogradMeta& meta = ensure_meta(linked);
    meta.requires_grad_ = true;
    meta.grad_accumulator_ = get_meta(leaf_)->grad_accumulator_;
    return linked;
  }
  return relink(data.variable_data(), owner);
}

// Re-links data to the history the saved tensor had (an output: the node that saved it), so
// create_graph can differentiate through it.
Tensor SavedTensor::relink(const Tensor& data, const std::shared_ptr<Node>& owner) const {
  const std::shared_ptr<Node>& history = is_output_ ? owner : grad_fn_;
  if (!requires_grad_ || !history) return data;
  Tensor linked = data.variable_data();
  AutogradMeta& meta = ensure_meta(linked);
  meta.grad_fn_ = history;
  meta.output_nr_ = output_nr_;
  return linked;
}

void SavedTensor::reset() {
  data_ = Tensor();
  packed_.reset();
  hooks_.reset();
  leaf_ = Tensor();
  fw_grad_ = Tensor();
  grad_fn_.reset();
  released_ = true;
}

}  // namespace ember::autograd
