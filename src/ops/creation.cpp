// Factory functions.
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "core/generator.h"
#include "ember/autograd/grad_mode.h"
#include "ops/op_utils.h"

namespace ember {
using detail::kernels;

namespace {

// Element count of sizes, rejecting negative sizes and counts that overflow 64 bits.
int64_t checked_numel(IntArrayRef sizes, ScalarType dtype, const char* op) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "{}: Trying to create tensor with negative dimension {}: {}", op, s, sizes);
    EMBER_CHECK(s == 0 || n <= std::numeric_limits<int64_t>::max() / s,
                "{}: the number of elements of a tensor of shape {} overflows int64", op, sizes);
    n *= s;
  }
  const int64_t esize = static_cast<int64_t>(element_size(dtype));
  EMBER_CHECK(n <= std::numeric_limits<int64_t>::max() / esize,
              "{}: a tensor of shape {} would need more than 2^63 bytes", op, sizes);
  return n;
}

// Runs a factory's body without recording history, then applies requires_grad: filling a leaf
// that requires grad would otherwise count as an in-place op on it.
template <typename Make>
Tensor make_factory(const TensorOptions& options, Make&& make) {
  Tensor t;
  {
    NoGradGuard no_grad;
    t = make();
  }
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

}  // namespace

Tensor empty(IntArrayRef size, const TensorOptions& options) {
  return make_factory(options, [&] {
    const ScalarType dtype = options.dtype();
    const int64_t n = checked_numel(size, dtype, "empty");
    Storage storage = make_storage(static_cast<size_t>(n) * element_size(dtype), options.device());
    return Tensor(IntrusivePtr<TensorImpl>::make(std::move(storage), dtype, size,
                                                 contiguous_strides(size), 0));
  });
}

Tensor scalar_tensor(const Scalar& value, const TensorOptions& options) {
  return full({}, value, options.has_dtype() ? options : options.dtype(get_default_dtype()));
}

Tensor full(IntArrayRef size, const Scalar& value, const TensorOptions& options) {
  return make_factory(options, [&] {
    TensorOptions o = options;
    if (!o.has_dtype()) o = o.dtype(value.is_floating_point() ? get_default_dtype() : value.type());
    Tensor t = empty(size, o);
    kernels(t.device().type()).fill(t, value);
    return t;
  });
}

Tensor zeros(IntArrayRef size, const TensorOptions& options) {
  return make_factory(options, [&] { return full(size, 0, options.dtype(options.dtype())); });
}
Tensor ones(IntArrayRef size, const TensorOptions& options) {
  return make_factory(options, [&] { return full(size, 1, options.dtype(options.dtype())); });
}

Tensor arange(const Scalar& end, const TensorOptions& options) {
  return make_factory(options, [&] { return arange(0, end, 1, options); });
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              const TensorOptions& options) {
  return make_factory(options, [&] {
    const bool floating =
        start.is_floating_point() || end.is_floating_point() || step.is_floating_point();
    const ScalarType dtype = options.has_dtype() ? options.dtype()
                             : floating          ? get_default_dtype()
                                                 : kInt64;
    const double s = start.to_double(), e = end.to_double(), st = step.to_double();
    EMBER_CHECK(st != 0, "arange: step must be nonzero");
    EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "arange: unsupported range: {} -> {}", s, e);
    EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
                "arange: upper bound and larger bound inconsistent with step sign");
    if (!floating && is_integral(dtype, true)) {
      // Exact integer arithmetic: doubles cannot tell 2^55 from 2^55 + 1.
      const int64_t si = start.to_long(), ei = end.to_long(), sti = step.to_long();
      const int64_t n = sti > 0 ? (ei - si + sti - 1) / sti : (si - ei - sti - 1) / -sti;
      Tensor t = empty({n}, options.dtype(kInt64).device(options.device()));
      int64_t* p = t.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i) p[i] = si + i * sti;
      return t.to(dtype);
    }
    const int64_t n = static_cast<int64_t>(std::ceil((e - s) / st));
    Tensor t = empty({n}, options.dtype(kFloat64).device(options.device()));
    double* p = t.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = s + static_cast<double>(i) * st;
    return t.to(dtype);
  });
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative");
    Tensor t = empty({steps}, options.dtype(kFloat64).device(options.device()));
    double* p = t.data_ptr<double>();
    const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
    // Fill symmetrically from both ends, as PyTorch does, so the last value is exactly `end`.
    const int64_t half = steps / 2;
    if (steps == 1) p[0] = start;  // PyTorch gives [start], not [end]
    for (int64_t i = steps == 1 ? 1 : 0; i < steps; ++i)
      p[i] = i < half ? start + step * static_cast<double>(i)
                      : end - step * static_cast<double>(steps - 1 - i);
    return t.to(options.dtype());
  });
}

Tensor eye(int64_t n, const TensorOptions& options) { return eye(n, n, options); }

Tensor eye(int64_t n, int64_t m, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(n >= 0 && m >= 0, "eye: n and m must be non-negative, got {} and {}", n, m);
    Tensor t = zeros({n, m}, options);
    const int64_t k = std::min(n, m);
    Tensor diag = t.as_strided({k}, {m + 1}, 0);
    diag.fill_(1);
    return t;
  });
}

Tensor rand(IntArrayRef size, const TensorOptions& options) {
  return rand(size, std::nullopt, options);
}

Tensor rand(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(is_floating_point(options.dtype()), "rand: not implemented for '{}'",
                dtype_legacy_name(options.dtype()));
    Tensor t = empty(size, options);
    kernels(t.device().type()).uniform(t, 0, 1, detail::generator_or_default(generator));
    return t;
  });
}

Tensor randn(IntArrayRef size, const TensorOptions& options) {
  return randn(size, std::nullopt, options);
}

Tensor randn(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(is_floating_point(options.dtype()), "randn: not implemented for '{}'",
                dtype_legacy_name(options.dtype()));
    Tensor t = empty(size, options);
    kernels(t.device().type()).normal(t, 0, 1, detail::generator_or_default(generator));
    return t;
  });
}

Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(0, high, size, std::nullopt, options);
}

Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(low, high, size, std::nullopt, options);
}

Tensor randint(int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options) {
  return randint(0, high, size, std::move(generator), options);
}

Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(low < high,
                "random_: expects 'from' to be less than 'to', but got from={} >= to={}", low,
                high);
    const ScalarType dtype = options.has_dtype() ? options.dtype() : kInt64;
    // Draw integers even for a floating-point dtype (the kernel draws by the output's dtype).
    Tensor t = empty(size, options.dtype(kInt64));
    kernels(t.device().type())
        .uniform(t, static_cast<double>(low), static_cast<double>(high),
                 detail::generator_or_default(generator));
    return t.to(dtype);
  });
}

Tensor randperm(int64_t n, const TensorOptions& options) {
  return randperm(n, std::nullopt, options);
}

Tensor randperm(int64_t n, std::optional<Generator> generator, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got {}", n);
    Tensor t = empty({n}, TensorOptions(kInt64));
    int64_t* p = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = i;
    auto& gen = detail::generator_or_default(generator);
    std::lock_guard<std::mutex> lock(gen.mutex());
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(p[i], p[static_cast<int64_t>(gen.next() % static_cast<uint64_t>(i + 1))]);
    return t.to(options.has_dtype() ? options.dtype() : kInt64).to(options.device());
  });
}

namespace {
TensorOptions like(const Tensor& t, const TensorOptions& o) {
  TensorOptions r = t.options();
  if (o.has_dtype()) r = r.dtype(o.dtype());
  if (o.has_device()) r = r.device(o.device());
  return r.requires_grad(o.requires_grad());
}
}  // namespace

Tensor empty_like(const Tensor& t, const TensorOptions& o) {
  return detail::empty_for(t.sizes(), like(t, o), {&t});
}
Tensor zeros_like(const Tensor& t, const TensorOptions& o) { return zeros(t.sizes(), like(t, o)); }
Tensor ones_like(const Tensor& t, const TensorOptions& o) { return ones(t.sizes(), like(t, o)); }
Tensor full_like(const Tensor& t, const Scalar& v, const TensorOptions& o) {
  return full(t.sizes(), v, like(t, o));
}
Tensor rand_like(const Tensor& t, const TensorOptions& o) { return rand(t.sizes(), like(t, o)); }
Tensor randn_like(const Tensor& t, const TensorOptions& o) { return randn(t.sizes(), like(t, o)); }

void manual_seed(uint64_t seed) { detail::getDefaultCPUGenerator().set_current_seed(seed); }

Tensor get_rng_state() { return detail::getDefaultCPUGenerator().get_state(); }

void set_rng_state(const Tensor& state) { detail::getDefaultCPUGenerator().set_state(state); }

namespace {

// Walks nested data once to find its shape and the dtype its values imply.
void infer_shape(const TensorData& d, size_t depth, DimVector& shape, ScalarType& dtype,
                 bool& any_value) {
  if (d.is_scalar()) {
    EMBER_CHECK(depth == shape.size() || !any_value,
                "tensor: expected a sequence at depth {}, found a number", depth);
    if (!any_value) shape.resize(depth);
    const ScalarType t = d.scalar().is_floating_point() ? get_default_dtype() : d.scalar().type();
    dtype = any_value ? promote_types(dtype, t) : t;
    any_value = true;
    return;
  }
  if (depth >= shape.size()) {
    EMBER_CHECK(!any_value, "tensor: expected a number at depth {}, found a sequence", depth);
    shape.push_back(static_cast<int64_t>(d.children().size()));
  } else {
    EMBER_CHECK(shape[depth] == static_cast<int64_t>(d.children().size()),
                "tensor: expected sequence of length {} at dim {} (got {})", shape[depth], depth,
                d.children().size());
  }
  for (const auto& c : d.children()) infer_shape(c, depth + 1, shape, dtype, any_value);
}

void flatten_values(const TensorData& d, std::vector<double>& out) {
  if (d.is_scalar()) {
    out.push_back(d.scalar().to_double());
    return;
  }
  for (const auto& c : d.children()) flatten_values(c, out);
}

}  // namespace

Tensor tensor(const TensorData& data, const TensorOptions& options) {
  return make_factory(options, [&] {
    DimVector shape;
    ScalarType inferred = get_default_dtype();
    bool any_value = false;
    infer_shape(data, 0, shape, inferred, any_value);
    // An empty list has shape [0] and the default dtype.
    const ScalarType dtype = options.has_dtype() ? options.dtype() : inferred;
    std::vector<double> values;
    flatten_values(data, values);
    const bool integral_data = any_value && !is_floating_point(inferred);
    Tensor t = empty(shape, TensorOptions(dtype));
    if (integral_data && dtype == kInt64) {
      // Exact path: int64 values beyond 2^53 must not round-trip through double.
      std::vector<int64_t> ints;
      std::function<void(const TensorData&)> walk = [&](const TensorData& d) {
        if (d.is_scalar()) ints.push_back(d.scalar().to_long());
        for (const auto& c : d.children()) walk(c);
      };
      walk(data);
      std::copy(ints.begin(), ints.end(), t.data_ptr<int64_t>());
    } else {
      Tensor src = empty(shape, TensorOptions(kFloat64));
      std::copy(values.begin(), values.end(), src.data_ptr<double>());
      t.copy_(src);
    }
    return t.to(options.device());
  });
}

namespace {
struct BlobDeleter {
  std::function<void(void*)> fn;
  void* data;
};
}  // namespace

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  return make_factory(options, [&] {
    EMBER_CHECK(sizes.size() == strides.size(),
                "from_blob: sizes {} and strides {} differ in length", sizes, strides);
    const ScalarType dtype = options.dtype();
    checked_numel(sizes, dtype, "from_blob");
    int64_t extent = 1;
    for (size_t i = 0; i < sizes.size(); ++i)
      if (sizes[i] > 0) extent += (sizes[i] - 1) * strides[i];
    Storage storage =
        Storage::make(DataPtr{data, nullptr, nullptr},
                      static_cast<size_t>(extent) * element_size(dtype), options.device());
    return Tensor(IntrusivePtr<TensorImpl>::make(std::move(storage), dtype, sizes, strides, 0));
  });
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options) {
  return make_factory(options,
                      [&] { return from_blob(data, sizes, contiguous_strides(sizes), options); });
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 std::function<void(void*)> deleter, const TensorOptions& options) {
  return make_factory(options, [&] {
    Tensor t = from_blob(data, sizes, strides, options);
    auto* ctx = new BlobDeleter{std::move(deleter), data};
    Storage storage = Storage::make(DataPtr{data, ctx,
                                            [](void* c) {
                                              auto* d = static_cast<BlobDeleter*>(c);
                                              if (d->fn) d->fn(d->data);
                                              delete d;
                                            }},
                                    t.impl()->storage()->nbytes(), options.device());
    return Tensor(
        IntrusivePtr<TensorImpl>::make(std::move(storage), t.dtype(), t.sizes(), t.strides(), 0));
  });
}

Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options) {
  return make_factory(options, [&] {
    return from_blob(data, sizes, contiguous_strides(sizes), std::move(deleter), options);
  });
}

}  // namespace ember
