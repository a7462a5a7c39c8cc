// Searching and counting (searchsorted, bucketize, unique, bincount, histc), sampling (bernoulli,
// multinomial) and scattering (scatter, index_copy), with torch's keywords.
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bindings.h"

namespace ember::python {

namespace {

// unique's results as torch returns them: the values alone, or a tuple with the inverse and/or
// the counts.
py::object unique_result(const std::tuple<Tensor, Tensor, Tensor>& r, bool inverse, bool counts) {
  if (!inverse && !counts) return wrap(std::get<0>(r));
  py::list out;
  out.append(wrap(std::get<0>(r)));
  if (inverse) out.append(wrap(std::get<1>(r)));
  if (counts) out.append(wrap(std::get<2>(r)));
  return py::tuple(out);
}

// A scatter's src: a tensor, or a number as `value`.
Tensor scatter_any(const Tensor& t, int64_t dim, const Tensor& index, py::handle src,
                   std::optional<std::string> reduce) {
  std::optional<std::string_view> r;
  if (reduce) r = *reduce;
  if (is_tensor(src)) return scatter(t, dim, index, as_tensor(src), r);
  return scatter(t, dim, index, to_scalar(src), r);
}

}  // namespace

void bind_search(py::module_& m) {
  m.def(
      "searchsorted",
      [](const Tensor& sequence, py::handle values, bool out_int32, bool right,
         std::optional<std::string> side, py::handle sorter) {
        // sorter orders an unsorted sequence: the positions found are in that order.
        const Tensor seq =
            sorter.is_none() ? sequence : sequence.gather(-1, tensor_or_undefined(sorter));
        if (side) {
          if (*side != "left" && *side != "right")
            throw Error("torch.searchsorted(): side can only be 'left' or 'right' but got " + *side,
                        ErrorKind::Runtime);
          if (right && *side == "left")
            throw Error("torch.searchsorted(): side and right can't be set to opposites",
                        ErrorKind::Runtime);
          right = *side == "right";
        }
        if (is_tensor(values)) return searchsorted(seq, as_tensor(values), out_int32, right);
        return searchsorted(seq, to_scalar(values), out_int32, right);
      },
      py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
      py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def("bucketize", &bucketize, py::arg("input"), py::arg("boundaries"), py::kw_only(),
        py::arg("out_int32") = false, py::arg("right") = false);
  m.def(
      "unique",
      [](const Tensor& t, bool sorted, bool return_inverse, bool return_counts,
         std::optional<int64_t> dim) {
        return unique_result(dim ? unique_dim(t, *dim, sorted, return_inverse, return_counts)
                                 : unique(t, return_inverse, return_counts),
                             return_inverse, return_counts);
      },
      py::arg("input"), py::arg("sorted") = true, py::arg("return_inverse") = false,
      py::arg("return_counts") = false, py::arg("dim") = py::none());
  m.def(
      "unique_consecutive",
      [](const Tensor& t, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
        return unique_result(dim ? unique_dim_consecutive(t, *dim, return_inverse, return_counts)
                                 : unique_consecutive(t, return_inverse, return_counts),
                             return_inverse, return_counts);
      },
      py::arg("input"), py::arg("return_inverse") = false, py::arg("return_counts") = false,
      py::arg("dim") = py::none());
  m.def(
      "bincount",
      [](const Tensor& t, std::optional<Tensor> weights, int64_t minlength) {
        return bincount(t, weights.value_or(Tensor()), minlength);
      },
      py::arg("input"), py::arg("weights") = py::none(), py::arg("minlength") = 0);
  m.def("histc", &histc, py::arg("input"), py::arg("bins") = 100, py::arg("min") = 0,
        py::arg("max") = 0);
  m.def(
      "bernoulli",
      [](const Tensor& t, std::optional<double> p, py::handle generator) {
        return p ? bernoulli(t, *p, optional_generator(generator))
                 : bernoulli(t, optional_generator(generator));
      },
      py::arg("input"), py::arg("p") = py::none(), py::kw_only(),
      py::arg("generator") = py::none());
  m.def(
      "multinomial",
      [](const Tensor& probs, int64_t n, bool replacement, py::handle generator) {
        return multinomial(probs, n, replacement, optional_generator(generator));
      },
      py::arg("input"), py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(),
      py::arg("generator") = py::none());
  m.def("scatter", &scatter_any, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"),
        py::kw_only(), py::arg("reduce") = py::none());
  m.def(
      "scatter_reduce",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
         const std::string& reduce,
         bool include_self) { return scatter_reduce(t, dim, index, src, reduce, include_self); },
      py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"),
      py::kw_only(), py::arg("include_self") = true);
  m.def("index_copy", &index_copy, py::arg("input"), py::arg("dim"), py::arg("index"),
        py::arg("source"));

  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def(
      "scatter",
      [](const Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value,
         std::optional<std::string> reduce) {
        return scatter_any(t, dim, index, src.is_none() ? value : src, reduce);
      },
      py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
      py::arg("value") = py::none(), py::arg("reduce") = py::none());
  cls.def(
      "scatter_",
      [](py::object self, int64_t dim, const Tensor& index, py::handle src, py::handle value,
         std::optional<std::string> reduce) {
        const Tensor& t = as_tensor(self);
        std::optional<std::string_view> r;
        if (reduce) r = *reduce;
        py::handle s = src.is_none() ? value : src;
        if (is_tensor(s))
          t.scatter_(dim, index, as_tensor(s), r);
        else
          t.scatter_(dim, index, to_scalar(s), r);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
      py::arg("value") = py::none(), py::arg("reduce") = py::none());
  cls.def(
      "scatter_reduce",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
         const std::string& reduce,
         bool include_self) { return t.scatter_reduce(dim, index, src, reduce, include_self); },
      py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  cls.def(
      "scatter_reduce_",
      [](py::object self, int64_t dim, const Tensor& index, const Tensor& src,
         const std::string& reduce, bool include_self) {
        as_tensor(self).scatter_reduce_(dim, index, src, reduce, include_self);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  cls.def("index_copy", &Tensor::index_copy, py::arg("dim"), py::arg("index"), py::arg("source"));
  cls.def(
      "index_copy_",
      [](py::object self, int64_t dim, const Tensor& index, const Tensor& source) {
        as_tensor(self).index_copy_(dim, index, source);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("source"));
  cls.def(
      "bernoulli",
      [](const Tensor& t, std::optional<double> p, py::handle generator) {
        return p ? bernoulli(t, *p, optional_generator(generator))
                 : bernoulli(t, optional_generator(generator));
      },
      py::arg("p") = py::none(), py::kw_only(), py::arg("generator") = py::none());
  cls.def(
      "bernoulli_",
      [](py::object self, py::handle p, py::handle generator) {
        const Tensor& t = as_tensor(self);
        std::optional<Generator> gen = optional_generator(generator);
        t.copy_(is_tensor(p) ? bernoulli(as_tensor(p).expand(t.sizes()).to(t.dtype()), gen)
                             : bernoulli(t, p.cast<double>(), gen));
        return self;
      },
      py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none());
}

}  // namespace ember::python
