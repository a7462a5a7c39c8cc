#pragma once
/// Packed sequences, as LibTorch's torch::nn::utils::rnn and torch.nn.utils.rnn: a batch of
/// sequences of different lengths stored step after step without padding (what RNN, LSTM and
/// GRU's forward_with_packed_input take), and the functions that pack, pad and unpad them. All
/// are built from differentiable ops, so gradients of any order flow back to the padded input.
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn::utils::rnn {

/// The permutation that undoes `permutation` (a 1-D int64 tensor): out[permutation[i]] = i.
/// Undefined for an undefined permutation.
Tensor invert_permutation(const Tensor& permutation);

/// A batch of sequences sorted by decreasing length and stored step by step: data holds the
/// first step of every sequence, then the second step of those that have one, and so on
/// ([sum of lengths, *]); batch_sizes (a 1-D int64 CPU tensor) says how many sequences each step
/// holds. sorted_indices, when defined, lists for each sorted position the sequence's place in
/// the caller's batch; unsorted_indices is its inverse. Build one with pack_padded_sequence or
/// pack_sequence.
class PackedSequence {
 public:
  /// unsorted_indices defaults to the inverse of sorted_indices.
  explicit PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = {},
                          Tensor unsorted_indices = {});
  /// The steps, one after the other: [sum of lengths, *].
  const Tensor& data() const { return data_; }
  /// How many sequences each step holds (int64, CPU, non-increasing).
  const Tensor& batch_sizes() const { return batch_sizes_; }
  /// The caller's batch index of each sorted sequence, or undefined when the batch was sorted.
  const Tensor& sorted_indices() const { return sorted_indices_; }
  /// The sorted position of each of the caller's sequences (the inverse of sorted_indices).
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  /// Whether the data is on a CUDA device.
  bool is_cuda() const { return data_.is_cuda(); }
  /// The sequence with its data converted as options say (dtype, device). On another device the
  /// index tensors move too; batch_sizes stays on the CPU, as LibTorch's.
  PackedSequence to(const TensorOptions& options) const;
  /// to() with the data's dtype and the CPU or the CUDA device.
  PackedSequence cpu() const;
  PackedSequence cuda() const;

 private:
  Tensor data_, batch_sizes_, sorted_indices_, unsorted_indices_;
};

/// Packs a padded batch: input is [seq_len, batch, *] ([batch, seq_len, *] with batch_first)
/// and lengths (any integer or floating dtype, truncated to int64) holds each sequence's length.
/// With enforce_sorted the lengths must not increase; otherwise the batch is sorted here and the
/// permutation kept in the result.
PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// The inverse of pack_padded_sequence: {padded, lengths}, padded [T, batch, *] ([batch, T, *]
/// with batch_first) filled with padding_value past each sequence's end, where T is the longest
/// length or total_length, and lengths a 1-D int64 tensor, both in the caller's batch order.
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence,
                                               bool batch_first = false, double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);

/// Stacks sequences [L_i, *] into one [max L_i, batch, *] ([batch, max L_i, *] with
/// batch_first), padding each with padding_value. Trailing dims and dtype follow the first.
Tensor pad_sequence(TensorList sequences, bool batch_first = false, double padding_value = 0.0);

/// Packs sequences [L_i, *] (with enforce_sorted, in order of non-increasing length).
PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted = true);

/// The sequences of a padded batch, each cut to its length (torch.nn.utils.rnn.unpad_sequence).
std::vector<Tensor> unpad_sequence(const Tensor& padded_sequences, const Tensor& lengths,
                                   bool batch_first = false);

/// The sequences of a packed batch in the caller's order (torch.nn.utils.rnn.unpack_sequence).
std::vector<Tensor> unpack_sequence(const PackedSequence& packed_sequences);

}  // namespace ember::nn::utils::rnn
