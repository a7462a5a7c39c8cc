// torch::nll_loss and the other ATen-level functions: LibTorch's argument order and int64_t
// reductions, forwarded to nn::functional.
#include "ember/nn/functional_aten.h"

#include <fmt/format.h>

#include "ember/nn/functional.h"

namespace ember {
namespace {

namespace F = nn::functional;

nn::Reduction reduction_of(int64_t reduction, const char* op) {
  switch (reduction) {
    case Reduction::None:
      return nn::Reduction::None;
    case Reduction::Mean:
      return nn::Reduction::Mean;
    case Reduction::Sum:
      return nn::Reduction::Sum;
    default:
      throw Error(fmt::format("{}: {} is not a valid value for reduction (0 none, 1 mean, 2 sum)",
                              op, reduction),
                  ErrorKind::Value);
  }
}

Tensor or_undefined(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

}  // namespace

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  return F::mse_loss(self, target, reduction_of(reduction, "mse_loss"));
}
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  return F::l1_loss(self, target, reduction_of(reduction, "l1_loss"));
}
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
  return F::smooth_l1_loss(self, target, reduction_of(reduction, "smooth_l1_loss"), beta);
}
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
  return F::huber_loss(self, target, reduction_of(reduction, "huber_loss"), delta);
}
Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction, bool log_target) {
  return F::kl_div(self, target, reduction_of(reduction, "kl_div"), log_target);
}
Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                int64_t reduction, int64_t ignore_index) {
  return F::nll_loss(self, target, reduction_of(reduction, "nll_loss"), ignore_index,
                     or_undefined(weight));
}
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target,
                          const std::optional<Tensor>& weight, int64_t reduction,
                          int64_t ignore_index, double label_smoothing) {
  return F::cross_entropy(self, target, reduction_of(reduction, "cross_entropy_loss"), ignore_index,
                          label_smoothing, or_undefined(weight));
}
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target,
                            const std::optional<Tensor>& weight, int64_t reduction) {
  return F::binary_cross_entropy(self, target, or_undefined(weight),
                                 reduction_of(reduction, "binary_cross_entropy"));
}
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight,
                                        int64_t reduction) {
  return F::binary_cross_entropy_with_logits(
      self, target, or_undefined(weight),
      reduction_of(reduction, "binary_cross_entropy_with_logits"), or_undefined(pos_weight));
}
Tensor dropout(const Tensor& input, double p, bool train) { return F::dropout(input, p, train); }

}  // namespace ember
