// In-place writes under autograd, and the history of views.
//
// Note [View histories]
// A view shares its base's memory, so an in-place write through either changes both. Autograd
// follows PyTorch's scheme: a write through a view rebases the base's history onto a CopySlices
// node (the base's old gradient outside the view, the in-place result's gradient inside it);
// every view remembers the storage version at which its grad_fn was last valid, and when the
// version has moved on, its grad_fn is regenerated as an as_strided of the base's current
// history. Gradients between a view and its base are computed in storage coordinates, with
// gather and scatter_add, so any strided geometry works and the result stays differentiable.
#include "ops/in_place.h"

#include <algorithm>
#include <mutex>

#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {

namespace detail {
namespace {

// The span of storage covering two geometries.
struct Extent {
  int64_t origin = 0;
  int64_t size = 0;
};

int64_t numel_of(const Geometry& g) {
  int64_t n = 1;
  for (int64_t s : g.sizes) n *= s;
  return n;
}

// One past the last element; the offset for an empty geometry.
int64_t end_of(const Geometry& g) {
  if (numel_of(g) == 0) return g.offset;
  int64_t last = g.offset;
  for (size_t i = 0; i < g.sizes.size(); ++i) last += (g.sizes[i] - 1) * g.strides[i];
  return last + 1;
}

Extent extent_of(const Geometry& a, const Geometry& b) {
  const int64_t origin = std::min(a.offset, b.offset);
  return {origin, std::max(end_of(a), end_of(b)) - origin};
}

// The storage position (counted from the extent's origin) of each element of g, flattened.
Tensor positions(const Geometry& g, const Extent& e) {
  NoGradGuard no_grad;
  return arange(e.size, TensorOptions(kInt64))
      .as_strided(g.sizes, g.strides, g.offset - e.origin)
      .reshape({-1});
}

// The gradient of a tensor at `pos`, spread over the extent (elements sharing memory add up).
Tensor to_storage(const Tensor& grad, const Tensor& pos, const Extent& e) {
  return zeros({e.size}, grad.options()).scatter_add(0, pos, grad.reshape({-1}));
}

// The elements at `pos` of a gradient spread over storage, shaped as sizes.
Tensor from_storage(const Tensor& flat, const Tensor& pos, IntArrayRef sizes) {
  return flat.gather(0, pos).view(sizes);
}

}  // namespace

Geometry Geometry::of(const Tensor& t) {
  return {DimVector(t.sizes().begin(), t.sizes().end()),
          DimVector(t.strides().begin(), t.strides().end()), t.storage_offset()};
}

Tensor view_grad_to_base(const Tensor& grad_view, const Geometry& view, const Geometry& base) {
  const Extent e = extent_of(view, base);
  return from_storage(to_storage(grad_view, positions(view, e), e), positions(base, e), base.sizes);
}

Tensor shared_memory_counts(const Geometry& g, const TensorOptions& options) {
  // Dims taken by increasing stride: none overlap when each stride steps past everything the
  // smaller-strided dims cover.
  std::vector<size_t> order(g.sizes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return g.strides[a] < g.strides[b]; });
  int64_t covered = 0;
  bool overlaps = false;
  for (size_t i : order) {
    if (g.sizes[i] <= 1) continue;
    if (g.strides[i] <= covered) overlaps = true;
    covered += (g.sizes[i] - 1) * g.strides[i];
  }
  if (!overlaps) return {};
  NoGradGuard no_grad;
  const Extent e = extent_of(g, g);
  const Tensor pos = positions(g, e);
  const Tensor counts = to_storage(ones(g.sizes, options), pos, e);
  if (counts.numel() == 0 || counts.max().item<double>() <= 1) return {};
  return from_storage(counts, pos, g.sizes);
}

bool in_place_needs_history(const Tensor& t, const char* op,
                            std::initializer_list<const Tensor*> sources) {
  check_not_captured(t, op);
  check_no_overlap(t, op);
  for (const Tensor* s : sources) check_no_partial_overlap(t, *s, op);
  // An integer or bool destination holds no gradient, whatever it is computed from (torch
  // records nothing there either).
  if (!t.is_floating_point()) return false;
  // Under a dual level, the out-of-place route also gives the result its tangent.
  bool tangents = autograd::forward_ad_enabled() && autograd::fw_grad(t).defined();
  for (const Tensor* s : sources) tangents = tangents || autograd::any_fw_grad({s});
  if (!GradMode::is_enabled()) return tangents;
  const bool self_requires = t.requires_grad();
  EMBER_CHECK(!(self_requires && t.is_leaf()),
              "a leaf Variable that requires grad is being used in an in-place operation.");
  bool needed = self_requires;
  for (const Tensor* s : sources) needed = needed || (s->defined() && s->requires_grad());
  if (TensorImpl* base_impl = t.unsafe_impl()->view_base()) {
    const Tensor base(IntrusivePtr<TensorImpl>{base_impl});
    EMBER_CHECK(!(t.unsafe_impl()->view_made_without_grad() && (needed || base.requires_grad())),
                "A view was created in no_grad mode and is being modified inplace with grad mode "
                "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
                "You can clarify your code by moving both the view and the inplace either both "
                "inside the no_grad block (if you don't want the inplace to be tracked) or both "
                "outside (if you want the inplace to be tracked).");
    EMBER_CHECK(!(needed && base.is_leaf() && base.requires_grad()),
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.");
  }
  return needed || tangents;
}

Tensor history_input(const Tensor& t, bool copy) {
  Tensor old;
  {
    NoGradGuard no_grad;
    old = copy ? t.clone() : t.variable_data();
  }
  if (const auto* meta = autograd::get_meta(t); meta && meta->grad_fn_) {
    auto& old_meta = autograd::ensure_meta(old);
    old_meta.grad_fn_ = meta->grad_fn_;
    old_meta.output_nr_ = meta->output_nr_;
  }
  if (Tensor tangent = autograd::fw_grad(t); tangent.defined()) autograd::set_fw_grad(old, tangent);
  return old;
}

// An in-place op's tangent is the out-of-place result's (zero when it has none, as after fill_).
// It replaces t's tangent rather than being written into it: tangents may share memory (a JVP
// can hand back an input's tangent itself). A view's base gets its tangent through CopySlices.
void commit_tangent(const Tensor& t, const Tensor& result) {
  if (!autograd::forward_ad_enabled()) return;
  const Tensor from = autograd::fw_grad(result);
  if (!from.defined() && !autograd::fw_grad(t).defined()) return;
  autograd::ForwardADDisabledGuard plain;
  autograd::set_fw_grad(t, from.defined() ? from.to(t.dtype()) : zeros_like(t));
}

Tensor& commit_in_place(Tensor& t, const Tensor& result) {
  check_batched_in_place(t, {&result}, "in-place op");
  {
    NoGradGuard no_grad;
    kernels_for(t).copy(t, result);
  }
  t.impl()->storage()->bump_version();
  commit_tangent(t, result);
  TensorImpl* base_impl = t.unsafe_impl()->view_base();
  if (!base_impl) {
    const auto* from = autograd::get_meta(result);
    auto& meta = autograd::ensure_meta(t);
    meta.grad_fn_ = from ? from->grad_fn_ : nullptr;
    meta.output_nr_ = from ? from->output_nr_ : 0;
    return t;
  }
  const Tensor base(IntrusivePtr<TensorImpl>{base_impl});
  const Geometry base_geometry = Geometry::of(base), view_geometry = Geometry::of(t);
  // d/d(base) = the gradient outside the view; d/d(result) = the gradient inside it.
  record("CopySlices", {&base, &result}, {&base}, {},
         [base_geometry, view_geometry](auto& node, auto& g, auto&) {
           const Extent e = extent_of(base_geometry, view_geometry);
           const Tensor flat = to_storage(g[0], positions(base_geometry, e), e);
           Tensor grad_base, grad_result;
           if (needs_grad(node, 0)) {
             Tensor outside;
             {
               NoGradGuard no_grad;
               outside = ones({e.size}, g[0].options());
               outside
                   .as_strided(view_geometry.sizes, view_geometry.strides,
                               view_geometry.offset - e.origin)
                   .fill_(0);
             }
             grad_base =
                 from_storage(flat * outside, positions(base_geometry, e), base_geometry.sizes);
           }
           if (needs_grad(node, 1))
             grad_result = from_storage(flat, positions(view_geometry, e), view_geometry.sizes);
           return variable_list{grad_base, grad_result};
         });
  regenerate_view_history(t);
  return t;
}

namespace {

// Note [View histories], threads: reading a view (requires_grad, grad_fn, using it in an op) may
// regenerate its grad_fn, and several threads may read one view at once. Regeneration happens
// under this lock and publishes the new view version only after the new grad_fn is in place, so
// a reader that sees the current version also sees its history (PyTorch also locks here).
// Recursive, so a regeneration that reaches another view's regeneration cannot deadlock.
std::recursive_mutex view_history_mutex;

void regenerate_locked(const Tensor& view) {
  TensorImpl* impl = view.unsafe_impl();
  const uint32_t version = impl->storage()->version();
  const Tensor base(IntrusivePtr<TensorImpl>{impl->view_base()});
  if (!impl->view_made_without_grad() && base.requires_grad()) {
    AutoGradMode enable(true);
    const Tensor fresh = base.as_strided(view.sizes(), view.strides(), view.storage_offset());
    const autograd::AutogradMeta* from = autograd::get_meta(fresh);
    autograd::AutogradMeta& meta = autograd::ensure_meta(view);
    meta.grad_fn_ = from->grad_fn_;
    meta.output_nr_ = from->output_nr_;
  }
  impl->set_view_version(version);
}

}  // namespace

void regenerate_view_history(const Tensor& view) {
  std::lock_guard<std::recursive_mutex> lock(view_history_mutex);
  regenerate_locked(view);
}

void rebuild_view_history(const Tensor& view) {
  std::lock_guard<std::recursive_mutex> lock(view_history_mutex);
  // Another thread may have regenerated it while this one waited.
  const TensorImpl* impl = view.unsafe_impl();
  if (impl->view_version() != impl->storage()->version()) regenerate_locked(view);
}

}  // namespace detail
}  // namespace ember
