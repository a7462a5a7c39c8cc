// Batching rules at the kernel table (Note [Batched tensors] in src/core/batched.cpp): when an
// operand is batched, the kernel runs once on physical views with the hidden dims in front.
#include <functional>

#include "core/batched.h"
#include "core/check.h"
#include "kernels/kernel_table.h"

namespace ember::detail {
namespace {

const KernelTable& device(const Tensor& t) { return device_kernels(t.device().type()); }

// The hidden dims of a kernel call whose outputs are outs: every input's must be among the
// outputs', or the op allocated its result without a rule and the kernel cannot write all the
// entries.
BatchDims call_dims(std::initializer_list<const Tensor*> outs,
                    std::initializer_list<const Tensor*> ins, const char* kernel) {
  const BatchDims dims = merged_batch_dims(outs);
  for (const Tensor* t : outs)
    if (t->defined() && merged_batch_dims({t}).size() != dims.size())
      throw NoBatchingRule(fmt::format("vmap: {} got outputs with different batch dims", kernel));
  for (const BatchDim& d : merged_batch_dims(ins)) {
    bool found = false;
    for (const BatchDim& o : dims) found = found || o.level == d.level;
    if (!found)
      throw NoBatchingRule(fmt::format(
          "vmap: {} has a batched input but an unbatched output (no batching rule)", kernel));
  }
  return dims;
}

Tensor phys(const Tensor& t, const BatchDims& dims, int64_t rank) {
  return t.defined() ? physical(t, dims, rank) : t;
}

void unary(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryParams& p) {
  if (!any_batched({&out, &in})) return device(out).unary(op, out, in, p);
  const BatchDims d = call_dims({&out}, {&in}, "unary");
  const int64_t r = out.dim();
  device(out).unary(op, physical(out, d, r), physical(in, d, r), p);
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &a, &b})) return device(out).binary(op, out, a, b);
  const BatchDims d = call_dims({&out}, {&a, &b}, "binary");
  const int64_t r = out.dim();
  device(out).binary(op, physical(out, d, r), physical(a, d, r), physical(b, d, r));
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& b) {
  if (!any_batched({&out, &a})) return device(out).binary_scalar(op, out, a, b);
  const BatchDims d = call_dims({&out}, {&a}, "binary");
  const int64_t r = out.dim();
  device(out).binary_scalar(op, physical(out, d, r), physical(a, d, r), b);
}

void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &a, &b})) return device(out).compare(op, out, a, b);
  const BatchDims d = call_dims({&out}, {&a, &b}, "compare");
  const int64_t r = out.dim();
  device(out).compare(op, physical(out, d, r), physical(a, d, r), physical(b, d, r));
}

void bitwise(BitwiseOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &a, &b})) return device(out).bitwise(op, out, a, b);
  const BatchDims d = call_dims({&out}, {&a, &b}, "bitwise");
  const int64_t r = out.dim();
  device(out).bitwise(op, physical(out, d, r), physical(a, d, r), physical(b, d, r));
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &cond, &a, &b})) return device(out).where(out, cond, a, b);
  const BatchDims d = call_dims({&out}, {&cond, &a, &b}, "where");
  const int64_t r = out.dim();
  device(out).where(physical(out, d, r), physical(cond, d, r), physical(a, d, r),
                    physical(b, d, r));
}

void copy(const Tensor& out, const Tensor& in) {
  if (!any_batched({&out, &in})) return device(out).copy(out, in);
  const BatchDims d = call_dims({&out}, {&in}, "copy");
  const int64_t r = out.dim();
  device(out).copy(physical(out, d, r), physical(in, d, r));
}

void fill(const Tensor& out, const Scalar& value) {
  if (!any_batched({&out})) return device(out).fill(out, value);
  device(out).fill(physical(out, merged_batch_dims({&out}), out.dim()), value);
}

// Reductions keep the input's rank (size 1 on reduced dims), so both sides gain the same
// leading dims.
void reduce(ReduceOp op, const Tensor& out, const Tensor& in) {
  if (!any_batched({&out, &in})) return device(out).reduce(op, out, in);
  const BatchDims d = call_dims({&out}, {&in}, "reduce");
  const int64_t r = in.dim();
  device(out).reduce(op, physical(out, d, r), physical(in, d, r));
}

// Kernels along one dim: the dim moves past the hidden ones.
void reduce_with_index(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in,
                       int64_t dim) {
  if (!any_batched({&values, &indices, &in}))
    return device(in).reduce_with_index(is_max, values, indices, in, dim);
  const BatchDims d = call_dims({&values, &indices}, {&in}, "reduce_with_index");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).reduce_with_index(is_max, physical(values, d, r), physical(indices, d, r),
                               physical(in, d, r), dim + h);
}

void cumsum(const Tensor& out, const Tensor& in, int64_t dim) {
  if (!any_batched({&out, &in})) return device(in).cumsum(out, in, dim);
  const BatchDims d = call_dims({&out}, {&in}, "cumsum");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).cumsum(physical(out, d, r), physical(in, d, r), dim + h);
}

void scan(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in, int64_t dim) {
  if (!any_batched({&out, &indices, &in})) return device(in).scan(op, out, indices, in, dim);
  const BatchDims d = call_dims({&out, &indices}, {&in}, "scan");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).scan(op, physical(out, d, r), phys(indices, d, r), physical(in, d, r), dim + h);
}

void sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
          bool descending) {
  if (!any_batched({&values, &indices, &in}))
    return device(in).sort(values, indices, in, dim, descending);
  const BatchDims d = call_dims({&values, &indices}, {&in}, "sort");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).sort(physical(values, d, r), physical(indices, d, r), physical(in, d, r), dim + h,
                  descending);
}

// Calls body on each combination of indices into the first `lead` of the dims `sizes`.
void for_each_leading(IntArrayRef sizes, int64_t lead, const std::function<void(int64_t*)>& body) {
  std::vector<int64_t> index(static_cast<size_t>(lead), 0);
  for (;;) {
    body(index.data());
    int64_t i = lead - 1;
    while (i >= 0 && ++index[i] == sizes[i]) index[i--] = 0;
    if (i < 0) return;
  }
}

Tensor slice_at(const Tensor& t, int64_t lead, const int64_t* index) {
  int64_t offset = t.storage_offset();
  for (int64_t i = 0; i < lead; ++i) offset += index[i] * t.strides()[i];
  const auto rest = static_cast<size_t>(t.dim() - lead);
  return Tensor(IntrusivePtr<TensorImpl>::make(
      t.unsafe_impl()->storage(), t.dtype(), IntArrayRef(t.sizes().data() + lead, rest),
      IntArrayRef(t.strides().data() + lead, rest), offset));
}

// Batched matrix products become bmm over the innermost hidden dim (and loops over the others).
void batched_products(const Tensor& out, const Tensor& a, const Tensor& b, int64_t rank) {
  const BatchDims d = call_dims({&out}, {&a, &b}, "mm");
  const Tensor po = physical(out, d, rank), pa = physical(a, d, rank), pb = physical(b, d, rank);
  // Leading dims to loop over so that each call is one 3-D bmm.
  const int64_t lead = po.dim() - 3;
  if (lead == 0) return device(out).bmm(po, pa, pb);
  for_each_leading(po.sizes(), lead, [&](int64_t* index) {
    device(out).bmm(slice_at(po, lead, index), slice_at(pa, lead, index),
                    slice_at(pb, lead, index));
  });
}

// t's first `count` dims merged into one, or undefined when their strides do not allow it.
Tensor merge_leading(const Tensor& t, int64_t count) {
  int64_t size = 1, stride = 1, next = -1;  // next: the stride the next outer dim must have
  for (int64_t i = count - 1; i >= 0; --i) {
    const int64_t n = t.sizes()[i];
    size *= n;
    if (n == 1) continue;
    if (next < 0)
      stride = t.strides()[i];
    else if (t.strides()[i] != next)
      return Tensor();
    next = t.strides()[i] * n;
  }
  DimVector sizes{size}, strides{stride};
  for (int64_t i = count; i < t.dim(); ++i) {
    sizes.push_back(t.sizes()[i]);
    strides.push_back(t.strides()[i]);
  }
  return Tensor(IntrusivePtr<TensorImpl>::make(t.unsafe_impl()->storage(), t.dtype(), sizes,
                                               strides, t.storage_offset()));
}

// Index kernels: the index may be batched too (gather, scatter), or shared by every entry.
void index_select(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  if (!any_batched({&out, &in, &index})) return device(in).index_select(out, in, dim, index);
  if (any_batched({&index})) {
    // Rows of a shared table picked by every entry's indices (an embedding): one selection by
    // all the indices at once, whose rows come out entry after entry.
    const BatchDims d = call_dims({&out}, {&index}, "index_select");
    const Tensor flat = merge_leading(physical(index, d, 1), static_cast<int64_t>(d.size()) + 1);
    if (dim != 0 || any_batched({&in}) || !flat.defined())
      throw NoBatchingRule("vmap: index_select has no batching rule for this batched index");
    const Tensor rows =
        merge_leading(physical(out, d, out.dim()), static_cast<int64_t>(d.size()) + 1);
    return device(in).index_select(rows, in, 0, flat);
  }
  const BatchDims d = call_dims({&out}, {&in}, "index_select");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).index_select(physical(out, d, r), physical(in, d, r), dim + h, index);
}

void gather(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  if (!any_batched({&out, &in, &index})) return device(in).gather(out, in, dim, index);
  const BatchDims d = call_dims({&out}, {&in, &index}, "gather");
  const int64_t r = in.dim(), h = static_cast<int64_t>(d.size());
  device(in).gather(physical(out, d, r), physical(in, d, r), dim + h, physical(index, d, r));
}

void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  if (!any_batched({&out, &index, &src})) return device(out).scatter_add(out, dim, index, src);
  const BatchDims d = call_dims({&out}, {&index, &src}, "scatter_add");
  const int64_t r = out.dim(), h = static_cast<int64_t>(d.size());
  device(out).scatter_add(physical(out, d, r), dim + h, physical(index, d, r), physical(src, d, r));
}

void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
             ScatterMode mode) {
  if (!any_batched({&out, &index, &src})) return device(out).scatter(out, dim, index, src, mode);
  const BatchDims d = call_dims({&out}, {&index, &src}, "scatter");
  const int64_t r = out.dim(), h = static_cast<int64_t>(d.size());
  device(out).scatter(physical(out, d, r), dim + h, physical(index, d, r), physical(src, d, r),
                      mode);
}

void mm(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &a, &b})) return device(out).mm(out, a, b);
  if (!any_batched({&b})) {
    // A shared right operand: every entry's rows form one product (a Linear layer's weight).
    const BatchDims d = call_dims({&out}, {&a}, "mm");
    const auto lead = static_cast<int64_t>(d.size()) + 1;
    const Tensor rows = merge_leading(physical(a, d, 2), lead);
    if (rows.defined()) return device(out).mm(merge_leading(physical(out, d, 2), lead), rows, b);
  }
  batched_products(out, a, b, 2);
}

void bmm(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!any_batched({&out, &a, &b})) return device(out).bmm(out, a, b);
  batched_products(out, a, b, 3);
}

// Kernels over a leading batch of samples (windows, pooling) run once per entry: the entries
// of one output may lie interleaved with the samples, which no single call could address.
template <typename Call>
void per_entry(std::initializer_list<const Tensor*> outs, std::initializer_list<const Tensor*> ins,
               const char* kernel, Call call) {
  const BatchDims d = call_dims(outs, ins, kernel);
  std::vector<Tensor> physicals;
  // Optional operands (attention's mask) may be undefined: they stay so in every entry.
  for (const Tensor* t : outs) physicals.push_back(phys(*t, d, t->defined() ? t->dim() : 0));
  for (const Tensor* t : ins) physicals.push_back(phys(*t, d, t->defined() ? t->dim() : 0));
  const auto lead = static_cast<int64_t>(d.size());
  std::vector<int64_t> sizes;
  for (const BatchDim& b : d) sizes.push_back(b.size);
  for_each_leading(sizes, lead, [&](int64_t* index) {
    std::vector<Tensor> slices;
    for (const Tensor& p : physicals) slices.push_back(p.defined() ? slice_at(p, lead, index) : p);
    call(slices);
  });
}

void im2col(const Tensor& out, const Tensor& in, const Window2d& w) {
  if (!any_batched({&out, &in})) return device(in).im2col(out, in, w);
  per_entry({&out}, {&in}, "im2col", [&](auto& s) { device(in).im2col(s[0], s[1], w); });
}

void col2im(const Tensor& out, const Tensor& in, const Window2d& w) {
  if (!any_batched({&out, &in})) return device(in).col2im(out, in, w);
  per_entry({&out}, {&in}, "col2im", [&](auto& s) { device(in).col2im(s[0], s[1], w); });
}

// A library's convolutions take plain tensors only; batched ones go through im2col per entry.
bool conv2d(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
            const Window2d& w, int64_t groups) {
  const auto fn = device(in).conv2d;
  return fn && !any_batched({&out, &in, &weight, &bias}) && fn(out, in, weight, bias, w, groups);
}

bool conv2d_backward_input(const Tensor& grad_in, const Tensor& grad_out, const Tensor& weight,
                           const Window2d& w, int64_t groups) {
  const auto fn = device(grad_out).conv2d_backward_input;
  return fn && !any_batched({&grad_in, &grad_out, &weight}) &&
         fn(grad_in, grad_out, weight, w, groups);
}

bool conv2d_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                            const Tensor& grad_out, const Tensor& in, const Window2d& w,
                            int64_t groups) {
  const auto fn = device(in).conv2d_backward_weight;
  return fn && !any_batched({&grad_weight, &grad_bias, &grad_out, &in}) &&
         fn(grad_weight, grad_bias, grad_out, in, w, groups);
}

void max_pool(const Tensor& out, const Tensor& indices, const Tensor& in, const Window3d& w) {
  if (!any_batched({&out, &indices, &in})) return device(in).max_pool(out, indices, in, w);
  per_entry({&out, &indices}, {&in}, "max_pool",
            [&](auto& s) { device(in).max_pool(s[0], s[1], s[2], w); });
}

void max_pool_backward(const Tensor& out, const Tensor& grad, const Tensor& indices) {
  if (!any_batched({&out, &grad, &indices}))
    return device(out).max_pool_backward(out, grad, indices);
  per_entry({&out}, {&grad, &indices}, "max_pool_backward",
            [&](auto& s) { device(out).max_pool_backward(s[0], s[1], s[2]); });
}

void avg_pool(const Tensor& out, const Tensor& in, const Window3d& w, bool count_include_pad,
              int64_t divisor_override) {
  if (!any_batched({&out, &in}))
    return device(in).avg_pool(out, in, w, count_include_pad, divisor_override);
  per_entry({&out}, {&in}, "avg_pool", [&](auto& s) {
    device(in).avg_pool(s[0], s[1], w, count_include_pad, divisor_override);
  });
}

void avg_pool_backward(const Tensor& out, const Tensor& grad, const Window3d& w,
                       bool count_include_pad, int64_t divisor_override) {
  if (!any_batched({&out, &grad}))
    return device(out).avg_pool_backward(out, grad, w, count_include_pad, divisor_override);
  per_entry({&out}, {&grad}, "avg_pool_backward", [&](auto& s) {
    device(out).avg_pool_backward(s[0], s[1], w, count_include_pad, divisor_override);
  });
}

void searchsorted(const Tensor& out, const Tensor& sorted, const Tensor& values, bool right) {
  if (!any_batched({&out, &sorted, &values}))
    return device(out).searchsorted(out, sorted, values, right);
  per_entry({&out}, {&sorted, &values}, "searchsorted",
            [&](auto& s) { device(out).searchsorted(s[0], s[1], s[2], right); });
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const AdamStep& step) {
  if (!any_batched({&param, &grad, &exp_avg, &exp_avg_sq}))
    return device(param).adam_step(param, grad, exp_avg, exp_avg_sq, step);
  per_entry({&param, &exp_avg, &exp_avg_sq}, {&grad}, "adam_step",
            [&](auto& s) { device(param).adam_step(s[0], s[3], s[1], s[2], step); });
}

void attention(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
               const Tensor& v, const Tensor& mask, double scale, bool causal) {
  if (!any_batched({&out, &lse, &q, &k, &v, &mask}))
    return device(q).attention(out, lse, q, k, v, mask, scale, causal);
  per_entry({&out, &lse}, {&q, &k, &v, &mask}, "attention", [&](auto& s) {
    device(q).attention(s[0], s[1], s[2], s[3], s[4], s[5], scale, causal);
  });
}

void attention_backward(const Tensor& dq, const Tensor& dk, const Tensor& dv, const Tensor& grad,
                        const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                        const Tensor& lse, const Tensor& mask, double scale, bool causal) {
  if (!any_batched({&dq, &dk, &dv, &grad, &q, &k, &v, &out, &lse, &mask}))
    return device(q).attention_backward(dq, dk, dv, grad, q, k, v, out, lse, mask, scale, causal);
  per_entry({&dq, &dk, &dv}, {&grad, &q, &k, &v, &out, &lse, &mask}, "attention_backward",
            [&](auto& s) {
              device(q).attention_backward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8],
                                           s[9], scale, causal);
            });
}

// Row kernels (softmax) take rows of unit stride; an entry's slice whose rows are strided
// (vmap over the last dim) runs on a contiguous copy, and an output's copy is written back.
Tensor dense_like(const Tensor& t) {
  DimVector strides(static_cast<size_t>(t.dim()));
  int64_t step = 1;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    strides[d] = step;
    step *= std::max<int64_t>(t.size(d), 1);
  }
  Storage storage =
      make_storage(static_cast<size_t>(t.numel()) * element_size(t.dtype()), t.device());
  return Tensor(IntrusivePtr<TensorImpl>::make(storage, t.dtype(), t.sizes(), strides, 0));
}

template <typename Call>
void with_unit_rows(std::vector<Tensor>& slices, size_t outputs, Call call) {
  std::vector<Tensor> args = slices;
  for (Tensor& t : args)
    if (t.defined() && t.dim() > 0 && t.stride(-1) != 1) {
      Tensor dense = dense_like(t);
      device(t).copy(dense, t);
      t = dense;
    }
  call(args);
  for (size_t i = 0; i < outputs; ++i)
    if (!args[i].is_same(slices[i])) device(slices[i]).copy(slices[i], args[i]);
}

void softmax(const Tensor& out, const Tensor& in, bool log) {
  if (!any_batched({&out, &in})) return device(in).softmax(out, in, log);
  per_entry({&out}, {&in}, "softmax", [&](auto& s) {
    with_unit_rows(s, 1, [&](auto& r) { device(in).softmax(r[0], r[1], log); });
  });
}

void softmax_backward(const Tensor& grad_in, const Tensor& grad, const Tensor& out, bool log) {
  if (!any_batched({&grad_in, &grad, &out}))
    return device(out).softmax_backward(grad_in, grad, out, log);
  per_entry({&grad_in}, {&grad, &out}, "softmax_backward", [&](auto& s) {
    with_unit_rows(s, 1, [&](auto& r) { device(out).softmax_backward(r[0], r[1], r[2], log); });
  });
}

void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& in,
                const Tensor& weight, const Tensor& bias, double eps) {
  if (!any_batched({&out, &mean, &rstd, &in, &weight, &bias}))
    return device(in).layer_norm(out, mean, rstd, in, weight, bias, eps);
  per_entry({&out, &mean, &rstd}, {&in, &weight, &bias}, "layer_norm",
            [&](auto& s) { device(in).layer_norm(s[0], s[1], s[2], s[3], s[4], s[5], eps); });
}

void layer_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                         const Tensor& grad, const Tensor& in, const Tensor& mean,
                         const Tensor& rstd, const Tensor& weight) {
  if (!any_batched({&dx, &dweight, &dbias, &grad, &in, &mean, &rstd, &weight}))
    return device(in).layer_norm_backward(dx, dweight, dbias, grad, in, mean, rstd, weight);
  per_entry({&dx, &dweight, &dbias}, {&grad, &in, &mean, &rstd, &weight}, "layer_norm_backward",
            [&](auto& s) {
              device(in).layer_norm_backward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
            });
}

void batch_norm(const Tensor& out, const Tensor& mean, const Tensor& var, const Tensor& invstd,
                const Tensor& in, const Tensor& weight, const Tensor& bias, double eps) {
  if (!any_batched({&out, &mean, &var, &invstd, &in, &weight, &bias}))
    return device(in).batch_norm(out, mean, var, invstd, in, weight, bias, eps);
  per_entry({&out, &mean, &var, &invstd}, {&in, &weight, &bias}, "batch_norm",
            [&](auto& s) { device(in).batch_norm(s[0], s[1], s[2], s[3], s[4], s[5], s[6], eps); });
}

void batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                         const Tensor& grad, const Tensor& in, const Tensor& mean,
                         const Tensor& invstd, const Tensor& weight) {
  if (!any_batched({&dx, &dweight, &dbias, &grad, &in, &mean, &invstd, &weight}))
    return device(in).batch_norm_backward(dx, dweight, dbias, grad, in, mean, invstd, weight);
  per_entry({&dx, &dweight, &dbias}, {&grad, &in, &mean, &invstd, &weight}, "batch_norm_backward",
            [&](auto& s) {
              device(in).batch_norm_backward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
            });
}

// Random fills refuse batched outputs up front, before a worker thread could write one entry's
// memory: vmap runs a function that draws per entry itself (randomness="different").
bool batched_arg(const Tensor& t) { return t.defined() && t.unsafe_impl()->is_batched(); }
template <typename T>
bool batched_arg(const T&) {
  return false;
}

template <DeviceType Type, auto Member>
struct Refuse;
template <DeviceType Type, typename... A, void (*KernelTable::*Member)(A...)>
struct Refuse<Type, Member> {
  static void call(A... args) {
    if ((batched_arg(args) || ...))
      throw NoBatchingRule("vmap: a kernel without a batching rule got a batched tensor");
    (device_kernels(Type).*Member)(args...);
  }
};

thread_local uint64_t draws = 0;

// Random fills are counted before they refuse a batched output.
template <DeviceType Type, auto Member>
struct Draw;
template <DeviceType Type, typename... A, void (*KernelTable::*Member)(A...)>
struct Draw<Type, Member> {
  static void call(A... args) {
    ++draws;
    Refuse<Type, Member>::call(args...);
  }
};

template <DeviceType Type>
KernelTable with_rules(const KernelTable& table) {
  KernelTable t = table;
  t.uniform = Draw<Type, &KernelTable::uniform>::call;
  t.normal = Draw<Type, &KernelTable::normal>::call;
  t.bernoulli = Draw<Type, &KernelTable::bernoulli>::call;
  t.dropout = Draw<Type, &KernelTable::dropout>::call;
  t.unary = unary;
  t.binary = binary;
  t.binary_scalar = binary_scalar;
  t.compare = compare;
  t.bitwise = bitwise;
  t.where = where;
  t.copy = copy;
  t.fill = fill;
  t.reduce = reduce;
  t.reduce_with_index = reduce_with_index;
  t.cumsum = cumsum;
  t.scan = scan;
  t.sort = sort;
  t.mm = mm;
  t.bmm = bmm;
  t.index_select = index_select;
  t.gather = gather;
  t.scatter_add = scatter_add;
  t.scatter = scatter;
  t.im2col = im2col;
  t.col2im = col2im;
  t.conv2d = conv2d;
  t.conv2d_backward_input = conv2d_backward_input;
  t.conv2d_backward_weight = conv2d_backward_weight;
  t.max_pool = max_pool;
  t.max_pool_backward = max_pool_backward;
  t.avg_pool = avg_pool;
  t.avg_pool_backward = avg_pool_backward;
  t.searchsorted = searchsorted;
  t.adam_step = adam_step;
  t.attention = attention;
  t.attention_backward = attention_backward;
  t.layer_norm = layer_norm;
  t.layer_norm_backward = layer_norm_backward;
  t.batch_norm = batch_norm;
  t.batch_norm_backward = batch_norm_backward;
  t.softmax = softmax;
  t.softmax_backward = softmax_backward;
  return t;
}

}  // namespace

uint64_t random_draws() { return draws; }

const KernelTable& batching_kernels(DeviceType type) {
  if (type == kCPU) {
    static const KernelTable cpu = with_rules<kCPU>(device_kernels(kCPU));
    return cpu;
  }
  static const KernelTable cuda = with_rules<kCUDA>(device_kernels(kCUDA));
  return cuda;
}

}  // namespace ember::detail
