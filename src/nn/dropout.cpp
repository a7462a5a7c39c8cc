// The dropout layers, built on the functional dropout family.
#include "ember/nn/modules/dropout.h"

#include <fmt/format.h>

#include "ember/nn/functional.h"
#include "repr.h"

namespace ember::nn {
namespace {
using detail::float_repr;

const DropoutOptions& checked(const std::string& name, const DropoutOptions& options) {
  if (!(options.p() >= 0 && options.p() <= 1))
    throw Error(fmt::format("{}: dropout probability has to be between 0 and 1, but got {}", name,
                            float_repr(options.p())),
                ErrorKind::Value);
  return options;
}

}  // namespace

detail::DropoutBase::DropoutBase(std::string name, const DropoutOptions& options)
    : Module(name), options(checked(name, options)) {}

std::string detail::DropoutBase::extra_repr() const {
  return fmt::format("p={}, inplace={}", float_repr(options.p()),
                     options.inplace() ? "True" : "False");
}

Tensor DropoutImpl::forward(const Tensor& input) {
  return functional::dropout(input, options.p(), is_training(), options.inplace());
}
Tensor Dropout1dImpl::forward(const Tensor& input) {
  return functional::dropout1d(input, options.p(), is_training(), options.inplace());
}
Tensor Dropout2dImpl::forward(const Tensor& input) {
  return functional::dropout2d(input, options.p(), is_training(), options.inplace());
}
Tensor Dropout3dImpl::forward(const Tensor& input) {
  return functional::dropout3d(input, options.p(), is_training(), options.inplace());
}
Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return functional::alpha_dropout(input, options.p(), is_training(), options.inplace());
}
Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return functional::feature_alpha_dropout(input, options.p(), is_training(), options.inplace());
}

}  // namespace ember::nn
