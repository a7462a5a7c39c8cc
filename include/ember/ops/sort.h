#pragma once
/// Ordering along a dim: sort, argsort and the k largest or smallest elements.
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// The elements of t sorted along dim, and the position each came from (int64). Equal elements
/// keep their order (so every sort is stable); NaN sorts above every number.
std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false,
                                bool stable = false);
/// The positions that would sort t along dim.
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false);
/// The k largest (or smallest) elements along dim, in order, and their positions.
std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true,
                                bool sorted = true);

}  // namespace ember
