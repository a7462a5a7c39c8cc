#pragma once
/// The loss and dropout functions LibTorch exposes directly in torch:: (its ATen functions),
/// which LibTorch examples call as `torch::nll_loss(output, target)`: optional weights first and
/// the reduction as an int64_t from torch::Reduction. Each forwards to nn::functional.
#include <cstdint>
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

/// ATen's reduction codes (at::Reduction), what the functions below take.
namespace Reduction {
enum Reduction : int64_t { None = 0, Mean = 1, Sum = 2, END = 3 };
}  // namespace Reduction

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean,
                  double delta = 1.0);
Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean,
              bool log_target = false);
Tensor nll_loss(const Tensor& self, const Tensor& target,
                const std::optional<Tensor>& weight = std::nullopt,
                int64_t reduction = Reduction::Mean, int64_t ignore_index = -100);
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target,
                          const std::optional<Tensor>& weight = std::nullopt,
                          int64_t reduction = Reduction::Mean, int64_t ignore_index = -100,
                          double label_smoothing = 0.0);
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target,
                            const std::optional<Tensor>& weight = std::nullopt,
                            int64_t reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight = std::nullopt,
                                        const std::optional<Tensor>& pos_weight = std::nullopt,
                                        int64_t reduction = Reduction::Mean);
/// Zeroes elements with probability p and scales the rest by 1 / (1 - p) when train.
Tensor dropout(const Tensor& input, double p, bool train);

}  // namespace ember
