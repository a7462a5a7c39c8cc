#pragma once
/// Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention (torch 2.x).
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// softmax(query key^T * scale + attn_mask) value over the last two dims: query [*, L, E],
/// key [*, S, E], value [*, S, Ev] -> [*, L, Ev], with leading dims broadcast. attn_mask
/// (broadcastable to [*, L, S]) is boolean (true = may attend) or added to the scores;
/// is_causal lets query i attend keys j <= i. scale defaults to 1 / sqrt(E). Without dropout,
/// a fused kernel holds one block of scores at a time and its backward recomputes them, so
/// memory grows with L, not L * S. A query that may attend no key gives NaN, as in torch.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace ember
