#pragma once
/// Products composed of the matrix products: Kronecker and tensor contractions, cross products,
/// pairwise distances and the scaled-accumulate forms (addmv, addr, baddbmm, addbmm). Their
/// gradients come from the ops they are made of.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// The Kronecker product: each element of a scales a copy of b (ranks padded to the larger).
Tensor kron(const Tensor& a, const Tensor& b);
/// Sums a and b over the paired dims dims_a[i], dims_b[i]; the rest of a's dims come first.
Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b);
/// tensordot over a's last `dims` dims and b's first `dims` dims.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims = 2);
/// The cross product of 3-vectors along dim (by default the first dim of size 3), broadcasting.
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim = std::nullopt);
/// The p-norm distance between each row of x1 [..., P, M] and each of x2 [..., R, M]:
/// [..., P, R].
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2.0);
/// The p-norm distance between every pair of rows i < j of x [N, M], in row-major order of the
/// pairs: [N (N - 1) / 2].
Tensor pdist(const Tensor& x, double p = 2.0);
/// The sum of products over the last dims (a * b for a 0-dim operand).
Tensor inner(const Tensor& a, const Tensor& b);
/// dot for real vectors.
Tensor vdot(const Tensor& a, const Tensor& b);
/// beta * self + alpha * outer(v1, v2).
Tensor addr(const Tensor& self, const Tensor& v1, const Tensor& v2, const Scalar& beta = 1,
            const Scalar& alpha = 1);
/// beta * self + alpha * mv(mat, vec).
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// beta * self + alpha * bmm(batch1, batch2).
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = 1, const Scalar& alpha = 1);
/// beta * self + alpha * (the sum over the batch of bmm(batch1, batch2)).
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta = 1, const Scalar& alpha = 1);
/// The matrices (0-, 1- or 2-D tensors) on the diagonal of a block matrix, zeros elsewhere.
Tensor block_diag(TensorList tensors);

}  // namespace ember
