// Searching sorted sequences (a binary-search kernel) and counting values (composed of sort,
// cumsum and scatter_add). See ember/ops/search.h.
#include "ember/ops/search.h"

#include <algorithm>
#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/sort.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32,
                    bool right) {
  EMBER_CHECK(sorted_sequence.dim() >= 1,
              "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
              "dimensions of boundaries tensor and input value tensor must match, but we got "
              "boundaries tensor {} and input value tensor {}",
              sorted_sequence.sizes(), values.sizes());
  const bool shared = sorted_sequence.dim() == 1;
  if (!shared) {
    bool match = sorted_sequence.dim() == values.dim();
    for (int64_t d = 0; match && d + 1 < values.dim(); ++d)
      match = sorted_sequence.size(d) == values.size(d);
    EMBER_CHECK(match,
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                "boundaries tensor {} and input value tensor {}",
                sorted_sequence.sizes(), values.sizes());
  }
  NoGradGuard positions_have_no_gradient;
  const ScalarType dtype = result_type(sorted_sequence, values);
  const int64_t n = sorted_sequence.size(-1);
  const Tensor seq = sorted_sequence.to(dtype).reshape({-1, n}).contiguous();
  const Tensor vals = values.to(dtype).reshape({shared ? 1 : seq.size(0), -1}).contiguous();
  Tensor out =
      detail::empty_for(vals.sizes(), TensorOptions(kInt64).device(values.device()), {&seq, &vals});
  if (out.numel() > 0) detail::kernels_for(seq).searchsorted(out, seq, vals, right);
  out = out.reshape(values.sizes());
  return out_int32 ? out.to(kInt32) : out;
}

Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& value, bool out_int32,
                    bool right) {
  return searchsorted(sorted_sequence, scalar_tensor(value), out_int32, right);
}

Tensor bucketize(const Tensor& t, const Tensor& boundaries, bool out_int32, bool right) {
  EMBER_CHECK(boundaries.dim() == 1,
              "bucketize: boundaries tensor must be 1 dimension, but got dim({})",
              boundaries.dim());
  return searchsorted(boundaries, t, out_int32, right);
}

namespace {
// Distinct runs of the flattened values v (equal neighbours form a run): the run values, each
// element's run, and each run's length.
std::tuple<Tensor, Tensor, Tensor> runs(const Tensor& v) {
  const int64_t n = v.numel();
  if (n == 0) return {v, empty({0}, TensorOptions(kInt64)), empty({0}, TensorOptions(kInt64))};
  const Tensor first = ones({1}, TensorOptions(kBool));
  const Tensor starts =
      n == 1 ? first : cat({first, v.narrow(0, 1, n - 1).ne(v.narrow(0, 0, n - 1))}, 0);
  const Tensor run = starts.cumsum(0) - 1;
  const Tensor values = v.masked_select(starts);
  const Tensor counts =
      zeros({values.numel()}, TensorOptions(kInt64)).scatter_add(0, run, ones({n}, kInt64));
  return {values, run, counts};
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool return_inverse,
                                          bool return_counts) {
  NoGradGuard no_gradient;
  auto [sorted, order] = sort(t.reshape({-1}));
  auto [values, run, counts] = runs(sorted);
  Tensor inverse;
  if (return_inverse)
    inverse = zeros({t.numel()}, TensorOptions(kInt64)).scatter(0, order, run).reshape(t.sizes());
  return {values, return_inverse ? inverse : empty({0}, TensorOptions(kInt64)),
          return_counts ? counts : empty({0}, TensorOptions(kInt64))};
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse,
                                                      bool return_counts) {
  NoGradGuard no_gradient;
  auto [values, run, counts] = runs(t.reshape({-1}));
  return {values, return_inverse ? run.reshape(t.sizes()) : empty({0}, TensorOptions(kInt64)),
          return_counts ? counts : empty({0}, TensorOptions(kInt64))};
}

namespace {
// The distinct slices of t along dim (in lexicographic order when `sort_slices`, else runs of
// equal neighbouring slices), each slice's group and each group's size: torch's unique_dim and
// unique_dim_consecutive. torch gives the values no derivative: differentiating them raises.
std::tuple<Tensor, Tensor, Tensor> distinct_slices(const Tensor& t, int64_t dim, bool sort_slices,
                                                   bool return_inverse, bool return_counts,
                                                   const char* op, const char* node_name) {
  EMBER_CHECK_INDEX(t.dim() > 0, "Dimension specified as {} but tensor has no dimensions", dim);
  const int64_t d = detail::wrap_dim(dim, t.dim(), op);
  const TensorOptions index_options = TensorOptions(kInt64).device(t.device());
  const Tensor none = empty({0}, index_options);
  const auto zero_dims = std::count(t.sizes().begin(), t.sizes().end(), int64_t{0});
  Tensor values, inverse = none, counts = none;
  if (t.size(d) == 0) {
    EMBER_CHECK(zero_dims == 1,
                "Number of zero sized dimensions is more than one, so unique cannot be applied ");
    values = empty(t.sizes(), t.options());
  } else {
    EMBER_CHECK(zero_dims == 0,
                "There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                "applied");
    NoGradGuard no_gradient;
    const int64_t n = t.size(d);
    // Each slice flattened with dims 0 and d swapped (not d moved to the front): the order in
    // which torch compares them.
    const Tensor rows = t.transpose(0, d).reshape({n, -1});
    Tensor order = arange(n, index_options);
    // Stable sorts by each column, the last first, leave the rows in lexicographic order.
    for (int64_t j = sort_slices && n > 1 ? rows.size(1) - 1 : -1; j >= 0; --j) {
      const Tensor key = rows.select(1, j).index_select(0, order);
      order = order.index_select(0, std::get<1>(sort(key, 0, false, true)));
    }
    const Tensor sorted = rows.index_select(0, order);
    const Tensor first = ones({1}, TensorOptions(kBool).device(t.device()));
    const Tensor starts =
        n == 1
            ? first
            : cat({first, sorted.narrow(0, 1, n - 1).ne(sorted.narrow(0, 0, n - 1)).sum({1}).gt(0)},
                  0);
    const Tensor group = starts.cumsum(0) - 1;
    const Tensor firsts = order.masked_select(starts);
    values = t.index_select(d, firsts);
    if (return_inverse) inverse = zeros({n}, index_options).scatter(0, order, group);
    if (return_counts)
      counts =
          zeros({firsts.numel()}, index_options).scatter_add(0, group, ones({n}, index_options));
  }
  detail::record(node_name, {&t}, {&values}, {}, [op](auto&, auto&, auto&) {
    EMBER_CHECK_KIND(NotImplemented, false, "the derivative for '{}' is not implemented.", op);
    return detail::variable_list{};
  });
  return {values, inverse, counts};
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& t, int64_t dim, bool sorted,
                                              bool return_inverse, bool return_counts) {
  (void)sorted;  // as in torch, the slices always come out sorted
  return distinct_slices(t, dim, true, return_inverse, return_counts, "unique_dim",
                         "UniqueDimBackward0");
}

std::tuple<Tensor, Tensor, Tensor> unique_dim_consecutive(const Tensor& t, int64_t dim,
                                                          bool return_inverse, bool return_counts) {
  return distinct_slices(t, dim, false, return_inverse, return_counts, "unique_dim_consecutive",
                         "UniqueDimConsecutiveBackward0");
}

Tensor bincount(const Tensor& t, const Tensor& weights, int64_t minlength) {
  EMBER_CHECK(t.dim() == 1 && !t.is_floating_point() && t.dtype() != kBool,
              "bincount only supports 1-d non-negative integral inputs (got {} of shape {})",
              dtype_legacy_name(t.dtype()), t.sizes());
  EMBER_CHECK(minlength >= 0, "bincount: minlength should be >= 0 (got {})", minlength);
  EMBER_CHECK(!weights.defined() || weights.sizes() == t.sizes(),
              "bincount: weights should be 1-d and have the same length as input (got {} and {})",
              weights.sizes(), t.sizes());
  NoGradGuard counts_have_no_gradient;
  const Tensor index = t.to(kInt64);
  int64_t length = minlength;
  if (t.numel() > 0) {
    EMBER_CHECK(index.min().item<int64_t>() >= 0,
                "bincount only supports 1-d non-negative integral inputs (got a negative value)");
    length = std::max(length, index.max().item<int64_t>() + 1);
  }
  if (!weights.defined())
    return zeros({length}, TensorOptions(kInt64)).scatter_add(0, index, ones_like(index));
  const ScalarType dtype = weights.is_floating_point() ? weights.dtype() : kFloat64;
  return zeros({length}, TensorOptions(dtype)).scatter_add(0, index, weights.to(dtype));
}

Tensor histc(const Tensor& t, int64_t bins, double min, double max) {
  EMBER_CHECK(t.is_floating_point(), "histc: not implemented for '{}'",
              dtype_legacy_name(t.dtype()));
  EMBER_CHECK(bins > 0, "torch.histc(): bins must be > 0, but got {} for bins", bins);
  EMBER_CHECK(max >= min, "torch.histc(): max must be larger than min");
  NoGradGuard counts_have_no_gradient;
  double lo = min, hi = max;
  if (lo == hi && t.numel() > 0) {
    lo = t.min().item<double>();
    hi = t.max().item<double>();
  }
  if (lo == hi) lo -= 1, hi += 1;
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi),
              "torch.histc(): range of [{}, {}] is not finite", lo, hi);
  const Tensor x = t.reshape({-1});
  const Tensor inside = x.ge(lo).logical_and(x.le(hi));
  const Tensor kept = x.masked_select(inside).to(kFloat64);
  // The last bin is closed: max itself falls in it.
  const Tensor bin = ((kept - lo) * (static_cast<double>(bins) / (hi - lo)))
                         .floor()
                         .clamp(0, static_cast<double>(bins - 1))
                         .to(kInt64);
  return zeros({bins}, t.options()).scatter_add(0, bin, ones(bin.sizes(), t.options()));
}

}  // namespace ember
