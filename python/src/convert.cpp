// Conversions between Python values and Ember's argument types.
#include <pybind11/stl.h>

#include <array>
#include <map>
#include <optional>
#include <string>

#include "bindings.h"

namespace ember::python {

namespace {

// The Python types that live in the pure-Python part of the package, handed over at import.
py::object& size_type() {
  static py::object* type = new py::object();  // never destroyed: outlives the interpreter
  return *type;
}

[[noreturn]] void type_error(const std::string& message) { throw py::type_error(message); }

std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

// An int, or anything with __index__ (NumPy integers), as int64.
int64_t index_value(py::handle obj) {
  PyObject* index = PyNumber_Index(obj.ptr());
  if (!index) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(index).cast<int64_t>();
}

}  // namespace

// ---- dtype ----------------------------------------------------------------------------------

namespace {
/// The Python face of a ScalarType; one instance per dtype.
struct DType {
  ScalarType type;
};

std::array<py::object, kNumScalarTypes>& dtype_objects() {
  static auto* objects = new std::array<py::object, kNumScalarTypes>();
  return *objects;
}
}  // namespace

py::object dtype_object(ScalarType type) { return dtype_objects()[static_cast<int>(type)]; }

ScalarType to_dtype(py::handle obj) {
  if (py::isinstance<DType>(obj)) return obj.cast<const DType&>().type;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return kFloat64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return kInt64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return kBool;
  // Legacy tensor types (torch.FloatTensor) carry their dtype.
  if (py::hasattr(obj, "dtype") && py::isinstance<py::type>(obj))
    return to_dtype(obj.attr("dtype"));
  type_error("expected a dtype (such as torch.float32), but got " + type_name(obj));
}

std::optional<ScalarType> to_optional_dtype(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return to_dtype(obj);
}

Device to_device(py::handle obj) {
  if (py::isinstance<Device>(obj)) return obj.cast<Device>();
  if (py::isinstance<py::str>(obj)) return Device(obj.cast<std::string>());
  if (py::isinstance<py::int_>(obj)) return Device(DeviceType::CUDA, obj.cast<int>());
  type_error("expected a device (such as 'cpu' or torch.device('cuda')), but got " +
             type_name(obj));
}

void check_usable(Device device) {
  if (device.is_cuda() && !cuda::is_available()) {
    PyErr_SetString(PyExc_AssertionError, "Ember not compiled with CUDA enabled");
    throw py::error_already_set();
  }
}

Device usable_device(py::handle obj) {
  const Device device = to_device(obj);
  check_usable(device);
  return device;
}

void bind_dtype_and_device(py::module_& m) {
  py::class_<DType>(m, "dtype")
      .def_property_readonly("is_floating_point",
                             [](const DType& d) { return is_floating_point(d.type); })
      .def_property_readonly("is_signed", [](const DType& d) { return d.type != kBool; })
      .def_property_readonly("itemsize", [](const DType& d) { return element_size(d.type); })
      .def("__repr__", [](const DType& d) { return std::string("torch.") + dtype_name(d.type); })
      .def("__reduce__", [](const DType& d) { return std::string(dtype_name(d.type)); });
  for (int i = 0; i < kNumScalarTypes; ++i) {
    const auto type = static_cast<ScalarType>(i);
    dtype_objects()[i] = py::cast(DType{type});
    m.attr(dtype_name(type)) = dtype_objects()[i];
  }

  py::class_<Device>(m, "device")
      .def(py::init([](const std::string& spec) { return Device(spec); }), py::arg("type"))
      .def(py::init([](const std::string& type, int index) {
             return Device(type + ":" + std::to_string(index));
           }),
           py::arg("type"), py::arg("index"))
      .def_property_readonly("type", [](const Device& d) { return d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index",
                             [](const Device& d) -> py::object {
                               if (!d.has_index()) return py::none();
                               return py::int_(d.index());
                             })
      .def("__str__", &Device::str)
      .def("__repr__",
           [](const Device& d) {
             std::string s = std::string("device(type='") + (d.is_cpu() ? "cpu" : "cuda") + "'";
             if (d.has_index()) s += ", index=" + std::to_string(d.index());
             return s + ")";
           })
      .def("__eq__",
           [](const Device& d, py::handle other) {
             return py::isinstance<Device>(other) && other.cast<Device>() == d;
           })
      .def("__hash__", [](const Device& d) { return std::hash<std::string>()(d.str()); });
  py::implicitly_convertible<py::str, Device>();
}

// ---- Numbers ----------------------------------------------------------------------------------

bool is_number(py::handle obj) {
  PyObject* p = obj.ptr();
  return PyBool_Check(p) || PyLong_Check(p) || PyFloat_Check(p) || is_numpy_scalar(obj);
}

Scalar to_scalar(py::handle obj) {
  PyObject* p = obj.ptr();
  if (PyBool_Check(p)) return Scalar(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow != 0)
      throw py::value_error("value cannot be converted to type int64 without overflow");
    return Scalar(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(p)) return Scalar(PyFloat_AS_DOUBLE(p));
  if (is_tensor(obj)) return as_tensor(obj).item();
  if (is_numpy_scalar(obj)) {  // keep its category
    const std::string kind = py::str(obj.attr("dtype").attr("kind"));
    if (kind == "b") return Scalar(obj.cast<bool>());
    if (kind == "i" || kind == "u") return Scalar(obj.cast<int64_t>());
    return Scalar(obj.cast<double>());
  }
  type_error("expected a number, but got " + type_name(obj));
}

py::object scalar_object(const Scalar& s) {
  if (s.is_boolean()) return py::bool_(s.to<bool>());
  if (s.is_integral()) return py::int_(s.to_long());
  return py::float_(s.to_double());
}

// ---- Shapes ----------------------------------------------------------------------------------

DimVector int_list(py::handle obj, const char* op) {
  DimVector out;
  if (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) {
    out.push_back(obj.cast<int64_t>());
    return out;
  }
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    type_error(std::string(op) + "(): expected a sequence of ints, but got " + type_name(obj));
  for (py::handle item : obj) {
    if (PyBool_Check(item.ptr()) || !PyIndex_Check(item.ptr()))
      type_error(std::string(op) +
                 "(): expected a sequence of ints, but found an element of type " +
                 type_name(item));
    out.push_back(index_value(item));
  }
  return out;
}

int64_t int_arg(py::handle obj, const char* op, const char* arg) {
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
    type_error(std::string(op) + "(): argument '" + arg + "' must be int, not " + type_name(obj));
  return index_value(obj);
}

DimVector shape_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return int_list(args[0], op);
  DimVector out;
  for (py::handle item : args) {
    if (PyBool_Check(item.ptr()) || !PyIndex_Check(item.ptr()))
      type_error(std::string(op) + "(): expected ints for the size, but got " + type_name(item));
    out.push_back(index_value(item));
  }
  return out;
}

py::object size_object(IntArrayRef sizes) {
  py::tuple t(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) t[i] = py::int_(sizes[i]);
  return size_type() ? size_type()(t) : py::object(t);
}

// ---- Tensors -----------------------------------------------------------------------------------

// The Tensor class, looked up once: pybind11's own lookups hash the C++ type's name on every
// argument and result, which is a sizeable part of a small op's cost from Python.
namespace {
PyTypeObject* tensor_type = nullptr;
const py::detail::type_info* tensor_info = nullptr;
}  // namespace

void register_tensor_type() {
  tensor_type = reinterpret_cast<PyTypeObject*>(py::type::of<Tensor>().ptr());
  tensor_info = py::detail::get_type_info(typeid(Tensor));
}

bool is_tensor(py::handle obj) { return PyObject_TypeCheck(obj.ptr(), tensor_type); }

const Tensor& as_tensor(py::handle obj) {
  auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  if (is_tensor(obj) && inst->simple_layout && inst->simple_value_holder[0])
    return *static_cast<const Tensor*>(inst->simple_value_holder[0]);
  return obj.cast<const Tensor&>();  // raises pybind11's error for anything else
}

py::object wrap(Tensor t) {
  auto move = [](const void* p) -> void* {
    return new Tensor(std::move(*static_cast<Tensor*>(const_cast<void*>(p))));
  };
  return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
      &t, py::return_value_policy::move, py::handle(), tensor_info, nullptr, move));
}

py::object values_indices(const char* name, const std::tuple<Tensor, Tensor>& result) {
  // The types live in ember.return_types (so that they pickle); each is looked up once and kept
  // for the life of the process (never destroyed: a static Python object would be freed after
  // the interpreter).
  static auto* types = new std::map<std::string, py::object>();
  auto it = types->find(name);
  if (it == types->end())
    it = types->emplace(name, py::module_::import("ember.return_types").attr(name)).first;
  return it->second(wrap(std::get<0>(result)), wrap(std::get<1>(result)));
}

py::object optional_tensor(const Tensor& t) {
  if (!t.defined()) return py::none();
  return wrap(t);
}

Tensor tensor_or_undefined(py::handle obj) {
  if (obj.is_none()) return Tensor();
  if (!is_tensor(obj)) type_error("expected a Tensor or None, but got " + type_name(obj));
  return as_tensor(obj);
}

std::vector<Tensor> tensor_list(py::handle obj) {
  std::vector<Tensor> out;
  if (is_tensor(obj)) {
    out.push_back(as_tensor(obj));
    return out;
  }
  if (!py::isinstance<py::sequence>(obj))
    type_error("expected a Tensor or a sequence of Tensors, but got " + type_name(obj));
  for (py::handle item : obj) out.push_back(tensor_or_undefined(item));
  return out;
}

namespace {
// Walks nested sequences once, recording the shape and the promoted type of the elements.
struct NestedData {
  DimVector shape;
  std::vector<Scalar> values;
  std::optional<ScalarType> type;  // none until an element or an empty innermost list is seen
};

// An element's own dtype, as torch infers it: a Python number's from its kind (a float takes the
// default dtype), a tensor's and a NumPy scalar's their own (np.float64 stays float64).
ScalarType element_type(py::handle obj, const Scalar& s) {
  if (is_tensor(obj)) return as_tensor(obj).dtype();
  if (is_numpy_scalar(obj)) {
    const py::object array = py::module_::import("numpy").attr("asarray")(obj);
    const std::string kind = py::str(array.attr("dtype").attr("name"));
    if (kind == "float64" || kind == "float32" || kind == "int64" || kind == "int32" ||
        kind == "bool")
      return from_numpy_array(array, /*warn_if_read_only=*/false).dtype();
  }
  return s.is_boolean() ? kBool : s.is_integral() ? kInt64 : get_default_dtype();
}

void collect(py::handle obj, size_t depth, NestedData& data) {
  if (is_tensor(obj) || is_number(obj)) {
    const Scalar s = to_scalar(obj);
    if (depth != data.shape.size())
      throw py::value_error("expected a sequence at depth " + std::to_string(depth));
    const ScalarType type = element_type(obj, s);
    data.type = data.type ? promote_types(*data.type, type) : type;
    data.values.push_back(s);
    return;
  }
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    type_error("Could not infer dtype of " + type_name(obj));
  const auto seq = py::reinterpret_borrow<py::sequence>(obj);
  const auto n = static_cast<int64_t>(seq.size());
  if (depth == data.shape.size() && data.values.empty()) {
    data.shape.push_back(n);
  } else if (depth >= data.shape.size() || data.shape[depth] != n) {
    throw py::value_error("expected sequence of length " +
                          (depth < data.shape.size() ? std::to_string(data.shape[depth]) : "0") +
                          " at dim " + std::to_string(depth) + " (got " + std::to_string(n) + ")");
  }
  for (py::handle item : seq) collect(item, depth + 1, data);
  // An empty innermost list fixes the depth at this level.
  if (n == 0 && depth + 1 == data.shape.size() && data.values.empty())
    data.type = get_default_dtype();
}

template <typename T>
void fill_from(const Tensor& out, const std::vector<Scalar>& values) {
  T* p = out.data_ptr<T>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i].to<T>();
}
}  // namespace

Tensor tensor_from_data(py::handle data, std::optional<ScalarType> dtype) {
  if (is_tensor(data)) {
    Tensor t = as_tensor(data).detach().clone();
    return dtype ? t.to(*dtype) : t;
  }
  if (is_numpy_array(data)) {
    Tensor t = from_numpy_array(data, /*warn_if_read_only=*/false).clone();
    return dtype ? t.to(*dtype) : t;
  }
  NestedData nested;
  collect(data, 0, nested);
  Tensor out =
      empty(nested.shape, TensorOptions(dtype.value_or(nested.type.value_or(get_default_dtype()))));
  switch (out.dtype()) {
    case kBool:
      fill_from<bool>(out, nested.values);
      break;
    case kInt32:
      fill_from<int32_t>(out, nested.values);
      break;
    case kInt64:
      fill_from<int64_t>(out, nested.values);
      break;
    case kFloat32:
      fill_from<float>(out, nested.values);
      break;
    case kFloat64:
      fill_from<double>(out, nested.values);
      break;
  }
  return out;
}

// ---- Indices ----------------------------------------------------------------------------------

namespace {
std::optional<int64_t> slice_part(py::handle part) {
  if (part.is_none()) return std::nullopt;
  if (is_tensor(part)) return as_tensor(part).item<int64_t>();
  return index_value(part);
}

indexing::TensorIndex to_index(py::handle item) {
  PyObject* p = item.ptr();
  if (PyBool_Check(p)) return indexing::TensorIndex(p == Py_True);
  if (PyLong_Check(p)) return indexing::TensorIndex(item.cast<int64_t>());
  if (PySlice_Check(p)) {
    // A step <= 0 is refused by the indexing itself, after the count of indices (as torch).
    const auto step = slice_part(item.attr("step"));
    return indexing::TensorIndex(
        indexing::Slice(slice_part(item.attr("start")), slice_part(item.attr("stop")), step));
  }
  if (item.is_none()) return indexing::TensorIndex(indexing::None);
  if (p == Py_Ellipsis) return indexing::TensorIndex(indexing::Ellipsis);
  if (is_tensor(item)) return indexing::TensorIndex(as_tensor(item));
  if (PyIndex_Check(p)) return indexing::TensorIndex(index_value(item));
  if (py::isinstance<py::sequence>(item) || is_numpy_array(item))
    return indexing::TensorIndex(tensor_from_data(item, std::nullopt));
  throw py::index_error(
      "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
      "indices (got " +
      type_name(item) + ")");
}
}  // namespace

std::vector<indexing::TensorIndex> to_indices(py::handle key) {
  std::vector<indexing::TensorIndex> out;
  if (py::isinstance<py::tuple>(key)) {
    for (py::handle item : key) out.push_back(to_index(item));
  } else {
    out.push_back(to_index(key));
  }
  return out;
}

// ---- Lifetime ---------------------------------------------------------------------------------

PyObjectRef::~PyObjectRef() {
  if (!Py_IsInitialized()) {
    obj_.release();  // the interpreter is gone; nothing left to free
    return;
  }
  py::gil_scoped_acquire gil;
  obj_ = py::object();
}

void set_python_types(py::handle size) { size_type() = py::reinterpret_borrow<py::object>(size); }

}  // namespace ember::python
