// Packed sequences: packing and padding against values worked out by hand (the layout torch
// documents), the recurrent layers over packed input against running each sequence on its own,
// gradchecks through pack -> LSTM -> pad, and the errors with PyTorch's messages.
#include <functional>
#include <tuple>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
namespace R = nn::utils::rnn;
using testing::expect_close;
using testing::values;
using Ints = std::vector<int64_t>;

Ints ints(const Tensor& t) {
  const Tensor c = t.to(kInt64).contiguous();
  return Ints(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// [3 steps, 3 sequences, 1] with x[t][b] = 3t + b.
Tensor grid() { return arange(9, kFloat64).view({3, 3, 1}); }

TEST(NnPackedSequenceTest, PacksStepAfterStepSortedByLength) {
  const R::PackedSequence p = R::pack_padded_sequence(grid(), tensor({3, 1, 2}), false, false);
  // Sorted by length: sequences 0 (3 steps), 2 (2 steps), 1 (1 step).
  EXPECT_EQ(values(p.data()), (std::vector<double>{0, 2, 1, 3, 5, 6}));
  EXPECT_EQ(p.data().sizes().vec(), (Ints{6, 1}));
  EXPECT_EQ(ints(p.batch_sizes()), (Ints{3, 2, 1}));
  EXPECT_EQ(p.batch_sizes().dtype(), kInt64);
  EXPECT_EQ(ints(p.sorted_indices()), (Ints{0, 2, 1}));
  EXPECT_EQ(ints(p.unsorted_indices()), (Ints{0, 2, 1}));
  EXPECT_FALSE(p.is_cuda());

  auto [padded, lengths] = R::pad_packed_sequence(p, /*batch_first=*/true, -1.0);
  EXPECT_EQ(padded.sizes().vec(), (Ints{3, 3, 1}));
  EXPECT_EQ(values(padded), (std::vector<double>{0, 3, 6, 1, -1, -1, 2, 5, -1}));
  EXPECT_EQ(ints(lengths), (Ints{3, 1, 2}));

  // Already sorted, batch first, padded to 4 steps.
  const R::PackedSequence q =
      R::pack_padded_sequence(grid().transpose(0, 1), tensor({3, 2, 2}), /*batch_first=*/true);
  EXPECT_FALSE(q.sorted_indices().defined());
  EXPECT_EQ(values(q.data()), (std::vector<double>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ints(q.batch_sizes()), (Ints{3, 3, 1}));
  auto [long_padded, long_lengths] = R::pad_packed_sequence(q, false, 0.5, 4);
  EXPECT_EQ(values(long_padded),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 0.5, 0.5, 0.5, 0.5, 0.5}));
  EXPECT_EQ(ints(long_lengths), (Ints{3, 2, 2}));
}

TEST(NnPackedSequenceTest, PadSequenceAndPackSequence) {
  const Tensor a = tensor({{1., 2.}, {3., 4.}}), b = tensor({{5., 6.}}),
               c = tensor({{7., 8.}, {9., 10.}, {11., 12.}});
  const Tensor padded = R::pad_sequence({a, b, c}, /*batch_first=*/true, -1.0);
  EXPECT_EQ(padded.sizes().vec(), (Ints{3, 3, 2}));
  EXPECT_EQ(values(padded),
            (std::vector<double>{1, 2, 3, 4, -1, -1, 5, 6, -1, -1, -1, -1, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(R::pad_sequence({a, b, c}).sizes().vec(), (Ints{3, 3, 2}));
  expect_close(R::pad_sequence({a, b, c}, false, -1.0), padded.transpose(0, 1));

  const R::PackedSequence p = R::pack_sequence({a, b, c}, /*enforce_sorted=*/false);
  EXPECT_EQ(values(p.data()), (std::vector<double>{7, 8, 1, 2, 5, 6, 9, 10, 3, 4, 11, 12}));
  EXPECT_EQ(ints(p.batch_sizes()), (Ints{3, 2, 1}));
  const std::vector<Tensor> back = R::unpack_sequence(p);
  ASSERT_EQ(back.size(), 3u);
  expect_close(back[0], a);
  expect_close(back[1], b);
  expect_close(back[2], c);
  const std::vector<Tensor> cut = R::unpad_sequence(padded, tensor({2, 1, 3}), true);
  expect_close(cut[1], b);
  expect_close(cut[2], c);
  EXPECT_EQ(ints(R::invert_permutation(tensor({2, 0, 3, 1}))), (Ints{1, 3, 0, 2}));

  // to() converts the data and keeps the batch sizes and the permutation.
  const R::PackedSequence d = p.to(TensorOptions(kFloat64));
  EXPECT_EQ(d.data().dtype(), kFloat64);
  EXPECT_EQ(values(d.data()), values(p.data()));
  EXPECT_EQ(ints(d.batch_sizes()), (Ints{3, 2, 1}));
  EXPECT_EQ(ints(d.sorted_indices()), ints(p.sorted_indices()));
  EXPECT_EQ(ints(d.unsorted_indices()), ints(p.unsorted_indices()));
  EXPECT_EQ(p.cpu().data().dtype(), p.data().dtype());
  if (!cuda::is_available()) {
    EXPECT_EMBER_ERROR(p.cuda(),
                       "to: moving tensors between cpu and cuda is not supported: Ember was");
  }
}

// The gradient of pad(pack(x)).sum() is one where a sequence has a step, zero in the padding.
TEST(NnPackedSequenceTest, GradientsReachThePaddedInput) {
  Tensor x = grid().requires_grad_();
  auto [padded, lengths] =
      R::pad_packed_sequence(R::pack_padded_sequence(x, tensor({2, 3, 1}), false, false));
  (padded * padded).sum().backward();
  // d/dx x^2 = 2x at the packed steps, nothing at the padding.
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 2, 4, 6, 8, 0, 0, 14, 0}));
}

// {output, h_n, c_n} of a layer over a packed batch, and over one padded sequence [L, 1, *].
using Packed = std::tuple<R::PackedSequence, Tensor, Tensor>;
using Padded = std::tuple<Tensor, Tensor, Tensor>;

// The packed batch's results must be those of running every sequence on its own, unpacked.
void expect_packed_matches_alone(const std::vector<Tensor>& seqs,
                                 const std::function<Packed(const R::PackedSequence&)>& packed,
                                 const std::function<Padded(const Tensor&)>& alone) {
  auto [out, h, c] = packed(R::pack_sequence(seqs, /*enforce_sorted=*/false));
  const std::vector<Tensor> outputs = R::unpack_sequence(out);
  for (size_t i = 0; i < seqs.size(); ++i) {
    auto [out1, h1, c1] = alone(seqs[i].unsqueeze(1));
    const int64_t b = static_cast<int64_t>(i);
    expect_close(outputs[i], out1.squeeze(1), 1e-12, 1e-12);
    expect_close(h.select(1, b), h1.select(1, 0), 1e-12, 1e-12);
    if (c.defined()) expect_close(c.select(1, b), c1.select(1, 0), 1e-12, 1e-12);
  }
}

TEST(NnPackedSequenceTest, LayersMatchEachSequenceRunAlone) {
  manual_seed(5);
  std::vector<Tensor> seqs;
  for (int64_t n : {3, 5, 1, 5, 2}) seqs.push_back(randn({n, 2}, kFloat64));

  nn::LSTM lstm(nn::LSTMOptions(2, 4).num_layers(2).bidirectional(true).proj_size(3));
  lstm->to(kFloat64);
  expect_packed_matches_alone(
      seqs,
      [&](const R::PackedSequence& p) {
        auto [out, state] = lstm->forward_with_packed_input(p);
        return Packed{out, std::get<0>(state), std::get<1>(state)};
      },
      [&](const Tensor& x) {
        auto [out, state] = lstm(x);
        return Padded{out, std::get<0>(state), std::get<1>(state)};
      });

  nn::GRU gru(nn::GRUOptions(2, 3).bidirectional(true));
  gru->to(kFloat64);
  expect_packed_matches_alone(
      seqs,
      [&](const R::PackedSequence& p) {
        auto [out, h] = gru->forward_with_packed_input(p);
        return Packed{out, h, Tensor()};
      },
      [&](const Tensor& x) {
        auto [out, h] = gru(x);
        return Padded{out, h, Tensor()};
      });

  nn::RNN rnn(nn::RNNOptions(2, 3).num_layers(2).nonlinearity(kReLU));
  rnn->to(kFloat64);
  expect_packed_matches_alone(
      seqs,
      [&](const R::PackedSequence& p) {
        auto [out, h] = rnn->forward_with_packed_input(p);
        return Packed{out, h, Tensor()};
      },
      [&](const Tensor& x) {
        auto [out, h] = rnn(x);
        return Padded{out, h, Tensor()};
      });
}

// A given initial state is in the caller's batch order, as the final states are.
TEST(NnPackedSequenceTest, InitialStatesFollowTheCallersOrder) {
  manual_seed(6);
  nn::LSTM lstm(nn::LSTMOptions(2, 3).bidirectional(true));
  lstm->to(kFloat64);
  const std::vector<Tensor> seqs{randn({2, 2}, kFloat64), randn({4, 2}, kFloat64)};
  const Tensor h0 = randn({2, 2, 3}, kFloat64), c0 = randn({2, 2, 3}, kFloat64);
  auto [out, state] =
      lstm->forward_with_packed_input(R::pack_sequence(seqs, false), std::tuple{h0, c0});
  for (int64_t b = 0; b < 2; ++b) {
    auto [alone, alone_state] = lstm(seqs[static_cast<size_t>(b)].unsqueeze(1),
                                     std::tuple{h0.narrow(1, b, 1), c0.narrow(1, b, 1)});
    expect_close(R::unpack_sequence(out)[static_cast<size_t>(b)], alone.squeeze(1), 1e-12, 1e-12);
    expect_close(std::get<0>(state).select(1, b), std::get<0>(alone_state).select(1, 0), 1e-12,
                 1e-12);
    expect_close(std::get<1>(state).select(1, b), std::get<1>(alone_state).select(1, 0), 1e-12,
                 1e-12);
  }
}

TEST(NnPackedSequenceTest, GradientsThroughPackLstmPadAreCorrectToSecondOrder) {
  manual_seed(7);
  nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).bidirectional(true));
  lstm->to(kFloat64);
  autograd::variable_list inputs{randn({3, 3, 2}, kFloat64).requires_grad_(),
                                 (randn({4, 3, 3}, kFloat64) * 0.5).requires_grad_(),
                                 (randn({4, 3, 3}, kFloat64) * 0.5).requires_grad_()};
  for (const Tensor& p : lstm->parameters()) inputs.push_back(p);
  auto fn = [&](const autograd::variable_list& in) {
    const R::PackedSequence packed =
        R::pack_padded_sequence(in[0], tensor({2, 3, 1}), false, false);
    auto [out, state] = lstm->forward_with_packed_input(packed, std::tuple{in[1], in[2]});
    auto [padded, lengths] = R::pad_packed_sequence(out, true, 0.0, 4);
    return autograd::variable_list{padded, std::get<0>(state), std::get<1>(state)};
  };
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
}

TEST(NnPackedSequenceTest, ErrorsCarryPyTorchMessages) {
  const Tensor x = zeros({3, 2, 1});
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(x, tensor({2, 3})),
                     "`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                     "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                     "and/or pack_sequence to sidestep this requirement if you do not need ONNX "
                     "exportability.");
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(x, tensor({3, 0})),
                     "Length of all samples has to be greater than 0, but found an element in "
                     "'lengths' that is <= 0");
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(x, tensor({0, 3}), false, false),
                     "Length of all samples has to be greater than 0");
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(x, tensor({4, 2})),
                     "pack_padded_sequence: a sequence of length 4 does not fit in the input's 3 "
                     "steps ([3, 2, 1])");
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(x, tensor({3, 2, 1})),
                     "Expected `len(lengths)` to be equal to batch_size, but got 3 "
                     "(batch_size=2)");
  EXPECT_EMBER_ERROR(R::pack_padded_sequence(zeros({0, 2}), tensor({1, 1})),
                     "Cannot pack empty tensors.");
  EXPECT_EMBER_ERROR(
      R::pad_packed_sequence(R::pack_padded_sequence(x, tensor({3, 1})), false, 0.0, 2),
      "Expected total_length to be at least the length of the longest sequence in input, but "
      "got total_length=2 and max sequence length being 3");
  EXPECT_EMBER_ERROR(R::pad_sequence({}), "pad_sequence: received an empty list of sequences");

  const R::PackedSequence packed = R::pack_padded_sequence(zeros({3, 3, 4}), tensor({3, 2, 1}));
  nn::LSTM lstm(4, 5);
  EXPECT_EMBER_ERROR(
      lstm->forward_with_packed_input(packed, std::tuple{zeros({1, 2, 5}), zeros({1, 2, 5})}),
      "LSTM: Expected hidden[0] size (1, 3, 5), got [1, 2, 5]");
  EXPECT_EMBER_ERROR(
      lstm->forward_with_packed_input(packed, std::tuple{zeros({1, 3, 5}), zeros({1, 3, 4})}),
      "LSTM: Expected hidden[1] size (1, 3, 5), got [1, 3, 4]");
  nn::GRU gru(4, 5);
  const R::PackedSequence unsorted =
      R::pack_padded_sequence(zeros({3, 3, 4}), tensor({1, 3, 2}), false, false);
  EXPECT_EMBER_ERROR(gru->forward_with_packed_input(unsorted, zeros({1, 4, 5})),
                     "GRU: Expected hidden size (1, 3, 5), got [1, 4, 5]");
  EXPECT_EMBER_ERROR(nn::RNN(3, 5)->forward_with_packed_input(packed),
                     "RNN: input.size(-1) must be equal to input_size. Expected 3, got 4");
  EXPECT_EMBER_ERROR(
      nn::functional::gru(zeros({4, 4}), tensor({1, 3}), {}, gru->all_weights(), true, 1, 0.0,
                          false, false),
      "GRU: batch_sizes must be positive, non-increasing and add up to the 4 rows of the packed "
      "data, got [1, 3]");
}

}  // namespace
}  // namespace ember
