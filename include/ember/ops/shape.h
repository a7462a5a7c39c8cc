#pragma once
/// Joining and splitting tensors, and gathering along a dim.
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

}  // namespace ember
