#pragma once
/// Reverse-mode automatic differentiation: grad mode, the graph, and gradient functions.
#include <optional>

#include "ember/autograd/anomaly_mode.h"
#include "ember/autograd/forward_ad.h"
#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/gradcheck.h"
#include "ember/autograd/graphviz.h"
#include "ember/autograd/node.h"
#include "ember/autograd/profiler.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

/// Computes the gradients of outputs with respect to inputs without touching `.grad`.
/// grad_outputs default to ones for scalar outputs. allow_unused gives undefined tensors for
/// inputs the outputs do not depend on (else an error).
variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs = {},
                   std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                   bool allow_unused = false);

/// Accumulates the gradients of tensors into the `.grad` of the leaves they depend on; with
/// `inputs`, into the `.grad` of those tensors only (leaves or not).
void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

}  // namespace ember::autograd
