// nn::Conv2d, built on ember::conv2d, and the ExpandingArray2 window parameter.
#include "ember/nn/modules/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ember/nn/init.h"
#include "ember/ops/conv.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

const Conv2dOptions& checked(const Conv2dOptions& options) {
  const auto fail = [](std::string message) { throw Error(message, ErrorKind::Value); };
  if (options.groups() <= 0) fail("Conv2d: groups must be a positive integer");
  if (options.in_channels() < 0 || options.out_channels() < 0)
    fail(
        fmt::format("Conv2d: in_channels and out_channels must be non-negative, but got "
                    "in_channels={}, out_channels={}",
                    options.in_channels(), options.out_channels()));
  if (options.in_channels() % options.groups() != 0)
    fail(
        fmt::format("Conv2d: in_channels must be divisible by groups, but got in_channels={}, "
                    "groups={}",
                    options.in_channels(), options.groups()));
  if (options.out_channels() % options.groups() != 0)
    fail(
        fmt::format("Conv2d: out_channels must be divisible by groups, but got out_channels={}, "
                    "groups={}",
                    options.out_channels(), options.groups()));
  if (options.kernel_size()[0] <= 0 || options.kernel_size()[1] <= 0)
    fail(fmt::format("Conv2d: kernel_size must be positive, but got {}",
                     options.kernel_size().repr()));
  return options;
}

}  // namespace

ExpandingArray2::ExpandingArray2(std::initializer_list<int64_t> values)
    : values_{0, 0}, single_(values.size() == 1) {
  if (values.size() != 1 && values.size() != 2)
    throw Error(fmt::format("ExpandingArray2: expected 1 or 2 values for a 2-D window "
                            "parameter, but got {}",
                            values.size()),
                ErrorKind::Value);
  values_[0] = *values.begin();
  values_[1] = *(values.end() - 1);
}

std::string ExpandingArray2::repr(bool as_given) const {
  if (as_given && single_) return fmt::format("{}", values_[0]);
  return fmt::format("({}, {})", values_[0], values_[1]);
}

Conv2dImpl::Conv2dImpl(const Conv2dOptions& opts)
    : Module("Conv2d"),
      options(checked(opts)),
      weight(register_parameter("weight",
                                empty({opts.out_channels(), opts.in_channels() / opts.groups(),
                                       opts.kernel_size()[0], opts.kernel_size()[1]}))),
      bias(register_parameter("bias", opts.bias() ? empty({opts.out_channels()}) : Tensor())) {
  reset_parameters();
}

void Conv2dImpl::reset_parameters() { init::_reset_affine_(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& input) {
  return conv2d(input, weight, bias, options.stride(), options.padding(), options.dilation(),
                options.groups());
}

std::string Conv2dImpl::extra_repr() const {
  std::string s =
      fmt::format("{}, {}, kernel_size={}, stride={}", options.in_channels(),
                  options.out_channels(), options.kernel_size().repr(), options.stride().repr());
  if (!(options.padding() == ExpandingArray2(0)))
    s += fmt::format(", padding={}", options.padding().repr());
  if (!(options.dilation() == ExpandingArray2(1)))
    s += fmt::format(", dilation={}", options.dilation().repr());
  if (options.groups() != 1) s += fmt::format(", groups={}", options.groups());
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace ember::nn
