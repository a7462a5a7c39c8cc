// MaxPool2d and AvgPool2d, built on ember::max_pool2d and ember::avg_pool2d.
#include "ember/nn/modules/pooling.h"

#include <fmt/format.h>

#include "ember/ops/conv.h"

namespace ember::nn {

MaxPool2dImpl::MaxPool2dImpl(const MaxPool2dOptions& options)
    : Module("MaxPool2d"), options(options) {}

Tensor MaxPool2dImpl::forward(const Tensor& input) {
  return max_pool2d(input, options.kernel_size(), options.stride(), options.padding(),
                    options.dilation(), options.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return max_pool2d_with_indices(input, options.kernel_size(), options.stride(), options.padding(),
                                 options.dilation(), options.ceil_mode());
}

std::string MaxPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
                     options.kernel_size().repr(true), options.stride().repr(true),
                     options.padding().repr(true), options.dilation().repr(true),
                     options.ceil_mode() ? "True" : "False");
}

AvgPool2dImpl::AvgPool2dImpl(const AvgPool2dOptions& options)
    : Module("AvgPool2d"), options(options) {}

Tensor AvgPool2dImpl::forward(const Tensor& input) {
  return avg_pool2d(input, options.kernel_size(), options.stride(), options.padding(),
                    options.ceil_mode(), options.count_include_pad());
}

std::string AvgPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(true),
                     options.stride().repr(true), options.padding().repr(true));
}

}  // namespace ember::nn
