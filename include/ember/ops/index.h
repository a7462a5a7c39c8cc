#pragma once
/// Joining and splitting tensors, and gathering along a dim.
#include <optional>
#include <string_view>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

/// Joins tensors along an existing dim.
Tensor cat(TensorList tensors, int64_t dim = 0);
/// Joins tensors along a new dim.
Tensor stack(TensorList tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
/// Rows (along dim) picked by a 1-D integer index.
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
/// out[i][j] = t[index[i][j]][j] for dim 0, and likewise for other dims.
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
/// t with src added at the positions index names along dim (out[index[i][j]][j] += src[i][j]
/// for dim 0); repeated indices add up.
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
/// t with src[i][j] written at out[index[i][j]][j] for dim 0 (and likewise for other dims); with
/// reduce "add" or "multiply" combined with what is there instead (no derivative then, as in
/// torch). Repeated positions keep the last write.
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
               std::optional<std::string_view> reduce = std::nullopt);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value,
               std::optional<std::string_view> reduce = std::nullopt);
/// t with each src element reduced into the position index names along dim: "sum", "prod",
/// "mean", "amax" or "amin", over the src elements sent there and, with include_self, t's own.
Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self = true);
/// t with the slices of src along dim copied to the positions in index.
Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& t, IntArrayRef dims);
Tensor reshape(const Tensor& t, IntArrayRef shape);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& t);
Tensor unsqueeze(const Tensor& t, int64_t dim);
/// A copy with the order of elements reversed along each of dims.
Tensor flip(const Tensor& t, IntArrayRef dims);
/// t tiled repeats[i] times along dim i (repeats may add leading dims), as a copy.
Tensor repeat(const Tensor& t, IntArrayRef repeats);
/// The lower (tril) or upper (triu) triangle of the last two dims, zeros elsewhere; diagonal > 0
/// moves the boundary above the main diagonal, < 0 below it.
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);
/// The outer product of two vectors: out[i][j] = a[i] * b[j].
Tensor outer(const Tensor& a, const Tensor& b);

/// The diagonal of dims dim1 and dim2 shifted by offset (> 0 above, < 0 below), as a view with
/// those dims removed and the diagonal appended as the last dim.
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
/// For a vector, the square matrix with it on diagonal `diagonal`; for a matrix, a copy of that
/// diagonal as a vector.
Tensor diag(const Tensor& t, int64_t diagonal = 0);
/// t expanded to size (a view, as expand).
Tensor broadcast_to(const Tensor& t, IntArrayRef size);
/// The tensors expanded to their common broadcast shape.
std::vector<Tensor> broadcast_tensors(TensorList tensors);
/// The dims in source moved to the positions in destination, the rest keeping their order.
Tensor movedim(const Tensor& t, IntArrayRef source, IntArrayRef destination);
Tensor movedim(const Tensor& t, int64_t source, int64_t destination);
/// transpose under NumPy's name.
Tensor swapaxes(const Tensor& t, int64_t axis0, int64_t axis1);
/// Joins along dim 1 (dim 0 for vectors), and along dim 0 after making vectors rows.
Tensor hstack(TensorList tensors);
Tensor vstack(TensorList tensors);
/// Elements shifted by shifts[i] along dims[i], wrapping around; with no dims, over the
/// flattened tensor.
Tensor roll(const Tensor& t, IntArrayRef shifts, IntArrayRef dims = {});
/// repeat with reps padded by leading ones to t's rank.
Tensor tile(const Tensor& t, IntArrayRef reps);
/// The indices of the non-zero elements, one row [dim] per element in row-major order.
Tensor nonzero(const Tensor& t);
/// The elements of t where mask (broadcast with t) is true, as a vector.
Tensor masked_select(const Tensor& t, const Tensor& mask);

}  // namespace ember
