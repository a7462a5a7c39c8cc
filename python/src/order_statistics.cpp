// ember.Tensor's running reductions (cumprod, cummax, ...), order statistics (median, kthvalue,
// mode, quantile) and NaN-skipping reductions, with torch's keywords and named tuples.
#include <pybind11/stl.h>

#include <string>

#include "bindings.h"

namespace ember::python {

namespace {

DimVector dims_or_all(py::handle dim, const char* op) {
  return dim.is_none() ? DimVector{} : int_list(dim, op);
}

// quantile's q: a number, or a tensor of the input's dtype.
Tensor quantile_of(bool ignore_nan, const Tensor& t, py::handle q, std::optional<int64_t> dim,
                   bool keepdim, const std::string& interpolation) {
  if (is_tensor(q)) {
    return ignore_nan ? nanquantile(t, as_tensor(q), dim, keepdim, interpolation)
                      : quantile(t, as_tensor(q), dim, keepdim, interpolation);
  }
  const double value = q.cast<double>();
  return ignore_nan ? nanquantile(t, value, dim, keepdim, interpolation)
                    : quantile(t, value, dim, keepdim, interpolation);
}

// median(), or median(dim) with its positions.
template <auto All, auto AlongDim>
py::object median_form(const char* name, const Tensor& t, py::handle dim, bool keepdim) {
  if (dim.is_none()) return py::cast((t.*All)());
  return values_indices(name, (t.*AlongDim)(int_arg(dim, name, "dim"), keepdim));
}

}  // namespace

void bind_order_statistics(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
      "cumprod",
      [](const Tensor& t, int64_t dim, py::handle dtype) {
        return t.cumprod(dim, to_optional_dtype(dtype));
      },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def(
      "cumprod_",
      [](py::object self, int64_t dim, py::handle dtype) {
        const Tensor& t = as_tensor(self);
        t.copy_(t.cumprod(dim, to_optional_dtype(dtype)));
        return self;
      },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def(
      "cumsum_",
      [](py::object self, int64_t dim, py::handle dtype) {
        const Tensor& t = as_tensor(self);
        t.copy_(t.cumsum(dim, to_optional_dtype(dtype)));
        return self;
      },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def(
      "cummax",
      [](const Tensor& t, int64_t dim) { return values_indices("cummax", t.cummax(dim)); },
      py::arg("dim"));
  cls.def(
      "cummin",
      [](const Tensor& t, int64_t dim) { return values_indices("cummin", t.cummin(dim)); },
      py::arg("dim"));
  cls.def("logcumsumexp", &Tensor::logcumsumexp, py::arg("dim"));
  cls.def(
      "kthvalue",
      [](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
        return values_indices("kthvalue", t.kthvalue(k, dim, keepdim));
      },
      py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  cls.def(
      "median",
      [](const Tensor& t, py::handle dim, bool keepdim) {
        using Along = std::tuple<Tensor, Tensor> (Tensor::*)(int64_t, bool) const;
        return median_form<static_cast<Tensor (Tensor::*)() const>(&Tensor::median),
                           static_cast<Along>(&Tensor::median)>("median", t, dim, keepdim);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def(
      "nanmedian",
      [](const Tensor& t, py::handle dim, bool keepdim) {
        using Along = std::tuple<Tensor, Tensor> (Tensor::*)(int64_t, bool) const;
        return median_form<static_cast<Tensor (Tensor::*)() const>(&Tensor::nanmedian),
                           static_cast<Along>(&Tensor::nanmedian)>("nanmedian", t, dim, keepdim);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def(
      "mode",
      [](const Tensor& t, int64_t dim, bool keepdim) {
        return values_indices("mode", t.mode(dim, keepdim));
      },
      py::arg("dim") = -1, py::arg("keepdim") = false);
  for (auto [name, ignore_nan] : {std::pair{"quantile", false}, {"nanquantile", true}}) {
    cls.def(
        name,
        [ignore_nan = ignore_nan](const Tensor& t, py::handle q, std::optional<int64_t> dim,
                                  bool keepdim, const std::string& interpolation) {
          return quantile_of(ignore_nan, t, q, dim, keepdim, interpolation);
        },
        py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("interpolation") = "linear");
  }
  cls.def("msort", &Tensor::msort);
  cls.def(
      "nansum",
      [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
        return t.nansum(dims_or_all(dim, "nansum"), keepdim, to_optional_dtype(dtype));
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("dtype") = py::none());
  cls.def(
      "nanmean",
      [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
        return t.nanmean(dims_or_all(dim, "nanmean"), keepdim, to_optional_dtype(dtype));
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("dtype") = py::none());
  cls.def(
      "aminmax",
      [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
        auto [lo, hi] = t.aminmax(dim, keepdim);
        return py::module_::import("ember.return_types").attr("aminmax")(lo, hi);
      },
      py::kw_only(), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  for (auto [name, with_std] : {std::pair{"var_mean", false}, {"std_mean", true}}) {
    m.def(
        name,
        [with_std = with_std](const Tensor& t, py::handle dim, bool unbiased, bool keepdim) {
          const DimVector dims = dims_or_all(dim, with_std ? "std_mean" : "var_mean");
          return with_std ? std_mean(t, dims, unbiased, keepdim)
                          : var_mean(t, dims, unbiased, keepdim);
        },
        py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = true,
        py::arg("keepdim") = false);
  }
}

}  // namespace ember::python
