// nn::Conv2d and nn::ConvTranspose2d, built on ember::conv2d and ember::conv_transpose2d, and
// the ExpandingArray2 window parameter.
#include "ember/nn/modules/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ember/nn/init.h"
#include "ember/ops/conv.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

// The checks Conv2d and ConvTranspose2d share, naming the layer.
template <typename Options>
const Options& checked(const char* layer, const Options& options) {
  const auto fail = [](std::string message) { throw Error(message, ErrorKind::Value); };
  if (options.groups() <= 0) fail(fmt::format("{}: groups must be a positive integer", layer));
  if (options.in_channels() < 0 || options.out_channels() < 0)
    fail(
        fmt::format("{}: in_channels and out_channels must be non-negative, but got "
                    "in_channels={}, out_channels={}",
                    layer, options.in_channels(), options.out_channels()));
  if (options.in_channels() % options.groups() != 0)
    fail(
        fmt::format("{}: in_channels must be divisible by groups, but got in_channels={}, "
                    "groups={}",
                    layer, options.in_channels(), options.groups()));
  if (options.out_channels() % options.groups() != 0)
    fail(
        fmt::format("{}: out_channels must be divisible by groups, but got out_channels={}, "
                    "groups={}",
                    layer, options.out_channels(), options.groups()));
  if (options.kernel_size()[0] <= 0 || options.kernel_size()[1] <= 0)
    fail(fmt::format("{}: kernel_size must be positive, but got {}", layer,
                     options.kernel_size().repr()));
  return options;
}

// "in, out, kernel_size=(..), stride=(..)" plus what is not at its default, in PyTorch's order.
template <typename Options>
std::string conv_repr(const Options& options, const ExpandingArray2* output_padding,
                      bool has_bias) {
  std::string s =
      fmt::format("{}, {}, kernel_size={}, stride={}", options.in_channels(),
                  options.out_channels(), options.kernel_size().repr(), options.stride().repr());
  if (!(options.padding() == ExpandingArray2(0)))
    s += fmt::format(", padding={}", options.padding().repr());
  if (!(options.dilation() == ExpandingArray2(1)))
    s += fmt::format(", dilation={}", options.dilation().repr());
  if (output_padding && !(*output_padding == ExpandingArray2(0)))
    s += fmt::format(", output_padding={}", output_padding->repr());
  if (options.groups() != 1) s += fmt::format(", groups={}", options.groups());
  if (!has_bias) s += ", bias=False";
  return s;
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
      options(checked("Conv2d", opts)),
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

std::string Conv2dImpl::extra_repr() const { return conv_repr(options, nullptr, bias.defined()); }

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& opts)
    : Module("ConvTranspose2d"),
      options(checked("ConvTranspose2d", opts)),
      weight(register_parameter("weight",
                                empty({opts.in_channels(), opts.out_channels() / opts.groups(),
                                       opts.kernel_size()[0], opts.kernel_size()[1]}))),
      bias(register_parameter("bias", opts.bias() ? empty({opts.out_channels()}) : Tensor())) {
  reset_parameters();
}

void ConvTranspose2dImpl::reset_parameters() { init::_reset_affine_(weight, bias); }

Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  return conv_transpose2d(input, weight, bias, options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  if (output_size.size() < 2 || input.dim() < 3)
    throw Error(fmt::format("ConvTranspose2d: output_size must have at least 2 elements (got {}) "
                            "for an input of at least 3 dims (got shape {})",
                            output_size.size(), shape_str(input.sizes())),
                ErrorKind::Value);
  // The last two entries of output_size; the smallest output each dim can give, which
  // output_padding extends by up to max(stride, dilation) - 1.
  const IntArrayRef wanted(output_size.data() + output_size.size() - 2, 2);
  const IntArrayRef spatial(input.sizes().data() + input.dim() - 2, 2);
  int64_t smallest[2], largest[2], padding[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t s = options.stride()[d], k = options.kernel_size()[d];
    smallest[d] =
        (spatial[d] - 1) * s - 2 * options.padding()[d] + options.dilation()[d] * (k - 1) + 1;
    largest[d] = smallest[d] + std::max(s, options.dilation()[d]) - 1;
    padding[d] = wanted[d] - smallest[d];
  }
  for (int d = 0; d < 2; ++d)
    if (wanted[d] < smallest[d] || wanted[d] > largest[d])
      throw Error(fmt::format("ConvTranspose2d: requested an output size of {}, but valid sizes "
                              "range from {} to {} (for an input of {})",
                              shape_str(wanted), shape_str(IntArrayRef(smallest, 2)),
                              shape_str(IntArrayRef(largest, 2)), shape_str(spatial)),
                  ErrorKind::Value);
  return conv_transpose2d(input, weight, bias, options.stride(), options.padding(),
                          IntArrayRef(padding, 2), options.groups(), options.dilation());
}

std::string ConvTranspose2dImpl::extra_repr() const {
  return conv_repr(options, &options.output_padding(), bias.defined());
}

}  // namespace ember::nn
