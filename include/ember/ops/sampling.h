#pragma once
/// Sampling from distributions given by tensors: Bernoulli draws and categorical (multinomial)
/// indices. Draws use the global stream (manual_seed) or the given
/// generator's, and have no gradient.
#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

/// 1 with probability p (each element of p, in [0, 1]), else 0, in p's dtype.
Tensor bernoulli(const Tensor& p, std::optional<Generator> generator = std::nullopt);
/// Like bernoulli(p) with one probability for every element, in t's shape and dtype.
Tensor bernoulli(const Tensor& t, double p, std::optional<Generator> generator = std::nullopt);
/// num_samples indices per row of probs (1-D or 2-D, non-negative weights, not necessarily
/// normalised), drawn in proportion to the weights; without replacement each index appears at
/// most once per row.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false,
                   std::optional<Generator> generator = std::nullopt);

namespace detail {
/// x times a fresh dropout mask (each element kept with probability 1 - p and scaled by
/// 1 / (1 - p)), drawn from the global stream in one pass; recorded as the MulBackward0 node that
/// x * mask records. For 0 < p < 1; other cases are the caller's (nn::functional::dropout).
Tensor fused_dropout(const Tensor& x, double p);
}  // namespace detail

}  // namespace ember
