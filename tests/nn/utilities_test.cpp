// one_hot, pad, the distance functions and modules, and Unflatten: values from torch 1.13,
// gradchecks, and the error cases.
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

using testing::repr;

TEST(NnUtilities, OneHot) {
  const Tensor hot = F::one_hot(tensor({2, 0, 1}));
  EXPECT_EQ(hot.dtype(), kInt64);
  expect_close(hot, tensor({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}));
  EXPECT_EQ(F::one_hot(tensor({0, 3}), 5).sizes().vec(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(F::one_hot(zeros({0}, kInt64), 4).sizes().vec(), (std::vector<int64_t>{0, 4}));
  EXPECT_EMBER_ERROR(F::one_hot(tensor({0, 3}), 3),
                     "Class values must be smaller than num_classes.");
  EXPECT_EMBER_ERROR(F::one_hot(tensor({0, -1}), 3), "Class values must be non-negative.");
  EXPECT_EMBER_ERROR(F::one_hot(tensor({0.0, 1.0}), 3), "only applicable to index tensor");
  EXPECT_EMBER_ERROR(F::one_hot(zeros({0}, kInt64)), "Can not infer total number of classes");
}

TEST(NnUtilities, PadModes) {
  const Tensor x = arange(6.0).reshape({1, 2, 3});
  expect_close(F::pad(x, {2, 1}, "reflect"),
               tensor({{{2.0, 1.0, 0.0, 1.0, 2.0, 1.0}, {5.0, 4.0, 3.0, 4.0, 5.0, 4.0}}}));
  expect_close(F::pad(x, {2, 1}, "circular"),
               tensor({{{1.0, 2.0, 0.0, 1.0, 2.0, 0.0}, {4.0, 5.0, 3.0, 4.0, 5.0, 3.0}}}));
  expect_close(F::pad(x.unsqueeze(0), {1, 0, 0, 2}, "replicate"),
               tensor({{{{0.0, 0.0, 1.0, 2.0},
                         {3.0, 3.0, 4.0, 5.0},
                         {3.0, 3.0, 4.0, 5.0},
                         {3.0, 3.0, 4.0, 5.0}}}}));
  expect_close(F::pad(x, {1, -1}, "constant", 7.0), tensor({{{7.0, 0.0, 1.0}, {7.0, 3.0, 4.0}}}));
  expect_close(F::pad(x, {0, 0, 1, 0}),
               tensor({{{0.0, 0.0, 0.0}, {0.0, 1.0, 2.0}, {3.0, 4.0, 5.0}}}));
  EXPECT_EMBER_ERROR(F::pad(x, {1}), "Padding length must be divisible by 2");
  EXPECT_EMBER_ERROR(F::pad(x, {1, 1, 1, 1, 1, 1, 1, 1}), "Padding length too large");
  EXPECT_EMBER_ERROR(F::pad(x, {3, 3}, "reflect"),
                     "padding (3, 3) at dimension 2 of input [1, 2, 3]");
  EXPECT_EMBER_ERROR(F::pad(x, {4, 4}, "circular"), "wrapping around more than once");
  EXPECT_EMBER_ERROR(F::pad(x, {1, 1}, "mirror"), "Unrecognised padding mode mirror");

  const auto padded = [](const autograd::variable_list& in) {
    return autograd::variable_list{
        F::pad(in[0], {2, 1, -1, 2}, "constant", 0.5) + F::pad(in[0], {2, 1, 1, 0}, "reflect") +
        F::pad(in[0], {2, 1, 0, 1}, "replicate") + F::pad(in[0], {2, 1, 0, 1}, "circular")};
  };
  const autograd::variable_list inputs{randn({2, 3, 4}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(padded, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(padded, inputs));
}

TEST(NnUtilities, Distances) {
  const Tensor a = tensor({{1.0, 2.0}, {0.0, 0.0}}, kFloat64);
  const Tensor b = tensor({{2.0, 1.0}, {1.0, 1.0}}, kFloat64);
  expect_close(F::cosine_similarity(a, b), tensor({0.8, 0.0}, kFloat64));
  expect_close(F::cosine_similarity(a[0], b, -1), tensor({0.8, 0.9486832980505138}, kFloat64));
  expect_close(F::pairwise_distance(a.narrow(0, 0, 1), b.narrow(0, 0, 1)),
               tensor({1.4142135623730951}, kFloat64), 1e-6, 1e-6);
  expect_close(F::normalize(a),
               tensor({{0.4472135954999579, 0.8944271909999159}, {0.0, 0.0}}, kFloat64));
  EXPECT_FLOAT_EQ(nn::CosineSimilarity(nn::CosineSimilarityOptions().dim(0))(a, b)[0].item<float>(),
                  0.8944272f);
  EXPECT_EQ(nn::PairwiseDistance(nn::PairwiseDistanceOptions().keepdim(true))(a, b).sizes().vec(),
            (std::vector<int64_t>{2, 1}));
  const auto distances = [](const autograd::variable_list& in) {
    return autograd::variable_list{F::cosine_similarity(in[0], in[1], 1) +
                                   F::pairwise_distance(in[0], in[1], 3.0) +
                                   F::normalize(in[0], 2.0, 0).sum(1)};
  };
  const autograd::variable_list inputs{randn({3, 4}, kFloat64).requires_grad_(),
                                       randn({3, 4}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(distances, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(distances, inputs));
}

TEST(NnUtilities, Unflatten) {
  nn::Unflatten unflatten(nn::UnflattenOptions(1, {2, 5}));
  EXPECT_EQ(repr(*unflatten), "Unflatten(dim=1, unflattened_size=(2, 5))");
  EXPECT_EQ(unflatten(ones({3, 10})).sizes().vec(), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_EQ(nn::Unflatten(nn::UnflattenOptions(-1, {5, -1}))(ones({3, 10})).sizes().vec(),
            (std::vector<int64_t>{3, 5, 2}));
  EXPECT_EQ(repr(*nn::Unflatten(0, std::vector<int64_t>{4})),
            "Unflatten(dim=0, unflattened_size=(4,))");
  EXPECT_EMBER_ERROR(nn::Unflatten(nn::UnflattenOptions(1, {3, 5}))(ones({3, 10})),
                     "Provided sizes [3, 5] don't multiply up to the size of dim 1 (10)");
}

}  // namespace
}  // namespace ember
