#pragma once
// The contract between ops and device kernels: one table of function pointers per device type.
// Ops validate arguments, compute result shapes and dtypes and allocate outputs; kernels only
// fill preallocated outputs from strided inputs.
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::detail {

class GeneratorImpl;

enum class UnaryOp : uint8_t {
#define EMBER_UNARY_OP(Name, ...) Name,
#include "ember/core/op_table.def"
};
enum class BinaryOp : uint8_t {
#define EMBER_BINARY_OP(Name, ...) Name,
#include "ember/core/op_table.def"
};
enum class CompareOp : uint8_t {
#define EMBER_COMPARE_OP(Name, name) Name,
#include "ember/core/op_table.def"
};
enum class ReduceOp : uint8_t {
#define EMBER_REDUCE_OP(Name, ...) Name,
#include "ember/core/op_table.def"
};
/// The bit operations of integer and bool tensors (not differentiable, so not in the op table).
enum class BitwiseOp : uint8_t { And, Or, Xor, LeftShift, RightShift };

/// Extra arguments of parametrised unary ops (clamp's bounds).
struct UnaryParams {
  double lo = 0, hi = 0;
  bool has_lo = false, has_hi = false;
};

/// A 2-D sliding window (convolution, unfold and pooling): kernel size, stride, padding and
/// dilation per spatial dim.
struct Window2d {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

/// A pooling window over [D, H, W] volumes: the depth dim's kernel size, stride, padding and
/// dilation, and the 2-D window over each depth slice. 2-D pooling is the depth-1 case.
struct Window3d {
  int64_t kd = 1, sd = 1, pd = 0, dd = 1;
  Window2d hw;
};

/// The running reductions other than the sum: products, extremes (with the index of the latest
/// extreme, NaN counting as the extreme) and log(sum(exp)).
enum class ScanOp { Prod, Max, Min, LogSumExp };

/// How scatter combines a source element with the one already there.
enum class ScatterMode { Set, Multiply, Max, Min };

/// The constants of one Adam step (see _fused_adam_ in ops/optim_step.cpp).
struct AdamStep {
  double beta1, beta2, eps, step_size, bias_correction2_sqrt;
};

// Every kernel takes a contiguous-or-strided output of the final shape, already allocated, and
// inputs of the output's dtype (unless stated) that broadcast to it.
struct KernelTable {
  void (*unary)(UnaryOp, const Tensor& out, const Tensor& in, const UnaryParams&);
  void (*binary)(BinaryOp, const Tensor& out, const Tensor& a, const Tensor& b);
  /// binary() with b a number, converted to out's dtype, so no tensor is made for it.
  void (*binary_scalar)(BinaryOp, const Tensor& out, const Tensor& a, const Scalar& b);
  /// a and b share a dtype; out is bool.
  void (*compare)(CompareOp, const Tensor& out, const Tensor& a, const Tensor& b);
  /// out has in's rank with size 1 on reduced dims; sum and prod accumulate in out's dtype.
  void (*reduce)(ReduceOp, const Tensor& out, const Tensor& in);
  /// Max or min along dim with the index of the first extreme (NaN counts as the extreme).
  void (*reduce_with_index)(bool is_max, const Tensor& values, const Tensor& indices,
                            const Tensor& in, int64_t dim);
  /// Running sums of in along dim into out (in's shape and dtype, contiguous).
  void (*cumsum)(const Tensor& out, const Tensor& in, int64_t dim);
  /// The running op of in along dim into out (in's shape and dtype, contiguous); Max and Min
  /// also write each extreme's position into indices (int64, out's shape), the others leave it
  /// undefined. LogSumExp is for floats only.
  void (*scan)(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in, int64_t dim);
  /// in sorted along dim into values (in's shape and dtype) with each element's position in
  /// the row into indices (int64), both contiguous; equal elements keep their order.
  void (*sort)(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
               bool descending);
  /// Copies in (any dtype, broadcast) into out, converting.
  void (*copy)(const Tensor& out, const Tensor& in);
  void (*fill)(const Tensor& out, const Scalar& value);
  /// cond is bool; a and b have out's dtype.
  void (*where)(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
  /// out[n, m] = a[n, k] b[k, m]; out is contiguous, a and b are any 2-D views.
  void (*mm)(const Tensor& out, const Tensor& a, const Tensor& b);
  /// Batched mm over dim 0 of 3-D views.
  void (*bmm)(const Tensor& out, const Tensor& a, const Tensor& b);
  /// index is int64 and already checked to be in range.
  void (*index_select)(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index);
  void (*gather)(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index);
  /// out[..index[i][j]..] += src[i][j] along dim; index is int64 and checked.
  void (*scatter_add)(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);
  /// scatter_add's loop combining src into out by mode instead of adding (Set: the last write
  /// wins, in index order; Max and Min propagate NaN).
  void (*scatter)(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                  ScatterMode mode);
  /// For each value (row b of values, [B, m] contiguous) the number of elements of row b of
  /// sorted ([B or 1, n] contiguous, ascending) below it (right: at or below it), as int64 into
  /// out ([B, m] contiguous). NaN sorts above every number.
  void (*searchsorted)(const Tensor& out, const Tensor& sorted, const Tensor& values, bool right);
  /// Random fills, drawn from gen in out's element order (whatever the thread count).
  void (*uniform)(const Tensor& out, double from, double to, GeneratorImpl& gen);
  void (*normal)(const Tensor& out, double mean, double std, GeneratorImpl& gen);
  /// out (floating) gets 1 where a uniform draw falls below p and 0 elsewhere, in out's order
  /// (contiguous float masks draw from vector streams seeded by gen: kernels/cpu/random.cpp).
  void (*bernoulli)(const Tensor& out, double p, GeneratorImpl& gen);
  /// Dropout in one pass: mask gets 1 / (1 - p) where an element is kept (probability 1 - p, the
  /// draws of bernoulli(mask, 1 - p)) and 0 elsewhere, out gets in times mask (all three
  /// contiguous, one floating dtype, one shape).
  void (*dropout)(const Tensor& out, const Tensor& mask, const Tensor& in, double p,
                  GeneratorImpl& gen);
  /// Sliding windows of in [N, C, H, W] (any strides) as columns of out [N, C*kh*kw, L], whose
  /// rows are contiguous (out is [N, R, L] in memory, or [R, N, L] permuted); padding reads as 0.
  void (*im2col)(const Tensor& out, const Tensor& in, const Window2d& w);
  /// The adjoint of im2col: adds each column entry of in [N, C*kh*kw, L] into out [N, C, H, W]
  /// (contiguous, overwritten).
  void (*col2im)(const Tensor& out, const Tensor& in, const Window2d& w);
  /// Direct 2-D convolution where the device has it (null otherwise; on CPU, float32: Ember's own
  /// kernels for shallow windows, oneDNN's for the rest): out [N, O, Ho, Wo] = in [N, C, H, W]
  /// convolved with weight [O, C / groups, kh, kw], plus bias [O] where it is defined; and the
  /// adjoints of that map into grad_in (in's shape), grad_weight (weight's shape) and grad_bias
  /// (where defined) from grad_out (out's shape). Sizes alone fix the padding after each dim, so
  /// a transposed convolution's output_padding needs no argument. Operands have any strides
  /// (grad_out's may be zero, as sum()'s gradient); outputs are overwritten. Each entry returns
  /// false, having written nothing, where it declines the dtype or the window.
  bool (*conv2d)(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
                 const Window2d& w, int64_t groups);
  bool (*conv2d_backward_input)(const Tensor& grad_in, const Tensor& grad_out, const Tensor& weight,
                                const Window2d& w, int64_t groups);
  bool (*conv2d_backward_weight)(const Tensor& grad_weight, const Tensor& grad_bias,
                                 const Tensor& grad_out, const Tensor& in, const Window2d& w,
                                 int64_t groups);
  /// Window maxima of in [N, C, D, H, W] into out [N, C, Do, Ho, Wo] and their int64 positions
  /// in each D*H*W volume into indices (both contiguous); NaN counts as the maximum.
  void (*max_pool)(const Tensor& out, const Tensor& indices, const Tensor& in, const Window3d& w);
  /// out [N, C, V] (contiguous, overwritten) gets each grad [N, C, L] entry added at the
  /// volume position indices names (the adjoint of gathering at indices).
  void (*max_pool_backward)(const Tensor& out, const Tensor& grad, const Tensor& indices);
  /// Window means of in [N, C, D, H, W] into out [N, C, Do, Ho, Wo] (contiguous), with PyTorch's
  /// divisor rules for padding and ceil mode; a non-zero divisor_override replaces them.
  void (*avg_pool)(const Tensor& out, const Tensor& in, const Window3d& w, bool count_include_pad,
                   int64_t divisor_override);
  /// The adjoint of avg_pool: out [N, C, D, H, W] (contiguous, overwritten) from grad
  /// [N, C, Do, Ho, Wo].
  void (*avg_pool_backward)(const Tensor& out, const Tensor& grad, const Window3d& w,
                            bool count_include_pad, int64_t divisor_override);
  /// Attention of q [A, B, L, E] over k [A, B, S, E] and v [A, B, S, Ev] (rows contiguous, any
  /// other strides) into out [A, B, L, Ev] and each query's log-sum-exp of scores into lse
  /// [A, B, L] (both contiguous). The scores are scale q k^T plus mask (undefined, or [A, B, L, S]
  /// in q's dtype with any strides); causal hides key j from query i when j > i.
  void (*attention)(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
                    const Tensor& v, const Tensor& mask, double scale, bool causal);
  /// attention's gradients into dq, dk and dv (contiguous, q's, k's and v's shapes, zeroed) from
  /// grad (out's shape, rows contiguous) and the forward's out and lse.
  void (*attention_backward)(const Tensor& dq, const Tensor& dk, const Tensor& dv,
                             const Tensor& grad, const Tensor& q, const Tensor& k, const Tensor& v,
                             const Tensor& out, const Tensor& lse, const Tensor& mask, double scale,
                             bool causal);
  /// Softmax (log: log-softmax) of each row of in [R, N] into out [R, N] (one floating dtype;
  /// rows of unit stride, any row stride).
  void (*softmax)(const Tensor& out, const Tensor& in, bool log);
  /// Their gradient from grad and the forward's out, into grad_in (all [R, N] as above).
  void (*softmax_backward)(const Tensor& grad_in, const Tensor& grad, const Tensor& out, bool log);
  /// One Adam step in one pass: exp_avg, exp_avg_sq and param (contiguous, one floating dtype,
  /// grad's shape) are updated in place from grad (contiguous).
  void (*adam_step)(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                    const Tensor& exp_avg_sq, const AdamStep& s);
  /// Layer normalization of each row of in [R, N] (contiguous, float32 or float64): the row's
  /// mean and rstd = 1 / sqrt(biased variance + eps) into mean and rstd [R], and
  /// (in - mean) rstd weight + bias into out [R, N] (all contiguous, in's dtype). weight and bias
  /// are contiguous [N] or undefined (left out). Statistics accumulate in double.
  void (*layer_norm)(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& in,
                     const Tensor& weight, const Tensor& bias, double eps);
  /// layer_norm's gradients from grad [R, N] (contiguous) and the forward's in, mean and rstd:
  /// into dx [R, N] and dweight, dbias [N] (contiguous, overwritten), each undefined when not
  /// wanted; weight as in layer_norm. dweight and dbias are the same whatever the thread count.
  void (*layer_norm_backward)(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                              const Tensor& grad, const Tensor& in, const Tensor& mean,
                              const Tensor& rstd, const Tensor& weight);
  /// Batch normalization (training mode) of in [N, C, L] (contiguous, float32 or float64; L the
  /// product of the spatial dims, maybe 1): each channel's mean, biased variance and
  /// invstd = 1 / sqrt(var + eps) over its N L values into mean, var and invstd [C], and
  /// (in - mean) invstd weight + bias into out [N, C, L] (all contiguous, in's dtype; var
  /// undefined: not wanted). weight and bias are contiguous [C] or undefined (left out).
  /// Statistics accumulate in double; each channel is reduced by one thread, so no result depends
  /// on the thread count.
  void (*batch_norm)(const Tensor& out, const Tensor& mean, const Tensor& var, const Tensor& invstd,
                     const Tensor& in, const Tensor& weight, const Tensor& bias, double eps);
  /// batch_norm's gradients from grad [N, C, L] (contiguous) and the forward's in, mean and
  /// invstd: into dx [N, C, L] and dweight, dbias [C] (contiguous, overwritten), each undefined
  /// when not wanted; weight as in batch_norm.
  void (*batch_norm_backward)(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                              const Tensor& grad, const Tensor& in, const Tensor& mean,
                              const Tensor& invstd, const Tensor& weight);
  /// a and b have out's dtype (bool, int32 or int64; shifts not bool).
  void (*bitwise)(BitwiseOp, const Tensor& out, const Tensor& a, const Tensor& b);
};

/// The kernels of a device type with vmap's batching rules in front (kernels/batching.cpp);
/// throws Error when that backend is not built in.
const KernelTable& kernels(DeviceType type);
/// The device's own kernels, which never see a batched tensor.
const KernelTable& device_kernels(DeviceType type);
/// How many random fills (uniform, normal, bernoulli) this thread has run, from any generator:
/// vmap tells by it whether the mapped function drew random numbers.
uint64_t random_draws();
/// The table kernels() returns: device's, with the batching rules.
const KernelTable& batching_kernels(DeviceType type);
/// Installs a backend's table (called once per backend at start-up).
void register_kernels(DeviceType type, const KernelTable* table);

}  // namespace ember::detail
