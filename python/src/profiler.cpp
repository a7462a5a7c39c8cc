// ember._C._profiler: the switch, the event hand-over and user ranges of the autograd profiler
// (ember::autograd::profiler). The Python package (ember/autograd/profiler*.py) builds torch's
// FunctionEvent tree and tables from the raw events.
#include "ember/autograd/profiler.h"

#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"

namespace ember::python {

namespace prof = ember::autograd::profiler;

void bind_profiler(py::module_& parent) {
  py::module_ m = parent.def_submodule("_profiler", "ember::autograd::profiler");
  m.def("_profiler_enabled", &prof::is_enabled, "Whether the profiler is recording.");
  m.def(
      "_enable_profiler",
      [](bool record_shapes) { prof::enable_profiler(prof::ProfilerConfig{record_shapes}); },
      py::arg("record_shapes") = false, "Starts recording in every thread.");
  // One tuple per event: (name, kind, id, parent_id, thread, start_ns, end_ns, sequence_nr,
  // input_shapes), kind 0 for a kernel, 1 for a backward node and 2 for a user range.
  m.def(
      "_disable_profiler",
      [] {
        std::vector<prof::Event> events;
        {
          py::gil_scoped_release release;
          events = prof::disable_profiler();
        }
        py::list out;
        for (const prof::Event& e : events)
          out.append(py::make_tuple(e.name, static_cast<int>(e.kind), e.id, e.parent_id, e.thread,
                                    e.start_ns, e.end_ns, e.sequence_nr, e.input_shapes));
        return out;
      },
      "Stops recording and returns the events of all threads, ordered by start.");

  py::class_<prof::RecordFunction, std::unique_ptr<prof::RecordFunction>>(
      m, "_RecordFunction", "A user range; begin() starts it, end() (or release) ends it.")
      .def(py::init<>())
      .def(
          "begin", [](prof::RecordFunction& r, std::string name) { r.begin(std::move(name)); },
          py::arg("name"))
      .def("end", &prof::RecordFunction::end)
      .def_property_readonly("active", &prof::RecordFunction::active);
}

}  // namespace ember::python
