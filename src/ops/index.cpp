// Joining, splitting, gathering and PyTorch-style indexing.
#include <limits>
#include <optional>
#include <string_view>

#include "core/batched.h"
#include "ember/autograd/grad_mode.h"
#include "ember/indexing.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
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
  for (size_t i = 0; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].dim() > 0,
                "cat: zero-dimensional tensor (at position {}) cannot be concatenated", i);
  // When every input is skipped the result is empty, recorded all the same (each input's gradient
  // is then empty too).
  const bool all_skipped = ref == nullptr;
  if (all_skipped) ref = &tensors[0];
  // The dim is not checked when every input is skipped, as in PyTorch's legacy rule.
  const int64_t d = all_skipped ? 0 : wrap_dim(dim, ref->dim(), "cat");
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
  std::vector<const Tensor*> inputs;
  for (const Tensor& t : tensors) inputs.push_back(&t);
  Tensor out = detail::empty_for(shape, ref->options().dtype(dtype), inputs);
  int64_t offset = 0;
  std::vector<int64_t> lengths;  // along d; -1 for a skipped 1-D empty tensor
  for (const Tensor& t : tensors) {
    if (t.dim() == 1 && t.numel() == 0) {
      lengths.push_back(-1);
      continue;
    }
    lengths.push_back(t.sizes()[d]);
    detail::kernels_for(out).copy(out.narrow(d, offset, t.sizes()[d]), t);
    offset += t.sizes()[d];
  }
  // Each input's gradient is its own stretch of the incoming gradient along d; a skipped empty
  // input gets an empty one (so its leaf's .grad is zeros, as PyTorch's).
  detail::record_list("CatBackward0", inputs, out, [d, lengths](auto&, auto& g, auto&) {
    detail::variable_list grads;
    int64_t at = 0;
    for (int64_t n : lengths) {
      if (n < 0) {
        grads.push_back(zeros({0}, g[0].options()));
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
  // Under vmap, over every entry's indices (Note [Batched tensors]).
  const Tensor idx = detail::all_entries(index).to(kInt64);
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
  Tensor out = detail::empty_for(shape, t.options(), {&t, &index});
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
  Tensor out = detail::empty_for(index.sizes(), t.options(), {&t, &index});
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
    out = detail::batched_clone(t, {&index, &src});
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
// t with src combined by mode at the positions index names along dim, unrecorded; the checks
// are scatter_add's.
Tensor scattered(const char* op, const Tensor& t, int64_t d, const Tensor& index, const Tensor& src,
                 detail::ScatterMode mode) {
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
  Tensor out = detail::batched_clone(t, {&index, &src});
  detail::kernels_for(t).scatter(t.dim() == 0 ? out.view({1}) : out, d, index.contiguous(),
                                 src.contiguous(), mode);
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
  Tensor out = scattered("scatter", t, d, index, src,
                         multiply ? detail::ScatterMode::Multiply : detail::ScatterMode::Set);
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
  Tensor out = scattered("scatter", t, d, index, src, detail::ScatterMode::Set);
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

namespace {
// The part of src that scatter reads: its leading index.sizes() block.
Tensor used_part(const Tensor& src, const Tensor& index) {
  Tensor part = src;
  for (int64_t i = 0; i < index.dim(); ++i)
    if (part.size(i) != index.size(i)) part = part.narrow(i, 0, index.size(i));
  return part;
}

// torch's DelayedError for the src gradient of scatter_reduce(reduce="prod"): t itself, but
// differentiating it raises. It marks a first derivative that is right but whose own derivative
// would be wrong.
Tensor double_backward_unsupported(const Tensor& t) {
  if (!GradMode::is_enabled() || !t.requires_grad()) return t;
  const Tensor out = t.detach();
  detail::record("Error", {&t}, {&out}, {}, [](auto&, auto&, auto&) {
    EMBER_CHECK(false,
                "scatter_reduce(): Double backward is unsupported for src when >1 zeros in src "
                "are scattered to the same position in self");
    return detail::variable_list{};
  });
  return out;
}

// The gradients of scatter_reduce(reduce="prod") as torch 1.13 forms them: each factor's is the
// product of the other factors at its position, with zeros masked to 1 so that no 0 / 0 arises.
// d out / d self = out' / self', with self' = self where it is not 0 (else 1) and out' the
// product formed from self'
Tensor scatter_prod_self_grad(const Tensor& g, const Tensor& x, const Tensor& v, const Tensor& y,
                              const Tensor& idx, int64_t d, bool include_self) {
  const Tensor self_zero = x.eq(0);
  Tensor grad;
  if (self_zero.any().item<bool>()) {
    const Tensor masked = where(self_zero, 1.0, x);
    grad = g * scatter_reduce(masked, d, idx, v, "prod", include_self) / masked;
  } else {
    grad = g * y / x;  // out' is out itself
  }
  // Without self, the positions written to do not depend on it.
  return include_self ? grad : scatter(grad, d, idx, Scalar(0.0));
}

// d out / d src_k: out / src_k where src_k is not 0; where it is the only zero sent to its
// position, the product with src_k set to 1; where another zero joins it, 0 (out / 1). The
// second derivative between two such zeros would come out 0 instead of the product of the rest,
// so differentiating this gradient again raises, as in torch.
Tensor scatter_prod_src_grad(const Tensor& g, const Tensor& x, const Tensor& v, const Tensor& y,
                             const Tensor& idx, int64_t d, bool include_self) {
  const Tensor src_zero = v.eq(0);
  const Tensor grad_out = (g * y).gather(d, idx);
  if (!src_zero.any().item<bool>()) return grad_out / v;
  const Tensor zeros_there = zeros(x.sizes(), TensorOptions(kInt64).device(x.device()))
                                 .scatter_add(d, idx, src_zero.to(kInt64))
                                 .gather(d, idx);
  const Tensor single_zero = src_zero.logical_and(zeros_there.eq(1));
  Tensor grad = grad_out / where(src_zero, 1.0, v);
  if (single_zero.any().item<bool>()) {
    const Tensor without =
        scatter_reduce(x, d, idx, where(single_zero, 1.0, v), "prod", include_self);
    grad = where(single_zero, (g * without).gather(d, idx), grad);
  }
  return zeros_there.gt(1).any().item<bool>() ? double_backward_unsupported(grad) : grad;
}

}  // namespace

Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self) {
  const int64_t d = wrap_dim(dim, t.dim(), "scatter_reduce");
  EMBER_CHECK(
      reduce == "sum" || reduce == "prod" || reduce == "mean" || reduce == "amax" ||
          reduce == "amin",
      "scatter_reduce: reduce argument must be either sum, prod, mean, amax or amin, got {}",
      reduce);
  // Without self, the scattered positions start from the reduction's identity.
  auto start_from = [&](const Scalar& identity) {
    return include_self ? t : scatter(t, d, index, identity);
  };
  if (reduce == "sum") return scatter_add(start_from(0), d, index, src);
  if (reduce == "mean") {
    const Tensor sum = scatter_add(start_from(0), d, index, src);
    Tensor counts = ones_like(t);
    if (!include_self) counts = scatter(counts, d, index, Scalar(0));
    counts = scatter_add(counts, d, index, ones_like(src)).clamp_min(1);
    return t.is_floating_point() ? sum / counts : floor_divide(sum, counts);
  }
  const bool is_max = reduce == "amax";
  if (reduce == "prod") {
    Tensor out =
        scattered("scatter_reduce", start_from(1), d, index, src, detail::ScatterMode::Multiply);
    const Tensor wrapped = index.contiguous();
    detail::record(
        "ScatterReduceBackward0", {&t, &src}, {&out}, {{t}, {src}, {out, true}, {wrapped}},
        [d, include_self](auto& node, auto& g, auto& s) {
          return detail::variable_list{
              detail::needs_grad(node, 0)
                  ? scatter_prod_self_grad(g[0], s[0], s[1], s[2], s[3], d, include_self)
                  : Tensor(),
              detail::needs_grad(node, 1)
                  ? scatter_prod_src_grad(g[0], s[0], s[1], s[2], s[3], d, include_self)
                  : Tensor()};
        },
        // d out = t_self d out/d self + sum over src_k sent there of t_k d out/d src_k: each
        // factor's tangent times the product of the others, as the backward forms them.
        [d, include_self](const detail::variable_list& t, const detail::variable_list& s) {
          const Tensor& idx = s[3];
          Tensor dy;
          if (t[0].defined())
            dy = scatter_prod_self_grad(t[0], s[0], s[1], s[2], idx, d, include_self);
          if (t[1].defined()) {
            const Tensor v = used_part(s[1], idx);
            const Tensor slope =
                scatter_prod_src_grad(ones_like(s[2]), s[0], v, s[2], idx, d, include_self);
            dy = detail::add_tangents(
                dy, zeros_like(s[2]).scatter_add(d, idx, slope * used_part(t[1], idx)));
          }
          return detail::variable_list{dy};
        });
    return out;
  }
  // The identity of max (min) in t's dtype: an infinity does not convert to an integer.
  auto extreme = [&](bool lowest) -> Scalar {
    switch (t.dtype()) {
      case kBool:
        return Scalar(!lowest);
      case kInt32:
        return lowest ? Scalar(int64_t{std::numeric_limits<int32_t>::min()})
                      : Scalar(int64_t{std::numeric_limits<int32_t>::max()});
      case kInt64:
        return lowest ? Scalar(std::numeric_limits<int64_t>::min())
                      : Scalar(std::numeric_limits<int64_t>::max());
      default:
        return Scalar(lowest ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity());
    }
  };
  const Tensor base = start_from(extreme(is_max));
  Tensor out = scattered("scatter_reduce", base, d, index, src,
                         is_max ? detail::ScatterMode::Max : detail::ScatterMode::Min);
  // The gradient is shared evenly among the elements equal to the result (self's included when
  // it took part).
  const Tensor wrapped = index.contiguous();
  detail::record(
      "ScatterReduceBackward0", {&t, &src}, {&out}, {{t}, {src}, {out, true}, {wrapped}},
      [d, include_self](auto& node, auto& g, auto& s) {
        const Tensor& x = s[0];
        const Tensor& v = s[1];
        const Tensor& y = s[2];
        const Tensor& idx = s[3];
        const Tensor scattered_to = scatter(zeros_like(x), d, idx, Scalar(1)).gt(0);
        const Tensor self_wins =
            include_self ? x.eq(y) : x.eq(y).logical_and(scattered_to.logical_not());
        const Tensor src_wins = v.eq(y.gather(d, idx)).to(g[0].dtype());
        const Tensor count = scatter_add(self_wins.to(g[0].dtype()), d, idx, src_wins).clamp_min(1);
        const Tensor share = g[0] / count;
        return detail::variable_list{
            detail::needs_grad(node, 0) ? share * self_wins.to(g[0].dtype()) : Tensor(),
            detail::needs_grad(node, 1) ? share.gather(d, idx) * src_wins : Tensor()};
      },
      // The tangents of the winners averaged, as the backward shares the gradient.
      [d, include_self](const detail::variable_list& t, const detail::variable_list& s) {
        const Tensor& x = s[0];
        const Tensor& y = s[2];
        const Tensor& idx = s[3];
        const ScalarType type = y.dtype();
        const Tensor scattered_to = scatter(zeros_like(x), d, idx, Scalar(1)).gt(0);
        const Tensor self_wins =
            (include_self ? x.eq(y) : x.eq(y).logical_and(scattered_to.logical_not())).to(type);
        const Tensor src_wins = used_part(s[1], idx).eq(y.gather(d, idx)).to(type);
        const Tensor count = scatter_add(self_wins, d, idx, src_wins).clamp_min(1);
        Tensor sum = t[0].defined() ? t[0] * self_wins : Tensor();
        if (t[1].defined())
          sum = detail::add_tangents(
              sum, zeros_like(y).scatter_add(d, idx, used_part(t[1], idx) * src_wins));
        return detail::variable_list{sum / count};
      });
  return out;
}

Tensor Tensor::scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src,
                              std::string_view reduce, bool include_self) const {
  return ember::scatter_reduce(*this, dim, index, src, reduce, include_self);
}
Tensor& Tensor::scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src,
                                std::string_view reduce, bool include_self) const {
  return detail::write_back(self(), "scatter_reduce_", {&index, &src}, [&](const Tensor& x) {
    return ember::scatter_reduce(x, dim, index, src, reduce, include_self);
  });
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
  Tensor view;                  // after integers, slices, None and Ellipsis
  std::vector<int64_t> dims;    // the dims of view that index tensors apply to, in order
  std::vector<Tensor> tensors;  // one integer index tensor per dim (masks become these)
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
  // After the count, as torch: t[::-1, 0, 0, 0] on a 3-dim t is an IndexError.
  for (const auto& i : indices)
    if (i.kind() == TensorIndex::Kind::Slice)
      EMBER_CHECK_VALUE(i.slice().step() > 0, "step must be greater than zero");
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
          // A mask over the next t.dim() dims picks the positions where it holds: one integer
          // index per dim it covers.
          for (int64_t k = 0; k < t.dim(); ++k)
            EMBER_CHECK_INDEX(t.size(k) == r.view.size(d + k),
                              "index: the shape of the mask {} at index {} does not match the "
                              "shape of the indexed tensor {} at index {}",
                              t.sizes(), k, r.view.sizes(), d + k);
          const Tensor positions = t.dim() == 0 ? Tensor() : t.nonzero();
          if (t.dim() == 0) {  // a 0-D mask adds a dim of size 1 or 0, as a bool does
            r.view = r.view.unsqueeze(d);
            if (!t.item<bool>()) r.view = r.view.slice(d, 0, 0);
            ++d;
            break;
          }
          for (int64_t k = 0; k < t.dim(); ++k) {
            r.dims.push_back(d + k);
            r.tensors.push_back(positions.select(1, k));
          }
          d += t.dim();
        } else {
          EMBER_CHECK_INDEX(t.dtype() == kInt64 || t.dtype() == kInt32,
                            "index: tensors used as indices must be long, int or bool tensors "
                            "(got {})",
                            dtype_legacy_name(t.dtype()));
          r.dims.push_back(d);
          r.tensors.push_back(t);
          ++d;
        }
        break;
      }
    }
  }
  return r;
}

// The view with the indexed dims made one: `flat` has them flattened into dim `start` (moved to
// the front first unless they are adjacent, as numpy and torch place the result), `linear` the
// row-major position within them (int64, in the broadcast shape of the index tensors, `shape`).
struct Flattened {
  Tensor moved;  // the view with the indexed dims at start..start+k-1 (a view of self)
  Tensor flat;
  int64_t start = 0;
  Tensor linear;
  DimVector shape;
};

Flattened flatten_indexed(const IndexResult& r) {
  Flattened f;
  const int64_t k = static_cast<int64_t>(r.dims.size());
  bool adjacent = true;
  for (int64_t j = 1; j < k; ++j) adjacent = adjacent && r.dims[j] == r.dims[j - 1] + 1;
  if (adjacent) {
    f.moved = r.view;
    f.start = r.dims[0];
  } else {
    DimVector front;
    for (int64_t j = 0; j < k; ++j) front.push_back(j);
    f.moved = r.view.movedim(IntArrayRef(r.dims.data(), r.dims.size()), front);
    f.start = 0;
  }
  for (size_t j = 1; j < r.tensors.size(); ++j) {
    const IntArrayRef a = r.tensors[0].sizes(), b = r.tensors[j].sizes();
    bool fits = true;
    for (size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
      const int64_t x = a[a.size() - i], y = b[b.size() - i];
      fits = fits && (x == y || x == 1 || y == 1);
    }
    EMBER_CHECK_INDEX(fits,
                      "index: shape mismatch: indexing tensors could not be broadcast together "
                      "with shapes {}, {}",
                      a, b);
  }
  const std::vector<Tensor> indices = broadcast_tensors(r.tensors);
  f.shape.assign(indices[0].sizes().begin(), indices[0].sizes().end());
  Tensor linear = zeros(f.shape, TensorOptions(kInt64).device(r.view.device()));
  for (int64_t j = 0; j < k; ++j) {
    const int64_t size = f.moved.size(f.start + j);
    linear = linear * size + wrap_python_indices(indices[j], size, r.dims[j]);
  }
  f.linear = linear.reshape({-1});
  f.flat = f.moved.flatten(f.start, f.start + k - 1);
  return f;
}

// The result of indexing `flat` at `linear` along dim start, with that dim shaped as `shape`.
Tensor unflatten_result(const Tensor& picked, int64_t start, IntArrayRef shape) {
  DimVector sizes;
  for (int64_t i = 0; i < start; ++i) sizes.push_back(picked.size(i));
  for (int64_t s : shape) sizes.push_back(s);
  for (int64_t i = start + 1; i < picked.dim(); ++i) sizes.push_back(picked.size(i));
  return picked.sizes() == IntArrayRef(sizes) ? picked : picked.reshape(sizes);
}

// Writes value (broadcast to the indexing result) at the indexed positions of r.view, or adds it
// there with accumulate: out of place on the flattened view, then copied back through the view.
void put_indexed(const IndexResult& r, const Tensor& value, bool accumulate) {
  const Flattened f = flatten_indexed(r);
  DimVector result_shape;
  for (int64_t i = 0; i < f.start; ++i) result_shape.push_back(f.flat.size(i));
  for (int64_t s : f.shape) result_shape.push_back(s);
  for (int64_t i = f.start + 1; i < f.flat.dim(); ++i) result_shape.push_back(f.flat.size(i));
  bool fits = value.dim() <= static_cast<int64_t>(result_shape.size());
  for (int64_t i = 1; fits && i <= value.dim(); ++i) {
    const int64_t v = value.size(-i), want = result_shape[result_shape.size() - i];
    fits = v == want || v == 1;
  }
  EMBER_CHECK(fits,
              "index_put_: shape mismatch: value tensor of shape {} cannot be broadcast to "
              "indexing result of shape {}",
              value.sizes(), result_shape);
  DimVector flat_shape(f.flat.sizes().begin(), f.flat.sizes().end());
  flat_shape[f.start] = f.linear.numel();
  const Tensor values = value.to(r.view.dtype()).expand(result_shape).reshape(flat_shape);
  const Tensor updated = accumulate ? index_add(f.flat, f.start, f.linear, values)
                                    : index_copy(f.flat, f.start, f.linear, values);
  f.moved.copy_(updated.reshape(f.moved.sizes()));
}
}  // namespace

Tensor Tensor::index(ArrayRef<indexing::TensorIndex> indices) const {
  IndexResult r = apply_indices(*this, indices);
  if (r.tensors.empty()) return r.view;
  const Flattened f = flatten_indexed(r);
  return unflatten_result(f.flat.index_select(f.start, f.linear), f.start, f.shape);
}
Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return index(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()));
}

Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& value,
                           bool accumulate) const {
  IndexResult r = apply_indices(self(), indices);
  // As LibTorch's index_put_ (set_item) and Python's t[...] = v, the value's leading size-1 dims
  // are dropped first, so t[0] = row[None] writes the row. (The accumulating form is the
  // index_put_ of tensor indices, which keeps them.)
  Tensor v = value;
  while (!accumulate && v.dim() > 0 && v.size(0) == 1) v = v.select(0, 0);
  if (r.tensors.empty()) {
    if (accumulate)
      r.view.add_(v);
    else
      r.view.copy_(v);
    return self();
  }
  put_indexed(r, v, accumulate);
  return self();
}
Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Scalar& value) const {
  IndexResult r = apply_indices(self(), indices);
  if (r.tensors.empty()) {
    r.view.fill_(value);
    return self();
  }
  put_indexed(r, full({}, value, r.view.options()), false);
  return self();
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Tensor& value, bool accumulate) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()), value,
                    accumulate);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Scalar& value) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices.begin(), indices.size()), value);
}

}  // namespace ember
