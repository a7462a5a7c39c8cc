// Grids, spaced sequences, signal windows, Vandermonde matrices, combinations, trapezoidal
// integration and membership tests, composed of the public ops.
#include "ember/ops/sequence_composed.h"

#include <cmath>
#include <numbers>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scan.h"
#include "ember/ops/search.h"
#include "ember/ops/sort.h"
#include "ops/op_utils.h"

namespace ember {

std::vector<Tensor> meshgrid(TensorList tensors, std::string_view indexing) {
  EMBER_CHECK(!tensors.empty(), "meshgrid expects a non-empty TensorList");
  EMBER_CHECK(indexing == "ij" || indexing == "xy",
              "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {}",
              indexing);
  std::vector<int64_t> shape;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(t.dim() <= 1,
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                "shape {}",
                t.sizes());
    EMBER_CHECK(t.dtype() == tensors[0].dtype(),
                "meshgrid expects all tensors to have the same dtype");
    shape.push_back(t.numel());
  }
  // "xy" is "ij" with the first two inputs' roles exchanged in the output's dims.
  const bool swap = indexing == "xy" && tensors.size() >= 2;
  if (swap) std::swap(shape[0], shape[1]);
  std::vector<Tensor> grids;
  for (size_t i = 0; i < tensors.size(); ++i) {
    size_t axis = i;
    if (swap && i < 2) axis = 1 - i;
    std::vector<int64_t> view(tensors.size(), 1);
    view[axis] = -1;
    grids.push_back(tensors[i].reshape(view).expand(shape));
  }
  return grids;
}

Tensor logspace(double start, double end, int64_t steps, double base,
                const TensorOptions& options) {
  EMBER_CHECK(steps >= 0, "number of steps must be non-negative");
  const Tensor exponents = linspace(start, end, steps, TensorOptions().dtype(kFloat64));
  return pow(Scalar(base), exponents).to(options.dtype());
}

Tensor range(double start, double end, double step, const TensorOptions& options) {
  EMBER_CHECK(step != 0, "step must be nonzero");
  EMBER_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
              "upper bound and lower bound inconsistent with step sign");
  const auto count = static_cast<int64_t>(std::floor((end - start) / step)) + 1;
  return (arange(count, TensorOptions().dtype(kFloat64)) * step + start).to(options.dtype());
}

namespace {

// The points 0 .. n-1 over which a symmetric window of length n (or, periodic, the first n of
// n + 1) is evaluated, as float64 with the denominator n - 1 (or n) of its cosine terms.
struct WindowPoints {
  Tensor n;
  double last;
};

std::optional<Tensor> trivial_window(const char* name, int64_t length,
                                     const TensorOptions& options) {
  EMBER_CHECK(length >= 0, "{} requires non-negative window_length, got window_length={}", name,
              length);
  EMBER_CHECK(is_floating_point(options.dtype()), "{} expects floating point dtypes, got: {}", name,
              dtype_name(options.dtype()));
  if (length == 0) return empty({0}, options);
  if (length == 1) return ones({1}, options);
  return std::nullopt;
}

WindowPoints window_points(int64_t length, bool periodic) {
  return {arange(length, TensorOptions().dtype(kFloat64)),
          static_cast<double>(periodic ? length : length - 1)};
}

}  // namespace

Tensor hamming_window(int64_t window_length, bool periodic, double alpha, double beta,
                      const TensorOptions& options) {
  if (auto w = trivial_window("hamming_window", window_length, options)) return *w;
  const auto [n, last] = window_points(window_length, periodic);
  return ((n * (2 * std::numbers::pi / last)).cos() * -beta + alpha).to(options.dtype());
}

Tensor hann_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  if (auto w = trivial_window("hann_window", window_length, options)) return *w;
  return hamming_window(window_length, periodic, 0.5, 0.5, options);
}

Tensor blackman_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  if (auto w = trivial_window("blackman_window", window_length, options)) return *w;
  const auto [n, last] = window_points(window_length, periodic);
  const Tensor phase = n * (2 * std::numbers::pi / last);
  return (phase.cos() * -0.5 + (phase * 2).cos() * 0.08 + 0.42).to(options.dtype());
}

Tensor bartlett_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  if (auto w = trivial_window("bartlett_window", window_length, options)) return *w;
  const auto [n, last] = window_points(window_length, periodic);
  return ((n * (2 / last) - 1).abs() * -1 + 1).to(options.dtype());
}

Tensor kaiser_window(int64_t window_length, bool periodic, double beta,
                     const TensorOptions& options) {
  if (auto w = trivial_window("kaiser_window", window_length, options)) return *w;
  const auto [n, last] = window_points(window_length, periodic);
  const double half = last / 2;
  const Tensor ratio = (n - half) / half;
  const Tensor arg = ((ratio * ratio * -1 + 1).clamp_min(0).sqrt() * beta);
  return (i0(arg) / std::cyl_bessel_i(0.0, beta)).to(options.dtype());
}

Tensor vander(const Tensor& x, std::optional<int64_t> N, bool increasing) {
  EMBER_CHECK(x.dim() == 1, "x must be a one-dimensional tensor.");
  const int64_t columns = N.value_or(x.size(0));
  EMBER_CHECK(columns >= 0, "N must be non-negative.");
  const ScalarType dtype = is_floating_point(x.dtype()) ? x.dtype() : kInt64;
  if (columns == 0) return empty({x.size(0), 0}, TensorOptions().dtype(dtype));
  // Powers as a running product: 1, x, x*x, ... keeps integer inputs exact.
  const Tensor base = x.to(dtype).unsqueeze(1);
  const Tensor powers =
      cumprod(cat({ones_like(base), base.expand({x.size(0), columns - 1})}, 1), 1);
  return increasing ? powers : flip(powers, {1});
}

Tensor combinations(const Tensor& input, int64_t r, bool with_replacement) {
  EMBER_CHECK(input.dim() == 1, "Expect a 1D vector, but got shape {}", input.sizes());
  EMBER_CHECK(r >= 0, "Expect a non-negative number, but got {}", r);
  if (r == 0) return empty({0}, TensorOptions().dtype(input.dtype()));
  const int64_t n = input.size(0);
  // Index tuples in lexicographic order: each index at least the one before it (with
  // replacement) or greater than it.
  std::vector<int64_t> flat, tuple(static_cast<size_t>(r), 0);
  if (!with_replacement)
    for (int64_t i = 0; i < r; ++i) tuple[static_cast<size_t>(i)] = i;
  auto valid = [&] { return n > 0 && tuple.back() < n && (with_replacement || r <= n); };
  while (valid()) {
    flat.insert(flat.end(), tuple.begin(), tuple.end());
    int64_t i = r - 1;
    // The last position that can still grow, given how many positions follow it.
    while (i >= 0 && tuple[static_cast<size_t>(i)] >= (with_replacement ? n - 1 : n - r + i)) --i;
    if (i < 0) break;
    ++tuple[static_cast<size_t>(i)];
    for (int64_t j = i + 1; j < r; ++j)
      tuple[static_cast<size_t>(j)] =
          tuple[static_cast<size_t>(j - 1)] + (with_replacement ? 0 : 1);
  }
  const auto rows = static_cast<int64_t>(flat.size()) / r;
  if (rows == 0) return empty({0, r}, TensorOptions().dtype(input.dtype()));
  return input.index_select(0, tensor(flat)).reshape({rows, r});
}

namespace {

// (y[i] + y[i+1]) / 2 along dim times each interval's width: the trapezoids being summed.
Tensor trapezoids(const Tensor& y, const Tensor& dx, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  const int64_t n = y.size(d);
  return (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) * dx / 2;
}

Tensor spacing(const char* op, const Tensor& y, const Tensor& x, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  if (x.dim() == 1) {
    EMBER_CHECK(x.size(0) == y.size(d), "{}: There must be one `x` value for each sample point",
                op);
    std::vector<int64_t> shape(static_cast<size_t>(y.dim()), 1);
    shape[static_cast<size_t>(d)] = -1;
    return diff(x).reshape(shape);
  }
  return diff(x, 1, dim);
}

}  // namespace

Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  if (y.size(d) == 0) return y.sum({dim});
  return trapezoids(y, spacing("trapezoid", y, x, dim), dim).sum({dim});
}

Tensor trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  if (y.size(d) == 0) return y.sum({dim});
  return trapezoids(y, scalar_tensor(dx, TensorOptions().dtype(y.dtype())), dim).sum({dim});
}

Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  if (y.size(d) == 0) return y.clone();
  return cumsum(trapezoids(y, spacing("cumulative_trapezoid", y, x, dim), dim), dim);
}

Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  const int64_t d = dim < 0 ? dim + y.dim() : dim;
  if (y.size(d) == 0) return y.clone();
  return cumsum(trapezoids(y, scalar_tensor(dx, TensorOptions().dtype(y.dtype())), dim), dim);
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool /*assume_unique*/,
            bool invert) {
  const ScalarType common = promote_types(elements.dtype(), test_elements.dtype());
  const Tensor values = elements.to(common);
  if (test_elements.numel() == 0)
    return invert ? ones_like(values, kBool) : zeros_like(values, kBool);
  // Binary search in the sorted test elements: O((n + m) log m), not an n-by-m comparison.
  const Tensor sorted = std::get<0>(sort(test_elements.to(common).reshape({-1})));
  const Tensor at = searchsorted(sorted, values.reshape({-1})).clamp_max(sorted.numel() - 1);
  const Tensor found = sorted.index_select(0, at).eq(values.reshape({-1})).reshape(values.sizes());
  return invert ? found.logical_not() : found;
}

}  // namespace ember
