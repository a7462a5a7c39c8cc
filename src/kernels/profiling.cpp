// The profiler's layer of the kernel table: while the profiler is on, kernels() hands out this
// table, whose every entry records a range named as the ATen op the call computes ("aten::mm",
// "aten::add_") and then calls the batching table's entry. When it is off, kernels() hands out
// the batching table itself, so the only cost left on the dispatch path is the switch's load.
#include <string>
#include <tuple>
#include <type_traits>

#include "ember/autograd/profiler.h"
#include "kernels/kernel_table.h"

namespace ember::detail {

// Declared here rather than in kernel_table.h: only kernels() (kernel_table.cpp) asks for it.
const KernelTable& profiling_kernels(DeviceType type);

namespace {

namespace prof = autograd::profiler;

constexpr const char* kUnaryNames[] = {
#define EMBER_UNARY_OP(Name, name, ...) #name,
#include "ember/core/op_table.def"
};
constexpr const char* kBinaryNames[] = {
#define EMBER_BINARY_OP(Name, name, ...) #name,
#include "ember/core/op_table.def"
};
constexpr const char* kCompareNames[] = {
#define EMBER_COMPARE_OP(Name, name) #name,
#include "ember/core/op_table.def"
};
constexpr const char* kReduceNames[] = {
#define EMBER_REDUCE_OP(Name, name, ...) #name,
#include "ember/core/op_table.def"
};

// An op writing into its own input is ATen's in-place variant ("aten::add_").
std::string aten(const char* name, const Tensor& out, const Tensor& in) {
  std::string s = std::string("aten::") + name;
  if (out.defined() && in.defined() && out.unsafe_impl() == in.unsafe_impl()) s += '_';
  return s;
}

template <auto A, auto B>
constexpr bool same_entry() {
  if constexpr (std::is_same_v<decltype(A), decltype(B)>)
    return A == B;
  else
    return false;
}

template <size_t I, typename... Args>
const auto& nth(const Args&... args) {
  return std::get<I>(std::tie(args...));
}

// The event name of a call to the entry Member with args.
template <auto M, typename... Args>
std::string entry_name(const Args&... args) {
  using T = KernelTable;
  if constexpr (same_entry<M, &T::unary>()) {
    const UnaryOp op = nth<0>(args...);
    const UnaryParams& p = nth<3>(args...);
    const char* name = kUnaryNames[static_cast<int>(op)];
    if (op == UnaryOp::Clamp && p.has_lo != p.has_hi) name = p.has_lo ? "clamp_min" : "clamp_max";
    return aten(name, nth<1>(args...), nth<2>(args...));
  } else if constexpr (same_entry<M, &T::binary>() || same_entry<M, &T::binary_scalar>()) {
    const BinaryOp op = nth<0>(args...);
    return aten(kBinaryNames[static_cast<int>(op)], nth<1>(args...), nth<2>(args...));
  } else if constexpr (same_entry<M, &T::compare>()) {
    const CompareOp op = nth<0>(args...);
    return std::string("aten::") + kCompareNames[static_cast<int>(op)];
  } else if constexpr (same_entry<M, &T::bitwise>()) {
    static const char* names[] = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                  "bitwise_right_shift"};
    return aten(names[static_cast<int>(nth<0>(args...))], nth<1>(args...), nth<2>(args...));
  } else if constexpr (same_entry<M, &T::reduce>()) {
    const ReduceOp op = nth<0>(args...);
    return std::string("aten::") + kReduceNames[static_cast<int>(op)];
  } else if constexpr (same_entry<M, &T::reduce_with_index>()) {
    return nth<0>(args...) ? "aten::max" : "aten::min";
  } else if constexpr (same_entry<M, &T::scan>()) {
    switch (nth<0>(args...)) {
      case ScanOp::Prod:
        return "aten::cumprod";
      case ScanOp::Max:
        return "aten::cummax";
      case ScanOp::Min:
        return "aten::cummin";
      default:
        return "aten::logcumsumexp";
    }
  } else if constexpr (same_entry<M, &T::scatter>()) {
    return nth<4>(args...) == ScatterMode::Set ? "aten::scatter_" : "aten::scatter_reduce_";
  } else if constexpr (same_entry<M, &T::max_pool>() || same_entry<M, &T::avg_pool>()) {
    // 2-D pooling runs as the depth-1 case of the 3-D window.
    constexpr bool is_max = same_entry<M, &T::max_pool>();
    const Tensor& in = nth < is_max ? 2 : 1 > (args...);
    const Window3d& w = nth < is_max ? 3 : 2 > (args...);
    const bool flat = w.kd == 1 && in.dim() == 5 && in.sizes()[2] == 1;
    if constexpr (is_max)
      return flat ? "aten::max_pool2d_with_indices" : "aten::max_pool3d_with_indices";
    else
      return flat ? "aten::avg_pool2d" : "aten::avg_pool3d";
  } else if constexpr (same_entry<M, &T::avg_pool_backward>()) {
    const Tensor& out = nth<0>(args...);
    const Window3d& w = nth<2>(args...);
    const bool flat = w.kd == 1 && out.dim() == 5 && out.sizes()[2] == 1;
    return flat ? "aten::avg_pool2d_backward" : "aten::avg_pool3d_backward";
  } else {
    if constexpr (same_entry<M, &T::cumsum>()) return "aten::cumsum";
    if constexpr (same_entry<M, &T::sort>()) return "aten::sort";
    if constexpr (same_entry<M, &T::copy>()) return "aten::copy_";
    if constexpr (same_entry<M, &T::fill>()) return "aten::fill_";
    if constexpr (same_entry<M, &T::where>()) return "aten::where";
    if constexpr (same_entry<M, &T::mm>()) return "aten::mm";
    if constexpr (same_entry<M, &T::bmm>()) return "aten::bmm";
    if constexpr (same_entry<M, &T::index_select>()) return "aten::index_select";
    if constexpr (same_entry<M, &T::gather>()) return "aten::gather";
    if constexpr (same_entry<M, &T::scatter_add>()) return "aten::scatter_add_";
    if constexpr (same_entry<M, &T::searchsorted>()) return "aten::searchsorted";
    if constexpr (same_entry<M, &T::uniform>()) return "aten::uniform_";
    if constexpr (same_entry<M, &T::normal>()) return "aten::normal_";
    if constexpr (same_entry<M, &T::bernoulli>()) return "aten::bernoulli_";
    if constexpr (same_entry<M, &T::dropout>()) return "aten::native_dropout";
    if constexpr (same_entry<M, &T::im2col>()) return "aten::im2col";
    if constexpr (same_entry<M, &T::col2im>()) return "aten::col2im";
    if constexpr (same_entry<M, &T::conv2d>()) return "aten::mkldnn_convolution";
    if constexpr (same_entry<M, &T::conv2d_backward_input>())
      return "aten::mkldnn_convolution_backward_input";
    if constexpr (same_entry<M, &T::conv2d_backward_weight>())
      return "aten::mkldnn_convolution_backward_weights";
    if constexpr (same_entry<M, &T::layer_norm>()) return "aten::native_layer_norm";
    if constexpr (same_entry<M, &T::layer_norm_backward>())
      return "aten::native_layer_norm_backward";
    if constexpr (same_entry<M, &T::batch_norm>()) return "aten::native_batch_norm";
    if constexpr (same_entry<M, &T::batch_norm_backward>())
      return "aten::native_batch_norm_backward";
    if constexpr (same_entry<M, &T::adam_step>()) return "aten::_fused_adam_";
    if constexpr (same_entry<M, &T::softmax>())
      return nth<2>(args...) ? "aten::_log_softmax" : "aten::_softmax";
    if constexpr (same_entry<M, &T::softmax_backward>())
      return nth<3>(args...) ? "aten::_log_softmax_backward_data" : "aten::_softmax_backward_data";
    // Kernels with no ATen op of their own keep Ember's name.
    if constexpr (same_entry<M, &T::max_pool_backward>()) return "ember::max_pool_backward";
    if constexpr (same_entry<M, &T::attention>()) return "ember::attention";
    if constexpr (same_entry<M, &T::attention_backward>()) return "ember::attention_backward";
    return "ember::kernel";
  }
}

// How many leading tensors of an entry are outputs only, whose shapes are not inputs. Entries
// that update a tensor in place (copy_, fill_, scatter_add_, the random fills) count it as an
// input, as ATen's `self` is.
template <auto M>
constexpr int output_count() {
  using T = KernelTable;
  if constexpr (same_entry<M, &T::batch_norm>()) return 4;
  if constexpr (same_entry<M, &T::attention_backward>() || same_entry<M, &T::layer_norm>() ||
                same_entry<M, &T::layer_norm_backward>() ||
                same_entry<M, &T::batch_norm_backward>())
    return 3;
  if constexpr (same_entry<M, &T::reduce_with_index>() || same_entry<M, &T::scan>() ||
                same_entry<M, &T::sort>() || same_entry<M, &T::max_pool>() ||
                same_entry<M, &T::attention>() || same_entry<M, &T::dropout>() ||
                same_entry<M, &T::conv2d_backward_weight>())
    return 2;
  if constexpr (same_entry<M, &T::copy>() || same_entry<M, &T::fill>() ||
                same_entry<M, &T::scatter_add>() || same_entry<M, &T::scatter>() ||
                same_entry<M, &T::uniform>() || same_entry<M, &T::normal>() ||
                same_entry<M, &T::bernoulli>() || same_entry<M, &T::adam_step>())
    return 0;
  return 1;
}

struct Shapes {
  prof::RecordFunction& range;
  int skip;
  void operator()(const Tensor& t) {
    if (skip > 0) {
      --skip;
      return;
    }
    range.record_shape(t.defined() ? std::vector<int64_t>(t.sizes().begin(), t.sizes().end())
                                   : std::vector<int64_t>{});
  }
  void operator()(const Scalar&) { range.record_shape({}); }
  template <typename Other>
  void operator()(const Other&) {}
};

template <DeviceType Type, auto Member>
struct Record;
template <DeviceType Type, typename R, typename... A, R (*KernelTable::*Member)(A...)>
struct Record<Type, Member> {
  static R call(A... args) {
    prof::RecordFunction range;
    range.begin(entry_name<Member>(args...), prof::EventKind::Kernel);
    if (range.active() && prof::record_shapes_enabled()) {
      Shapes shapes{range, output_count<Member>()};
      (shapes(args), ...);
    }
    if constexpr (std::is_same_v<R, bool>) {  // false: declined, so nothing ran
      const bool ran = (batching_kernels(Type).*Member)(args...);
      if (!ran) range.cancel();
      return ran;
    } else {
      return (batching_kernels(Type).*Member)(args...);
    }
  }
};

template <DeviceType Type>
KernelTable recording() {
  // Entries not listed below (added later) run unrecorded rather than not at all.
  KernelTable t = batching_kernels(Type);
#define EMBER_RECORD(entry) t.entry = Record<Type, &KernelTable::entry>::call
  EMBER_RECORD(unary);
  EMBER_RECORD(binary);
  EMBER_RECORD(binary_scalar);
  EMBER_RECORD(compare);
  EMBER_RECORD(reduce);
  EMBER_RECORD(reduce_with_index);
  EMBER_RECORD(cumsum);
  EMBER_RECORD(scan);
  EMBER_RECORD(sort);
  EMBER_RECORD(copy);
  EMBER_RECORD(fill);
  EMBER_RECORD(where);
  EMBER_RECORD(mm);
  EMBER_RECORD(bmm);
  EMBER_RECORD(index_select);
  EMBER_RECORD(gather);
  EMBER_RECORD(scatter_add);
  EMBER_RECORD(scatter);
  EMBER_RECORD(searchsorted);
  EMBER_RECORD(uniform);
  EMBER_RECORD(normal);
  EMBER_RECORD(bernoulli);
  EMBER_RECORD(dropout);
  EMBER_RECORD(im2col);
  EMBER_RECORD(col2im);
  EMBER_RECORD(conv2d);
  EMBER_RECORD(conv2d_backward_input);
  EMBER_RECORD(conv2d_backward_weight);
  EMBER_RECORD(max_pool);
  EMBER_RECORD(max_pool_backward);
  EMBER_RECORD(avg_pool);
  EMBER_RECORD(avg_pool_backward);
  EMBER_RECORD(attention);
  EMBER_RECORD(attention_backward);
  EMBER_RECORD(layer_norm);
  EMBER_RECORD(layer_norm_backward);
  EMBER_RECORD(batch_norm);
  EMBER_RECORD(batch_norm_backward);
  EMBER_RECORD(adam_step);
  EMBER_RECORD(softmax);
  EMBER_RECORD(softmax_backward);
  EMBER_RECORD(bitwise);
#undef EMBER_RECORD
  return t;
}

}  // namespace

const KernelTable& profiling_kernels(DeviceType type) {
  if (type == kCPU) {
    static const KernelTable cpu = recording<kCPU>();
    return cpu;
  }
  // The backend must exist before its recording table is built (batching_kernels throws if not).
  (void)batching_kernels(type);
  static const KernelTable cuda = recording<kCUDA>();
  return cuda;
}

}  // namespace ember::detail
