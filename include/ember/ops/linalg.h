#pragma once
/// Matrix products, computed with BLAS.
#include "ember/core/tensor.h"

namespace ember {

/// [n, k] x [k, m] -> [n, m].
Tensor mm(const Tensor& a, const Tensor& b);
/// [b, n, k] x [b, k, m] -> [b, n, m].
Tensor bmm(const Tensor& a, const Tensor& b);
/// numpy.matmul semantics: dot, mv, mm, or batched mm with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Inner product of two 1-D tensors (0-dim result).
Tensor dot(const Tensor& a, const Tensor& b);
/// [n, m] x [m] -> [n].
Tensor mv(const Tensor& a, const Tensor& v);

}  // namespace ember
