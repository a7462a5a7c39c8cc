// Tensor printing in PyTorch's exact repr format, under the process-wide print options of
// torch.set_printoptions, so output can be compared with PyTorch's character for character.
// The formatting rules follow torch/_tensor_str.py. Printing (and item()) read a
// device tensor through a copy to the CPU, an op, and show the autograd state, so they live in
// ops/ rather than core/.
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/check.h"
#include "ember/core/tensor.h"
#include "ember/ops/printing.h"

namespace ember {
namespace {

std::mutex print_options_mutex;
PrintOptions print_options;  // guarded by print_options_mutex; each print works on a copy

// Which items of a summarised dim of n items are shown: [0, head_end) and [tail_begin, n).
// The last dim takes Python's t[:e] and t[-e:] (so edgeitems=0 shows every item after the
// "...", as PyTorch does); outer dims take range(e) and range(n - e, n).
struct Edges {
  int64_t head_end, tail_begin;
};

Edges edges(int64_t n, int64_t e, bool last_dim) {
  if (!last_dim) {
    const int64_t k = std::max<int64_t>(e, 0);
    return {k, n - k};
  }
  auto bound = [n](int64_t i) { return i < 0 ? std::max<int64_t>(n + i, 0) : std::min(i, n); };
  return {bound(e), bound(-e)};
}

// One element, read as the widest value of its category.
struct Value {
  double f = 0;
  int64_t i = 0;
  bool b = false;
};

Value read(const Tensor& t, int64_t offset) {
  // Reads through data(), which refuses a batched tensor: one entry is not the whole.
  if (t.unsafe_impl()->is_batched()) (void)t.data_ptr();
  const char* base = static_cast<const char*>(t.impl()->storage()->data());
  const char* p = base + offset * static_cast<int64_t>(t.element_size());
  Value v;
  switch (t.dtype()) {
    case kBool:
      v.b = *reinterpret_cast<const bool*>(p);
      break;
    case kInt32:
      v.i = *reinterpret_cast<const int32_t*>(p);
      break;
    case kInt64:
      v.i = *reinterpret_cast<const int64_t*>(p);
      break;
    case kFloat32:
      v.f = *reinterpret_cast<const float*>(p);
      break;
    case kFloat64:
      v.f = *reinterpret_cast<const double*>(p);
      break;
  }
  return v;
}

// Storage offsets of the elements PyTorch looks at when choosing a format: all of them, or
// only the edge items of every dim when the tensor is summarised.
void collect(const Tensor& t, int64_t dim, int64_t offset, bool summarize, int64_t edgeitems,
             std::vector<int64_t>& out) {
  if (dim == t.dim()) {
    out.push_back(offset);
    return;
  }
  const int64_t n = t.sizes()[dim], stride = t.strides()[dim];
  auto visit = [&](int64_t i) {
    collect(t, dim + 1, offset + i * stride, summarize, edgeitems, out);
  };
  if (!summarize || n <= 2 * edgeitems) {
    for (int64_t i = 0; i < n; ++i) visit(i);
    return;
  }
  const bool last_dim = dim + 1 == t.dim();
  const Edges e = edges(n, edgeitems, last_dim);
  // PyTorch stacks the kept rows of an outer dim, and stacking none fails.
  EMBER_CHECK(last_dim || e.head_end + (n - e.tail_begin) > 0,
              "stack expects a non-empty TensorList");
  for (int64_t i = 0; i < e.head_end; ++i) visit(i);
  for (int64_t i = e.tail_begin; i < n; ++i) visit(i);
}

class Formatter {
 public:
  Formatter(const Tensor& t, const std::vector<int64_t>& offsets, const PrintOptions& options)
      : floating_(t.is_floating_point()), dtype_(t.dtype()), precision_(options.precision) {
    if (!floating_) {
      for (int64_t off : offsets) max_width_ = std::max(max_width_, plain(read(t, off)).size());
      return;
    }
    std::vector<double> finite;
    for (int64_t off : offsets) {
      const double v = read(t, off).f;
      if (std::isfinite(v) && v != 0) finite.push_back(v);
    }
    // Without a nonzero finite value PyTorch returns before applying a forced sci_mode.
    if (finite.empty()) return;
    double lo = std::abs(finite[0]), hi = lo;
    for (double v : finite) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : finite) {
      size_t w;
      if (sci_mode_)
        w = fmt::format("{:.{}e}", v, precision_).size();
      else if (int_mode_)
        w = fmt::format("{:.0f}", v).size() + 1;
      else
        w = fmt::format("{:.{}f}", v, precision_).size();
      max_width_ = std::max(max_width_, w);
    }
    // A forced mode changes the notation but keeps the width measured in the chosen one.
    if (options.sci_mode) sci_mode_ = *options.sci_mode;
  }

  size_t width() const { return max_width_; }

  std::string format(const Value& v) const {
    std::string s;
    if (!floating_) {
      s = plain(v);
    } else if (sci_mode_) {
      // Padded below: fmt would left-align nan and inf within a width, Python right-aligns.
      s = fmt::format("{:.{}e}", v.f, precision_);
    } else if (int_mode_) {
      s = fmt::format("{:.0f}", v.f);
      if (std::isfinite(v.f)) s += ".";
    } else {
      s = fmt::format("{:.{}f}", v.f, precision_);
    }
    if (s.size() < max_width_) s.insert(0, max_width_ - s.size(), ' ');
    return s;
  }

 private:
  std::string plain(const Value& v) const {
    if (dtype_ == kBool) return v.b ? "True" : "False";
    return std::to_string(v.i);
  }

  bool floating_;
  ScalarType dtype_;
  int64_t precision_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  size_t max_width_ = 1;
};

std::string vector_str(const Tensor& t, int64_t offset, int64_t indent, bool summarize,
                       const Formatter& f, const PrintOptions& o) {
  const double element_length = static_cast<double>(f.width() + 2);
  const size_t per_line = static_cast<size_t>(
      std::max<double>(1, std::floor(static_cast<double>(o.linewidth - indent) / element_length)));
  const int64_t n = t.sizes()[t.dim() - 1], stride = t.strides()[t.dim() - 1];
  std::vector<std::string> data;
  auto add = [&](int64_t i) { data.push_back(f.format(read(t, offset + i * stride))); };
  if (summarize && n > 2 * o.edgeitems) {
    const Edges e = edges(n, o.edgeitems, true);
    for (int64_t i = 0; i < e.head_end; ++i) add(i);
    data.push_back(" ...");
    for (int64_t i = e.tail_begin; i < n; ++i) add(i);
  } else {
    for (int64_t i = 0; i < n; ++i) add(i);
  }
  std::string out = "[";
  for (size_t i = 0; i < data.size(); ++i) {
    if (i > 0) out += i % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
    out += data[i];
  }
  return out + "]";
}

std::string tensor_str(const Tensor& t, int64_t dim, int64_t offset, int64_t indent, bool summarize,
                       const Formatter& f, const PrintOptions& o) {
  const int64_t remaining = t.dim() - dim;
  if (remaining == 0) return f.format(read(t, offset));
  if (remaining == 1) return vector_str(t, offset, indent, summarize, f, o);
  const int64_t n = t.sizes()[dim], stride = t.strides()[dim];
  std::vector<std::string> slices;
  auto add = [&](int64_t i) {
    slices.push_back(tensor_str(t, dim + 1, offset + i * stride, indent + 1, summarize, f, o));
  };
  if (summarize && n > 2 * o.edgeitems) {
    const Edges e = edges(n, o.edgeitems, false);
    for (int64_t i = 0; i < e.head_end; ++i) add(i);
    slices.push_back("...");
    for (int64_t i = e.tail_begin; i < n; ++i) add(i);
  } else {
    for (int64_t i = 0; i < n; ++i) add(i);
  }
  std::string sep = ",";
  sep.append(static_cast<size_t>(remaining - 1), '\n');
  sep.append(static_cast<size_t>(indent + 1), ' ');
  std::string out = "[";
  for (size_t i = 0; i < slices.size(); ++i) {
    if (i) out += sep;
    out += slices[i];
  }
  out += ']';
  return out;
}

std::string repr(const Tensor& t) {
  const PrintOptions o = get_printoptions();
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  if (!t.is_cpu()) suffixes.push_back("device='" + t.device().str() + "'");
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) {
      std::string size = "size=(";
      for (int64_t d = 0; d < t.dim(); ++d) size += (d ? ", " : "") + std::to_string(t.sizes()[d]);
      suffixes.push_back(size + (t.dim() == 1 ? ",)" : ")"));
    }
    if (t.dtype() != get_default_dtype())
      suffixes.push_back("dtype=torch." + std::string(dtype_name(t.dtype())));
    body = "[]";
  } else {
    if (t.dtype() != get_default_dtype() && t.dtype() != kInt64 && t.dtype() != kBool)
      suffixes.push_back("dtype=torch." + std::string(dtype_name(t.dtype())));
    const bool summarize = static_cast<double>(t.numel()) > o.threshold;
    std::vector<int64_t> offsets;
    collect(t, 0, t.storage_offset(), summarize, o.edgeitems, offsets);
    Formatter f(t, offsets, o);
    body = tensor_str(t, 0, t.storage_offset(), indent, summarize, f, o);
  }
  t.requires_grad();  // brings a view's history up to date (Note [View histories])
  if (const AutogradMetaInterface* meta = t.unsafe_impl()->autograd_meta()) {
    const std::string grad_fn = meta->grad_fn_name();
    if (!grad_fn.empty())
      suffixes.push_back("grad_fn=<" + grad_fn + ">");
    else if (meta->requires_grad())
      suffixes.push_back("requires_grad=True");
  }
  // Suffixes go on the last line while it stays within the line width (PyTorch's arithmetic).
  std::string out = prefix + body;
  const size_t nl = out.rfind('\n');
  const int64_t nl_pos = nl == std::string::npos ? -1 : static_cast<int64_t>(nl);
  int64_t last_line = static_cast<int64_t>(out.size()) - nl_pos + 1;
  for (const std::string& s : suffixes) {
    const auto len = static_cast<int64_t>(s.size());
    if (last_line + len + 2 > o.linewidth) {
      out += ",\n" + std::string(static_cast<size_t>(indent), ' ') + s;
      last_line = indent + len;
    } else {
      out += ", " + s;
      last_line += len + 2;
    }
  }
  return out + ")";
}

}  // namespace

PrintOptions get_printoptions() {
  std::lock_guard<std::mutex> lock(print_options_mutex);
  return print_options;
}

void set_printoptions(const PrintOptions& options) {
  std::lock_guard<std::mutex> lock(print_options_mutex);
  print_options = options;
}

std::optional<PrintOptions> print_profile(std::string_view name) {
  PrintOptions o;
  if (name == "default") return o;
  if (name == "short") {
    o.precision = 2;
    o.edgeitems = 2;
    return o;
  }
  if (name == "full") {
    o.threshold = std::numeric_limits<double>::infinity();
    return o;
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  const Tensor cpu = t.is_cpu() ? t : t.cpu();
  return os << repr(t.is_cpu() ? t : cpu);
}

Scalar Tensor::item() const {
  EMBER_CHECK(numel() == 1, "a Tensor with {} elements cannot be converted to Scalar", numel());
  Tensor t = is_cpu() ? *this : cpu();
  switch (dtype()) {
    case kBool:
      return Scalar(*static_cast<bool*>(t.data_ptr()));
    case kInt32:
      return Scalar(*static_cast<int32_t*>(t.data_ptr()));
    case kInt64:
      return Scalar(*static_cast<int64_t*>(t.data_ptr()));
    case kFloat32:
      return Scalar(*static_cast<float*>(t.data_ptr()));
    case kFloat64:
      return Scalar(*static_cast<double*>(t.data_ptr()));
  }
  return Scalar();
}

template <typename T>
T Tensor::item() const {
  return item().to<T>();
}

std::string Tensor::toString() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

#define EMBER_INSTANTIATE(T) template T Tensor::item<T>() const;
EMBER_FORALL_SCALAR_TYPES(EMBER_INSTANTIATE)
#undef EMBER_INSTANTIATE

}  // namespace ember
