// Matrix products: shape rules here, the arithmetic in the BLAS-backed kernels.
#include "ember/ops/linalg.h"

#include "ember/autograd/grad_mode.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::variable_list;

namespace {
void check_matmul_dtypes(const Tensor& a, const Tensor& b, const char* op) {
  detail::check_same_device(a, b, op);
  EMBER_CHECK(a.dtype() == b.dtype(), "{}: expected scalar type {} but found {}", op,
              dtype_legacy_name(a.dtype()), dtype_legacy_name(b.dtype()));
  EMBER_CHECK(a.dtype() != kBool, "{}: not implemented for 'Bool'", op);
}

// The gradients of A B from G: grad_A = G B^T, grad_B = A^T G. Each takes its input's layout,
// as in PyTorch: for a transposed input (a Linear weight used as weight.t()) the product is
// formed transposed, (B G^T)^T or (G^T A)^T, so that the weight's own gradient comes out
// contiguous and the optimizer's elementwise updates stay on the fast path.
variable_list mm_backward(const autograd::Node& node, size_t a_edge, const Tensor& g,
                          const Tensor& a, const Tensor& b) {
  auto column_major = [](const Tensor& t) { return t.strides()[0] == 1 && t.strides()[1] != 1; };
  Tensor grad_a, grad_b;
  if (detail::needs_grad(node, a_edge)) grad_a = column_major(a) ? b.mm(g.t()).t() : g.mm(b.t());
  if (detail::needs_grad(node, a_edge + 1))
    grad_b = column_major(b) ? g.t().mm(a).t() : a.t().mm(g);
  return {grad_a, grad_b};
}

// dA B + A dB for a bilinear product `op`, with either tangent possibly undefined (zero).
Tensor product_tangent(const Tensor& da, const Tensor& db, const Tensor& a, const Tensor& b,
                       Tensor (Tensor::*op)(const Tensor&) const) {
  return detail::add_tangents(da.defined() ? (da.*op)(b) : Tensor(),
                              db.defined() ? (a.*op)(db) : Tensor());
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 2, "mm: self must be a matrix, got a {}-D tensor of shape {}", a.dim(),
              a.sizes());
  EMBER_CHECK(b.dim() == 2, "mm: mat2 must be a matrix, got a {}-D tensor of shape {}", b.dim(),
              b.sizes());
  EMBER_CHECK(a.sizes()[1] == b.sizes()[0], "mm: shapes {} and {} cannot be multiplied", a.sizes(),
              b.sizes());
  check_matmul_dtypes(a, b, "mm");
  Tensor out = detail::empty_for({a.sizes()[0], b.sizes()[1]}, a.options(), {&a, &b});
  detail::kernels_for(a).mm(out, a, b);
  detail::record(
      "MmBackward0", {&a, &b}, {&out}, {{a}, {b}},
      [](auto& n, auto& g, auto& s) { return mm_backward(n, 0, g[0], s[0], s[1]); },
      // d(A B) = dA B + A dB
      [](const variable_list& t, const variable_list& s) {
        return variable_list{product_tangent(t[0], t[1], s[0], s[1], &Tensor::mm)};
      });
  return out;
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  Tensor out;
  {
    NoGradGuard recorded_below;
    autograd::ForwardADDisabledGuard tangents_set_below;
    out = detail::batched_to_hold(mm(mat1, mat2), {&self});
    check_matmul_dtypes(self, out, "addmm");
    EMBER_CHECK(broadcast_shapes(self.sizes(), out.sizes(), "addmm") == out.sizes(),
                "addmm: self of shape {} cannot be added to the product of shape {}", self.sizes(),
                out.sizes());
    // Scaled and summed in place: one pass over the product, no second result tensor.
    // alpha = 0 ignores the product, NaN included, as BLAS does for PyTorch.
    if (alpha.to_double() == 0)
      out.zero_();
    else if (alpha.to_double() != 1)
      out.mul_(alpha);
    if (beta.to_double() != 0) out.add_(self, beta);
  }
  // d(beta S + alpha A B): beta G for S (the engine sums it back over broadcast dims), and
  // alpha times the gradients of A B.
  const double b = beta.to_double(), a = alpha.to_double();
  detail::record(
      "AddmmBackward0", {&self, &mat1, &mat2}, {&out}, {{mat1}, {mat2}},
      [b, a](auto& n, auto& g, auto& s) {
        Tensor grad_self;
        if (detail::needs_grad(n, 0)) grad_self = b == 1 ? g[0] : g[0] * b;
        variable_list grads = mm_backward(n, 1, g[0], s[0], s[1]);
        for (Tensor& grad : grads)
          if (grad.defined() && a != 1) grad = grad * a;
        return variable_list{grad_self, grads[0], grads[1]};
      },
      // d(beta S + alpha A B) = beta dS + alpha (dA B + A dB); beta = 0 (alpha = 0)
      // ignores S (the product), as the forward does.
      [b, a](const variable_list& t, const variable_list& s) {
        Tensor product;
        if (a != 0) product = product_tangent(t[1], t[2], s[0], s[1], &Tensor::mm);
        if (product.defined() && a != 1) product = product * a;
        Tensor self_term;
        if (b != 0 && t[0].defined())
          self_term = (b == 1 ? t[0] : t[0] * b).expand({s[0].size(0), s[1].size(1)});
        return variable_list{detail::add_tangents(self_term, product)};
      });
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got shapes {} and {}",
              a.sizes(), b.sizes());
  EMBER_CHECK(a.sizes()[0] == b.sizes()[0] && a.sizes()[2] == b.sizes()[1],
              "bmm: shapes {} and {} cannot be multiplied", a.sizes(), b.sizes());
  check_matmul_dtypes(a, b, "bmm");
  Tensor out = detail::empty_for({a.sizes()[0], a.sizes()[1], b.sizes()[2]}, a.options(), {&a, &b});
  detail::kernels_for(a).bmm(out, a, b);
  // Per batch, as for mm: a transposed operand (attention's k^T) gets its gradient formed
  // transposed, so that it comes back in the operand's layout instead of needing a transposing
  // copy on its way to the projection that made it.
  detail::record(
      "BmmBackward0", {&a, &b}, {&out}, {{a}, {b}},
      [](auto& n, auto& g, auto& s) {
        auto column_major = [](const Tensor& t) {
          return t.strides()[1] == 1 && t.strides()[2] != 1;
        };
        const Tensor &a = s[0], &b = s[1];
        Tensor grad_a, grad_b;
        if (detail::needs_grad(n, 0))
          grad_a = column_major(a) ? b.bmm(g[0].transpose(1, 2)).transpose(1, 2)
                                   : g[0].bmm(b.transpose(1, 2));
        if (detail::needs_grad(n, 1))
          grad_b = column_major(b) ? g[0].transpose(1, 2).bmm(a).transpose(1, 2)
                                   : a.transpose(1, 2).bmm(g[0]);
        return variable_list{grad_a, grad_b};
      },
      // d(A B) = dA B + A dB, per batch
      [](const variable_list& t, const variable_list& s) {
        return variable_list{product_tangent(t[0], t[1], s[0], s[1], &Tensor::bmm)};
      });
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "dot: 1D tensors expected, but got {}D and {}D tensors",
              a.dim(), b.dim());
  EMBER_CHECK(a.sizes()[0] == b.sizes()[0],
              "dot: inconsistent tensor size, expected tensor [{}] and src [{}] to have the same "
              "number of elements, but got {} and {} elements respectively",
              a.sizes()[0], b.sizes()[0], a.sizes()[0], b.sizes()[0]);
  check_matmul_dtypes(a, b, "dot");
  Tensor out;
  {
    NoGradGuard no_grad;
    autograd::ForwardADDisabledGuard tangent_set_below;
    out = mm(a.view({1, -1}), b.view({-1, 1})).view({});
  }
  // d(a . b) = b da + a db
  detail::record(
      "DotBackward0", {&a, &b}, {&out}, {{a}, {b}},
      [](auto& n, auto& g, auto& s) {
        return variable_list{detail::needs_grad(n, 0) ? g[0] * s[1] : Tensor(),
                             detail::needs_grad(n, 1) ? g[0] * s[0] : Tensor()};
      },
      [](const variable_list& t, const variable_list& s) {
        return variable_list{product_tangent(t[0], t[1], s[0], s[1], &Tensor::dot)};
      });
  return out;
}

Tensor mv(const Tensor& a, const Tensor& v) {
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1,
              "mv: vector + matrix @ vector expected, got shapes {} and {}", a.sizes(), v.sizes());
  EMBER_CHECK(a.sizes()[1] == v.sizes()[0], "mv: shapes {} and {} cannot be multiplied", a.sizes(),
              v.sizes());
  Tensor out;
  {
    NoGradGuard no_grad;
    autograd::ForwardADDisabledGuard tangent_set_below;
    out = mm(a, v.view({-1, 1})).view({a.sizes()[0]});
  }
  // d(A v) = dA v + A dv: grad_A = g v^T, grad_v = A^T g
  detail::record(
      "MvBackward0", {&a, &v}, {&out}, {{a}, {v}},
      [](auto& n, auto& g, auto& s) {
        return variable_list{
            detail::needs_grad(n, 0) ? g[0].unsqueeze(1).mm(s[1].unsqueeze(0)) : Tensor(),
            detail::needs_grad(n, 1) ? s[0].t().mv(g[0]) : Tensor()};
      },
      [](const variable_list& t, const variable_list& s) {
        return variable_list{product_tangent(t[0], t[1], s[0], s[1], &Tensor::mv)};
      });
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da > 0 && db > 0,
              "matmul: both arguments to matmul need to be at least 1D, but "
              "they are {}D and {}D",
              da, db);
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) {
    EMBER_CHECK(a.sizes()[0] == b.sizes()[0], "matmul: shapes {} and {} cannot be multiplied",
                a.sizes(), b.sizes());
    return mm(a.unsqueeze(0), b).squeeze(0);
  }
  if (da == 2 && db == 2) return mm(a, b);
  if (da >= 3 && db <= 2) {
    // [..., n, k] x [k, m] (or [k]): the batch dims fold into rows of one mm (or mv), as torch
    // folds them, so b's gradient is one product too instead of a batch of them to be summed.
    const int64_t k = a.sizes()[da - 1];
    EMBER_CHECK(k == b.sizes()[0], "matmul: shapes {} and {} cannot be multiplied", a.sizes(),
                b.sizes());
    DimVector shape(a.sizes().begin(), a.sizes().end() - 1);
    int64_t row_count = 1;  // not -1: with k = 0 the count cannot be inferred
    for (int64_t s : shape) row_count *= s;
    const Tensor rows = a.reshape({row_count, k});
    if (db == 1) return mv(rows, b).view(shape);
    shape.push_back(b.sizes()[1]);
    return mm(rows, b).view(shape);
  }
  // Batched: a vector operand gains a matrix dim, batch dims broadcast, then one bmm.
  Tensor x = da == 1 ? a.unsqueeze(0) : a;
  Tensor y = db == 1 ? b.unsqueeze(1) : b;
  const int64_t n = x.sizes()[x.dim() - 2], k = x.sizes()[x.dim() - 1];
  const int64_t k2 = y.sizes()[y.dim() - 2], m = y.sizes()[y.dim() - 1];
  EMBER_CHECK(k == k2, "matmul: shapes {} and {} cannot be multiplied", a.sizes(), b.sizes());
  DimVector batch = broadcast_shapes(IntArrayRef(x.sizes().data(), x.dim() - 2),
                                     IntArrayRef(y.sizes().data(), y.dim() - 2), "matmul");
  int64_t nb = 1;
  for (int64_t s : batch) nb *= s;
  DimVector xs = batch, ys = batch;
  xs.push_back(n), xs.push_back(k);
  ys.push_back(k), ys.push_back(m);
  Tensor out = bmm(x.expand(xs).reshape({nb, n, k}), y.expand(ys).reshape({nb, k, m}));
  DimVector shape = batch;
  if (da > 1) shape.push_back(n);
  if (db > 1) shape.push_back(m);
  return out.view(shape);
}

Tensor Tensor::mm(const Tensor& o) const { return ember::mm(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return ember::bmm(*this, o); }
Tensor Tensor::matmul(const Tensor& o) const { return ember::matmul(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return ember::dot(*this, o); }
Tensor Tensor::mv(const Tensor& v) const { return ember::mv(*this, v); }

}  // namespace ember
