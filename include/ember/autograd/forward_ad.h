#pragma once
/// Forward-mode automatic differentiation (torch.autograd.forward_ad): dual tensors carry a
/// tangent, and every op gives its outputs the tangent J v of its inputs' tangents v.
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::autograd::forward_ad {

/// A scope in which tensors may carry tangents (`with fwAD.dual_level():`). One level can be
/// active at a time, as in PyTorch; tangents set inside are not seen after it ends.
class dual_level {
 public:
  dual_level();
  ~dual_level();
  dual_level(const dual_level&) = delete;
  dual_level& operator=(const dual_level&) = delete;
  /// This level's id.
  int64_t level() const { return level_; }

 private:
  int64_t level_;
};

/// A view of primal whose tangent is `tangent` (same shape), at the active dual level.
Tensor make_dual(const Tensor& primal, const Tensor& tangent);

/// What unpack_dual returns: a view of the tensor without its tangent, and the tangent
/// (undefined when it has none).
struct UnpackedDualTensor {
  Tensor primal;
  Tensor tangent;
};
UnpackedDualTensor unpack_dual(const Tensor& tensor);

}  // namespace ember::autograd::forward_ad
