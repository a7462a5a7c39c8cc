#pragma once
/// Softmax, log-softmax and logsumexp, computed stably (the maximum is subtracted before exp).
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// exp(t) / sum(exp(t)) along dim; dtype, when given, converts t first.
Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// log(softmax(t, dim)), without forming softmax(t) (finite where softmax underflows to 0).
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// log(sum(exp(t))) over dims (all dims when empty); integer inputs give float32.
Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim = false);

}  // namespace ember
