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

  // Type promotion, as torch.result_type, promote_types and can_cast.
  m.def(
      "result_type",
      [](py::handle a, py::handle b) {
        if (!is_tensor(a) && !is_tensor(b)) {
          // Two numbers: as torch, the first stands as a 0-dim tensor of its own kind (bool,
          // int64, or the default float dtype).
          const Scalar first = to_scalar(a);
          const ScalarType kind = first.is_floating_point() ? get_default_dtype() : first.type();
          return dtype_object(result_type(full({}, first, TensorOptions(kind)), to_scalar(b)));
        }
        if (!is_tensor(a)) std::swap(a, b);
        return dtype_object(is_tensor(b) ? result_type(as_tensor(a), as_tensor(b))
                                         : result_type(as_tensor(a), to_scalar(b)));
      },
      py::arg("tensor1"), py::arg("tensor2"));
  m.def(
      "promote_types",
      [](py::handle a, py::handle b) {
        return dtype_object(promote_types(to_dtype(a), to_dtype(b)));
      },
      py::arg("type1"), py::arg("type2"));
  // A cast is allowed unless it lowers the category: float to integer, or anything but bool to
  // bool.
  m.def(
      "can_cast",
      [](py::handle from, py::handle to) {
        const ScalarType f = to_dtype(from), t = to_dtype(to);
        auto category = [](ScalarType s) { return s == kBool ? 0 : is_floating_point(s) ? 2 : 1; };
        return category(f) <= category(t);
      },
      py::arg("from_"), py::arg("to"));
  m.def("special_i1", &special::i1, py::arg("input"));
}

}  // namespace ember::python
