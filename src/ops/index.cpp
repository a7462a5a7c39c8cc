// Joining, splitting, gathering and PyTorch-style indexing.
#include <optional>
#include <string_view>

#include "ember/autograd/grad_mode.h"
#include "ember/indexing.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::wrap_dim;

Tensor cat(TensorList tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of Tensors");
  // 1-D empty tensors are skipped, as in PyTorch's legacy behaviour.
  const Tensor* ref = nullptr;
  ScalarType dtype = tensors[0].dtype();
  for (const Tensor& t : tensors) {
    dtype = promote_types(dtype, t.dtype());
    if (!ref && !(t.dim() == 1 && t.numel() == 0)) ref = &t;
  }
  if (!ref) return empty({0}, tensors[0].options().dtype(dtype));
  EMBER_CHECK(ref->dim() > 0, "cat: zero-dimensional tensor cannot be concatenated");
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  DimVector shape(ref->sizes().begin(), ref->sizes().end());
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0) continue;
    detail::check_same_device(*ref, t, "cat");
    EMBER_CHECK(t.dim() == ref->dim(),
                "cat: Tensors must have same number of dimensions: got {} and {}", ref->dim(),
                t.dim());
    for (int64_t j = 0; j < t.dim(); ++j)
      EMBER_CHECK(j == d || t.sizes()[j] == ref->sizes()[j],
                  "cat: Sizes of tensors must match except in dimension {}. Expected size {} but "
                  "got size {} for tensor number {} in the list.",
                  d, ref->sizes()[j], t.sizes()[j], i);
    shape[d] += t.sizes()[d];
  }
  Tensor out = empty(shape, ref->options().dtype(dtype));
  int64_t offset = 0;
  std::vector<const Tensor*> inputs;
  std::vector<int64_t> lengths;  // along d; -1 for a skipped 1-D empty tensor
  for (const Tensor& t : tensors) {
    inputs.push_back(&t);
    if (t.dim() == 1 && t.numel() == 0) {
      lengths.push_back(-1);
      continue;
    }
    lengths.push_back(t.sizes()[d]);
    detail::kernels_for(out).copy(out.narrow(d, offset, t.sizes()[d]), t);
    offset += t.sizes()[d];
  }
  // Each input's gradient is its own stretch of the incoming gradient along d.
  detail::record_list("CatBackward0", inputs, out, [d, lengths](auto&, auto& g, auto&) {
    detail::variable_list grads;
    int64_t at = 0;
    for (int64_t n : lengths) {
      if (n < 0) {
        grads.emplace_back();
        continue;
      }
      grads.push_back(g[0].narrow(d, at, n));
      at += n;
    }
    return grads;
  });
  return out;
}

Tensor stack(TensorList tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack expects a non-empty TensorList");
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(),
                "stack expects each tensor to be equal size, but got {} at entry 0 and {} at "
                "entry {}",
                tensors[0].sizes(), tensors[i].sizes(), i);
    parts.push_back(tensors[i].unsqueeze(d));
  }
  return cat(parts, d);
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split");
  EMBER_CHECK(split_size > 0 || sizes()[d] == 0,
              "split expects split_size be non-negative, but got split_size={}", split_size);
  std::vector<Tensor> out;
  const int64_t size = sizes()[d];
  for (int64_t s = 0; s < size; s += split_size)
    out.push_back(narrow(d, s, std::min(split_size, size - s)));
  if (out.empty()) out.push_back(*this);
  return out;
}

std::vector<Tensor> Tensor::split(IntArrayRef split_sizes, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split_with_sizes");
  int64_t total = 0;
  for (int64_t s : split_sizes) total += s;
  EMBER_CHECK(total == sizes()[d],
              "split_with_sizes expects split_sizes to sum exactly to {} (input tensor's size at "
              "dimension {}), but got split_sizes={}",
              sizes()[d], d, split_sizes);
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    out.push_back(narrow(d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: {}", chunks);
  const int64_t d = wrap_dim(dim, this->dim(), "chunk");
  const int64_t size = sizes()[d];
  return split(std::max<int64_t>((size + chunks - 1) / chunks, 1), d);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  return t.split(split_size, dim);
}
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  return t.chunk(chunks, dim);
}

namespace {
void check_index_dtype(const Tensor& index, const char* op) {
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32,
              "{}(): Expected dtype int32/int64 for index", op);
}
// The smallest and largest index, or nothing for an empty index.
std::optional<std::pair<int64_t, int64_t>> index_bounds(const Tensor& index) {
  if (index.numel() == 0) return std::nullopt;
  const Tensor idx = index.to(kInt64);
  return std::pair{idx.min().item<int64_t>(), idx.max().item<int64_t>()};
}
// index_select, gather and scatter_add take indices in [0, size), as in PyTorch.
void check_index_range(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  check_index_dtype(index, op);
  const auto bounds = index_bounds(index);
  if (!bounds) return;
  const int64_t bad = bounds->first < 0 ? bounds->first : bounds->second;
  if (std::string_view(op) == "index_select")
    EMBER_CHECK_INDEX(bounds->first >= 0 && bounds->second < size,
                      "index_select(): index out of range in self (index {} for a dim of size {})",
                      bad, size);
  EMBER_CHECK(bounds->first >= 0 && bounds->second < size,
              "{}(): index {} is out of bounds for dimension {} with size {}", op, bad, dim, size);
}
// Python indexing lets negative indices count from the end.
Tensor wrap_python_indices(const Tensor& index, int64_t size, int64_t dim) {
  check_index_dtype(index, "index");
  if (const auto bounds = index_bounds(index))
    EMBER_CHECK_INDEX(bounds->first >= -size && bounds->second < size,
                      "index {} is out of bounds for dimension {} with size {}",
                      bounds->first < -size ? bounds->first : bounds->second, dim, size);
  const Tensor idx = index.to(kInt64);
  return where(idx.lt(0), idx + size, idx);
}
}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  EMBER_CHECK(index.dim() <= 1, "index_select(): Index is supposed to be a vector, got shape {}",
              index.sizes());
  const int64_t d = wrap_dim(dim, t.dim(), "index_select");
  const Tensor in = t.dim() == 0 ? t.view({1}) : t;
  check_index_range(index, in.sizes()[d], d, "index_select");
  DimVector shape(in.sizes().begin(), in.sizes().end());
  shape[d] = index.numel();
  Tensor out = empty(shape, t.options());
  const Tensor idx = index.to(kInt64).reshape({-1}).contiguous();
  detail::kernels_for(t).index_select(out, in, d, idx);
  // Row i of the result came from row index[i]: add each gradient row back there (repeated
  // indices add up).
  DimVector in_shape(in.sizes().begin(), in.sizes().end());
  detail::record(
      "IndexSelectBackward0", {&in}, {&out}, {{idx}}, [d, in_shape](auto&, auto& g, auto& s) {
        DimVector along(g[0].dim(), 1);
        along[d] = -1;
        const Tensor spread = s[0].view(along).expand(g[0].sizes()).contiguous();
        return detail::variable_list{zeros(in_shape, g[0].options()).scatter_add(d, spread, g[0])};
      });
  return t.dim() == 0 ? out.view({}) : out;
}

namespace {
// index has the rank of t and fits inside `bound` on every dim but `dim`.
void check_gather_index(const Tensor& t, int64_t d, const Tensor& index, IntArrayRef bound,
                        const char* op) {
  EMBER_CHECK(index.dim() == t.dim() || (t.dim() == 0 && index.dim() <= 1),
              "{}(): Index tensor must have the same number of dimensions as input tensor", op);
  EMBER_CHECK(index.dtype() == kInt64, "{}(): Expected dtype int64 for index", op);
  for (int64_t i = 0; i < index.dim(); ++i)
    EMBER_CHECK(i == d || index.sizes()[i] <= bound[i],
                "{}(): Size does not match at dimension {} expected index {} to be smaller "
                "than self {} apart from dimension {}",
                op, i, index.sizes(), bound, d);
}
}  // namespace

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim(dim, t.dim(), "gather");
  check_gather_index(t, d, index, t.sizes(), "gather");
  const Tensor in = t.dim() == 0 ? t.view({1}) : t;
  check_index_range(index, in.sizes()[d], d, "gather");
  Tensor out = empty(index.sizes(), t.options());
  const Tensor wrapped = index.contiguous();
  detail::kernels_for(t).gather(out, in, d, wrapped);
  // Each output element came from one input element: add the gradients back there.
  DimVector shape(t.sizes().begin(), t.sizes().end());
  detail::record("GatherBackward0", {&t}, {&out}, {{wrapped}}, [d, shape](auto&, auto& g, auto& s) {
    return detail::variable_list{
        zeros(shape, g[0].options()).scatter_add(d, s[0].view(g[0].sizes()), g[0])};
  });
  return out;
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, t.dim(), "scatter_add");
  check_gather_index(t, d, index, t.sizes(), "scatter_add");
  EMBER_CHECK(src.dim() == index.dim(),
              "scatter_add(): src must have the same number of dimensions as index");
  for (int64_t i = 0; i < index.dim(); ++i)
    EMBER_CHECK(index.sizes()[i] <= src.sizes()[i],
                "scatter_add(): Expected index {} to be smaller than src {} in every dimension",
                index.sizes(), src.sizes());
  detail::check_same_device(t, src, "scatter_add");
  EMBER_CHECK(t.dtype() == src.dtype(),
              "scatter_add(): Expected self.dtype to be equal to src.dtype");
  const int64_t size = t.dim() == 0 ? 1 : t.sizes()[d];
  check_index_range(index, size, d, "scatter_add");
  const Tensor wrapped = index.contiguous();
  Tensor out;
  {
    NoGradGuard no_grad;
    out = t.clone();
    detail::kernels_for(t).scatter_add(t.dim() == 0 ? out.view({1}) : out, d, wrapped,
                                       src.contiguous());
  }
  // d out / d t = 1; d out / d src picks the gradient at the positions src was added to (src
  // elements beyond index's extent were not used: their gradient is 0).
  const detail::Geometry src_geometry{DimVector(src.sizes().begin(), src.sizes().end()),
                                      contiguous_strides(src.sizes()), 0};
  detail::Geometry used_geometry = src_geometry;
  used_geometry.sizes.assign(index.sizes().begin(), index.sizes().end());
  detail::record("ScatterAddBackward0", {&t, &src}, {&out}, {{wrapped}},
                 [d, src_geometry, used_geometry](auto& node, auto& g, auto& s) {
                   Tensor grad_src;
                   if (detail::needs_grad(node, 1)) {
                     grad_src = g[0].gather(d, s[0]);
                     if (used_geometry.sizes != src_geometry.sizes)
                       grad_src = detail::view_grad_to_base(grad_src, used_geometry, src_geometry);
                   }
                   return detail::variable_list{g[0], grad_src};
                 });
  return out;
}

namespace {
// t with src written (or, with multiply, multiplied in) at the positions index names along dim,
// unrecorded; the checks are scatter_add's.
Tensor scattered(const char* op, const Tensor& t, int64_t d, const Tensor& index, const Tensor& src,
                 bool multiply) {
  check_gather_index(t, d, index, t.sizes(), op);
  EMBER_CHECK(src.dim() == index.dim(),
              "{}(): src must have the same number of dimensions as index", op);
  for (int64_t i = 0; i < index.dim(); ++i)
    EMBER_CHECK(index.sizes()[i] <= src.sizes()[i],
                "{}(): Expected index {} to be smaller than src {} in every dimension", op,
                index.sizes(), src.sizes());
  detail::check_same_device(t, src, op);
  EMBER_CHECK(t.dtype() == src.dtype(), "{}(): Expected self.dtype to be equal to src.dtype", op);
  check_index_range(index, t.dim() == 0 ? 1 : t.sizes()[d], d, op);
  NoGradGuard recorded_by_caller;
  Tensor out = t.clone();
  detail::kernels_for(t).scatter(t.dim() == 0 ? out.view({1}) : out, d, index.contiguous(),
                                 src.contiguous(), multiply);
  return out;
}

// "add" and "multiply", scatter's reductions; none means plain writes.
std::optional<bool> reduction(std::optional<std::string_view> reduce) {
  if (!reduce) return std::nullopt;
  EMBER_CHECK(*reduce == "add" || *reduce == "multiply",
              "scatter: reduce argument must be either add or multiply (got {})", *reduce);
  return *reduce == "multiply";
}

// torch gives scatter with a reduction no derivative: its backward raises.
void record_without_derivative(const Tensor& t, const Tensor& src, const Tensor& out) {
  detail::record("ScatterBackward0", {&t, &src}, {&out}, {}, [](auto&, auto&, auto&) {
    EMBER_CHECK(false, "scatter: derivative for scatter with reduce is not implemented");
    return detail::variable_list{};
  });
}
}  // namespace

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
               std::optional<std::string_view> reduce) {
  const int64_t d = wrap_dim(dim, t.dim(), "scatter");
  const std::optional<bool> multiply = reduction(reduce);
  if (multiply && !*multiply) {
    Tensor out;
    {
      NoGradGuard recorded_below;
      out = scatter_add(t, d, index, src);
    }
    record_without_derivative(t, src, out);
    return out;
  }
  Tensor out = scattered("scatter", t, d, index, src, multiply.value_or(false));
  if (multiply) {
    record_without_derivative(t, src, out);
    return out;
  }
  // d out / d t: the gradient where nothing was written; d out / d src: gathered back.
  const Tensor wrapped = index.contiguous();
  detail::record("ScatterBackward0", {&t, &src}, {&out}, {{wrapped}},
                 [d](auto& node, auto& g, auto& s) {
                   return detail::variable_list{
                       detail::needs_grad(node, 0) ? scatter(g[0], d, s[0], Scalar(0.0)) : Tensor(),
                       detail::needs_grad(node, 1) ? g[0].gather(d, s[0]) : Tensor()};
                 });
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value,
               std::optional<std::string_view> reduce) {
  const int64_t d = wrap_dim(dim, t.dim(), "scatter");
  const Tensor src = full(index.sizes(), value, t.options());
  if (reduce) {
    NoGradGuard the_number_has_no_gradient;
    Tensor out = scatter(t, d, index, src, reduce);
    record_without_derivative(t, src, out);
    return out;
  }
  Tensor out = scattered("scatter", t, d, index, src, false);
  const Tensor wrapped = index.contiguous();
  detail::record("ScatterBackward1", {&t}, {&out}, {{wrapped}}, [d](auto&, auto& g, auto& s) {
    return detail::variable_list{scatter(g[0], d, s[0], Scalar(0.0))};
  });
  return out;
}

Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, t.dim(), "index_copy");
  EMBER_CHECK(index.dim() <= 1, "index_copy_(): Index should have dimension 1 or 0 (got {})",
              index.dim());
  const Tensor s = src.dim() == 0 ? src.reshape({1}) : src;
  EMBER_CHECK(s.dim() == std::max<int64_t>(t.dim(), 1) && index.numel() == s.size(d),
              "index_copy_(): Number of indices ({}) should be equal to source.size(dim) ({}) "
              "(source {}, self {})",
              index.numel(), s.dim() > d ? s.size(d) : 0, src.sizes(), t.sizes());
  DimVector along(static_cast<size_t>(s.dim()), 1);
  along[d] = index.numel();
  const Tensor base = t.dim() == 0 ? t.reshape({1}) : t;
  return scatter(base, d, index.reshape(along).expand(s.sizes()), s).reshape(t.sizes());
}

Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src,
                       std::optional<std::string_view> reduce) const {
  return ember::scatter(*this, dim, index, src, reduce);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value,
                       std::optional<std::string_view> reduce) const {
  return ember::scatter(*this, dim, index, value, reduce);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src,
                         std::optional<std::string_view> reduce) const {
  return detail::write_back(self(), "scatter_", {&index, &src}, [&](const Tensor& x) {
    return ember::scatter(x, dim, index, src, reduce);
  });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value,
                         std::optional<std::string_view> reduce) const {
  return detail::write_back(self(), "scatter_", {&index}, [&](const Tensor& x) {
    return ember::scatter(x, dim, index, value, reduce);
  });
}
Tensor Tensor::index_copy(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::index_copy(*this, dim, index, src);
}
Tensor& Tensor::index_copy_(int64_t dim, const Tensor& index, const Tensor& src) const {
  return detail::write_back(self(), "index_copy_", {&index, &src},
                            [&](const Tensor& x) { return ember::index_copy(x, dim, index, src); });
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return ember::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return ember::gather(*this, dim, index);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter_add(*this, dim, index, src);
}

// ---- Python-style indexing ----------------------------------------------------------------

namespace {
using indexing::TensorIndex;

struct IndexResult {
  Tensor view;              // after integers, slices, None and Ellipsis
  int64_t tensor_dim = -1;  // the dim an integer index tensor applies to, if any
  Tensor tensor_index;      // that index tensor
  Tensor mask;              // a boolean mask over the whole tensor, if given
};

IndexResult apply_indices(const Tensor& self, ArrayRef<TensorIndex> indices) {
  int64_t consumed = 0;  // dims of self that the indices account for
  int ellipses = 0;
  for (const auto& i : indices) {
    switch (i.kind()) {
      case TensorIndex::Kind::Integer:
      case TensorIndex::Kind::Slice:
        ++consumed;
        break;
      case TensorIndex::Kind::Tensor:
        consumed += i.tensor().dtype() == kBool ? i.tensor().dim() : 1;
        break;
      case TensorIndex::Kind::Ellipsis:
        ++ellipses;
        break;
      default:
        break;
    }
  }
  EMBER_CHECK_INDEX(ellipses <= 1, "index: an index can only have a single ellipsis ('...')");
  EMBER_CHECK_INDEX(consumed <= self.dim(), "index: too many indices for tensor of dimension {}",
                    self.dim());
  IndexResult r;
  r.view = self;
  int64_t d = 0;  // current dim in the result
  for (const auto& i : indices) {
    switch (i.kind()) {
      case TensorIndex::Kind::Integer:
        r.view = r.view.select(d, i.integer());
        break;
      case TensorIndex::Kind::Slice:
        r.view = r.view.slice(d, i.slice().start(), i.slice().stop(), i.slice().step());
        ++d;
        break;
      case TensorIndex::Kind::None:
        r.view = r.view.unsqueeze(d++);
        break;
      case TensorIndex::Kind::Ellipsis:
        d += self.dim() - consumed;
        break;
      case TensorIndex::Kind::Boolean:
        r.view = r.view.unsqueeze(d);
        if (!i.boolean()) r.view = r.view.slice(d, 0, 0);
        ++d;
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = i.tensor();
        if (t.dtype() == kBool) {
          EMBER_CHECK_INDEX(d == 0 && t.sizes() == r.view.sizes(),
                            "index: a boolean mask must have the shape of the tensor it indexes "
                            "(mask {}, tensor {})",
                            t.sizes(), r.view.sizes());
          EMBER_CHECK(!r.mask.defined() && !r.tensor_index.defined(),
                      "index: only one tensor index is supported");
          r.mask = t;
          d += t.dim();
        } else {
          EMBER_CHECK(!r.mask.defined() && !r.tensor_index.defined(),
                      "index: only one tensor index is supported");
          EMBER_CHECK(t.dim() <= 1, "index: integer index tensors must be 0-D or 1-D, got shape {}",
                      t.sizes());
          r.tensor_index = t;
          r.tensor_dim = d++;
        }
        break;
      }
    }
  }
  return r;
}

// Elements of t where mask holds, in row-major order, as a 1-D tensor.
Tensor masked_select_all(const Tensor& t, const Tensor& mask) {
  Tensor flat_mask = mask.reshape({-1}).contiguous();
  const bool* m = flat_mask.data_ptr<bool>();
  std::vector<int64_t> picks;
  for (int64_t i = 0; i < flat_mask.numel(); ++i)
    if (m[i]) picks.push_back(i);
  Tensor idx = empty({static_cast<int64_t>(picks.size())}, TensorOptions(kInt64));
  std::copy(picks.begin(), picks.end(), idx.data_ptr<int64_t>());
  return t.reshape({-1}).index_select(0, idx);
}
}  // namespace

Tensor Tensor::index(ArrayRef<indexing::TensorIndex> indices) const {
  IndexResult r = apply_indices(*this, indices);
  if (r.mask.defined()) return masked_select_all(r.view, r.mask);
  if (r.tensor_index.defined()) {
    const Tensor idx = wrap_python_indices(r.tensor_index.reshape({-1}),
                                           r.view.sizes()[r.tensor_dim], r.tensor_dim);
    Tensor out = r.view.index_select(r.tensor_dim, idx);
    return r.tensor_index.dim() == 0 ? out.select(r.tensor_dim, 0) : out;
  }
  return r.view;
}
Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return index(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()));
}

Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& value) const {
  IndexResult r = apply_indices(self(), indices);
  if (r.mask.defined()) {
    EMBER_CHECK(value.numel() == 1,
                "index_put_: with a boolean mask, only a single value can be "
                "assigned (got {} values)",
                value.numel());
    r.view.masked_fill_(r.mask, value.item());
    return self();
  }
  EMBER_CHECK(!r.tensor_index.defined(),
              "index_put_: integer index tensors are not supported yet; "
              "use index_select and copy_");
  r.view.copy_(value);
  return self();
}
Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Scalar& value) const {
  IndexResult r = apply_indices(self(), indices);
  if (r.mask.defined()) {
    r.view.masked_fill_(r.mask, value);
    return self();
  }
  EMBER_CHECK(!r.tensor_index.defined(),
              "index_put_: integer index tensors are not supported yet; "
              "use index_select and copy_");
  r.view.fill_(value);
  return self();
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Tensor& value) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()), value);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Scalar& value) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()), value);
}

}  // namespace ember
