#pragma once
/// Activation checkpointing (torch.utils.checkpoint, non-reentrant): a checkpointed function
/// keeps none of its intermediate tensors for backward; backward runs it again to get them.
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/collect_tensors.h"
#include "ember/core/tensor.h"

namespace ember::utils {

/// How checkpoint() runs its function.
struct CheckpointOptions {
  /// Recompute under the random state the forward saw, so dropout draws the same mask.
  bool preserve_rng_state = true;
};

namespace detail {

/// Runs `forward` once with each tensor saved for backward replaced by a handle (saved-tensor
/// hooks). When backward first unpacks a handle, `recompute` runs the same computation again and
/// the tensors it saves answer every handle of this checkpoint. `inputs` are checked for
/// in-place changes before recomputing.
void checkpoint_run(const std::function<void()>& forward, std::function<void()> recompute,
                    std::vector<Tensor> inputs, const CheckpointOptions& options);

}  // namespace detail

/// Returns fn(args...) while keeping for backward only what it takes to call fn again: memory
/// for compute. fn and args are copied and kept until backward (a lambda capturing by reference
/// must keep its captures alive until then); fn must compute the same thing when called again.
template <class F, class... Args>
auto checkpoint(const CheckpointOptions& options, F fn, Args... args) {
  using Result = std::invoke_result_t<F&, Args&...>;
  std::vector<Tensor> inputs;
  (ember::detail::collect_tensors(inputs, args), ...);
  std::optional<Result> result;
  detail::checkpoint_run([&] { result.emplace(std::invoke(fn, args...)); },
                         [fn, args...]() mutable { (void)std::invoke(fn, args...); },
                         std::move(inputs), options);
  return std::move(*result);
}

/// checkpoint() with the default options.
template <class F, class... Args, std::enable_if_t<std::is_invocable_v<F&, Args&...>, int> = 0>
auto checkpoint(F fn, Args... args) {
  return checkpoint(CheckpointOptions{}, std::move(fn), std::move(args)...);
}

}  // namespace ember::utils
