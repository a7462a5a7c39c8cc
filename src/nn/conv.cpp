// The convolution layers, built on ember::conv1d/2d/3d and conv_transpose1d/2d/3d, and the
// window parameters they share with the pooling layers.
#include "ember/nn/modules/conv.h"

#include "ember/nn/functional_spatial.h"

#include <fmt/format.h>

#include <algorithm>

#include "ember/nn/init.h"
#include "ember/ops/conv.h"
#include "ember/ops/conv_composed.h"
#include "ember/ops/creation.h"

namespace ember {

namespace detail {

void throw_window_count(size_t dims, size_t got) {
  throw Error(fmt::format("ExpandingArray: expected 1 or {} values for a {}-D window parameter, "
                          "but got {}",
                          dims, dims, got),
              ErrorKind::Value);
}

std::string window_repr(const int64_t* values, size_t dims, bool single, bool as_given) {
  if (as_given && single) return fmt::format("{}", values[0]);
  if (dims == 1) return fmt::format("({},)", values[0]);
  return fmt::format("({})", fmt::join(values, values + dims, ", "));
}

}  // namespace detail

namespace nn {
namespace {

constexpr bool is_transposed(const void*) { return false; }
template <size_t D>
constexpr bool is_transposed(const ConvTransposeOptions<D>*) {
  return true;
}

// The checks every convolution layer makes on its options, naming the layer.
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
  for (int64_t k : options.kernel_size().values())
    if (k <= 0)
      fail(fmt::format("{}: kernel_size must be positive, but got {}", layer,
                       options.kernel_size().repr()));
  if constexpr (requires { options.padding().is_same(); }) {
    if (options.padding().is_same())
      for (int64_t s : options.stride().values())
        if (s != 1)
          fail(fmt::format("{}: padding='same' is not supported for strided convolutions", layer));
  }
  return options;
}

// The weight's shape: [out, in / groups, k...], or [in, out / groups, k...] when transposed.
template <size_t D, typename Options>
DimVector weight_shape(const Options& o) {
  DimVector shape = is_transposed(&o) ? DimVector{o.in_channels(), o.out_channels() / o.groups()}
                                      : DimVector{o.out_channels(), o.in_channels() / o.groups()};
  for (int64_t k : o.kernel_size().values()) shape.push_back(k);
  return shape;
}

const char* pad_mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Reflect:
      return "reflect";
    case PadMode::Replicate:
      return "replicate";
    case PadMode::Circular:
      return "circular";
    default:
      return "zeros";
  }
}

}  // namespace

namespace detail {

template <size_t D, typename Options>
ConvNdImpl<D, Options>::ConvNdImpl(const char* name, const Options& opts)
    : Module(name),
      options(checked(name, opts)),
      weight(register_parameter("weight", empty(weight_shape<D>(opts)))),
      bias(register_parameter("bias", opts.bias() ? empty({opts.out_channels()}) : Tensor())) {
  reset_parameters();
}

template <size_t D, typename Options>
void ConvNdImpl<D, Options>::reset_parameters() {
  init::_reset_affine_(weight, bias);
}

template <size_t D, typename Options>
std::string ConvNdImpl<D, Options>::extra_repr() const {
  const auto& o = options;
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(),
                              o.out_channels(), o.kernel_size().repr(), o.stride().repr());
  if (!(o.padding() == decltype(o.padding())(0)))
    s += fmt::format(", padding={}", o.padding().repr());
  if (!(o.dilation() == ExpandingArray<D>(1)))
    s += fmt::format(", dilation={}", o.dilation().repr());
  if constexpr (std::is_same_v<Options, ConvTransposeOptions<D>>) {
    if (!(o.output_padding() == ExpandingArray<D>(0)))
      s += fmt::format(", output_padding={}", o.output_padding().repr());
  }
  if (o.groups() != 1) s += fmt::format(", groups={}", o.groups());
  if (!bias.defined()) s += ", bias=False";
  if constexpr (std::is_same_v<Options, ConvOptions<D>>) {
    if (o.padding_mode() != kZeros)
      s += fmt::format(", padding_mode={}", pad_mode_name(o.padding_mode()));
  }
  return s;
}

template <size_t D, typename Options>
std::pair<Tensor, ExpandingArray<D>> ConvNdImpl<D, Options>::padded(const Tensor& input) const {
  if constexpr (std::is_same_v<Options, ConvOptions<D>>) {
    const auto sides = conv_padding_sides<D>(name().c_str(), options.padding(), weight,
                                             options.stride(), options.dilation());
    if (options.padding_mode() != kZeros) {
      // Pad widths, last dim first, as functional::pad takes them.
      DimVector widths;
      for (size_t i = D; i-- > 0;) {
        widths.push_back(sides[i].first);
        widths.push_back(sides[i].second);
      }
      return {functional::pad(input, widths, options.padding_mode()), ExpandingArray<D>(0)};
    }
    return conv_input_and_padding<D>(input, sides);
  } else {
    return {input, options.padding()};
  }
}

template class ConvNdImpl<1, Conv1dOptions>;
template class ConvNdImpl<2, Conv2dOptions>;
template class ConvNdImpl<3, Conv3dOptions>;
template class ConvNdImpl<1, ConvTranspose1dOptions>;
template class ConvNdImpl<2, ConvTranspose2dOptions>;
template class ConvNdImpl<3, ConvTranspose3dOptions>;

template <size_t D>
ExpandingArray<D> output_padding_for(const char* layer, const ConvTransposeOptions<D>& options,
                                     const Tensor& input, IntArrayRef output_size) {
  if (output_size.size() < D || input.dim() < static_cast<int64_t>(D) + 1)
    throw Error(fmt::format("{}: output_size must have at least {} elements (got {}) for an input "
                            "of at least {} dims (got shape {})",
                            layer, D, output_size.size(), D + 1, shape_str(input.sizes())),
                ErrorKind::Value);
  // The smallest output each dim can give, which output_padding extends by up to
  // max(stride, dilation) - 1.
  const IntArrayRef wanted(output_size.data() + output_size.size() - D, D);
  const IntArrayRef spatial(input.sizes().data() + input.dim() - D, D);
  int64_t smallest[D], largest[D], padding[D];
  for (size_t d = 0; d < D; ++d) {
    const int64_t s = options.stride()[d], k = options.kernel_size()[d];
    smallest[d] =
        (spatial[d] - 1) * s - 2 * options.padding()[d] + options.dilation()[d] * (k - 1) + 1;
    largest[d] = smallest[d] + std::max(s, options.dilation()[d]) - 1;
    padding[d] = wanted[d] - smallest[d];
  }
  for (size_t d = 0; d < D; ++d)
    if (wanted[d] < smallest[d] || wanted[d] > largest[d])
      throw Error(fmt::format("{}: requested an output size of {}, but valid sizes range from {} "
                              "to {} (for an input of {})",
                              layer, shape_str(wanted), shape_str(IntArrayRef(smallest, D)),
                              shape_str(IntArrayRef(largest, D)), shape_str(spatial)),
                  ErrorKind::Value);
  return ExpandingArray<D>(IntArrayRef(padding, D));
}

}  // namespace detail

Tensor Conv1dImpl::forward(const Tensor& input) {
  const auto [x, padding] = padded(input);
  return conv1d(x, weight, bias, options.stride(), padding, options.dilation(), options.groups());
}

Tensor Conv2dImpl::forward(const Tensor& input) {
  const auto [x, padding] = padded(input);
  return conv2d(x, weight, bias, options.stride(), padding, options.dilation(), options.groups());
}

Tensor Conv3dImpl::forward(const Tensor& input) {
  const auto [x, padding] = padded(input);
  return conv3d(x, weight, bias, options.stride(), padding, options.dilation(), options.groups());
}

Tensor ConvTranspose1dImpl::forward(const Tensor& input) {
  return conv_transpose1d(input, weight, bias, options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

Tensor ConvTranspose1dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  return conv_transpose1d(
      input, weight, bias, options.stride(), options.padding(),
      detail::output_padding_for("ConvTranspose1d", options, input, output_size), options.groups(),
      options.dilation());
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  return conv_transpose2d(input, weight, bias, options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  return conv_transpose2d(
      input, weight, bias, options.stride(), options.padding(),
      detail::output_padding_for("ConvTranspose2d", options, input, output_size), options.groups(),
      options.dilation());
}

Tensor ConvTranspose3dImpl::forward(const Tensor& input) {
  return conv_transpose3d(input, weight, bias, options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

Tensor ConvTranspose3dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  return conv_transpose3d(
      input, weight, bias, options.stride(), options.padding(),
      detail::output_padding_for("ConvTranspose3d", options, input, output_size), options.groups(),
      options.dilation());
}

}  // namespace nn
}  // namespace ember
