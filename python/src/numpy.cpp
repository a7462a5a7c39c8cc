// NumPy interop without copies: from_numpy() and Tensor.numpy() share memory, as in PyTorch.
#include <pybind11/numpy.h>

#include <memory>
#include <string>

#include "bindings.h"

namespace ember::python {

namespace {
std::optional<ScalarType> dtype_of(const py::dtype& d) {
  const char kind = d.kind();
  const auto size = d.itemsize();
  if (kind == 'f' && size == 4) return kFloat32;
  if (kind == 'f' && size == 8) return kFloat64;
  if (kind == 'i' && size == 8) return kInt64;
  if (kind == 'i' && size == 4) return kInt32;
  if (kind == 'b' && size == 1) return kBool;
  return std::nullopt;
}

py::dtype numpy_dtype(ScalarType t) {
  switch (t) {
    case kBool:
      return py::dtype::of<bool>();
    case kInt32:
      return py::dtype::of<int32_t>();
    case kInt64:
      return py::dtype::of<int64_t>();
    case kFloat32:
      return py::dtype::of<float>();
    case kFloat64:
      return py::dtype::of<double>();
  }
  return py::dtype::of<float>();
}

// isinstance(obj, numpy.<name>), without importing NumPy: if it is not loaded, obj is not one.
bool is_numpy_instance(py::handle obj, const char* name) {
  PyObject* numpy = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");
  if (!numpy) return false;
  py::object type = py::reinterpret_borrow<py::object>(numpy).attr(name);
  return PyObject_IsInstance(obj.ptr(), type.ptr()) == 1;
}
}  // namespace

bool is_numpy_array(py::handle obj) { return is_numpy_instance(obj, "ndarray"); }
bool is_numpy_scalar(py::handle obj) { return is_numpy_instance(obj, "generic"); }

Tensor from_numpy_array(py::handle obj, bool warn_if_read_only) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error("expected np.ndarray (got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))) + ")");
  auto array = py::reinterpret_borrow<py::array>(obj);
  const std::optional<ScalarType> dtype = dtype_of(array.dtype());
  if (!dtype)
    throw py::type_error(
        "can't convert np.ndarray of type " + std::string(py::str(array.dtype())) +
        ". The only supported types are: float64, float32, int64, int32, and bool.");
  if (!array.dtype().attr("isnative").cast<bool>())
    throw py::value_error("given numpy array has byte order different from the native byte order");
  const auto itemsize = static_cast<int64_t>(array.itemsize());
  DimVector sizes, strides;
  int64_t extent = 1;  // elements spanned, so the blob covers every one
  bool empty = false;
  for (py::ssize_t i = 0; i < array.ndim(); ++i) {
    const int64_t stride = array.strides(i);
    if (stride < 0)
      throw py::value_error(
          "At least one stride in the given numpy array is negative, and tensors with negative "
          "strides are not currently supported. (You can probably work around this by making a "
          "copy of your array  with array.copy().) ");
    if (stride % itemsize != 0)
      throw py::value_error(
          "given numpy array strides not a multiple of the element byte size. "
          "Copy the numpy array to reallocate the memory.");
    sizes.push_back(array.shape(i));
    strides.push_back(stride / itemsize);
    if (array.shape(i) == 0) empty = true;
    extent += (array.shape(i) - 1) * (stride / itemsize);
  }
  if (empty) return ember::empty(sizes, TensorOptions(*dtype));
  if (warn_if_read_only && !array.writeable() &&
      PyErr_WarnEx(PyExc_UserWarning,
                   "The given NumPy array is not writable, and Ember does not support "
                   "non-writable tensors. This means writing to this tensor will result in "
                   "undefined behavior. You may want to copy the array to protect its data or "
                   "make it writable before converting it to a tensor.",
                   1) != 0)
    throw py::error_already_set();
  // The tensor owns a reference to the array; the deleter may run on a thread without the GIL.
  auto* owner = new PyObjectRef(py::reinterpret_borrow<py::object>(obj));
  Tensor flat = from_blob(
      const_cast<void*>(array.data()), {extent}, [owner](void*) { delete owner; },
      TensorOptions(*dtype));
  return flat.as_strided(sizes, strides, 0);
}

py::object tensor_to_numpy(const Tensor& t) {
  if (t.requires_grad())
    throw std::runtime_error(
        "Can't call numpy() on Tensor that requires grad. "
        "Use tensor.detach().numpy() instead.");
  if (!t.is_cpu())
    throw py::type_error("can't convert " + t.device().str() +
                         " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                         "host memory first.");
  std::vector<py::ssize_t> shape, strides;
  for (int64_t d = 0; d < t.dim(); ++d) {
    shape.push_back(t.size(d));
    strides.push_back(t.stride(d) * static_cast<py::ssize_t>(t.element_size()));
  }
  // The capsule holds a handle on the tensor, keeping its memory alive as long as the array.
  py::capsule base(new Tensor(t), [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.data_ptr(), base);
}

void bind_numpy(py::module_& m) {
  m.def(
      "from_numpy", [](py::handle array) { return from_numpy_array(array); }, py::arg("ndarray"));
}

}  // namespace ember::python
