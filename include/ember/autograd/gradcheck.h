#pragma once
/// Numerical checks of backward formulas: analytical gradients against central differences.
#include <functional>

#include "ember/autograd/node.h"

namespace ember::autograd {

/// A differentiable function of several tensors.
using TensorFunction = std::function<variable_list(const variable_list&)>;

/// The two Jacobians of fn at inputs, one matrix per input (rows: the input's elements in
/// row-major order; columns: the elements of all defined outputs, concatenated), in float64.
/// Undefined gradients count as zeros.
struct Jacobians {
  std::vector<Tensor> analytical;  // from backward, one output element at a time
  std::vector<Tensor> numerical;   // from central differences of step eps
};
Jacobians jacobians(const TensorFunction& fn, const variable_list& inputs, double eps = 1e-6);

/// Compares every entry of the Jacobian of fn at inputs with central differences of step eps:
/// |analytical - numerical| <= atol + rtol * |numerical|. Where the numerical Jacobian of an input
/// is exactly zero (nothing depends on it, or only through a constant derivative), the analytical
/// one must be zero to double-precision rounding (1e-12), not merely within atol. Inputs are
/// floating-point tensors that require grad (float64, or the differences are too coarse). Throws
/// ember::Error describing the first mismatch when raise is set; else returns false.
bool gradcheck(const TensorFunction& fn, const variable_list& inputs, double eps = 1e-6,
               double atol = 1e-5, double rtol = 1e-3, bool raise = true);

/// fn's vector-Jacobian product as a function: its inputs are fn's num_inputs inputs followed by
/// one upstream gradient per output of fn that requires grad; its outputs are the gradients with
/// respect to fn's inputs (zeros where an input is unused), recorded with create_graph.
TensorFunction vjp_function(TensorFunction fn, size_t num_inputs);

/// PyTorch's gradgradcheck: gradcheck of vjp_function(fn) at inputs and grad_outputs. The
/// upstream gradients that require grad are inputs of the check (random ones unless given; given
/// ones that do not require grad are constants),
/// so the second derivatives are checked both with respect to the inputs and with respect to the
/// upstream gradients: every op's double-backward path runs, also where the first derivative does
/// not depend on the inputs (there the second derivative must be zero, as above).
bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs,
                   const variable_list& grad_outputs, double eps = 1e-6, double atol = 1e-5,
                   double rtol = 1e-3, bool raise = true);
bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs, double eps = 1e-6,
                   double atol = 1e-5, double rtol = 1e-3, bool raise = true);

/// The upstream gradients gradgradcheck draws for fn at inputs: standard normal tensors of each
/// output's dtype, requiring grad, one per output of fn that requires grad.
variable_list random_grad_outputs(const TensorFunction& fn, const variable_list& inputs);

}  // namespace ember::autograd
