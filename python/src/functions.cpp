// Module-level functions that are not Tensor methods: factories, joins and the generator.
// (torch.exp(x) and the other functions that mirror a method are defined in Python.)
#include <pybind11/stl.h>

#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "bindings.h"
#include "operands.h"

namespace ember::python {

namespace {

// Which optional keyword arguments a factory takes besides dtype, device, requires_grad, layout
// and pin_memory: memory_format (the *_like factories) and generator (the random ones).
enum FactoryExtras { kNoExtras = 0, kMemoryFormat = 1, kGenerator = 2 };

// The keyword arguments of a factory. Ember tensors are strided, dense and unpinned: layout,
// pin_memory and memory_format are accepted at those values and refused, naming them, otherwise.
TensorOptions factory_options(const py::kwargs& kwargs, const char* op, int extras = kNoExtras,
                              std::optional<Generator>* generator = nullptr) {
  TensorOptions options;
  for (auto [key, value] : kwargs) {
    const std::string name = py::str(key);
    if (name == "dtype") {
      if (!value.is_none()) options = options.dtype(to_dtype(value));
    } else if (name == "device") {
      if (!value.is_none()) options = options.device(usable_device(value));
    } else if (name == "requires_grad") {
      options = options.requires_grad(value.cast<bool>());
    } else if (name == "layout") {
      if (!value.is_none() && std::string(py::str(value)) != "torch.strided")
        throw std::runtime_error(std::string(op) +
                                 "(): only the strided layout is supported, got " +
                                 std::string(py::str(value)));
    } else if (name == "pin_memory") {
      if (!value.is_none() && value.cast<bool>())
        throw std::runtime_error(std::string(op) +
                                 "(): Pinned memory requires CUDA, which Ember does not have");
    } else if (name == "memory_format" && (extras & kMemoryFormat)) {
      const std::string format = value.is_none() ? "" : std::string(py::str(value));
      if (!format.empty() && format != "torch.preserve_format" &&
          format != "torch.contiguous_format")
        throw std::runtime_error(std::string(op) + "(): memory_format " + format +
                                 " is not supported; Ember tensors are contiguous or views");
    } else if (name == "generator" && (extras & kGenerator)) {
      *generator = optional_generator(value);
    } else {
      throw py::type_error(std::string(op) + "() got an unexpected keyword argument '" + name +
                           "'");
    }
  }
  return options;
}

using SizedFactory = Tensor (*)(IntArrayRef, const TensorOptions&);
using LikeFactory = Tensor (*)(const Tensor&, const TensorOptions&);

void def_sized(py::module_& m, const char* name, SizedFactory factory, int extras = kNoExtras) {
  m.def(name, [name, factory, extras](const py::args& size, const py::kwargs& kwargs) {
    return factory(shape_from_args(size, name), factory_options(kwargs, name, extras));
  });
}

using RandomFactory = Tensor (*)(IntArrayRef, std::optional<Generator>, const TensorOptions&);

void def_random(py::module_& m, const char* name, RandomFactory factory) {
  m.def(name, [name, factory](const py::args& size, const py::kwargs& kwargs) {
    std::optional<Generator> generator;
    const TensorOptions options = factory_options(kwargs, name, kGenerator, &generator);
    return factory(shape_from_args(size, name), std::move(generator), options);
  });
}

void def_like(py::module_& m, const char* name, LikeFactory factory) {
  m.def(name, [name, factory](const Tensor& t, const py::kwargs& kwargs) {
    return factory(t, factory_options(kwargs, name, kMemoryFormat));
  });
}

// The dtype arange picks when none is given: int64 for integers, float32 once any is a float.
Tensor arange_from(const py::args& args, const py::kwargs& kwargs) {
  TensorOptions options = factory_options(kwargs, "arange");
  std::vector<Scalar> bounds;
  for (py::handle a : args) bounds.push_back(to_scalar(a));
  if (bounds.empty() || bounds.size() > 3)
    throw py::type_error("arange() takes from 1 to 3 positional arguments");
  if (bounds.size() == 1) return arange(bounds[0], options);
  return arange(bounds[0], bounds[1], bounds.size() == 3 ? bounds[2] : Scalar(1), options);
}

// torch.pow(..., out=): either operand may be a number.
void bind_pow_out(py::module_& parent) {
  py::module_ m = parent.attr("_out");
  m.def("pow", [](py::object out, py::handle a, py::handle b) {
    Tensor target = as_tensor(out);
    pow_out(target, operand(a), operand(b));
    return out;
  });
}

}  // namespace

void bind_functions(py::module_& m) {
  bind_pow_out(m);
  def_sized(m, "zeros", &zeros);
  def_sized(m, "ones", &ones);
  def_sized(m, "empty", &empty, kMemoryFormat);  // torch.empty takes memory_format too
  def_random(m, "rand", &rand);
  def_random(m, "randn", &randn);
  def_like(m, "zeros_like", &zeros_like);
  def_like(m, "ones_like", &ones_like);
  def_like(m, "empty_like", &empty_like);
  def_like(m, "rand_like", &rand_like);
  def_like(m, "randn_like", &randn_like);

  m.def(
      "tensor",
      [](py::handle data, py::handle dtype, py::handle device, bool requires_grad) {
        Tensor t = tensor_from_data(data, to_optional_dtype(dtype));
        if (!device.is_none()) t = t.to(usable_device(device));
        if (requires_grad) t.requires_grad_(true);
        return t;
      },
      py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "full",
      [](py::handle size, py::handle value, const py::kwargs& kwargs) {
        return full(int_list(size, "full"), to_scalar(value), factory_options(kwargs, "full"));
      },
      py::arg("size"), py::arg("fill_value"));
  m.def(
      "full_like",
      [](const Tensor& t, py::handle value, const py::kwargs& kwargs) {
        return full_like(t, to_scalar(value), factory_options(kwargs, "full_like", kMemoryFormat));
      },
      py::arg("input"), py::arg("fill_value"));
  m.def("arange", &arange_from);
  m.def(
      "linspace",
      [](double start, double end, int64_t steps, const py::kwargs& kwargs) {
        return linspace(start, end, steps, factory_options(kwargs, "linspace"));
      },
      py::arg("start"), py::arg("end"), py::arg("steps"));
  m.def(
      "eye",
      [](int64_t n, py::handle m_, const py::kwargs& kwargs) {
        const TensorOptions options = factory_options(kwargs, "eye");
        return m_.is_none() ? eye(n, options) : eye(n, m_.cast<int64_t>(), options);
      },
      py::arg("n"), py::arg("m") = py::none());
  m.def("randint", [](const py::args& args, const py::kwargs& kwargs) {
    py::kwargs rest;
    std::optional<DimVector> size;
    for (auto [key, value] : kwargs) {
      if (py::str(key).cast<std::string>() == "size")
        size = int_list(value, "randint");
      else
        rest[key] = value;
    }
    std::vector<int64_t> bounds;
    for (py::handle a : args) {
      if (!size && py::isinstance<py::sequence>(a))
        size = int_list(a, "randint");
      else
        bounds.push_back(a.cast<int64_t>());
    }
    if (!size || bounds.empty() || bounds.size() > 2)
      throw py::type_error("randint(): expected (high, size) or (low, high, size)");
    std::optional<Generator> generator;
    TensorOptions options = factory_options(rest, "randint", kGenerator, &generator);
    if (!options.has_dtype()) options = options.dtype(kInt64);
    if (bounds.size() == 1) return randint(bounds[0], *size, std::move(generator), options);
    return randint(bounds[0], bounds[1], *size, std::move(generator), options);
  });
  m.def("randperm", [](int64_t n, const py::kwargs& kwargs) {
    std::optional<Generator> generator;
    TensorOptions options = factory_options(kwargs, "randperm", kGenerator, &generator);
    if (!options.has_dtype()) options = options.dtype(kInt64);
    return randperm(n, std::move(generator), options);
  });
  m.def("get_rng_state", &get_rng_state);
  m.def("set_rng_state", &set_rng_state, py::arg("new_state"));

  m.def(
      "cat", [](py::handle tensors, int64_t dim) { return cat(tensor_list(tensors), dim); },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "stack", [](py::handle tensors, int64_t dim) { return stack(tensor_list(tensors), dim); },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def("where", [](const Tensor& condition, py::handle a, py::handle b) {
    if (is_tensor(a) && is_tensor(b)) return where(condition, as_tensor(a), as_tensor(b));
    if (is_tensor(a)) return where(condition, as_tensor(a), to_scalar(b));
    if (is_tensor(b)) return where(condition, to_scalar(a), as_tensor(b));
    const Tensor first =
        full({}, to_scalar(a),
             TensorOptions(to_scalar(a).is_floating_point() ? get_default_dtype() : kInt64));
    return where(condition, first, to_scalar(b));
  });
  // What pickling a tensor stores: its elements as bytes, in row-major order (ember.save).
  m.def("_cuda_is_available", &cuda::is_available);
  m.def("get_default_dtype", [] { return dtype_object(get_default_dtype()); });
  m.def("set_default_dtype", [](py::handle d) { set_default_dtype(to_dtype(d)); });
  m.def("_tensor_bytes", [](const Tensor& t) {
    const Tensor dense = t.detach().cpu().contiguous();
    return py::bytes(static_cast<const char*>(dense.data_ptr()), dense.nbytes());
  });
  m.def("_tensor_from_bytes", [](const py::bytes& data, py::handle shape, py::handle dtype) {
    Tensor out = empty(int_list(shape, "_tensor_from_bytes"), TensorOptions(to_dtype(dtype)));
    const std::string_view bytes = data;
    if (bytes.size() != out.nbytes())
      throw py::value_error("_tensor_from_bytes: " + std::to_string(bytes.size()) +
                            " bytes do not fill a tensor of " + std::to_string(out.nbytes()));
    std::memcpy(out.data_ptr(), bytes.data(), bytes.size());
    return out;
  });
  // A storage's identity and size, and all its bytes: ember.save writes each storage once, so
  // views saved together stay views of one storage when loaded.
  m.def("_storage_key", [](const Tensor& t) {
    const auto& storage = t.impl()->storage();
    return py::make_tuple(reinterpret_cast<uintptr_t>(storage->data()), storage->nbytes());
  });
  m.def("_storage_bytes", [](const Tensor& t) {
    const Tensor host = t.cpu();
    const auto& storage = host.impl()->storage();
    return py::bytes(static_cast<const char*>(storage->data()), storage->nbytes());
  });
  // safetensors files, through the C++ reader and writer (ember.safetensors).
  m.def(
      "_save_safetensors",
      [](const std::map<std::string, Tensor>& tensors, const std::string& path,
         const std::map<std::string, std::string>& metadata) {
        TensorDict dict;
        for (const auto& [name, tensor] : tensors) dict.insert(name, tensor);
        io::save_safetensors(path, dict, metadata);
      },
      py::arg("tensors"), py::arg("filename"),
      py::arg("metadata") = std::map<std::string, std::string>{});
  m.def(
      "_load_safetensors",
      [](const std::string& path) {
        py::dict out;
        for (const auto& item : io::load_safetensors(path)) out[py::str(item.key())] = item.value();
        return out;
      },
      py::arg("filename"));
  m.def(
      "_load_torch_state_dict",
      [](const std::string& path, const std::string& entry) {
        py::dict out;
        for (const auto& item : io::load_torch_state_dict(path, entry))
          out[py::str(item.key())] = item.value();
        return out;
      },
      py::arg("filename"), py::arg("entry") = "");
  m.def("_load_safetensors_metadata", &io::load_safetensors_metadata, py::arg("filename"));
  m.def("is_tensor", [](py::handle obj) { return is_tensor(obj); });
  m.def("numel", [](const Tensor& t) { return t.numel(); });
  m.def("set_num_threads", &set_num_threads, py::arg("num"));
  m.def("get_num_threads", &get_num_threads);
}

}  // namespace ember::python
