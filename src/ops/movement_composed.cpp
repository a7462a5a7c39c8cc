// Rearranging ops composed of views, joins and copies: diag, trace, broadcasting, movedim, the
// stacks, roll and tile; and the data-dependent selections nonzero and masked_select. Their
// gradients come from the pieces.
#include <algorithm>
#include <numeric>

#include "ember/autograd/grad_mode.h"
#include "ember/indexing.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {
using detail::wrap_dim;

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  return t.diagonal(offset, dim1, dim2);
}

Tensor Tensor::diag(int64_t diagonal) const {
  EMBER_CHECK(dim() == 1 || dim() == 2, "diag(): Supports 1D or 2D tensors. Got {}D", dim());
  if (dim() == 2) return this->diagonal(diagonal).clone();
  const int64_t n = size(0) + std::abs(diagonal);
  Tensor out = detail::empty_for({n, n}, options(), {this}).zero_();
  // Writing through the diagonal view records the copy, so the gradient reaches this vector.
  out.diagonal(diagonal).copy_(*this);
  return out;
}

Tensor diag(const Tensor& t, int64_t diagonal) { return t.diag(diagonal); }

Tensor Tensor::trace() const {
  EMBER_CHECK(dim() == 2, "trace: expected a matrix, but got tensor with dim {}", dim());
  return diagonal().sum();
}

Tensor trace(const Tensor& t) { return t.trace(); }

Tensor broadcast_to(const Tensor& t, IntArrayRef size) { return t.expand(size); }

std::vector<Tensor> broadcast_tensors(TensorList tensors) {
  DimVector shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.sizes(), "broadcast_tensors");
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(t.expand(shape));
  return out;
}

Tensor Tensor::movedim(IntArrayRef source, IntArrayRef destination) const {
  EMBER_CHECK(source.size() == destination.size(),
              "movedim: Invalid source or destination dims: source ({} dims) should contain the "
              "same number of dims as destination ({} dims)",
              source.size(), destination.size());
  const int64_t n = dim();
  std::vector<int64_t> order(n, -1);  // order[destination] = source
  std::vector<bool> moved(n, false), taken(n, false);
  for (size_t i = 0; i < source.size(); ++i) {
    const int64_t s = wrap_dim(source[i], n, "movedim"), d = wrap_dim(destination[i], n, "movedim");
    EMBER_CHECK(!moved[s], "movedim: repeated dim in `source` ({})", source);
    EMBER_CHECK(!taken[d], "movedim: repeated dim in `destination` ({})", destination);
    moved[s] = taken[d] = true;
    order[d] = s;
  }
  // The other dims fill the free places in their original order.
  int64_t next = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (order[d] != -1) continue;
    while (moved[next]) ++next;
    order[d] = next++;
  }
  return permute(order);
}

Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  return movedim(IntArrayRef(&source, 1), IntArrayRef(&destination, 1));
}

Tensor movedim(const Tensor& t, IntArrayRef source, IntArrayRef destination) {
  return t.movedim(source, destination);
}

Tensor movedim(const Tensor& t, int64_t source, int64_t destination) {
  return t.movedim(source, destination);
}

Tensor swapaxes(const Tensor& t, int64_t axis0, int64_t axis1) { return t.transpose(axis0, axis1); }

Tensor hstack(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "hstack expects a non-empty TensorList");
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.dim() == 0 ? t.reshape({1}) : t);
  return cat(parts, parts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "vstack expects a non-empty TensorList");
  std::vector<Tensor> rows;
  for (const Tensor& t : tensors) rows.push_back(t.dim() < 2 ? t.reshape({1, -1}) : t);
  return cat(rows, 0);
}

Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const {
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1, "roll: shifts and dimensions must align. shifts: {}, dims:{}",
                shifts.size(), dims.size());
    return flatten().roll(shifts, {0}).view(sizes());
  }
  EMBER_CHECK(shifts.size() == dims.size(),
              "roll: shifts and dimensions must align. shifts: {}, dims:{}", shifts.size(),
              dims.size());
  Tensor out = *this;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "roll"), n = size(d);
    if (n == 0) continue;
    const int64_t shift = ((shifts[i] % n) + n) % n;
    if (shift == 0) continue;
    // The last `shift` elements come first.
    out = cat({out.narrow(d, n - shift, shift), out.narrow(d, 0, n - shift)}, d);
  }
  return out.is_same(*this) ? clone() : out;
}

Tensor roll(const Tensor& t, IntArrayRef shifts, IntArrayRef dims) { return t.roll(shifts, dims); }

Tensor Tensor::tile(IntArrayRef reps) const {
  DimVector full(reps.begin(), reps.end());
  while (static_cast<int64_t>(full.size()) < dim()) full.insert(full.begin(), 1);
  return repeat(full);
}

Tensor tile(const Tensor& t, IntArrayRef reps) { return t.tile(reps); }

Tensor Tensor::nonzero() const {
  NoGradGuard no_history;  // indices have no gradient
  const Tensor flat = reshape({-1}).ne(0).contiguous();
  const bool* hit = flat.data_ptr<bool>();
  const int64_t n = flat.numel(), rank = dim();
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n; ++i) {
    if (!hit[i]) continue;
    // Unravel the row-major position i into one index per dim.
    int64_t rest = i;
    const size_t at = rows.size();
    rows.resize(at + rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      rows[at + d] = rest % size(d);
      rest /= size(d);
    }
  }
  const int64_t count = rank == 0 ? (n == 1 && hit[0] ? 1 : 0) : rows.size() / rank;
  Tensor out = empty({count, rank}, TensorOptions(kInt64));
  std::copy(rows.begin(), rows.end(), out.data_ptr<int64_t>());
  return out.to(device());
}

Tensor nonzero(const Tensor& t) { return t.nonzero(); }

Tensor Tensor::masked_select(const Tensor& mask) const {
  EMBER_CHECK(mask.dtype() == kBool, "masked_select: expected BoolTensor for mask");
  const std::vector<Tensor> both = broadcast_tensors({*this, mask});
  // Flattened first: indexing a 0-dim tensor with a 0-dim mask is a view (t[True] is t[None]),
  // where masked_select always copies.
  return both[0].reshape({-1}).index({indexing::TensorIndex(both[1].reshape({-1}))});
}

Tensor masked_select(const Tensor& t, const Tensor& mask) { return t.masked_select(mask); }

Tensor Tensor::count_nonzero(IntArrayRef dims) const {
  NoGradGuard no_history;
  const Tensor hits = ne(0).to(kInt64);
  return dims.empty() ? hits.sum() : hits.sum(dims);
}

Tensor count_nonzero(const Tensor& t, IntArrayRef dims) { return t.count_nonzero(dims); }

}  // namespace ember
