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

void LinearImpl::reset_parameters() { init::_reset_affine_(weight, bias); }

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options.in_features(),
                     options.out_features(), bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
