// The bindings the op table (ember/core/op_table.def) expands to: for each unary op with a full
// surface, Tensor.name, Tensor.name_ (returning self), the out= form that torch.name(..., out=)
// calls, and its name in _C._unary_ops, from which the package makes torch.name; the same for
// each such binary op (_C._binary_ops); for each comparison, Tensor.name for a tensor or a
// number.
#include <string>

#include "bindings.h"
#include "ember/core/op_table.h"
#include "operands.h"

namespace ember::python {

void bind_op_table(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  py::module_ out = m.def_submodule("_out", "the out= forms of the elementwise ops");
  py::list unary_names, binary_names;

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
  EMBER_IF_FULL(surface, cls.def(                                                               \
                             #name, [](const Tensor& a, const Tensor& b) { return a.name(b); }, \
                             py::arg("other"));                                                 \
                out.def(#name,                                                                  \
                        [](py::object target, const Tensor& a, const Tensor& b) {               \
                          Tensor t = as_tensor(target);                                         \
                          name##_out(t, a, b);                                                  \
                          return target;                                                        \
                        });                                                                     \
                binary_names.append(#name);)                                                    \
  EMBER_IF_INPLACE(surface, cls.def(                                                            \
                                #name "_",                                                      \
                                [](py::object self, const Tensor& other) {                      \
                                  as_tensor(self).name##_(other);                               \
                                  return self;                                                  \
                                },                                                              \
                                py::arg("other"));)
#include "ember/core/op_table.def"

#define EMBER_COMPARE_OP(Name, name)                                             \
  cls.def(#name, [](const Tensor& a, py::handle b) {                             \
    return binary_method(                                                        \
        #name, a, b, [](const Tensor& x, const Tensor& y) { return x.name(y); }, \
        [](const Tensor& x, const Scalar& y) { return x.name(y); });             \
  });
#include "ember/core/op_table.def"

  m.attr("_unary_ops") = py::tuple(unary_names);
  m.attr("_binary_ops") = py::tuple(binary_names);
}

}  // namespace ember::python
