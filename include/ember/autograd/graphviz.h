#pragma once
/// The graph behind a tensor in Graphviz's DOT language, to look at what autograd recorded.
#include <string>

#include "ember/core/tensor.h"

namespace ember::autograd {

/// One box per node (named as in `grad_fn`), one per leaf with its shape, and an arrow per
/// edge in the direction gradients flow. Render with `dot -Tsvg graph.dot -o graph.svg`.
std::string to_dot(const Tensor& root);

}  // namespace ember::autograd
