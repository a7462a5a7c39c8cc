// Activation modules, thin wrappers over nn::functional.
#include "ember/nn/modules/activation.h"

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops/creation.h"
#include "repr.h"

namespace ember::nn {
namespace {
using detail::float_repr;

}  // namespace

ReLUImpl::ReLUImpl(const ReLUOptions& options) : Module("ReLU"), options(options) {}

Tensor ReLUImpl::forward(const Tensor& input) { return functional::relu(input, options.inplace()); }

std::string ReLUImpl::extra_repr() const { return options.inplace() ? "inplace=True" : ""; }

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& options)
    : Module("LeakyReLU"), options(options) {}

Tensor LeakyReLUImpl::forward(const Tensor& input) {
  return functional::leaky_relu(input, options.negative_slope(), options.inplace());
}

std::string LeakyReLUImpl::extra_repr() const {
  return fmt::format("negative_slope={}{}", float_repr(options.negative_slope()),
                     options.inplace() ? ", inplace=True" : "");
}

Tensor SigmoidImpl::forward(const Tensor& input) { return functional::sigmoid(input); }

Tensor TanhImpl::forward(const Tensor& input) { return functional::tanh(input); }

GELUImpl::GELUImpl(const GELUOptions& options) : Module("GELU"), options(options) {}

Tensor GELUImpl::forward(const Tensor& input) {
  return functional::gelu(input, options.approximate());
}

std::string GELUImpl::extra_repr() const {
  return fmt::format("approximate='{}'", options.approximate());
}

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions& options) : Module("Softmax"), options(options) {}

Tensor SoftmaxImpl::forward(const Tensor& input) {
  return functional::softmax(input, options.dim());
}

std::string SoftmaxImpl::extra_repr() const { return fmt::format("dim={}", options.dim()); }

LogSoftmaxImpl::LogSoftmaxImpl(const LogSoftmaxOptions& options)
    : Module("LogSoftmax"), options(options) {}

Tensor LogSoftmaxImpl::forward(const Tensor& input) {
  return functional::log_softmax(input, options.dim());
}

std::string LogSoftmaxImpl::extra_repr() const { return fmt::format("dim={}", options.dim()); }

namespace {
std::string with_inplace(std::string repr, bool inplace) {
  return inplace ? repr + ", inplace=True" : repr;
}
}  // namespace

Tensor ELUImpl::forward(const Tensor& input) {
  return functional::elu(input, options.alpha(), options.inplace());
}
std::string ELUImpl::extra_repr() const {
  return with_inplace("alpha=" + float_repr(options.alpha()), options.inplace());
}

Tensor CELUImpl::forward(const Tensor& input) {
  return functional::celu(input, options.alpha(), options.inplace());
}
std::string CELUImpl::extra_repr() const {
  return with_inplace("alpha=" + float_repr(options.alpha()), options.inplace());
}

Tensor SELUImpl::forward(const Tensor& input) { return functional::selu(input, options.inplace()); }
Tensor SiLUImpl::forward(const Tensor& input) { return functional::silu(input, options.inplace()); }
Tensor MishImpl::forward(const Tensor& input) { return functional::mish(input, options.inplace()); }
Tensor ReLU6Impl::forward(const Tensor& input) {
  return functional::relu6(input, options.inplace());
}
Tensor HardsigmoidImpl::forward(const Tensor& input) {
  return functional::hardsigmoid(input, options.inplace());
}
Tensor HardswishImpl::forward(const Tensor& input) {
  return functional::hardswish(input, options.inplace());
}

Tensor SoftplusImpl::forward(const Tensor& input) {
  return functional::softplus(input, options.beta(), options.threshold());
}
std::string SoftplusImpl::extra_repr() const {
  // PyTorch prints its integer defaults as "beta=1, threshold=20".
  return fmt::format("beta={}, threshold={}", options.beta(), options.threshold());
}

Tensor SoftsignImpl::forward(const Tensor& input) { return functional::softsign(input); }

Tensor LogSigmoidImpl::forward(const Tensor& input) { return functional::logsigmoid(input); }

HardtanhImpl::HardtanhImpl(const HardtanhOptions& options) : Module("Hardtanh"), options(options) {
  if (options.min_val() > options.max_val())
    throw Error(fmt::format("Hardtanh: max_val ({}) must be greater than or equal to min_val ({})",
                            options.max_val(), options.min_val()),
                ErrorKind::Value);
}
Tensor HardtanhImpl::forward(const Tensor& input) {
  return functional::hardtanh(input, options.min_val(), options.max_val(), options.inplace());
}
std::string HardtanhImpl::extra_repr() const {
  return with_inplace(fmt::format("min_val={}, max_val={}", float_repr(options.min_val()),
                                  float_repr(options.max_val())),
                      options.inplace());
}

Tensor ThresholdImpl::forward(const Tensor& input) {
  return functional::threshold(input, options.threshold(), options.value(), options.inplace());
}
std::string ThresholdImpl::extra_repr() const {
  return with_inplace(fmt::format("threshold={}, value={}", float_repr(options.threshold()),
                                  float_repr(options.value())),
                      options.inplace());
}

Tensor GLUImpl::forward(const Tensor& input) { return functional::glu(input, options.dim()); }
std::string GLUImpl::extra_repr() const { return fmt::format("dim={}", options.dim()); }

PReLUImpl::PReLUImpl(const PReLUOptions& options)
    : Module("PReLU"),
      options(options),
      weight(register_parameter("weight", empty({options.num_parameters()}))) {
  reset_parameters();
}

void PReLUImpl::reset_parameters() {
  NoGradGuard no_grad;
  weight.fill_(options.init());
}

Tensor PReLUImpl::forward(const Tensor& input) { return functional::prelu(input, weight); }

std::string PReLUImpl::extra_repr() const {
  return fmt::format("num_parameters={}", options.num_parameters());
}

}  // namespace ember::nn
