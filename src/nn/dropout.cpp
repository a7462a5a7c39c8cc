// nn::Dropout, built on functional::dropout.
#include "ember/nn/modules/dropout.h"

#include <fmt/format.h>

#include "ember/nn/functional.h"

namespace ember::nn {
namespace {

// A double as Python's repr prints it ("0.5", "1.0"), so reprs match PyTorch's.
std::string float_repr(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

const DropoutOptions& checked(const DropoutOptions& options) {
  if (!(options.p() >= 0 && options.p() <= 1))
    throw Error(fmt::format("Dropout: dropout probability has to be between 0 and 1, but got {}",
                            float_repr(options.p())),
                ErrorKind::Value);
  return options;
}

}  // namespace

DropoutImpl::DropoutImpl(const DropoutOptions& options)
    : Module("Dropout"), options(checked(options)) {}

Tensor DropoutImpl::forward(const Tensor& input) {
  return functional::dropout(input, options.p(), is_training(), options.inplace());
}

std::string DropoutImpl::extra_repr() const {
  return fmt::format("p={}, inplace={}", float_repr(options.p()),
                     options.inplace() ? "True" : "False");
}

}  // namespace ember::nn
