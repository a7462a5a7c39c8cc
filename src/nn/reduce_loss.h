#pragma once
// The reduction every loss of nn::functional ends with.
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"

namespace ember::nn::functional::detail {

// loss as it is (None), summed (Sum) or averaged (Mean); BatchMean is kl_div's alone.
Tensor reduce_loss(const Tensor& loss, Reduction reduction);

}  // namespace ember::nn::functional::detail
