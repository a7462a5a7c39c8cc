// LibTorch's options spelling of the functional API: each form, given non-default options,
// must equal the positional form given the same values.
#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

TEST(FunctionalOptions, ActivationsTakeTheirOptions) {
  Tensor x = randn({4, 6}, TensorOptions(kFloat64));
  expect_close(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)),
               F::leaky_relu(x, 0.2));
  expect_close(F::gelu(x, F::GELUFuncOptions().approximate("tanh")), F::gelu(x, "tanh"));
  expect_close(F::elu(x, F::ELUFuncOptions().alpha(0.7)), F::elu(x, 0.7));
  expect_close(F::celu(x, F::CELUFuncOptions().alpha(0.3)), F::celu(x, 0.3));
  expect_close(F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(1)), F::softplus(x, 2, 1));
  expect_close(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.5).max_val(0.25)),
               F::hardtanh(x, -0.5, 0.25));
  expect_close(F::threshold(x, F::ThresholdFuncOptions(0.1, 20)), F::threshold(x, 0.1, 20));
  expect_close(F::glu(x, F::GLUFuncOptions(0)), F::glu(x, 0));
  expect_close(F::softmax(x, F::SoftmaxFuncOptions(0)), F::softmax(x, 0));
  EXPECT_EQ(F::log_softmax(x, F::LogSoftmaxFuncOptions(1).dtype(kFloat32)).dtype(), kFloat32);
  expect_close(F::log_softmax(x, F::LogSoftmaxFuncOptions(0)), F::log_softmax(x, 0));

  Tensor y = x.clone();
  F::relu(y, F::ReLUFuncOptions().inplace(true));
  expect_close(y, F::relu(x));
  Tensor z = x.clone();
  F::leaky_relu(z, F::LeakyReLUFuncOptions().negative_slope(0.1).inplace(true));
  expect_close(z, F::leaky_relu(x, 0.1));
  Tensor w = x.clone();
  F::relu6(w, F::ReLU6FuncOptions(true));
  expect_close(w, F::relu6(x));
  Tensor v = x.clone();
  F::selu(v, F::SELUFuncOptions(true));
  expect_close(v, F::selu(x));
}

TEST(FunctionalOptions, LayersTakeTheirOptions) {
  Tensor x = randn({2, 3, 6, 6}, TensorOptions(kFloat64));
  Tensor weight = randn({4, 3, 3, 3}, TensorOptions(kFloat64));
  Tensor bias = randn({4}, TensorOptions(kFloat64));
  expect_close(F::conv2d(x, weight, F::Conv2dFuncOptions().bias(bias).stride(2).padding(1)),
               conv2d(x, weight, bias, {2, 2}, {1, 1}));
  expect_close(F::conv2d(x, weight), conv2d(x, weight));
  Tensor up = randn({3, 2, 2, 2}, TensorOptions(kFloat64));
  expect_close(F::conv_transpose2d(
                   x, up, F::ConvTranspose2dFuncOptions().stride(2).output_padding(1).padding(1)),
               conv_transpose2d(x, up, {}, {2, 2}, {1, 1}, {1, 1}));
  expect_close(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1)),
               max_pool2d(x, {3, 3}, {2, 2}, {1, 1}));
  expect_close(std::get<1>(F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2))),
               std::get<1>(max_pool2d_with_indices(x, {2, 2})));
  expect_close(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).count_include_pad(false).padding(1)),
               avg_pool2d(x, {2, 2}, {}, {1, 1}, false, false));
  expect_close(F::pad(x, F::PadFuncOptions({1, 2, 0, 1}).mode(kReflect)),
               F::pad(x, {1, 2, 0, 1}, "reflect"));
  expect_close(F::pad(x, F::PadFuncOptions({1, 1}).value(3)), F::pad(x, {1, 1}, "constant", 3));
  expect_close(F::normalize(x, F::NormalizeFuncOptions().p(1).dim(2)), F::normalize(x, 1, 2));
  expect_close(F::layer_norm(x, F::LayerNormFuncOptions({6}).eps(1e-3)),
               F::layer_norm(x, {6}, {}, {}, 1e-3));

  Tensor mean = zeros({3}, TensorOptions(kFloat64)), var = ones({3}, TensorOptions(kFloat64));
  Tensor mean2 = mean.clone(), var2 = var.clone();
  expect_close(F::batch_norm(x, mean, var, F::BatchNormFuncOptions().training(true).momentum(0.3)),
               F::batch_norm(x, mean2, var2, {}, {}, true, 0.3));
  expect_close(mean, mean2);

  Tensor table = randn({5, 2}, TensorOptions(kFloat64));
  Tensor idx = tensor({0, 3, 3}, TensorOptions(kInt64));
  expect_close(F::embedding(idx, table, F::EmbeddingFuncOptions().padding_idx(3)),
               F::embedding(idx, table, 3));

  manual_seed(5);
  Tensor a = F::dropout(x, F::DropoutFuncOptions().p(0.3));
  manual_seed(5);
  expect_close(a, F::dropout(x, 0.3));
  expect_close(F::dropout(x, F::DropoutFuncOptions().p(0.9).training(false)), x);

  Tensor u = randn({4, 5}, TensorOptions(kFloat64)), t = randn({4, 5}, TensorOptions(kFloat64));
  expect_close(F::cosine_similarity(u, t, F::CosineSimilarityFuncOptions().dim(0)),
               F::cosine_similarity(u, t, 0));
  expect_close(F::pairwise_distance(u, t, F::PairwiseDistanceFuncOptions().p(1).keepdim(true)),
               F::pairwise_distance(u, t, 1, 1e-6, true));
}

TEST(FunctionalOptions, LossesTakeTheirOptions) {
  const TensorOptions f64(kFloat64);
  Tensor x = randn({4, 3}, f64), y = randn({4, 3}, f64);
  expect_close(F::mse_loss(x, y, F::MSELossFuncOptions(kSum)), F::mse_loss(x, y, kSum));
  expect_close(F::mse_loss(x, y, F::MSELossFuncOptions().reduction(kNone)),
               F::mse_loss(x, y, kNone));
  expect_close(F::l1_loss(x, y, F::L1LossFuncOptions(kSum)), F::l1_loss(x, y, kSum));
  expect_close(F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(0.5)),
               F::smooth_l1_loss(x, y, kMean, 0.5));
  expect_close(F::huber_loss(x, y, F::HuberLossFuncOptions().delta(0.5).reduction(kSum)),
               F::huber_loss(x, y, kSum, 0.5));
  Tensor logp = F::log_softmax(x, 1);
  Tensor p = F::softmax(y, 1);
  expect_close(F::kl_div(logp, p, F::KLDivFuncOptions(kBatchMean)), F::kl_div(logp, p, kBatchMean));
  expect_close(F::kl_div(logp, p.log(), F::KLDivFuncOptions().log_target(true)),
               F::kl_div(logp, p.log(), kMean, true));

  Tensor target = tensor({0, 2, 1, 2}, TensorOptions(kInt64));
  Tensor w = tensor({1.0, 2.0, 0.5}, f64);
  expect_close(F::nll_loss(logp, target, F::NLLLossFuncOptions().weight(w).ignore_index(1)),
               F::nll_loss(logp, target, kMean, 1, w));
  expect_close(
      F::cross_entropy(x, target,
                       F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.1).reduction(kSum)),
      F::cross_entropy(x, target, kSum, -100, 0.1, w));

  Tensor prob = x.sigmoid(), label = y.gt(0).to(kFloat64);
  expect_close(F::binary_cross_entropy(prob, label, F::BinaryCrossEntropyFuncOptions().weight(w)),
               F::binary_cross_entropy(prob, label, w));
  expect_close(F::binary_cross_entropy_with_logits(
                   x, label, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(w)),
               F::binary_cross_entropy_with_logits(x, label, {}, kMean, w));
}

}  // namespace
}  // namespace ember
