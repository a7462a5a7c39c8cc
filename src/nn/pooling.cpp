// The pooling layers, built on the pooling ops of ember/ops/conv.h and ember/ops/pool_composed.h.
#include "ember/nn/modules/pooling.h"

#include <fmt/format.h>

#include "ember/ops/conv.h"
#include "ember/ops/pool_composed.h"

namespace ember::nn {
namespace {

const char* py_bool(bool b) { return b ? "True" : "False"; }

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

namespace detail {

template <size_t D>
Tensor MaxPoolImpl<D>::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

template <size_t D>
std::tuple<Tensor, Tensor> MaxPoolImpl<D>::forward_with_indices(const Tensor& input) {
  const MaxPoolOptions<D>& o = options;
  constexpr auto pool = D == 1   ? &max_pool1d_with_indices
                        : D == 2 ? &max_pool2d_with_indices
                                 : &max_pool3d_with_indices;
  return pool(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

template <size_t D>
std::string MaxPoolImpl<D>::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
                     options.kernel_size().repr(true), options.stride().repr(true),
                     options.padding().repr(true), options.dilation().repr(true),
                     py_bool(options.ceil_mode()));
}

template <size_t D>
Tensor AvgPoolImpl<D>::forward(const Tensor& input) {
  const AvgPoolOptions<D>& o = options;
  if constexpr (D == 1) {
    // As in LibTorch, avg_pool1d has no divisor_override
    return avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                      o.count_include_pad());
  } else {
    constexpr auto pool = D == 2 ? &avg_pool2d : &avg_pool3d;
    return pool(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                o.count_include_pad(), o.divisor_override());
  }
}

template <size_t D>
std::string AvgPoolImpl<D>::extra_repr() const {
  // PyTorch's AvgPool1d keeps its arguments as tuples; the others print them as given.
  const bool as_given = D != 1;
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(as_given),
                     options.stride().repr(as_given), options.padding().repr(as_given));
}

template <size_t D>
Tensor MaxUnpoolImpl<D>::forward(const Tensor& input, const Tensor& indices,
                                 const std::optional<std::vector<int64_t>>& output_size) {
  constexpr auto unpool = D == 1 ? &max_unpool1d : D == 2 ? &max_unpool2d : &max_unpool3d;
  return unpool(input, indices, options.kernel_size(), options.stride(), options.padding(),
                unpool_size(output_size));
}

template <size_t D>
std::string MaxUnpoolImpl<D>::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size().repr(),
                     options.stride().repr(), options.padding().repr());
}

template class MaxPoolImpl<1>;
template class MaxPoolImpl<2>;
template class MaxPoolImpl<3>;
template class AvgPoolImpl<1>;
template class AvgPoolImpl<2>;
template class AvgPoolImpl<3>;
template class MaxUnpoolImpl<1>;
template class MaxUnpoolImpl<2>;
template class MaxUnpoolImpl<3>;

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
template std::vector<int64_t> adaptive_size(const ExpandingArrayWithOptional<3>&, const Tensor&);
template class AdaptivePoolImpl<1>;
template class AdaptivePoolImpl<2>;
template class AdaptivePoolImpl<3>;

}  // namespace detail

Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) {
  return adaptive_avg_pool1d(input, detail::adaptive_size(options.output_size(), input));
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, detail::adaptive_size(options.output_size(), input));
}

Tensor AdaptiveAvgPool3dImpl::forward(const Tensor& input) {
  return adaptive_avg_pool3d(input, detail::adaptive_size(options.output_size(), input));
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

Tensor AdaptiveMaxPool3dImpl::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

std::tuple<Tensor, Tensor> AdaptiveMaxPool3dImpl::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool3d(input, detail::adaptive_size(options.output_size(), input));
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
