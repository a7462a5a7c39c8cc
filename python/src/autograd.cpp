// ember.autograd: grad mode, the recorded graph (grad_fn), grad/backward, and custom Functions
// written in Python.
#include <pybind11/stl.h>

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "bindings.h"

#include <ember/utils/checkpoint.h>

namespace ember::python {

py::object node_object(const std::shared_ptr<autograd::Node>& node) {
  if (!node) return py::none();
  py::object obj = py::cast(node);
  // One subclass per node kind, made on first sight. With empty __slots__ it has Node's layout,
  // so an instance can take it as its __class__.
  static py::dict* kinds = new py::dict();  // lives as long as the interpreter's types do
  const std::string name = node->name();
  py::str key(name);
  if (!kinds->contains(key)) {
    py::object base = py::type::of<autograd::Node>();
    py::dict attrs;
    attrs["__slots__"] = py::tuple();
    attrs["__module__"] = base.attr("__module__");
    py::object kind = py::type::of(base)(key, py::make_tuple(base), attrs);
    // Its instances are pybind11's Node instances under another name, so they keep Node's
    // allocation: no GC header (type() gives heap subclasses one), Node's deallocator and free.
    // CPython allows the __class__ assignment below only between such compatible layouts.
    auto* sub = reinterpret_cast<PyTypeObject*>(kind.ptr());
    auto* node_type = reinterpret_cast<PyTypeObject*>(base.ptr());
    sub->tp_flags &= ~Py_TPFLAGS_HAVE_GC;
    sub->tp_traverse = node_type->tp_traverse;
    sub->tp_clear = node_type->tp_clear;
    sub->tp_dealloc = node_type->tp_dealloc;
    sub->tp_free = node_type->tp_free;
    PyType_Modified(sub);
    (*kinds)[key] = kind;
  }
  py::object kind = (*kinds)[key];
  if (!py::type::handle_of(obj).is(kind)) obj.attr("__class__") = kind;
  return obj;
}

namespace {

using autograd::AutogradContext;
using autograd::CustomNode;
using autograd::Node;

py::tuple tensor_tuple(const std::vector<Tensor>& tensors) {
  py::tuple out(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out[i] = optional_tensor(tensors[i]);
  return out;
}

// What a grad_fn hook returns: None keeps the gradients, a sequence replaces them.
std::vector<Tensor> hook_result(py::handle r) {
  if (r.is_none()) return {};
  if (!py::isinstance<py::sequence>(r) || is_tensor(r))
    throw py::type_error(
        "a grad_fn hook must return a tuple of Tensors (or Nones) or None, but "
        "got " +
        std::string(py::str(py::type::of(r).attr("__name__"))));
  return tensor_list(r);
}

/// What grad_fn.register_hook and register_prehook return: remove() takes the hook off again.
struct NodeHookHandle {
  std::weak_ptr<Node> node;
  unsigned id;
  void remove() {
    if (auto n = node.lock()) n->remove_function_hook(id);
  }
};

std::optional<bool> optional_bool(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return obj.cast<bool>();
}

// ---- Custom functions --------------------------------------------------------------------------

class PyFunctionNode;

/// The `ctx` a Python Function's forward and backward receive. Attributes set on it
/// (ctx.constant = 2) live in its __dict__; the node owns it, and it sees the node weakly.
struct FunctionCtx {
  std::weak_ptr<PyFunctionNode> node;
  size_t num_args = 0;
  bool materialize_grads = true;
  AutogradContext& context() const;
};

/// The node recorded for a Python Function: backward calls the class's staticmethod.
class PyFunctionNode final : public CustomNode {
 public:
  PyFunctionNode(std::string name, py::object cls, bool has_jvp)
      : CustomNode(std::move(name)),
        cls_(std::make_unique<PyObjectRef>(std::move(cls))),
        has_jvp_(has_jvp) {}

  void set_ctx(py::object ctx) { ctx_ = std::make_unique<PyObjectRef>(std::move(ctx)); }
  void set_materialize(bool value) { materialize_ = value; }

 protected:
  bool has_jvp() const override { return has_jvp_; }
  bool materialize_tangents() const override { return materialize_; }

  // cls.jvp(ctx, *tangents): Function.jvp itself raises the missing-jvp NotImplementedError.
  std::vector<Tensor> call_jvp(AutogradContext*, std::vector<Tensor> tangents) override {
    py::gil_scoped_acquire gil;
    py::tuple args(tangents.size() + 1);
    args[0] = ctx_->get();
    for (size_t i = 0; i < tangents.size(); ++i) args[i + 1] = optional_tensor(tangents[i]);
    py::object result = cls_->get().attr("jvp")(*args);
    std::vector<Tensor> out;
    if (py::isinstance<py::tuple>(result)) {
      for (py::handle item : result) out.push_back(tensor_or_undefined(item));
    } else {
      out.push_back(tensor_or_undefined(result));
    }
    return out;
  }

  std::vector<Tensor> call_backward(AutogradContext*, std::vector<Tensor> grads) override {
    py::gil_scoped_acquire gil;
    const auto& ctx = ctx_->get().cast<const FunctionCtx&>();
    py::tuple args(grads.size() + 1);
    args[0] = ctx_->get();
    for (size_t i = 0; i < grads.size(); ++i) {
      Tensor g = grads[i];
      if (!g.defined() && ctx.materialize_grads) {
        const autograd::InputMetadata& meta = input_metadata(i);
        g = zeros(meta.shape, TensorOptions(meta.dtype).device(meta.device));
      }
      args[i + 1] = optional_tensor(g);
    }
    py::object result = cls_->get().attr("backward")(*args);
    std::vector<Tensor> out;
    if (py::isinstance<py::tuple>(result)) {
      for (py::handle item : result) out.push_back(tensor_or_undefined(item));
    } else {
      out.push_back(tensor_or_undefined(result));
    }
    // A Function may return extra trailing Nones, as PyTorch allows.
    while (out.size() > ctx.num_args && !out.back().defined()) out.pop_back();
    return out;
  }

 private:
  std::unique_ptr<PyObjectRef> cls_;
  std::unique_ptr<PyObjectRef> ctx_;
  bool has_jvp_;
  bool materialize_ = true;
};

AutogradContext& FunctionCtx::context() const {
  const std::shared_ptr<PyFunctionNode> n = node.lock();
  if (!n) throw std::runtime_error("this ctx belongs to a Function whose graph has been freed");
  return *n->context();
}

// Whether cls overrides Function.jvp.
bool defines_jvp(const py::object& cls) {
  static PyObjectRef* base =
      new PyObjectRef(py::module_::import("ember.autograd.function").attr("Function").attr("jvp"));
  return !py::object(cls.attr("jvp")).is(base->get());
}

// Function.apply(*args): forward without recording, then link the outputs to a new node and
// give them tangents under a dual level.
py::object function_apply(py::object cls, const py::args& args) {
  const std::string name = py::str(cls.attr("__name__")).cast<std::string>() + "Backward";
  auto node = autograd::make_node<PyFunctionNode>(name, cls, defines_jvp(cls));
  std::vector<Tensor> inputs;
  std::vector<bool> is_tensor_arg;
  for (py::handle a : args) {
    const bool t = is_tensor(a);
    if (t) inputs.push_back(as_tensor(a));
    is_tensor_arg.push_back(t);
  }
  const bool record = node->link_inputs(inputs, std::move(is_tensor_arg));
  py::object ctx = py::cast(FunctionCtx{node, args.size()});
  node->set_ctx(ctx);

  py::object result;
  CustomNode::run_forward([&] {
    py::tuple forward_args(args.size() + 1);
    forward_args[0] = ctx;
    for (size_t i = 0; i < args.size(); ++i) forward_args[i + 1] = args[i];
    result = cls.attr("forward")(*forward_args);
    return std::vector<Tensor>();
  });

  const bool is_tuple = py::isinstance<py::tuple>(result);
  py::tuple items = is_tuple ? py::reinterpret_borrow<py::tuple>(result) : py::make_tuple(result);
  std::vector<Tensor> outputs;
  for (py::handle item : items) outputs.push_back(is_tensor(item) ? as_tensor(item) : Tensor());
  if (record) node->link_outputs(inputs, outputs);
  node->propagate_tangents(inputs, outputs);
  py::tuple linked(items.size());
  bool changed = false;
  for (size_t i = 0; i < items.size(); ++i) {
    const bool same = !outputs[i].defined() || outputs[i].is_same(as_tensor(items[i]));
    linked[i] = same ? py::reinterpret_borrow<py::object>(items[i]) : py::cast(outputs[i]);
    changed = changed || !same;
  }
  if (!changed) return result;
  return is_tuple ? py::object(linked) : linked[0];
}

void bind_function_ctx(py::module_& m) {
  py::class_<FunctionCtx>(m, "FunctionCtx", py::dynamic_attr())
      .def("save_for_backward",
           [](FunctionCtx& ctx, const py::args& tensors) {
             std::vector<Tensor> list;
             for (py::handle t : tensors) list.push_back(tensor_or_undefined(t));
             ctx.context().save_for_backward(std::move(list));
           })
      .def_property_readonly(
          "saved_tensors",
          [](const FunctionCtx& ctx) { return tensor_tuple(ctx.context().get_saved_variables()); })
      .def("mark_dirty",
           [](FunctionCtx& ctx, const py::args& tensors) {
             ctx.context().mark_dirty(tensor_list(tensors));
           })
      .def("mark_non_differentiable",
           [](FunctionCtx& ctx, const py::args& tensors) {
             ctx.context().mark_non_differentiable(tensor_list(tensors));
           })
      .def("save_for_forward",
           [](FunctionCtx& ctx, const py::args& tensors) {
             std::vector<Tensor> list;
             for (py::handle t : tensors) {
               if (!t.is_none() && !is_tensor(t)) {
                 PyErr_SetString(PyExc_AssertionError,
                                 "save_for_forward expects all arguments to be tensors; you "
                                 "should save non-tensors as attributes on ctx.");
                 throw py::error_already_set();
               }
               list.push_back(tensor_or_undefined(t));
             }
             ctx.context().save_for_forward(std::move(list));
           })
      .def("set_materialize_grads",
           [](FunctionCtx& ctx, bool value) {
             ctx.materialize_grads = value;
             if (auto n = ctx.node.lock()) n->set_materialize(value);
           })
      .def_property_readonly("needs_input_grad", [](const FunctionCtx& ctx) {
        const AutogradContext& c = ctx.context();
        py::tuple out(ctx.num_args);
        for (size_t i = 0; i < ctx.num_args; ++i) out[i] = py::bool_(c.needs_input_grad(i));
        return out;
      });
  m.def("_function_apply", &function_apply);
}

// ---- Saved-tensor hooks and checkpointing --------------------------------------------------

/// What a Python pack hook returned, kept until backward; the unpack hook receives it back.
using PackedObject = std::shared_ptr<PyObjectRef>;

/// A Python pack hook as the C++ one: what it returns is kept as a Python object.
std::function<std::any(const Tensor&)> python_pack(std::shared_ptr<PyObjectRef> pack) {
  return [pack = std::move(pack)](const Tensor& t) {
    py::gil_scoped_acquire gil;
    return std::any(std::make_shared<PyObjectRef>(pack->get()(t)));
  };
}

/// A Python unpack hook as the C++ one; it must give back a tensor.
std::function<Tensor(const std::any&)> python_unpack(std::shared_ptr<PyObjectRef> unpack) {
  return [unpack = std::move(unpack)](const std::any& packed) {
    py::gil_scoped_acquire gil;
    py::object t = unpack->get()(std::any_cast<const PackedObject&>(packed)->get());
    if (!is_tensor(t))
      throw py::type_error(
          "Output of saved tensor unpack_hook expected to be a Tensor but got "
          "result of type " +
          std::string(py::str(py::type::of(t).attr("__name__"))));
    return as_tensor(t);
  };
}

/// `with saved_tensors_hooks(pack, unpack):` (ember.autograd.graph) installs the C++ guard for
/// the block.
struct PySavedTensorHooks {
  std::shared_ptr<PyObjectRef> pack, unpack;
  std::unique_ptr<autograd::SavedTensorHooksGuard> guard;

  void enter() {
    guard =
        std::make_unique<autograd::SavedTensorHooksGuard>(python_pack(pack), python_unpack(unpack));
  }
};

/// torch.autograd.SavedTensor: one tensor a custom Function saved, seen from its grad_fn
/// (`grad_fn._raw_saved_tensors`), on which hooks can still be registered.
struct PySavedTensor {
  std::shared_ptr<CustomNode> node;
  size_t index;
};

/// `with disable_saved_tensors_hooks(message):` forbids installing hooks in the block.
struct PyDisableSavedTensorHooks {
  std::string message;
  std::unique_ptr<autograd::DisableSavedTensorHooksGuard> guard;
};

void bind_saved_tensor_hooks(py::module_& m) {
  py::class_<PySavedTensorHooks>(m, "_SavedTensorsHooks")
      .def(py::init([](py::object pack, py::object unpack) {
        return PySavedTensorHooks{std::make_shared<PyObjectRef>(std::move(pack)),
                                  std::make_shared<PyObjectRef>(std::move(unpack)), nullptr};
      }))
      .def("__enter__", &PySavedTensorHooks::enter)
      .def("__exit__", [](PySavedTensorHooks& h, py::args) { h.guard.reset(); });
  py::class_<PyDisableSavedTensorHooks>(m, "_DisableSavedTensorsHooks")
      .def(py::init([](std::string message) {
        return PyDisableSavedTensorHooks{std::move(message), nullptr};
      }))
      .def("__enter__",
           [](PyDisableSavedTensorHooks& h) {
             h.guard = std::make_unique<autograd::DisableSavedTensorHooksGuard>(h.message);
           })
      .def("__exit__", [](PyDisableSavedTensorHooks& h, py::args) { h.guard.reset(); });

  // ember.utils.checkpoint: forward() runs the function once (its result stays in Python);
  // recompute() runs it again when backward needs what it saved.
  m.def(
      "_checkpoint",
      [](py::object forward, py::object recompute, py::handle inputs, bool preserve_rng_state) {
        auto again = std::make_shared<PyObjectRef>(std::move(recompute));
        utils::detail::checkpoint_run([&forward] { forward(); },
                                      [again] {
                                        py::gil_scoped_acquire gil;
                                        again->get()();
                                      },
                                      tensor_list(inputs),
                                      utils::CheckpointOptions{preserve_rng_state});
      },
      py::arg("forward"), py::arg("recompute"), py::arg("inputs"), py::arg("preserve_rng_state"));
}

}  // namespace

void bind_autograd(py::module_& m) {
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);
  m.def("is_inference_mode_enabled", &InferenceMode::is_enabled);
  // torch.inference_mode's scope: the C++ guard, held from __enter__ to __exit__.
  py::class_<InferenceMode>(m, "_InferenceMode")
      .def(py::init<bool>())
      .def("__enter__", [](InferenceMode&) {})
      .def("__exit__", [](InferenceMode&, py::args) { return false; });
  m.def("is_anomaly_enabled", &autograd::AnomalyMode::is_enabled);
  m.def("_set_anomaly_enabled", &autograd::AnomalyMode::set_enabled);

  py::class_<NodeHookHandle>(m, "_NodeHookHandle")
      .def("remove", &NodeHookHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](NodeHookHandle& h, py::args) { h.remove(); });

  py::class_<PySavedTensor>(m, "SavedTensor")
      .def("register_hooks", [](PySavedTensor& saved, py::function pack, py::function unpack) {
        saved.node->context()->register_saved_hooks(
            saved.index, python_pack(std::make_shared<PyObjectRef>(std::move(pack))),
            python_unpack(std::make_shared<PyObjectRef>(std::move(unpack))));
      });

  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def_property_readonly("next_functions",
                             [](const Node& n) {
                               py::tuple out(n.num_outputs());
                               for (size_t i = 0; i < n.num_outputs(); ++i) {
                                 const autograd::Edge& e = n.next_edge(i);
                                 out[i] = py::make_tuple(node_object(e.function), e.input_nr);
                               }
                               return out;
                             })
      .def("register_hook",
           [](const std::shared_ptr<Node>& n, py::object fn) {
             auto ref = std::make_shared<PyObjectRef>(std::move(fn));
             const unsigned id =
                 n->add_post_hook([ref](const autograd::variable_list& grad_inputs,
                                        const autograd::variable_list& grad_outputs) {
                   py::gil_scoped_acquire gil;
                   return hook_result(
                       ref->get()(tensor_tuple(grad_inputs), tensor_tuple(grad_outputs)));
                 });
             return NodeHookHandle{n, id};
           })
      .def("register_prehook",
           [](const std::shared_ptr<Node>& n, py::object fn) {
             auto ref = std::make_shared<PyObjectRef>(std::move(fn));
             const unsigned id =
                 n->add_function_pre_hook([ref](const autograd::variable_list& grad_outputs) {
                   py::gil_scoped_acquire gil;
                   return hook_result(ref->get()(tensor_tuple(grad_outputs)));
                 });
             return NodeHookHandle{n, id};
           })
      .def_property_readonly("_raw_saved_tensors",
                             [](const std::shared_ptr<Node>& n) {
                               auto custom = std::dynamic_pointer_cast<CustomNode>(n);
                               if (!custom)
                                 throw py::attribute_error("'" + n->name() +
                                                           "' object has no attribute "
                                                           "'_raw_saved_tensors'");
                               const size_t count = custom->context()->saved_count();
                               py::tuple out(count);
                               for (size_t i = 0; i < count; ++i)
                                 out[i] = py::cast(PySavedTensor{custom, i});
                               return out;
                             })
      .def_property_readonly("saved_tensors",
                             [](const std::shared_ptr<Node>& n) {
                               auto custom = std::dynamic_pointer_cast<CustomNode>(n);
                               if (!custom)
                                 throw py::attribute_error("'" + n->name() +
                                                           "' object has no attribute "
                                                           "'saved_tensors'");
                               return tensor_tuple(custom->context()->get_saved_variables());
                             })
      .def_property_readonly("metadata",
                             [](const std::shared_ptr<Node>& n) {
                               std::any& data = n->binding_data();
                               if (!data.has_value())
                                 data = std::make_shared<PyObjectRef>(py::dict());
                               return std::any_cast<std::shared_ptr<PyObjectRef>&>(data)->get();
                             })
      .def("__repr__", [](py::handle self) {
        const auto& n = self.cast<const Node&>();
        char address[32];
        std::snprintf(address, sizeof address, "%p", static_cast<const void*>(self.ptr()));
        return "<" + n.name() + " object at " + address + ">";
      });

  m.def(
      "_grad",
      [](py::handle outputs, py::handle inputs, py::handle grad_outputs, py::handle retain_graph,
         bool create_graph, bool allow_unused) {
        const std::vector<Tensor> outs = tensor_list(outputs), ins = tensor_list(inputs);
        std::vector<Tensor> grads;
        if (!grad_outputs.is_none()) grads = tensor_list(grad_outputs);
        std::vector<Tensor> result;
        {
          py::gil_scoped_release release;
          result = autograd::grad(outs, ins, grads, optional_bool(retain_graph), create_graph,
                                  allow_unused);
        }
        return tensor_tuple(result);
      },
      py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(),
      py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
      py::arg("allow_unused") = false);
  m.def(
      "_backward",
      [](py::handle tensors, py::handle grad_tensors, py::handle retain_graph, bool create_graph,
         py::handle inputs) {
        const std::vector<Tensor> outs = tensor_list(tensors);
        std::vector<Tensor> grads, wrt;
        if (!grad_tensors.is_none()) grads = tensor_list(grad_tensors);
        if (!inputs.is_none()) wrt = tensor_list(inputs);
        py::gil_scoped_release release;
        autograd::backward(outs, grads, optional_bool(retain_graph), create_graph, wrt);
      },
      py::arg("tensors"), py::arg("grad_tensors") = py::none(),
      py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
      py::arg("inputs") = py::none());

  // gradcheck and gradgradcheck are the C++ checkers, run on a Python function of the tensors
  // being checked (ember.autograd.gradcheck maps its arguments onto them).
  auto function = [](py::object fn) -> autograd::TensorFunction {
    auto ref = std::make_shared<PyObjectRef>(std::move(fn));
    return [ref](const autograd::variable_list& xs) {
      py::gil_scoped_acquire gil;
      return tensor_list(ref->get()(tensor_tuple(xs)));
    };
  };
  m.def(
      "_gradcheck",
      [function](py::object fn, py::handle inputs, double eps, double atol, double rtol,
                 bool raise) {
        autograd::TensorFunction call = function(std::move(fn));
        const std::vector<Tensor> wrt = tensor_list(inputs);
        py::gil_scoped_release release;  // the engine may call back into Python
        return autograd::gradcheck(call, wrt, eps, atol, rtol, raise);
      },
      py::arg("fn"), py::arg("inputs"), py::arg("eps"), py::arg("atol"), py::arg("rtol"),
      py::arg("raise_exception"));
  m.def(
      "_gradgradcheck",
      [function](py::object fn, py::handle inputs, py::handle grad_outputs, double eps, double atol,
                 double rtol, bool raise) {
        autograd::TensorFunction call = function(std::move(fn));
        const std::vector<Tensor> wrt = tensor_list(inputs);
        const std::vector<Tensor> upstream = tensor_list(grad_outputs);
        py::gil_scoped_release release;
        return autograd::gradgradcheck(call, wrt, upstream, eps, atol, rtol, raise);
      },
      py::arg("fn"), py::arg("inputs"), py::arg("grad_outputs"), py::arg("eps"), py::arg("atol"),
      py::arg("rtol"), py::arg("raise_exception"));
  m.def(
      "_random_grad_outputs",
      [function](py::object fn, py::handle inputs) {
        autograd::TensorFunction call = function(std::move(fn));
        const std::vector<Tensor> wrt = tensor_list(inputs);
        py::gil_scoped_release release;
        return autograd::random_grad_outputs(call, wrt);
      },
      py::arg("fn"), py::arg("inputs"));

  bind_function_ctx(m);
  bind_saved_tensor_hooks(m);
}

}  // namespace ember::python
