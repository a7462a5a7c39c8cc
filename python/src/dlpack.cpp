// DLPack from Python: Tensor.__dlpack__ / __dlpack_device__ hand a tensor to NumPy, torch or any
// consumer as a "dltensor" capsule; _C._from_dlpack takes one in without a copy.
#include "ember/io/dlpack.h"

#include "bindings.h"

namespace ember::python {
namespace {

constexpr const char* kFresh = "dltensor";
constexpr const char* kUsed = "used_dltensor";

// A producer's DLManagedTensor whose deleter may touch Python objects (NumPy's does): ours calls
// it holding the GIL, whichever thread frees the tensor.
struct WithGil {
  DLManagedTensor managed;
  DLManagedTensor* producer;
};

DLManagedTensor* calling_deleter_with_gil(DLManagedTensor* producer) {
  auto* wrapper = new WithGil{*producer, producer};
  wrapper->managed.manager_ctx = wrapper;
  wrapper->managed.deleter = [](DLManagedTensor* self) {
    auto* w = static_cast<WithGil*>(self->manager_ctx);
    if (w->producer->deleter && Py_IsInitialized()) {  // at exit, leave it to the OS
      py::gil_scoped_acquire gil;
      w->producer->deleter(w->producer);
    }
    delete w;
  };
  return &wrapper->managed;
}

py::object to_capsule(const Tensor& t) {
  DLManagedTensor* managed = toDLPack(t);
  PyObject* capsule = PyCapsule_New(managed, kFresh, [](PyObject* self) {
    // Still named "dltensor": no consumer took it, so the reference is ours to drop.
    if (PyCapsule_IsValid(self, kFresh)) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(self, kFresh));
      if (m != nullptr && m->deleter != nullptr) m->deleter(m);
    }
  });
  if (capsule == nullptr) {
    managed->deleter(managed);
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(capsule);
}

Tensor from_capsule(py::handle capsule) {
  if (!PyCapsule_IsValid(capsule.ptr(), kFresh))
    throw std::runtime_error(
        "from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed "
        "only once, so you might have already constructed a tensor from it once.");
  auto* producer = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), kFresh));
  DLManagedTensor* managed = calling_deleter_with_gil(producer);
  Tensor t;
  try {
    t = fromDLPack(managed);
  } catch (...) {
    delete static_cast<WithGil*>(managed->manager_ctx);  // the capsule still owns the producer
    throw;
  }
  PyCapsule_SetName(capsule.ptr(), kUsed);
  return t;
}

}  // namespace

void bind_dlpack(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
      "__dlpack__",
      [](const Tensor& t, py::handle stream) {
        if (!stream.is_none() && !t.device().is_cpu())
          throw py::type_error("__dlpack__: streams are for device tensors");
        return to_capsule(t);
      },
      py::arg("stream") = py::none());
  // (device type, device index): DLPack's kDLCPU is 1.
  cls.def("__dlpack_device__", [](const Tensor&) { return py::make_tuple(1, 0); });
  m.def("_from_dlpack", &from_capsule);
}

}  // namespace ember::python
