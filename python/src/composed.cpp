// The composed ops (ember/ops/elementwise_composed.h and the rearranging ones in ember/ops/index.h)
// as torch-level functions of _C with torch's argument names; ember/_composed.py makes the Tensor
// methods and operators from them.
#include <pybind11/stl.h>

#include <optional>
#include <tuple>

#include "bindings.h"

namespace ember::python {
namespace {

DimVector dims_of(py::handle dims, const char* op) {
  return dims.is_none() ? DimVector{} : int_list(dims, op);
}

// The in-place forms, as Tensor methods that return self (the C++ methods check that the result
// fits the tensor's dtype, as torch does).
void bind_in_place_forms(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
      "addcmul_",
      [](py::object self, const Tensor& t1, const Tensor& t2, py::handle value) {
        as_tensor(self).addcmul_(t1, t2, to_scalar(value));
        return self;
      },
      py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def(
      "addcdiv_",
      [](py::object self, const Tensor& t1, const Tensor& t2, py::handle value) {
        as_tensor(self).addcdiv_(t1, t2, to_scalar(value));
        return self;
      },
      py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def(
      "lerp_",
      [](py::object self, const Tensor& end, py::handle weight) {
        const Tensor& t = as_tensor(self);
        if (is_tensor(weight))
          t.lerp_(end, as_tensor(weight));
        else
          t.lerp_(end, to_scalar(weight));
        return self;
      },
      py::arg("end"), py::arg("weight"));
  using ForTensor = Tensor& (Tensor::*)(const Tensor&) const;
  using ForScalar = Tensor& (Tensor::*)(const Scalar&) const;
  for (auto [name, on_tensor, on_scalar] :
       {std::tuple<const char*, ForTensor, ForScalar>{"remainder_", &Tensor::remainder_,
                                                      &Tensor::remainder_},
        {"fmod_", &Tensor::fmod_, &Tensor::fmod_},
        {"float_power_", &Tensor::float_power_, &Tensor::float_power_},
        {"floor_divide_", &Tensor::floor_divide_, &Tensor::floor_divide_}}) {
    cls.def(
        name,
        [on_tensor = on_tensor, on_scalar = on_scalar](py::object self, py::handle other) {
          const Tensor& t = as_tensor(self);
          if (is_tensor(other))
            (t.*on_tensor)(as_tensor(other));
          else
            (t.*on_scalar)(to_scalar(other));
          return self;
        },
        py::arg("other"));
  }
  for (auto [name, fn] : {std::pair<const char*, ForTensor>{"logical_and_", &Tensor::logical_and_},
                          {"ldexp_", &Tensor::ldexp_},
                          {"heaviside_", &Tensor::heaviside_},
                          {"logical_or_", &Tensor::logical_or_},
                          {"logical_xor_", &Tensor::logical_xor_}}) {
    cls.def(
        name,
        [fn = fn](py::object self, const Tensor& other) {
          (as_tensor(self).*fn)(other);
          return self;
        },
        py::arg("other"));
  }
  cls.def("logical_not_", [](py::object self) {
    as_tensor(self).logical_not_();
    return self;
  });
  cls.def(
      "nan_to_num_",
      [](py::object self, std::optional<double> nan, std::optional<double> posinf,
         std::optional<double> neginf) {
        as_tensor(self).nan_to_num_(nan, posinf, neginf);
        return self;
      },
      py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
}

// ember/ops/linalg_composed.h and ember/ops/index_composed.h.
void bind_products_and_rearrangements(py::module_& m) {
  m.def("kron", &kron, py::arg("input"), py::arg("other"));
  m.def(
      "tensordot",
      [](const Tensor& a, const Tensor& b, py::handle dims) {
        if (py::isinstance<py::int_>(dims)) return tensordot(a, b, dims.cast<int64_t>());
        auto pair = dims.cast<py::sequence>();
        if (pair.size() == 2 && !py::isinstance<py::int_>(pair[0]))
          return tensordot(a, b, int_list(pair[0], "tensordot"), int_list(pair[1], "tensordot"));
        throw py::type_error("tensordot expects dims to be an int or a pair of dim lists");
      },
      py::arg("a"), py::arg("b"), py::arg("dims") = 2);
  m.def("cross", &cross, py::arg("input"), py::arg("other"), py::arg("dim") = py::none());
  m.def(
      "cdist",
      [](const Tensor& x1, const Tensor& x2, double p, py::handle) { return cdist(x1, x2, p); },
      py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0,
      py::arg("compute_mode") = "use_mm_for_euclid_dist_if_necessary");
  m.def("pdist", &pdist, py::arg("input"), py::arg("p") = 2.0);
  m.def("conv_tbc", &conv_tbc, py::arg("input"), py::arg("weight"), py::arg("bias"),
        py::arg("pad") = 0);
  m.def("inner", &inner, py::arg("input"), py::arg("other"));
  m.def("vdot", &vdot, py::arg("input"), py::arg("other"));
  using Accumulate =
      Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&);
  for (auto [name, fn, a, b] : {std::tuple<const char*, Accumulate, const char*, const char*>{
                                    "addr", &addr, "vec1", "vec2"},
                                {"addmv", &addmv, "mat", "vec"},
                                {"baddbmm", &baddbmm, "batch1", "batch2"},
                                {"addbmm", &addbmm, "batch1", "batch2"}}) {
    m.def(
        name,
        [fn = fn](const Tensor& self, const Tensor& x, const Tensor& y, py::handle beta,
                  py::handle alpha) { return fn(self, x, y, to_scalar(beta), to_scalar(alpha)); },
        py::arg("input"), py::arg(a), py::arg(b), py::kw_only(), py::arg("beta") = 1,
        py::arg("alpha") = 1);
  }
  m.def("block_diag", [](const py::args& tensors) { return block_diag(tensor_list(tensors)); });
  m.def(
      "rot90",
      [](const Tensor& t, int64_t k, py::handle dims) {
        return rot90(t, k, int_list(dims, "rot90"));
      },
      py::arg("input"), py::arg("k") = 1, py::arg("dims") = py::make_tuple(0, 1));
  m.def("fliplr", &fliplr, py::arg("input"));
  m.def("flipud", &flipud, py::arg("input"));
  for (auto [name, fn] : {std::pair{"atleast_1d", &atleast_1d},
                          {"atleast_2d", &atleast_2d},
                          {"atleast_3d", &atleast_3d}}) {
    m.def(name, [fn = fn](const py::args& args) -> py::object {
      if (args.size() == 1 && is_tensor(args[0])) return py::cast(fn(as_tensor(args[0])));
      std::vector<Tensor> in = args.size() == 1 ? tensor_list(args[0]) : tensor_list(args);
      py::tuple out(in.size());
      for (size_t i = 0; i < in.size(); ++i) out[i] = py::cast(fn(in[i]));
      return out;
    });
  }
  m.def(
      "diff",
      [](const Tensor& t, int64_t n, int64_t dim, std::optional<Tensor> prepend,
         std::optional<Tensor> append) {
        return diff(t, n, dim, prepend.value_or(Tensor()), append.value_or(Tensor()));
      },
      py::arg("input"), py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(),
      py::arg("append") = py::none());
  m.def(
      "repeat_interleave",
      [](const Tensor& t, py::handle repeats, std::optional<int64_t> dim,
         std::optional<int64_t>) -> Tensor {
        if (repeats.is_none()) return repeat_interleave(t);
        if (is_tensor(repeats)) return repeat_interleave(t, as_tensor(repeats), dim);
        return repeat_interleave(t, int_arg(repeats, "repeat_interleave", "repeats"), dim);
      },
      py::arg("input"), py::arg("repeats") = py::none(), py::arg("dim") = py::none(), py::kw_only(),
      py::arg("output_size") = py::none());
  m.def("take_along_dim", &take_along_dim, py::arg("input"), py::arg("indices"),
        py::arg("dim") = py::none());
  m.def("take", &take, py::arg("input"), py::arg("index"));
  m.def(
      "index_add",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, py::handle alpha) {
        return index_add(t, dim, index, src, to_scalar(alpha));
      },
      py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
      py::arg("alpha") = 1);
  m.def(
      "index_fill",
      [](const Tensor& t, int64_t dim, const Tensor& index, py::handle value) {
        return index_fill(t, dim, index,
                          is_tensor(value) ? Scalar(as_tensor(value).item()) : to_scalar(value));
      },
      py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("value"));
  m.def(
      "tensor_split",
      [](const Tensor& t, py::handle sections, int64_t dim) {
        if (py::isinstance<py::int_>(sections))
          return tensor_split(t, sections.cast<int64_t>(), dim);
        if (is_tensor(sections) && as_tensor(sections).dim() == 0)
          return tensor_split(t, as_tensor(sections).item<int64_t>(), dim);
        if (is_tensor(sections)) {
          const Tensor s = as_tensor(sections).to(kInt64).contiguous();
          return tensor_split(t, IntArrayRef(s.data_ptr<int64_t>(), s.numel()), dim);
        }
        return tensor_split(t, int_list(sections, "tensor_split"), dim);
      },
      py::arg("input"), py::arg("indices_or_sections"), py::arg("dim") = 0);
  for (auto [name, dim_of] :
       {std::pair<const char*, int>{"hsplit", 1}, {"vsplit", 0}, {"dsplit", 2}}) {
    m.def(
        name,
        [name = name, dim_of = dim_of](const Tensor& t, py::handle sections) {
          if (py::isinstance<py::int_>(sections)) {
            const int64_t s = sections.cast<int64_t>();
            return dim_of == 1 ? hsplit(t, s) : dim_of == 0 ? vsplit(t, s) : dsplit(t, s);
          }
          const int64_t d = dim_of == 1 && t.dim() == 1 ? 0 : dim_of;
          return tensor_split(t, int_list(sections, name), d);
        },
        py::arg("input"), py::arg("indices_or_sections"));
  }
  m.def(
      "dstack", [](py::handle tensors) { return dstack(tensor_list(tensors)); },
      py::arg("tensors"));
  m.def(
      "column_stack", [](py::handle tensors) { return column_stack(tensor_list(tensors)); },
      py::arg("tensors"));
  m.def("cartesian_prod",
        [](const py::args& tensors) { return cartesian_prod(tensor_list(tensors)); });
  m.def(
      "tril_indices",
      [](int64_t row, int64_t col, int64_t offset, py::handle dtype, py::handle, py::handle) {
        return tril_indices(row, col, offset).to(to_optional_dtype(dtype).value_or(kInt64));
      },
      py::arg("row"), py::arg("col"), py::arg("offset") = 0, py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("layout") = py::none());
  m.def(
      "triu_indices",
      [](int64_t row, int64_t col, int64_t offset, py::handle dtype, py::handle, py::handle) {
        return triu_indices(row, col, offset).to(to_optional_dtype(dtype).value_or(kInt64));
      },
      py::arg("row"), py::arg("col"), py::arg("offset") = 0, py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("layout") = py::none());
  m.def("diag_embed", &diag_embed, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = -2,
        py::arg("dim2") = -1);
  m.def("diagflat", &diagflat, py::arg("input"), py::arg("offset") = 0);
  m.def(
      "unflatten",
      [](const Tensor& t, int64_t dim, py::handle sizes) {
        return unflatten(t, dim, int_list(sizes, "unflatten"));
      },
      py::arg("input"), py::arg("dim"), py::arg("sizes"));
}

}  // namespace

void bind_composed(py::module_& m) {
  m.def(
      "addcmul",
      [](const Tensor& self, const Tensor& t1, const Tensor& t2, py::handle value) {
        return addcmul(self, t1, t2, to_scalar(value));
      },
      py::arg("input"), py::arg("tensor1"), py::arg("tensor2"), py::kw_only(),
      py::arg("value") = 1);
  m.def(
      "addcdiv",
      [](const Tensor& self, const Tensor& t1, const Tensor& t2, py::handle value) {
        return addcdiv(self, t1, t2, to_scalar(value));
      },
      py::arg("input"), py::arg("tensor1"), py::arg("tensor2"), py::kw_only(),
      py::arg("value") = 1);
  m.def(
      "lerp",
      [](const Tensor& self, const Tensor& end, py::handle weight) {
        return is_tensor(weight) ? lerp(self, end, as_tensor(weight))
                                 : lerp(self, end, to_scalar(weight));
      },
      py::arg("input"), py::arg("end"), py::arg("weight"));
  m.def(
      "rsub",
      [](const Tensor& self, py::handle other, py::handle alpha) {
        // other - alpha * input; a tensor other is sub's other way round.
        if (is_tensor(other)) return as_tensor(other).sub(self, to_scalar(alpha));
        return rsub(self, to_scalar(other), to_scalar(alpha));
      },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  // Python numbers on the right promote as scalars do (int tensor % 2.5 is float).
  const auto number_aware = [&](const char* name, Tensor (*on_tensor)(const Tensor&, const Tensor&),
                                Tensor (*on_scalar)(const Tensor&, const Scalar&)) {
    m.def(
        name,
        [=](const Tensor& a, py::handle b) {
          if (is_tensor(b)) return on_tensor(a, as_tensor(b));
          if (is_number(b)) return on_scalar(a, to_scalar(b));
          throw py::type_error(std::string(name) +
                               "(): argument 'other' must be Tensor or Number, not " +
                               std::string(py::str(py::type::handle_of(b).attr("__name__"))));
        },
        py::arg("input"), py::arg("other"));
  };
  number_aware("remainder", &remainder, &remainder);
  number_aware("fmod", &fmod, &fmod);
  number_aware("floor_divide", &floor_divide, &floor_divide);
  m.def(
      "float_power",
      [](py::handle a, py::handle b) {
        if (!is_tensor(a)) return float_power(to_scalar(a), as_tensor(b));
        if (is_tensor(b)) return float_power(as_tensor(a), as_tensor(b));
        return float_power(as_tensor(a), to_scalar(b));
      },
      py::arg("input"), py::arg("exponent"));
  m.def("ldexp", &ldexp, py::arg("input"), py::arg("other"));
  m.def("heaviside", &heaviside, py::arg("input"), py::arg("values"));
  m.def("logical_and", &logical_and, py::arg("input"), py::arg("other"));
  m.def("logical_or", &logical_or, py::arg("input"), py::arg("other"));
  m.def("logical_xor", &logical_xor, py::arg("input"), py::arg("other"));
  m.def("logical_not", &logical_not, py::arg("input"));
  m.def("isclose", &isclose, py::arg("input"), py::arg("other"), py::arg("rtol") = 1e-5,
        py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  m.def("nan_to_num", &nan_to_num, py::arg("input"), py::arg("nan") = 0.0,
        py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  bind_in_place_forms(m);
  bind_products_and_rearrangements(m);

  // einsum(equation, *operands) or einsum(equation, [operands]).
  m.def("einsum", [](const std::string& equation, const py::args& operands) {
    if (operands.size() == 1 && !is_tensor(operands[0]))
      return einsum(equation, tensor_list(operands[0]));
    return einsum(equation, tensor_list(operands));
  });
  m.def("diagonal", &diagonal, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = 0,
        py::arg("dim2") = 1);
  m.def("diag", &diag, py::arg("input"), py::arg("diagonal") = 0);
  m.def("trace", &trace, py::arg("input"));
  m.def(
      "broadcast_to",
      [](const Tensor& t, py::handle size) { return t.expand(int_list(size, "broadcast_to")); },
      py::arg("input"), py::arg("size"));
  m.def("broadcast_tensors",
        [](const py::args& tensors) { return broadcast_tensors(tensor_list(tensors)); });
  m.def(
      "movedim",
      [](const Tensor& t, py::handle source, py::handle destination) {
        return t.movedim(int_list(source, "movedim"), int_list(destination, "movedim"));
      },
      py::arg("input"), py::arg("source"), py::arg("destination"));
  m.def("swapaxes", &swapaxes, py::arg("input"), py::arg("axis0"), py::arg("axis1"));
  m.def(
      "hstack", [](py::handle tensors) { return hstack(tensor_list(tensors)); },
      py::arg("tensors"));
  m.def(
      "vstack", [](py::handle tensors) { return vstack(tensor_list(tensors)); },
      py::arg("tensors"));
  m.def(
      "roll",
      [](const Tensor& t, py::handle shifts, py::handle dims) {
        return t.roll(int_list(shifts, "roll"), dims_of(dims, "roll"));
      },
      py::arg("input"), py::arg("shifts"), py::arg("dims") = py::none());
  m.def(
      "tile", [](const Tensor& t, py::handle reps) { return t.tile(int_list(reps, "tile")); },
      py::arg("input"), py::arg("dims"));
  m.def(
      "nonzero",
      [](const Tensor& t, bool as_tuple) -> py::object {
        const Tensor rows = t.nonzero();
        if (!as_tuple) return wrap(rows);
        // One index vector per dim; a 0-dim input counts as one dim of size 1.
        if (t.dim() == 0) return py::make_tuple(wrap(zeros({rows.size(0)}, kInt64)));
        py::tuple out(t.dim());
        for (int64_t d = 0; d < t.dim(); ++d) out[d] = wrap(rows.select(1, d).contiguous());
        return out;
      },
      py::arg("input"), py::kw_only(), py::arg("as_tuple") = false);
  m.def("masked_select", &masked_select, py::arg("input"), py::arg("mask"));
  m.def(
      "count_nonzero",
      [](const Tensor& t, py::handle dim) {
        return t.count_nonzero(dims_of(dim, "count_nonzero"));
      },
      py::arg("input"), py::arg("dim") = py::none());
}

}  // namespace ember::python
