// The nn layer modules (activations, Dropout, Embedding, LayerNorm, BatchNorm, Conv2d, pooling):
// forward values against torch 1.13 for fixed inputs and weights, gradchecks in float64,
// train/eval behaviour, printing and state_dict keys as PyTorch has them.
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

using testing::repr;

// Checks the gradients of a module's forward with respect to its input and its parameters.
void expect_gradcheck(nn::Module& m, const Tensor& input) {
  m.to(kFloat64);
  autograd::variable_list inputs{input.to(kFloat64).detach().requires_grad_()};
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  auto fn = [&](const autograd::variable_list& in) {
    return autograd::variable_list{m.forward(in[0])};
  };
  EXPECT_TRUE(autograd::gradcheck(fn, inputs)) << m;
}

// Inputs are functions, not globals: no tensor can be built before the kernels register.
Tensor act_input() { return tensor({{-2., -0.5, 0.}, {0.5, 1., 2.}}); }

TEST(NnLayersTest, ActivationsMatchPyTorch) {
  expect_close(nn::ReLU()(act_input()), tensor({{0., 0., 0.}, {0.5, 1., 2.}}));
  expect_close(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(act_input()),
               tensor({{-0.4, -0.1, 0.}, {0.5, 1., 2.}}));
  expect_close(nn::LeakyReLU()(act_input()), tensor({{-0.02, -0.005, 0.}, {0.5, 1., 2.}}));
  expect_close(nn::Sigmoid()(act_input()),
               tensor({{0.1192029, 0.3775407, 0.5}, {0.6224594, 0.7310586, 0.880797}}), 1e-6, 1e-6);
  expect_close(nn::Tanh()(act_input()),
               tensor({{-0.9640276, -0.4621172, 0.}, {0.4621172, 0.7615942, 0.9640276}}), 1e-6,
               1e-6);
  expect_close(nn::GELU()(act_input()),
               tensor({{-0.0455001, -0.1542688, 0.}, {0.3457312, 0.8413447, 1.9545}}), 1e-6, 1e-6);
  expect_close(nn::GELU(nn::GELUOptions().approximate("tanh"))(act_input()),
               tensor({{-0.0454023, -0.154286, 0.}, {0.345714, 0.841192, 1.9545977}}), 1e-6, 1e-6);
  expect_close(nn::Softmax(1)(act_input()),
               tensor({{0.0776956, 0.3482074, 0.574097}, {0.1402444, 0.2312239, 0.6285317}}), 1e-6,
               1e-6);
  expect_close(nn::Softmax(0)(act_input()),
               tensor({{0.0758582, 0.1824255, 0.1192029}, {0.9241418, 0.8175744, 0.880797}}), 1e-6,
               1e-6);
  expect_close(nn::LogSoftmax(-1)(act_input()),
               tensor({{-2.5549569, -1.0549569, -0.5549569}, {-1.9643688, -1.4643688, -0.4643688}}),
               1e-6, 1e-6);
  EXPECT_EMBER_ERROR(nn::GELU(nn::GELUOptions().approximate("fast"))(act_input()), "fast");
}

TEST(NnLayersTest, InplaceActivationsOverwriteTheirInputWithCorrectGradients) {
  Tensor x = act_input().clone();
  Tensor y = nn::ReLU(nn::ReLUOptions().inplace(true))(x);
  EXPECT_TRUE(y.is_same(x));
  expect_close(x, tensor({{0., 0., 0.}, {0.5, 1., 2.}}));

  Tensor leaf = tensor({-2., 0., 3.}, requires_grad());
  Tensor h = leaf * 1.0;
  Tensor out = nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1).inplace(true))(h);
  EXPECT_TRUE(out.is_same(h));
  expect_close(h, tensor({-0.2, 0., 3.}));
  (out * tensor({1., 2., 3.})).sum().backward();
  // d/dx leaky_relu = 1 for x > 0, else the slope (0 counts as negative, as in PyTorch).
  expect_close(leaf.grad(), tensor({0.1, 0.2, 3.}));
}

TEST(NnLayersTest, ActivationsGradcheck) {
  manual_seed(0);
  const Tensor x = randn({3, 4}, kFloat64);
  nn::LeakyReLU leaky(nn::LeakyReLUOptions().negative_slope(0.3));
  nn::GELU gelu_tanh(nn::GELUOptions().approximate("tanh"));
  std::vector<std::shared_ptr<nn::Module>> mods{
      nn::ReLU().ptr(), leaky.ptr(),     nn::Sigmoid().ptr(),  nn::Tanh().ptr(),
      nn::GELU().ptr(), gelu_tanh.ptr(), nn::Softmax(1).ptr(), nn::LogSoftmax(0).ptr()};
  for (auto& m : mods) expect_gradcheck(*m, x);
}

TEST(NnLayersTest, Conv2dMatchesPyTorch) {
  nn::Conv2d conv(nn::Conv2dOptions(2, 2, 2).stride(2).padding(1));
  EXPECT_EQ(conv->weight.sizes().vec(), (std::vector<int64_t>{2, 2, 2, 2}));
  {
    NoGradGuard no_grad;
    conv->weight.copy_((arange(16, kFloat32) * 0.1 - 0.8).reshape({2, 2, 2, 2}));
    conv->bias.copy_(tensor({0.5, -0.25}));
  }
  const Tensor x = (arange(18, kFloat32) * 0.25 - 2).reshape({1, 2, 3, 3});
  expect_close(conv(x), tensor({{{{1.475, 2.125}, {1.15, 0.4}}, {{-0.675, -0.225}, {1.2, 3.65}}}}),
               1e-5, 1e-5);
  // Unbatched input gives an unbatched output.
  EXPECT_EQ(conv(x[0]).sizes().vec(), (std::vector<int64_t>{2, 2, 2}));

  nn::Conv2d grouped(nn::Conv2dOptions(2, 4, 2).dilation(2).groups(2).bias(false));
  EXPECT_EQ(grouped->weight.sizes().vec(), (std::vector<int64_t>{4, 1, 2, 2}));
  EXPECT_FALSE(grouped->bias.defined());
  {
    NoGradGuard no_grad;
    grouped->weight.copy_((arange(16, kFloat32) * 0.5 - 3.5).reshape({4, 1, 2, 2}));
  }
  // (7 i) mod 11 for i = 0..31.
  const Tensor x2 = tensor({0., 7., 3., 10., 6., 2., 9., 5., 1., 8.,  4., 0., 7., 3., 10., 6.,
                            2., 9., 5., 1.,  8., 4., 0., 7., 3., 10., 6., 2., 9., 5., 1.,  8.})
                        .reshape({1, 2, 4, 4});
  expect_close(grouped(x2),
               tensor({{{{-19.5, -74.5}, {-85.5, -41.5}},
                        {{-3.5, -24.5}, {-21.5, -9.5}},
                        {{22.5, 24.5}, {19.5, 32.5}},
                        {{54.5, 68.5}, {55.5, 80.5}}}}),
               1e-5, 1e-4);
}

TEST(NnLayersTest, Conv2dDefaultInitAndErrors) {
  manual_seed(1);
  nn::Conv2d conv(nn::Conv2dOptions(4, 64, {3, 4}));
  // fan_in = 4 * 3 * 4 = 48: weight and bias lie within 1/sqrt(48).
  const double bound = 1 / std::sqrt(48.0);
  EXPECT_EQ(conv->weight.sizes().vec(), (std::vector<int64_t>{64, 4, 3, 4}));
  EXPECT_LE(conv->weight.abs().max().item<double>(), bound);
  EXPECT_GT(conv->weight.abs().max().item<double>(), 0.95 * bound);
  EXPECT_NEAR(conv->weight.std().item<double>(), bound / std::sqrt(3.0), 0.05 * bound);
  EXPECT_LE(conv->bias.abs().max().item<double>(), bound);
  EXPECT_GT(conv->bias.abs().max().item<double>(), 0.5 * bound);
  EXPECT_EMBER_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)),
                     "in_channels must be divisible by groups");
  EXPECT_EMBER_ERROR(nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2)),
                     "out_channels must be divisible by groups");
  EXPECT_EMBER_ERROR(nn::Conv2d(nn::Conv2dOptions(4, 4, 3).groups(0)),
                     "groups must be a positive integer");
  EXPECT_EMBER_ERROR(nn::Conv2dOptions(1, 1, {1, 2, 3}), "expected 1 or 2 values");
  nn::Conv2d ok(2, 3, 3);
  EXPECT_EMBER_ERROR(ok(ones({1, 5, 4, 4})),
                     "conv2d: Given groups=1, weight of size [3, 2, 3, 3], expected");
}

// padding(kSame) pads dilation * (k - 1) in all, the odd one at the end (PyTorch's rule), so the
// output keeps the input's size; kValid pads nothing.
TEST(NnLayersTest, ConvSameAndValidPadding) {
  manual_seed(0);
  nn::Conv2d same(nn::Conv2dOptions(2, 3, {3, 4}).padding(kSame).dilation({1, 2}));
  Tensor x = randn({1, 2, 5, 7});
  Tensor out = same->forward(x);
  EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{1, 3, 5, 7}));
  // Totals: 1 * (3 - 1) = 2 rows (1 + 1) and 2 * (4 - 1) = 6 columns (3 + 3).
  namespace F = nn::functional;
  Tensor expected = F::conv2d(
      x, same->weight, F::Conv2dFuncOptions().bias(same->bias).padding({1, 3}).dilation({1, 2}));
  expect_close(out, expected, 1e-5, 1e-6);
  // An odd total puts the extra row at the end.
  nn::Conv1d odd(nn::Conv1dOptions(1, 1, 4).padding(kSame).bias(false));
  Tensor seq = randn({1, 1, 6});
  expect_close(odd->forward(seq),
               F::conv1d(F::pad(seq, {1, 2}), odd->weight, F::Conv1dFuncOptions()), 1e-5, 1e-6);
  expect_close(F::conv1d(seq, odd->weight, F::Conv1dFuncOptions().padding(kSame)),
               odd->forward(seq), 1e-6, 1e-7);
  // With a padding mode, the mode fills the same sides.
  nn::Conv1d reflect(nn::Conv1dOptions(1, 1, 4).padding(kSame).padding_mode(kReflect));
  expect_close(reflect->forward(seq),
               F::conv1d(F::pad(seq, {1, 2}, "reflect"), reflect->weight,
                         F::Conv1dFuncOptions().bias(reflect->bias)),
               1e-5, 1e-6);
  nn::Conv2d valid(nn::Conv2dOptions(2, 3, 3).padding(kValid));
  EXPECT_EQ(valid->forward(x).sizes().vec(), (std::vector<int64_t>{1, 3, 3, 5}));
  EXPECT_EQ(repr(*same),
            "Conv2d(2, 3, kernel_size=(3, 4), stride=(1, 1), padding=same, dilation=(1, 2))");
  EXPECT_EQ(repr(*valid), "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
  EXPECT_EMBER_ERROR(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(kSame).stride(2)),
                     "padding='same' is not supported for strided convolutions");
  EXPECT_EMBER_ERROR(F::conv2d(x, same->weight, F::Conv2dFuncOptions().padding(kSame).stride(2)),
                     "conv2d: padding='same' is not supported for strided convolutions");
}

TEST(NnLayersTest, Conv2dGradcheck) {
  manual_seed(2);
  nn::Conv2d conv(nn::Conv2dOptions(2, 4, {2, 3}).stride({1, 2}).padding(1).groups(2));
  expect_gradcheck(*conv, randn({2, 2, 4, 5}));
  nn::Conv2d dilated(nn::Conv2dOptions(1, 2, 2).dilation(2).bias(false));
  expect_gradcheck(*dilated, randn({1, 1, 5, 5}));
}

Tensor pool_input() {
  return tensor({{{{0., 7., 14., 5.}, {12., 3., 10., 1.}, {8., 15., 6., 13.}, {4., 11., 2., 9.}}}});
}

TEST(NnLayersTest, PoolingMatchesPyTorch) {
  expect_close(nn::MaxPool2d(2)(pool_input()), tensor({{{{12., 14.}, {15., 13.}}}}));
  expect_close(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(1).padding(1))(pool_input()),
               tensor({{{{12., 14., 14., 14.},
                         {15., 15., 15., 14.},
                         {15., 15., 15., 13.},
                         {15., 15., 15., 13.}}}}));
  auto [out, idx] = nn::MaxPool2d(2)->forward_with_indices(pool_input());
  EXPECT_EQ(values(idx), (std::vector<double>{4, 2, 9, 11}));
  expect_close(out, tensor({{{{12., 14.}, {15., 13.}}}}));
  expect_close(nn::AvgPool2d(2)(pool_input()), tensor({{{{5.5, 7.5}, {9.5, 7.5}}}}));
  expect_close(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false))(
                   pool_input()),
               tensor({{{{5.5, 6.6666665}, {8.833333, 7.7777777}}}}), 1e-6, 1e-6);
  expect_close(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1))(pool_input()),
               tensor({{{{2.4444444, 4.4444447}, {5.8888888, 7.7777777}}}}), 1e-6, 1e-6);
}

TEST(NnLayersTest, PoolingGradcheck) {
  manual_seed(3);
  // Distinct values keep every window's maximum unique, so the max is differentiable.
  const Tensor x = randperm(50, kFloat64).reshape({2, 1, 5, 5}) * 0.1;
  nn::MaxPool2d max_pool(nn::MaxPool2dOptions({2, 3}).stride(1).padding(1));
  expect_gradcheck(*max_pool, x);
  nn::AvgPool2d avg_pool(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
  expect_gradcheck(*avg_pool, x);
}

TEST(NnLayersTest, EmbeddingLooksUpRowsAndSkipsThePaddingRow) {
  manual_seed(4);
  nn::Embedding emb(nn::EmbeddingOptions(4, 3).padding_idx(-1));
  EXPECT_EQ(emb->options.padding_idx(), 3);
  EXPECT_EQ(values(emb->weight[3]), std::vector<double>(3, 0.0));
  {
    NoGradGuard no_grad;
    emb->weight.copy_(arange(12, kFloat32).reshape({4, 3}) * 0.5);
  }
  const Tensor idx = tensor({{0, 2}, {3, 0}});
  Tensor out = emb(idx);
  expect_close(out, tensor({{{0., 0.5, 1.}, {3., 3.5, 4.}}, {{4.5, 5., 5.5}, {0., 0.5, 1.}}}));
  out.sum().backward();
  // Row 0 was used twice, row 2 once, the padding row gets no gradient.
  expect_close(emb->weight.grad(),
               tensor({{2., 2., 2.}, {0., 0., 0.}, {1., 1., 1.}, {0., 0., 0.}}));
  EXPECT_EMBER_ERROR(nn::Embedding(nn::EmbeddingOptions(4, 3).padding_idx(4)),
                     "padding_idx must be within num_embeddings");
  EXPECT_EMBER_ERROR(emb(tensor({4})),
                     "embedding: index 4 is out of range for weight of shape [4, 3] (index");
}

TEST(NnLayersTest, EmbeddingInitIsStandardNormal) {
  manual_seed(5);
  nn::Embedding emb(1000, 20);
  EXPECT_NEAR(emb->weight.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(emb->weight.std().item<double>(), 1.0, 0.02);
  nn::Embedding small(6, 2);
  small->to(kFloat64);
  const Tensor idx = tensor({{1, 5}, {5, 0}});
  auto fn = [&](const autograd::variable_list& in) {
    return autograd::variable_list{small(idx) * 1.0};
  };
  EXPECT_TRUE(autograd::gradcheck(fn, {small->weight}));
}

TEST(NnLayersTest, LayerNormMatchesPyTorch) {
  nn::LayerNorm ln(nn::LayerNormOptions({3}));
  expect_close(ln->weight, ones({3}));
  expect_close(ln->bias, zeros({3}));
  {
    NoGradGuard no_grad;
    ln->weight.copy_(tensor({1., 2., 3.}));
    ln->bias.copy_(tensor({0.1, 0.2, 0.3}));
  }
  const Tensor x = tensor({{1., 2., 4.}, {-1., 0., 3.}});
  expect_close(ln(x),
               tensor({{-0.9690413, -0.3345206, 4.3089056}, {-0.8805789, -0.5844631, 4.4184318}}),
               1e-5, 1e-6);
  nn::LayerNorm plain(nn::LayerNormOptions({2, 3}).elementwise_affine(false));
  EXPECT_TRUE(plain->parameters().empty());
  expect_close(plain(x),
               tensor({{-0.2927695, 0.2927696, 1.4638476}, {-1.4638476, -0.8783085, 0.8783086}}),
               1e-5, 1e-6);
  EXPECT_EMBER_ERROR(ln(ones({2, 4})),
                     "layer_norm: Given normalized_shape=[3], expected input with shape [*,");
  manual_seed(6);
  {
    NoGradGuard no_grad;
    ln->weight.copy_(randn({3}));
    ln->bias.copy_(randn({3}));
  }
  expect_gradcheck(*ln, randn({2, 4, 3}));
}

Tensor bn_x1() { return tensor({{1., 2., 3.}, {4., 0., -1.}, {2., 2., 2.}, {-1., 5., 0.}}); }
Tensor bn_x2() { return tensor({{0., 1., 1.}, {2., 3., -2.}, {1., -1., 4.}, {3., 0., 0.}}); }

TEST(NnLayersTest, BatchNorm1dTrainsOnBatchStatsAndEvaluatesOnRunningStats) {
  nn::BatchNorm1d bn(3);
  expect_close(bn->running_mean, zeros({3}));
  expect_close(bn->running_var, ones({3}));
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  {
    NoGradGuard no_grad;
    bn->weight.copy_(tensor({1., 2., 0.5}));
    bn->bias.copy_(tensor({0., 1., -1.}));
  }
  expect_close(bn(bn_x1()),
               tensor({{-0.2773497, 0.7199445, -0.3675458},
                       {1.3867484, -1.5205002, -1.6324544},
                       {0.2773497, 0.7199445, -0.6837729},
                       {-1.3867483, 4.0806112, -1.3162272}}),
               1e-5, 1e-5);
  bn(bn_x2());
  expect_close(bn->running_mean, tensor({0.285, 0.2775, 0.165}), 1e-5, 1e-6);
  expect_close(bn->running_var, tensor({1.3666667, 1.4841665, 1.735}), 1e-5, 1e-6);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  bn->eval();
  expect_close(bn(bn_x1()),
               tensor({{0.611608, 3.8277855, 0.0761482},
                       {3.1777954, 0.5444351, -1.4422266},
                       {1.4670038, 3.8277855, -0.3034455},
                       {-1.0991836, 8.7528105, -1.0626329}}),
               1e-5, 1e-5);
  // Evaluation leaves the running statistics alone.
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  expect_close(bn->running_mean, tensor({0.285, 0.2775, 0.165}), 1e-5, 1e-6);
  bn->reset_running_stats();
  expect_close(bn->running_var, ones({3}));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
}

TEST(NnLayersTest, BatchNormMomentumNoneAndUntrackedStats) {
  nn::BatchNorm1d cumulative(nn::BatchNormOptions(3).momentum(std::nullopt));
  cumulative(bn_x1());
  cumulative(bn_x2());
  // A cumulative average of the two batches' statistics.
  expect_close(cumulative->running_mean, tensor({1.5, 1.5, 0.875}), 1e-6, 1e-6);
  expect_close(cumulative->running_var, tensor({3.0, 3.5833335, 4.7916665}), 1e-6, 1e-6);

  nn::BatchNorm1d untracked(nn::BatchNormOptions(3).affine(false).track_running_stats(false));
  EXPECT_TRUE(untracked->parameters().empty());
  EXPECT_TRUE(untracked->state_dict().empty());
  untracked->eval();
  // Without running statistics even evaluation normalizes with the batch's.
  expect_close(untracked(bn_x1()),
               tensor({{-0.2773497, -0.1400278, 1.2649086},
                       {1.3867484, -1.2602501, -1.2649086},
                       {0.2773497, -0.1400278, 0.6324543},
                       {-1.3867483, 1.5403057, -0.6324543}}),
               1e-5, 1e-5);
  EXPECT_EMBER_ERROR(untracked(ones({1, 3, 2, 2})), "expected 2D or 3D input (got 4D input)");
}

TEST(NnLayersTest, BatchNorm2dMatchesPyTorch) {
  nn::BatchNorm2d bn(2);
  const Tensor x = tensor({-3., 2., 0., -2., 3., 1., -1., -3., 2., 0., -2., 3., 1., -1., -3., 2.})
                       .reshape({2, 2, 2, 2});
  expect_close(bn(x),
               tensor({{{{-1.455212, 0.9701414}, {0.0, -0.9701414}},
                        {{1.4967091, 0.5388153}, {-0.4190786, -1.3769724}}},
                       {{{0.9701414, 0.0}, {-0.9701414, 1.455212}},
                        {{0.5388153, -0.4190786}, {-1.3769724, 1.0177622}}}}),
               1e-5, 1e-5);
  expect_close(bn->running_mean, tensor({0.0, -0.0125}), 1e-6, 1e-6);
  expect_close(bn->running_var, tensor({1.3857143, 1.3982142}), 1e-6, 1e-6);
  bn->eval();
  expect_close(bn(x),
               tensor({{{{-2.5484896, 1.698993}, {0.0, -1.698993}},
                        {{2.5476434, 0.8562619}, {-0.8351197, -2.5265012}}},
                       {{{1.698993, 0.0}, {-1.698993, 2.5484896}},
                        {{0.8562619, -0.8351197}, {-2.5265012, 1.7019527}}}}),
               1e-5, 1e-5);
  EXPECT_EMBER_ERROR(bn(ones({2, 2, 2})), "expected 4D input (got 3D input)");
}

TEST(NnLayersTest, BatchNormGradcheckInTrainingAndEval) {
  manual_seed(7);
  nn::BatchNorm2d bn(3);
  {
    NoGradGuard no_grad;
    bn->weight.copy_(randn({3}));
    bn->bias.copy_(randn({3}));
  }
  const Tensor x = randn({2, 3, 2, 2});
  expect_gradcheck(*bn, x);
  bn->eval();
  expect_gradcheck(*bn, x);
  nn::BatchNorm1d bn1(4);
  expect_gradcheck(*bn1, randn({3, 4, 2}));
}

TEST(NnLayersTest, DropoutZeroesAndScalesInTrainingOnly) {
  manual_seed(8);
  nn::Dropout drop(0.25);
  const Tensor x = ones({100, 100});
  const auto v = values(drop(x));
  int64_t zeros_seen = 0;
  for (double e : v) {
    if (e == 0) {
      ++zeros_seen;
    } else {
      EXPECT_NEAR(e, 1 / 0.75, 1e-6);
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / 10000, 0.25, 0.02);
  drop->eval();
  EXPECT_FALSE(drop->is_training());
  EXPECT_TRUE(drop(x).equal(x));
  drop->train();
  expect_close(nn::Dropout(0.0)(x), x);
  expect_close(nn::Dropout(1.0)(x), zeros({100, 100}));
  EXPECT_EMBER_ERROR(nn::Dropout(1.5),
                     "dropout probability has to be between 0 and 1, but got 1.5");
  // Gradients flow through the kept elements with the same scale.
  Tensor leaf = ones({50}, requires_grad());
  Tensor out = nn::Dropout(0.5)(leaf);
  out.sum().backward();
  expect_close(leaf.grad(), out.detach());
}

TEST(NnLayersTest, LayersWorkInSequentialAndTrainEvalPropagates) {
  manual_seed(9);
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::BatchNorm2d(4),
                     nn::ReLU(), nn::MaxPool2d(2), nn::Dropout(0.25), nn::Flatten(),
                     nn::Linear(16, 3), nn::LogSoftmax(1));
  Tensor out = net(randn({2, 1, 4, 4}));
  EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, 3}));
  expect_close(out.exp().sum(1), ones({2}), 1e-5, 1e-5);
  out.sum().backward();
  for (const Tensor& p : net->parameters()) EXPECT_TRUE(p.grad().defined());
  net->eval();
  for (const auto& m : net->modules()) EXPECT_FALSE(m->is_training());
  EXPECT_EQ(
      net->named_parameters().keys(),
      (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "6.weight", "6.bias"}));
  EXPECT_EQ(net->named_buffers().keys(),
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));
}

TEST(NnLayersTest, StateDictKeysMatchPyTorch) {
  using Keys = std::vector<std::string>;
  EXPECT_EQ(nn::BatchNorm1d(3)->state_dict().keys(),
            (Keys{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(nn::BatchNorm2d(3)->named_parameters().keys(), (Keys{"weight", "bias"}));
  EXPECT_EQ(nn::LayerNorm(nn::LayerNormOptions({3}))->state_dict().keys(),
            (Keys{"weight", "bias"}));
  EXPECT_EQ(nn::Embedding(2, 3)->state_dict().keys(), (Keys{"weight"}));
  EXPECT_EQ(nn::Conv2d(1, 2, 3)->state_dict().keys(), (Keys{"weight", "bias"}));
  EXPECT_TRUE(nn::ReLU()->state_dict().empty());
  EXPECT_TRUE(nn::MaxPool2d(2)->state_dict().empty());
  // Round trip: another BatchNorm takes the trained statistics.
  nn::BatchNorm1d a(3), b(3);
  a(bn_x1());
  b->load_state_dict(a->state_dict());
  expect_close(b->running_mean, a->running_mean);
  EXPECT_EQ(b->num_batches_tracked.item<int64_t>(), 1);
  // to(kFloat64) converts the statistics but leaves the batch counter an int64.
  a->to(kFloat64);
  EXPECT_EQ(a->running_var.dtype(), kFloat64);
  EXPECT_EQ(a->num_batches_tracked.dtype(), kInt64);
}

TEST(NnLayersTest, PrintsAsPyTorch) {
  EXPECT_EQ(repr(*nn::ReLU()), "ReLU()");
  EXPECT_EQ(repr(*nn::ReLU(nn::ReLUOptions().inplace(true))), "ReLU(inplace=True)");
  EXPECT_EQ(repr(*nn::LeakyReLU()), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(repr(*nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true))),
            "LeakyReLU(negative_slope=0.2, inplace=True)");
  EXPECT_EQ(repr(*nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(1))),
            "LeakyReLU(negative_slope=1.0)");
  EXPECT_EQ(repr(*nn::Sigmoid()), "Sigmoid()");
  EXPECT_EQ(repr(*nn::Tanh()), "Tanh()");
  EXPECT_EQ(repr(*nn::GELU()), "GELU(approximate='none')");
  EXPECT_EQ(repr(*nn::GELU(nn::GELUOptions().approximate("tanh"))), "GELU(approximate='tanh')");
  EXPECT_EQ(repr(*nn::Softmax(1)), "Softmax(dim=1)");
  EXPECT_EQ(repr(*nn::LogSoftmax(-1)), "LogSoftmax(dim=-1)");
  EXPECT_EQ(repr(*nn::Dropout()), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(repr(*nn::Dropout(nn::DropoutOptions(0.1).inplace(true))),
            "Dropout(p=0.1, inplace=True)");
  EXPECT_EQ(repr(*nn::Embedding(10, 3)), "Embedding(10, 3)");
  EXPECT_EQ(repr(*nn::Embedding(nn::EmbeddingOptions(10, 3).padding_idx(0))),
            "Embedding(10, 3, padding_idx=0)");
  EXPECT_EQ(repr(*nn::LayerNorm(nn::LayerNormOptions({4}))),
            "LayerNorm((4,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(repr(*nn::LayerNorm(nn::LayerNormOptions({2, 3}).eps(1e-6).elementwise_affine(false))),
            "LayerNorm((2, 3), eps=1e-06, elementwise_affine=False)");
  EXPECT_EQ(repr(*nn::BatchNorm1d(3)),
            "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(repr(*nn::BatchNorm2d(
                nn::BatchNormOptions(3).eps(1e-3).momentum(0.2).affine(false).track_running_stats(
                    false))),
            "BatchNorm2d(3, eps=0.001, momentum=0.2, affine=False, track_running_stats=False)");
  EXPECT_EQ(repr(*nn::BatchNorm2d(nn::BatchNormOptions(3).momentum(std::nullopt))),
            "BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  EXPECT_EQ(repr(*nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1))),
            "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  EXPECT_EQ(repr(*nn::Conv2d(1, 32, 3)), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))");
  EXPECT_EQ(repr(*nn::Conv2d(nn::Conv2dOptions(2, 4, {3, 5})
                                 .stride(2)
                                 .padding({1, 2})
                                 .dilation(2)
                                 .groups(2)
                                 .bias(false))),
            "Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), "
            "groups=2, bias=False)");
  EXPECT_EQ(repr(*nn::MaxPool2d(2)),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(repr(*nn::MaxPool2d(
                nn::MaxPool2dOptions({2, 3}).stride(1).padding(1).dilation(2).ceil_mode(true))),
            "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)");
  EXPECT_EQ(repr(*nn::AvgPool2d(2)), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(repr(*nn::AvgPool2d(nn::AvgPool2dOptions({2, 3}).stride({1, 2}).padding(1))),
            "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=1)");

  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(),
                     nn::MaxPool2d(2), nn::BatchNorm2d(32), nn::Dropout(0.25), nn::Flatten(),
                     nn::Linear(10, 2), nn::LogSoftmax(1));
  EXPECT_EQ(repr(*net),
            "Sequential(\n"
            "  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): ReLU()\n"
            "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
            "  (3): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, "
            "track_running_stats=True)\n"
            "  (4): Dropout(p=0.25, inplace=False)\n"
            "  (5): Flatten(start_dim=1, end_dim=-1)\n"
            "  (6): Linear(in_features=10, out_features=2, bias=True)\n"
            "  (7): LogSoftmax(dim=1)\n"
            ")");
}

}  // namespace
}  // namespace ember
