#include "update_math.h"

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"

namespace ember::optim::detail {

Tensor scalar_like(double v, const Tensor& like) { return full(IntArrayRef{}, v, like.options()); }

void scale_into(Tensor& out, const Tensor& x, double s) { mul_out(out, x, scalar_like(s, x)); }

void add_scaled_(Tensor& y, const Tensor& x, double alpha, Tensor& tmp) {
  if (alpha == 1) {
    y.add_(x);
    return;
  }
  if (alpha == -1) {
    y.sub_(x);
    return;
  }
  if (!tmp.defined()) tmp = empty_like(x);
  scale_into(tmp, x, alpha);
  y.add_(tmp);
}

Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = empty_like(b);
  scale_into(out, b, alpha);
  out.add_(a);
  return out;
}

void addcmul_(Tensor& y, const Tensor& a, const Tensor& b, double value, Tensor& tmp) {
  if (!tmp.defined()) tmp = empty_like(a);
  // (value * a) * b, PyTorch's evaluation order.
  if (value == 1) {
    mul_out(tmp, a, b);
  } else {
    scale_into(tmp, a, value);
    tmp.mul_(b);
  }
  y.add_(tmp);
}

}  // namespace ember::optim::detail
