// Fractional max pooling (ember/nn/functional_ctc_pool.h) and its modules: the windows' starts
// are computed as index tensors, and the maxima gathered from the input, so the gradients of every
// order come from gather and max.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "ember/nn/functional_ctc_pool.h"
#include "ember/ops.h"

namespace ember::nn {
namespace {

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(std::move(message), kind);
}

// The names torch gives the spatial dims in its messages.
const char* dim_name(size_t D, size_t i) {
  static const char* two[] = {"height", "width"};
  static const char* three[] = {"time", "height", "width"};
  return D == 2 ? two[i] : three[i];
}

// [N, C, O] window starts along one spatial dim of `in` elements: for O > 1, start i < O - 1 is
// trunc((i + u) alpha) - trunc(u alpha) with alpha = (in - k) / (O - 1), computed in the samples'
// dtype as torch does (so float32 rounds alike); the last window ends at the input's end.
Tensor window_starts(const Tensor& u, int64_t in, int64_t out, int64_t k) {
  const TensorOptions real = TensorOptions(u.dtype()).device(u.device());
  const Tensor last = full({u.size(0), u.size(1), 1}, in - k, TensorOptions(kInt64));
  if (out == 1) return last;
  const Tensor alpha = full({}, in - k, real) / full({}, out - 1, real);
  const Tensor u3 = u.unsqueeze(2);
  const Tensor front = ((arange(out - 1, real) + u3) * alpha).to(kInt64) - (u3 * alpha).to(kInt64);
  return cat({front, last}, 2);
}

template <size_t D>
std::tuple<Tensor, Tensor> fractional_max_pool(const char* op, const char* out_op,
                                               const Tensor& input,
                                               const FractionalMaxPoolOptions<D>& o) {
  constexpr int64_t nd = static_cast<int64_t>(D);
  if (input.dim() != nd + 1 && input.dim() != nd + 2)
    fail(fmt::format("{}(): Expected {}D or {}D tensor, but got: {}", out_op, nd + 1, nd + 2,
                     shape_str(input.sizes())));
  for (int64_t i = 1; i < input.dim(); ++i)
    if (input.size(i) == 0)
      fail(
          fmt::format("{}(): Expected input to have non-zero size for non-batch dimensions, but "
                      "got{} with dimension {} being empty.",
                      out_op, shape_str(input.sizes()), i));
  if (!o.output_size() && !o.output_ratio())
    fail(fmt::format("{} requires specifying either an output_size or an output_ratio", op),
         ErrorKind::Value);
  const int64_t lead = input.dim() - nd;
  std::vector<int64_t> in(D), out(D), k(D);
  for (size_t i = 0; i < D; ++i) {
    in[i] = input.size(lead + static_cast<int64_t>(i));
    k[i] = o.kernel_size()[i];
    // An output size given wins over a ratio, as in torch.
    out[i] = o.output_size()
                 ? (*o.output_size())[i]
                 : static_cast<int64_t>(static_cast<double>(in[i]) * (*o.output_ratio())[i]);
    if (k[i] <= 0)
      fail(fmt::format("{}: kernel_size must be greater than zero, but got {}", op,
                       o.kernel_size().repr()));
    if (out[i] < 0) fail(fmt::format("{}: output_size must not be negative", op));
  }
  // torch lets the 2-D windows reach the input's end but keeps the 3-D ones one short of it.
  for (size_t i = 0; i < D; ++i)
    if (out[i] + k[i] - (D == 2 ? 1 : 0) > in[i])
      fail(fmt::format("{}(): pool {} {} too large relative to input {} {}", out_op, dim_name(D, i),
                       k[i], dim_name(D, i), in[i]));
  if (!input.is_floating_point())
    fail(fmt::format("\"{}_out_frame\" not implemented for '{}'", op,
                     dtype_legacy_name(input.dtype())));
  const Tensor x = lead == 2 ? input : input.unsqueeze(0);
  const int64_t batch = x.size(0), channels = x.size(1);
  Tensor samples = o._random_samples();
  if (samples.defined()) {
    if (samples.dtype() != input.dtype())
      fail(fmt::format("expected scalar type {} but found {}", dtype_legacy_name(input.dtype()),
                       dtype_legacy_name(samples.dtype())));
    if (samples.dim() != 3 || samples.size(0) != batch || samples.size(1) != channels ||
        samples.size(2) != nd)
      fail(fmt::format("{}: expected _random_samples of shape {}, but got {}", op,
                       shape_str({batch, channels, nd}), shape_str(samples.sizes())));
  } else {
    samples = rand({batch, channels, nd}, TensorOptions(input.dtype()).device(input.device()));
  }
  samples = samples.detach();

  DimVector out_shape{batch, channels};
  out_shape.insert(out_shape.end(), out.begin(), out.end());
  int64_t windows = 1, taps = 1;
  for (size_t i = 0; i < D; ++i) windows *= out[i], taps *= k[i];
  if (batch == 0 || windows == 0) {
    const Tensor values = empty(out_shape, x.options());
    const Tensor indices = empty(out_shape, TensorOptions(kInt64).device(x.device()));
    return lead == 2 ? std::tuple{values, indices}
                     : std::tuple{values.squeeze(0), indices.squeeze(0)};
  }
  // Each window's taps as flat positions in the plane: [N, C, o1, .., oD, k1, .., kD], summed
  // from one broadcast term per dim (torch's 2-D samples are (width, height), the 3-D ones
  // (time, height, width)).
  Tensor flat = zeros({1}, TensorOptions(kInt64));
  int64_t stride = 1;
  for (size_t i = D; i-- > 0;) {
    const int64_t sample = D == 2 ? static_cast<int64_t>(1 - i) : static_cast<int64_t>(i);
    const Tensor starts = window_starts(samples.select(2, sample), in[i], out[i], k[i]);
    DimVector shape{batch, channels};
    for (size_t j = 0; j < 2 * D; ++j) shape.push_back(j == i ? out[i] : j == D + i ? k[i] : 1);
    DimVector start_shape(shape), tap_shape(2 + 2 * D, 1);
    start_shape[2 + D + i] = 1;
    tap_shape[2 + D + i] = k[i];
    const Tensor along =
        starts.view(start_shape) + arange(k[i], TensorOptions(kInt64)).view(tap_shape);
    flat = flat + along * stride;
    stride *= in[i];
  }
  DimVector grouped{batch, channels};
  grouped.insert(grouped.end(), out.begin(), out.end());
  grouped.push_back(taps);
  flat = flat.reshape(grouped);
  const Tensor gathered = x.flatten(2).gather(2, flat.reshape({batch, channels, windows * taps}));
  auto [values, arg] = gathered.view(grouped).max(-1);
  const Tensor indices = flat.gather(-1, arg.unsqueeze(-1)).squeeze(-1);
  if (lead == 2) return {values, indices};
  return {values.squeeze(0), indices.squeeze(0)};
}

}  // namespace

namespace functional {

Tensor fractional_max_pool2d(const Tensor& input, const FractionalMaxPool2dFuncOptions& options) {
  return std::get<0>(fractional_max_pool2d_with_indices(input, options));
}
std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(
    const Tensor& input, const FractionalMaxPool2dFuncOptions& options) {
  return fractional_max_pool<2>("fractional_max_pool2d", "fractional_max_pool2d", input, options);
}
Tensor fractional_max_pool3d(const Tensor& input, const FractionalMaxPool3dFuncOptions& options) {
  return std::get<0>(fractional_max_pool3d_with_indices(input, options));
}
std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(
    const Tensor& input, const FractionalMaxPool3dFuncOptions& options) {
  return fractional_max_pool<3>("fractional_max_pool3d", "fractional_max_pool3d_out", input,
                                options);
}

}  // namespace functional

namespace detail {

template <size_t D>
FractionalMaxPoolImpl<D>::FractionalMaxPoolImpl(const char* name,
                                                const FractionalMaxPoolOptions<D>& options)
    : Module(name), options(options) {
  if (!options.output_size() && !options.output_ratio())
    fail(fmt::format("{} requires specifying either an output size, or a pooling ratio", name),
         ErrorKind::Value);
  if (options.output_size() && options.output_ratio())
    fail("only one of output_size and output_ratio may be specified", ErrorKind::Value);
  if (options.output_ratio())
    for (size_t i = 0; i < D; ++i) {
      const double r = (*options.output_ratio())[i];
      if (!(r > 0.0 && r < 1.0))
        fail(fmt::format("output_ratio must be between 0 and 1 (got {})", r), ErrorKind::Value);
    }
  if (options._random_samples().defined())
    this->options._random_samples(register_buffer("_random_samples", options._random_samples()));
}

template <size_t D>
Tensor FractionalMaxPoolImpl<D>::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

template <size_t D>
std::tuple<Tensor, Tensor> FractionalMaxPoolImpl<D>::forward_with_indices(const Tensor& input) {
  if constexpr (D == 2)
    return functional::fractional_max_pool2d_with_indices(input, options);
  else
    return functional::fractional_max_pool3d_with_indices(input, options);
}

template class FractionalMaxPoolImpl<2>;
template class FractionalMaxPoolImpl<3>;

}  // namespace detail
}  // namespace ember::nn
