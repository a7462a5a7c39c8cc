// Fused layer normalization: the forward runs one kernel over the rows of the input and records
// one node (torch's NativeLayerNormBackward0). Its backward runs the fused backward kernel, or,
// when it is itself differentiated (create_graph), the same gradients written in ops that
// recompute the statistics from the saved input, so derivatives of any order work. The
// forward-mode tangent is written out too.
#include "ember/ops/norm.h"

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember::detail {
namespace {

// The trailing k dims (the normalized ones) and the leading ones.
DimVector trailing_dims(int64_t k) {
  DimVector dims;
  for (int64_t i = -k; i < 0; ++i) dims.push_back(i);
  return dims;
}
DimVector leading_dims(int64_t rank, int64_t k) {
  DimVector dims;
  for (int64_t i = 0; i < rank - k; ++i) dims.push_back(i);
  return dims;
}

// xhat = (x - mean) rstd and rstd = 1 / sqrt(var + eps) over dims (kept), in recorded ops.
struct Normalized {
  Tensor xhat, rstd;
};
Normalized normalize(const Tensor& x, const DimVector& dims, double eps) {
  const Tensor centered = x - x.mean(dims, true);
  const Tensor rstd = ((centered * centered).mean(dims, true) + eps).rsqrt();
  return {centered * rstd, rstd};
}

// t summed over the leading (not normalized) dims: the shape of weight and bias.
Tensor sum_leading(const Tensor& t, int64_t k) {
  const DimVector lead = leading_dims(t.dim(), k);
  return lead.empty() ? t : t.sum(lead);
}

// The gradients in recorded ops (differentiable again), each only when wanted:
//   dx = rstd (gw - mean(gw) - xhat mean(gw xhat)) with gw = g w,
//   dweight = sum over rows of g xhat, dbias = sum over rows of g.
variable_list composed_backward(const Tensor& x, const Tensor& weight, const Tensor& g, int64_t k,
                                double eps, bool want_x, bool want_w, bool want_b) {
  const DimVector dims = trailing_dims(k);
  variable_list grads(3);
  if (want_x || want_w) {
    const Normalized n = normalize(x, dims, eps);
    if (want_x) {
      const Tensor gw = weight.defined() ? g * weight : g;
      grads[0] = n.rstd * (gw - gw.mean(dims, true) - n.xhat * (gw * n.xhat).mean(dims, true));
    }
    if (want_w) grads[1] = sum_leading(g * n.xhat, k);
  }
  if (want_b) grads[2] = sum_leading(g, k);
  return grads;
}

// The tangent of y = xhat w + b along (dx, dw, db):
//   dy = w rstd (dx - mean(dx) - xhat mean(dx xhat)) + xhat dw + db.
Tensor layer_norm_jvp(const Tensor& x, const Tensor& weight, const Tensor& dx, const Tensor& dw,
                      const Tensor& db, int64_t k, double eps) {
  const DimVector dims = trailing_dims(k);
  Tensor out;
  if (dx.defined() || dw.defined()) {
    const Normalized n = normalize(x, dims, eps);
    if (dx.defined()) {
      out = n.rstd * (dx - dx.mean(dims, true) - n.xhat * (dx * n.xhat).mean(dims, true));
      if (weight.defined()) out = out * weight;
    }
    if (dw.defined()) out = add_tangents(out, n.xhat * dw);
  }
  if (db.defined()) out = add_tangents(out, db.expand(x.sizes()));
  return out.defined() && out.sizes() != x.sizes() ? out.expand(x.sizes()).contiguous() : out;
}

// t as the kernels' contiguous [N] (undefined stays so).
Tensor flat_param(const Tensor& t, int64_t n) { return t.defined() ? t.contiguous().view({n}) : t; }

bool kernel_takes(const Tensor& x, const Tensor& param) {
  return !param.defined() || (param.dtype() == x.dtype() && param.device() == x.device());
}

}  // namespace

Tensor fused_layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight,
                        const Tensor& bias, double eps) {
  if ((x.dtype() != kFloat32 && x.dtype() != kFloat64) || x.device().type() != kCPU ||
      !kernel_takes(x, weight) || !kernel_takes(x, bias) || x.numel() == 0)
    return Tensor();
  const auto k = static_cast<int64_t>(normalized_shape.size());
  int64_t n = 1;
  for (int64_t s : normalized_shape) n *= s;
  const int64_t rows = x.numel() / n;
  const DimVector shape(normalized_shape.begin(), normalized_shape.end());
  Tensor out, mean, rstd;
  {
    NoGradGuard no_grad;
    const Tensor in = x.contiguous().view({rows, n});
    const Tensor w = flat_param(weight, n), b = flat_param(bias, n);
    out = empty_for(x.sizes(), x.options(), {&in, &w, &b});
    mean = empty_for({rows}, x.options(), {&in, &w, &b});
    rstd = empty_for({rows}, x.options(), {&in, &w, &b});
    kernels_for(x).layer_norm(out.view({rows, n}), mean, rstd, in, w, b, eps);
  }
  record(
      "NativeLayerNormBackward0", {&x, &weight, &bias}, {&out}, {{x}, {weight}, {mean}, {rstd}},
      [k, n, rows, shape, eps](const autograd::Node& node, const variable_list& g,
                               const variable_list& s) {
        const Tensor &x0 = s[0], &w0 = s[1];
        const bool want_x = needs_grad(node, 0), want_w = w0.defined() && needs_grad(node, 1),
                   want_b = needs_grad(node, 2);
        if (!g[0].defined()) return variable_list(3);
        if (GradMode::is_enabled())
          return composed_backward(x0, w0, g[0], k, eps, want_x, want_w, want_b);
        const Tensor grad = g[0].contiguous().view({rows, n});
        const Tensor in = x0.contiguous().view({rows, n});
        const Tensor w = flat_param(w0, n);
        const Tensor &mean0 = s[2], &rstd0 = s[3];
        const std::initializer_list<const Tensor*> operands = {&grad, &in, &w, &mean0, &rstd0};
        const TensorOptions options = x0.options();
        Tensor dx = want_x ? empty_for(x0.sizes(), options, operands) : Tensor();
        Tensor dw = want_w ? empty_for(shape, options, operands) : Tensor();
        Tensor db = want_b ? empty_for(shape, options, operands) : Tensor();
        kernels_for(in).layer_norm_backward(
            dx.defined() ? dx.view({rows, n}) : dx, dw.defined() ? dw.view({n}) : dw,
            db.defined() ? db.view({n}) : db, grad, in, mean0, rstd0, w);
        return variable_list{dx, dw, db};
      },
      [k, eps](const variable_list& t, const variable_list& s) {
        return variable_list{layer_norm_jvp(s[0], s[1], t[0], t[1], t[2], k, eps)};
      });
  return out;
}

}  // namespace ember::detail
