// ember.Tensor: LibTorch's Tensor with torch.Tensor's Python spelling (properties, operators,
// keyword arguments, in-place methods that return self).
#include <pybind11/stl.h>

#include <cmath>
#include <functional>
#include <string>

#include <ember/ops/printing.h>

#include "bindings.h"
#include "operands.h"

namespace ember::python {

namespace {

std::optional<Scalar> optional_scalar(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return to_scalar(obj);
}

// Tensor.to(...) and friends: positional dtype, device, string or tensor, and keywords.
Tensor convert(const Tensor& t, const py::args& args, const py::kwargs& kwargs) {
  std::optional<ScalarType> dtype;
  std::optional<Device> device;
  bool copy = false;
  int bools = 0;
  for (py::handle a : args) {
    if (is_tensor(a)) {
      dtype = as_tensor(a).dtype();
      device = as_tensor(a).device();
    } else if (py::isinstance<py::str>(a) || py::isinstance<Device>(a)) {
      device = usable_device(a);
    } else if (PyBool_Check(a.ptr())) {
      // to(dtype, non_blocking, copy): the second bool is copy (non_blocking means nothing on
      // the CPU).
      if (++bools == 2) copy = a.cast<bool>();
    } else {
      dtype = to_dtype(a);
    }
  }
  if (kwargs.contains("dtype")) dtype = to_optional_dtype(kwargs["dtype"]);
  if (kwargs.contains("device") && !kwargs["device"].is_none())
    device = usable_device(kwargs["device"]);
  if (kwargs.contains("copy")) copy = kwargs["copy"].cast<bool>();
  Tensor out = t;
  if (device) out = out.to(*device, copy);
  if (dtype) out = out.to(*dtype, copy && !device);
  if (copy && !device && !dtype) out = out.clone();
  return out;
}

std::string legacy_type_name(ScalarType t) {
  return std::string("torch.") + dtype_legacy_name(t) + "Tensor";
}

// What a conversion returns: self when nothing changed (as in torch, `x.float() is x` for a
// float tensor), else the new tensor.
py::object self_or_wrap(py::object self, Tensor out) {
  if (out.is_same(as_tensor(self))) return self;
  return wrap(std::move(out));
}

void warn_non_leaf_grad() {
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                   "Its .grad attribute won't be populated during autograd.backward(). If you "
                   "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                   ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                   "mistake, make sure you access the leaf Tensor instead.",
                   1) != 0)
    throw py::error_already_set();
}

// item() and float()/int()/bool() need exactly one element.
Scalar only_element(const Tensor& t) {
  if (t.numel() != 1)
    throw py::value_error("only one element tensors can be converted to Python scalars");
  return t.item();
}

// Tensor.tolist(): nested lists of Python numbers.
py::object to_list(const Tensor& t) {
  if (t.dim() == 0) return scalar_object(t.item());
  py::list out;
  for (int64_t i = 0; i < t.size(0); ++i) out.append(to_list(t.select(0, i)));
  return out;
}

// The Python hook a tensor's register_hook keeps; called with the GIL taken.
Tensor call_hook(const std::shared_ptr<PyObjectRef>& hook, const Tensor& grad) {
  py::gil_scoped_acquire gil;
  py::object r = hook->get()(grad);
  if (r.is_none()) return Tensor();
  if (!is_tensor(r)) throw py::type_error("a hook must return a Tensor or None");
  return as_tensor(r);
}

/// What register_hook returns: remove() takes the hook off again.
struct RemovableHandle {
  Tensor tensor;
  unsigned id;
  bool removed = false;
  void remove() {
    if (!removed) tensor.remove_hook(id);
    removed = true;
  }
};

// Tensor(...) as a constructor: sizes give an uninitialised float tensor, data a copy.
Tensor construct(const py::args& args, const py::kwargs& kwargs) {
  // Parameter(data) and other subclasses: a new handle on data's memory, cut from its history.
  if (kwargs.contains("_alias")) {
    Tensor out = as_tensor(kwargs["_alias"]).detach();
    out.requires_grad_(kwargs.contains("requires_grad") && kwargs["requires_grad"].cast<bool>());
    return out;
  }
  const bool sizes =
      args.size() != 1 || PyLong_Check(args[0].ptr()) ||
      (py::hasattr(args[0], "__class__") &&
       std::string(py::str(py::type::handle_of(args[0]).attr("__name__"))) == "Size");
  std::optional<ScalarType> dtype = get_default_dtype();
  if (kwargs.contains("dtype")) dtype = to_optional_dtype(kwargs["dtype"]);
  Tensor out;
  if (!sizes)
    out = tensor_from_data(args[0], dtype);
  else  // Tensor() with no arguments is empty, with one dim of size 0.
    out =
        empty(args.empty() ? DimVector{0} : shape_from_args(args, "Tensor"), TensorOptions(*dtype));
  if (kwargs.contains("requires_grad") && kwargs["requires_grad"].cast<bool>())
    out.requires_grad_(true);
  return out;
}

// torch.set_printoptions: a profile first, then each option given; sci_mode is always set (None
// returns it to automatic), as in torch/_tensor_str.py.
void bind_print_options(py::module_& m) {
  m.def(
      "_set_printoptions",
      [](std::optional<int64_t> precision, std::optional<double> threshold,
         std::optional<int64_t> edgeitems, std::optional<int64_t> linewidth,
         std::optional<std::string> profile, std::optional<bool> sci_mode) {
        PrintOptions o = get_printoptions();
        if (profile) {
          // An unknown profile name changes nothing, as in torch.
          if (std::optional<PrintOptions> p = print_profile(*profile)) o = *p;
        }
        if (precision) o.precision = *precision;
        if (threshold) o.threshold = *threshold;
        if (edgeitems) o.edgeitems = *edgeitems;
        if (linewidth) o.linewidth = *linewidth;
        o.sci_mode = sci_mode;
        set_printoptions(o);
      },
      py::arg("precision") = py::none(), py::arg("threshold") = py::none(),
      py::arg("edgeitems") = py::none(), py::arg("linewidth") = py::none(),
      py::arg("profile") = py::none(), py::arg("sci_mode") = py::none());
  m.def("_get_printoptions", [] {
    const PrintOptions o = get_printoptions();
    py::dict d;
    d["precision"] = o.precision;
    // An integral threshold reads back as an int, as torch's default 1000 does.
    if (std::isfinite(o.threshold) && o.threshold == std::floor(o.threshold))
      d["threshold"] = static_cast<int64_t>(o.threshold);
    else
      d["threshold"] = o.threshold;
    d["edgeitems"] = o.edgeitems;
    d["linewidth"] = o.linewidth;
    d["sci_mode"] = o.sci_mode ? py::object(py::bool_(*o.sci_mode)) : py::object(py::none());
    return d;
  });
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<RemovableHandle>(m, "RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](RemovableHandle& h, py::args) { h.remove(); });

  py::class_<Tensor> cls(m, "Tensor");
  cls.attr("__array_priority__") = 1000;  // numpy scalar * tensor uses Tensor.__rmul__
  cls.def(py::init(&construct));

  // ---- Identity and geometry ----
  cls.def_property_readonly("shape", [](const Tensor& t) { return size_object(t.sizes()); })
      .def(
          "size",
          [](const Tensor& t, py::object dim) -> py::object {
            if (dim.is_none()) return size_object(t.sizes());
            return py::int_(t.size(dim.cast<int64_t>()));
          },
          py::arg("dim") = py::none())
      .def(
          "stride",
          [](const Tensor& t, py::object dim) -> py::object {
            if (!dim.is_none()) return py::int_(t.stride(dim.cast<int64_t>()));
            py::tuple out(t.dim());
            for (int64_t d = 0; d < t.dim(); ++d) out[d] = py::int_(t.stride(d));
            return out;
          },
          py::arg("dim") = py::none())
      .def_property_readonly("dtype", [](const Tensor& t) { return dtype_object(t.dtype()); })
      .def_property_readonly("device", &Tensor::device)
      .def_property_readonly("is_cuda", &Tensor::is_cuda)
      .def_property_readonly("is_cpu", &Tensor::is_cpu)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("dim", &Tensor::dim)
      .def("ndimension", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("nelement", &Tensor::numel)
      .def("element_size", &Tensor::element_size)
      .def("storage_offset", &Tensor::storage_offset)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("is_floating_point", &Tensor::is_floating_point)
      .def_property_readonly("_version", &Tensor::_version)
      .def("item", [](const Tensor& t) { return scalar_object(only_element(t)); })
      .def("tolist", &to_list)
      .def("numpy", &tensor_to_numpy)
      .def(
          "__array__",
          [](const Tensor& t, py::object dtype) {
            py::object a = tensor_to_numpy(t);
            return dtype.is_none() ? a : a.attr("astype")(dtype);
          },
          py::arg("dtype") = py::none())
      .def("__repr__", &Tensor::toString)
      .def("__format__",
           [](const Tensor& t, const std::string& spec) -> py::object {
             // A 0-dim tensor formats as its number (f"{loss:.3f}"), as in PyTorch.
             if (t.dim() == 0)
               return py::module_::import("builtins").attr("format")(scalar_object(t.item()), spec);
             if (!spec.empty())
               throw py::type_error("unsupported format string passed to Tensor.__format__");
             return py::str(t.toString());
           })
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__len__",
           [](const Tensor& t) {
             if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__iter__",
           [](const Tensor& t) {
             if (t.dim() == 0) throw py::type_error("iteration over a 0-d tensor");
             return py::iter(py::cast(t.unbind(0)));
           })
      .def("__bool__",
           [](const Tensor& t) {
             if (t.numel() != 1)
               throw std::runtime_error(std::string("Boolean value of Tensor with ") +
                                        (t.numel() == 0 ? "no values" : "more than one value") +
                                        " is ambiguous");
             return t.item().to<double>() != 0;
           })
      .def("__float__", [](const Tensor& t) { return only_element(t).to_double(); })
      .def("__int__",
           [](const Tensor& t) -> py::object {
             const Scalar s = only_element(t);
             // From a float as Python's int() does: exact for large values, and ValueError or
             // OverflowError for NaN and infinity.
             if (s.is_floating_point()) {
               PyObject* r = PyLong_FromDouble(s.to_double());
               if (!r) throw py::error_already_set();
               return py::reinterpret_steal<py::object>(r);
             }
             return py::int_(s.to_long());
           })
      .def("__index__", [](const Tensor& t) {
        if (t.numel() != 1 || t.is_floating_point())
          throw py::type_error(
              "only integer tensors of a single element can be converted to an index");
        return t.item().to_long();
      });

  // ---- Conversion and copies ----
  cls.def("to",
          [](py::object self, const py::args& args, const py::kwargs& kwargs) {
            return self_or_wrap(self, convert(as_tensor(self), args, kwargs));
          })
      .def("cpu", [](py::object self) { return self_or_wrap(self, as_tensor(self).cpu()); })
      .def(
          "cuda",
          [](py::object self, py::object device) {
            const Device target = device.is_none() ? Device(kCUDA) : to_device(device);
            check_usable(target);
            return self_or_wrap(self, as_tensor(self).to(target));
          },
          py::arg("device") = py::none());
  const std::pair<const char*, ScalarType> casts[] = {{"float", kFloat32},
                                                      {"double", kFloat64},
                                                      {"long", kInt64},
                                                      {"int", kInt32},
                                                      {"bool", kBool}};
  for (const auto& [name, dtype] : casts)
    cls.def(name, [dtype = dtype](py::object self) {
      return self_or_wrap(self, as_tensor(self).to(dtype));
    });
  cls.def(
         "type",
         [](py::object self, py::object dtype) -> py::object {
           const Tensor& t = as_tensor(self);
           if (dtype.is_none()) return py::str(legacy_type_name(t.dtype()));
           if (py::isinstance<py::str>(dtype)) {
             const std::string name = dtype.cast<std::string>();
             for (int i = 0; i < kNumScalarTypes; ++i)
               if (legacy_type_name(static_cast<ScalarType>(i)) == name)
                 return self_or_wrap(self, t.to(static_cast<ScalarType>(i)));
             throw py::value_error("invalid type: '" + name + "'");
           }
           return self_or_wrap(self, t.to(to_dtype(dtype)));
         },
         py::arg("dtype") = py::none())
      .def("type_as", [](const Tensor& t, const Tensor& o) { return t.to(o.dtype()); })
      .def("contiguous", &Tensor::contiguous)
      .def("clone", &Tensor::clone)
      .def("__deepcopy__",
           [](const Tensor& t, py::handle) {
             if (!t.is_leaf())
               throw std::runtime_error(
                   "Only Tensors created explicitly by the user (graph leaves) support the "
                   "deepcopy protocol at the moment");
             Tensor copy = t.detach().clone();
             if (t.requires_grad()) copy.requires_grad_(true);
             if (t.grad().defined()) copy.mutable_grad() = t.grad().clone();
             return copy;
           })
      .def("copy_",
           [](py::object self, const Tensor& src) {
             as_tensor(self).copy_(src);
             return self;
           })
      .def("fill_",
           [](py::object self, py::handle value) {
             if (is_tensor(value))
               as_tensor(self).fill_(value.cast<Tensor>());
             else
               as_tensor(self).fill_(to_scalar(value));
             return self;
           })
      .def("zero_",
           [](py::object self) {
             as_tensor(self).zero_();
             return self;
           })
      .def(
          "uniform_",
          [](py::object self, double from, double to, py::handle generator) {
            as_tensor(self).uniform_(from, to, optional_generator(generator));
            return self;
          },
          py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(),
          py::arg("generator") = py::none())
      .def(
          "normal_",
          [](py::object self, double mean, double std, py::handle generator) {
            as_tensor(self).normal_(mean, std, optional_generator(generator));
            return self;
          },
          py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(),
          py::arg("generator") = py::none())
      .def("new_zeros",
           [](const Tensor& t, py::args size) {
             return zeros(shape_from_args(size, "new_zeros"), t.options());
           })
      .def("new_ones",
           [](const Tensor& t, py::args size) {
             return ones(shape_from_args(size, "new_ones"), t.options());
           })
      .def("new_empty",
           [](const Tensor& t, py::args size) {
             return empty(shape_from_args(size, "new_empty"), t.options());
           })
      .def("new_full",
           [](const Tensor& t, py::handle size, py::handle value) {
             return full(int_list(size, "new_full"), to_scalar(value), t.options());
           })
      .def("new_tensor",
           [](const Tensor& t, py::handle data) { return tensor_from_data(data, t.dtype()); });

  // ---- Views ----
  cls.def("view",
          [](const Tensor& t, py::args shape) -> py::object {
            if (shape.size() == 1 && !PyLong_Check(shape[0].ptr()) &&
                !py::isinstance<py::sequence>(shape[0]))
              throw py::type_error("view(dtype) is not supported; use to(dtype)");
            return py::cast(t.view(shape_from_args(shape, "view")));
          })
      .def("reshape", [](const Tensor& t,
                         py::args shape) { return t.reshape(shape_from_args(shape, "reshape")); })
      .def("view_as", &Tensor::view_as)
      .def("reshape_as", &Tensor::reshape_as)
      .def("t", &Tensor::t)
      .def_property_readonly("T",
                             [](const Tensor& t) {
                               DimVector dims;
                               for (int64_t d = t.dim() - 1; d >= 0; --d) dims.push_back(d);
                               return t.permute(dims);
                             })
      .def("transpose", &Tensor::transpose)
      .def("permute", [](const Tensor& t,
                         py::args dims) { return t.permute(shape_from_args(dims, "permute")); })
      .def("narrow", &Tensor::narrow)
      .def("select", &Tensor::select)
      .def("expand",
           [](const Tensor& t, py::args size) { return t.expand(shape_from_args(size, "expand")); })
      .def("expand_as", &Tensor::expand_as)
      .def(
          "squeeze",
          [](const Tensor& t, py::object dim) {
            return dim.is_none() ? t.squeeze() : t.squeeze(dim.cast<int64_t>());
          },
          py::arg("dim") = py::none())
      .def("unsqueeze", &Tensor::unsqueeze)
      .def("flatten", &Tensor::flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1)
      // Copies rather than views, but shaped like the view ops above.
      .def("flip",
           [](const Tensor& t, const py::args& args, const py::kwargs& kwargs) {
             if (kwargs.contains("dims")) return t.flip(int_list(kwargs["dims"], "flip"));
             if (args.empty()) throw py::type_error("flip() missing 1 required argument: 'dims'");
             return t.flip(shape_from_args(args, "flip"));
           })
      .def("repeat",
           [](const Tensor& t, const py::args& sizes) {
             return t.repeat(shape_from_args(sizes, "repeat"));
           })
      .def("tril", &Tensor::tril, py::arg("diagonal") = 0)
      .def("triu", &Tensor::triu, py::arg("diagonal") = 0)
      .def("outer", &Tensor::outer)
      .def("isnan", &Tensor::isnan)
      .def("isinf", &Tensor::isinf)
      .def("isfinite", &Tensor::isfinite)
      .def("unfold", &Tensor::unfold, py::arg("dimension"), py::arg("size"), py::arg("step"))
      .def(
          "as_strided",
          [](const Tensor& t, py::handle size, py::handle stride, std::optional<int64_t> offset) {
            return t.as_strided(int_list(size, "as_strided"), int_list(stride, "as_strided"),
                                offset);
          },
          py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none())
      .def(
          "split",
          [](const Tensor& t, py::handle split, int64_t dim) {
            if (PyLong_Check(split.ptr()))
              return py::tuple(py::cast(t.split(split.cast<int64_t>(), dim)));
            return py::tuple(py::cast(t.split(int_list(split, "split"), dim)));
          },
          py::arg("split_size"), py::arg("dim") = 0)
      .def(
          "chunk",
          [](const Tensor& t, int64_t chunks, int64_t dim) {
            return py::tuple(py::cast(t.chunk(chunks, dim)));
          },
          py::arg("chunks"), py::arg("dim") = 0)
      .def(
          "unbind", [](const Tensor& t, int64_t dim) { return py::tuple(py::cast(t.unbind(dim))); },
          py::arg("dim") = 0)
      .def("__getitem__",
           [](const Tensor& t, py::handle key) {
             if (PyLong_Check(key.ptr()) && !PyBool_Check(key.ptr())) {
               if (t.dim() == 0)
                 throw py::index_error(
                     "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                     "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
               return t.select(0, key.cast<int64_t>());
             }
             return t.index(to_indices(key));
           })
      .def("__setitem__",
           [](const Tensor& t, py::handle key, py::handle value) {
             const std::vector<indexing::TensorIndex> indices = to_indices(key);
             if (is_tensor(value))
               t.index_put_(indices, as_tensor(value));
             else if (is_number(value))
               t.index_put_(indices, to_scalar(value));
             else
               t.index_put_(indices, tensor_from_data(value, t.dtype()));
           })
      // index_put_((i0, i1, ...), values, accumulate): the indices are tensors, one per dim.
      .def(
          "index_put_",
          [](py::object self, py::handle indices, const Tensor& values, bool accumulate) {
            std::vector<indexing::TensorIndex> list;
            for (py::handle i : indices) list.emplace_back(as_tensor(i));
            as_tensor(self).index_put_(list, values, accumulate);
            return self;
          },
          py::arg("indices"), py::arg("values"), py::arg("accumulate") = false)
      .def(
          "index_put",
          [](const Tensor& t, py::handle indices, const Tensor& values, bool accumulate) {
            std::vector<indexing::TensorIndex> list;
            for (py::handle i : indices) list.emplace_back(as_tensor(i));
            Tensor out = t.clone();
            out.index_put_(list, values, accumulate);
            return out;
          },
          py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);

  // ---- Elementwise ----
  // A number operand is recorded as Python's torch records it (detail::add_wrapped, ...).
  const auto add_t = [](const Tensor& a, const Tensor& b) { return a + b; };
  const auto add_s = [](const Tensor& a, const Scalar& b) { return detail::add_wrapped(a, b); };
  const auto sub_t = [](const Tensor& a, const Tensor& b) { return a - b; };
  const auto sub_s = [](const Tensor& a, const Scalar& b) { return detail::sub_wrapped(a, b); };
  const auto rsub_t = [](const Tensor& a, const Tensor& b) { return b - a; };
  const auto rsub_s = [](const Tensor& a, const Scalar& b) { return ember::rsub(a, b); };
  const auto mul_t = [](const Tensor& a, const Tensor& b) { return a * b; };
  const auto mul_s = [](const Tensor& a, const Scalar& b) { return detail::mul_wrapped(a, b); };
  const auto div_t = [](const Tensor& a, const Tensor& b) { return a / b; };
  const auto div_s = [](const Tensor& a, const Scalar& b) { return detail::div_wrapped(a, b); };
  const auto rdiv_t = [](const Tensor& a, const Tensor& b) { return b / a; };
  // torch's number / t is t.reciprocal() * number
  const auto rdiv_s = [](const Tensor& a, const Scalar& b) {
    return detail::mul_wrapped(a.reciprocal(), b);
  };
  const auto pow_t = [](const Tensor& a, const Tensor& b) { return ember::pow(a, b); };
  const auto pow_s = [](const Tensor& a, const Scalar& b) { return ember::pow(a, b); };
  const auto rpow_t = [](const Tensor& a, const Tensor& b) { return ember::pow(b, a); };
  const auto rpow_s = [](const Tensor& a, const Scalar& b) { return ember::pow(b, a); };

  cls.def("__add__", [=](py::handle a, py::handle b) { return binary(a, b, add_t, add_s); })
      .def("__radd__", [=](py::handle a, py::handle b) { return binary(a, b, add_t, add_s); })
      .def("__sub__", [=](py::handle a, py::handle b) { return binary(a, b, sub_t, sub_s); })
      .def("__rsub__", [=](py::handle a, py::handle b) { return binary(a, b, rsub_t, rsub_s); })
      .def("__mul__", [=](py::handle a, py::handle b) { return binary(a, b, mul_t, mul_s); })
      .def("__rmul__", [=](py::handle a, py::handle b) { return binary(a, b, mul_t, mul_s); })
      .def("__truediv__", [=](py::handle a, py::handle b) { return binary(a, b, div_t, div_s); })
      .def("__rtruediv__",
           [=](const Tensor& a, py::handle b) { return binary(a, b, rdiv_t, rdiv_s); })
      .def("__pow__", [=](py::handle a, py::handle b) { return binary(a, b, pow_t, pow_s); })
      .def("__rpow__", [=](py::handle a, py::handle b) { return binary(a, b, rpow_t, rpow_s); })
      .def("__matmul__", [](const Tensor& a, const Tensor& b) { return a.matmul(b); })
      .def("__neg__", &Tensor::neg)
      .def("__abs__", &Tensor::abs)
      .def("__eq__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x == y; },
                 [](const Tensor& x, const Scalar& y) { return x == y; });
           })
      .def("__ne__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x != y; },
                 [](const Tensor& x, const Scalar& y) { return x != y; });
           })
      .def("__lt__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x < y; },
                 [](const Tensor& x, const Scalar& y) { return x < y; });
           })
      .def("__le__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x <= y; },
                 [](const Tensor& x, const Scalar& y) { return x <= y; });
           })
      .def("__gt__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x > y; },
                 [](const Tensor& x, const Scalar& y) { return x > y; });
           })
      .def("__ge__",
           [](const Tensor& a, py::handle b) {
             return binary(
                 a, b, [](const Tensor& x, const Tensor& y) { return x >= y; },
                 [](const Tensor& x, const Scalar& y) { return x >= y; });
           })
      .def("__iadd__",
           [](py::object s, py::handle b) {
             return in_place(
                 s, b, [](const Tensor& x, const Tensor& y) { x.add_(y); },
                 [](Tensor x, const Scalar& y) { detail::add_wrapped_(x, y); });
           })
      .def("__isub__",
           [](py::object s, py::handle b) {
             return in_place(
                 s, b, [](const Tensor& x, const Tensor& y) { x.sub_(y); },
                 [](Tensor x, const Scalar& y) { detail::sub_wrapped_(x, y); });
           })
      .def("__imul__",
           [](py::object s, py::handle b) {
             return in_place(
                 s, b, [](const Tensor& x, const Tensor& y) { x.mul_(y); },
                 [](Tensor x, const Scalar& y) { detail::mul_wrapped_(x, y); });
           })
      .def("__itruediv__", [](py::object s, py::handle b) {
        return in_place(
            s, b, [](const Tensor& x, const Tensor& y) { x.div_(y); },
            [](Tensor x, const Scalar& y) { detail::div_wrapped_(x, y); });
      });

  // pow's number forms are other ops (PowBackward0, and number ** tensor): bound by hand.
  cls.def("pow",
          [=](const Tensor& a, py::handle b) { return binary_method("pow", a, b, pow_t, pow_s); })
      .def("pow_",
           [](py::object self, py::handle b) {
             return in_place_method(
                 "pow_", self, b, [](const Tensor& x, const Tensor& y) { x.pow_(y); },
                 [](const Tensor& x, const Scalar& y) { x.pow_(y); });
           })
      .def(
          "clamp",
          [](const Tensor& t, py::handle min, py::handle max) {
            return t.clamp(optional_scalar(min), optional_scalar(max));
          },
          py::arg("min") = py::none(), py::arg("max") = py::none())
      .def(
          "clamp_",
          [](py::object self, py::handle min, py::handle max) {
            as_tensor(self).clamp_(optional_scalar(min), optional_scalar(max));
            return self;
          },
          py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("clamp_min", [](const Tensor& t, py::handle min) { return t.clamp_min(to_scalar(min)); })
      .def("clamp_max", [](const Tensor& t, py::handle max) { return t.clamp_max(to_scalar(max)); })
      .def("masked_fill", [](const Tensor& t, const Tensor& mask,
                             py::handle v) { return t.masked_fill(mask, to_scalar(v)); })
      .def("masked_fill_",
           [](py::object self, const Tensor& mask, py::handle v) {
             as_tensor(self).masked_fill_(mask, to_scalar(v));
             return self;
           })
      .def("equal", &Tensor::equal)
      .def("allclose", &Tensor::allclose, py::arg("other"), py::arg("rtol") = 1e-5,
           py::arg("atol") = 1e-8)
      .def("clamp_min_",
           [](py::object self, py::handle min) {
             as_tensor(self).clamp_(to_scalar(min), std::nullopt);
             return self;
           })
      .def("clamp_max_", [](py::object self, py::handle max) {
        as_tensor(self).clamp_(std::nullopt, to_scalar(max));
        return self;
      });
  // ---- Autograd ----
  cls.def_property("requires_grad", &Tensor::requires_grad,
                   [](const Tensor& t, bool r) { t.requires_grad_(r); })
      .def(
          "requires_grad_",
          [](py::object self, bool r) {
            as_tensor(self).requires_grad_(r);
            return self;
          },
          py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property(
          "grad",
          [](const Tensor& t) {
            if (!t.is_leaf() && !t.retains_grad() && !t.grad().defined()) warn_non_leaf_grad();
            return optional_tensor(t.grad());
          },
          [](const Tensor& t, py::handle g) {
            Tensor value = tensor_or_undefined(g);
            if (value.defined() && value.sizes() != t.sizes())
              throw std::runtime_error("assigned grad has data of a different size");
            t.mutable_grad() = value;
          })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(t.grad_fn()); })
      .def_property_readonly("output_nr", &Tensor::output_nr)
      .def_property_readonly("retains_grad", &Tensor::retains_grad)
      .def("retain_grad", [](Tensor& t) { t.retain_grad(); })
      .def_property("data", &Tensor::variable_data,
                    [](const Tensor& t, const Tensor& data) { t.set_data(data); })
      .def("detach", &Tensor::detach)
      .def("detach_",
           [](py::object self) {
             as_tensor(self).detach_();
             return self;
           })
      .def(
          "backward",
          [](const Tensor& t, py::handle gradient, py::handle retain_graph, bool create_graph,
             py::handle inputs) {
            const Tensor g = tensor_or_undefined(gradient);
            std::optional<bool> retain;
            if (!retain_graph.is_none()) retain = retain_graph.cast<bool>();
            std::optional<std::vector<Tensor>> wrt;
            if (!inputs.is_none()) wrt = tensor_list(inputs);
            py::gil_scoped_release release;  // hooks and custom functions take it back
            t.backward(g, retain, create_graph, wrt);
          },
          py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(),
          py::arg("create_graph") = false, py::arg("inputs") = py::none())
      .def("register_hook",
           [](const Tensor& t, py::object hook) {
             auto ref = std::make_shared<PyObjectRef>(std::move(hook));
             const unsigned id =
                 t.register_hook([ref](const Tensor& g) { return call_hook(ref, g); });
             return RemovableHandle{t, id};
           })
      .def("register_post_accumulate_grad_hook", [](const Tensor& t, py::object hook) {
        auto ref = std::make_shared<PyObjectRef>(std::move(hook));
        const unsigned id = t.register_post_accumulate_grad_hook([ref](const Tensor& leaf) {
          py::gil_scoped_acquire gil;
          ref->get()(leaf);
        });
        return RemovableHandle{t, id};
      });
  bind_print_options(m);
}

}  // namespace ember::python
