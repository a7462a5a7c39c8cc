// nn::Linear, built on functional::linear.
#include "ember/nn/modules/linear.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

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

LinearImpl::LinearImpl(const LinearOptions& opts) : LinearImpl("Linear", opts) {}

LinearImpl::LinearImpl(std::string name, const LinearOptions& opts)
    : Module(std::move(name)),
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

BilinearImpl::BilinearImpl(const BilinearOptions& opts)
    : Module("Bilinear"),
      options(opts),
      weight(register_parameter(
          "weight", empty({opts.out_features(), opts.in1_features(), opts.in2_features()}))),
      bias(register_parameter("bias", opts.bias() ? empty({opts.out_features()}) : Tensor())) {
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.in1_features()));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor&) {
  throw Error("Bilinear: forward takes two inputs, forward(input1, input2)", ErrorKind::Type);
}

Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::bilinear(input1, input2, weight, bias);
}

std::string BilinearImpl::extra_repr() const {
  return fmt::format("in1_features={}, in2_features={}, out_features={}, bias={}",
                     options.in1_features(), options.in2_features(), options.out_features(),
                     bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
