// The pooling layers, built on the pooling ops of ember/ops/conv.h and ember/ops/pool_composed.h.
#include "ember/nn/modules/pooling.h"

#include <fmt/format.h>

#include "ember/ops/conv.h"
#include "ember/ops/pool_composed.h"

namespace ember::nn {
namespace {

const char* py_bool(bool b) { return b ? "True" : "False"; }

template <typename Options>
std::string max_pool_repr(const Options& o) {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
                     o.kernel_size().repr(true), o.stride().repr(true), o.padding().repr(true),
                     o.dilation().repr(true), py_bool(o.ceil_mode()));
}

template <typename Options>
std::string lp_pool_repr(const Options& o) {
  return fmt::format("norm_type={}, kernel_size={}, stride={}, ceil_mode={}", o.norm_type(),
                     o.kernel_size().repr(true),
                     o.has_stride() ? o.stride().repr(true) : std::string("None"),
                     py_bool(o.ceil_mode()));
}

// output_size for unpooling: the last D entries of the given size, or none.
IntArrayRef unpool_size(const std::optional<std::vector<int64_t>>& output_size) {
  return output_size ? IntArrayRef(*output_size) : IntArrayRef();
}

}  // namespace

MaxPool1dImpl::MaxPool1dImpl(const MaxPool1dOptions& options)
    : Module("MaxPool1d"), options(options) {}

Tensor MaxPool1dImpl::forward(const Tensor& input) {
  return max_pool1d(input, options.kernel_size(), options.stride(), options.padding(),
                    options.dilation(), options.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return max_pool1d_with_indices(input, options.kernel_size(), options.stride(), options.padding(),
                                 options.dilation(), options.ceil_mode());
}

std::string MaxPool1dImpl::extra_repr() const { return max_pool_repr(options); }

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

std::string MaxPool2dImpl::extra_repr() const { return max_pool_repr(options); }

AvgPool1dImpl::AvgPool1dImpl(const AvgPool1dOptions& options)
    : Module("AvgPool1d"), options(options) {}

Tensor AvgPool1dImpl::forward(const Tensor& input) {
  return avg_pool1d(input, options.kernel_size(), options.stride(), options.padding(),
                    options.ceil_mode(), options.count_include_pad());
}

std::string AvgPool1dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(),
                     options.stride().repr(), options.padding().repr());
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

namespace detail {

template <size_t D>
std::vector<int64_t> adaptive_size(const ExpandingArrayWithOptional<D>& size, const Tensor& input) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < D; ++i) {
    const int64_t dim = input.dim() - static_cast<int64_t>(D) + static_cast<int64_t>(i);
    out.push_back(size[i] ? *size[i] : input.size(dim));
  }
  return out;
}

template <size_t D>
std::string AdaptivePoolImpl<D>::extra_repr() const {
  return "output_size=" + options.output_size().repr();
}

template std::vector<int64_t> adaptive_size(const ExpandingArrayWithOptional<1>&, const Tensor&);
template std::vector<int64_t> adaptive_size(const ExpandingArrayWithOptional<2>&, const Tensor&);
template class AdaptivePoolImpl<1>;
template class AdaptivePoolImpl<2>;

}  // namespace detail

Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) {
  return adaptive_avg_pool1d(input, detail::adaptive_size(options.output_size(), input));
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, detail::adaptive_size(options.output_size(), input));
}

Tensor AdaptiveMaxPool1dImpl::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool1d(input, detail::adaptive_size(options.output_size(), input));
}

Tensor AdaptiveMaxPool2dImpl::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool2d(input, detail::adaptive_size(options.output_size(), input));
}

MaxUnpool1dImpl::MaxUnpool1dImpl(const MaxUnpool1dOptions& options)
    : Module("MaxUnpool1d"), options(options) {}

Tensor MaxUnpool1dImpl::forward(const Tensor& input, const Tensor& indices,
                                const std::optional<std::vector<int64_t>>& output_size) {
  return max_unpool1d(input, indices, options.kernel_size(), options.stride(), options.padding(),
                      unpool_size(output_size));
}

std::string MaxUnpool1dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(),
                     options.stride().repr(), options.padding().repr());
}

MaxUnpool2dImpl::MaxUnpool2dImpl(const MaxUnpool2dOptions& options)
    : Module("MaxUnpool2d"), options(options) {}

Tensor MaxUnpool2dImpl::forward(const Tensor& input, const Tensor& indices,
                                const std::optional<std::vector<int64_t>>& output_size) {
  return max_unpool2d(input, indices, options.kernel_size(), options.stride(), options.padding(),
                      unpool_size(output_size));
}

std::string MaxUnpool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(),
                     options.stride().repr(), options.padding().repr());
}

LPPool1dImpl::LPPool1dImpl(const LPPool1dOptions& options) : Module("LPPool1d"), options(options) {}

Tensor LPPool1dImpl::forward(const Tensor& input) {
  return lp_pool1d(input, options.norm_type(), options.kernel_size(), options.stride(),
                   options.ceil_mode());
}

std::string LPPool1dImpl::extra_repr() const { return lp_pool_repr(options); }

LPPool2dImpl::LPPool2dImpl(const LPPool2dOptions& options) : Module("LPPool2d"), options(options) {}

Tensor LPPool2dImpl::forward(const Tensor& input) {
  return lp_pool2d(input, options.norm_type(), options.kernel_size(), options.stride(),
                   options.ceil_mode());
}

std::string LPPool2dImpl::extra_repr() const { return lp_pool_repr(options); }

}  // namespace ember::nn
