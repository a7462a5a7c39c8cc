// ember._C._nn's convolutions, pools and resampling beyond the 2-D primitives: the composed 1-D
// and 3-D forms, adaptive and power-average pooling, unpooling, interpolation, pixel shuffles and
// fold/unfold, and scaled dot-product attention. Window arguments take an int or a tuple, as
// torch's do.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"

namespace ember::python {
namespace {

// A window argument: an int for every spatial dim, or a sequence of them; None gives `none`.
DimVector window(py::handle obj, const char* op, DimVector none = {}) {
  if (obj.is_none()) return none;
  return int_list(obj, op);
}

// output_size for adaptive pooling: an int, or a tuple whose None entries keep the input's size.
DimVector adaptive_size(py::handle obj, const Tensor& input, int64_t nd, const char* op) {
  if (!py::isinstance<py::sequence>(obj)) return DimVector(nd, int_arg(obj, op, "output_size"));
  DimVector out;
  const auto items = py::reinterpret_borrow<py::sequence>(obj);
  for (size_t i = 0; i < items.size(); ++i) {
    const int64_t dim = input.dim() - static_cast<int64_t>(items.size()) + static_cast<int64_t>(i);
    out.push_back(items[i].is_none() ? input.size(dim) : int_arg(items[i], op, "output_size"));
  }
  return out;
}

void bind_convolutions(py::module_& m) {
  using Conv = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, IntArrayRef, IntArrayRef,
                          IntArrayRef, int64_t);
  const std::pair<const char*, Conv> convs[] = {{"conv1d", &conv1d}, {"conv3d", &conv3d}};
  for (const auto& [name, fn] : convs)
    m.def(
        name,
        [fn = fn, name = name](const Tensor& x, const Tensor& w, py::handle b, py::handle stride,
                               py::handle padding, py::handle dilation, int64_t groups) {
          return fn(x, w, tensor_or_undefined(b), window(stride, name), window(padding, name),
                    window(dilation, name), groups);
        },
        py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
  using ConvTranspose = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, IntArrayRef,
                                   IntArrayRef, IntArrayRef, int64_t, IntArrayRef);
  const std::pair<const char*, ConvTranspose> transposes[] = {
      {"conv_transpose1d", &conv_transpose1d}, {"conv_transpose3d", &conv_transpose3d}};
  for (const auto& [name, fn] : transposes)
    m.def(
        name,
        [fn = fn, name = name](const Tensor& x, const Tensor& w, py::handle b, py::handle stride,
                               py::handle padding, py::handle output_padding, int64_t groups,
                               py::handle dilation) {
          return fn(x, w, tensor_or_undefined(b), window(stride, name), window(padding, name),
                    window(output_padding, name), groups, window(dilation, name));
        },
        py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1,
        py::arg("dilation") = 1);
  m.def(
      "fold",
      [](const Tensor& x, py::handle output_size, py::handle kernel_size, py::handle dilation,
         py::handle padding, py::handle stride) {
        const char* op = "fold";
        return col2im(x, window(output_size, op), window(kernel_size, op), window(dilation, op),
                      window(padding, op), window(stride, op));
      },
      py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1,
      py::arg("padding") = 0, py::arg("stride") = 1);
  m.def(
      "unfold",
      [](const Tensor& x, py::handle kernel_size, py::handle dilation, py::handle padding,
         py::handle stride) {
        const char* op = "unfold";
        return im2col(x, window(kernel_size, op), window(dilation, op), window(padding, op),
                      window(stride, op));
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
      py::arg("stride") = 1);
  m.def(
      "constant_pad_nd",
      [](const Tensor& x, py::handle pad, double value) {
        return constant_pad_nd(x, int_list(pad, "constant_pad_nd"), value);
      },
      py::arg("input"), py::arg("pad"), py::arg("value") = 0.0);
}

// An adaptive pool over the last nd dims, taking output_size as torch spells it.
template <typename Result>
void bind_adaptive(py::module_& m, const char* name, int64_t nd,
                   Result (*fn)(const Tensor&, IntArrayRef)) {
  m.def(
      name,
      [fn, nd, name](const Tensor& x, py::handle size) {
        return fn(x, adaptive_size(size, x, nd, name));
      },
      py::arg("input"), py::arg("output_size"));
}

void bind_pools(py::module_& m) {
  using MaxPool = std::tuple<Tensor, Tensor> (*)(const Tensor&, IntArrayRef, IntArrayRef,
                                                 IntArrayRef, IntArrayRef, bool);
  // (binding, op named in errors, function)
  const std::tuple<const char*, const char*, MaxPool> max_pools[] = {
      {"max_pool1d_with_indices", "max_pool1d", &max_pool1d_with_indices},
      {"max_pool2d_with_indices", "max_pool2d", &max_pool2d_with_indices},
      {"max_pool3d_with_indices", "max_pool3d", &max_pool3d_with_indices}};
  for (const auto& [name, op, fn] : max_pools)
    m.def(
        name,
        [fn = fn, op = op](const Tensor& x, py::handle kernel, py::handle stride,
                           py::handle padding, py::handle dilation, bool ceil_mode) {
          return fn(x, window(kernel, op), window(stride, op), window(padding, op),
                    window(dilation, op), ceil_mode);
        },
        py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  m.def(
      "avg_pool1d",
      [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding, bool ceil_mode,
         bool count_include_pad) {
        const char* op = "avg_pool1d";
        return avg_pool1d(x, window(kernel, op), window(stride, op), window(padding, op), ceil_mode,
                          count_include_pad);
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);
  m.def(
      "avg_pool3d",
      [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding, bool ceil_mode,
         bool count_include_pad, std::optional<int64_t> divisor_override) {
        const char* op = "avg_pool3d";
        return avg_pool3d(x, window(kernel, op), window(stride, op), window(padding, op), ceil_mode,
                          count_include_pad, divisor_override);
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
      py::arg("divisor_override") = py::none());
  bind_adaptive(m, "adaptive_avg_pool1d", 1, &adaptive_avg_pool1d);
  bind_adaptive(m, "adaptive_avg_pool2d", 2, &adaptive_avg_pool2d);
  bind_adaptive(m, "adaptive_avg_pool3d", 3, &adaptive_avg_pool3d);
  bind_adaptive(m, "adaptive_max_pool1d", 1, &adaptive_max_pool1d);
  bind_adaptive(m, "adaptive_max_pool2d", 2, &adaptive_max_pool2d);
  bind_adaptive(m, "adaptive_max_pool3d", 3, &adaptive_max_pool3d);
  using Unpool =
      Tensor (*)(const Tensor&, const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, IntArrayRef);
  const std::pair<const char*, Unpool> unpools[] = {{"max_unpool1d", &max_unpool1d},
                                                    {"max_unpool2d", &max_unpool2d},
                                                    {"max_unpool3d", &max_unpool3d}};
  for (const auto& [name, fn] : unpools)
    m.def(
        name,
        [fn = fn, name = name](const Tensor& x, const Tensor& indices, py::handle kernel,
                               py::handle stride, py::handle padding, py::handle output_size) {
          return fn(x, indices, window(kernel, name), window(stride, name), window(padding, name),
                    window(output_size, name));
        },
        py::arg("input"), py::arg("indices"), py::arg("kernel_size"),
        py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("output_size") = py::none());
  using LpPool = Tensor (*)(const Tensor&, double, IntArrayRef, IntArrayRef, bool);
  const std::pair<const char*, LpPool> lp_pools[] = {{"lp_pool1d", &lp_pool1d},
                                                     {"lp_pool2d", &lp_pool2d}};
  for (const auto& [name, fn] : lp_pools)
    m.def(
        name,
        [fn = fn, name = name](const Tensor& x, double norm_type, py::handle kernel,
                               py::handle stride, bool ceil_mode) {
          return fn(x, norm_type, window(kernel, name), window(stride, name), ceil_mode);
        },
        py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"),
        py::arg("stride") = py::none(), py::arg("ceil_mode") = false);
}

nn::InterpolateMode interpolate_mode(const std::string& mode) {
  static const std::pair<const char*, nn::InterpolateMode> modes[] = {
      {"nearest", kNearest},   {"nearest-exact", kNearestExact}, {"linear", kLinear},
      {"bilinear", kBilinear}, {"trilinear", kTrilinear},        {"bicubic", kBicubic},
      {"area", kArea}};
  for (const auto& [name, value] : modes)
    if (mode == name) return value;
  throw py::value_error("interpolate: mode '" + mode +
                        "' is not one of nearest | linear | bilinear | bicubic | trilinear | area "
                        "| nearest-exact");
}

// A scale factor given as one number or a sequence of them.
std::vector<double> factors(py::handle obj) {
  if (py::isinstance<py::sequence>(obj)) return obj.cast<std::vector<double>>();
  return {obj.cast<double>()};
}

void bind_resampling(py::module_& m) {
  m.def(
      "interpolate",
      [](const Tensor& x, py::handle size, py::handle scale_factor, const std::string& mode,
         std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor,
         bool antialias) {
        nn::functional::InterpolateFuncOptions options;
        options.mode(interpolate_mode(mode))
            .align_corners(align_corners)
            .recompute_scale_factor(recompute_scale_factor)
            .antialias(antialias);
        if (!size.is_none()) {
          const DimVector sizes = int_list(size, "interpolate");
          options.size(std::vector<int64_t>(sizes.begin(), sizes.end()));
        }
        if (!scale_factor.is_none()) options.scale_factor(factors(scale_factor));
        return nn::functional::interpolate(x, options);
      },
      py::arg("input"), py::arg("size") = py::none(), py::arg("scale_factor") = py::none(),
      py::arg("mode") = "nearest", py::arg("align_corners") = py::none(),
      py::arg("recompute_scale_factor") = py::none(), py::arg("antialias") = false);
  m.def(
      "upsample_nearest",
      [](const Tensor& x, py::handle size, const std::vector<double>& scales, bool exact) {
        return upsample_nearest(x, int_list(size, "interpolate"), scales, exact);
      },
      py::arg("input"), py::arg("output_size"), py::arg("scales") = std::vector<double>{},
      py::arg("exact") = false);
  m.def(
      "upsample_linear",
      [](const Tensor& x, py::handle size, bool align_corners, const std::vector<double>& scales) {
        return upsample_linear(x, int_list(size, "interpolate"), align_corners, scales);
      },
      py::arg("input"), py::arg("output_size"), py::arg("align_corners"),
      py::arg("scales") = std::vector<double>{});
  m.def("pixel_shuffle", &pixel_shuffle, py::arg("input"), py::arg("upscale_factor"));
  m.def("pixel_unshuffle", &pixel_unshuffle, py::arg("input"), py::arg("downscale_factor"));
  m.def("channel_shuffle", &channel_shuffle, py::arg("input"), py::arg("groups"));
}

nn::functional::EmbeddingBagMode bag_mode(const std::string& mode) {
  if (mode == "sum") return nn::functional::EmbeddingBagMode::Sum;
  if (mode == "mean") return nn::functional::EmbeddingBagMode::Mean;
  if (mode == "max") return nn::functional::EmbeddingBagMode::Max;
  throw py::value_error("mode has to be one of sum, mean or max");
}

void bind_norms_and_bags(py::module_& m) {
  namespace F = nn::functional;
  m.def(
      "instance_norm",
      [](const Tensor& x, py::handle mean, py::handle var, py::handle w, py::handle b,
         bool use_input_stats, double momentum, double eps) {
        return F::instance_norm(x, tensor_or_undefined(mean), tensor_or_undefined(var),
                                tensor_or_undefined(w), tensor_or_undefined(b), use_input_stats,
                                momentum, eps);
      },
      py::arg("input"), py::arg("running_mean") = py::none(), py::arg("running_var") = py::none(),
      py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("use_input_stats") = true, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  m.def("local_response_norm", &F::local_response_norm, py::arg("input"), py::arg("size"),
        py::arg("alpha") = 1e-4, py::arg("beta") = 0.75, py::arg("k") = 1.0);
  m.def(
      "cross_map_lrn2d",
      [](const Tensor& x, int64_t size, double alpha, double beta, double k) {
        return nn::functions::cross_map_lrn2d(x, size, alpha, beta, k);
      },
      py::arg("input"), py::arg("size"), py::arg("alpha") = 1e-4, py::arg("beta") = 0.75,
      py::arg("k") = 1);
  m.def("prelu", &F::prelu, py::arg("input"), py::arg("weight"));
  m.def(
      "bilinear",
      [](const Tensor& x1, const Tensor& x2, const Tensor& w, py::handle b) {
        return F::bilinear(x1, x2, w, tensor_or_undefined(b));
      },
      py::arg("input1"), py::arg("input2"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "embedding_bag",
      [](const Tensor& input, const Tensor& weight, py::handle offsets, const std::string& mode,
         py::handle per_sample_weights, bool include_last_offset,
         std::optional<int64_t> padding_idx) {
        return F::embedding_bag(input, weight, tensor_or_undefined(offsets), bag_mode(mode),
                                tensor_or_undefined(per_sample_weights), include_last_offset,
                                padding_idx);
      },
      py::arg("input"), py::arg("weight"), py::arg("offsets") = py::none(),
      py::arg("mode") = "mean", py::arg("per_sample_weights") = py::none(),
      py::arg("include_last_offset") = false, py::arg("padding_idx") = py::none());
  m.def(
      "embedding_renorm_",
      [](py::object weight, const Tensor& indices, double max_norm, double norm_type) {
        Tensor w = as_tensor(weight);
        F::embedding_renorm_(w, indices, max_norm, norm_type);
        return weight;
      },
      py::arg("input"), py::arg("indices"), py::arg("max_norm"), py::arg("norm_type"));
  m.def("scale_grad_by_frequency", &F::scale_grad_by_frequency, py::arg("rows"),
        py::arg("indices"));
}

void bind_attention(py::module_& m) {
  m.def(
      "scaled_dot_product_attention",
      [](const Tensor& q, const Tensor& k, const Tensor& v, py::handle attn_mask, double dropout_p,
         bool is_causal, std::optional<double> scale) {
        return scaled_dot_product_attention(q, k, v, tensor_or_undefined(attn_mask), dropout_p,
                                            is_causal, scale);
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
      py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::arg("scale") = py::none());
}

}  // namespace

void bind_nn_layers(py::module_& m) {
  bind_attention(m);
  bind_convolutions(m);
  bind_pools(m);
  bind_resampling(m);
  bind_norms_and_bags(m);
}

}  // namespace ember::python
