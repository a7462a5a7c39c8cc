#pragma once
/// Matrix products, computed with BLAS.
#include <string_view>

#include "ember/core/tensor.h"

namespace ember {

/// [n, k] x [k, m] -> [n, m].
Tensor mm(const Tensor& a, const Tensor& b);
/// beta * self + alpha * (mat1 mm mat2), with self broadcast to the product (a Linear layer's
/// bias): one node, AddmmBackward0, as in PyTorch.
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// [b, n, k] x [b, k, m] -> [b, n, m].
Tensor bmm(const Tensor& a, const Tensor& b);
/// numpy.matmul semantics: dot, mv, mm, or batched mm with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Inner product of two 1-D tensors (0-dim result).
Tensor dot(const Tensor& a, const Tensor& b);
/// [n, m] x [m] -> [n].
Tensor mv(const Tensor& a, const Tensor& v);
/// Einstein summation: "ij,jk->ik" is a matrix product, "ii->i" a diagonal, "bij,bjk" a batched
/// product (implicit output: the labels seen once, alphabetically), "...ij->...ji" a transpose
/// over any leading dims. Labels are letters; sizes broadcast; pairs contract as one bmm each.
Tensor einsum(std::string_view equation, TensorList operands);

}  // namespace ember
