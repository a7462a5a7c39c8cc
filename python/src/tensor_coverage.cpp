// The ops of ember/ops/tensor_coverage_composed.h as torch-level functions of _C
// (ember/_composed.py makes the Tensor methods of the out-of-place ones), their in-place forms as
// Tensor methods that return self, and the legacy constructors Tensor.new and new_empty_strided.
#include <pybind11/stl.h>

#include <ember/ops/tensor_coverage_composed.h>

#include <optional>
#include <string>

#include "bindings.h"

namespace ember::python {
namespace {

py::tuple as_tuple(const std::vector<Tensor>& pieces) { return py::tuple(py::cast(pieces)); }

std::optional<int64_t> optional_int(py::handle obj, const char* op, const char* arg) {
  if (obj.is_none()) return std::nullopt;
  return int_arg(obj, op, arg);
}

void bind_free_functions(py::module_& m) {
  m.def(
      "dist",
      [](const Tensor& a, const Tensor& b, py::handle p) { return dist(a, b, to_scalar(p)); },
      py::arg("input"), py::arg("other"), py::arg("p") = 2);
  m.def(
      "renorm",
      [](const Tensor& t, py::handle p, int64_t dim, py::handle maxnorm) {
        return renorm(t, to_scalar(p), dim, to_scalar(maxnorm));
      },
      py::arg("input"), py::arg("p"), py::arg("dim"), py::arg("maxnorm"));
  m.def("mvlgamma", &mvlgamma, py::arg("input"), py::arg("p"));
  m.def("isreal", &isreal, py::arg("input"));
  m.def(
      "frexp",
      [](const Tensor& t) {
        auto [mantissa, exponent] = frexp(t);
        return py::module_::import("ember.return_types")
            .attr("frexp")(wrap(mantissa), wrap(exponent));
      },
      py::arg("input"));
  m.def("gcd", &gcd, py::arg("input"), py::arg("other"));
  m.def("lcm", &lcm, py::arg("input"), py::arg("other"));
  for (auto [name, fn] : {std::pair{"gcd_", &gcd_}, {"lcm_", &lcm_}}) {
    m.def(
        name,
        [fn = fn](py::object self, const Tensor& other) {
          fn(as_tensor(self), other);
          return self;
        },
        py::arg("input"), py::arg("other"));
  }
  m.def("argwhere", &argwhere, py::arg("input"));
  m.def("narrow_copy", &narrow_copy, py::arg("input"), py::arg("dim"), py::arg("start"),
        py::arg("length"));
  m.def(
      "split_with_sizes",
      [](const Tensor& t, py::handle sizes, int64_t dim) {
        return as_tuple(split_with_sizes(t, int_list(sizes, "split_with_sizes"), dim));
      },
      py::arg("input"), py::arg("split_sizes"), py::arg("dim") = 0);
  m.def(
      "unsafe_split",
      [](const Tensor& t, int64_t size, int64_t dim) {
        return as_tuple(unsafe_split(t, size, dim));
      },
      py::arg("input"), py::arg("split_size"), py::arg("dim") = 0);
  m.def(
      "unsafe_chunk",
      [](const Tensor& t, int64_t chunks, int64_t dim) {
        return as_tuple(unsafe_chunk(t, chunks, dim));
      },
      py::arg("input"), py::arg("chunks"), py::arg("dim") = 0);
  m.def(
      "unsafe_split_with_sizes",
      [](const Tensor& t, py::handle sizes, int64_t dim) {
        return as_tuple(
            unsafe_split_with_sizes(t, int_list(sizes, "unsafe_split_with_sizes"), dim));
      },
      py::arg("input"), py::arg("split_sizes"), py::arg("dim") = 0);
  m.def("masked_scatter", &masked_scatter, py::arg("input"), py::arg("mask"), py::arg("source"));
  m.def("put", &put, py::arg("input"), py::arg("index"), py::arg("source"),
        py::arg("accumulate") = false);
  m.def(
      "index_reduce",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
         const std::string& reduce,
         bool include_self) { return index_reduce(t, dim, index, source, reduce, include_self); },
      py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"),
      py::kw_only(), py::arg("include_self") = true);
  m.def("select_scatter", &select_scatter, py::arg("input"), py::arg("src"), py::arg("dim"),
        py::arg("index"));
  m.def(
      "slice_scatter",
      [](const Tensor& t, const Tensor& src, int64_t dim, py::handle start, py::handle end,
         int64_t step) {
        return slice_scatter(t, src, dim, optional_int(start, "slice_scatter", "start"),
                             optional_int(end, "slice_scatter", "end"), step);
      },
      py::arg("input"), py::arg("src"), py::arg("dim") = 0, py::arg("start") = py::none(),
      py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("diagonal_scatter", &diagonal_scatter, py::arg("input"), py::arg("src"),
        py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  m.def(
      "as_strided_scatter",
      [](const Tensor& t, const Tensor& src, py::handle size, py::handle stride,
         py::handle offset) {
        return as_strided_scatter(t, src, int_list(size, "as_strided_scatter"),
                                  int_list(stride, "as_strided_scatter"),
                                  optional_int(offset, "as_strided_scatter", "storage_offset"));
      },
      py::arg("input"), py::arg("src"), py::arg("size"), py::arg("stride"),
      py::arg("storage_offset") = py::none());
  m.def(
      "cov",
      [](const Tensor& t, int64_t correction, py::handle fweights, py::handle aweights) {
        return cov(t, correction, tensor_or_undefined(fweights), tensor_or_undefined(aweights));
      },
      py::arg("input"), py::kw_only(), py::arg("correction") = 1, py::arg("fweights") = py::none(),
      py::arg("aweights") = py::none());
  m.def("corrcoef", &corrcoef, py::arg("input"));
  m.def("matrix_power", &matrix_power, py::arg("input"), py::arg("n"));
  m.def(
      "empty_strided",
      [](py::handle size, py::handle stride, py::handle dtype, py::handle, py::handle device,
         bool requires_grad, bool) {
        TensorOptions options(to_optional_dtype(dtype).value_or(get_default_dtype()));
        if (!device.is_none()) options = options.device(usable_device(device));
        Tensor t = empty_strided(int_list(size, "empty_strided"), int_list(stride, "empty_strided"),
                                 options);
        if (requires_grad) t.requires_grad_();
        return t;
      },
      py::arg("size"), py::arg("stride"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("layout") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("pin_memory") = false);
}

// torch's legacy constructor: x.new() (empty, size 0), x.new(2, 3) or x.new(torch.Size) (an
// uninitialised tensor of that size), x.new(sequence) (from data), x.new(tensor) (the same
// memory), all in x's dtype.
Tensor legacy_new(const Tensor& self, const py::args& args, const py::kwargs& kwargs) {
  for (auto item : kwargs) {
    const std::string key = py::str(item.first);
    if (key != "device")
      throw py::type_error(
          "new() received an invalid combination of arguments - got an "
          "unexpected keyword argument '" +
          key + "'");
    usable_device(item.second);
  }
  if (args.size() == 0) return empty({0}, self.options());
  if (args.size() == 1) {
    py::handle arg = args[0];
    if (is_tensor(arg)) {
      const Tensor& t = as_tensor(arg);
      if (t.dtype() != self.dtype())
        throw py::type_error(std::string("new(): expected a tensor of dtype ") +
                             dtype_name(self.dtype()) + " (got " + dtype_name(t.dtype()) + ")");
      return t.detach();
    }
    static py::handle size_type =
        py::object(py::module_::import("ember._size").attr("Size")).release();
    if (py::isinstance(arg, size_type)) return empty(int_list(arg, "new"), self.options());
    if (!PyLong_Check(arg.ptr())) {
      if (!py::isinstance<py::sequence>(arg) && !is_numpy_array(arg))
        throw py::type_error(std::string("new(): data must be a sequence (got ") +
                             std::string(py::str(py::type::of(arg).attr("__name__"))) + ")");
      return tensor_from_data(arg, self.dtype());
    }
  }
  return empty(shape_from_args(args, "new"), self.options());
}

void bind_tensor_methods(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
      "renorm_",
      [](py::object self, py::handle p, int64_t dim, py::handle maxnorm) {
        renorm_(as_tensor(self), to_scalar(p), dim, to_scalar(maxnorm));
        return self;
      },
      py::arg("p"), py::arg("dim"), py::arg("maxnorm"));
  cls.def(
      "mvlgamma_",
      [](py::object self, int64_t p) {
        mvlgamma_(as_tensor(self), p);
        return self;
      },
      py::arg("p"));
  for (auto [name, fn] : {std::pair{"gcd_", &gcd_}, {"lcm_", &lcm_}}) {
    cls.def(
        name,
        [fn = fn](py::object self, const Tensor& other) {
          fn(as_tensor(self), other);
          return self;
        },
        py::arg("other"));
  }
  for (auto [name, fn] : {std::pair{"tril_", &tril_}, {"triu_", &triu_}}) {
    cls.def(
        name,
        [fn = fn](py::object self, int64_t diagonal) {
          fn(as_tensor(self), diagonal);
          return self;
        },
        py::arg("diagonal") = 0);
  }
  cls.def(
      "addmm_",
      [](py::object self, const Tensor& mat1, const Tensor& mat2, py::handle beta,
         py::handle alpha) {
        addmm_(as_tensor(self), mat1, mat2, to_scalar(beta), to_scalar(alpha));
        return self;
      },
      py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def(
      "scatter_add_",
      [](py::object self, int64_t dim, const Tensor& index, const Tensor& src) {
        scatter_add_(as_tensor(self), dim, index, src);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def(
      "fill_diagonal_",
      [](py::object self, py::handle value, bool wrap) {
        fill_diagonal_(as_tensor(self), to_scalar(value), wrap);
        return self;
      },
      py::arg("fill_value"), py::arg("wrap") = false);
  cls.def(
      "masked_scatter_",
      [](py::object self, const Tensor& mask, const Tensor& source) {
        masked_scatter_(as_tensor(self), mask, source);
        return self;
      },
      py::arg("mask"), py::arg("source"));
  cls.def(
      "put_",
      [](py::object self, const Tensor& index, const Tensor& source, bool accumulate) {
        put_(as_tensor(self), index, source, accumulate);
        return self;
      },
      py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  cls.def(
      "index_reduce_",
      [](py::object self, int64_t dim, const Tensor& index, const Tensor& source,
         const std::string& reduce, bool include_self) {
        index_reduce_(as_tensor(self), dim, index, source, reduce, include_self);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  cls.def(
      "exponential_",
      [](py::object self, double lambd, py::handle generator) {
        exponential_(as_tensor(self), lambd, optional_generator(generator));
        return self;
      },
      py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def(
      "cauchy_",
      [](py::object self, double median, double sigma, py::handle generator) {
        cauchy_(as_tensor(self), median, sigma, optional_generator(generator));
        return self;
      },
      py::arg("median") = 0.0, py::arg("sigma") = 1.0, py::kw_only(),
      py::arg("generator") = py::none());
  cls.def(
      "log_normal_",
      [](py::object self, double mean, double std, py::handle generator) {
        log_normal_(as_tensor(self), mean, std, optional_generator(generator));
        return self;
      },
      py::arg("mean") = 1.0, py::arg("std") = 2.0, py::kw_only(),
      py::arg("generator") = py::none());
  cls.def(
      "geometric_",
      [](py::object self, double p, py::handle generator) {
        geometric_(as_tensor(self), p, optional_generator(generator));
        return self;
      },
      py::arg("p"), py::kw_only(), py::arg("generator") = py::none());
  // torch's overloads: random_(), random_(to), random_(from, to) (to may be None: the dtype's
  // range), with to and generator also by keyword.
  cls.def("random_", [](py::object self, const py::args& args, const py::kwargs& kwargs) {
    py::object to = py::none(), generator = py::none();
    for (auto item : kwargs) {
      const std::string key = py::str(item.first);
      if (key == "to")
        to = py::reinterpret_borrow<py::object>(item.second);
      else if (key == "generator")
        generator = py::reinterpret_borrow<py::object>(item.second);
      else
        throw py::type_error("random_() got an unexpected keyword argument '" + key + "'");
    }
    if (args.size() > 2) throw py::type_error("random_() takes at most 2 positional arguments");
    int64_t from = 0;
    if (args.size() == 2) {
      from = int_arg(args[0], "random_", "from");
      to = py::reinterpret_borrow<py::object>(args[1]);
    } else if (args.size() == 1 && kwargs.contains("to")) {
      from = int_arg(args[0], "random_", "from");
    } else if (args.size() == 1) {
      to = py::reinterpret_borrow<py::object>(args[0]);
    }
    random_(as_tensor(self), from, optional_int(to, "random_", "to"),
            optional_generator(generator));
    return self;
  });
  cls.def(
      "new_empty_strided",
      [](const Tensor& self, py::handle size, py::handle stride, py::handle dtype, py::handle,
         py::handle device, bool requires_grad, bool) {
        TensorOptions options = self.options();
        if (auto type = to_optional_dtype(dtype)) options = options.dtype(*type);
        if (!device.is_none()) options = options.device(usable_device(device));
        Tensor t = empty_strided(int_list(size, "new_empty_strided"),
                                 int_list(stride, "new_empty_strided"), options);
        if (requires_grad) t.requires_grad_();
        return t;
      },
      py::arg("size"), py::arg("stride"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("layout") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("pin_memory") = false);
  cls.def("is_set_to", &is_set_to, py::arg("tensor"));
  cls.def("new", &legacy_new);
}

}  // namespace

void bind_tensor_coverage(py::module_& m) {
  bind_free_functions(m);
  bind_tensor_methods(m);
}

}  // namespace ember::python
