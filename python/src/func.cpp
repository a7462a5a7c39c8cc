// ember._C._func: the C++ function transforms (ember::func) over Python functions of flat tensor
// lists. ember/func.py flattens and rebuilds the pytrees around them.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <ember/func.h>

#include "bindings.h"

namespace ember::python {
namespace {

py::tuple as_tuple(const std::vector<Tensor>& tensors) {
  py::tuple out(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out[i] = py::cast(tensors[i]);
  return out;
}

py::list as_nested(const std::vector<std::vector<Tensor>>& rows) {
  py::list out;
  for (const auto& row : rows) out.append(as_tuple(row));
  return out;
}

// A Python function of a tuple of tensors returning a sequence of tensors, callable from C++
// (with or without the GIL held) and safe to drop from any thread.
// The Python face of NoBatchingRule: raised through the user's Python function and turned back
// into the C++ exception here, so vmap sees it and runs the function per entry.
PyObject* no_batching_rule = nullptr;

func::TensorListFn list_fn(py::object fn) {
  auto ref = std::make_shared<PyObjectRef>(std::move(fn));
  return [ref](const std::vector<Tensor>& xs) {
    py::gil_scoped_acquire gil;
    try {
      return tensor_list(ref->get()(as_tuple(xs)));
    } catch (py::error_already_set& e) {
      if (no_batching_rule && e.matches(no_batching_rule)) throw NoBatchingRule(e.what());
      throw;
    }
  };
}

}  // namespace

void bind_forward_ad(py::module_& m) {
  using namespace autograd::forward_ad;
  py::module_ f = m.def_submodule("_forward_ad", "Forward-mode AD (ember::autograd::forward_ad)");
  // dual_level is a scope in C++; Python enters and exits it explicitly (a context manager in
  // ember/autograd/forward_ad.py), so the level lives on the heap until exit.
  f.def("enter_dual_level", [] {
    auto* level = new dual_level();
    return py::make_tuple(level->level(), reinterpret_cast<uintptr_t>(level));
  });
  f.def("exit_dual_level", [](uintptr_t handle) { delete reinterpret_cast<dual_level*>(handle); });
  f.def("make_dual", &make_dual, py::arg("tensor"), py::arg("tangent"));
  f.def("unpack_dual", [](const Tensor& t) {
    UnpackedDualTensor u = unpack_dual(t);
    return py::make_tuple(u.primal, u.tangent.defined() ? py::cast(u.tangent) : py::none());
  });
}

void bind_func(py::module_& m) {
  bind_forward_ad(m);
  py::module_ f = m.def_submodule("_func", "Function transforms over flat tensor lists");
  // Registered after the translator of Error (extension.cpp), so it is tried first.
  no_batching_rule =
      py::register_exception<NoBatchingRule>(f, "NoBatchingRule", PyExc_RuntimeError).ptr();
  f.def("depth", &func::transform_depth);
  f.def("vjp", [](py::object fn, py::handle primals) {
    std::vector<Tensor> xs = tensor_list(primals);
    std::pair<std::vector<Tensor>, func::VjpFn> result;
    {
      py::gil_scoped_release release;
      result = func::vjp(list_fn(std::move(fn)), xs);
    }
    auto vjp_fn = std::make_shared<func::VjpFn>(std::move(result.second));
    py::cpp_function call([vjp_fn](py::handle cotangents) {
      std::vector<Tensor> cs = tensor_list(cotangents);
      std::vector<Tensor> grads;
      {
        py::gil_scoped_release release;
        grads = (*vjp_fn)(cs);
      }
      return as_tuple(grads);
    });
    return py::make_tuple(as_tuple(result.first), call);
  });
  f.def("jvp", [](py::object fn, py::handle primals, py::handle tangents) {
    std::vector<Tensor> xs = tensor_list(primals), ts = tensor_list(tangents);
    py::gil_scoped_release release;
    auto [outputs, products] = func::jvp(list_fn(std::move(fn)), xs, ts);
    py::gil_scoped_acquire gil;
    return py::make_tuple(as_tuple(outputs), as_tuple(products));
  });
  f.def("grad_and_value", [](py::object fn, py::handle args, std::vector<int64_t> argnums) {
    std::vector<Tensor> xs = tensor_list(args);
    py::gil_scoped_release release;
    auto [grads, value] = func::grad_and_value(list_fn(std::move(fn)), xs, argnums);
    py::gil_scoped_acquire gil;
    return py::make_tuple(as_tuple(grads), value);
  });
  using Jacobian = std::vector<std::vector<Tensor>> (*)(
      const func::TensorListFn&, const std::vector<Tensor>&, const std::vector<int64_t>&);
  for (auto [name, transform] : {std::pair<const char*, Jacobian>{"jacrev", &func::jacrev},
                                 std::pair<const char*, Jacobian>{"jacfwd", &func::jacfwd}}) {
    f.def(name,
          [transform = transform](py::object fn, py::handle args, std::vector<int64_t> argnums) {
            std::vector<Tensor> xs = tensor_list(args);
            py::gil_scoped_release release;
            auto jac = transform(list_fn(std::move(fn)), xs, argnums);
            py::gil_scoped_acquire gil;
            return as_nested(jac);
          });
  }
  f.def("vmap", [](py::object fn, py::handle args, std::vector<std::optional<int64_t>> in_dims,
                   std::vector<int64_t> out_dims, const std::string& randomness) {
    const std::vector<Tensor> xs = tensor_list(args);
    func::Randomness mode = func::Randomness::kError;
    if (randomness == "different")
      mode = func::Randomness::kDifferent;
    else if (randomness == "same")
      mode = func::Randomness::kSame;
    else if (randomness != "error")
      throw py::value_error(
          "Only allowed values for randomness are 'error', 'different', or "
          "'same'. Got " +
          randomness);
    py::gil_scoped_release release;
    auto outputs = func::vmap(list_fn(std::move(fn)), xs, in_dims, out_dims, mode);
    py::gil_scoped_acquire gil;
    return as_tuple(outputs);
  });
}

}  // namespace ember::python
