// nn::functional::grid_sample and affine_grid and ATen's grid_sampler: values against PyTorch
// 1.13 (hard-coded), float64 gradcheck and gradgradcheck in the input, the grid and theta for
// every mode and padding, the zero grid gradient of nearest, the options' spelling, and errors.
// Parity on random inputs is checked from tests/python/test_grid_sample.py.
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {

namespace F = nn::functional;
using autograd::TensorFunction;
using autograd::variable_list;
using testing::expect_close;

const char* const kModes[] = {"bilinear", "nearest", "bicubic"};
const char* const kPaddings[] = {"zeros", "border", "reflection"};

// x[i] = i^1.5 with alternating signs, [1, 1, 3, 4]; the points include some outside the input.
Tensor input2d() {
  Tensor x = arange(12, kFloat64).pow(1.5).reshape({1, 1, 3, 4});
  return x * tensor({1.0, -1.0, 1.0, -1.0}, kFloat64);
}
Tensor grid2d() {
  return tensor({-0.3, 0.2, 0.9, -0.85, -1.2, 0.4, 1.45, 1.1, 0.05, -1.7, -0.6, 0.75}, kFloat64)
      .reshape({1, 1, 6, 2});
}
Tensor input3d() { return arange(24, kFloat64).sin().reshape({1, 1, 2, 3, 4}); }
Tensor grid3d() {
  return tensor({-0.3, 0.2, 0.7, 0.9, -0.85, -0.2, -1.2, 0.4, 1.3, 1.45, 1.1, -1.6}, kFloat64)
      .reshape({1, 1, 1, 4, 3});
}

struct Expected {
  int64_t mode, padding;
  bool align_corners;
  std::vector<double> values;
};

TEST(GridSample, BilinearReadsCentresAndEdgesAsDocumented) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64).reshape({1, 1, 2, 2});
  Tensor corner = tensor({-1.0, -1.0, 0.0, 0.0}, kFloat64).reshape({1, 1, 2, 2});
  // With align_corners -1 is the first pixel's centre; without, its outer corner, a quarter of
  // which lies inside the input (zeros padding) or which reads the edge (border).
  expect_close(F::grid_sample(x, corner, F::GridSampleFuncOptions().align_corners(true)),
               tensor({1.0, 2.5}, kFloat64).reshape({1, 1, 1, 2}));
  expect_close(F::grid_sample(x, corner), tensor({0.25, 2.5}, kFloat64).reshape({1, 1, 1, 2}));
  expect_close(F::grid_sample(x, corner, F::GridSampleFuncOptions().padding_mode(kBorder)),
               tensor({1.0, 2.5}, kFloat64).reshape({1, 1, 1, 2}));
}

TEST(GridSample, MatchesTorchIn2d) {
  // torch.nn.functional.grid_sample(input2d(), grid2d(), mode, padding_mode, align_corners).
  const std::vector<Expected> table = {
      {0, 0, false, {-13.09479162, -2.637047355, 1.67764502, 0, 0, 6.771792911}},
      {0,
       0,
       true,
       {-12.72295301, -5.424247597, 9.695676759, -10.67124026, 0.360403679, -6.238825884}},
      {0,
       1,
       false,
       {-13.09479162, -5.196152423, 16.7764502, -36.48287269, 1.297056275, 7.739191899}},
      {0,
       1,
       true,
       {-12.72295301, -5.424247597, 13.8509668, -36.48287269, 1.201345597, -6.238825884}},
      {0,
       2,
       false,
       {-13.09479162, -5.196152423, 16.7764502, -9.240612976, 2.973990239, 7.739191899}},
      {0,
       2,
       true,
       {-12.72295301, -5.424247597, 4.44321558, 8.929731445, 2.949770291, -6.238825884}},
      {1, 0, false, {-11.18033989, -5.196152423, 0, 0, 0, 22.627417}},
      {1, 0, true, {-11.18033989, -5.196152423, 8, 0, 0, -27}},
      {1, 1, false, {-11.18033989, -5.196152423, 22.627417, -36.48287269, 2.828427125, 22.627417}},
      {1, 1, true, {-11.18033989, -5.196152423, 8, -36.48287269, 2.828427125, -27}},
      {1, 2, false, {-11.18033989, -5.196152423, 22.627417, -36.48287269, 14.69693846, 22.627417}},
      {1, 2, true, {-11.18033989, -5.196152423, 8, 31.6227766, 14.69693846, -27}},
      {2,
       0,
       false,
       {-17.71444895, -2.118878886, 1.937940902, 1.427675895, -0.1785607429, 8.062177044}},
      {2,
       0,
       true,
       {-15.06006845, -6.088405397, 15.68505195, -14.03198948, 0.3730771068, -12.46247353}},
      {2,
       1,
       false,
       {-16.55742468, -4.335286116, 17.79205902, -37.55557752, 2.137651991, 6.340573434}},
      {2,
       1,
       true,
       {-14.42998069, -5.179780775, 18.17297819, -41.32922531, 1.818119091, -12.5605554}},
      {2,
       2,
       false,
       {-16.55742468, -3.874337685, 20.16877735, -6.189930616, 4.17407578, 6.387592287}},
      {2,
       2,
       true,
       {-14.80199631, -5.090548766, 7.614198314, 13.52947668, 4.149151906, -10.00234283}},
  };
  for (const Expected& e : table) {
    SCOPED_TRACE(std::string(kModes[e.mode]) + " " + kPaddings[e.padding] +
                 (e.align_corners ? " aligned" : ""));
    expect_close(grid_sampler(input2d(), grid2d(), e.mode, e.padding, e.align_corners),
                 tensor(e.values, kFloat64).reshape({1, 1, 1, 6}), 1e-8, 1e-8);
  }
}

TEST(GridSample, MatchesTorchIn3d) {
  const std::vector<Expected> table = {
      {0, 0, false, {-0.2980386177, 0.1491392065, 0.008652116475, 0}},
      {0, 0, true, {-0.6116162118, 0.4165631556, 0.1144994856, -0.2047479948}},
      {0, 1, false, {-0.3725482721, 0.2938703577, 0.4326058238, -0.9999902066}},
      {0, 1, true, {-0.6116162118, 0.4165631556, 0.1924361103, -0.9999902066}},
      {0, 2, false, {-0.3725482721, 0.2938703577, 0.4326058238, -0.7869695881}},
      {0, 2, true, {-0.6116162118, 0.4165631556, 0.02814621097, -0.5239640899}},
      {1, 0, false, {-0.9613974919, 0.1411200081, 0, 0}},
      {1, 0, true, {-0.9613974919, 0.1411200081, -0.2879033167, 0}},
      {1, 1, false, {-0.9613974919, 0.1411200081, 0.9129452507, -0.9999902066}},
      {1, 1, true, {-0.9613974919, 0.1411200081, -0.2879033167, -0.9999902066}},
      {1, 2, false, {-0.9613974919, 0.1411200081, 0.9129452507, -0.9999902066}},
      {1, 2, true, {-0.9613974919, 0.1411200081, -0.2879033167, -0.5440211109}},
  };
  for (const Expected& e : table) {
    SCOPED_TRACE(std::string(kModes[e.mode]) + " " + kPaddings[e.padding] +
                 (e.align_corners ? " aligned" : ""));
    expect_close(grid_sampler(input3d(), grid3d(), e.mode, e.padding, e.align_corners),
                 tensor(e.values, kFloat64).reshape({1, 1, 1, 1, 4}), 1e-8, 1e-8);
  }
}

TEST(GridSample, NearestRoundsHalvesToEven) {
  // Without align_corners on a width of 4, x = -0.5, 0 and 0.5 land on 0.5, 1.5 and 2.5.
  Tensor x = tensor({10.0, 11.0, 12.0, 13.0}, kFloat64).reshape({1, 1, 1, 4});
  Tensor grid = tensor({-0.5, 0.0, 0.0, 0.0, 0.5, 0.0}, kFloat64).reshape({1, 1, 3, 2});
  expect_close(F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(kNearest)),
               tensor({10.0, 12.0, 12.0}, kFloat64).reshape({1, 1, 1, 3}));
}

TEST(GridSample, OptionsSpellTheAtenCodes) {
  manual_seed(3);
  Tensor x = randn({2, 3, 4, 5});
  Tensor grid = rand({2, 3, 2, 2}) * 2.4 - 1.2;
  expect_close(F::grid_sample(x, grid), grid_sampler(x, grid, 0, 0, false));
  expect_close(
      F::grid_sample(
          x, grid,
          F::GridSampleFuncOptions().mode(kNearest).padding_mode(kBorder).align_corners(true)),
      grid_sampler(x, grid, 1, 1, true));
  expect_close(
      F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(kBicubic).padding_mode(kReflection)),
      grid_sampler_2d(x, grid, 2, 2, false));
  expect_close(F::grid_sample(x, grid, F::GridSampleFuncOptions().padding_mode(kZeros)),
               grid_sampler(x, grid, 0, 0, false));
  EXPECT_EQ(grid_sampler(x, grid, 0, 0, false).sizes(), IntArrayRef({2, 3, 3, 2}));
}

TEST(GridSample, NonContiguousInputsAndEmptyBatches) {
  manual_seed(4);
  Tensor x = randn({2, 3, 5, 4}).transpose(2, 3);
  Tensor grid = (rand({2, 2, 3, 2}) * 2.4 - 1.2).transpose(1, 2);
  ASSERT_FALSE(x.is_contiguous());
  ASSERT_FALSE(grid.is_contiguous());
  for (int64_t mode = 0; mode < 3; ++mode)
    expect_close(grid_sampler(x, grid, mode, 2, false),
                 grid_sampler(x.contiguous(), grid.contiguous(), mode, 2, false));
  EXPECT_EQ(grid_sampler(randn({0, 3, 4, 5}), rand({0, 2, 2, 2}), 0, 0, false).sizes(),
            IntArrayRef({0, 3, 2, 2}));
  EXPECT_EQ(grid_sampler(randn({2, 3, 4, 5}), rand({2, 0, 2, 2}), 1, 0, false).sizes(),
            IntArrayRef({2, 3, 0, 2}));
}

// gradcheck and gradgradcheck of fn in both input and grid, for every mode and padding, with
// and without align_corners. The points are random, so none sits on a pixel boundary.
void expect_gradients(const Tensor& x, const Tensor& grid, int64_t modes) {
  for (int64_t mode = 0; mode < modes; ++mode)
    for (int64_t padding = 0; padding < 3; ++padding)
      for (bool align_corners : {false, true}) {
        SCOPED_TRACE(std::string(kModes[mode]) + " " + kPaddings[padding] +
                     (align_corners ? " aligned" : ""));
        TensorFunction fn = [=](const variable_list& in) -> variable_list {
          return {grid_sampler(in[0], in[1], mode, padding, align_corners)};
        };
        const variable_list inputs = {x.clone().requires_grad_(), grid.clone().requires_grad_()};
        EXPECT_TRUE(autograd::gradcheck(fn, inputs));
        EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
      }
}

TEST(GridSample, GradientsInInputAndGridIn2d) {
  manual_seed(5);
  expect_gradients(randn({2, 2, 3, 4}, kFloat64), rand({2, 3, 2, 2}, kFloat64) * 2.6 - 1.3, 3);
}

TEST(GridSample, GradientsInInputAndGridIn3d) {
  manual_seed(6);
  expect_gradients(randn({1, 2, 2, 3, 3}, kFloat64), rand({1, 2, 2, 1, 3}, kFloat64) * 2.6 - 1.3,
                   2);
}

TEST(GridSample, NearestHasAZeroGridGradient) {
  manual_seed(7);
  Tensor x = randn({1, 2, 3, 4}, kFloat64).requires_grad_();
  Tensor grid = (rand({1, 2, 2, 2}, kFloat64) * 2 - 1).requires_grad_();
  Tensor out = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(kNearest));
  const variable_list grads = autograd::grad({(out * out).sum()}, {x, grid});
  ASSERT_TRUE(grads[1].defined());
  expect_close(grads[1], zeros_like(grid));
  // Each output reads one input element, so the input gradient there is 2 * out.
  EXPECT_NEAR(grads[0].sum().item<double>(), (2 * out).sum().item<double>(), 1e-12);
}

TEST(GridSample, RefusesWhatTorchRefuses) {
  Tensor x = randn({2, 3, 4, 5});
  Tensor grid = rand({2, 3, 3, 2});
  EXPECT_EMBER_ERROR(grid_sampler(x, rand({2, 3, 3}), 0, 0, false),
                     "grid_sampler(): expected grid to have size 2 in last dimension, but got "
                     "grid with sizes [2, 3, 3]");
  EXPECT_EMBER_ERROR(grid_sampler(x, rand({3, 3, 3, 2}), 0, 0, false),
                     "grid_sampler(): expected grid and input to have same batch size, but got "
                     "input with sizes [2, 3, 4, 5] and grid with sizes [3, 3, 3, 2]");
  EXPECT_EMBER_ERROR(grid_sampler(x, rand({2, 3, 3, 1, 2}), 0, 0, false),
                     "grid_sampler(): expected 4D input and grid with same number of dimensions, "
                     "but got input with sizes [2, 3, 4, 5] and grid with sizes [2, 3, 3, 1, 2]");
  EXPECT_EMBER_ERROR(grid_sampler_3d(x, grid, 0, 0, false),
                     "grid_sampler(): expected 5D input and grid");
  EXPECT_EMBER_ERROR(grid_sampler(randn({2, 3, 4, 5, 6}), rand({2, 3, 3, 3, 3}), 2, 0, false),
                     "grid_sampler(): bicubic interpolation only supports 4D input");
  EXPECT_EMBER_ERROR(grid_sampler(randn({2, 3, 0, 5}), grid, 0, 0, false),
                     "grid_sampler(): expected input to have non-empty spatial dimensions, but "
                     "input has sizes [2, 3, 0, 5] with dimension 2 being empty");
  EXPECT_EMBER_ERROR(grid_sampler(x, grid.to(kFloat64), 0, 0, false),
                     "expected input and grid to have same dtype");
  EXPECT_EMBER_ERROR(grid_sampler(x, grid, 3, 0, false), "expected interpolation_mode");
  EXPECT_EMBER_ERROR(grid_sampler(x, grid, 0, -1, false), "expected padding_mode");
  EXPECT_EMBER_ERROR(F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(kArea)),
                     "grid_sample: mode must be kBilinear, kNearest or kBicubic");
  EXPECT_EMBER_ERROR(F::grid_sample(x, grid, F::GridSampleFuncOptions().padding_mode(kCircular)),
                     "grid_sample: padding_mode must be kZeros, kBorder or kReflection");
}

TEST(AffineGrid, MatchesTorch) {
  Tensor theta = tensor({0.8, -0.3, 0.1, 0.2, 1.1, -0.4}, kFloat64).reshape({1, 2, 3});
  expect_close(F::affine_grid(theta, {1, 1, 2, 3}, false),
               tensor({-0.2833333333, -1.083333333, 0.25, -0.95, 0.7833333333, -0.8166666667,
                       -0.5833333333, 0.01666666667, -0.05, 0.15, 0.4833333333, 0.2833333333},
                      kFloat64)
                   .reshape({1, 2, 3, 2}),
               1e-9, 1e-9);
  expect_close(F::affine_grid(theta, std::vector<int64_t>{1, 1, 2, 3}, true),
               tensor({-0.4, -1.7, 0.4, -1.5, 1.2, -1.3, -1, 0.5, -0.2, 0.7, 0.6, 0.9}, kFloat64)
                   .reshape({1, 2, 3, 2}),
               1e-9, 1e-9);
  Tensor theta3 = tensor({0.8, -0.3, 0.1, 0.5, 0.2, 1.1, -0.4, 0.0, 0.3, 0.0, 0.9, -0.2}, kFloat64)
                      .reshape({1, 3, 4});
  expect_close(affine_grid_generator(theta3, {1, 1, 2, 1, 3}, false),
               tensor({-0.08333333333, 0.06666666667, -0.85, 0.45, 0.2, -0.65, 0.9833333333,
                       0.3333333333, -0.45, 0.01666666667, -0.3333333333, 0.05, 0.55, -0.2, 0.25,
                       1.083333333, -0.06666666667, 0.45},
                      kFloat64)
                   .reshape({1, 2, 1, 3, 3}),
               1e-9, 1e-9);
  expect_close(affine_grid_generator(theta3, {1, 1, 2, 1, 3}, true),
               tensor({-0.4, 0.2, -1.4, 0.4, 0.4, -1.1, 1.2, 0.6, -0.8, -0.2, -0.6, 0.4, 0.6, -0.4,
                       0.7, 1.4, -0.2, 1},
                      kFloat64)
                   .reshape({1, 2, 1, 3, 3}),
               1e-9, 1e-9);
}

TEST(AffineGrid, IdentityResamplesTheInput) {
  manual_seed(8);
  Tensor x = randn({2, 3, 4, 5}, kFloat64);
  Tensor identity =
      tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.0}, kFloat64).reshape({1, 2, 3}).repeat({2, 1, 1});
  for (bool align_corners : {false, true}) {
    Tensor grid = F::affine_grid(identity, x.sizes(), align_corners);
    expect_close(grid_sampler(x, grid, 0, 0, align_corners), x, 1e-12, 1e-12);
  }
  Tensor x3 = randn({1, 2, 3, 2, 4}, kFloat64);
  Tensor identity3 = eye(3, 4, kFloat64).unsqueeze(0);
  expect_close(grid_sampler(x3, F::affine_grid(identity3, x3.sizes(), false), 0, 1, false), x3,
               1e-12, 1e-12);
}

TEST(AffineGrid, GradientsInTheta) {
  manual_seed(9);
  for (bool align_corners : {false, true}) {
    TensorFunction fn2 = [=](const variable_list& in) -> variable_list {
      return {F::affine_grid(in[0], {2, 1, 3, 2}, align_corners)};
    };
    EXPECT_TRUE(autograd::gradcheck(fn2, {randn({2, 2, 3}, kFloat64).requires_grad_()}));
    EXPECT_TRUE(autograd::gradgradcheck(fn2, {randn({2, 2, 3}, kFloat64).requires_grad_()}));
    TensorFunction fn3 = [=](const variable_list& in) -> variable_list {
      return {F::affine_grid(in[0], {1, 1, 2, 3, 2}, align_corners)};
    };
    EXPECT_TRUE(autograd::gradcheck(fn3, {randn({1, 3, 4}, kFloat64).requires_grad_()}));
  }
  // Through grid_sample: the derivative of a warped image in the warp.
  TensorFunction warp = [](const variable_list& in) -> variable_list {
    return {grid_sampler(in[0], F::affine_grid(in[1], {1, 2, 3, 3}, false), 0, 1, false)};
  };
  Tensor theta = tensor({0.9, 0.1, 0.05, -0.1, 0.8, 0.03}, kFloat64).reshape({1, 2, 3});
  EXPECT_TRUE(autograd::gradcheck(
      warp, {randn({1, 2, 4, 4}, kFloat64).requires_grad_(), theta.requires_grad_()}));
}

TEST(AffineGrid, RefusesWhatTorchRefuses) {
  Tensor theta = randn({2, 2, 3});
  EXPECT_EMBER_ERROR(F::affine_grid(theta, {2, 3, 4, 5, 6}),
                     "Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                     "[2, 3, 4, 5, 6]. Got [2, 2, 3].");
  EXPECT_EMBER_ERROR(F::affine_grid(randn({2, 3, 4}), {2, 3, 4, 5}),
                     "Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                     "[2, 3, 4, 5]. Got [2, 3, 4].");
  EXPECT_EMBER_ERROR(F::affine_grid(theta, {2, 3, 4}),
                     "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                     "transforms, respectively. Got size [2, 3, 4].");
  EXPECT_EMBER_ERROR(F::affine_grid(theta, {2, 3, 0, 5}),
                     "Expected non-zero, positive output size. Got [2, 3, 0, 5]");
  EXPECT_EMBER_ERROR(F::affine_grid(theta.to(kLong), {2, 3, 4, 5}),
                     "Expected theta to have floating point type, but got torch.int64");
  try {
    F::affine_grid(theta, {2, 3, 4});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotImplemented);
  }
  EXPECT_THROW(F::affine_grid(theta, {3, 3, 4, 5}), Error);  // bmm's batch mismatch
}

}  // namespace
}  // namespace ember
