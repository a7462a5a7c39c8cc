// InstanceNorm, BatchNorm3d, RMSNorm, LocalResponseNorm, PReLU, Identity, Bilinear and EmbeddingBag
// in LibTorch's spelling: shapes, wiring to nn::functional (whose values and derivatives are
// checked against torch from tests/python/test_norm_and_bag_layers.py and by the gradcheck table),
// reprs as torch prints them, and errors.
#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {

using testing::expect_close;
using testing::repr;
namespace F = nn::functional;

TEST(NormAndBagLayers, InstanceNormNormalizesEachSampleAndTracksStatistics) {
  nn::InstanceNorm2d norm(nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true));
  Tensor x = randn({2, 3, 4, 5}) * 3 + 1;
  Tensor y = norm(x);
  expect_close(y.mean({2, 3}), zeros({2, 3}), 1e-5, 1e-5);
  // The running mean moved a tenth of the way to the batch's mean of sample means.
  expect_close(norm->running_mean, x.mean({0, 2, 3}) * 0.1, 1e-5, 1e-6);
  norm->eval();
  expect_close(norm(x), F::instance_norm(x, norm->running_mean, norm->running_var, norm->weight,
                                         norm->bias, false));
  nn::InstanceNorm1d plain(3);
  EXPECT_FALSE(plain->weight.defined());
  EXPECT_EQ(plain(randn({3, 6})).sizes(), IntArrayRef({3, 6}));
  EXPECT_EQ(repr(*plain),
            "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  EXPECT_EMBER_ERROR(plain(randn({2, 3, 4, 5})), "InstanceNorm1d: expected 2D or 3D input");
  EXPECT_EMBER_ERROR(F::instance_norm(randn({2, 3, 4}), {}, {}, ones({2})),
                     "instance_norm: weight should contain 3 elements not 2");
  nn::BatchNorm3d batch(2);
  EXPECT_EQ(batch(randn({2, 2, 3, 3, 2})).sizes(), IntArrayRef({2, 2, 3, 3, 2}));
  EXPECT_EMBER_ERROR(batch(randn({2, 2, 3})), "BatchNorm3d: expected 5D input");
}

TEST(NormAndBagLayers, CrossMapLRN2dKeepsTorchsWindow) {
  // size 1: torch's running sum never drops channel 0 (Note [CrossMapLRN2d's window]), so
  // channel c > 0 divides by 1 + x0^2 + xc^2; these are torch 1.13's values.
  nn::CrossMapLRN2d lrn(nn::CrossMapLRN2dOptions(1).alpha(1).beta(1).k(1));
  expect_close(lrn(tensor({1.0, 2.0, 3.0, 4.0}).reshape({1, 4, 1, 1})).reshape({-1}),
               tensor({0.5, 1.0 / 3, 3.0 / 11, 2.0 / 9}));
  EXPECT_EQ(repr(*nn::CrossMapLRN2d(3)), "CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)");
  EXPECT_EMBER_ERROR(lrn(randn({2, 3, 4})), "CrossMapLRN2d: expected 4D input");
  nn::CrossMapLRN2d wide(nn::CrossMapLRN2dOptions(3).alpha(0.5).beta(0.7));
  auto fn = [&](const autograd::variable_list& v) { return autograd::variable_list{wide(v[0])}; };
  const autograd::variable_list x{randn({1, 6, 2, 2}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(fn, x));
  EXPECT_TRUE(autograd::gradgradcheck(fn, x));
}

TEST(NormAndBagLayers, LocalResponseNormPReLUAndBilinear) {
  Tensor x = randn({2, 4, 3});
  // A window of one channel: x / (k + alpha x^2)^beta.
  expect_close(nn::LocalResponseNorm(nn::LocalResponseNormOptions(1).alpha(0.5).k(2))(x),
               x / (x * x * 0.5 + 2).pow(0.75));
  EXPECT_EQ(repr(*nn::LocalResponseNorm(2)),
            "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)");
  nn::PReLU prelu(nn::PReLUOptions().num_parameters(4).init(0.1));
  expect_close(prelu(x), where(x > 0, x, x * 0.1));
  EXPECT_EQ(repr(*prelu), "PReLU(num_parameters=4)");
  nn::Bilinear bilinear(2, 3, 4);
  Tensor a = randn({5, 2}), b = randn({5, 3});
  expect_close(bilinear->forward(a, b),
               einsum("bi,oij,bj->bo", {a, bilinear->weight, b}) + bilinear->bias, 1e-5, 1e-5);
  EXPECT_EQ(repr(*bilinear), "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)");
  EXPECT_EMBER_ERROR(bilinear->forward(randn({5, 3}), b), "bilinear: expected input1 [..., 2]");
  nn::Identity identity;
  EXPECT_TRUE(identity(x).is_same(x));
}

TEST(NormAndBagLayers, EmbeddingBagReducesBags) {
  nn::EmbeddingBag bag(nn::EmbeddingBagOptions(10, 3).mode(kSum));
  const Tensor indices = tensor({1, 2, 4, 5, 4, 3}, TensorOptions(kInt64));
  const Tensor offsets = tensor({0, 2}, TensorOptions(kInt64));
  const Tensor rows = bag->weight.index_select(0, indices);
  expect_close(bag->forward(indices, offsets),
               stack({rows.narrow(0, 0, 2).sum({0}), rows.narrow(0, 2, 4).sum({0})}));
  nn::EmbeddingBag maxima(nn::EmbeddingBagOptions(10, 3).mode(kMax).padding_idx(4));
  // The second bag's 4s are padding: only its 5 and 3 (positions 3 and 5) count.
  const Tensor max_rows = maxima->weight.index_select(0, indices);
  expect_close(maxima->forward(indices, offsets),
               stack({max_rows.narrow(0, 0, 2).amax({0}),
                      max_rows.index_select(0, tensor({3, 5}, TensorOptions(kInt64))).amax({0})}));
  EXPECT_EQ(repr(*maxima), "EmbeddingBag(10, 3, mode=max, padding_idx=4)");
  nn::EmbeddingBag renormed(nn::EmbeddingBagOptions(10, 3).max_norm(0.5));
  renormed->forward(indices, offsets);
  EXPECT_LE(renormed->weight.index_select(0, indices).norm(2, {1}).max().item<double>(),
            0.5 + 1e-6);
  EXPECT_EMBER_ERROR(F::embedding_bag(indices, bag->weight, tensor({1}, TensorOptions(kInt64))),
                     "embedding_bag: offsets[0] has to be 0");
  EXPECT_EMBER_ERROR(
      F::embedding_bag(indices, bag->weight, offsets, F::EmbeddingBagMode::Max, ones({6})),
      "per_sample_weights is only supported for mode='sum'");
}

TEST(NormAndBagLayers, RMSNormDividesByTheRootMeanSquare) {
  const Tensor x = randn({2, 3, 4}, TensorOptions(kFloat64));
  nn::RMSNorm norm(nn::RMSNormOptions({3, 4}).eps(1e-3));
  {
    NoGradGuard no_grad;
    norm->weight.copy_(arange(12, kFloat64).reshape({3, 4}));
  }
  const Tensor rms = (x * x).mean({1, 2}, true).add(1e-3).sqrt();
  expect_close(norm(x), x / rms * norm->weight, 1e-12, 1e-12);
  // Without eps, the dtype's machine epsilon (torch's default).
  const Tensor tiny = full({1, 2}, 1e-9);
  expect_close(F::rms_norm(tiny, {2}), tiny / (tiny * tiny + 1.1920928955078125e-07).sqrt());
  expect_close(F::rms_norm(x, F::RMSNormFuncOptions({4})),
               x / ((x * x).mean({2}, true) + 2.220446049250313e-16).sqrt(), 1e-12, 1e-12);
  EXPECT_EQ(repr(*norm), "RMSNorm((3, 4), eps=0.001, elementwise_affine=True)");
  nn::RMSNorm plain(std::vector<int64_t>{4});
  EXPECT_EQ(repr(*plain), "RMSNorm((4,), eps=None, elementwise_affine=True)");
  EXPECT_FALSE(nn::RMSNorm(nn::RMSNormOptions({4}).elementwise_affine(false))->weight.defined());
  EXPECT_EMBER_ERROR(plain(randn({2, 3})),
                     "rms_norm: Given normalized_shape=[4], expected input with shape [*, 4], but "
                     "got input of size[2, 3]");
  EXPECT_EMBER_ERROR(F::rms_norm(randn({2, 4}), {4}, ones({3})),
                     "rms_norm: Expected weight to be of same shape as normalized_shape");
  const autograd::TensorFunction fn = [](const autograd::variable_list& in) {
    return autograd::variable_list{F::rms_norm(in[0], {3, 4}, in[1], 0.1)};
  };
  const autograd::variable_list inputs{x.detach().requires_grad_(),
                                       randn({3, 4}, TensorOptions(kFloat64)).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
}

TEST(NormAndBagLayers, EmbeddingFromPretrainedAndLookupOptions) {
  const Tensor table = arange(12, kFloat32).reshape({4, 3});
  nn::Embedding frozen = nn::Embedding::from_pretrained(table);
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(frozen->weight.data_ptr(), table.data_ptr());  // shares the table, as torch's
  expect_close(frozen(tensor({2, 0}, kInt64)), tensor({{6.f, 7.f, 8.f}, {0.f, 1.f, 2.f}}));
  nn::Embedding trained = nn::Embedding::from_pretrained(
      table.clone(), nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(1));
  EXPECT_TRUE(trained->weight.requires_grad());
  const Tensor indices = tensor({1, 2, 2, 3}, kInt64);
  trained(indices).sum().backward();
  // The padding row gets no gradient; row 2 is looked up twice.
  expect_close(trained->weight.grad().sum(1), tensor({0.f, 0.f, 6.f, 3.f}));
  // scale_grad_by_freq divides each row's gradient by its count in the lookup.
  nn::Embedding scaled(nn::EmbeddingOptions(4, 3).scale_grad_by_freq(true));
  scaled(indices).sum().backward();
  expect_close(scaled->weight.grad().sum(1), tensor({0.f, 3.f, 3.f, 3.f}));
  // max_norm rescales, in place, the rows a lookup picks whose norm exceeds it.
  nn::Embedding capped = nn::Embedding::from_pretrained(
      table.clone(), nn::EmbeddingFromPretrainedOptions().max_norm(1.0).norm_type(2.0));
  const Tensor rows = capped(tensor({3}, kInt64));
  expect_close(rows.norm(), tensor(1.f), 1e-5, 1e-6);
  expect_close(capped->weight[3].norm(), tensor(1.f), 1e-5, 1e-6);
  expect_close(capped->weight[0], table[0]);  // not looked up: unchanged
  EXPECT_EQ(
      repr(*nn::Embedding(
          nn::EmbeddingOptions(10, 3).padding_idx(0).max_norm(1).norm_type(3).scale_grad_by_freq(
              true))),
      "Embedding(10, 3, padding_idx=0, max_norm=1.0, norm_type=3.0, "
      "scale_grad_by_freq=True)");
  nn::EmbeddingBag bag =
      nn::EmbeddingBag::from_pretrained(table, nn::EmbeddingBagFromPretrainedOptions().mode(kSum));
  expect_close(bag(tensor({{0, 1}}, kInt64)), tensor({{3.f, 5.f, 7.f}}));
  EXPECT_EQ(repr(*bag), "EmbeddingBag(4, 3, mode=sum)");
  EXPECT_EMBER_ERROR(nn::Embedding::from_pretrained(zeros({4})),
                     "Embedding::from_pretrained: Embeddings parameter is expected to be "
                     "2-dimensional, but got shape [4]");
  EXPECT_EMBER_ERROR(nn::Embedding(nn::EmbeddingOptions(4, 3)._weight(zeros({4, 2}))),
                     "Embedding: Shape of weight [4, 2] does not match num_embeddings and "
                     "embedding_dim (4, 3)");
  EXPECT_EMBER_ERROR(nn::Embedding(nn::EmbeddingOptions(4, 3).sparse(true)),
                     "sparse gradients are not supported");
  EXPECT_EMBER_ERROR(F::embedding(indices, table, F::EmbeddingFuncOptions().sparse(true)),
                     "embedding: sparse gradients are not supported");
}

}  // namespace
}  // namespace ember
