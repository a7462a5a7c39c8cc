// nn::utils (LibTorch's torch::nn::utils): gradient clipping and parameter vectors.
#include <cmath>
#include <limits>

#include "testing.h"

namespace ember::nn {
namespace {

using ::ember::testing::expect_close;
using ::ember::testing::values;

std::vector<Tensor> two_params_with_grads() {
  Tensor a = tensor({3.0, 0.0}, kFloat64).requires_grad_();
  Tensor b = tensor({4.0}, kFloat64).requires_grad_();
  ((a * a).sum() * 0.5 + (b * b).sum() * 0.5).backward();   // grads are a and b themselves
  return {a, b, tensor({1.0}, kFloat64).requires_grad_()};  // the last has no gradient
}

TEST(ClipGrad, NormScalesToMaxNormAndReturnsTheTotal) {
  auto params = two_params_with_grads();
  EXPECT_NEAR(utils::clip_grad_norm_(params, 1.0), 5.0, 1e-12);  // sqrt(9 + 16)
  expect_close(params[0].grad(), tensor({0.6, 0.0}, kFloat64), 1e-6);
  expect_close(params[1].grad(), tensor({0.8}, kFloat64), 1e-6);
  EXPECT_FALSE(params[2].grad().defined());
  // Below max_norm nothing changes (the scale is clamped at 1).
  EXPECT_NEAR(utils::clip_grad_norm_(params, 10.0), 1.0, 1e-5);
  expect_close(params[0].grad(), tensor({0.6, 0.0}, kFloat64), 1e-6);
}

TEST(ClipGrad, OtherNormsAndNonFinite) {
  auto params = two_params_with_grads();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(utils::clip_grad_norm_(params, 100.0, inf), 4.0, 1e-12);
  EXPECT_NEAR(utils::clip_grad_norm_(params, 100.0, 1.0), 7.0, 1e-12);
  params[0].grad().fill_(std::nan(""));
  EXPECT_EMBER_ERROR(utils::clip_grad_norm_(params, 1.0, 2.0, /*error_if_nonfinite=*/true),
                     "is non-finite, so it cannot be clipped");
  EXPECT_TRUE(std::isnan(utils::clip_grad_norm_(params, 1.0)));
  Tensor fresh = ones({2}, kFloat64).requires_grad_();
  EXPECT_EQ(utils::clip_grad_norm_(fresh, 1.0), 0.0);  // no gradient: nothing to clip
}

TEST(ClipGrad, ValueClampsEachElement) {
  auto params = two_params_with_grads();
  utils::clip_grad_value_(params, 3.5);
  EXPECT_EQ(values(params[0].grad()), (std::vector<double>{3.0, 0.0}));
  EXPECT_EQ(values(params[1].grad()), (std::vector<double>{3.5}));
}

TEST(ClipGrad, ParametersToVectorAndBack) {
  Linear layer(3, 2);
  const std::vector<Tensor> params = layer->parameters();
  Tensor vec = utils::parameters_to_vector(params);
  EXPECT_EQ(vec.sizes().vec(), (std::vector<int64_t>{8}));
  expect_close(vec.slice(0, 0, 6), layer->weight.detach().reshape({-1}));
  utils::vector_to_parameters(arange(8, kFloat32), params);
  EXPECT_EQ(values(layer->bias), (std::vector<double>{6, 7}));
  EXPECT_TRUE(layer->weight.is_leaf());
  EXPECT_EMBER_ERROR(utils::vector_to_parameters(arange(5, kFloat32), params),
                     "vec holds 5 elements but the parameters 8");
  EXPECT_EMBER_ERROR(utils::vector_to_parameters(ones({2, 4}), params), "1-D tensor");
}

}  // namespace
}  // namespace ember::nn
