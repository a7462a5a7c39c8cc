// ember._C's bit operations (ember/ops/bitwise.h): torch.bitwise_and and the rest, taking a
// tensor or a number on either side; ember/_bitwise.py makes them Tensor methods and operators.
#include "bindings.h"

namespace ember::python {

namespace {

using TensorTensor = Tensor (*)(const Tensor&, const Tensor&);
using TensorScalar = Tensor (*)(const Tensor&, const Scalar&);

// f(a, b) for a tensor a and a tensor or number b; a number a is made a 0-dim tensor of its
// own type, as torch wraps it.
template <TensorTensor Both, TensorScalar Right>
Tensor apply(py::handle a, py::handle b) {
  if (!is_tensor(a)) {
    if (!is_tensor(b)) throw py::type_error("expected a tensor operand");
    return Both(tensor_from_data(a, std::nullopt), as_tensor(b));
  }
  if (is_tensor(b)) return Both(as_tensor(a), as_tensor(b));
  if (!is_number(b)) throw py::type_error("unsupported operand type for a bitwise operation");
  return Right(as_tensor(a), to_scalar(b));
}

// The in-place form: self takes f(self, other) in its own dtype.
template <Tensor& (*InPlace)(Tensor&, const Tensor&)>
Tensor in_place(Tensor self, py::handle other) {
  if (!is_tensor(other) && !is_number(other))
    throw py::type_error("unsupported operand type for a bitwise operation");
  return InPlace(self, is_tensor(other) ? as_tensor(other) : tensor_from_data(other, std::nullopt));
}

}  // namespace

void bind_bitwise(py::module_& m) {
  m.def("bitwise_and", &apply<bitwise_and, bitwise_and>, py::arg("input"), py::arg("other"));
  m.def("bitwise_or", &apply<bitwise_or, bitwise_or>, py::arg("input"), py::arg("other"));
  m.def("bitwise_xor", &apply<bitwise_xor, bitwise_xor>, py::arg("input"), py::arg("other"));
  m.def("bitwise_left_shift", &apply<bitwise_left_shift, bitwise_left_shift>, py::arg("input"),
        py::arg("other"));
  m.def("bitwise_right_shift", &apply<bitwise_right_shift, bitwise_right_shift>, py::arg("input"),
        py::arg("other"));
  m.def("bitwise_not", py::overload_cast<const Tensor&>(&bitwise_not), py::arg("input"));
  m.def("_bitwise_and_", &in_place<bitwise_and_>);
  m.def("_bitwise_or_", &in_place<bitwise_or_>);
  m.def("_bitwise_xor_", &in_place<bitwise_xor_>);
  m.def("_bitwise_left_shift_", &in_place<bitwise_left_shift_>);
  m.def("_bitwise_right_shift_", &in_place<bitwise_right_shift_>);
  m.def("_bitwise_not_", [](Tensor self) { return bitwise_not_(self); });
}

}  // namespace ember::python
