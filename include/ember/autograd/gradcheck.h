#pragma once
/// Numerical checks of backward formulas: analytical gradients against central differences.
#include <functional>

#include "ember/autograd/node.h"

namespace ember::autograd {

/// A differentiable function of several tensors.
using TensorFunction = std::function<variable_list(const variable_list&)>;

/// Compares every entry of the Jacobian of fn at inputs with central differences of step eps:
/// |analytical - numerical| <= atol + rtol * |numerical|. Inputs are floating-point tensors that
/// require grad (float64, or the differences are too coarse). Throws ember::Error describing the
/// first mismatch when raise is set; else returns false.
bool gradcheck(const TensorFunction& fn, const variable_list& inputs, double eps = 1e-6,
               double atol = 1e-5, double rtol = 1e-3, bool raise = true);

/// gradcheck of the gradient itself: checks the second derivatives that create_graph gives,
/// through the vector-Jacobian product with fixed random grad_outputs.
bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs, double eps = 1e-6,
                   double atol = 1e-5, double rtol = 1e-3, bool raise = true);

}  // namespace ember::autograd
