#pragma once
/// A leaf's AccumulateGrad node, for code that walks the graph (DDP's unused-parameter search).
#include <memory>

#include "ember/autograd/node.h"
#include "ember/core/tensor.h"

namespace ember::autograd::impl {

/// The node that adds gradients into leaf.grad() (made on first use, shared by every graph
/// that uses the leaf; it lives while someone holds it or a graph uses it). Null for a tensor
/// that is not a leaf requiring grad.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

}  // namespace ember::autograd::impl
