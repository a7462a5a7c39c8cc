// ember._C._nn: the functional layer that ember.nn's modules and ember.nn.functional call, plus
// nn.init and the layers' parameter initialisation.
#include <pybind11/stl.h>

#include <functional>
#include <optional>
#include <string>

#include "bindings.h"

namespace ember::python {

namespace {

// nn.init, all from C++: each fill runs without recording and returns the same tensor object.
void bind_init(py::module_& m) {
  using Fill = std::function<void(const Tensor&)>;
  auto fill = [](py::object t, const Fill& f) {
    f(as_tensor(t));
    return t;
  };
  m.def(
      "uniform_",
      [=](py::object t, double a, double b) {
        return fill(t, [&](const Tensor& x) { nn::init::uniform_(x, a, b); });
      },
      py::arg("tensor"), py::arg("a") = 0.0, py::arg("b") = 1.0);
  m.def(
      "normal_",
      [=](py::object t, double mean, double std) {
        return fill(t, [&](const Tensor& x) { nn::init::normal_(x, mean, std); });
      },
      py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0);
  m.def(
      "constant_",
      [=](py::object t, double val) {
        return fill(t, [&](const Tensor& x) { nn::init::constant_(x, val); });
      },
      py::arg("tensor"), py::arg("val"));
  m.def(
      "ones_", [=](py::object t) { return fill(t, [](const Tensor& x) { nn::init::ones_(x); }); },
      py::arg("tensor"));
  m.def(
      "zeros_", [=](py::object t) { return fill(t, [](const Tensor& x) { nn::init::zeros_(x); }); },
      py::arg("tensor"));
  m.def(
      "kaiming_uniform_",
      [=](py::object t, double a, const std::string& mode, const std::string& nonlinearity) {
        return fill(t,
                    [&](const Tensor& x) { nn::init::kaiming_uniform_(x, a, mode, nonlinearity); });
      },
      py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in",
      py::arg("nonlinearity") = "leaky_relu");
  m.def(
      "kaiming_normal_",
      [=](py::object t, double a, const std::string& mode, const std::string& nonlinearity) {
        return fill(t,
                    [&](const Tensor& x) { nn::init::kaiming_normal_(x, a, mode, nonlinearity); });
      },
      py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in",
      py::arg("nonlinearity") = "leaky_relu");
  m.def(
      "eye_", [=](py::object t) { return fill(t, [](const Tensor& x) { nn::init::eye_(x); }); },
      py::arg("tensor"));
  m.def(
      "dirac_",
      [=](py::object t, int64_t groups) {
        return fill(t, [&](const Tensor& x) { nn::init::dirac_(x, groups); });
      },
      py::arg("tensor"), py::arg("groups") = 1);
  m.def(
      "orthogonal_",
      [=](py::object t, double gain) {
        return fill(t, [&](const Tensor& x) { nn::init::orthogonal_(x, gain); });
      },
      py::arg("tensor"), py::arg("gain") = 1.0);
  m.def(
      "trunc_normal_",
      [=](py::object t, double mean, double std, double a, double b) {
        return fill(t, [&](const Tensor& x) { nn::init::trunc_normal_(x, mean, std, a, b); });
      },
      py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, py::arg("a") = -2.0,
      py::arg("b") = 2.0);
  m.def(
      "xavier_uniform_",
      [=](py::object t, double gain) {
        return fill(t, [&](const Tensor& x) { nn::init::xavier_uniform_(x, gain); });
      },
      py::arg("tensor"), py::arg("gain") = 1.0);
  m.def(
      "xavier_normal_",
      [=](py::object t, double gain) {
        return fill(t, [&](const Tensor& x) { nn::init::xavier_normal_(x, gain); });
      },
      py::arg("tensor"), py::arg("gain") = 1.0);
  m.def("calculate_gain", &nn::init::calculate_gain, py::arg("nonlinearity"),
        py::arg("param") = py::none());
  m.def("_calculate_fan_in_and_fan_out", &nn::init::calculate_fan_in_and_fan_out,
        py::arg("tensor"));
  m.def("_reset_affine_", [](const Tensor& weight, py::handle bias) {
    nn::init::_reset_affine_(weight, tensor_or_undefined(bias));
  });
  m.def("_reset_recurrent_", [](py::handle weights, int64_t hidden_size) {
    nn::init::_reset_recurrent_(tensor_list(weights), hidden_size);
  });
}

// torch.nn.utils: the Python functions take lists of tensors.
void bind_utils(py::module_& m) {
  m.def("_clip_grad_norm_",
        [](py::handle parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
          return nn::utils::clip_grad_norm_tensor(tensor_list(parameters), max_norm, norm_type,
                                                  error_if_nonfinite);
        });
  m.def("_clip_grad_value_", [](py::handle parameters, double clip_value) {
    nn::utils::clip_grad_value_(tensor_list(parameters), clip_value);
  });
  m.def("_parameters_to_vector", [](py::handle parameters) {
    return nn::utils::parameters_to_vector(tensor_list(parameters));
  });
  m.def("_vector_to_parameters", [](const Tensor& vec, py::handle parameters) {
    nn::utils::vector_to_parameters(vec, tensor_list(parameters));
  });
}

}  // namespace

namespace F = nn::functional;

nn::Reduction to_reduction(const std::string& name) {
  if (name == "mean") return nn::Reduction::Mean;
  if (name == "sum") return nn::Reduction::Sum;
  if (name == "none") return nn::Reduction::None;
  if (name == "batchmean") return nn::Reduction::BatchMean;
  throw py::value_error(name + " is not a valid value for reduction");
}

namespace {

// An int or a pair of ints (kernel sizes, strides, paddings), as torch accepts both.
DimVector pair(py::handle obj, const char* op) {
  DimVector v = int_list(obj, op);
  if (v.size() == 1) v.push_back(v[0]);
  return v;
}

// The recurrent functions with torch's names and argument order (torch.rnn_tanh, torch.lstm,
// torch.lstm_cell, ...); a hidden state of None starts from zeros.
void bind_recurrent(py::module_& m) {
  using Sequence = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Tensor&, TensorList, bool,
                                                  int64_t, double, bool, bool, bool);
  const auto sequence = [&](const char* name, Sequence fn) {
    m.def(
        name,
        [fn](const Tensor& input, py::handle hx, const std::vector<Tensor>& params, bool has_biases,
             int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first) {
          return fn(input, tensor_or_undefined(hx), params, has_biases, num_layers, dropout, train,
                    bidirectional, batch_first);
        },
        py::arg("input"), py::arg("hx"), py::arg("params"), py::arg("has_biases"),
        py::arg("num_layers"), py::arg("dropout"), py::arg("train"), py::arg("bidirectional"),
        py::arg("batch_first"));
  };
  sequence("rnn_tanh", &F::rnn_tanh);
  sequence("rnn_relu", &F::rnn_relu);
  sequence("gru", &F::gru);
  m.def(
      "lstm",
      [](const Tensor& input, const std::vector<Tensor>& hx, const std::vector<Tensor>& params,
         bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
         bool batch_first) {
        return F::lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                       batch_first);
      },
      py::arg("input"), py::arg("hx"), py::arg("params"), py::arg("has_biases"),
      py::arg("num_layers"), py::arg("dropout"), py::arg("train"), py::arg("bidirectional"),
      py::arg("batch_first"));
  using Cell = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                          const Tensor&);
  const auto cell = [&](const char* name, Cell fn) {
    m.def(
        name,
        [fn](const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
             py::handle b_ih, py::handle b_hh) {
          return fn(input, hx, w_ih, w_hh, tensor_or_undefined(b_ih), tensor_or_undefined(b_hh));
        },
        py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none());
  };
  cell("rnn_tanh_cell", &F::rnn_tanh_cell);
  cell("rnn_relu_cell", &F::rnn_relu_cell);
  cell("gru_cell", &F::gru_cell);
  m.def(
      "lstm_cell",
      [](const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih, const Tensor& w_hh,
         py::handle b_ih, py::handle b_hh) {
        return F::lstm_cell(input, hx, w_ih, w_hh, tensor_or_undefined(b_ih),
                            tensor_or_undefined(b_hh));
      },
      py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
      py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none());
  bind_packed_sequences(m);
}

// The activations beyond relu/gelu, with torch's argument names and defaults.
void bind_activations(py::module_& m) {
  const auto x = py::arg("input");
  const auto inplace = py::arg("inplace") = false;
  m.def("elu", py::overload_cast<const Tensor&, double, bool>(&F::elu), x, py::arg("alpha") = 1.0,
        inplace);
  m.def("selu", py::overload_cast<const Tensor&, bool>(&F::selu), x, inplace);
  m.def("celu", py::overload_cast<const Tensor&, double, bool>(&F::celu), x, py::arg("alpha") = 1.0,
        inplace);
  m.def("silu", &F::silu, x, inplace);
  m.def("mish", &F::mish, x, inplace);
  m.def("softplus", py::overload_cast<const Tensor&, double, double>(&F::softplus), x,
        py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  m.def("softsign", &F::softsign, x);
  m.def("softshrink", &F::softshrink, x, py::arg("lambd") = 0.5);
  m.def("hardshrink", &F::hardshrink, x, py::arg("lambd") = 0.5);
  m.def("tanhshrink", &F::tanhshrink, x);
  m.def("hardtanh", py::overload_cast<const Tensor&, double, double, bool>(&F::hardtanh), x,
        py::arg("min_val") = -1.0, py::arg("max_val") = 1.0, inplace);
  m.def("relu6", py::overload_cast<const Tensor&, bool>(&F::relu6), x, inplace);
  m.def("logsigmoid", &F::logsigmoid, x);
  m.def("hardsigmoid", &F::hardsigmoid, x, inplace);
  m.def("hardswish", &F::hardswish, x, inplace);
  m.def("threshold", py::overload_cast<const Tensor&, double, double, bool>(&F::threshold), x,
        py::arg("threshold"), py::arg("value"), inplace);
  m.def("glu", py::overload_cast<const Tensor&, int64_t>(&F::glu), x, py::arg("dim") = -1);
}

}  // namespace

void bind_nn(py::module_& parent) {
  py::module_ m = parent.def_submodule("_nn", "the C++ functional layer behind ember.nn");
  bind_utils(m);
  m.def(
      "linear",
      [](const Tensor& x, const Tensor& w, py::handle b) {
        return F::linear(x, w, tensor_or_undefined(b));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "conv2d",
      [](const Tensor& x, const Tensor& w, py::handle b, py::handle stride, py::handle padding,
         py::handle dilation, int64_t groups) {
        return conv2d(x, w, tensor_or_undefined(b), pair(stride, "conv2d"), pair(padding, "conv2d"),
                      pair(dilation, "conv2d"), groups);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
  m.def(
      "group_norm",
      [](const Tensor& x, int64_t num_groups, py::handle w, py::handle b, double eps) {
        return F::group_norm(x, num_groups, tensor_or_undefined(w), tensor_or_undefined(b), eps);
      },
      py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  m.def(
      "conv_transpose2d",
      [](const Tensor& x, const Tensor& w, py::handle b, py::handle stride, py::handle padding,
         py::handle output_padding, int64_t groups, py::handle dilation) {
        const char* name = "conv_transpose2d";
        return conv_transpose2d(x, w, tensor_or_undefined(b), pair(stride, name),
                                pair(padding, name), pair(output_padding, name), groups,
                                pair(dilation, name));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1,
      py::arg("dilation") = 1);
  m.def(
      "max_pool2d",
      [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding,
         py::handle dilation, bool ceil_mode) {
        const DimVector k = pair(kernel, "max_pool2d");
        return max_pool2d(x, k, stride.is_none() ? k : pair(stride, "max_pool2d"),
                          pair(padding, "max_pool2d"), pair(dilation, "max_pool2d"), ceil_mode);
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  m.def(
      "avg_pool2d",
      [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding, bool ceil_mode,
         bool count_include_pad, std::optional<int64_t> divisor_override) {
        const DimVector k = pair(kernel, "avg_pool2d");
        return avg_pool2d(x, k, stride.is_none() ? k : pair(stride, "avg_pool2d"),
                          pair(padding, "avg_pool2d"), ceil_mode, count_include_pad,
                          divisor_override);
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
      py::arg("divisor_override") = py::none());
  m.def(
      "relu", [](const Tensor& x, bool inplace) { return F::relu(x, inplace); }, py::arg("input"),
      py::arg("inplace") = false);
  m.def("leaky_relu", py::overload_cast<const Tensor&, double, bool>(&F::leaky_relu),
        py::arg("input"), py::arg("negative_slope") = 0.01, py::arg("inplace") = false);
  m.def(
      "gelu",
      [](const Tensor& x, const std::string& approximate) { return F::gelu(x, approximate); },
      py::arg("input"), py::arg("approximate") = "none");
  m.def("dropout", py::overload_cast<const Tensor&, double, bool, bool>(&F::dropout),
        py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        py::arg("inplace") = false);
  using DropoutFn = Tensor (*)(const Tensor&, double, bool, bool);
  const std::pair<const char*, DropoutFn> channel_dropouts[] = {
      {"dropout1d", &F::dropout1d}, {"dropout2d", &F::dropout2d}, {"dropout3d", &F::dropout3d}};
  for (const auto& [name, fn] : channel_dropouts)
    m.def(name, fn, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
          py::arg("inplace") = false);
  const std::pair<const char*, DropoutFn> alpha_dropouts[] = {
      {"alpha_dropout", &F::alpha_dropout}, {"feature_alpha_dropout", &F::feature_alpha_dropout}};
  for (const auto& [name, fn] : alpha_dropouts)
    m.def(name, fn, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = false,
          py::arg("inplace") = false);
  m.def("embedding",
        py::overload_cast<const Tensor&, const Tensor&, std::optional<int64_t>>(&F::embedding),
        py::arg("input"), py::arg("weight"), py::arg("padding_idx") = py::none());
  bind_recurrent(m);
  bind_activations(m);
  m.def("one_hot", &F::one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
  m.def(
      "pad",
      [](const Tensor& x, py::handle pad, const std::string& mode, py::handle value) {
        return F::pad(x, int_list(pad, "pad"), mode, value.is_none() ? 0.0 : value.cast<double>());
      },
      py::arg("input"), py::arg("pad"), py::arg("mode") = "constant",
      py::arg("value") = py::none());
  m.def("normalize", py::overload_cast<const Tensor&, double, int64_t, double>(&F::normalize),
        py::arg("input"), py::arg("p") = 2.0, py::arg("dim") = 1, py::arg("eps") = 1e-12);
  m.def("cosine_similarity",
        py::overload_cast<const Tensor&, const Tensor&, int64_t, double>(&F::cosine_similarity),
        py::arg("x1"), py::arg("x2"), py::arg("dim") = 1, py::arg("eps") = 1e-8);
  m.def(
      "pairwise_distance",
      py::overload_cast<const Tensor&, const Tensor&, double, double, bool>(&F::pairwise_distance),
      py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("eps") = 1e-6,
      py::arg("keepdim") = false);
  m.def(
      "layer_norm",
      [](const Tensor& x, py::handle shape, py::handle w, py::handle b, double eps) {
        return F::layer_norm(x, int_list(shape, "layer_norm"), tensor_or_undefined(w),
                             tensor_or_undefined(b), eps);
      },
      py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  m.def(
      "rms_norm",
      [](const Tensor& x, py::handle shape, py::handle w, std::optional<double> eps) {
        return F::rms_norm(x, int_list(shape, "rms_norm"), tensor_or_undefined(w), eps);
      },
      py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
      py::arg("eps") = py::none());
  m.def(
      "batch_norm",
      [](const Tensor& x, py::handle mean, py::handle var, py::handle w, py::handle b,
         bool training, double momentum, double eps) {
        return F::batch_norm(x, tensor_or_undefined(mean), tensor_or_undefined(var),
                             tensor_or_undefined(w), tensor_or_undefined(b), training, momentum,
                             eps);
      },
      py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
      py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("training") = false,
      py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);

  m.def(
      "mse_loss",
      [](const Tensor& x, const Tensor& t, const std::string& reduction) {
        return F::mse_loss(x, t, to_reduction(reduction));
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def(
      "l1_loss",
      [](const Tensor& x, const Tensor& t, const std::string& reduction) {
        return F::l1_loss(x, t, to_reduction(reduction));
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def(
      "smooth_l1_loss",
      [](const Tensor& x, const Tensor& t, const std::string& reduction, double beta) {
        return F::smooth_l1_loss(x, t, to_reduction(reduction), beta);
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  m.def(
      "huber_loss",
      [](const Tensor& x, const Tensor& t, const std::string& reduction, double delta) {
        return F::huber_loss(x, t, to_reduction(reduction), delta);
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0);
  m.def(
      "kl_div",
      [](const Tensor& x, const Tensor& t, const std::string& reduction, bool log_target) {
        return F::kl_div(x, t, to_reduction(reduction), log_target);
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
      py::arg("log_target") = false);
  m.def(
      "nll_loss",
      [](const Tensor& x, const Tensor& t, py::handle weight, int64_t ignore_index,
         const std::string& reduction) {
        return F::nll_loss(x, t, to_reduction(reduction), ignore_index,
                           tensor_or_undefined(weight));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("ignore_index") = -100, py::arg("reduction") = "mean");
  m.def(
      "cross_entropy",
      [](const Tensor& x, const Tensor& t, py::handle weight, int64_t ignore_index,
         const std::string& reduction, double label_smoothing) {
        return F::cross_entropy(x, t, to_reduction(reduction), ignore_index, label_smoothing,
                                tensor_or_undefined(weight));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
      py::arg("label_smoothing") = 0.0);
  m.def(
      "binary_cross_entropy",
      [](const Tensor& x, const Tensor& t, py::handle weight, const std::string& reduction) {
        return F::binary_cross_entropy(x, t, tensor_or_undefined(weight), to_reduction(reduction));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean");
  m.def(
      "binary_cross_entropy_with_logits",
      [](const Tensor& x, const Tensor& t, py::handle weight, const std::string& reduction,
         py::handle pos_weight) {
        return F::binary_cross_entropy_with_logits(x, t, tensor_or_undefined(weight),
                                                   to_reduction(reduction),
                                                   tensor_or_undefined(pos_weight));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean", py::arg("pos_weight") = py::none());

  bind_init(m);
  bind_nn_layers(m);
  bind_nn_attention(m);
  bind_nn_grid(m);
  bind_nn_losses(m);
  bind_nn_ctc_pool(m);
}

}  // namespace ember::python
