#pragma once
/// Order statistics along a dim: the k-th smallest element, medians, the most frequent value and
/// quantiles. Each picks elements of the sorted slice, so its gradient flows to the elements it
/// picked.
#include <optional>
#include <string_view>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// The k-th smallest element along dim (k counts from 1) and its position.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1,
                                    bool keepdim = false);
/// The lower median (the smaller middle element of an even count) of all elements, or along dim
/// with its position; NaN when the slice holds a NaN.
Tensor median(const Tensor& t);
std::tuple<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim = false);
/// median ignoring NaNs (NaN only when every element is).
Tensor nanmedian(const Tensor& t);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim = false);
/// The most frequent value along dim (the smallest of equally frequent ones) and the position of
/// its last occurrence.
std::tuple<Tensor, Tensor> mode(const Tensor& t, int64_t dim = -1, bool keepdim = false);
/// The q-th quantiles (q a number or a 1-D tensor in [0, 1]) of all elements or along dim, with
/// interpolation "linear", "lower", "higher", "nearest" or "midpoint" between the two nearest
/// ranks. A 1-D q adds a leading dim to the result. NaN where the slice holds a NaN.
Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, std::string_view interpolation = "linear");
Tensor quantile(const Tensor& t, double q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, std::string_view interpolation = "linear");
/// quantile ignoring NaNs.
Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, std::string_view interpolation = "linear");
Tensor nanquantile(const Tensor& t, double q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, std::string_view interpolation = "linear");
/// t sorted along dim 0 (the values of sort(t, 0)).
Tensor msort(const Tensor& t);

}  // namespace ember
