// The extension module ember._C: registers every binding file and maps ember::Error onto the
// Python exception PyTorch raises for the same mistake.
#include "bindings.h"

namespace ember::python {

namespace {
void translate_errors() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::Runtime:
          type = PyExc_RuntimeError;
          break;
        case ErrorKind::Index:
          type = PyExc_IndexError;
          break;
        case ErrorKind::Type:
          type = PyExc_TypeError;
          break;
        case ErrorKind::Value:
          type = PyExc_ValueError;
          break;
        case ErrorKind::NotImplemented:
          type = PyExc_NotImplementedError;
          break;
      }
      PyErr_SetString(type, e.what());
    }
  });
}
}  // namespace

}  // namespace ember::python

PYBIND11_MODULE(_C, m) {
  using namespace ember::python;
  m.doc() = "Ember's C++ core: tensors, ops and autograd";
  translate_errors();
  bind_dtype_and_device(m);
  bind_tensor(m);
  register_tensor_type();
  bind_op_table(m);
  bind_tensor_reductions(m);
  bind_functions(m);
  bind_generator(m);
  bind_autograd(m);
  bind_numpy(m);
  bind_nn(m);
  bind_optim(m);
  bind_dlpack(m);
  bind_composed(m);
  bind_bitwise(m);
  bind_sequences(m);
  bind_tensor_coverage(m);
  bind_math(m);
  bind_order_statistics(m);
  bind_search(m);
  bind_linalg(m);
  bind_func(m);
  bind_distributed(m);
  bind_profiler(m);
  m.def("_set_python_types", &set_python_types, py::arg("size"));
}
