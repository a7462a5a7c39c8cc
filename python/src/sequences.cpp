// ember._C's grids, spaced sequences, signal windows, Vandermonde matrices, combinations,
// trapezoidal integration and isin (ember/ops/sequence_composed.h); the factory keywords and
// torch's optional-argument forms are handled in ember/_sequences.py.
#include <pybind11/stl.h>

#include "bindings.h"

namespace ember::python {

namespace {

TensorOptions dtype_options(py::handle dtype) {
  const std::optional<ScalarType> type = to_optional_dtype(dtype);
  return type ? TensorOptions().dtype(*type) : TensorOptions();
}

}  // namespace

void bind_sequences(py::module_& m) {
  m.def(
      "meshgrid",
      [](py::handle tensors, const std::string& indexing) {
        return meshgrid(tensor_list(tensors), indexing);
      },
      py::arg("tensors"), py::arg("indexing") = "ij");
  m.def(
      "_logspace",
      [](double start, double end, int64_t steps, double base, py::handle dtype) {
        return logspace(start, end, steps, base, dtype_options(dtype));
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base"), py::arg("dtype"));
  m.def(
      "_range",
      [](double start, double end, double step, py::handle dtype) {
        return range(start, end, step, dtype_options(dtype));
      },
      py::arg("start"), py::arg("end"), py::arg("step"), py::arg("dtype"));
  m.def(
      "_window",
      [](const std::string& name, int64_t length, bool periodic, double a, double b,
         py::handle dtype) {
        const TensorOptions options = dtype_options(dtype);
        if (name == "hann_window") return hann_window(length, periodic, options);
        if (name == "hamming_window") return hamming_window(length, periodic, a, b, options);
        if (name == "blackman_window") return blackman_window(length, periodic, options);
        if (name == "bartlett_window") return bartlett_window(length, periodic, options);
        return kaiser_window(length, periodic, a, options);
      },
      py::arg("name"), py::arg("length"), py::arg("periodic"), py::arg("a"), py::arg("b"),
      py::arg("dtype"));
  m.def("vander", &vander, py::arg("x"), py::arg("N") = py::none(), py::arg("increasing") = false);
  m.def("combinations", &combinations, py::arg("input"), py::arg("r") = 2,
        py::arg("with_replacement") = false);
  m.def(
      "_trapezoid",
      [](const Tensor& y, py::handle x, py::handle dx, int64_t dim, bool cumulative) {
        if (!x.is_none())
          return cumulative ? cumulative_trapezoid(y, as_tensor(x), dim)
                            : trapezoid(y, as_tensor(x), dim);
        const Scalar spacing = dx.is_none() ? Scalar(1) : to_scalar(dx);
        return cumulative ? cumulative_trapezoid(y, spacing, dim) : trapezoid(y, spacing, dim);
      },
      py::arg("y"), py::arg("x"), py::arg("dx"), py::arg("dim"), py::arg("cumulative"));
  m.def("_isin", &isin, py::arg("elements"), py::arg("test_elements"), py::arg("assume_unique"),
        py::arg("invert"));
}

}  // namespace ember::python
