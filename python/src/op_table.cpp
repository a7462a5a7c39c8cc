// The bindings the op table (ember/core/op_table.def) expands to: for each unary op with a full
// surface, Tensor.name, Tensor.name_ (returning self), the out= form that torch.name(..., out=)
// calls, and its name in _C._unary_ops, from which the package makes torch.name; the same for
// each such binary op (_C._binary_ops), taking a tensor or a number for `other` and an alpha
// where the table says so; for each comparison, Tensor.name for a tensor or a number
// (_C._compare_ops); for each
// reduction, Tensor.name with torch's dim, keepdim and dtype keywords (_C._reduce_ops).
#include <string>
#include <type_traits>

#include "bindings.h"
#include "ember/core/op_table.h"
#include "operands.h"

namespace ember::python {
namespace {

// An arithmetic op's method, in-place method and out= form: `other` may be a tensor or a number,
// and with kAlpha each takes a keyword alpha. Each callable takes (a, b, alpha).
template <bool kAlpha, typename Method, typename MethodNumber, typename InPlace,
          typename InPlaceNumber, typename Out>
void bind_arithmetic(py::class_<Tensor>& cls, py::module_& out, const char* name,
                     const char* in_place_name, Method method, MethodNumber method_number,
                     InPlace in_place, InPlaceNumber in_place_number, Out out_form) {
  auto call = [=](const Tensor& a, py::handle b, const Scalar& k) {
    return binary_method(
        name, a, b, [&](const Tensor& x, const Tensor& y) { return method(x, y, k); },
        [&](const Tensor& x, const Scalar& y) { return method_number(x, y, k); });
  };
  auto call_ = [=](py::object self, py::handle b, const Scalar& k) {
    return in_place_method(
        name, self, b, [&](const Tensor& x, const Tensor& y) { in_place(x, y, k); },
        [&](const Tensor& x, const Scalar& y) { in_place_number(x, y, k); });
  };
  auto into = [=](py::object target, py::handle a, py::handle b, const Scalar& k) {
    Tensor t = as_tensor(target);
    out_form(t, operand(a), operand(b), k);
    return target;
  };
  if constexpr (kAlpha) {
    cls.def(
        name,
        [=](const Tensor& a, py::handle b, py::handle alpha) {
          return call(a, b, to_scalar(alpha));
        },
        py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
    cls.def(
        in_place_name,
        [=](py::object self, py::handle b, py::handle alpha) {
          return call_(self, b, to_scalar(alpha));
        },
        py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
    out.def(
        name,
        [=](py::object target, py::handle a, py::handle b, py::handle alpha) {
          return into(target, a, b, to_scalar(alpha));
        },
        py::arg("out"), py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  } else {
    cls.def(
        name, [=](const Tensor& a, py::handle b) { return call(a, b, 1); }, py::arg("other"));
    cls.def(
        in_place_name, [=](py::object self, py::handle b) { return call_(self, b, 1); },
        py::arg("other"));
    out.def(
        name, [=](py::object target, py::handle a, py::handle b) { return into(target, a, b, 1); },
        py::arg("out"), py::arg("input"), py::arg("other"));
  }
}

// A reduction's dim argument as its C++ form takes it: a list of dims, or one.
template <typename Dim>
auto dim_arg(py::handle dim, const char* op) {
  if constexpr (std::is_same_v<Dim, IntArrayRef>)
    return int_list(dim, op);
  else
    return int_arg(dim, op, "dim");
}

}  // namespace

void bind_op_table(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  py::module_ out = m.def_submodule("_out", "the out= forms of the elementwise ops");
  py::list unary_names, binary_names, compare_names, reduce_names;

#define EMBER_UNARY_OP(Name, name, dtype, surface, node)                           \
  EMBER_IF_FULL(surface, cls.def(#name, [](const Tensor& t) { return t.name(); }); \
                cls.def(#name "_",                                                 \
                        [](py::object self) {                                      \
                          as_tensor(self).name##_();                               \
                          return self;                                             \
                        });                                                        \
                out.def(#name,                                                     \
                        [](py::object target, py::handle x) {                      \
                          Tensor t = as_tensor(target);                            \
                          name##_out(t, as_tensor(x));                             \
                          return target;                                           \
                        });                                                        \
                unary_names.append(#name);)
#include "ember/core/op_table.def"

#define EMBER_BINARY_OP(Name, name, dtype, surface, node)                                       \
  EMBER_IF_TENSOR_ONLY(                                                                         \
      surface,                                                                                  \
      cls.def(                                                                                  \
          #name, [](const Tensor& a, const Tensor& b) { return a.name(b); }, py::arg("other")); \
      out.def(#name,                                                                            \
              [](py::object target, const Tensor& a, const Tensor& b) {                         \
                Tensor t = as_tensor(target);                                                   \
                name##_out(t, a, b);                                                            \
                return target;                                                                  \
              });                                                                               \
      EMBER_IF_INPLACE(surface, cls.def(                                                        \
                                    #name "_",                                                  \
                                    [](py::object self, const Tensor& other) {                  \
                                      as_tensor(self).name##_(other);                           \
                                      return self;                                              \
                                    },                                                          \
                                    py::arg("other"));))                                        \
  EMBER_IF_NUMBER(surface,                                                                      \
                  bind_arithmetic<EMBER_TAKES_ALPHA(surface)>(                                  \
                      cls, out, #name, #name "_",                                               \
                      [](const Tensor& a, const Tensor& b, const Scalar& alpha) {               \
                        return a.name(b EMBER_ALPHA_ARG(surface));                              \
                      },                                                                        \
                      [](const Tensor& a, const Scalar& b, const Scalar& alpha) {               \
                        return detail::name##_wrapped(a, b EMBER_ALPHA_ARG(surface));           \
                      },                                                                        \
                      [](const Tensor& a, const Tensor& b, const Scalar& alpha) {               \
                        a.name##_(b EMBER_ALPHA_ARG(surface));                                  \
                      },                                                                        \
                      [](Tensor a, const Scalar& b, const Scalar& alpha) {                      \
                        detail::name##_wrapped_(a, b EMBER_ALPHA_ARG(surface));                 \
                      },                                                                        \
                      [](Tensor& t, const Tensor& a, const Tensor& b, const Scalar& alpha) {    \
                        name##_out(t, a, b EMBER_ALPHA_ARG(surface));                           \
                      });)                                                                      \
  EMBER_IF_FULL(surface, binary_names.append(#name);)
#include "ember/core/op_table.def"

#define EMBER_COMPARE_OP(Name, name)                                             \
  cls.def(#name, [](const Tensor& a, py::handle b) {                             \
    return binary_method(                                                        \
        #name, a, b, [](const Tensor& x, const Tensor& y) { return x.name(y); }, \
        [](const Tensor& x, const Scalar& y) { return x.name(y); });             \
  });                                                                            \
  compare_names.append(#name);
#include "ember/core/op_table.def"

#define EMBER_REDUCE_OP(Name, name, surface)                                                     \
  EMBER_IF_REDUCE_DTYPE(                                                                         \
      surface, cls.def(                                                                          \
                   #name,                                                                        \
                   [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {         \
                     if (dim.is_none()) return t.name(to_optional_dtype(dtype));                 \
                     return t.name(dim_arg<EMBER_REDUCE_DIM(surface)>(dim, #name), keepdim,      \
                                   to_optional_dtype(dtype));                                    \
                   },                                                                            \
                   py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),       \
                   py::arg("dtype") = py::none());)                                              \
  EMBER_IF_REDUCE_NO_DTYPE(                                                                      \
      surface, cls.def(                                                                          \
                   #name,                                                                        \
                   [](const Tensor& t, py::handle dim, bool keepdim) {                           \
                     return t.name(dim.is_none() ? DimVector{} : int_list(dim, #name), keepdim); \
                   },                                                                            \
                   py::arg("dim") = py::tuple(), py::arg("keepdim") = false);)                   \
  reduce_names.append(#name);
#include "ember/core/op_table.def"

  m.attr("_unary_ops") = py::tuple(unary_names);
  m.attr("_binary_ops") = py::tuple(binary_names);
  m.attr("_compare_ops") = py::tuple(compare_names);
  m.attr("_reduce_ops") = py::tuple(reduce_names);
}

}  // namespace ember::python
