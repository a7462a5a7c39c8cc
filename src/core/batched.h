#pragma once
// The geometry of batched tensors (Note [Batched tensors] in batched.cpp): turning a tensor's
// hidden vmap dims into visible ones and back. Pure geometry: nothing here allocates or copies.
#include <atomic>

#include "ember/core/tensor.h"

namespace ember::detail {

/// Transform runs: each run of a transformed function (vmap's batched run; grad's, vjp's and
/// jvp's) gets a fresh, increasing number, and the tensors made during it are stamped with the
/// innermost run's (TensorImpl::vmap_run). A tensor made before a run began has a smaller stamp:
/// that is how writes into captured tensors are told from writes into the run's own.
enum class RunKind { kBatched, kGrad };
/// This thread's innermost runs: the stamp for new tensors and the innermost run of each kind.
struct RunScope {
  uint64_t stamp = 0;
  uint64_t batched = 0;
  uint64_t grad = 0;
};
/// The stamp for tensors made now on this thread (0: outside every run).
uint64_t current_vmap_run();
/// Starts a run of `kind` with a fresh number; returns the scope to restore with end_run.
RunScope begin_run(RunKind kind);
void end_run(const RunScope& enclosing);
/// The innermost run of `kind` in progress on this thread (0: none).
uint64_t innermost_run(RunKind kind);
/// True inside a run of `kind` when t, or the tensor it is a view of, was made before it began.
bool made_before_run(const Tensor& t, RunKind kind);
/// t's stamp on the view or copy of geometry `view` made from it.
inline void same_run(const Tensor& view, const Tensor& t) {
  view.unsafe_impl()->set_vmap_run(t.unsafe_impl()->vmap_run());
}

/// How many vmap calls are in progress, on any thread. Batched tensors live only inside one,
/// and its per-entry loop counts random draws through the same table (random_draws), so kernel
/// dispatch skips the batching rules while this is 0.
extern std::atomic<int> vmaps_live;

/// True when some defined tensor among ts is batched.
inline bool any_batched(ArrayRef<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->defined() && t->unsafe_impl()->is_batched()) return true;
  return false;
}

/// The hidden dims of all the defined tensors among ts, one per level, outermost first.
BatchDims merged_batch_dims(ArrayRef<const Tensor*> ts);

/// t as a plain tensor with dims's levels as its leading dims (where t has no such level, a
/// stride-0 dim of that size) and then rank dims: t's own, after size-1 dims for those it lacks.
/// A kernel given such views for all its operands computes every entry at once. dims must hold
/// every level t has.
Tensor physical(const Tensor& t, const BatchDims& dims, int64_t rank);

/// t with its hidden dims made visible in front: every entry at once, as a plain tensor (for
/// checks over all the entries' values). t itself when it is not batched.
Tensor all_entries(const Tensor& t);

/// The visible dim `dim` of t hidden as vmap level `level`, above t's own hidden dims.
Tensor hide_dim(const Tensor& t, int64_t dim, int64_t level);

/// t's hidden dim of level `level` made visible at `dim` (t's other hidden dims stay hidden).
Tensor reveal_dim(const Tensor& t, int64_t level, int64_t dim);

/// True when t hides a dim of level `level`.
bool has_level(const Tensor& t, int64_t level);

}  // namespace ember::detail
