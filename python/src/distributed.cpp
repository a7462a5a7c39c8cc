// ember._C._distributed: stores, the Gloo process group, the collectives, Work and DDP's
// Reducer. The Python package (ember/distributed) adds torch's spellings on top: timedelta
// timeouts, group=None, GroupMember.
#include <pybind11/chrono.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "ember/distributed.h"

namespace ember::python {

namespace dist = ember::distributed;
using std::chrono::milliseconds;

namespace {

std::vector<uint8_t> to_bytes(const py::object& value) {
  std::string s = py::isinstance<py::str>(value) ? value.cast<std::string>()
                                                 : std::string(value.cast<py::bytes>());
  return {s.begin(), s.end()};
}

py::bytes from_bytes(const std::vector<uint8_t>& v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

// The blocking calls let other Python threads run while they wait.
using release = py::call_guard<py::gil_scoped_release>;

}  // namespace

void bind_distributed(py::module_& m) {
  py::module_ d = m.def_submodule("_distributed", "Gloo process groups (ember::distributed)");

  py::enum_<dist::ReduceOp>(d, "ReduceOp")
      .value("SUM", dist::ReduceOp::SUM)
      .value("AVG", dist::ReduceOp::AVG)
      .value("PRODUCT", dist::ReduceOp::PRODUCT)
      .value("MIN", dist::ReduceOp::MIN)
      .value("MAX", dist::ReduceOp::MAX);

  py::class_<dist::Store, std::shared_ptr<dist::Store>>(d, "Store")
      .def("set",
           [](dist::Store& s, const std::string& k, const py::object& v) {
             auto b = to_bytes(v);
             py::gil_scoped_release r;
             s.set(k, b);
           })
      .def("get",
           [](dist::Store& s, const std::string& k) {
             std::vector<uint8_t> v;
             {
               py::gil_scoped_release r;
               v = s.get(k);
             }
             return from_bytes(v);
           })
      .def("add", &dist::Store::add, release())
      .def("check", &dist::Store::check, release())
      .def(
          "wait",
          [](dist::Store& s, const std::vector<std::string>& keys,
             std::optional<milliseconds> timeout) {
            py::gil_scoped_release r;
            s.wait(keys, timeout.value_or(s.timeout()));
          },
          py::arg("keys"), py::arg("timeout") = py::none())
      .def("delete_key", &dist::Store::delete_key, release())
      .def("set_timeout", &dist::Store::set_timeout)
      .def_property_readonly("timeout", &dist::Store::timeout);

  py::class_<dist::TCPStore, dist::Store, std::shared_ptr<dist::TCPStore>>(d, "TCPStore")
      .def(py::init([](const std::string& host, uint16_t port, int64_t world_size, bool is_master,
                       milliseconds timeout, bool wait_for_workers) {
             dist::TCPStoreOptions o;
             o.is_master = is_master;
             o.num_workers = world_size;
             o.timeout = timeout;
             o.wait_for_workers = wait_for_workers;
             py::gil_scoped_release r;
             return std::make_shared<dist::TCPStore>(host, port, o);
           }),
           py::arg("host_name"), py::arg("port"), py::arg("world_size") = -1,
           py::arg("is_master") = false, py::arg("timeout") = dist::kDefaultTimeout,
           py::arg("wait_for_workers") = true)
      .def_property_readonly("host", &dist::TCPStore::host)
      .def_property_readonly("port", &dist::TCPStore::port)
      .def("_lost_ranks", &dist::TCPStore::lost_ranks, release());

  py::class_<dist::FileStore, dist::Store, std::shared_ptr<dist::FileStore>>(d, "FileStore")
      .def(py::init<const std::string&, int, milliseconds>(), py::arg("file_name"),
           py::arg("world_size") = -1, py::arg("timeout") = dist::kDefaultTimeout);

  py::class_<dist::HashStore, dist::Store, std::shared_ptr<dist::HashStore>>(d, "HashStore")
      .def(py::init<milliseconds>(), py::arg("timeout") = dist::kDefaultTimeout);

  py::class_<dist::PrefixStore, dist::Store, std::shared_ptr<dist::PrefixStore>>(d, "PrefixStore")
      .def(py::init<std::string, std::shared_ptr<dist::Store>>(), py::arg("prefix"),
           py::arg("store"))
      .def_property_readonly("underlying_store", &dist::PrefixStore::underlying_store);

  py::class_<dist::Work, std::shared_ptr<dist::Work>>(d, "Work")
      .def(
          "wait",
          [](dist::Work& w, std::optional<milliseconds> timeout) {
            py::gil_scoped_release r;
            return w.wait(timeout.value_or(milliseconds(0)));
          },
          py::arg("timeout") = py::none())
      .def("is_completed", &dist::Work::is_completed)
      .def("is_success", &dist::Work::is_success)
      .def("exception",
           [](const dist::Work& w) -> py::object {
             auto e = w.exception();
             if (!e) return py::none();
             try {
               std::rethrow_exception(e);
             } catch (const std::exception& x) {
               return py::module_::import("builtins").attr("RuntimeError")(x.what());
             }
           })
      .def("result", &dist::Work::result)
      .def("_source_rank", &dist::Work::source_rank);

  py::class_<dist::ProcessGroup, std::shared_ptr<dist::ProcessGroup>>(d, "ProcessGroup")
      .def("rank", &dist::ProcessGroup::rank)
      .def("size", &dist::ProcessGroup::size)
      .def("name", &dist::ProcessGroup::backend)
      .def("_ranks", &dist::ProcessGroup::ranks)
      .def("_is_member", &dist::ProcessGroup::is_member)
      .def_property_readonly("_timeout", &dist::ProcessGroup::timeout)
      .def("__repr__", [](const dist::ProcessGroup& g) {
        return "<ProcessGroupGloo rank=" + std::to_string(g.rank()) +
               " size=" + std::to_string(g.size()) + ">";
      });

  d.def("init_process_group",
        [](const std::string& backend, const std::string& init_method, int world_size, int rank,
           milliseconds timeout, std::shared_ptr<dist::Store> store) {
          dist::InitProcessGroupOptions o;
          o.backend = backend;
          o.init_method = init_method;
          o.world_size = world_size;
          o.rank = rank;
          o.timeout = timeout;
          o.store = std::move(store);
          py::gil_scoped_release r;
          dist::init_process_group(o);
        });
  d.def("destroy_process_group", &dist::destroy_process_group, release());
  d.def("is_initialized", &dist::is_initialized);
  d.def("default_group", &dist::default_group);
  d.def("new_group", &dist::new_group, release());
  d.def("lost_ranks", &dist::lost_ranks, release());

  using G = const dist::ProcessGroupPtr&;
  d.def(
      "all_reduce",
      [](const Tensor& t, dist::ReduceOp op, G g, bool a) { return dist::all_reduce(t, op, g, a); },
      release());
  d.def(
      "broadcast",
      [](const Tensor& t, int src, G g, bool a) { return dist::broadcast(t, src, g, a); },
      release());
  d.def(
      "reduce",
      [](const Tensor& t, int dst, dist::ReduceOp op, G g, bool a) {
        return dist::reduce(t, dst, op, g, a);
      },
      release());
  d.def(
      "all_gather",
      [](const std::vector<Tensor>& l, const Tensor& t, G g, bool a) {
        return dist::all_gather(l, t, g, a);
      },
      release());
  d.def(
      "reduce_scatter",
      [](const Tensor& o, const std::vector<Tensor>& l, dist::ReduceOp op, G g, bool a) {
        return dist::reduce_scatter(o, l, op, g, a);
      },
      release());
  d.def(
      "gather",
      [](const Tensor& t, const std::vector<Tensor>& l, int dst, G g, bool a) {
        return dist::gather(t, l, dst, g, a);
      },
      release());
  d.def(
      "scatter",
      [](const Tensor& t, const std::vector<Tensor>& l, int src, G g, bool a) {
        return dist::scatter(t, l, src, g, a);
      },
      release());
  d.def(
      "barrier", [](G g, bool a) { return dist::barrier(g, a); }, release());
  d.def(
      "isend", [](const Tensor& t, int dst, G g, int tag) { return dist::isend(t, dst, g, tag); },
      release());
  d.def(
      "irecv", [](const Tensor& t, int src, G g, int tag) { return dist::irecv(t, src, g, tag); },
      release());

  namespace par = ember::nn::parallel;
  py::class_<par::Reducer>(d, "Reducer")
      .def(py::init<std::vector<Tensor>, dist::ProcessGroupPtr, int64_t, int64_t, bool>())
      .def("prepare_for_forward", &par::Reducer::prepare_for_forward)
      .def("prepare_for_backward", &par::Reducer::prepare_for_backward, release())
      .def("set_require_sync", &par::Reducer::set_require_sync)
      .def("require_sync", &par::Reducer::require_sync)
      .def("bucket_indices", &par::Reducer::bucket_indices)
      .def("grads_ready_at_first_launch", &par::Reducer::grads_ready_at_first_launch);
  d.def("sync_module_states",
        [](const std::vector<std::string>& names, const std::vector<Tensor>& params,
           const std::vector<Tensor>& buffers, dist::ProcessGroupPtr g) {
          TensorDict named;
          for (size_t i = 0; i < names.size(); ++i) named.insert(names[i], params[i]);
          py::gil_scoped_release r;
          par::detail::sync_module_states(named, buffers, g);
        });
  d.def("broadcast_buffers", &par::detail::broadcast_buffers, release());
}

}  // namespace ember::python
