// Math functions whose surface the op table does not write: ops with parameters (polygamma,
// logit), the special functions under torch.special's names, and the sign and infinity tests.
#include <pybind11/stl.h>

#include <optional>

#include "bindings.h"

namespace ember::python {

void bind_math(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def("polygamma", &Tensor::polygamma, py::arg("n"));
  cls.def(
      "polygamma_",
      [](py::object self, int64_t n) {
        as_tensor(self).polygamma_(n);
        return self;
      },
      py::arg("n"));
  cls.def("logit", &Tensor::logit, py::arg("eps") = py::none());
  cls.def(
      "logit_",
      [](py::object self, std::optional<double> eps) {
        as_tensor(self).logit_(eps);
        return self;
      },
      py::arg("eps") = py::none());
  cls.def("signbit", &Tensor::signbit);
  cls.def("isposinf", &Tensor::isposinf);
  cls.def("isneginf", &Tensor::isneginf);

  m.def("polygamma", py::overload_cast<int64_t, const Tensor&>(&polygamma), py::arg("n"),
        py::arg("input"));
  m.def("special_i1", &special::i1, py::arg("input"));
}

}  // namespace ember::python
