// Rearranging and indexing ops composed of the primitive ones (ember/ops/index_composed.h).
#include "ember/ops/index_composed.h"

#include <algorithm>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"

namespace ember {
using detail::wrap_dim;

Tensor rot90(const Tensor& t, int64_t k, IntArrayRef dims) {
  EMBER_CHECK(dims.size() == 2, "rot90: expected total rotation dims == 2, but got dims = {}",
              dims.size());
  EMBER_CHECK(t.dim() >= 2, "rot90: expected total dims >= 2, but got total dims = {}", t.dim());
  const int64_t d0 = wrap_dim(dims[0], t.dim(), "rot90"), d1 = wrap_dim(dims[1], t.dim(), "rot90");
  EMBER_CHECK(d0 != d1,
              "rot90: expected rotation dims to be different, but got dim0 = {} and dim1 = {}", d0,
              d1);
  switch (((k % 4) + 4) % 4) {
    case 1:
      return t.flip({d1}).transpose(d0, d1);
    case 2:
      return t.flip({d0, d1});
    case 3:
      return t.flip({d0}).transpose(d0, d1);
    default:
      return t.clone();
  }
}

Tensor fliplr(const Tensor& t) {
  EMBER_CHECK(t.dim() >= 2, "fliplr: Input must be >= 2-d (got shape {}).", t.sizes());
  return t.flip({1});
}

Tensor flipud(const Tensor& t) {
  EMBER_CHECK(t.dim() >= 1, "flipud: Input must be >= 1-d (got shape {}).", t.sizes());
  return t.flip({0});
}

Tensor atleast_1d(const Tensor& t) { return t.dim() >= 1 ? t : t.reshape({1}); }
Tensor atleast_2d(const Tensor& t) {
  return t.dim() >= 2 ? t : t.dim() == 1 ? t.unsqueeze(0) : t.reshape({1, 1});
}
Tensor atleast_3d(const Tensor& t) {
  if (t.dim() >= 3) return t;
  if (t.dim() == 2) return t.unsqueeze(-1);
  if (t.dim() == 1) return t.unsqueeze(0).unsqueeze(-1);
  return t.reshape({1, 1, 1});
}

Tensor diff(const Tensor& t, int64_t n, int64_t dim, const Tensor& prepend, const Tensor& append) {
  EMBER_CHECK(t.dim() >= 1, "diff expects input to be at least one-dimensional");
  EMBER_CHECK(n >= 0, "diff: order must be non-negative but got {}", n);
  const int64_t d = wrap_dim(dim, t.dim(), "diff");
  std::vector<Tensor> parts;
  if (prepend.defined()) parts.push_back(prepend);
  parts.push_back(t);
  if (append.defined()) parts.push_back(append);
  Tensor out = parts.size() == 1 ? t : cat(parts, d);
  for (int64_t i = 0; i < n && out.size(d) > 0; ++i) {
    const int64_t len = out.size(d) - 1;
    out = out.dtype() == kBool ? out.narrow(d, 1, len).logical_xor(out.narrow(d, 0, len))
                               : out.narrow(d, 1, len) - out.narrow(d, 0, len);
  }
  return out;
}

Tensor repeat_interleave(const Tensor& repeats) {
  EMBER_CHECK(repeats.dim() <= 1, "repeat_interleave: repeats must be 0-dim or 1-dim tensor");
  EMBER_CHECK(!repeats.is_floating_point() && repeats.dtype() != kBool,
              "repeat_interleave: repeats has to be Long or Int tensor");
  const Tensor counts = repeats.reshape({-1}).to(kInt64).contiguous();
  const int64_t* c = counts.data_ptr<int64_t>();
  std::vector<int64_t> positions;
  for (int64_t i = 0; i < counts.numel(); ++i) {
    EMBER_CHECK(c[i] >= 0, "repeat_interleave: repeats can not be negative");
    positions.insert(positions.end(), static_cast<size_t>(c[i]), i);
  }
  return tensor(positions, kInt64);
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim) {
  const Tensor in = dim ? t : t.reshape({-1});
  const int64_t d = dim ? wrap_dim(*dim, in.dim(), "repeat_interleave") : 0;
  const int64_t n = in.dim() == 0 ? 1 : in.size(d);
  const Tensor counts =
      repeats.dim() == 0 || repeats.numel() == 1 ? repeats.reshape({1}).expand({n}) : repeats;
  EMBER_CHECK(counts.numel() == n,
              "repeat_interleave: repeats must have the same size as input along dim, but got "
              "repeats.size(0) = {} and input.size({}) = {}",
              counts.numel(), d, n);
  return in.index_select(d, repeat_interleave(counts));
}

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim) {
  return repeat_interleave(t, full({}, repeats, TensorOptions(kInt64)), dim);
}

Tensor take_along_dim(const Tensor& t, const Tensor& indices, std::optional<int64_t> dim) {
  if (!dim) return t.reshape({-1}).gather(0, indices.reshape({-1}));
  EMBER_CHECK(t.dim() == indices.dim(),
              "torch.take_along_dim(): input and indices should have the same number of "
              "dimensions, but got {} dimensions for input, and {} dimensions for indices",
              t.dim(), indices.dim());
  const int64_t d = wrap_dim(*dim, t.dim(), "take_along_dim");
  DimVector t_shape(t.sizes().begin(), t.sizes().end());
  DimVector i_shape(indices.sizes().begin(), indices.sizes().end());
  t_shape[d] = i_shape[d] = 1;
  DimVector common = broadcast_shapes(t_shape, i_shape, "take_along_dim");
  DimVector t_full = common, i_full = common;
  t_full[d] = t.size(d);
  i_full[d] = indices.size(d);
  return t.expand(t_full).gather(d, indices.expand(i_full));
}

Tensor take(const Tensor& t, const Tensor& index) {
  // Negative indices count from the end of the flattened tensor, as torch.take's do.
  const Tensor flat = index.reshape({-1});
  const Tensor wrapped = where(flat.lt(0), flat + t.numel(), flat);
  return t.reshape({-1}).index_select(0, wrapped).reshape(index.sizes());
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                 const Scalar& alpha) {
  const int64_t d = wrap_dim(dim, t.dim(), "index_add");
  EMBER_CHECK(index.dim() <= 1, "index_add_(): Index is supposed to be a vector");
  EMBER_CHECK(
      src.dim() == t.dim() || (t.dim() <= 1 && src.dim() <= 1),
      "index_add_(): Source/destination tensor must have same dimensions, but got {} and {}",
      src.sizes(), t.sizes());
  const Tensor s = src.dim() == 0 ? src.reshape({1}) : src;
  EMBER_CHECK(index.numel() == (s.dim() == 0 ? 1 : s.size(d)),
              "index_add_(): Number of indices ({}) should be equal to source.size(dim) ({})",
              index.numel(), s.dim() == 0 ? 1 : s.size(d));
  DimVector along(static_cast<size_t>(s.dim()), 1);
  along[d] = index.numel();
  const Tensor positions = index.reshape(along).expand(s.sizes());
  const Tensor scaled = alpha.to_double() == 1 ? s : s * alpha;
  const Tensor base = t.dim() == 0 ? t.reshape({1}) : t;
  return base.scatter_add(d, positions, scaled.to(t.dtype())).reshape(t.sizes());
}

Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  const int64_t d = wrap_dim(dim, t.dim(), "index_fill");
  EMBER_CHECK(index.dim() <= 1, "index_fill_(): Index is supposed to be a vector");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  const Tensor flat = index.reshape({-1});
  const Tensor hit =
      zeros({n}, TensorOptions(kInt64)).scatter_add(0, flat, ones(flat.sizes(), kInt64)).gt(0);
  DimVector along(static_cast<size_t>(t.dim()), 1);
  if (t.dim() > 0) along[d] = n;
  return where(hit.reshape(along), full({}, value, t.options()), t);
}

std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  EMBER_CHECK(t.dim() > 0,
              "tensor_split expected at least a 1-dimensional tensor, but got a "
              "tensor with 0 dims");
  EMBER_CHECK(sections > 0, "tensor_split: number of sections must be larger than 0, got {}",
              sections);
  const int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  const int64_t n = t.size(d), small = n / sections, extra = n % sections;
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    const int64_t len = small + (i < extra ? 1 : 0);
    parts.push_back(t.narrow(d, start, len));
    start += len;
  }
  return parts;
}

std::vector<Tensor> tensor_split(const Tensor& t, IntArrayRef indices, int64_t dim) {
  EMBER_CHECK(t.dim() > 0,
              "tensor_split expected at least a 1-dimensional tensor, but got a "
              "tensor with 0 dims");
  const int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  const int64_t n = t.size(d);
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t cut : indices) {
    const int64_t stop = std::clamp(cut < 0 ? cut + n : cut, int64_t{0}, n);
    const int64_t from = std::min(start, n);
    parts.push_back(t.narrow(d, from, std::max<int64_t>(0, stop - from)));
    start = std::max(start, stop);
  }
  parts.push_back(t.narrow(d, std::min(start, n), n - std::min(start, n)));
  return parts;
}

namespace {
std::vector<Tensor> even_split(const Tensor& t, int64_t sections, int64_t dim, const char* op,
                               int64_t min_dims) {
  EMBER_CHECK(t.dim() >= min_dims,
              "torch.{} requires a tensor with at least {} dimension, but got a tensor with {} "
              "dimensions!",
              op, min_dims, t.dim());
  EMBER_CHECK(sections > 0 && t.size(dim) % sections == 0,
              "torch.{} attempted to split along dimension {}, but the size of the dimension {} "
              "is not divisible by the split_size {}!",
              op, dim, t.size(dim), sections);
  return tensor_split(t, sections, dim);
}
}  // namespace

std::vector<Tensor> hsplit(const Tensor& t, int64_t sections) {
  return even_split(t, sections, t.dim() == 1 ? 0 : 1, "hsplit", 1);
}
std::vector<Tensor> vsplit(const Tensor& t, int64_t sections) {
  return even_split(t, sections, 0, "vsplit", 2);
}
std::vector<Tensor> dsplit(const Tensor& t, int64_t sections) {
  return even_split(t, sections, 2, "dsplit", 3);
}

Tensor dstack(TensorList tensors) {
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(atleast_3d(t));
  return cat(parts, 2);
}

Tensor column_stack(TensorList tensors) {
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.dim() <= 1 ? t.reshape({-1, 1}) : t);
  return cat(parts, 1);
}

namespace {
Tensor triangle_indices(int64_t row, int64_t col, int64_t offset, bool lower, const char* op) {
  EMBER_CHECK(row >= 0, "{}: row must be non-negative, got {}", op, row);
  EMBER_CHECK(col >= 0, "{}: col must be non-negative, got {}", op, col);
  std::vector<int64_t> rows, cols;
  for (int64_t i = 0; i < row; ++i)
    for (int64_t j = 0; j < col; ++j)
      if (lower ? j - i <= offset : j - i >= offset) rows.push_back(i), cols.push_back(j);
  return stack({tensor(rows, kInt64), tensor(cols, kInt64)});
}
}  // namespace

Tensor tril_indices(int64_t row, int64_t col, int64_t offset) {
  return triangle_indices(row, col, offset, true, "tril_indices");
}
Tensor triu_indices(int64_t row, int64_t col, int64_t offset) {
  return triangle_indices(row, col, offset, false, "triu_indices");
}

Tensor cartesian_prod(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "cartesian_prod: expects a non-empty list of tensors");
  for (const Tensor& t : tensors)
    EMBER_CHECK(t.dim() == 1, "cartesian_prod: Expect a 1D vector, but got shape {}", t.sizes());
  if (tensors.size() == 1) return tensors[0];
  DimVector shape;
  for (const Tensor& t : tensors) shape.push_back(t.numel());
  std::vector<Tensor> columns;
  for (size_t i = 0; i < tensors.size(); ++i) {
    DimVector along(shape.size(), 1);
    along[i] = shape[i];
    columns.push_back(tensors[i].reshape(along).expand(shape).reshape({-1}));
  }
  return stack(columns, 1);
}

Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t out_dim = t.dim() + 1;
  const int64_t d1 = wrap_dim(dim1, out_dim, "diag_embed"),
                d2 = wrap_dim(dim2, out_dim, "diag_embed");
  EMBER_CHECK(d1 != d2, "diag_embed: diagonal dimensions cannot be identical {}, {}", dim1, dim2);
  const int64_t n = t.dim() == 0 ? 1 : t.size(-1);
  const int64_t m = n + (offset < 0 ? -offset : offset);
  const Tensor v = t.dim() == 0 ? t.reshape({1}) : t;
  DimVector pad(v.sizes().begin(), v.sizes().end());
  pad.back() = m - n;
  // The values in a row of length m (padded with zeros), spread along rows (offset >= 0: the
  // element of row i sits in column i + offset) or along columns.
  const Tensor padded = m == n ? v : cat({v, zeros(pad, v.options())}, -1);
  const Tensor spread = offset >= 0 ? padded.unsqueeze(-1) : padded.unsqueeze(-2);
  const Tensor i = arange(m, TensorOptions(kInt64)).view({m, 1});
  const Tensor j = arange(m, TensorOptions(kInt64)).view({1, m});
  const Tensor square = where((j - i).eq(offset), spread, zeros({}, v.options()));
  // square's rows go to d1 and its columns to d2.
  return square.movedim({out_dim - 2, out_dim - 1}, {d1, d2});
}

Tensor diagflat(const Tensor& t, int64_t offset) { return diag(t.reshape({-1}), offset); }

Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes) {
  const int64_t d = wrap_dim(dim, t.dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  DimVector shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(t.size(i));
  for (int64_t s : sizes) shape.push_back(s);
  for (int64_t i = d + 1; i < t.dim(); ++i) shape.push_back(t.size(i));
  return t.view(shape);
}

Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, double value) {
  // Negative pads crop first; the rest is a fill and one copy into the middle.
  Tensor inner = x;
  DimVector shape(x.sizes().begin(), x.sizes().end());
  std::vector<std::pair<int64_t, int64_t>> offsets;  // (dim, start) of inner in the output
  for (size_t k = 0; k < pad.size() / 2; ++k) {
    const int64_t d = x.dim() - 1 - static_cast<int64_t>(k);
    const int64_t left = pad[2 * k], right = pad[2 * k + 1];
    const int64_t kept = inner.size(d) + std::min<int64_t>(left, 0) + std::min<int64_t>(right, 0);
    EMBER_CHECK(kept >= 0, "pad: the padding ({}, {}) of dimension {} crops more than its size {}",
                left, right, d, x.size(d));
    inner = inner.narrow(d, std::max<int64_t>(-left, 0), kept);
    shape[d] = kept + std::max<int64_t>(left, 0) + std::max<int64_t>(right, 0);
    offsets.emplace_back(d, std::max<int64_t>(left, 0));
  }
  Tensor out = detail::empty_for(shape, x.options(), {&x}).fill_(value);
  Tensor middle = out;
  for (const auto& [d, start] : offsets) middle = middle.narrow(d, start, inner.size(d));
  middle.copy_(inner);  // recorded: the gradient reaches x through the copy
  return out;
}

}  // namespace ember
