// nn::Linear, built on functional::linear.
#include "ember/nn/modules/linear.h"

#include <fmt/format.h>

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

const LinearOptions& checked(const LinearOptions& options) {
  if (options.in_features() < 0 || options.out_features() < 0)
    throw Error(fmt::format("Linear: in_features and out_features must be non-negative, but got "
                            "in_features={}, out_features={}",
                            options.in_features(), options.out_features()),
                ErrorKind::Runtime);
  return options;
}

}  // namespace

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool bias)
    : LinearImpl(LinearOptions(in_features, out_features).bias(bias)) {}

LinearImpl::LinearImpl(const LinearOptions& opts)
    : Module("Linear"),
      options(checked(opts)),
      weight(register_parameter("weight", empty({opts.out_features(), opts.in_features()}))),
      bias(register_parameter("bias", opts.bias() ? empty({opts.out_features()}) : Tensor())) {
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // a = sqrt(5) makes the kaiming bound exactly 1/sqrt(fan_in), the same as the bias bound.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = options.in_features();
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options.in_features(),
                     options.out_features(), bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
