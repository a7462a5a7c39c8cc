// The shrinkage activations and Softmin/Softmax2d, on their functional forms.
#include "ember/nn/modules/shrinkage.h"

#include <fmt/format.h>

#include "ember/nn/functional.h"
#include "repr.h"

namespace ember::nn {
namespace {

const ShrinkOptions& checked(const char* layer, const ShrinkOptions& options) {
  if (options.lambda() < 0)
    throw Error(fmt::format("{}: lambda must be non-negative, but got {}", layer,
                            detail::float_repr(options.lambda())),
                ErrorKind::Value);
  return options;
}

}  // namespace

SoftshrinkImpl::SoftshrinkImpl(const SoftshrinkOptions& options)
    : Module("Softshrink"), options(checked("Softshrink", options)) {}
Tensor SoftshrinkImpl::forward(const Tensor& input) {
  return functional::softshrink(input, options.lambda());
}
std::string SoftshrinkImpl::extra_repr() const { return detail::float_repr(options.lambda()); }

HardshrinkImpl::HardshrinkImpl(const HardshrinkOptions& options)
    : Module("Hardshrink"), options(checked("Hardshrink", options)) {}
Tensor HardshrinkImpl::forward(const Tensor& input) {
  return functional::hardshrink(input, options.lambda());
}
std::string HardshrinkImpl::extra_repr() const { return detail::float_repr(options.lambda()); }

Tensor TanhshrinkImpl::forward(const Tensor& input) { return functional::tanhshrink(input); }

Tensor SoftminImpl::forward(const Tensor& input) {
  return functional::softmin(input, options.dim());
}
std::string SoftminImpl::extra_repr() const { return fmt::format("dim={}", options.dim()); }

Tensor Softmax2dImpl::forward(const Tensor& input) {
  if (input.dim() != 3 && input.dim() != 4)
    throw Error(
        fmt::format("Softmax2d: expected input of 3 or 4 dims, but got {} dims", input.dim()),
        ErrorKind::Value);
  return functional::softmax(input, -3);
}

}  // namespace ember::nn
