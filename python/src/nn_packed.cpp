// ember._C._nn's packed sequences: the functions behind torch.nn.utils.rnn (a PackedSequence
// travels as its four fields, which ember.nn.utils.rnn wraps in its named tuple) and the
// recurrent functions' overloads over packed data, as torch.lstm(data, batch_sizes, ...).
#include <pybind11/stl.h>

#include <optional>
#include <vector>

#include "bindings.h"

namespace ember::python {
namespace {

namespace R = nn::utils::rnn;
namespace F = nn::functional;

// A PackedSequence from any sequence of its four fields (the named tuple, or a plain tuple).
R::PackedSequence packed_from(py::handle obj) {
  if (!py::isinstance<py::sequence>(obj) || py::len(obj) != 4)
    throw py::type_error(
        "expected a PackedSequence (data, batch_sizes, sorted_indices, "
        "unsorted_indices)");
  const auto fields = py::reinterpret_borrow<py::sequence>(obj);
  return R::PackedSequence(as_tensor(fields[0]), as_tensor(fields[1]),
                           tensor_or_undefined(fields[2]), tensor_or_undefined(fields[3]));
}

py::tuple packed_fields(const R::PackedSequence& p) {
  return py::make_tuple(p.data(), p.batch_sizes(), optional_tensor(p.sorted_indices()),
                        optional_tensor(p.unsorted_indices()));
}

// Lengths given as a tensor, or as a list of numbers (truncated to int64, as torch.as_tensor).
Tensor lengths_from(py::handle obj) {
  return is_tensor(obj) ? as_tensor(obj) : tensor_from_data(obj, kInt64);
}

}  // namespace

void bind_packed_sequences(py::module_& m) {
  m.def(
      "invert_permutation",
      [](py::handle p) { return optional_tensor(R::invert_permutation(tensor_or_undefined(p))); },
      py::arg("permutation"));
  m.def(
      "pack_padded_sequence",
      [](const Tensor& input, py::handle lengths, bool batch_first, bool enforce_sorted) {
        return packed_fields(
            R::pack_padded_sequence(input, lengths_from(lengths), batch_first, enforce_sorted));
      },
      py::arg("input"), py::arg("lengths"), py::arg("batch_first") = false,
      py::arg("enforce_sorted") = true);
  m.def(
      "pad_packed_sequence",
      [](py::handle sequence, bool batch_first, double padding_value, py::handle total_length) {
        std::optional<int64_t> total;
        if (!total_length.is_none())
          total = int_arg(total_length, "pad_packed_sequence", "total_length");
        return R::pad_packed_sequence(packed_from(sequence), batch_first, padding_value, total);
      },
      py::arg("sequence"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0,
      py::arg("total_length") = py::none());
  m.def(
      "pad_sequence",
      [](py::handle sequences, bool batch_first, double padding_value) {
        return R::pad_sequence(tensor_list(sequences), batch_first, padding_value);
      },
      py::arg("sequences"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0);
  m.def(
      "pack_sequence",
      [](py::handle sequences, bool enforce_sorted) {
        return packed_fields(R::pack_sequence(tensor_list(sequences), enforce_sorted));
      },
      py::arg("sequences"), py::arg("enforce_sorted") = true);
  m.def(
      "unpad_sequence",
      [](const Tensor& padded, py::handle lengths, bool batch_first) {
        return R::unpad_sequence(padded, lengths_from(lengths), batch_first);
      },
      py::arg("padded_sequences"), py::arg("lengths"), py::arg("batch_first") = false);
  m.def(
      "unpack_sequence", [](py::handle packed) { return R::unpack_sequence(packed_from(packed)); },
      py::arg("packed_sequences"));

  // Overloads of the padded functions bound in nn.cpp (bind_recurrent), told apart by the
  // third argument: a state there, the parameter list here.
  using Packed = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Tensor&, const Tensor&,
                                                TensorList, bool, int64_t, double, bool, bool);
  const auto packed = [&](const char* name, Packed fn) {
    m.def(
        name,
        [fn](const Tensor& data, const Tensor& batch_sizes, py::handle hx,
             const std::vector<Tensor>& params, bool has_biases, int64_t num_layers, double dropout,
             bool train, bool bidirectional) {
          return fn(data, batch_sizes, tensor_or_undefined(hx), params, has_biases, num_layers,
                    dropout, train, bidirectional);
        },
        py::arg("data"), py::arg("batch_sizes"), py::arg("hx"), py::arg("params"),
        py::arg("has_biases"), py::arg("num_layers"), py::arg("dropout"), py::arg("train"),
        py::arg("bidirectional"));
  };
  packed("rnn_tanh", &F::rnn_tanh);
  packed("rnn_relu", &F::rnn_relu);
  packed("gru", &F::gru);
  m.def(
      "lstm",
      [](const Tensor& data, const Tensor& batch_sizes, const std::vector<Tensor>& hx,
         const std::vector<Tensor>& params, bool has_biases, int64_t num_layers, double dropout,
         bool train, bool bidirectional) {
        return F::lstm(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
                       bidirectional);
      },
      py::arg("data"), py::arg("batch_sizes"), py::arg("hx"), py::arg("params"),
      py::arg("has_biases"), py::arg("num_layers"), py::arg("dropout"), py::arg("train"),
      py::arg("bidirectional"));
}

}  // namespace ember::python
