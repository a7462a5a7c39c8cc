// Order statistics: each sorts the slice along dim and picks positions of it. The picked values
// record a node that sends the gradient back to where they came from; quantile interpolates
// between picked values of a recorded sort, so its gradient comes from sort's and lerp's.
#include "ember/ops/order_statistics.h"

#include <limits>

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
using detail::variable_list;

namespace {

// The elements of t at sorted positions `position` (int64, t's shape with 1 along d) of the
// slices along d, and where they came from: unrecorded.
std::tuple<Tensor, Tensor> at_sorted_positions(const Tensor& t, int64_t d, const Tensor& position) {
  NoGradGuard recorded_by_caller;
  auto [values, indices] = sort(t, d);
  return {values.gather(d, position), indices.gather(d, position)};
}

// Records `values` (t's shape with 1 along d, squeezed unless keepdim) as taken from t at
// `indices` (the same shape, kept): the gradient is scattered back.
void record_picked(const char* name, const Tensor& t, const Tensor& values, const Tensor& indices,
                   int64_t d) {
  const DimVector shape(t.sizes().begin(), t.sizes().end());
  DimVector kept = shape;
  if (!kept.empty()) kept[static_cast<size_t>(d)] = 1;
  const DimVector out_shape(values.sizes().begin(), values.sizes().end());
  detail::record(
      name, {&t}, {&values}, {{indices}},
      [shape, kept, d](auto&, auto& g, auto& s) {
        if (shape.empty()) return variable_list{g[0].reshape({})};
        return variable_list{zeros(shape, g[0].options()).scatter_add(d, s[0], g[0].reshape(kept))};
      },
      // The tangent at the picked positions.
      [d, out_shape](const variable_list& t, const variable_list& s) {
        if (t[0].dim() == 0) return variable_list{t[0].reshape(out_shape)};
        return variable_list{t[0].gather(d, s[0]).reshape(out_shape)};
      });
}

// A picking op along dim: position(slice t, wrapped d) gives the sorted position per slice.
template <typename Position>
std::tuple<Tensor, Tensor> pick(const char* op, const char* node, const Tensor& t, int64_t dim,
                                bool keepdim, Position position) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), op);
  const Tensor in = t.dim() == 0 ? t.view({1}) : t;
  EMBER_CHECK_INDEX(in.size(d) > 0, "{}(): Expected reduction dim {} to have non-zero size.", op,
                    d);
  Tensor values, indices;
  {
    NoGradGuard recorded_below;
    std::tie(values, indices) = at_sorted_positions(in, d, position(in, d));
  }
  const Tensor kept_indices = t.dim() == 0 ? indices.view({}) : indices;
  if (t.dim() == 0) {
    values = values.view({});
    indices = indices.view({});
  } else if (!keepdim) {
    values = values.squeeze(d);
    indices = indices.squeeze(d);
  }
  record_picked(node, t, values, kept_indices, d);
  return {values, indices};
}

// The number of NaNs in each slice along d, kept as a dim of size 1.
Tensor nan_count(const Tensor& t, int64_t d) { return t.isnan().sum(d, true); }

// The lower median's sorted position, or a NaN's (NaN sorts last) when the slice holds one.
Tensor median_position(const Tensor& t, int64_t d) {
  const int64_t n = t.size(d);
  const Tensor nans = nan_count(t, d);
  return where(nans.gt(0), n - nans, full(nans.sizes(), (n - 1) / 2, nans.options()));
}

// The lower median's position among the slice's numbers (the first NaN's when it has none).
Tensor nanmedian_position(const Tensor& t, int64_t d) {
  const Tensor count = t.size(d) - nan_count(t, d);
  return floor_divide(count - 1, 2).clamp_min(0);
}

// The whole tensor's median as a 0-dim tensor, recorded on t under `node`.
Tensor median_of_all(const Tensor& t, const char* op, const char* node,
                     Tensor (*position)(const Tensor&, int64_t)) {
  const Tensor flat = t.reshape({-1});
  if (flat.numel() == 0) {  // the median of nothing is NaN, as in torch
    EMBER_CHECK(t.is_floating_point(), "{}(): an empty {} tensor has no median", op,
                dtype_legacy_name(t.dtype()));
    return full({}, std::numeric_limits<double>::quiet_NaN(), t.options());
  }
  Tensor value, index;
  {
    NoGradGuard recorded_below;
    std::tie(value, index) = at_sorted_positions(flat, 0, position(flat, 0));
  }
  value = value.view({});
  // As PyTorch's median() of a whole tensor: the gradient is split evenly among the elements
  // equal to the median (among the NaNs when it is NaN).
  detail::record(
      node, {&t}, {&value}, {{t}, {value, true}},
      [](auto&, auto& g, auto& s) {
        const Tensor ties = where(s[1].isnan(), s[0].isnan(), s[0].eq(s[1]));
        return variable_list{ties.to(g[0].dtype()) * (g[0] / ties.sum())};
      },
      // The tangent averaged over the ties, as the backward splits the gradient.
      [](const variable_list& t, const variable_list& s) {
        const Tensor ties = where(s[1].isnan(), s[0].isnan(), s[0].eq(s[1])).to(t[0].dtype());
        return variable_list{(ties * t[0]).sum() / ties.sum()};
      });
  return value;
}

Tensor quantile_impl(const char* op, const Tensor& t, const Tensor& q, std::optional<int64_t> dim,
                     bool keepdim, std::string_view interpolation, bool ignore_nan) {
  EMBER_CHECK(t.is_floating_point(),
              "{}() input tensor must be either float or double dtype (got {})", op,
              dtype_legacy_name(t.dtype()));
  EMBER_CHECK(q.dtype() == t.dtype(), "{}() q tensor must be same dtype as the input tensor", op);
  EMBER_CHECK(q.dim() <= 1, "{}() q must be a scalar or 1D tensor (got shape {})", op, q.sizes());
  EMBER_CHECK(interpolation == "linear" || interpolation == "lower" || interpolation == "higher" ||
                  interpolation == "nearest" || interpolation == "midpoint",
              "{}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
              "Got {}",
              op, interpolation);
  {
    NoGradGuard checking;
    EMBER_CHECK(q.numel() == 0 || (q.ge(0).all().item<bool>() && q.le(1).all().item<bool>()),
                "{}() q values must be in the range [0, 1]", op);
  }
  EMBER_CHECK(t.numel() > 0, "{}() input tensor must be non-empty", op);
  const Tensor x = dim ? (t.dim() == 0 ? t.view({1}) : t) : t.reshape({-1});
  const int64_t d = dim ? detail::wrap_dim(*dim, x.dim(), op) : 0;
  const int64_t n = x.size(d);
  // Sorted along the last dim, with a leading dim for the q values: [1, ..., n].
  const Tensor sorted = std::get<0>(sort(x, d)).movedim(d, -1).unsqueeze(0);
  Tensor ranks;
  {
    NoGradGuard positions_only;
    const Tensor nans = x.isnan().sum(d, true).movedim(d, -1).unsqueeze(0).to(t.dtype());
    DimVector q_shape(static_cast<size_t>(sorted.dim()), 1);
    q_shape[0] = q.numel();
    const Tensor qv = q.reshape(q_shape);
    if (ignore_nan) {
      ranks = (qv * (n - nans - 1)).clamp_min(0);
    } else {
      ranks = where(nans.gt(0), full({}, static_cast<double>(n - 1), t.options()), qv * (n - 1));
    }
  }
  DimVector expanded(sorted.sizes().begin(), sorted.sizes().end());
  expanded[0] = ranks.size(0);
  const Tensor all = sorted.expand(expanded);
  auto at_rank = [&](const Tensor& r) { return all.gather(-1, r.to(kInt64).clamp(0, n - 1)); };
  Tensor out;
  if (interpolation == "lower") {
    out = at_rank(ranks.floor());
  } else if (interpolation == "higher") {
    out = at_rank(ranks.ceil());
  } else if (interpolation == "nearest") {
    out = at_rank(ranks.round());
  } else {
    const Tensor lo = at_rank(ranks.floor()), hi = at_rank(ranks.ceil());
    const Tensor weight =
        interpolation == "midpoint" ? full({}, 0.5, t.options()) : ranks - ranks.floor();
    // NaN ranks' neighbours are NaN themselves; lerp keeps it.
    out = lerp(lo, hi, weight);
  }
  // out: [Q, ..., 1] with the reduced dim last.
  if (keepdim) {
    out = dim ? out.movedim(-1, d + 1) : out.reshape([&] {
      DimVector s(static_cast<size_t>(t.dim()) + 1, 1);
      s[0] = ranks.size(0);
      return s;
    }());
    if (dim && t.dim() == 0) out = out.squeeze(-1);
  } else {
    out = out.squeeze(-1);
  }
  return q.dim() == 0 ? out.squeeze(0) : out;
}

}  // namespace

std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
  const int64_t d = detail::wrap_dim(dim, t.dim(), "kthvalue");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  EMBER_CHECK(k >= 1 && k <= n, "kthvalue(): selected number k out of range for dimension {}", d);
  return pick("kthvalue", "KthvalueBackward0", t, dim, keepdim, [k](const Tensor& in, int64_t dd) {
    DimVector shape(in.sizes().begin(), in.sizes().end());
    shape[static_cast<size_t>(dd)] = 1;
    return full(shape, k - 1, TensorOptions(kInt64).device(in.device()));
  });
}

Tensor median(const Tensor& t) {
  return median_of_all(t, "median", "MedianBackward0", &median_position);
}
std::tuple<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim) {
  return pick("median", "MedianBackward1", t, dim, keepdim, &median_position);
}
Tensor nanmedian(const Tensor& t) {
  return median_of_all(t, "nanmedian", "NanmedianBackward0", &nanmedian_position);
}
std::tuple<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim) {
  return pick("nanmedian", "NanmedianBackward1", t, dim, keepdim, &nanmedian_position);
}

// In sorted order equal values form runs; the mode is the first (smallest) longest run, and its
// last element is the value's last occurrence (the sort keeps equal elements in order).
std::tuple<Tensor, Tensor> mode(const Tensor& t, int64_t dim, bool keepdim) {
  return pick("mode", "ModeBackward0", t, dim, keepdim, [](const Tensor& in, int64_t d) {
    const Tensor sorted = std::get<0>(sort(in, d));
    const int64_t n = in.size(d);
    const Tensor first = ones(sorted.narrow(d, 0, 1).sizes(), TensorOptions(kBool));
    const Tensor starts =
        n == 1 ? first : cat({first, sorted.narrow(d, 1, n - 1).ne(sorted.narrow(d, 0, n - 1))}, d);
    const Tensor run = starts.cumsum(d) - 1;
    const Tensor length = zeros_like(run).scatter_add(d, run, ones_like(run));
    const Tensor best = length.argmax(d, true);
    return run.le(best).sum(d, true) - 1;
  });
}

Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation) {
  return quantile_impl("quantile", t, q, dim, keepdim, interpolation, false);
}
Tensor quantile(const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation) {
  return quantile_impl("quantile", t, full({}, q, t.options()), dim, keepdim, interpolation, false);
}
Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation) {
  return quantile_impl("nanquantile", t, q, dim, keepdim, interpolation, true);
}
Tensor nanquantile(const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation) {
  return quantile_impl("nanquantile", t, full({}, q, t.options()), dim, keepdim, interpolation,
                       true);
}

Tensor msort(const Tensor& t) { return std::get<0>(sort(t, 0)); }

std::tuple<Tensor, Tensor> Tensor::kthvalue(int64_t k, int64_t dim, bool keepdim) const {
  return ember::kthvalue(*this, k, dim, keepdim);
}
Tensor Tensor::median() const { return ember::median(*this); }
std::tuple<Tensor, Tensor> Tensor::median(int64_t dim, bool keepdim) const {
  return ember::median(*this, dim, keepdim);
}
Tensor Tensor::nanmedian() const { return ember::nanmedian(*this); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(int64_t dim, bool keepdim) const {
  return ember::nanmedian(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::mode(int64_t dim, bool keepdim) const {
  return ember::mode(*this, dim, keepdim);
}
Tensor Tensor::msort() const { return ember::msort(*this); }

}  // namespace ember
