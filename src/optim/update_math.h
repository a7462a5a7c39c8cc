#pragma once
// In-place building blocks for the update rules. Ember's add_(x, alpha) with alpha != 1 allocates
// alpha * x, and there is no fused addcmul_/addcdiv_, so these route every intermediate through
// one caller-owned buffer that lives for one parameter's update.
#include "ember/core/tensor.h"

namespace ember::optim::detail {

// A 0-dim tensor holding v in like's dtype and device, to scale like-typed tensors in one pass.
Tensor scalar_like(double v, const Tensor& like);

// out = x * s, in one pass without allocating.
void scale_into(Tensor& out, const Tensor& x, double s);

// y += alpha * x. tmp (allocated like x on first use, then reused) holds alpha * x; it must not
// share memory with x or y.
void add_scaled_(Tensor& y, const Tensor& x, double alpha, Tensor& tmp);

// A new tensor a + alpha * b (one allocation), e.g. the gradient plus weight decay.
Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha);

// y += value * a * b (PyTorch's addcmul_), through tmp as above.
void addcmul_(Tensor& y, const Tensor& a, const Tensor& b, double value, Tensor& tmp);

}  // namespace ember::optim::detail
