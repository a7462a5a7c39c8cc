// SavedTensor: a tensor kept for backward with the version it had, checked when unpacked.
#include "core/check.h"
#include "ember/autograd/anomaly_mode.h"
#include "graph/history.h"

namespace ember::autograd {

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : was_defined_(t.defined()) {
  if (!t.defined()) return;
  version_ = t._version();
  is_output_ = is_output;
  requires_grad_ = t.requires_grad();
  if (AutogradMeta* meta = get_meta(t)) {
    output_nr_ = meta->output_nr_;
    if (!is_output) grad_fn_ = meta->grad_fn_;
  }
  // A leaf that requires grad stays itself, so gradients reach its accumulator.
  const bool keep_identity = requires_grad_ && !grad_fn_ && !is_output;
  data_ = keep_identity ? t : t.variable_data();
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
  if (!data_.defined()) return {};  // a number()
  // The node that produced the tensor, named in the message: an output's is the owner.
  const Node* producer = is_output_ && requires_grad_ ? owner.get() : grad_fn_.get();
  EMBER_CHECK(
      data_._version() == version_, "{}",
      modified_message(data_, producer ? producer->name() : "", data_._version(), version_));
  // Re-link to the history the tensor had (an output: the node that saved it), so create_graph
  // can differentiate through it.
  const std::shared_ptr<Node>& history = is_output_ ? owner : grad_fn_;
  if (!requires_grad_ || !history) return data_;
  Tensor linked = data_.variable_data();
  AutogradMeta& meta = ensure_meta(linked);
  meta.grad_fn_ = history;
  meta.output_nr_ = output_nr_;
  return linked;
}

void SavedTensor::reset() {
  data_ = Tensor();
  grad_fn_.reset();
  released_ = true;
}

}  // namespace ember::autograd
