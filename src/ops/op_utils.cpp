#include "ops/op_utils.h"

#include <algorithm>
#include <vector>

#include "core/batched.h"
#include "graph/history.h"
#include "ops/in_place.h"

#include "ember/autograd/grad_mode.h"

namespace ember::detail {

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);
  EMBER_CHECK_INDEX(dim >= -n && dim < n,
                    "{}: Dimension out of range (expected to be in range of [{}, {}], but got {})",
                    op, -n, n - 1, dim);
  return dim < 0 ? dim + n : dim;
}

Tensor scalar_tensor(const Scalar& value, ScalarType dtype, Device device) {
  Tensor t = empty({}, TensorOptions(dtype).device(device));
  kernels(device.type()).fill(t, value);
  return t;
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device(),
              "{}: Expected all tensors to be on the same device, but found at least two "
              "devices, {} and {}!",
              op, a.device().str(), b.device().str());
}

void check_no_overlap(const Tensor& t, const char* op) {
  // Under vmap the hidden dims count too: an expanded batched tensor shares one memory location
  // between its entries.
  const Tensor all = t.unsafe_impl()->is_batched() ? all_entries(t) : t;
  for (int64_t d = 0; d < all.dim(); ++d)
    EMBER_CHECK(all.strides()[d] != 0 || all.sizes()[d] <= 1,
                "{}: unsupported operation: more than one element of the written-to tensor "
                "refers to a single memory location. Please clone() the tensor before "
                "performing the operation.",
                op);
}

namespace {

// Whether t's elements fill a block of memory exactly once, in some order of its dims.
bool non_overlapping_and_dense(const Tensor& t) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of the dims that matter
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) dims.emplace_back(t.strides()[d], t.sizes()[d]);
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

}  // namespace

void check_no_partial_overlap(const Tensor& out, const Tensor& in, const char* op) {
  if (!in.defined() || out.numel() == 0 || in.numel() == 0) return;
  if (out.impl()->storage().get() != in.impl()->storage().get()) return;
  if (out.data_ptr() == in.data_ptr() && out.sizes() == in.sizes() && out.strides() == in.strides())
    return;  // the same elements: x.add_(x) is well defined
  if (!non_overlapping_and_dense(out) || !non_overlapping_and_dense(in)) return;
  const auto* o = static_cast<const char*>(out.data_ptr());
  const auto* i = static_cast<const char*>(in.data_ptr());
  const bool overlap = o < i + in.nbytes() && i < o + out.nbytes();
  EMBER_CHECK(!overlap,
              "{}: unsupported operation: some elements of the input tensor and the written-to "
              "tensor refer to a single memory location. Please clone() the tensor before "
              "performing the operation.",
              op);
}

void check_can_cast(ScalarType result, ScalarType out, const char* op) {
  auto category = [](ScalarType t) { return t == kBool ? 0 : is_integral(t) ? 1 : 2; };
  EMBER_CHECK(category(result) <= category(out),
              "{}: result type {} can't be cast to the desired output type {}", op,
              dtype_legacy_name(result), dtype_legacy_name(out));
}

void check_out(const Tensor& out, IntArrayRef shape, ScalarType result, Device device,
               const char* op, std::initializer_list<const Tensor*> inputs) {
  if (GradMode::is_enabled())
    for (const Tensor* t : inputs)
      EMBER_CHECK(!t->requires_grad(),
                  "{}(): functions with out=... arguments don't support automatic "
                  "differentiation, but one of the arguments requires grad.",
                  op);
  EMBER_CHECK(out.device() == device, "{}: out is on {} but the inputs are on {}", op,
              out.device().str(), device.str());
  EMBER_CHECK(out.sizes() == shape, "{}: out has shape {} but the result has shape {}", op,
              out.sizes(), shape);
  check_can_cast(result, out.dtype(), op);
  EMBER_CHECK(!(GradMode::is_enabled() && out.requires_grad()),
              "{}(): functions with out=... arguments don't support automatic differentiation, "
              "but one of the arguments requires grad.",
              op);
  check_no_overlap(out, op);
}

void check_not_captured(const Tensor& self, const char* op, const char* suffix) {
  EMBER_CHECK(!made_before_run(self, RunKind::kGrad),
              "During a grad (vjp, jvp, grad, etc) transform, the function provided attempted to "
              "call in-place operation ({}{}) that would mutate a captured Tensor. This is not "
              "supported; please rewrite the function being transformed to explicitly accept the "
              "mutated Tensor(s) as inputs.",
              op, suffix);
}

void check_batched_in_place(const Tensor& self, std::initializer_list<const Tensor*> inputs,
                            const char* op) {
  if (!any_batched(inputs)) return;
  const BatchDims mine = merged_batch_dims({&self});
  for (const BatchDim& d : merged_batch_dims(inputs)) {
    bool found = false;
    for (const BatchDim& m : mine) found = found || m.level == d.level;
    // An op's own temporary (made in this batched run) just lacks a rule: run per entry.
    if (!found && innermost_run(RunKind::kBatched) != 0 &&
        !made_before_run(self, RunKind::kBatched))
      throw NoBatchingRule(fmt::format("vmap: {} wrote a batched value into a temporary", op));
    EMBER_CHECK(found,
                "vmap: {}: inplace arithmetic(self, *extra_args) is not possible because there "
                "exists a Tensor `other` in extra_args that has more elements than `self`. This "
                "happened due to `other` being vmapped over but `self` not being vmapped over in "
                "a vmap. Please try to use out-of-place operators instead of inplace arithmetic.",
                op);
  }
}

Tensor empty_for(IntArrayRef shape, const TensorOptions& options, ArrayRef<const Tensor*> inputs) {
  if (!any_batched(inputs)) return empty(shape, options);
  const BatchDims dims = merged_batch_dims(inputs);
  DimVector full;
  for (const BatchDim& d : dims) full.push_back(d.size);
  full.insert(full.end(), shape.begin(), shape.end());
  Tensor out = empty(full, options);
  for (const BatchDim& d : dims) out = hide_dim(out, 0, d.level);
  return out;
}

Tensor batched_clone(const Tensor& t, ArrayRef<const Tensor*> others) {
  if (!any_batched(others)) return t.clone();
  std::vector<const Tensor*> all(others.begin(), others.end());
  all.push_back(&t);
  Tensor out = empty_for(t.sizes(), t.options(), all);
  kernels_for(t).copy(out, t);
  return out;
}

Tensor batched_to_hold(const Tensor& out, ArrayRef<const Tensor*> others) {
  if (!any_batched(others)) return out;
  std::vector<const Tensor*> all(others.begin(), others.end());
  all.push_back(&out);
  if (merged_batch_dims(all).size() == merged_batch_dims({&out}).size()) return out;
  return batched_clone(out, others);
}

Tensor restride(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  Tensor view(
      IntrusivePtr<TensorImpl>::make(t.impl()->storage(), t.dtype(), sizes, strides, offset));
  // The same view of every entry of a batched tensor (Note [Batched tensors]).
  view.unsafe_impl()->set_batch_dims(t.unsafe_impl()->batch_dims());
  same_run(view, t);
  return view;
}

Tensor make_view(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  // Reading a view after an in-place write rebuilds its history, which graph/ leaves to us.
  static const bool rebuild_installed =
      (autograd::set_view_history_rebuild(&rebuild_view_history), true);
  (void)rebuild_installed;
  Tensor view = restride(t, sizes, strides, offset);
  view.unsafe_impl()->set_view_base(t.unsafe_impl(), !GradMode::is_enabled());
  return view;
}

namespace {
std::optional<ScalarType> promote(std::optional<ScalarType> a, ScalarType b) {
  return a ? promote_types(*a, b) : b;
}
int category(ScalarType t) { return t == kBool ? 0 : is_integral(t) ? 1 : 2; }
// The higher-ranked result wins unless the lower one is of a higher category.
std::optional<ScalarType> combine(std::optional<ScalarType> higher,
                                  std::optional<ScalarType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  return category(*lower) > category(*higher) ? promote_types(*higher, *lower) : *higher;
}
}  // namespace

ResultType& ResultType::add(const Tensor& t) {
  if (t.dim() > 0)
    dim_ = promote(dim_, t.dtype());
  else
    zero_dim_ = promote(zero_dim_, t.dtype());
  return *this;
}

ResultType& ResultType::add(const Scalar& s) {
  // A wrapped Python/C++ float takes the default dtype, as in PyTorch.
  wrapped_ = promote(wrapped_, s.is_floating_point() ? get_default_dtype() : s.type());
  return *this;
}

ScalarType ResultType::get() const { return combine(dim_, combine(zero_dim_, wrapped_)).value(); }

}  // namespace ember::detail
