// The recurrent layers and cells: checksums of forward values and gradients against torch 1.13
// for fixed weights, gradchecks (first and second order) in float64, parameter names and shapes,
// printing, and the shape errors with PyTorch's messages.
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using Keys = std::vector<std::string>;
using testing::expect_close;

using testing::repr;

// Deterministic float64 weights and inputs, the same formulas as the torch script that made the
// expected numbers: parameter k (in named order) is 0.5 sin(0.37 i + k), inputs cos(0.21 i).
void fill(nn::Module& m) {
  m.to(kFloat64);
  NoGradGuard no_grad;
  int k = 0;
  for (Tensor& p : m.parameters())
    p.copy_(((arange(p.numel(), kFloat64) * 0.37 + k++).sin() * 0.5).view(p.sizes()));
}
Tensor input(IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kFloat64) * 0.21).cos().view(shape);
}

// The checksums the torch script prints: sum and sum of squares of the output, the sums of h_n
// and c_n, and after backward of (out^2).sum() + h_n.sum() + c_n.sum() the sum of the input's
// gradient and the sum and absolute sum of the first parameter's gradient.
void expect_checksums(nn::Module& m, const Tensor& x, const Tensor& out, const Tensor& h,
                      const Tensor& c, const std::vector<double>& expected) {
  Tensor loss = (out * out).sum();
  std::vector<double> got{out.sum().item<double>(), loss.item<double>()};
  if (h.defined()) got.push_back(h.sum().item<double>()), loss = loss + h.sum();
  if (c.defined()) got.push_back(c.sum().item<double>()), loss = loss + c.sum();
  loss.backward();
  const Tensor first = m.parameters()[0].grad();
  got.push_back(x.grad().sum().item<double>());
  got.push_back(first.sum().item<double>());
  got.push_back(first.abs().sum().item<double>());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-8) << "at " << i;
}

Tensor leaf(Tensor t) { return t.requires_grad_(); }

TEST(NnRnnTest, SequencesMatchPyTorch) {
  {
    nn::RNN m(3, 4);
    fill(*m);
    Tensor x = leaf(input({5, 2, 3}));
    auto [out, h] = m(x);
    EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{5, 2, 4}));
    expect_checksums(
        *m, x, out, h, {},
        {1.643623099, 12.91401692, 2.447224131, 9.702595825, 38.48488607, 39.84387893});
  }
  {
    nn::RNN m(nn::RNNOptions(3, 4).num_layers(2).nonlinearity(kReLU).bias(false));
    fill(*m);
    Tensor x = leaf(input({5, 2, 3}));
    auto [out, h] = m(x);
    expect_checksums(
        *m, x, out, h, {},
        {9.110384092, 5.397413411, 6.018421385, 19.99500186, 45.05061323, 56.17920084});
  }
  {
    nn::LSTM m(nn::LSTMOptions(3, 4).num_layers(2).batch_first(true).bidirectional(true));
    fill(*m);
    Tensor x = leaf(input({2, 5, 3}));
    auto [out, state] = m(x);
    EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, 5, 8}));
    EXPECT_EQ(std::get<0>(state).sizes().vec(), (std::vector<int64_t>{4, 2, 4}));
    expect_checksums(*m, x, out, std::get<0>(state), std::get<1>(state),
                     {-1.678586936, 3.450810985, -2.722744947, -7.248665059, 2.026876979,
                      -4.344646081, 8.501533934});
  }
  {
    nn::LSTM m(nn::LSTMOptions(3, 4).proj_size(2));
    fill(*m);
    Tensor x = leaf(input({5, 2, 3}));
    auto [out, state] = m(x);
    EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{5, 2, 2}));
    EXPECT_EQ(std::get<1>(state).sizes().vec(), (std::vector<int64_t>{1, 2, 4}));
    expect_checksums(
        *m, x, out, std::get<0>(state), std::get<1>(state),
        {2.937307062, 1.05559866, 1.251752, -2.471100218, 0.240503999, -0.04399669127, 4.05020674});
  }
  {
    nn::LSTM m(3, 4);
    fill(*m);
    Tensor x = leaf(input({5, 3}));
    auto [out, state] = m(x, std::tuple{input({1, 4}) * 0.5, input({1, 4}) * -0.3});
    EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{5, 4}));
    EXPECT_EQ(std::get<0>(state).sizes().vec(), (std::vector<int64_t>{1, 4}));
    expect_checksums(*m, x, out, std::get<0>(state), std::get<1>(state),
                     {-2.236639599, 1.381566572, 0.1469584194, -0.1776960883, 2.012020931,
                      -6.20924974, 10.78149878});
  }
  {
    nn::GRU m(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true));
    fill(*m);
    Tensor x = leaf(input({5, 2, 3}));
    auto [out, h] = m(x, input({4, 2, 4}) * 0.2);
    expect_checksums(
        *m, x, out, h, {},
        {-5.167608581, 13.86370854, -4.762287269, -1.59531587, 3.330443088, 7.446234126});
  }
}

TEST(NnRnnTest, CellsMatchPyTorch) {
  {
    nn::RNNCell m(3, 4);
    fill(*m);
    Tensor x = leaf(input({2, 3}));
    Tensor h = m(x);
    expect_checksums(*m, x, h, {}, {},
                     {2.687167566, 4.202427835, 3.934040246, 5.66123236, 11.78399394});
  }
  {
    nn::LSTMCell m(3, 4);
    fill(*m);
    Tensor x = leaf(input({2, 3}));
    auto [h, c] = m(x);
    // torch's LSTMCell returns (h, c): the script's "output" is h and its "h_n" is c.
    expect_checksums(
        *m, x, h, c, {},
        {-2.003503231, 0.7939102876, -2.809173904, -0.7209500163, 4.232472744, 6.5622257});
  }
  {
    nn::GRUCell m(3, 4);
    fill(*m);
    Tensor x = leaf(input({3}));
    Tensor h = m(x);
    EXPECT_EQ(h.sizes().vec(), (std::vector<int64_t>{4}));
    expect_checksums(*m, x, h, {}, {},
                     {-1.442706536, 0.7802362427, 0.201070487, -3.416264777, 3.499263463});
  }
}

// gradcheck and gradgradcheck of whole sequences with respect to the input, the initial state
// and every weight.
TEST(NnRnnTest, GradientsAreCorrectToSecondOrder) {
  const auto check = [](nn::Module& m, auto run, const std::vector<Tensor>& extra) {
    fill(m);
    autograd::variable_list inputs{input({3, 2, 2}).requires_grad_()};
    for (const Tensor& t : extra) inputs.push_back(t.detach().requires_grad_());
    for (const Tensor& p : m.parameters()) inputs.push_back(p);
    auto fn = [&](const autograd::variable_list& in) { return run(in); };
    EXPECT_TRUE(autograd::gradcheck(fn, inputs)) << m;
    EXPECT_TRUE(autograd::gradgradcheck(fn, inputs)) << m;
  };
  nn::RNN rnn(nn::RNNOptions(2, 3).bidirectional(true));
  check(*rnn,
        [&](const autograd::variable_list& in) {
          auto [out, h] = rnn(in[0], in[1]);
          return autograd::variable_list{out, h};
        },
        {input({2, 2, 3}) * 0.1});
  nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).proj_size(2));
  check(*lstm,
        [&](const autograd::variable_list& in) {
          auto [out, state] = lstm(in[0], std::tuple{in[1], in[2]});
          return autograd::variable_list{out, std::get<0>(state), std::get<1>(state)};
        },
        {input({2, 2, 2}) * 0.1, input({2, 2, 3}) * -0.2});
  nn::GRU gru(nn::GRUOptions(2, 3).batch_first(true));
  check(*gru,
        [&](const autograd::variable_list& in) {
          auto [out, h] = gru(in[0]);
          return autograd::variable_list{out, h};
        },
        {});
}

TEST(NnRnnTest, ParametersCarryPyTorchNamesAndShapes) {
  nn::LSTM lstm(nn::LSTMOptions(10, 20).num_layers(2).bidirectional(true).proj_size(5));
  const Keys names = lstm->named_parameters().keys();
  EXPECT_EQ(names.size(), 20u);
  EXPECT_EQ(names[0], "weight_ih_l0");
  EXPECT_EQ(names[5], "weight_ih_l0_reverse");
  EXPECT_EQ(names[19], "weight_hr_l1_reverse");
  EXPECT_EQ(lstm->named_parameters().at("weight_ih_l1").sizes().vec(),
            (std::vector<int64_t>{80, 10}));
  EXPECT_EQ(lstm->named_parameters().at("weight_hh_l0").sizes().vec(),
            (std::vector<int64_t>{80, 5}));
  EXPECT_EQ(lstm->named_parameters().at("weight_hr_l0").sizes().vec(),
            (std::vector<int64_t>{5, 20}));
  EXPECT_EQ(nn::GRU(nn::GRUOptions(3, 4).bias(false))->named_parameters().keys(),
            (Keys{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(nn::RNNCell(3, 4)->named_parameters().keys(),
            (Keys{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  EXPECT_EQ(nn::GRUCell(3, 4)->weight_ih.sizes().vec(), (std::vector<int64_t>{12, 3}));
  // Every weight starts in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)].
  for (const Tensor& p : nn::LSTM(3, 16)->parameters()) {
    EXPECT_LE(p.abs().max().item<double>(), 0.25);
    EXPECT_GT(p.abs().max().item<double>(), 0.2);
  }
}

TEST(NnRnnTest, PrintsAsPyTorch) {
  EXPECT_EQ(
      repr(*nn::LSTM(nn::LSTMOptions(10, 20)
                         .num_layers(2)
                         .batch_first(true)
                         .bidirectional(true)
                         .dropout(0.1)
                         .proj_size(5))),
      "LSTM(10, 20, proj_size=5, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)");
  EXPECT_EQ(repr(*nn::RNN(nn::RNNOptions(10, 20).nonlinearity(kReLU).bias(false))),
            "RNN(10, 20, bias=False)");
  EXPECT_EQ(repr(*nn::GRU(10, 20)), "GRU(10, 20)");
  EXPECT_EQ(repr(*nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity(kReLU))),
            "RNNCell(3, 4, nonlinearity=relu)");
  EXPECT_EQ(repr(*nn::LSTMCell(nn::LSTMCellOptions(3, 4).bias(false))),
            "LSTMCell(3, 4, bias=False)");
}

TEST(NnRnnTest, DropoutAppliesBetweenLayersOnlyWhileTraining) {
  nn::GRU m(nn::GRUOptions(3, 4).num_layers(2).dropout(1.0));
  Tensor x = input({5, 2, 3}).to(kFloat32);
  // With every first-layer output dropped, the second layer sees zeros in training only.
  auto [dropped, h1] = m(x);
  auto [zeros_in, h2] = m(zeros({5, 2, 3}));
  expect_close(dropped, zeros_in);
  m->eval();
  auto [kept, h3] = m(x);
  EXPECT_GT((kept - zeros_in).abs().max().item<double>(), 1e-3);
}

TEST(NnRnnTest, ShapeErrorsCarryPyTorchMessages) {
  nn::LSTM lstm(nn::LSTMOptions(10, 20).num_layers(2));
  EXPECT_EMBER_ERROR(lstm(randn({1, 2, 3, 10})),
                     "input must have 3 dimensions (or 2 for one unbatched sequence), got 4");
  EXPECT_EMBER_ERROR(lstm(randn({5, 3, 11})),
                     "input.size(-1) must be equal to input_size. Expected 10, got 11");
  EXPECT_EMBER_ERROR(lstm(randn({5, 3, 10}), std::tuple{randn({2, 2, 20}), randn({2, 3, 20})}),
                     "Expected hidden[0] size (2, 3, 20), got [2, 2, 20]");
  EXPECT_EMBER_ERROR(lstm(randn({5, 3, 10}), std::tuple{randn({2, 3, 20}), randn({2, 3, 21})}),
                     "Expected hidden[1] size (2, 3, 20), got [2, 3, 21]");
  EXPECT_EMBER_ERROR(lstm(randn({5, 10}), std::tuple{randn({2, 3, 20}), randn({2, 3, 20})}),
                     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D)");
  nn::RNN rnn(10, 20);
  EXPECT_EMBER_ERROR(rnn(randn({5, 3, 10}), randn({1, 2, 20})),
                     "Expected hidden size (1, 3, 20), got [1, 2, 20]");
  EXPECT_EMBER_ERROR(rnn(randn({5, 3, 10}), randn({1, 20})),
                     "For batched 3-D input, hx should also be 3-D but got 2-D tensor");
  EXPECT_EMBER_ERROR(nn::RNN(nn::RNNOptions(10, 20).dropout(1.5)),
                     "dropout should be a number in range [0, 1]");
  EXPECT_EMBER_ERROR(nn::LSTM(nn::LSTMOptions(10, 20).proj_size(20)),
                     "proj_size has to be smaller than hidden_size");
  EXPECT_EMBER_ERROR(nn::RNNCell(10, 20)(randn({1, 2, 10})),
                     "RNNCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  EXPECT_EMBER_ERROR(nn::RNNCell(10, 20)(randn({3, 11})),
                     "input has inconsistent input_size: got 11 expected 10");
  EXPECT_EMBER_ERROR(nn::RNNCell(10, 20)(randn({3, 10}), randn({2, 20})),
                     "Input batch size 3 doesn't match hidden0 batch size 2");
  EXPECT_EMBER_ERROR(nn::RNNCell(10, 20)(randn({3, 10}), randn({3, 21})),
                     "hidden0 has inconsistent hidden_size: got 21, expected 20");
  EXPECT_EMBER_ERROR(
      F::lstm(randn({5, 3, 10}), {}, {randn({80, 10})}, true, 1, 0, false, false, false),
      "expected 4 weight tensors for 1 layer(s) in 1 direction(s), got 1");
}

// The steps share one split node, so a long sequence's backward stays linear in its length.
TEST(NnRnnTest, LongSequenceBackward) {
  nn::LSTM m(4, 8);
  Tensor x = randn({2000, 1, 4}, requires_grad());
  auto [out, state] = m(x);
  out.sum().backward();
  EXPECT_EQ(x.grad().sizes().vec(), (std::vector<int64_t>{2000, 1, 4}));
  EXPECT_TRUE(x.grad().isfinite().all().item<bool>());
}

}  // namespace
}  // namespace ember
