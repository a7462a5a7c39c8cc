// Packing and padding sequences. Everything is narrow, reshape, cat, stack and index_select of
// the caller's tensors, so gradients (of any order) reach the padded input through those ops'
// own backward formulas, and the padding, made by full(), gets none.
#include "ember/nn/utils/rnn.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ember/ops.h"
#include "recurrent_cells.h"

namespace ember::nn {

namespace functional::detail {

std::vector<int64_t> batch_size_values(const char* op, const Tensor& batch_sizes, int64_t rows) {
  if (!batch_sizes.defined() || batch_sizes.dim() != 1 || batch_sizes.numel() == 0 ||
      batch_sizes.dtype() != kInt64 || !batch_sizes.is_cpu())
    throw Error(fmt::format("{}: batch_sizes must be a non-empty 1-D int64 CPU tensor, got {}", op,
                            batch_sizes.defined()
                                ? fmt::format("{} of shape {}", dtype_name(batch_sizes.dtype()),
                                              shape_str(batch_sizes.sizes()))
                                : std::string("an undefined tensor")));
  const Tensor dense = batch_sizes.contiguous();
  const int64_t* p = dense.data_ptr<int64_t>();
  std::vector<int64_t> values(p, p + dense.numel());
  int64_t total = 0;
  bool ordered = true;
  for (size_t t = 0; t < values.size(); ++t) {
    total += values[t];
    ordered = ordered && values[t] > 0 && (t == 0 || values[t] <= values[t - 1]);
  }
  if (!ordered || total != rows)
    throw Error(
        fmt::format("{}: batch_sizes must be positive, non-increasing and add up to the "
                    "{} rows of the packed data, got {}",
                    op, rows, values));
  return values;
}

}  // namespace functional::detail

namespace utils::rnn {
namespace {

// The sizes of a step of a [T, B, *] tensor with `rows` rows: [rows, *].
DimVector step_shape(const Tensor& x, int64_t rows) {
  DimVector shape{rows};
  for (int64_t d = 2; d < x.dim(); ++d) shape.push_back(x.size(d));
  return shape;
}

// The lengths as int64 values, checked against the padded batch x ([T, B, *]) as torch's
// _pack_padded_sequence checks them (in its order, so the first problem is the one reported).
std::vector<int64_t> checked_lengths(const Tensor& x, const Tensor& lengths, bool sorted) {
  const Tensor dense = lengths.contiguous();
  const int64_t* p = dense.data_ptr<int64_t>();
  const std::vector<int64_t> values(p, p + dense.numel());
  const int64_t batch = x.size(1);
  if (x.numel() == 0) throw Error("pack_padded_sequence: Cannot pack empty tensors.");
  if (static_cast<int64_t>(values.size()) != batch)
    throw Error(
        fmt::format("pack_padded_sequence: Expected `len(lengths)` to be equal to "
                    "batch_size, but got {} (batch_size={})",
                    values.size(), batch));
  if (!sorted) return values;
  if (values.back() <= 0)
    throw Error(
        "pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
        "element in 'lengths' that is <= 0");
  for (size_t i = 1; i < values.size(); ++i)
    if (values[i] > values[i - 1])
      throw Error(
          "pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
          "`enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
          "and/or pack_sequence to sidestep this requirement if you do not need ONNX "
          "exportability.");
  // torch 1.13 silently packs fewer rows than the lengths promise here.
  if (values.front() > x.size(0))
    throw Error(
        fmt::format("pack_padded_sequence: a sequence of length {} does not fit in the "
                    "input's {} steps ({})",
                    values.front(), x.size(0), shape_str(x.sizes())));
  return values;
}

}  // namespace

Tensor invert_permutation(const Tensor& permutation) {
  if (!permutation.defined()) return {};
  const Tensor positions = arange(permutation.numel(), permutation.options());
  return zeros_like(permutation).scatter(0, permutation, positions);
}

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices,
                               Tensor unsorted_indices)
    : data_(std::move(data)),
      batch_sizes_(std::move(batch_sizes)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(unsorted_indices.defined() ? std::move(unsorted_indices)
                                                   : invert_permutation(sorted_indices_)) {
  if (batch_sizes_.defined() && !batch_sizes_.is_cpu())
    throw Error(
        "PackedSequence: batch_sizes should always be on CPU; make packed sequences with "
        "pack_padded_sequence or pack_sequence",
        ErrorKind::Value);
}

PackedSequence PackedSequence::to(const TensorOptions& options) const {
  Tensor data = data_.to(options);
  if (data.device() == data_.device())
    return PackedSequence(data, batch_sizes_, sorted_indices_, unsorted_indices_);
  auto move = [&](const Tensor& t) { return t.defined() ? t.to(data.device()) : t; };
  return PackedSequence(data, batch_sizes_, move(sorted_indices_), move(unsorted_indices_));
}

PackedSequence PackedSequence::cpu() const { return to(TensorOptions().device(Device(kCPU))); }
PackedSequence PackedSequence::cuda() const { return to(TensorOptions().device(Device(kCUDA))); }

PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first,
                                    bool enforce_sorted) {
  if (input.dim() < 2)
    throw Error(
        fmt::format("pack_padded_sequence: expected the padded input to have at least 2 "
                    "dimensions ([seq_len, batch, *], or [batch, seq_len, *] with "
                    "batch_first), got {}",
                    shape_str(input.sizes())));
  lengths = lengths.to(kInt64);
  if (lengths.dim() != 1 || !lengths.is_cpu())
    throw Error(
        fmt::format("pack_padded_sequence: 'lengths' argument should be a 1D CPU int64 "
                    "tensor, but got {}D {} {} tensor",
                    lengths.dim(), lengths.device().str(), dtype_legacy_name(lengths.dtype())));
  Tensor x = batch_first ? input.transpose(0, 1) : input;
  checked_lengths(x, lengths, /*sorted=*/false);
  Tensor sorted_indices;
  if (!enforce_sorted) {
    std::tie(lengths, sorted_indices) = sort(lengths, -1, /*descending=*/true, /*stable=*/true);
    x = x.index_select(1, sorted_indices.to(x.device()));
  }
  const std::vector<int64_t> values = checked_lengths(x, lengths, /*sorted=*/true);

  // Walking from the shortest sequence to the longest, each rise in length adds a block of
  // steps that the sequences up to that one share: [rows of steps, that many sequences].
  const int64_t batch = x.size(1);
  std::vector<Tensor> blocks;
  std::vector<int64_t> batch_sizes;
  int64_t done = 0;
  for (int64_t i = batch - 1; i >= 0; --i) {
    const int64_t length = values[static_cast<size_t>(i)];
    if (length <= done) continue;
    const Tensor block = x.narrow(0, done, length - done).narrow(1, 0, i + 1);
    blocks.push_back(block.reshape(step_shape(x, (length - done) * (i + 1))));
    batch_sizes.insert(batch_sizes.end(), static_cast<size_t>(length - done), i + 1);
    done = length;
  }
  return PackedSequence(cat(blocks, 0), tensor(batch_sizes, kInt64), sorted_indices);
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first,
                                               double padding_value,
                                               std::optional<int64_t> total_length) {
  const Tensor& data = sequence.data();
  if (!data.defined() || data.dim() < 1)
    throw Error("pad_packed_sequence: expected the packed data to have at least 1 dimension");
  const std::vector<int64_t> sizes = functional::detail::batch_size_values(
      "pad_packed_sequence", sequence.batch_sizes(), data.size(0));
  const int64_t steps = static_cast<int64_t>(sizes.size()), batch = sizes.front();
  const int64_t padded_steps = total_length.value_or(steps);
  if (padded_steps < steps)
    throw Error(fmt::format("pad_packed_sequence: Expected total_length to be at least the "
                            "length of the longest sequence in input, but got total_length={} "
                            "and max sequence length being {}",
                            padded_steps, steps),
                ErrorKind::Value);

  // [steps, rows, *] with the packed data's trailing dims.
  const auto shape = [&](int64_t n, int64_t rows) {
    DimVector s{n, rows};
    for (int64_t d = 1; d < data.dim(); ++d) s.push_back(data.size(d));
    return s;
  };
  // Each run of steps with the same batch size is one block of the packed data; it is padded to
  // the whole batch and the blocks are joined in time.
  std::vector<Tensor> blocks;
  int64_t offset = 0;
  for (int64_t t = 0; t < steps;) {
    const int64_t rows = sizes[static_cast<size_t>(t)];
    int64_t end = t;
    while (end < steps && sizes[static_cast<size_t>(end)] == rows) ++end;
    Tensor block = data.narrow(0, offset, (end - t) * rows).reshape(shape(end - t, rows));
    if (rows < batch)
      block = cat({block, full(shape(end - t, batch - rows), padding_value, data.options())}, 1);
    blocks.push_back(block);
    offset += (end - t) * rows;
    t = end;
  }
  if (padded_steps > steps)
    blocks.push_back(full(shape(padded_steps - steps, batch), padding_value, data.options()));
  Tensor padded = cat(blocks, 0);

  // Sequence b runs for as many steps as hold more than b sequences.
  std::vector<int64_t> lengths(static_cast<size_t>(batch), 0);
  for (int64_t rows : sizes)
    for (int64_t b = 0; b < rows; ++b) ++lengths[static_cast<size_t>(b)];
  Tensor length_tensor = tensor(lengths, kInt64);
  if (batch_first) padded = padded.transpose(0, 1);
  if (const Tensor& order = sequence.unsorted_indices(); order.defined()) {
    padded = padded.index_select(batch_first ? 0 : 1, order);
    length_tensor = length_tensor.index_select(0, order.to(Device(kCPU)));
  }
  return {padded, length_tensor};
}

Tensor pad_sequence(TensorList sequences, bool batch_first, double padding_value) {
  if (sequences.empty()) throw Error("pad_sequence: received an empty list of sequences");
  for (size_t i = 0; i < sequences.size(); ++i)
    if (sequences[i].dim() == 0)
      throw Error(fmt::format("pad_sequence: Dimension specified as 0 but tensor has no "
                              "dimensions (sequence {} is 0-D; each needs its length first)",
                              i),
                  ErrorKind::Index);
  const Tensor& first = sequences.front();
  int64_t longest = 0;
  for (const Tensor& s : sequences) longest = std::max(longest, s.size(0));
  const auto shape = [&](int64_t n) {
    DimVector s{n};
    for (int64_t d = 1; d < first.dim(); ++d) s.push_back(first.size(d));
    return s;
  };
  std::vector<Tensor> padded;
  for (const Tensor& s : sequences) {
    // As torch copies each sequence into its slot: dtype converted, trailing dims broadcast.
    Tensor seq = s.to(first.dtype()).expand(shape(s.size(0)));
    if (s.size(0) < longest)
      seq = cat({seq, full(shape(longest - s.size(0)), padding_value, first.options())}, 0);
    padded.push_back(seq);
  }
  return stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted) {
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.dim() > 0 ? s.size(0) : 0);
  return pack_padded_sequence(pad_sequence(sequences), tensor(lengths, kInt64), false,
                              enforce_sorted);
}

std::vector<Tensor> unpad_sequence(const Tensor& padded_sequences, const Tensor& lengths,
                                   bool batch_first) {
  const Tensor batch = batch_first ? padded_sequences : padded_sequences.transpose(0, 1);
  const Tensor counts = lengths.to(kInt64).contiguous();
  if (counts.dim() != 1)
    throw Error(fmt::format("unpad_sequence: expected lengths to be a 1-D tensor, got shape {}",
                            shape_str(lengths.sizes())));
  // As torch pairs sequences with lengths (zip), the shorter of the two sets the count.
  std::vector<Tensor> out;
  const int64_t* p = counts.data_ptr<int64_t>();
  for (int64_t i = 0; i < std::min(counts.numel(), batch.size(0)); ++i) {
    // Copies, as torch's boolean-mask selection gives: later writes to the batch do not show.
    const int64_t length = std::clamp<int64_t>(p[i], 0, batch.size(1));
    out.push_back(batch.select(0, i).narrow(0, 0, length).clone());
  }
  return out;
}

std::vector<Tensor> unpack_sequence(const PackedSequence& packed_sequences) {
  auto [padded, lengths] = pad_packed_sequence(packed_sequences, /*batch_first=*/true);
  return unpad_sequence(padded, lengths, /*batch_first=*/true);
}

}  // namespace utils::rnn
}  // namespace ember::nn
