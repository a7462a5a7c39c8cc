#include "core/batched.h"

#include <algorithm>
#include <atomic>

namespace ember::detail {

// Note [Batched tensors]
// Inside vmap a tensor stands for a batch of tensors, one per entry of the mapped dim, while
// every op sees one entry's shape. The batch lives in the same storage: the TensorImpl's sizes,
// strides and offset describe the first entry, and each hidden dim (BatchDim) says how far apart
// its entries lie. Two things follow.
// - A view of a batched tensor is computed on the first entry's geometry and is the same view of
//   every other entry shifted along the hidden dims, so every view op (view, transpose, select,
//   expand, as_strided, ...) batches for free: restride() and detach keep the hidden dims.
// - An op that computes needs a batching rule. The kernel table holds them (kernels/batching.cpp):
//   its elementwise, reduction, scan, sort and matrix kernels get physical() views with the hidden
//   dims in front, so one kernel call computes every entry. Ops allocate their outputs batched
//   when an input is (empty_for in ops/op_utils.h), and record their autograd history on the
//   batched tensors, so backward formulas run batched too (vmap of grad). Kernels that cannot
//   take extra leading dims (im2col, the pools, searchsorted, attention, the fused Adam step)
//   run once per entry on its slices, still inside the one batched call of the function.
// Code outside the kernel table that reads a batched tensor's values (item(), printing, ops that
// read data to size their result) reaches TensorImpl::data(), which raises NoBatchingRule; vmap
// then runs the whole function once per entry (func::vmap). Levels number the
// nested vmaps, so vmap(vmap(f)) hides two dims and each vmap reveals only its own.

namespace {
bool batched(const Tensor* t) { return t->defined() && t->unsafe_impl()->is_batched(); }

const BatchDim* find_level(const Tensor& t, int64_t level) {
  const auto& dims = t.unsafe_impl()->batch_dims();
  if (!dims) return nullptr;
  for (const BatchDim& d : *dims)
    if (d.level == level) return &d;
  return nullptr;
}

Tensor with_geometry(const Tensor& t, IntArrayRef sizes, IntArrayRef strides,
                     std::shared_ptr<const BatchDims> dims) {
  Tensor out(IntrusivePtr<TensorImpl>::make(t.unsafe_impl()->storage(), t.dtype(), sizes, strides,
                                            t.storage_offset()));
  out.unsafe_impl()->set_batch_dims(std::move(dims));
  same_run(out, t);
  return out;
}
}  // namespace

namespace {
thread_local RunScope runs;
std::atomic<uint64_t> runs_started{0};

uint64_t& innermost(RunKind kind) { return kind == RunKind::kBatched ? runs.batched : runs.grad; }
}  // namespace

std::atomic<int> vmaps_live{0};

uint64_t current_vmap_run() { return runs.stamp; }

RunScope begin_run(RunKind kind) {
  const RunScope enclosing = runs;
  runs.stamp = ++runs_started;
  innermost(kind) = runs.stamp;
  return enclosing;
}

void end_run(const RunScope& enclosing) { runs = enclosing; }

uint64_t innermost_run(RunKind kind) { return innermost(kind); }

bool made_before_run(const Tensor& t, RunKind kind) {
  const uint64_t start = innermost(kind);
  if (start == 0) return false;
  const TensorImpl* base = t.unsafe_impl()->view_base();
  return t.unsafe_impl()->vmap_run() < start || (base && base->vmap_run() < start);
}

bool has_level(const Tensor& t, int64_t level) { return find_level(t, level) != nullptr; }

BatchDims merged_batch_dims(ArrayRef<const Tensor*> ts) {
  BatchDims out;
  for (const Tensor* t : ts) {
    if (!batched(t)) continue;
    for (const BatchDim& d : *t->unsafe_impl()->batch_dims()) {
      auto at = std::find_if(out.begin(), out.end(),
                             [&](const BatchDim& o) { return o.level >= d.level; });
      if (at != out.end() && at->level == d.level) continue;
      out.insert(at, BatchDim{d.level, d.size, 0});
    }
  }
  return out;
}

Tensor physical(const Tensor& t, const BatchDims& dims, int64_t rank) {
  const int64_t pad = rank - t.dim();
  if (pad < 0) throw NoBatchingRule("vmap: an operand has more dims than the kernel's result");
  DimVector sizes, strides;
  for (const BatchDim& d : dims) {
    const BatchDim* own = find_level(t, d.level);
    sizes.push_back(d.size);
    strides.push_back(own ? own->stride : 0);
  }
  for (int64_t i = 0; i < pad; ++i) {
    sizes.push_back(1);
    strides.push_back(0);
  }
  sizes.insert(sizes.end(), t.sizes().begin(), t.sizes().end());
  strides.insert(strides.end(), t.strides().begin(), t.strides().end());
  return with_geometry(t, sizes, strides, nullptr);
}

Tensor all_entries(const Tensor& t) {
  if (!t.unsafe_impl()->is_batched()) return t;
  return physical(t, *t.unsafe_impl()->batch_dims(), t.dim());
}

Tensor hide_dim(const Tensor& t, int64_t dim, int64_t level) {
  auto dims = std::make_shared<BatchDims>();
  if (t.unsafe_impl()->is_batched()) *dims = *t.unsafe_impl()->batch_dims();
  dims->push_back(BatchDim{level, t.sizes()[dim], t.strides()[dim]});
  std::sort(dims->begin(), dims->end(),
            [](const BatchDim& a, const BatchDim& b) { return a.level < b.level; });
  DimVector sizes(t.sizes().begin(), t.sizes().end());
  DimVector strides(t.strides().begin(), t.strides().end());
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return with_geometry(t, sizes, strides, std::move(dims));
}

Tensor reveal_dim(const Tensor& t, int64_t level, int64_t dim) {
  const BatchDim* d = find_level(t, level);
  DimVector sizes(t.sizes().begin(), t.sizes().end());
  DimVector strides(t.strides().begin(), t.strides().end());
  sizes.insert(sizes.begin() + dim, d->size);
  strides.insert(strides.begin() + dim, d->stride);
  std::shared_ptr<BatchDims> rest;
  for (const BatchDim& other : *t.unsafe_impl()->batch_dims()) {
    if (other.level == level) continue;
    if (!rest) rest = std::make_shared<BatchDims>();
    rest->push_back(other);
  }
  return with_geometry(t, sizes, strides, std::move(rest));
}

}  // namespace ember::detail
