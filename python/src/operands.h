#pragma once
// How the bindings take the right-hand operand of a binary op: a tensor or a Python number,
// with PyTorch's answers (NotImplemented from an operator, TypeError from a method) otherwise.
#include <string>

#include "bindings.h"

namespace ember::python {

// A binary op with a tensor or a Python number on the right; NotImplemented for anything else,
// so that Python tries the other operand's reflected method.
template <typename ForTensor, typename ForScalar>
py::object binary(const Tensor& a, py::handle b, ForTensor&& for_tensor, ForScalar&& for_scalar) {
  if (is_tensor(b)) return wrap(for_tensor(a, as_tensor(b)));
  if (is_number(b)) return wrap(for_scalar(a, to_scalar(b)));
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

// The operators take self as a handle, so that only the fast lookups above run.
template <typename ForTensor, typename ForScalar>
py::object binary(py::handle self, py::handle b, ForTensor&& for_tensor, ForScalar&& for_scalar) {
  return binary(as_tensor(self), b, for_tensor, for_scalar);
}

// A method's answer to an `other` that is neither a tensor nor a number, as torch's.
[[noreturn]] inline void throw_other_type_error(const char* name, py::handle b) {
  throw py::type_error(std::string(name) + "(): argument 'other' must be Tensor or Number, not " +
                       std::string(py::str(py::type::handle_of(b).attr("__name__"))));
}

// The same as a method: anything but a tensor or a number is a TypeError.
template <typename ForTensor, typename ForScalar>
py::object binary_method(const char* name, const Tensor& a, py::handle b, ForTensor&& for_tensor,
                         ForScalar&& for_scalar) {
  py::object r = binary(a, b, for_tensor, for_scalar);
  if (r.ptr() == Py_NotImplemented) throw_other_type_error(name, b);
  return r;
}

// An operand of an out= op: a tensor, or a number as a 0-dim tensor of its Python type's dtype
// (which type promotion ranks below dimensioned tensors, as PyTorch's wrapped numbers).
inline Tensor operand(py::handle obj) {
  if (is_tensor(obj)) return as_tensor(obj);
  const Scalar s = to_scalar(obj);
  return full({}, s, TensorOptions(s.is_boolean() ? kBool : s.is_integral() ? kInt64 : kFloat64));
}

// An in-place op: runs on the tensor and returns the same Python object, as PyTorch does.
template <typename ForTensor, typename ForScalar>
py::object in_place(py::object self, py::handle b, ForTensor&& for_tensor, ForScalar&& for_scalar) {
  const Tensor& a = as_tensor(self);
  if (is_tensor(b)) {
    for_tensor(a, as_tensor(b));
  } else if (is_number(b)) {
    for_scalar(a, to_scalar(b));
  } else {
    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  }
  return self;
}

// The same as a method: anything but a tensor or a number is a TypeError.
template <typename ForTensor, typename ForScalar>
py::object in_place_method(const char* name, py::object self, py::handle b, ForTensor&& for_tensor,
                           ForScalar&& for_scalar) {
  py::object r = in_place(self, b, for_tensor, for_scalar);
  if (r.ptr() == Py_NotImplemented) throw_other_type_error(name, b);
  return r;
}

}  // namespace ember::python
