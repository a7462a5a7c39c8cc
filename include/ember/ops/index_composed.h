#pragma once
/// Rearranging and indexing ops composed of the primitive ones (flip, transpose, cat, gather,
/// scatter_add, index_select, as_strided, ...), whose gradients come from those.
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

/// t rotated by 90 degrees k times in the plane of dims, from the first towards the second.
Tensor rot90(const Tensor& t, int64_t k = 1, IntArrayRef dims = {0, 1});
/// t flipped left-right (dim 1) and up-down (dim 0).
Tensor fliplr(const Tensor& t);
Tensor flipud(const Tensor& t);
/// t viewed with at least 1, 2 or 3 dims (new dims of size 1 in front; 3-D puts a vector's
/// length in the middle).
Tensor atleast_1d(const Tensor& t);
Tensor atleast_2d(const Tensor& t);
Tensor atleast_3d(const Tensor& t);
/// The n-th forward difference along dim, after joining prepend before and append after.
Tensor diff(const Tensor& t, int64_t n = 1, int64_t dim = -1, const Tensor& prepend = {},
            const Tensor& append = {});
/// Each element (along dim, or of the flattened tensor) repeated `repeats` times, or repeats[i]
/// times for a tensor of counts.
Tensor repeat_interleave(const Tensor& t, int64_t repeats,
                         std::optional<int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
/// The positions 0, 1, ... each repeated repeats[i] times.
Tensor repeat_interleave(const Tensor& repeats);
/// gather along dim with t and indices broadcast on the other dims; without dim, of the flattened
/// tensor.
Tensor take_along_dim(const Tensor& t, const Tensor& indices,
                      std::optional<int64_t> dim = std::nullopt);
/// The elements of the flattened t at index, in index's shape.
Tensor take(const Tensor& t, const Tensor& index);
/// t with alpha * src[i] added at position index[i] along dim (repeated positions add up).
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                 const Scalar& alpha = 1);
/// t with value at the positions index names along dim.
Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
/// t split into `sections` nearly equal parts along dim, or at the given indices.
std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& t, IntArrayRef indices, int64_t dim = 0);
/// tensor_split along dim 1 (0 for vectors), 0 and 2.
std::vector<Tensor> hsplit(const Tensor& t, int64_t sections);
std::vector<Tensor> vsplit(const Tensor& t, int64_t sections);
std::vector<Tensor> dsplit(const Tensor& t, int64_t sections);
/// Joins along dim 2 after atleast_3d, and as columns (vectors become columns) along dim 1.
Tensor dstack(TensorList tensors);
Tensor column_stack(TensorList tensors);
/// The rows [2, N] of the positions in the lower (upper) triangle of a row x col matrix.
Tensor tril_indices(int64_t row, int64_t col, int64_t offset = 0);
Tensor triu_indices(int64_t row, int64_t col, int64_t offset = 0);
/// Every combination of one element from each vector, as rows.
Tensor cartesian_prod(TensorList tensors);
/// Batches of matrices with t's last dim on the diagonal `offset` of dims dim1 and dim2.
Tensor diag_embed(const Tensor& t, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
/// The flattened t as the diagonal `offset` of a square matrix.
Tensor diagflat(const Tensor& t, int64_t offset = 0);
/// dim of t split into sizes (one may be -1).
Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes);

/// x padded with value: pad holds (before, after) pairs for the last dim first, then the one
/// before it, ...; negative pads crop. (nn::functional::pad's constant mode.)
Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, double value = 0.0);

}  // namespace ember
