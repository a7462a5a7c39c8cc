#include "ember/autograd/gradcheck.h"

#include <cmath>

#include "core/check.h"
#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember::autograd {
namespace {

// fn's outputs flattened into one float64 vector (no history).
Tensor flat_outputs(const TensorFunction& fn, const variable_list& inputs) {
  NoGradGuard no_grad;
  variable_list outs = fn(inputs);
  std::vector<Tensor> parts;
  for (const Tensor& o : outs)
    if (o.defined()) parts.push_back(o.reshape({-1}).to(kFloat64));
  return parts.empty() ? zeros({0}, kFloat64) : cat(parts);
}

// A view of element j (row-major order) of t, whatever t's strides.
Tensor element(const Tensor& t, int64_t j) {
  DimVector index(static_cast<size_t>(t.dim()));
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    index[d] = j % t.sizes()[d];
    j /= t.sizes()[d];
  }
  Tensor e = t;
  for (int64_t i : index) e = e.select(0, i);
  return e;
}

// Jacobian by central differences: rows are input elements, columns output elements.
std::vector<Tensor> numerical_jacobian(const TensorFunction& fn, const variable_list& inputs,
                                       double eps) {
  std::vector<Tensor> jac;
  for (const Tensor& input : inputs) {
    Tensor alias = input.detach();  // shares memory: writing it perturbs the input
    Tensor rows = zeros({input.numel(), flat_outputs(fn, inputs).numel()}, kFloat64);
    for (int64_t j = 0; j < input.numel(); ++j) {
      NoGradGuard no_grad;
      Tensor entry = element(alias, j);
      const double x = entry.item<double>();
      entry.fill_(x + eps);
      Tensor plus = flat_outputs(fn, inputs);
      entry.fill_(x - eps);
      Tensor minus = flat_outputs(fn, inputs);
      entry.fill_(x);
      rows.select(0, j).copy_((plus - minus) / (2 * eps));
    }
    jac.push_back(rows);
  }
  return jac;
}

// Jacobian from backward, one output element at a time.
std::vector<Tensor> analytical_jacobian(const TensorFunction& fn, const variable_list& inputs) {
  variable_list outs = fn(inputs);
  int64_t total = 0;
  for (const Tensor& o : outs) total += o.defined() ? o.numel() : 0;
  std::vector<Tensor> jac;
  for (const Tensor& input : inputs) jac.push_back(zeros({input.numel(), total}, kFloat64));
  int64_t column = 0;
  for (const Tensor& out : outs) {
    if (!out.defined()) continue;
    for (int64_t k = 0; k < out.numel(); ++k, ++column) {
      if (!out.requires_grad()) continue;
      Tensor pick = zeros_like(out);
      {
        NoGradGuard no_grad;
        pick.view({-1}).select(0, k).fill_(1);
      }
      variable_list grads = grad({out}, inputs, {pick}, /*retain_graph=*/true,
                                 /*create_graph=*/false, /*allow_unused=*/true);
      NoGradGuard no_grad;
      for (size_t i = 0; i < inputs.size(); ++i)
        if (grads[i].defined()) jac[i].select(1, column).copy_(grads[i].reshape({-1}).to(kFloat64));
    }
  }
  return jac;
}

bool compare(const std::vector<Tensor>& analytical, const std::vector<Tensor>& numerical,
             double atol, double rtol, bool raise, const char* what) {
  for (size_t i = 0; i < analytical.size(); ++i) {
    const Tensor& a = analytical[i];
    const Tensor& n = numerical[i];
    Tensor bad = (a - n).abs().gt(n.abs() * rtol + atol);
    if (!bad.any().item<bool>()) continue;
    if (!raise) return false;
    const int64_t at = bad.reshape({-1}).to(kInt64).argmax().item<int64_t>();
    const int64_t cols = a.sizes()[1];
    EMBER_FAIL(
        "{}: Jacobian mismatch for input {} at (input element {}, output element {}): "
        "analytical {} vs numerical {}",
        what, i, at / cols, at % cols, a.reshape({-1}).select(0, at).item<double>(),
        n.reshape({-1}).select(0, at).item<double>());
  }
  return true;
}

}  // namespace

bool gradcheck(const TensorFunction& fn, const variable_list& inputs, double eps, double atol,
               double rtol, bool raise) {
  for (const Tensor& t : inputs)
    EMBER_CHECK(t.is_floating_point() && t.requires_grad(),
                "gradcheck: inputs must be floating-point tensors that require grad");
  return compare(analytical_jacobian(fn, inputs), numerical_jacobian(fn, inputs, eps), atol, rtol,
                 raise, "gradcheck");
}

bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs, double eps, double atol,
                   double rtol, bool raise) {
  // Fixed random weights for the outputs make the gradient a function of the inputs alone.
  variable_list weights;
  for (const Tensor& o : fn(inputs))
    weights.push_back(o.defined() ? randn(o.sizes(), TensorOptions(kFloat64)) : Tensor());
  TensorFunction first_derivative = [&](const variable_list& xs) {
    // The gradient needs fn's graph, also where the numerical Jacobian calls this in no-grad mode.
    EnableGradGuard enable_grad;
    variable_list outs = fn(xs);
    variable_list used_outs, used_weights;
    for (size_t k = 0; k < outs.size(); ++k)
      if (outs[k].defined() && outs[k].requires_grad()) {
        used_outs.push_back(outs[k]);
        used_weights.push_back(weights[k]);
      }
    if (used_outs.empty()) return variable_list{};
    return grad(used_outs, xs, used_weights, /*retain_graph=*/true, /*create_graph=*/true,
                /*allow_unused=*/true);
  };
  return compare(analytical_jacobian(first_derivative, inputs),
                 numerical_jacobian(first_derivative, inputs, eps), atol, rtol, raise,
                 "gradgradcheck");
}

}  // namespace ember::autograd
