// nn::utils: gradient clipping and parameters as one vector.
#include "ember/nn/utils.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops.h"

namespace ember::nn::utils {

Tensor clip_grad_norm_tensor(const std::vector<Tensor>& parameters, double max_norm,
                             double norm_type, bool error_if_nonfinite) {
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return zeros({});
  NoGradGuard no_grad;
  const bool inf_norm = std::isinf(norm_type) && norm_type > 0;
  std::vector<Tensor> norms;
  norms.reserve(grads.size());
  for (const Tensor& g : grads) norms.push_back(inf_norm ? g.abs().max() : g.norm(norm_type));
  Tensor all = stack(norms);
  Tensor total = inf_norm ? all.max() : all.norm(norm_type);
  if (error_if_nonfinite && !isfinite(total).item<bool>())
    throw Error(
        fmt::format("The total norm of order {} for gradients from `parameters` is "
                    "non-finite, so it cannot be clipped. To disable this error and scale "
                    "the gradients by the non-finite norm anyway, set "
                    "`error_if_nonfinite=False`",
                    norm_type));
  // As torch: the scale is computed and applied as a tensor, so a NaN norm spreads into the
  // gradients rather than being skipped.
  const Tensor scale = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (Tensor& g : grads) g.mul_(scale.to(g.dtype()));
  return total;
}

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_tensor(parameters, max_norm, norm_type, error_if_nonfinite).item<double>();
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters)
    if (p.grad().defined()) p.grad().clamp_(-clip_value, clip_value);
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

Tensor parameters_to_vector(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> flat;
  flat.reserve(parameters.size());
  for (const Tensor& p : parameters) flat.push_back(p.reshape({-1}));
  return cat(flat);
}

void vector_to_parameters(const Tensor& vec, const std::vector<Tensor>& parameters) {
  if (vec.dim() != 1)
    throw Error(fmt::format("vector_to_parameters: expected vec to be a 1-D tensor, but got a "
                            "{}-D tensor",
                            vec.dim()),
                ErrorKind::Type);
  int64_t total = 0;
  for (const Tensor& p : parameters) total += p.numel();
  if (total != vec.numel())
    throw Error(fmt::format("vector_to_parameters: vec holds {} elements but the parameters {}",
                            vec.numel(), total));
  NoGradGuard no_grad;
  int64_t offset = 0;
  for (const Tensor& p : parameters) {
    p.copy_(vec.slice(0, offset, offset + p.numel()).reshape(p.sizes()));
    offset += p.numel();
  }
}

}  // namespace ember::nn::utils
