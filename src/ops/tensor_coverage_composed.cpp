// More of torch's functions and Tensor methods composed of the public ops
// (ember/ops/tensor_coverage_composed.h).
#include "ember/ops/tensor_coverage_composed.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_decompositions.h"
#include "ember/ops/reduce.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"

namespace ember {
using detail::wrap_dim;
using detail::write_back;

namespace {
// The in-place forms change what the handle points to, never the handle (as Tensor's const
// in-place methods do).
Tensor& mutable_self(const Tensor& self) { return const_cast<Tensor&>(self); }

// The dims of an n-dim tensor other than d.
DimVector all_but(int64_t n, int64_t d) {
  DimVector dims;
  for (int64_t i = 0; i < n; ++i)
    if (i != d) dims.push_back(i);
  return dims;
}
}  // namespace

// ---- Elementwise math -------------------------------------------------------------------------

Tensor dist(const Tensor& input, const Tensor& other, const Scalar& p) {
  return norm(input - other, p);
}

Tensor renorm(const Tensor& input, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  EMBER_CHECK(p.to_double() > 0, "renorm: non-positive-norm not supported");
  EMBER_CHECK(maxnorm.to_double() >= 0, "renorm: expected maxnorm to be >= 0 but got {}",
              maxnorm.to_double());
  EMBER_CHECK(input.dim() > 1, "renorm: input needs at least 2 dimensions, got {} dimensions",
              input.dim());
  const int64_t d = wrap_dim(dim, input.dim(), "renorm");
  const Tensor norms = input.norm(p, all_but(input.dim(), d), /*keepdim=*/true);
  // Slices within the limit keep factor 1; the 1e-7 is torch's guard, kept for parity.
  const Tensor factor =
      where(norms.gt(maxnorm), norms.add(1e-7).reciprocal().mul(maxnorm), Scalar(1.0));
  return input * factor;
}

Tensor renorm_(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  return write_back(mutable_self(self), "renorm_", {},
                    [&](const Tensor& x) { return renorm(x, p, dim, maxnorm); });
}

Tensor mvlgamma(const Tensor& input, int64_t p) {
  EMBER_CHECK(p >= 1, "p has to be greater than or equal to 1");
  const Tensor x = input.is_floating_point() ? input : input.to(get_default_dtype());
  // x - i/2 for i < p along a new last dim.
  const Tensor shifts = arange(0, p, 1, x.options()).mul(-0.5);
  const double constant = static_cast<double>(p * (p - 1)) / 4.0 * std::log(std::numbers::pi);
  return lgamma(x.unsqueeze(-1) + shifts).sum({-1}).add(constant);
}

Tensor mvlgamma_(const Tensor& self, int64_t p) {
  return write_back(mutable_self(self), "mvlgamma_", {},
                    [&](const Tensor& x) { return mvlgamma(x, p); });
}

Tensor isreal(const Tensor& input) {
  return ones(input.sizes(), TensorOptions(kBool).device(input.device()));
}

std::tuple<Tensor, Tensor> frexp(const Tensor& input) {
  EMBER_CHECK(input.is_floating_point(), "torch.frexp() only supports floating-point dtypes");
  // The exponent is found in float64 (which holds every float32 exactly, subnormals included)
  // and carries no gradient, so mantissa = input / 2^e differentiates as torch's does.
  const Tensor a = input.detach().to(kFloat64).abs();
  const Tensor regular = logical_and(isfinite(a), a.ne(0.0));
  const Tensor safe = where(regular, a, Scalar(1.0));
  Tensor e = where(regular, floor(log2(safe)).add(1.0), Scalar(0.0));
  // 2^e in two halves, so that neither overflows (e reaches 1024) nor underflows (-1073).
  auto scale_down = [](const Tensor& v, const Tensor& exponent) {
    const Tensor half = floor(exponent.mul(0.5));
    return v / exp2(half) / exp2(exponent - half);
  };
  // log2 can round across a power of two; one step either way puts |mantissa| in [0.5, 1).
  const Tensor m = scale_down(safe, e);
  e = where(logical_and(m.ge(1.0), regular), e.add(1.0),
            where(logical_and(m.lt(0.5), regular), e.sub(1.0), e));
  const Tensor half = floor(e.mul(0.5));
  const Tensor mantissa = input / exp2(half).to(input.dtype()) / exp2(e - half).to(input.dtype());
  return {mantissa, e.to(kInt32)};
}

namespace {
ScalarType integer_result(const Tensor& a, const Tensor& b, const char* kernel) {
  const ScalarType type = result_type(a, b);
  EMBER_CHECK(is_integral(type), "\"{}\" not implemented for '{}'", kernel,
              dtype_legacy_name(type));
  return type;
}
}  // namespace

Tensor gcd(const Tensor& input, const Tensor& other) {
  const ScalarType type = integer_result(input, other, "gcd_cpu");
  const std::vector<Tensor> both = broadcast_tensors({input.to(type), other.to(type)});
  Tensor a = both[0].abs(), b = both[1].abs();
  // Euclid's algorithm on every element at once, until every remainder is zero.
  while (b.ne(0).any().item<bool>()) {
    const Tensor active = b.ne(0);
    const Tensor r = remainder(a, where(active, b, Scalar(1)));
    a = where(active, b, a);
    b = r;
  }
  return a;
}

Tensor lcm(const Tensor& input, const Tensor& other) {
  const ScalarType type = integer_result(input, other, "lcm_cpu");
  const Tensor a = input.to(type), b = other.to(type);
  const Tensor g = gcd(a, b);
  const Tensor zero = g.eq(0);
  // a / g is exact, so dividing first keeps the product from overflowing early.
  return where(zero, Scalar(0), floor_divide(a, where(zero, Scalar(1), g)).mul(b).abs());
}

Tensor gcd_(const Tensor& self, const Tensor& other) {
  return write_back(mutable_self(self), "gcd_", {&other},
                    [&](const Tensor& x) { return gcd(x, other); });
}

Tensor lcm_(const Tensor& self, const Tensor& other) {
  return write_back(mutable_self(self), "lcm_", {&other},
                    [&](const Tensor& x) { return lcm(x, other); });
}

// ---- Splits and copies ------------------------------------------------------------------------

Tensor argwhere(const Tensor& input) { return input.nonzero(); }

Tensor narrow_copy(const Tensor& input, int64_t dim, int64_t start, int64_t length) {
  return input.narrow(dim, start, length).clone();
}

std::vector<Tensor> split_with_sizes(const Tensor& input, IntArrayRef split_sizes, int64_t dim) {
  EMBER_CHECK(input.dim() > 0, "split_with_sizes expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, input.dim(), "split_with_sizes");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0,
                "split_with_sizes expects split_sizes have only non-negative entries, but got "
                "split_sizes={}",
                split_sizes);
    total += s;
  }
  EMBER_CHECK(total == input.size(d),
              "split_with_sizes expects split_sizes to sum exactly to {} (input tensor's size at "
              "dimension {}), but got split_sizes={}",
              input.size(d), d, split_sizes);
  return input.split(split_sizes, d);
}

std::vector<Tensor> unsafe_split(const Tensor& input, int64_t split_size, int64_t dim) {
  return input.split(split_size, dim);
}

std::vector<Tensor> unsafe_chunk(const Tensor& input, int64_t chunks, int64_t dim) {
  return input.chunk(chunks, dim);
}

std::vector<Tensor> unsafe_split_with_sizes(const Tensor& input, IntArrayRef split_sizes,
                                            int64_t dim) {
  return split_with_sizes(input, split_sizes, dim);
}

// ---- In-place forms of out-of-place ops -------------------------------------------------------

Tensor tril_(const Tensor& self, int64_t diagonal) {
  return write_back(mutable_self(self), "tril_", {},
                    [&](const Tensor& x) { return x.tril(diagonal); });
}

Tensor triu_(const Tensor& self, int64_t diagonal) {
  return write_back(mutable_self(self), "triu_", {},
                    [&](const Tensor& x) { return x.triu(diagonal); });
}

Tensor addmm_(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
              const Scalar& alpha) {
  return write_back(mutable_self(self), "addmm_", {&mat1, &mat2},
                    [&](const Tensor& x) { return addmm(x, mat1, mat2, beta, alpha); });
}

Tensor scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return write_back(mutable_self(self), "scatter_add_", {&src},
                    [&](const Tensor& x) { return x.scatter_add(dim, index, src); });
}

Tensor fill_diagonal_(const Tensor& self, const Scalar& fill_value, bool wrap) {
  const int64_t n = self.dim();
  EMBER_CHECK(n >= 2, "dimensions must larger than 1");
  const int64_t height = self.size(0), width = self.size(1);
  if (n > 2)
    for (int64_t d = 1; d < n; ++d)
      EMBER_CHECK(self.size(d) == height, "all dimensions of input must be of equal length");
  // In row-major order the diagonal advances by the sum of the contiguous strides; a wrapped
  // tall matrix simply keeps going (every cols + 1 elements) to the end.
  int64_t step = 0;
  for (int64_t d = n - 1, stride = 1; d >= 0; stride *= self.size(d), --d) step += stride;
  const int64_t numel = self.numel();
  const bool wraps = wrap && n == 2 && height > width + 1;
  const int64_t end = wraps ? numel : std::min(height, width) * step;
  Tensor mask = zeros({numel}, TensorOptions(kBool));
  bool* m = mask.data_ptr<bool>();
  for (int64_t i = 0; i < end && i < numel; i += step) m[i] = true;
  self.masked_fill_(mask.reshape(self.sizes()).to(self.device()), fill_value);
  return self;
}

// ---- Scatters -----------------------------------------------------------------------------

Tensor masked_scatter(const Tensor& input, const Tensor& mask, const Tensor& source) {
  EMBER_CHECK(input.dtype() == source.dtype(),
              "masked_scatter: expected self and source to have same dtypes but got{} and {}",
              dtype_legacy_name(input.dtype()), dtype_legacy_name(source.dtype()));
  const DimVector shape = broadcast_shapes(input.sizes(), mask.sizes(), "masked_scatter");
  const Tensor positions = mask.to(kBool).expand(shape).reshape({-1}).nonzero().reshape({-1});
  const int64_t count = positions.numel();
  EMBER_CHECK(source.numel() >= count, "Number of elements of source < number of ones in mask");
  // The true positions, in row-major order, take source's first elements.
  const Tensor values = source.reshape({-1}).narrow(0, 0, count);
  return input.expand(shape).reshape({-1}).index_copy(0, positions, values).reshape(shape);
}

Tensor masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source) {
  // The mask broadcasts to self, never self to the mask.
  const Tensor m = mask.expand(self.sizes());
  return write_back(mutable_self(self), "masked_scatter_", {&source},
                    [&](const Tensor& x) { return masked_scatter(x, m, source); });
}

Tensor put(const Tensor& input, const Tensor& index, const Tensor& source, bool accumulate) {
  EMBER_CHECK(index.dtype() == kInt64, "put_(): Expected a long tensor for index, but got {}",
              dtype_legacy_name(index.dtype()));
  EMBER_CHECK(input.dtype() == source.dtype(),
              "put_(): self and source expected to have the same dtype, but got self.dtype = {} "
              "and source.dtype = {}",
              dtype_legacy_name(input.dtype()), dtype_legacy_name(source.dtype()));
  EMBER_CHECK_INDEX(source.numel() == index.numel(),
                    "put_(): Expected source and index to have the same number of elements, but "
                    "got source.numel() = {}, index.numel() = {}",
                    source.numel(), index.numel());
  const int64_t n = input.numel();
  const Tensor flat_index = index.reshape({-1});
  if (flat_index.numel() > 0) {
    EMBER_CHECK_INDEX(n > 0, "put_(): Tried to put elements into an empty tensor");
    const Tensor bad = logical_or(flat_index.ge(n), flat_index.lt(-n));
    if (bad.any().item<bool>())
      EMBER_CHECK_INDEX(false, "out of range: tried to access index {} on a tensor of {} elements.",
                        flat_index.masked_select(bad)[0].item<int64_t>(), n);
  }
  const Tensor positions = where(flat_index.lt(0), flat_index.add(n), flat_index);
  const Tensor flat = input.reshape({-1});
  const Tensor values = source.reshape({-1});
  const Tensor out =
      accumulate ? index_add(flat, 0, positions, values) : flat.index_copy(0, positions, values);
  return out.reshape(input.sizes());
}

Tensor put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  return write_back(mutable_self(self), "put_", {&source},
                    [&](const Tensor& x) { return put(x, index, source, accumulate); });
}

Tensor index_reduce(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self) {
  EMBER_CHECK(reduce == "prod" || reduce == "mean" || reduce == "amax" || reduce == "amin",
              "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {}.",
              reduce);
  const Tensor base = input.dim() == 0 ? input.reshape({1}) : input;
  const Tensor src = source.dim() == 0 ? source.reshape({1}) : source;
  const int64_t d = wrap_dim(dim, base.dim(), "index_reduce");
  EMBER_CHECK(index.dim() <= 1, "index_reduce_(): Index is supposed to be a vector");
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32,
              "index_reduce_(): Expected a long or int tensor for index, but got {}",
              dtype_legacy_name(index.dtype()));
  EMBER_CHECK(input.dtype() == source.dtype(),
              "index_reduce_(): self ({}) and source ({}) must have the same scalar type",
              dtype_legacy_name(input.dtype()), dtype_legacy_name(source.dtype()));
  EMBER_CHECK(src.dim() == base.dim(),
              "index_reduce_(): Source/destination tensor must have same dimensions, but got {} "
              "and {}",
              source.sizes(), input.sizes());
  EMBER_CHECK(index.numel() == src.size(d),
              "index_reduce_(): Number of indices ({}) should be equal to source.size(dim): ({}), "
              "for dim: {}",
              index.numel(), src.size(d), d);
  for (int64_t i = 0; i < base.dim(); ++i)
    EMBER_CHECK(i == d || src.size(i) == base.size(i),
                "index_reduce_(): source.size({}) = {} does not match self.size({}) = {}", i,
                src.size(i), i, base.size(i));
  const Tensor positions = index.to(kInt64).reshape({-1});
  if (positions.numel() > 0)
    EMBER_CHECK_INDEX(logical_and(positions.ge(0), positions.lt(base.size(d))).all().item<bool>(),
                      "index out of range in self");
  // Every element of source's slice i goes to slice index[i]: the index spread over source.
  DimVector along(static_cast<size_t>(src.dim()), 1);
  along[d] = positions.numel();
  const Tensor spread = positions.reshape(along).expand(src.sizes());
  return base.scatter_reduce(d, spread, src, reduce, include_self).reshape(input.sizes());
}

Tensor index_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                     std::string_view reduce, bool include_self) {
  return write_back(mutable_self(self), "index_reduce_", {&source}, [&](const Tensor& x) {
    return index_reduce(x, dim, index, source, reduce, include_self);
  });
}

namespace {
// A copy of t laid out in memory as torch's clone keeps it: a dense tensor keeps its strides
// (the order of its dims in memory), anything else becomes contiguous. as_strided_scatter's
// strides address that memory.
Tensor clone_keeping_layout(const Tensor& t) {
  DimVector order(static_cast<size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return t.stride(a) > t.stride(b); });
  const Tensor in_memory_order = t.permute(order);
  if (!in_memory_order.is_contiguous()) return t.clone();
  DimVector inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
  return in_memory_order.clone().permute(inverse);
}

// A copy of input with src copied into the view that view_of takes of it; the write through
// the view keeps both input's and src's gradients.
template <typename View>
Tensor scatter_into_view(const Tensor& input, const Tensor& src, View view_of,
                         bool keep_layout = false) {
  Tensor out = keep_layout ? clone_keeping_layout(input) : input.clone();
  const Tensor view = view_of(out);
  EMBER_CHECK(view.sizes() == src.sizes(),
              "expected src to have a size equal to the slice of self. src size = {}, slice size "
              "= {}",
              src.sizes(), view.sizes());
  view.copy_(src);
  return out;
}
}  // namespace

Tensor select_scatter(const Tensor& input, const Tensor& src, int64_t dim, int64_t index) {
  return scatter_into_view(input, src, [&](const Tensor& t) { return t.select(dim, index); });
}

Tensor slice_scatter(const Tensor& input, const Tensor& src, int64_t dim,
                     std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  return scatter_into_view(input, src,
                           [&](const Tensor& t) { return t.slice(dim, start, end, step); });
}

Tensor diagonal_scatter(const Tensor& input, const Tensor& src, int64_t offset, int64_t dim1,
                        int64_t dim2) {
  return scatter_into_view(input, src,
                           [&](const Tensor& t) { return t.diagonal(offset, dim1, dim2); });
}

Tensor as_strided_scatter(const Tensor& input, const Tensor& src, IntArrayRef size,
                          IntArrayRef stride, std::optional<int64_t> storage_offset) {
  return scatter_into_view(
      input, src,
      [&](const Tensor& t) { return t.as_strided(size, stride, storage_offset.value_or(0)); },
      /*keep_layout=*/true);
}

// ---- Statistics and matrices ------------------------------------------------------------------

Tensor cov(const Tensor& input, int64_t correction, const Tensor& fweights,
           const Tensor& aweights) {
  EMBER_CHECK(input.dim() <= 2,
              "cov(): expected input to have two or fewer dimensions but got an input with {} "
              "dimensions",
              input.dim());
  EMBER_CHECK(input.dtype() != kBool, "cov(): bool dtype is not supported for input");
  Tensor x = input.dim() < 2 ? input.reshape({1, -1}) : input;
  if (!x.is_floating_point()) x = x.to(get_default_dtype());
  const int64_t observations = x.size(1);
  auto check_weights = [&](const Tensor& w, const char* name) {
    EMBER_CHECK(w.dim() <= 1,
                "cov(): expected {} to have one or fewer dimensions but got {} with {} dimensions",
                name, name, w.dim());
    EMBER_CHECK(w.numel() == observations,
                "cov(): expected {} to have the same numel as there are observations in the "
                "input but got {} != {}",
                name, w.numel(), observations);
  };
  Tensor w;
  if (fweights.defined()) {
    EMBER_CHECK(fweights.dim() <= 1,
                "cov(): expected fweights to have one or fewer dimensions but got fweights with "
                "{} dimensions",
                fweights.dim());
    EMBER_CHECK(is_integral(fweights.dtype()),
                "cov(): expected fweights to have integral dtype but got fweights with {} dtype",
                dtype_legacy_name(fweights.dtype()));
    check_weights(fweights, "fweights");
    EMBER_CHECK(!fweights.lt(0).any().item<bool>(), "cov(): fweights cannot be negative");
    w = fweights;
  }
  if (aweights.defined()) {
    EMBER_CHECK(aweights.dim() <= 1,
                "cov(): expected aweights to have one or fewer dimensions but got aweights with "
                "{} dimensions",
                aweights.dim());
    EMBER_CHECK(aweights.is_floating_point(),
                "cov(): expected aweights to have floating point dtype but got aweights with {} "
                "dtype",
                dtype_legacy_name(aweights.dtype()));
    check_weights(aweights, "aweights");
    EMBER_CHECK(!aweights.lt(0).any().item<bool>(), "cov(): aweights cannot be negative");
    w = w.defined() ? w * aweights : aweights;
  }
  Tensor mean_of_rows, norm_factor;
  if (w.defined()) {
    const Tensor w_sum = w.sum();
    mean_of_rows = (x * w).sum({1}) / w_sum;
    norm_factor = correction == 0      ? w_sum
                  : aweights.defined() ? w_sum - (w * aweights).sum().mul(correction) / w_sum
                                       : w_sum - correction;
  } else {
    mean_of_rows = x.mean({1});
    norm_factor = full({}, static_cast<double>(observations - correction), x.options());
  }
  // Too few degrees of freedom give inf or NaN, as torch (which also warns) does.
  norm_factor = norm_factor.clamp_min(0);
  const Tensor centred = x - mean_of_rows.unsqueeze(1);
  const Tensor c = mm(centred, (w.defined() ? centred * w : centred).t());
  return (c / norm_factor).squeeze();
}

Tensor corrcoef(const Tensor& input) {
  EMBER_CHECK(input.dim() <= 2,
              "corrcoef(): expected input to have two or fewer dimensions but got an input with "
              "{} dimensions",
              input.dim());
  const Tensor c = cov(input);
  if (c.dim() == 0) return c / c;
  const Tensor stddev = c.diagonal().sqrt();
  // Rounding can take |r| a little over 1.
  return (c / stddev.unsqueeze(1) / stddev.unsqueeze(0)).clamp(-1.0, 1.0);
}

Tensor matrix_power(const Tensor& input, int64_t n) {
  EMBER_CHECK(input.dim() >= 2,
              "linalg.matrix_power: The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(input.size(-1) == input.size(-2),
              "linalg.matrix_power: A must be batches of square matrices, but they are {} by {} "
              "matrices",
              input.size(-2), input.size(-1));
  // A negative power is the positive power of the inverse (as torch computes it).
  if (n < 0) return matrix_power(linalg::inv(input), -n);
  if (n == 0) {
    // Written over a copy of input, as torch does, so the result joins input's graph.
    Tensor out = input.clone();
    out.copy_(eye(input.size(-1), input.options()).expand(input.sizes()));
    return out;
  }
  if (n == 1) return input.clone();
  // Repeated squaring: the product of input^(2^k) over the set bits k of n.
  Tensor result, power = input;
  for (int64_t k = n;;) {
    if (k & 1) result = result.defined() ? matmul(result, power) : power;
    k >>= 1;
    if (k == 0) break;
    power = matmul(power, power);
  }
  return result;
}

// ---- Random in-place fills --------------------------------------------------------------------

namespace {
void check_floating(const Tensor& self, const char* op) {
  EMBER_CHECK(self.is_floating_point(), "\"{}_cpu\" not implemented for '{}'", op,
              dtype_legacy_name(self.dtype()));
}

// Uniform draws in [0, 1) of self's shape, in float64 so that the transforms below keep their
// precision before the values are written into self's dtype.
Tensor uniform_draws(const Tensor& self, const std::optional<Generator>& generator) {
  Tensor u = empty(self.sizes(), TensorOptions(kFloat64).device(self.device()));
  u.uniform_(0, 1, generator);
  return u;
}

Tensor fill_with(const Tensor& self, const Tensor& values) {
  self.copy_(values);
  return self;
}
}  // namespace

Tensor exponential_(const Tensor& self, double lambd, std::optional<Generator> generator) {
  EMBER_CHECK(lambd >= 0, "exponential_ expects lambda >= 0.0, but found lambda={}", lambd);
  check_floating(self, "exponential");
  // Inverse CDF: -log(1 - u) / lambda.
  return fill_with(self, log1p(uniform_draws(self, generator).neg()).neg().div(lambd));
}

Tensor cauchy_(const Tensor& self, double median, double sigma,
               std::optional<Generator> generator) {
  check_floating(self, "cauchy");
  // Inverse CDF: median + sigma * tan(pi (u - 1/2)).
  const Tensor angle = uniform_draws(self, generator).sub(0.5).mul(std::numbers::pi);
  return fill_with(self, tan(angle).mul(sigma).add(median));
}

Tensor log_normal_(const Tensor& self, double mean, double std,
                   std::optional<Generator> generator) {
  EMBER_CHECK(std > 0, "log_normal_ expects std > 0.0, but found std={}", std);
  check_floating(self, "log_normal");
  Tensor z = empty(self.sizes(), TensorOptions(kFloat64).device(self.device()));
  z.normal_(mean, std, generator);
  return fill_with(self, exp(z));
}

Tensor geometric_(const Tensor& self, double p, std::optional<Generator> generator) {
  EMBER_CHECK(p > 0 && p < 1, "geometric_ expects p to be in (0, 1), but got p={}", p);
  // Inverse CDF: P(X <= k) = 1 - (1 - p)^k, so X = ceil(log(1 - u) / log(1 - p)) (at least 1).
  const Tensor trials =
      ceil(log1p(uniform_draws(self, generator).neg()).div(std::log1p(-p))).clamp_min(1.0);
  return fill_with(self, trials);
}

Tensor random_(const Tensor& self, int64_t from, std::optional<int64_t> to,
               std::optional<Generator> generator) {
  const ScalarType type = self.dtype();
  int64_t end = 0;
  if (to) {
    EMBER_CHECK(from < *to, "random_ expects 'from' to be less than 'to', but got from={} >= to={}",
                from, *to);
    end = *to;
    // Integer dtypes must hold the whole range (floats only lose precision, as torch warns).
    if (type == kInt32 || type == kBool) {
      const char* name = type == kInt32 ? "int" : "bool";
      const int64_t lo = type == kInt32 ? std::numeric_limits<int32_t>::min() : 0;
      const int64_t hi = type == kInt32 ? std::numeric_limits<int32_t>::max() : 1;
      EMBER_CHECK(from >= lo && from <= hi, "from is out of bounds for {}", name);
      EMBER_CHECK(end - 1 >= lo && end - 1 <= hi, "to - 1 is out of bounds for {}", name);
    }
  } else {
    // Up to the largest integer the dtype holds with every integer below it (torch's default).
    switch (type) {
      case kFloat32:
        end = (int64_t{1} << 24) + 1;
        break;
      case kFloat64:
        end = (int64_t{1} << 53) + 1;
        break;
      case kInt32:
        end = int64_t{std::numeric_limits<int32_t>::max()} + 1;
        break;
      case kBool:
        end = 2;
        break;
      default:
        end = std::numeric_limits<int64_t>::max();
        break;
    }
    EMBER_CHECK(from < end, "random_ expects 'from' to be less than 'to', but got from={} >= to={}",
                from, end);
  }
  return fill_with(self, randint(from, end, self.sizes(), generator,
                                 TensorOptions(kInt64).device(self.device())));
}

Tensor random_(const Tensor& self, int64_t to, std::optional<Generator> generator) {
  return random_(self, 0, std::optional<int64_t>(to), std::move(generator));
}

Tensor random_(const Tensor& self, std::optional<Generator> generator) {
  return random_(self, 0, std::nullopt, std::move(generator));
}

// ---- Storage ----------------------------------------------------------------------------------

Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options) {
  EMBER_CHECK(size.size() == stride.size(),
              "dimensionality of sizes ({}) must match dimensionality of strides ({})", size.size(),
              stride.size());
  // The storage reaches one past the farthest element: 1 + sum (size - 1) * stride.
  int64_t extent = 1;
  bool none = false;
  for (size_t i = 0; i < size.size(); ++i) {
    EMBER_CHECK(size[i] >= 0, "Trying to create tensor with negative dimension {}: {}", size[i],
                size);
    EMBER_CHECK(stride[i] >= 0, "empty_strided: negative strides are not supported, got {}",
                stride);
    none = none || size[i] == 0;
    extent += (size[i] - 1) * stride[i];
  }
  return empty({none ? 0 : extent}, options).as_strided(size, stride, 0);
}

bool is_set_to(const Tensor& self, const Tensor& other) {
  return self.impl()->storage().get() == other.impl()->storage().get() &&
         self.storage_offset() == other.storage_offset() && self.sizes() == other.sizes() &&
         self.strides() == other.strides();
}

}  // namespace ember
