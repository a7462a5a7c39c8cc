// Fused layer normalization: the forward runs one kernel over the rows of the input and records
// one node (torch's NativeLayerNormBackward0). Its backward runs the fused backward kernel, or,
// when it is itself differentiated (create_graph), the same gradients written in ops that
// recompute the statistics from the saved input, so derivatives of any order work. The
// forward-mode tangent is written out too. Batch normalization in training mode likewise
// (torch's NativeBatchNormBackward0), with statistics per channel.
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

// Batch norm: the dims reduced (all but the channel dim 1) and the [1, C, 1, ...] shape that
// per-channel values broadcast as.
DimVector batch_dims(int64_t rank) {
  DimVector dims{0};
  for (int64_t d = 2; d < rank; ++d) dims.push_back(d);
  return dims;
}
DimVector channel_shape(int64_t rank, int64_t channels) {
  DimVector shape(static_cast<size_t>(rank), 1);
  shape[1] = channels;
  return shape;
}

// The batch norm gradients in recorded ops, recomputing the statistics from x (differentiable
// again), each only when wanted:
//   dx = w invstd (g - mean(g) - xhat mean(g xhat)), dweight = sum(g xhat), dbias = sum(g),
// means and sums over every dim but the channel dim.
variable_list batch_norm_composed_backward(const Tensor& x, const Tensor& weight, const Tensor& g,
                                           const DimVector& weight_sizes,
                                           const DimVector& bias_sizes, double eps, bool want_x,
                                           bool want_w, bool want_b) {
  const DimVector dims = batch_dims(x.dim()), shape = channel_shape(x.dim(), x.size(1));
  variable_list grads(3);
  if (want_x || want_w) {
    const Normalized n = normalize(x, dims, eps);
    const Tensor gxhat = g * n.xhat;
    if (want_x) {
      Tensor scale = n.rstd;
      if (weight.defined()) scale = scale * weight.reshape(shape);
      grads[0] = scale * (g - g.mean(dims, true) - n.xhat * gxhat.mean(dims, true));
    }
    if (want_w) grads[1] = gxhat.sum(dims).reshape(weight_sizes);
  }
  if (want_b) grads[2] = g.sum(dims).reshape(bias_sizes);
  return grads;
}

// The tangent of y = xhat w + b along (dx, dw, db), per channel:
//   dy = w invstd (dx - mean(dx) - xhat mean(dx xhat)) + xhat dw + db.
Tensor batch_norm_jvp(const Tensor& x, const Tensor& weight, const Tensor& dx, const Tensor& dw,
                      const Tensor& db, double eps) {
  const DimVector dims = batch_dims(x.dim()), shape = channel_shape(x.dim(), x.size(1));
  Tensor out;
  if (dx.defined() || dw.defined()) {
    const Normalized n = normalize(x, dims, eps);
    if (dx.defined()) {
      out = n.rstd * (dx - dx.mean(dims, true) - n.xhat * (dx * n.xhat).mean(dims, true));
      if (weight.defined()) out = out * weight.reshape(shape);
    }
    if (dw.defined()) out = add_tangents(out, n.xhat * dw.reshape(shape));
  }
  if (db.defined()) out = add_tangents(out, db.reshape(shape).expand(x.sizes()));
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

FusedBatchNorm fused_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                double eps) {
  if ((x.dtype() != kFloat32 && x.dtype() != kFloat64) || x.device().type() != kCPU ||
      !kernel_takes(x, weight) || !kernel_takes(x, bias) || x.numel() == 0 || x.dim() < 2)
    return {};
  const int64_t batch = x.size(0), channels = x.size(1);
  const int64_t spatial = x.numel() / (batch * channels);
  auto sizes_of = [](const Tensor& t) {
    return t.defined() ? DimVector(t.sizes().begin(), t.sizes().end()) : DimVector{};
  };
  const DimVector weight_sizes = sizes_of(weight), bias_sizes = sizes_of(bias);
  const bool has_bias = bias.defined();
  FusedBatchNorm r;
  Tensor invstd;
  {
    NoGradGuard no_grad;
    const Tensor in = x.contiguous().view({batch, channels, spatial});
    const Tensor w = flat_param(weight, channels), b = flat_param(bias, channels);
    r.out = empty_for(x.sizes(), x.options(), {&in, &w, &b});
    r.mean = empty_for({channels}, x.options(), {&in, &w, &b});
    r.var = empty_for({channels}, x.options(), {&in, &w, &b});
    invstd = empty_for({channels}, x.options(), {&in, &w, &b});
    kernels_for(x).batch_norm(r.out.view({batch, channels, spatial}), r.mean, r.var, invstd, in, w,
                              b, eps);
  }
  record(
      "NativeBatchNormBackward0", {&x, &weight, &bias}, {&r.out},
      {{x}, {weight}, {r.mean}, {invstd}},
      [batch, channels, spatial, weight_sizes, bias_sizes, has_bias, eps](
          const autograd::Node& node, const variable_list& g, const variable_list& s) {
        const Tensor &x0 = s[0], &w0 = s[1];
        const bool want_x = needs_grad(node, 0), want_w = w0.defined() && needs_grad(node, 1),
                   want_b = has_bias && needs_grad(node, 2);
        if (!g[0].defined()) return variable_list(3);
        if (GradMode::is_enabled())
          return batch_norm_composed_backward(x0, w0, g[0], weight_sizes, bias_sizes, eps, want_x,
                                              want_w, want_b);
        const Tensor grad = g[0].contiguous().view({batch, channels, spatial});
        const Tensor in = x0.contiguous().view({batch, channels, spatial});
        const Tensor w = flat_param(w0, channels);
        const Tensor &mean0 = s[2], &invstd0 = s[3];
        const std::initializer_list<const Tensor*> operands = {&grad, &in, &w, &mean0, &invstd0};
        const TensorOptions options = x0.options();
        Tensor dx = want_x ? empty_for(x0.sizes(), options, operands) : Tensor();
        Tensor dw = want_w ? empty_for(weight_sizes, options, operands) : Tensor();
        Tensor db = want_b ? empty_for(bias_sizes, options, operands) : Tensor();
        kernels_for(in).batch_norm_backward(dx.defined() ? dx.view({batch, channels, spatial}) : dx,
                                            dw.defined() ? dw.view({channels}) : dw,
                                            db.defined() ? db.view({channels}) : db, grad, in,
                                            mean0, invstd0, w);
        return variable_list{dx, dw, db};
      },
      [eps](const variable_list& t, const variable_list& s) {
        return variable_list{batch_norm_jvp(s[0], s[1], t[0], t[1], t[2], eps)};
      });
  return r;
}

}  // namespace ember::detail
