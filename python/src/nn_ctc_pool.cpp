// ember._C._nn's CTC loss and fractional max pooling, with torch's argument names; the lengths
// given as lists and the samples drawn when not given are handled in ember/nn/functional.py.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"

namespace ember::python {

namespace F = nn::functional;

namespace {

// A window parameter of D values from an int or a sequence, refused as torch words it.
template <size_t D>
ExpandingArray<D> window(py::handle obj, const char* op, const char* name) {
  const DimVector v = int_list(obj, op);
  if (v.size() != 1 && v.size() != D)
    throw Error(fmt::format("{}: {} must either be a single Int or tuple of {}Ints", op, name,
                            D == 3 ? "three " : ""),
                ErrorKind::Runtime);
  return ExpandingArray<D>(IntArrayRef(v));
}

// An output ratio of D values from a float or a sequence of floats.
template <size_t D>
nn::detail::ExpandingDoubles<D> ratio(py::handle obj) {
  if (!py::isinstance<py::sequence>(obj)) return {obj.cast<double>()};
  const auto values = obj.cast<std::vector<double>>();
  if (values.size() == 1) return {values[0]};
  if (values.size() != D) ember::detail::throw_window_count(D, values.size());
  nn::detail::ExpandingDoubles<D> out(0.0);
  if constexpr (D == 2)
    out = {values[0], values[1]};
  else
    out = {values[0], values[1], values[2]};
  return out;
}

template <size_t D>
py::tuple fractional(const Tensor& input, py::handle kernel_size, py::handle output_size,
                     py::handle output_ratio, py::handle samples) {
  const char* op = D == 2 ? "fractional_max_pool2d" : "fractional_max_pool3d";
  nn::FractionalMaxPoolOptions<D> options(window<D>(kernel_size, op, "kernel_size"));
  if (!output_size.is_none()) options.output_size(window<D>(output_size, op, "output_size"));
  if (!output_ratio.is_none()) options.output_ratio(ratio<D>(output_ratio));
  options._random_samples(tensor_or_undefined(samples));
  std::tuple<Tensor, Tensor> out;
  if constexpr (D == 2)
    out = F::fractional_max_pool2d_with_indices(input, options);
  else
    out = F::fractional_max_pool3d_with_indices(input, options);
  return py::make_tuple(std::get<0>(out), std::get<1>(out));
}

}  // namespace

void bind_nn_ctc_pool(py::module_& m) {
  m.def(
      "ctc_loss",
      [](const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
         const Tensor& target_lengths, int64_t blank, const std::string& reduction,
         bool zero_infinity) {
        return F::ctc_loss(log_probs, targets, input_lengths, target_lengths,
                           F::CTCLossFuncOptions()
                               .blank(blank)
                               .reduction(to_reduction(reduction))
                               .zero_infinity(zero_infinity));
      },
      py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"), py::arg("target_lengths"),
      py::arg("blank") = 0, py::arg("reduction") = "mean", py::arg("zero_infinity") = false);
  m.def("fractional_max_pool2d_with_indices", &fractional<2>, py::arg("input"),
        py::arg("kernel_size"), py::arg("output_size") = py::none(),
        py::arg("output_ratio") = py::none(), py::arg("_random_samples") = py::none());
  m.def("fractional_max_pool3d_with_indices", &fractional<3>, py::arg("input"),
        py::arg("kernel_size"), py::arg("output_size") = py::none(),
        py::arg("output_ratio") = py::none(), py::arg("_random_samples") = py::none());
}

}  // namespace ember::python
