// 2-D convolution and its two adjoints by oneDNN's direct kernels, the library LibTorch's CPU
// convolutions run on. Its kernels read and write blocked layouts of their own choosing (channels
// in vector-wide blocks), so each call reorders Ember's strided tensors in and the results back
// out. float32 only; for other dtypes, or a window oneDNN cannot express, an entry declines and
// the op computes the convolution from im2col and a matrix product instead.
#include <dlfcn.h>

#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/storage.h"
#include "ember/parallel.h"
#include "kernels/cpu/cpu_kernels.h"

namespace ember::detail::cpu {
namespace {

using dnnl::memory;

const dnnl::engine& engine() {
  static const dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

// The geometry in oneDNN's terms: dilation counts the gaps between taps, and the padding after
// each dim is whatever makes the sizes agree (less than the padding before where PyTorch's
// output size rounds down, or where a transposed convolution's output_padding extends it).
struct Geometry {
  memory::dims strides, dilates, pad_before, pad_after;
};

std::optional<Geometry> geometry(const Tensor& src, const Tensor& dst, const Window2d& w) {
  const auto after = [](int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
    return (out - 1) * s + (k - 1) * d + 1 - in - p;
  };
  const int64_t ah = after(src.sizes()[2], dst.sizes()[2], w.kh, w.sh, w.ph, w.dh);
  const int64_t aw = after(src.sizes()[3], dst.sizes()[3], w.kw, w.sw, w.pw, w.dw);
  if (ah < 0 || aw < 0) return std::nullopt;
  return Geometry{{w.sh, w.sw}, {w.dh - 1, w.dw - 1}, {w.ph, w.pw}, {ah, aw}};
}

// A tensor as oneDNN memory over its own strides. Weights of a grouped convolution are
// [groups, O / groups, C / groups, kh, kw].
// With dense, the layout of t's values copied in row-major order instead of t's own.
memory::desc layout(const Tensor& t, int64_t groups = 1, bool dense = false) {
  memory::dims dims(t.sizes().begin(), t.sizes().end());
  memory::dims strides(t.strides().begin(), t.strides().end());
  if (dense)
    for (int64_t i = t.dim() - 1, step = 1; i >= 0; step *= dims[i], --i) strides[i] = step;
  if (groups > 1) {
    dims[0] /= groups;
    dims.insert(dims.begin(), groups);
    strides.insert(strides.begin(), strides[0] * dims[1]);
  }
  return memory::desc(dims, memory::data_type::f32, strides);
}

// The same dims in whatever layout the kernel prefers.
memory::desc any(const memory::desc& d) {
  return memory::desc(d.dims(), memory::data_type::f32, memory::format_tag::any);
}

// oneDNN runs on OpenMP threads of the runtime it was built with (GNU's libgomp in Debian), whose
// thread count is a per-thread setting: each call sets it to Ember's, through the runtime already
// loaded for oneDNN rather than whichever OpenMP this compiler would link.
void match_thread_count() {
  using Get = int (*)();
  using Set = void (*)(int);
  static const auto runtime = [] {
    void* gomp = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
    return std::pair{gomp ? reinterpret_cast<Get>(dlsym(gomp, "omp_get_max_threads")) : nullptr,
                     gomp ? reinterpret_cast<Set>(dlsym(gomp, "omp_set_num_threads")) : nullptr};
  }();
  const auto [get, set] = runtime;
  if (!get || !set) return;
  const int threads = get_num_threads();
  if (get() != threads) set(threads);
}

// Scratch memory comes from Ember's caching allocator: memory oneDNN allocated itself would be
// fresh pages on every call, and first touches cost more than the convolution on our VMs.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// One convolution call: the operands reordered into the kernel's layouts and the outputs
// reordered back once the kernel has run.
class Call {
 public:
  Call() : stream_(engine()) { match_thread_count(); }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call() {
    for (const DataPtr& b : buffers_) b.deleter(b.context);
  }

  memory input(const Tensor& t, const memory::desc& want, int64_t groups = 1) {
    memory user =
        broadcast(t) ? dense_copy(t, groups) : memory(layout(t, groups), engine(), t.data_ptr());
    if (want == user.get_desc()) return user;
    memory kernel = scratch(want);
    dnnl::reorder(user, kernel).execute(stream_, user, kernel);
    return kernel;
  }

  memory output(const Tensor& t, const memory::desc& want, int64_t groups = 1) {
    memory user(layout(t, groups), engine(), t.data_ptr());
    if (want == user.get_desc()) return user;
    memory kernel = scratch(want);
    pending_.push_back({kernel, user});
    return kernel;
  }

  // Runs p (whose descriptor asked for scratchpad memory) and then the pending reorders.
  void run(const dnnl::primitive& p, const memory::desc& scratchpad,
           std::unordered_map<int, memory> args) {
    args.emplace(DNNL_ARG_SCRATCHPAD, scratch(scratchpad));
    p.execute(stream_, args);
    for (auto& [from, to] : pending_) dnnl::reorder(from, to).execute(stream_, from, to);
    stream_.wait();
  }

 private:
  // Whether t repeats values along a dim (zero stride, as sum()'s gradient): oneDNN's layouts
  // cannot say so, so such an operand is copied out first.
  static bool broadcast(const Tensor& t) {
    for (int64_t i = 0; i < t.dim(); ++i)
      if (t.strides()[i] == 0 && t.sizes()[i] > 1) return true;
    return false;
  }

  memory dense_copy(const Tensor& t, int64_t groups) {
    memory copy = scratch(layout(t, groups, true));
    auto* dst = static_cast<float*>(copy.get_data_handle());
    const float* src = t.data_ptr<float>();
    const auto sizes = t.sizes(), strides = t.strides();
    const size_t last = sizes.size() - 1;
    const int64_t row = sizes[last], step = strides[last];
    // Rows of the last dim in a tight loop (a fill where the stride is 0); the outer dims count.
    std::vector<int64_t> index(last, 0);
    for (int64_t k = 0, n = t.numel(); k < n; k += row) {
      int64_t at = 0;
      for (size_t d = 0; d < last; ++d) at += index[d] * strides[d];
      float* out = dst + k;
      if (step == 0)
        std::fill(out, out + row, src[at]);
      else
        for (int64_t j = 0; j < row; ++j) out[j] = src[at + j * step];
      for (size_t d = last; d-- > 0 && ++index[d] == sizes[d];) index[d] = 0;
    }
    return copy;
  }

  memory scratch(const memory::desc& d) {
    const DataPtr b = get_allocator(kCPU)->allocate(std::max<size_t>(d.get_size(), 1));
    buffers_.push_back(b);
    return memory(d, engine(), b.data);
  }

  dnnl::stream stream_;
  std::vector<std::pair<memory, memory>> pending_;
  std::vector<DataPtr> buffers_;
};

// The forward primitive descriptor over src [N, C, H, W], weight [O, C / groups, kh, kw], dst
// [N, O, Ho, Wo] and bias [O] where it is defined; the backward ones take it as their hint.
struct Descs {
  memory::desc src, weight, bias, dst;
  Geometry geo;
  dnnl::convolution_forward::primitive_desc forward;
};

std::optional<Descs> describe(const Tensor& src, const Tensor& weight, const Tensor& dst,
                              const Tensor& bias, const Window2d& w, int64_t groups) {
  for (const Tensor* t : {&src, &weight, &dst, &bias})
    if (t->defined() && t->dtype() != kFloat32) return std::nullopt;
  const std::optional<Geometry> geo = geometry(src, dst, w);
  if (!geo) return std::nullopt;
  const memory::desc s = any(layout(src)), k = any(layout(weight, groups)), d = any(layout(dst));
  const memory::desc b = bias.defined() ? layout(bias) : memory::desc();
  const auto prop = dnnl::prop_kind::forward_training;
  const auto direct = dnnl::algorithm::convolution_direct;
  const auto desc =
      bias.defined()
          ? dnnl::convolution_forward::desc(prop, direct, s, k, b, d, geo->strides, geo->dilates,
                                            geo->pad_before, geo->pad_after)
          : dnnl::convolution_forward::desc(prop, direct, s, k, d, geo->strides, geo->dilates,
                                            geo->pad_before, geo->pad_after);
  return Descs{s, k, b, d, *geo, {desc, user_scratchpad(), engine()}};
}

bool conv2d(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
            const Window2d& w, int64_t groups) {
  try {
    const std::optional<Descs> c = describe(in, weight, out, bias, w, groups);
    if (!c) return false;
    Call call;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, call.input(in, c->forward.src_desc())},
        {DNNL_ARG_WEIGHTS, call.input(weight, c->forward.weights_desc(), groups)},
        {DNNL_ARG_DST, call.output(out, c->forward.dst_desc())}};
    if (bias.defined()) args.emplace(DNNL_ARG_BIAS, call.input(bias, c->bias));
    call.run(dnnl::convolution_forward(c->forward), c->forward.scratchpad_desc(), std::move(args));
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool conv2d_backward_input(const Tensor& grad_in, const Tensor& grad_out, const Tensor& weight,
                           const Window2d& w, int64_t groups) {
  try {
    const std::optional<Descs> c = describe(grad_in, weight, grad_out, Tensor(), w, groups);
    if (!c) return false;
    const Geometry& g = c->geo;
    const dnnl::convolution_backward_data::primitive_desc pd(
        {dnnl::algorithm::convolution_direct, c->src, c->weight, c->dst, g.strides, g.dilates,
         g.pad_before, g.pad_after},
        user_scratchpad(), engine(), c->forward);
    Call call;
    const memory dy = call.input(grad_out, pd.diff_dst_desc());
    const memory wei = call.input(weight, pd.weights_desc(), groups);
    const memory dx = call.output(grad_in, pd.diff_src_desc());
    call.run(dnnl::convolution_backward_data(pd), pd.scratchpad_desc(),
             {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, dx}});
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool conv2d_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                            const Tensor& grad_out, const Tensor& in, const Window2d& w,
                            int64_t groups) {
  try {
    const std::optional<Descs> c = describe(in, grad_weight, grad_out, grad_bias, w, groups);
    if (!c) return false;
    const Geometry& g = c->geo;
    const auto direct = dnnl::algorithm::convolution_direct;
    const auto desc =
        grad_bias.defined()
            ? dnnl::convolution_backward_weights::desc(direct, c->src, c->weight, c->bias, c->dst,
                                                       g.strides, g.dilates, g.pad_before,
                                                       g.pad_after)
            : dnnl::convolution_backward_weights::desc(direct, c->src, c->weight, c->dst, g.strides,
                                                       g.dilates, g.pad_before, g.pad_after);
    const dnnl::convolution_backward_weights::primitive_desc pd(desc, user_scratchpad(), engine(),
                                                                c->forward);
    Call call;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, call.input(in, pd.src_desc())},
        {DNNL_ARG_DIFF_DST, call.input(grad_out, pd.diff_dst_desc())},
        {DNNL_ARG_DIFF_WEIGHTS, call.output(grad_weight, pd.diff_weights_desc(), groups)}};
    if (grad_bias.defined())
      args.emplace(DNNL_ARG_DIFF_BIAS, call.output(grad_bias, pd.diff_bias_desc()));
    call.run(dnnl::convolution_backward_weights(pd), pd.scratchpad_desc(), std::move(args));
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

}  // namespace

void fill_onednn_kernels(KernelTable& table) {
  table.conv2d = conv2d;
  table.conv2d_backward_input = conv2d_backward_input;
  table.conv2d_backward_weight = conv2d_backward_weight;
}

}  // namespace ember::detail::cpu
