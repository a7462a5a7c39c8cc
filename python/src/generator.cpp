// torch.Generator: a handle to a random stream (ember::Generator), and the generator= argument of
// the random functions.
#include "bindings.h"

namespace ember::python {

namespace {
// torch keeps a seed modulo 2^64 (so -1 is 2^64 - 1). Generator.manual_seed wants an int;
// torch.manual_seed takes whatever int() takes (a NumPy integer, 3.0).
uint64_t seed_from(py::handle seed) {
  if (!py::isinstance<py::int_>(seed))
    throw py::type_error("manual_seed expected an int as the seed, got " +
                         std::string(py::str(py::type::of(seed).attr("__name__"))));
  return (seed & py::int_(0xFFFFFFFFFFFFFFFFULL)).cast<uint64_t>();
}
}  // namespace

std::optional<Generator> optional_generator(py::handle generator) {
  if (generator.is_none()) return std::nullopt;
  if (!py::isinstance<Generator>(generator))
    throw py::type_error("generator must be a torch.Generator, not " +
                         std::string(py::str(py::type::of(generator).attr("__name__"))));
  return generator.cast<Generator>();
}

void bind_generator(py::module_& m) {
  py::class_<Generator>(m, "Generator")
      .def(py::init([](py::handle device) {
             if (!device.is_none()) usable_device(device);  // raises as torch for CUDA
             return Generator();
           }),
           py::arg("device") = "cpu")
      .def("manual_seed",
           [](py::object self, py::handle seed) {
             self.cast<Generator&>().set_current_seed(seed_from(seed));
             return self;
           })
      .def("seed", &Generator::seed)
      .def("initial_seed", &Generator::current_seed)
      .def("get_state", &Generator::get_state)
      .def("set_state",
           [](py::object self, const Tensor& state) {
             self.cast<Generator&>().set_state(state);
             return self;
           })
      .def_property_readonly("device", [](const Generator& g) { return g.device(); })
      .def("__eq__", &Generator::operator==, py::is_operator())
      .def("__hash__", [](const Generator& g) { return std::hash<void*>{}(&g.impl()); });
  m.attr("default_generator") = detail::getDefaultCPUGenerator();
  m.def(
      "manual_seed",
      [](py::handle seed) {
        manual_seed(seed_from(py::int_(py::reinterpret_borrow<py::object>(seed))));
        return detail::getDefaultCPUGenerator();
      },
      py::arg("seed"));
  m.def("initial_seed", [] { return detail::getDefaultCPUGenerator().current_seed(); });
  m.def("seed", [] { return detail::getDefaultCPUGenerator().seed(); });
}

}  // namespace ember::python
