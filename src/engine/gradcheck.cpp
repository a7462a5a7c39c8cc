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

// Where the numerical Jacobian of an input is exactly zero (nothing depends on the input, or
// only linearly through a constant derivative), the analytical one must be zero to the rounding
// of double precision, not merely within atol: a term that should vanish but is only small (a
// wrong formula scaled by a small factor) is caught.
constexpr double kRoundingZero = 1e-12;

bool compare(const Jacobians& j, double atol, double rtol, bool raise, const char* what) {
  for (size_t i = 0; i < j.analytical.size(); ++i) {
    const Tensor& a = j.analytical[i];
    const Tensor& n = j.numerical[i];
    const bool exact = !n.ne(0).any().item<bool>();
    Tensor bad = exact ? a.abs().gt(kRoundingZero) : (a - n).abs().gt(n.abs() * rtol + atol);
    if (!bad.any().item<bool>()) continue;
    if (!raise) return false;
    const int64_t at = bad.reshape({-1}).to(kInt64).argmax().item<int64_t>();
    const int64_t cols = a.sizes()[1];
    EMBER_FAIL(
        "{}: Jacobian mismatch for input {} at (input element {}, output element {}): "
        "analytical {} vs numerical {}{}",
        what, i, at / cols, at % cols, a.reshape({-1}).select(0, at).item<double>(),
        n.reshape({-1}).select(0, at).item<double>(),
        exact ? " (the numerical Jacobian of this input is exactly zero)" : "");
  }
  return true;
}

void check_inputs(const variable_list& inputs, const char* what) {
  for (const Tensor& t : inputs)
    EMBER_CHECK(t.is_floating_point() && t.requires_grad(),
                "{}: inputs must be floating-point tensors that require grad", what);
}

}  // namespace

Jacobians jacobians(const TensorFunction& fn, const variable_list& inputs, double eps) {
  return {analytical_jacobian(fn, inputs), numerical_jacobian(fn, inputs, eps)};
}

bool gradcheck(const TensorFunction& fn, const variable_list& inputs, double eps, double atol,
               double rtol, bool raise) {
  check_inputs(inputs, "gradcheck");
  return compare(jacobians(fn, inputs, eps), atol, rtol, raise, "gradcheck");
}

TensorFunction vjp_function(TensorFunction fn, size_t num_inputs) {
  return [fn = std::move(fn), num_inputs](const variable_list& xs) {
    EMBER_CHECK(xs.size() >= num_inputs, "vjp_function: expected at least {} tensors, got {}",
                num_inputs, xs.size());
    // The gradient needs fn's graph, also where the numerical Jacobian calls this in no-grad mode.
    EnableGradGuard enable_grad;
    const variable_list inputs(xs.begin(), xs.begin() + static_cast<ptrdiff_t>(num_inputs));
    variable_list outs, upstream;
    size_t next = num_inputs;
    for (const Tensor& o : fn(inputs)) {
      if (!o.defined() || !o.requires_grad()) continue;
      EMBER_CHECK(next < xs.size(),
                  "vjp_function: more outputs require grad than the {} "
                  "upstream gradients given",
                  xs.size() - num_inputs);
      outs.push_back(o);
      upstream.push_back(xs[next++]);
    }
    EMBER_CHECK(next == xs.size(),
                "vjp_function: {} upstream gradients for {} outputs that "
                "require grad",
                xs.size() - num_inputs, outs.size());
    variable_list grads(num_inputs);
    if (!outs.empty())
      grads = grad(outs, inputs, upstream, /*retain_graph=*/true, /*create_graph=*/true,
                   /*allow_unused=*/true);
    for (size_t i = 0; i < num_inputs; ++i)
      if (!grads[i].defined()) grads[i] = zeros_like(inputs[i]);
    return grads;
  };
}

variable_list random_grad_outputs(const TensorFunction& fn, const variable_list& inputs) {
  variable_list grad_outputs;
  for (const Tensor& o : fn(inputs))
    if (o.defined() && o.requires_grad())
      grad_outputs.push_back(randn(o.sizes(), TensorOptions(o.dtype())).requires_grad_());
  return grad_outputs;
}

bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs,
                   const variable_list& grad_outputs, double eps, double atol, double rtol,
                   bool raise) {
  check_inputs(inputs, "gradgradcheck");
  for (const Tensor& g : grad_outputs)
    EMBER_CHECK(g.defined() && g.is_floating_point(),
                "gradgradcheck: grad_outputs must be floating-point tensors");
  // Upstream gradients that require grad are checked like the inputs; the others are constants
  // (as in PyTorch).
  variable_list checked = inputs;
  for (const Tensor& g : grad_outputs)
    if (g.requires_grad()) checked.push_back(g);
  const TensorFunction vjp = vjp_function(fn, inputs.size());
  const size_t n = inputs.size();
  TensorFunction with_constants = [&](const variable_list& xs) {
    variable_list all(xs.begin(), xs.begin() + static_cast<ptrdiff_t>(n));
    size_t next = n;
    for (const Tensor& g : grad_outputs) all.push_back(g.requires_grad() ? xs[next++] : g);
    return vjp(all);
  };
  return compare(jacobians(with_constants, checked, eps), atol, rtol, raise, "gradgradcheck");
}

bool gradgradcheck(const TensorFunction& fn, const variable_list& inputs, double eps, double atol,
                   double rtol, bool raise) {
  return gradgradcheck(fn, inputs, random_grad_outputs(fn, inputs), eps, atol, rtol, raise);
}

}  // namespace ember::autograd
