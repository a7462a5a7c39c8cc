// Reductions composed of the primitive ones: NaN-skipping sums and means, the paired
// (var, mean) forms and aminmax. Their gradients come from the ops they are made of.
#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {

Tensor nansum(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  const Tensor kept = t.is_floating_point() ? where(t.isnan(), 0.0, t) : t;
  return dim.empty() && !keepdim ? kept.sum(dtype) : kept.sum(dim, keepdim, dtype);
}

Tensor nanmean(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  EMBER_CHECK(t.is_floating_point() || (dtype && is_floating_point(*dtype)),
              "nanmean(): expected input to have floating point dtype but got {}",
              dtype_legacy_name(t.dtype()));
  const Tensor count = t.isnan().logical_not().sum(dim, keepdim);
  return nansum(t, dim, keepdim, dtype) / count;
}

std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  return {t.var(dim, unbiased, keepdim), dim.empty() && !keepdim ? t.mean() : t.mean(dim, keepdim)};
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  return {t.std(dim, unbiased, keepdim), dim.empty() && !keepdim ? t.mean() : t.mean(dim, keepdim)};
}

std::tuple<Tensor, Tensor> aminmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  EMBER_CHECK(t.numel() > 0 || dim,
              "aminmax(): cannot compute aminmax over an empty dimension "
              "as the operation has no identity.");
  if (!dim) {
    if (!keepdim) return {t.amin(), t.amax()};
    DimVector ones(static_cast<size_t>(t.dim()), 1);
    return {t.amin().reshape(ones), t.amax().reshape(ones)};
  }
  const int64_t d = t.dim() == 0 ? detail::wrap_dim(*dim, 1, "aminmax") : *dim;
  if (t.dim() == 0) return {t.clone(), t.clone()};
  return {t.amin({d}, keepdim), t.amax({d}, keepdim)};
}

Tensor Tensor::nansum(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::nansum(*this, dim, keepdim, dtype);
}
Tensor Tensor::nanmean(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::nanmean(*this, dim, keepdim, dtype);
}
std::tuple<Tensor, Tensor> Tensor::aminmax(std::optional<int64_t> dim, bool keepdim) const {
  return ember::aminmax(*this, dim, keepdim);
}

}  // namespace ember
