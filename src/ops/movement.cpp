// View ops: new geometry over the same storage. Nothing here copies data except reshape (when
// no view is possible) and contiguous.
#include <algorithm>
#include <optional>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::make_view;
using detail::wrap_dim;

namespace {

// Resolves a single -1 in shape from numel.
DimVector infer_size(IntArrayRef shape, int64_t numel, const char* op) {
  DimVector out(shape.begin(), shape.end());
  int64_t known = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(!infer, "{}: only one dimension can be inferred", op);
      infer = i;
    } else {
      EMBER_CHECK(shape[i] >= 0, "{}: invalid shape dimension {}", op, shape[i]);
      known *= shape[i];
    }
  }
  if (infer) {
    EMBER_CHECK(known != 0 && numel % known == 0, "{}: shape '{}' is invalid for input of size {}",
                op, shape, numel);
    out[*infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "{}: shape '{}' is invalid for input of size {}", op, shape, numel);
  }
  return out;
}

// Strides that let `shape` view memory laid out as (old_sizes, old_strides), if any exist:
// each run of old dims that is contiguous within itself may be split or merged freely.
std::optional<DimVector> view_strides(IntArrayRef old_sizes, IntArrayRef old_strides,
                                      IntArrayRef shape) {
  DimVector strides(shape.size());
  int64_t numel = 1;
  for (int64_t s : old_sizes) numel *= s;
  if (numel == 0 || old_sizes.empty()) return contiguous_strides(shape);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 || (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base = old_strides[d - 1];
        tensor_numel = view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

using detail::variable_list;

// A view that records how its gradient maps back to its base.
template <typename Back>
Tensor recorded(const char* name, const Tensor& base, Tensor view, Back back) {
  detail::record(name, {&base}, {&view}, {},
                 [back](auto&, auto& g, auto&) { return variable_list{back(g[0])}; });
  return view;
}

// The gradient of a view that picks part of its base: zeros of the base's shape with the
// gradient where the view was. Differentiable itself (its gradient is the same view again), so
// create_graph works through indexing.
template <typename ViewOf>
Tensor embed(const char* name, const Tensor& grad, IntArrayRef base_shape, ViewOf view_of) {
  Tensor full;
  {
    NoGradGuard no_grad;
    full = detail::empty_for(base_shape, grad.options(), {&grad}).zero_();
    view_of(full).copy_(grad);
  }
  detail::record(name, {&grad}, {&full}, {},
                 [view_of](auto&, auto& g, auto&) { return variable_list{view_of(g[0])}; });
  return full;
}

}  // namespace

Tensor Tensor::view(IntArrayRef shape) const {
  DimVector size = infer_size(shape, numel(), "view");
  auto strides = view_strides(sizes(), this->strides(), size);
  EMBER_CHECK(strides.has_value(),
              "view: view size is not compatible with input tensor's size and stride (at least "
              "one dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
              "(input shape {}, strides {}, requested shape {})",
              sizes(), this->strides(), shape);
  DimVector base(sizes().begin(), sizes().end());
  return recorded("ViewBackward0", *this, make_view(*this, size, *strides, storage_offset()),
                  [base](const Tensor& g) { return g.reshape(base); });
}

Tensor Tensor::reshape(IntArrayRef shape) const {
  DimVector size = infer_size(shape, numel(), "reshape");
  DimVector base(sizes().begin(), sizes().end());
  auto back = [base](const Tensor& g) { return g.reshape(base); };
  // PyTorch 1.13 records a viewable reshape as _reshape_alias, and a copying one as a clone
  // followed by _unsafe_view.
  if (auto strides = view_strides(sizes(), this->strides(), size))
    return recorded("ReshapeAliasBackward0", *this,
                    make_view(*this, size, *strides, storage_offset()), back);
  Tensor copy = clone();
  return recorded("UnsafeViewBackward0", copy,
                  detail::restride(copy, size, contiguous_strides(size), 0), back);
}
Tensor reshape(const Tensor& t, IntArrayRef shape) { return t.reshape(shape); }

Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is {}D", dim());
  // A 0-D or 1-D tensor comes back as a new view of itself, as in PyTorch.
  const bool swap = dim() == 2;
  return recorded("TBackward0", *this,
                  swap ? make_view(*this, {sizes()[1], sizes()[0]}, {strides()[1], strides()[0]},
                                   storage_offset())
                       : make_view(*this, sizes(), strides(), storage_offset()),
                  [](const Tensor& g) { return g.t(); });
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  const int64_t a = wrap_dim(dim0, dim(), "transpose"), b = wrap_dim(dim1, dim(), "transpose");
  if (dim() == 0) return *this;
  DimVector sz(sizes().begin(), sizes().end()), st(strides().begin(), strides().end());
  std::swap(sz[a], sz[b]);
  std::swap(st[a], st[b]);
  return recorded("TransposeBackward0", *this, make_view(*this, sz, st, storage_offset()),
                  [a, b](const Tensor& g) { return g.transpose(a, b); });
}
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) { return t.transpose(dim0, dim1); }

Tensor Tensor::permute(IntArrayRef dims) const {
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == dim(),
              "permute(sparse_coo): number of dimensions in the tensor input does not match the "
              "length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to "
              "len(dims) = {}",
              dim(), dims.size());
  DimVector sz(dims.size()), st(dims.size()), inverse(dims.size());
  SmallVector<bool, 6> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    EMBER_CHECK(!seen[d], "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  return recorded("PermuteBackward0", *this, make_view(*this, sz, st, storage_offset()),
                  [inverse](const Tensor& g) { return g.permute(inverse); });
}
Tensor permute(const Tensor& t, IntArrayRef dims) { return t.permute(dims); }

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  EMBER_CHECK(this->dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  const int64_t d = wrap_dim(dim, this->dim(), "narrow");
  const int64_t size = sizes()[d];
  const int64_t given = start;
  if (start < 0) start += size;
  EMBER_CHECK_INDEX(start >= 0 && start <= size,
                    "start out of range (expected to be in range of [{}, {}], but got {})", -size,
                    size, given);
  EMBER_CHECK(length >= 0 && start + length <= size,
              "start ({}) + length ({}) exceeds dimension size ({}).", start, length, size);
  return slice(d, start, start + length, 1);
}

Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  EMBER_CHECK(this->dim() > 0, "slice() cannot be applied to a 0-dim tensor.");
  const int64_t d = wrap_dim(dim, this->dim(), "slice");
  EMBER_CHECK(step > 0, "slice step must be positive");
  const int64_t size = sizes()[d];
  // Python's rules: negative bounds count from the end, out-of-range bounds are clamped.
  auto clampi = [&](int64_t v) {
    if (v < 0) v += size;
    return std::clamp<int64_t>(v, 0, size);
  };
  const int64_t s = start ? clampi(*start) : 0;
  const int64_t e = std::max(s, end ? clampi(*end) : size);
  DimVector sz(sizes().begin(), sizes().end()), st(strides().begin(), strides().end());
  sz[d] = (e - s + step - 1) / step;
  st[d] *= step;
  DimVector base(sizes().begin(), sizes().end());
  return recorded("SliceBackward0", *this,
                  make_view(*this, sz, st, storage_offset() + s * strides()[d]),
                  [base, d, s, e, step](const Tensor& g) {
                    return embed("SliceBackwardBackward0", g, base,
                                 [=](const Tensor& x) { return x.slice(d, s, e, step); });
                  });
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  EMBER_CHECK_INDEX(this->dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  const int64_t d = wrap_dim(dim, this->dim(), "select");
  const int64_t size = sizes()[d];
  EMBER_CHECK_INDEX(index >= -size && index < size,
                    "select(): index {} out of range for tensor of size {} at dimension {}", index,
                    sizes(), d);
  if (index < 0) index += size;
  DimVector sz(sizes().begin(), sizes().end()), st(strides().begin(), strides().end());
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  DimVector base(sizes().begin(), sizes().end());
  return recorded("SelectBackward0", *this,
                  make_view(*this, sz, st, storage_offset() + index * strides()[d]),
                  [base, d, index](const Tensor& g) {
                    return embed("SelectBackwardBackward0", g, base,
                                 [=](const Tensor& x) { return x.select(d, index); });
                  });
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  const int64_t d1 = wrap_dim(dim1, dim(), "diagonal"), d2 = wrap_dim(dim2, dim(), "diagonal");
  EMBER_CHECK(d1 != d2, "diagonal: diagonal dimensions cannot be identical {}, {}", dim1, dim2);
  const int64_t rows = sizes()[d1], cols = sizes()[d2];
  // Element k of the diagonal is (k, k + offset) for offset >= 0 and (k - offset, k) below.
  const int64_t length = std::max<int64_t>(
      0, offset >= 0 ? std::min(rows, cols - offset) : std::min(rows + offset, cols));
  int64_t start = storage_offset();
  if (length > 0) start += offset >= 0 ? offset * strides()[d2] : -offset * strides()[d1];
  DimVector sz, st;
  for (int64_t d = 0; d < dim(); ++d) {
    if (d == d1 || d == d2) continue;
    sz.push_back(sizes()[d]);
    st.push_back(strides()[d]);
  }
  sz.push_back(length);
  st.push_back(strides()[d1] + strides()[d2]);
  DimVector base(sizes().begin(), sizes().end());
  return recorded("DiagonalBackward0", *this, make_view(*this, sz, st, start),
                  [base, offset, d1, d2](const Tensor& g) {
                    return embed("DiagonalBackwardBackward0", g, base,
                                 [=](const Tensor& x) { return x.diagonal(offset, d1, d2); });
                  });
}

Tensor Tensor::expand(IntArrayRef size) const {
  EMBER_CHECK(size.size() >= static_cast<size_t>(dim()),
              "expand: the number of sizes provided ({}) must be greater or equal to the number "
              "of dimensions in the tensor ({})",
              size.size(), dim());
  const size_t n = size.size(), offset = n - static_cast<size_t>(dim());
  DimVector sz(n), st(n);
  for (size_t i = 0; i < n; ++i) {
    if (i < offset) {
      EMBER_CHECK(size[i] >= 0,
                  "expand: The expanded size of the tensor ({}) isn't allowed in a leading, "
                  "non-existing dimension {}",
                  size[i], i);
      sz[i] = size[i];
      st[i] = 0;
      continue;
    }
    const int64_t have = sizes()[i - offset];
    const int64_t want = size[i] == -1 ? have : size[i];
    EMBER_CHECK(have == want || have == 1,
                "expand: The expanded size of the tensor ({}) must match the existing size ({}) at "
                "non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                want, have, i, size, sizes());
    sz[i] = want;
    st[i] = have == want ? strides()[i - offset] : 0;
  }
  // The engine sums the expanded gradient back to this tensor's shape.
  return recorded("ExpandBackward0", *this, make_view(*this, sz, st, storage_offset()),
                  [](const Tensor& g) { return g; });
}

Tensor Tensor::squeeze() const {
  DimVector sz, st;
  for (int64_t d = 0; d < dim(); ++d)
    if (sizes()[d] != 1) sz.push_back(sizes()[d]), st.push_back(strides()[d]);
  DimVector base(sizes().begin(), sizes().end());
  return recorded("SqueezeBackward0", *this, make_view(*this, sz, st, storage_offset()),
                  [base](const Tensor& g) { return g.reshape(base); });
}
Tensor squeeze(const Tensor& t) { return t.squeeze(); }

Tensor Tensor::squeeze(int64_t dim) const {
  const int64_t d = wrap_dim(dim, this->dim(), "squeeze");
  DimVector base(sizes().begin(), sizes().end());
  auto back = [base](const Tensor& g) { return g.reshape(base); };
  if (this->dim() == 0 || sizes()[d] != 1)
    return recorded("SqueezeBackward1", *this,
                    make_view(*this, sizes(), strides(), storage_offset()), back);
  DimVector sz(sizes().begin(), sizes().end()), st(strides().begin(), strides().end());
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return recorded("SqueezeBackward1", *this, make_view(*this, sz, st, storage_offset()), back);
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  const int64_t d = wrap_dim(dim, this->dim() + 1, "unsqueeze");
  DimVector sz(sizes().begin(), sizes().end()), st(strides().begin(), strides().end());
  const int64_t stride = d < this->dim() ? sizes()[d] * strides()[d] : 1;
  sz.insert(sz.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  DimVector base(sizes().begin(), sizes().end());
  return recorded("UnsqueezeBackward0", *this, make_view(*this, sz, st, storage_offset()),
                  [base](const Tensor& g) { return g.reshape(base); });
}
Tensor unsqueeze(const Tensor& t, int64_t dim) { return t.unsqueeze(dim); }

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  EMBER_CHECK(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (s == e) return *this;  // nothing to merge: the tensor itself, as in PyTorch
  DimVector shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(sizes()[d]);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= sizes()[d];
  shape.push_back(merged);
  for (int64_t d = e + 1; d < dim(); ++d) shape.push_back(sizes()[d]);
  return reshape(shape);
}
Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  return t.flatten(start_dim, end_dim);
}

Tensor Tensor::as_strided(IntArrayRef size, IntArrayRef stride,
                          std::optional<int64_t> storage_offset) const {
  EMBER_CHECK(size.size() == stride.size(),
              "as_strided: mismatch in length of strides and shape ({} vs {})", size.size(),
              stride.size());
  const int64_t offset = storage_offset.value_or(this->storage_offset());
  EMBER_CHECK(offset >= 0, "as_strided: Tensor: invalid storage offset {}", offset);
  int64_t last = offset;
  bool empty_view = false;
  for (size_t i = 0; i < size.size(); ++i) {
    EMBER_CHECK(size[i] >= 0 && stride[i] >= 0,
                "as_strided: negative sizes or strides are not supported (size {}, stride {})",
                size, stride);
    if (size[i] == 0)
      empty_view = true;
    else
      last += (size[i] - 1) * stride[i];
  }
  const int64_t capacity = static_cast<int64_t>(impl()->storage()->nbytes() / element_size());
  EMBER_CHECK(empty_view || last < capacity,
              "as_strided: setStorage: sizes {}, strides {}, storage offset {} require {} "
              "elements, but the storage holds only {}",
              size, stride, offset, last + 1, capacity);
  Tensor out = make_view(*this, size, stride, offset);
  if (autograd::any_requires_grad({this}) || autograd::any_fw_grad({this})) {
    const detail::Geometry from = detail::Geometry::of(*this), to = detail::Geometry::of(out);
    // An input whose elements share memory (an expanded tensor) hands each shared location's
    // gradient out in equal parts, so its own backward (expand's sum) counts it once, as
    // torch's as_strided_backward does.
    // d/dx as_strided(x): each element's gradient goes where it sits in memory
    detail::record("AsStridedBackward0", {this}, {&out}, {}, [from, to](auto&, auto& g, auto&) {
      const Tensor grad = detail::view_grad_to_base(g[0], to, from);
      const Tensor shared = detail::shared_memory_counts(from, g[0].options());
      return variable_list{shared.defined() ? grad / shared : grad};
    });
  }
  return out;
}

namespace {

// The gradient of unfold(dim, size, step) of an input of in_shape: window w's element k adds to
// position w * step + k along dim.
Tensor unfold_backward(const Tensor& grad, const DimVector& in_shape, int64_t dim, int64_t size,
                       int64_t step) {
  if (in_shape.empty()) return grad.reshape({});
  const int64_t windows = grad.size(dim);
  const Tensor starts = arange(0, windows * step, step, TensorOptions(kInt64)).unsqueeze(1);
  const Tensor positions = (starts + arange(size, TensorOptions(kInt64))).flatten();
  const Tensor spread = grad.movedim(-1, dim + 1).flatten(dim, dim + 1);
  return index_add(zeros(in_shape, grad.options()), dim, positions, spread);
}

}  // namespace

Tensor Tensor::unfold(int64_t dim, int64_t size, int64_t step) const {
  const int64_t d = this->dim() == 0 ? 0 : wrap_dim(dim, this->dim(), "unfold");
  const int64_t length = this->dim() == 0 ? 1 : sizes()[d];
  EMBER_CHECK(size <= length,
              "unfold: maximum size for tensor at dimension {} is {} but size is {}", d, length,
              size);
  EMBER_CHECK(size >= 0, "unfold: size is {} but must be >= 0", size);
  EMBER_CHECK(step > 0, "unfold: step is {} but must be > 0", step);
  DimVector shape(sizes().begin(), sizes().end()), stride(strides().begin(), strides().end());
  if (this->dim() == 0) {
    shape = {1};
    stride = {1};
  } else {
    shape[d] = (length - size) / step + 1;
    stride[d] *= step;
    shape.push_back(size);
    stride.push_back(strides()[d]);
  }
  Tensor out = make_view(*this, shape, stride, storage_offset());
  if (autograd::any_requires_grad({this}) || autograd::any_fw_grad({this})) {
    const DimVector in_shape(sizes().begin(), sizes().end());
    // d/dx unfold(x): each window element's gradient adds to the element it reads. Done by
    // position, not by memory, so it is right when x itself is an overlapping view.
    detail::record("UnfoldBackward0", {this}, {&out}, {},
                   [in_shape, d, size, step](auto&, auto& g, auto&) {
                     return variable_list{unfold_backward(g[0], in_shape, d, size, step)};
                   });
  }
  return out;
}

std::vector<Tensor> Tensor::unbind(int64_t dim) const {
  EMBER_CHECK_INDEX(this->dim() > 0, "Dimension specified as {} but tensor has no dimensions", dim);
  const int64_t d = wrap_dim(dim, this->dim(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < sizes()[d]; ++i) out.push_back(select(d, i));
  return out;
}

}  // namespace ember
