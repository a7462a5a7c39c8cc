#pragma once
/// Running reductions along a dim (cumsum is in ember/ops/reduce.h): products, extremes with
/// their positions, and log-sum-exp.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// Running products along dim: out[i] = t[0] * ... * t[i]. Integers and bools multiply in int64
/// unless dtype says otherwise.
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// The running maximum (minimum) along dim and the position it was taken from; ties and NaN take
/// the latest position, and a NaN, once met, stays.
std::tuple<Tensor, Tensor> cummax(const Tensor& t, int64_t dim);
std::tuple<Tensor, Tensor> cummin(const Tensor& t, int64_t dim);
/// log(cumsum(exp(t))) along dim, computed without overflow (floating dtypes only).
Tensor logcumsumexp(const Tensor& t, int64_t dim);

}  // namespace ember
