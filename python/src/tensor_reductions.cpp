// ember.Tensor's reductions (sum, mean, max, var, ...), linear algebra and gathering methods,
// with torch's keyword arguments and (values, indices) named tuples.
#include <pybind11/stl.h>

#include "bindings.h"

namespace ember::python {

namespace {

// dim=None means every dim.
DimVector dims_or_all(py::handle dim, const char* op) {
  if (dim.is_none()) return {};
  return int_list(dim, op);
}

}  // namespace

void bind_tensor_reductions(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
         "mean",
         [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
           if (dim.is_none()) return t.mean(to_optional_dtype(dtype));
           return t.mean(int_list(dim, "mean"), keepdim, to_optional_dtype(dtype));
         },
         py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
         py::arg("dtype") = py::none())
      .def(
          "max",
          [](const Tensor& t, py::handle dim, bool keepdim) -> py::object {
            if (dim.is_none()) return py::cast(t.max());
            if (is_tensor(dim)) return py::cast(t.maximum(as_tensor(dim)));
            return values_indices("max", t.max(dim.cast<int64_t>(), keepdim));
          },
          py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def(
          "min",
          [](const Tensor& t, py::handle dim, bool keepdim) -> py::object {
            if (dim.is_none()) return py::cast(t.min());
            if (is_tensor(dim)) return py::cast(t.minimum(as_tensor(dim)));
            return values_indices("min", t.min(dim.cast<int64_t>(), keepdim));
          },
          py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def(
          "cumsum",
          [](const Tensor& t, int64_t dim, py::handle dtype) {
            return t.cumsum(dim, to_optional_dtype(dtype));
          },
          py::arg("dim"), py::arg("dtype") = py::none())
      .def(
          "sort",
          [](const Tensor& t, int64_t dim, bool descending, bool stable) {
            return values_indices("sort", t.sort(dim, descending, stable));
          },
          py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
          py::arg("stable") = false)
      .def(
          "argsort",
          [](const Tensor& t, int64_t dim, bool descending, bool) {
            return t.argsort(dim, descending);  // every sort is stable
          },
          py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
          py::arg("stable") = false)
      .def(
          "topk",
          [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
            return values_indices("topk", t.topk(k, dim, largest, sorted));
          },
          py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true)
      .def("argmax", &Tensor::argmax, py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def("argmin", &Tensor::argmin, py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def(
          "norm",
          [](const Tensor& t, py::handle p, py::handle dim, bool keepdim) {
            const Scalar order =
                py::isinstance<py::str>(p) || p.is_none() ? Scalar(2) : to_scalar(p);
            if (dim.is_none()) return t.norm(order);
            return t.norm(order, int_list(dim, "norm"), keepdim);
          },
          py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def(
          "var",
          [](const Tensor& t, py::handle dim, bool unbiased, bool keepdim) {
            return t.var(dims_or_all(dim, "var"), unbiased, keepdim);
          },
          py::arg("dim") = py::none(), py::arg("unbiased") = true, py::arg("keepdim") = false)
      .def(
          "std",
          [](const Tensor& t, py::handle dim, bool unbiased, bool keepdim) {
            return t.std(dims_or_all(dim, "std"), unbiased, keepdim);
          },
          py::arg("dim") = py::none(), py::arg("unbiased") = true, py::arg("keepdim") = false)
      .def("all", [](const Tensor& t) { return t.all(); })
      .def("any", [](const Tensor& t) { return t.any(); })
      .def(
          "softmax",
          [](const Tensor& t, int64_t dim, py::handle dtype) {
            return ember::softmax(t, dim, to_optional_dtype(dtype));
          },
          py::arg("dim"), py::arg("dtype") = py::none())
      .def(
          "log_softmax",
          [](const Tensor& t, int64_t dim, py::handle dtype) {
            return ember::log_softmax(t, dim, to_optional_dtype(dtype));
          },
          py::arg("dim"), py::arg("dtype") = py::none())
      .def(
          "logsumexp",
          [](const Tensor& t, py::handle dim, bool keepdim) {
            return ember::logsumexp(t, int_list(dim, "logsumexp"), keepdim);
          },
          py::arg("dim"), py::arg("keepdim") = false);

  // ---- Linear algebra and indexing ops ----
  cls.def("mm", &Tensor::mm)
      .def(
          "addmm",
          [](const Tensor& self, const Tensor& mat1, const Tensor& mat2, py::handle beta,
             py::handle alpha) {
            return addmm(self, mat1, mat2, to_scalar(beta), to_scalar(alpha));
          },
          py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1,
          py::arg("alpha") = 1)
      .def("bmm", &Tensor::bmm)
      .def("matmul", &Tensor::matmul)
      .def("dot", &Tensor::dot)
      .def("mv", &Tensor::mv)
      .def("index_select", &Tensor::index_select, py::arg("dim"), py::arg("index"))
      .def("gather", &Tensor::gather, py::arg("dim"), py::arg("index"))
      .def("scatter_add", &Tensor::scatter_add, py::arg("dim"), py::arg("index"), py::arg("src"));
}

}  // namespace ember::python
