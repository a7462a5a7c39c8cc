#pragma once
// The node at the end of every path: adds the incoming gradient into a leaf's grad().
#include "graph/autograd_meta.h"

namespace ember::autograd {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(const Tensor& leaf);
  std::string name() const override { return "AccumulateGrad"; }
  variable_list apply(variable_list&& grads) override;
  /// The leaf whose gradient this node accumulates.
  const Tensor& variable() const { return leaf_; }

 private:
  Tensor leaf_;
};

}  // namespace ember::autograd
