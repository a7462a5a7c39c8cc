// Activation checkpointing through saved-tensor hooks (Note [Checkpoint frames]).
#include "ember/utils/checkpoint.h"

#include <mutex>

#include "core/check.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/saved_tensor.h"
#include "ember/ops/creation.h"

namespace ember::utils::detail {
namespace {

// Note [Checkpoint frames]
// A checkpointed forward installs hooks whose pack returns a handle (the frame and the tensor's
// position in save order) instead of the tensor, so nothing the function saves stays alive. The
// first unpack of a handle reruns the function under hooks that keep what it saves, by position;
// each handle then takes its tensor out, so memory comes back as backward consumes it. A handle
// whose tensor was already taken (a second backward with retain_graph) reruns the function again:
// each backward recomputes a checkpoint once.

struct SavedMeta {
  explicit SavedMeta(const Tensor& t)
      : sizes(t.sizes().begin(), t.sizes().end()), dtype(t.dtype()) {}
  DimVector sizes;
  ScalarType dtype;

  bool operator==(const SavedMeta&) const = default;
  std::string str() const {
    return fmt::format("{{'shape': {}, 'dtype': {}}}", shape_str(sizes), dtype_legacy_name(dtype));
  }
};

class CheckpointFrame {
 public:
  CheckpointFrame(std::function<void()> recompute, std::vector<Tensor> inputs,
                  const CheckpointOptions& options)
      : recompute_(std::move(recompute)), inputs_(std::move(inputs)) {
    for (const Tensor& t : inputs_) versions_.push_back(t.defined() ? t._version() : 0);
    if (options.preserve_rng_state) rng_state_ = get_rng_state();
  }

  size_t add(const Tensor& t) {
    forward_meta_.emplace_back(t);
    return forward_meta_.size() - 1;
  }

  Tensor take(size_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index >= recomputed_.size() || !recomputed_[index].defined()) recompute();
    return std::exchange(recomputed_[index], Tensor());
  }

 private:
  void recompute() {
    for (size_t i = 0; i < inputs_.size(); ++i)
      EMBER_CHECK(!inputs_[i].defined() || inputs_[i]._version() == versions_[i],
                  "torch.utils.checkpoint: input {} of the checkpointed function was modified by "
                  "an inplace operation after the forward (version {}; expected version {}), so "
                  "recomputing it would not give the tensors its backward needs",
                  i, inputs_[i]._version(), versions_[i]);
    std::vector<Tensor> saved;
    {
      autograd::SavedTensorHooksGuard hooks(
          [&saved](const Tensor& t) {
            saved.push_back(t);
            return std::any();
          },
          [](const std::any&) -> Tensor {
            throw Error(
                "torch.utils.checkpoint: the graph built while recomputing a checkpoint "
                "cannot be differentiated");
          });
      EnableGradGuard grad_mode;
      std::optional<Tensor> outer_rng;
      if (rng_state_) {
        outer_rng = get_rng_state();
        set_rng_state(*rng_state_);
      }
      struct RestoreRng {
        std::optional<Tensor>& state;
        ~RestoreRng() {
          if (state) set_rng_state(*state);
        }
      } restore{outer_rng};
      recompute_();
    }
    EMBER_CHECK(saved.size() == forward_meta_.size(),
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\nNumber of tensors saved during forward: "
                "{}\nNumber of tensors saved during recomputation: {}",
                forward_meta_.size(), saved.size());
    std::string mismatches;
    for (size_t i = 0; i < saved.size(); ++i) {
      const SavedMeta now(saved[i]);
      if (now != forward_meta_[i])
        mismatches += fmt::format(
            "tensor at position {}:\nsaved metadata: {}\nrecomputed "
            "metadata: {}\n",
            i, forward_meta_[i].str(), now.str());
    }
    EMBER_CHECK(mismatches.empty(),
                "torch.utils.checkpoint: Recomputed values for the following tensors have "
                "different metadata than during the forward pass.\n{}",
                mismatches);
    recomputed_ = std::move(saved);
  }

  std::function<void()> recompute_;
  std::vector<Tensor> inputs_;
  std::vector<uint32_t> versions_;
  std::optional<Tensor> rng_state_;
  std::vector<SavedMeta> forward_meta_;
  std::vector<Tensor> recomputed_;
  std::mutex mutex_;
};

struct Handle {
  std::shared_ptr<CheckpointFrame> frame;
  size_t index;
};

}  // namespace

void checkpoint_run(const std::function<void()>& forward, std::function<void()> recompute,
                    std::vector<Tensor> inputs, const CheckpointOptions& options) {
  auto frame = std::make_shared<CheckpointFrame>(std::move(recompute), std::move(inputs), options);
  autograd::SavedTensorHooksGuard hooks(
      [frame](const Tensor& t) {
        return std::any(Handle{frame, frame->add(t)});
      },
      [](const std::any& packed) {
        const auto& handle = std::any_cast<const Handle&>(packed);
        return handle.frame->take(handle.index);
      });
  forward();
}

}  // namespace ember::utils::detail
