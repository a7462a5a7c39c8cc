// max_pool2d/3d(_with_indices), avg_pool2d/3d and the composed 3-D pools (adaptive average and
// max pooling, max unpooling): values and indices against PyTorch 1.13 (hard-coded) over
// strides, padding, dilation, ceil_mode, count_include_pad and divisor_override; gradients
// (PyTorch values, gradcheck and gradgradcheck in float64); grad_fn names; every argument error.
#include <functional>
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::expect_close;
using testing::values;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// sin(a * i + b) over the elements in row-major order (torch.sin(torch.arange(n,
// dtype=torch.float64) * a + b).reshape(shape) in PyTorch).
Tensor seq(IntArrayRef shape, double a = 0.37, double b = 0.0, ScalarType dtype = kFloat64) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kFloat64) * a + b).sin().reshape(shape).to(dtype);
}

Tensor expected(std::vector<double> v, IntArrayRef shape, ScalarType dtype = kFloat64) {
  return tensor(v, dtype).reshape(shape);
}

// A float64 vector (tensor() of a braced list gives the default dtype, float32).
Tensor doubles(std::vector<double> v) { return tensor(v, kFloat64); }

void expect_indices(const Tensor& idx, std::vector<double> want) {
  EXPECT_EQ(idx.dtype(), kInt64);
  EXPECT_EQ(values(idx), want);
}

// Distinct values 0.1 apart in a random order: no ties for central differences to trip over.
Tensor distinct(IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (randperm(n).to(kFloat64) * 0.1 - 0.05 * n).reshape(shape);
}

using Pool = std::function<Tensor(const Tensor&)>;

// gradcheck and gradgradcheck of each pool at its input shape, on inputs from make.
void expect_gradchecks(const std::vector<std::pair<std::vector<int64_t>, Pool>>& configs,
                       const std::function<Tensor(IntArrayRef)>& make) {
  for (const auto& [shape, pool] : configs) {
    SCOPED_TRACE(testing::repr(tensor(shape)));
    Tensor x = make(shape).requires_grad_();
    autograd::TensorFunction f = [pool = pool](const variable_list& v) {
      return variable_list{pool(v[0])};
    };
    EXPECT_TRUE(autograd::gradcheck(f, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(f, {x}));
  }
}

// ---- max_pool2d ----------------------------------------------------------------------------

TEST(MaxPool2d, KernelTwoMatchesPyTorch) {
  auto [v, i] = max_pool2d_with_indices(seq({1, 2, 4, 4}), {2});
  expect_close(v,
               expected({0.9958808445, 0.8956986857, 0.1805962679, -0.5298361409, 0.9964756147,
                         0.9593748339, 0.5182282059, -0.1939843613},
                        {1, 2, 2, 2}),
               1e-9, 1e-9);
  expect_indices(i, {4, 3, 8, 10, 5, 6, 8, 10});
  expect_close(max_pool2d(seq({1, 2, 4, 4}), {2, 2}, {2, 2}), v, 0, 0);
}

TEST(MaxPool2d, StridePaddingMatchPyTorch) {
  auto [v, i] = max_pool2d_with_indices(seq({2, 1, 5, 5}), {3}, {1}, {1});
  ASSERT_EQ(v.sizes().vec(), (std::vector<int64_t>{2, 1, 5, 5}));
  expect_close(v,
               expected({0.961275203,  0.961275203,  0.8956986857,  0.9958808445,  0.9958808445,
                         0.961275203,  0.961275203,  0.8956986857,  0.9958808445,  0.9958808445,
                         0.961275203,  0.961275203,  0.7965654722,  0.6793046521,  0.6793046521,
                         0.9964756147, 0.9964756147, 0.9964756147,  0.9593748339,  0.7924271699,
                         0.9964756147, 0.9964756147, 0.9964756147,  0.9593748339,  0.7924271699,
                         0.1738894854, 0.1738894854, -0.1939843613, 0.01362896368, 0.01362896368,
                         0.6842898458, 0.9016757701, 0.9970241088,  0.9970241088,  0.9970241088,
                         0.7882520674, 0.9016757701, 0.9970241088,  0.9970241088,  0.9970241088,
                         0.7882520674, 0.9016757701, 0.9970241088,  0.9970241088,  0.9970241088,
                         0.7882520674, 0.7882520674, 0.5123880037,  0.1671746275,  -0.2006650504},
                        {2, 1, 5, 5}),
               1e-9, 1e-9);
  expect_indices(i, {5,  5,  3,  4,  4,  5,  5,  3,  4,  4,  5,  5,  6,  19, 19, 21, 21,
                     21, 22, 23, 21, 21, 21, 22, 23, 0,  0,  1,  9,  9,  11, 12, 13, 13,
                     13, 15, 12, 13, 13, 13, 15, 12, 13, 13, 13, 15, 15, 16, 17, 18});
}

TEST(MaxPool2d, DilationAndAsymmetricArgumentsMatchPyTorch) {
  auto [v, i] = max_pool2d_with_indices(seq({1, 1, 7, 6}), {3, 2}, {2, 1}, {1, 0}, {2, 3});
  expect_close(v,
               expected({0.9964756147, 0.9593748339, 0.8987080958, 0.9964756147, 0.9593748339,
                         0.8987080958, 0.9964756147, 0.9593748339, 0.8987080958},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  expect_indices(i, {21, 22, 20, 21, 22, 20, 21, 22, 20});
}

TEST(MaxPool2d, CeilModeMatchesPyTorch) {
  auto [v, i] = max_pool2d_with_indices(seq({1, 1, 5, 5}), {2}, {}, {0}, {1}, true);
  expect_close(v,
               expected({0.961275203, 0.8956986857, 0.9958808445, -0.35525356, 0.3679605106,
                         0.6793046521, 0.9964756147, 0.9593748339, 0.5182282059},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  expect_indices(i, {5, 3, 4, 16, 18, 19, 21, 22, 24});
  EXPECT_EQ(max_pool2d(seq({1, 1, 5, 5}), {2}).sizes().vec(), (std::vector<int64_t>{1, 1, 2, 2}));
  auto [v2, i2] = max_pool2d_with_indices(seq({1, 1, 5, 5}), {3}, {2}, {1}, {1}, true);
  expect_close(v2,
               expected({0.961275203, 0.8956986857, 0.9958808445, 0.961275203, 0.7965654722,
                         0.6793046521, 0.9964756147, 0.9964756147, 0.7924271699},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  expect_indices(i2, {5, 3, 4, 5, 6, 19, 21, 21, 23});
}

TEST(MaxPool2d, UnbatchedMatchesPyTorch) {
  auto [v, i] = max_pool2d_with_indices(seq({2, 4, 4}), {2}, {1});
  expect_close(v,
               expected({0.9958808445, 0.961275203, 0.8956986857, 0.9958808445, 0.961275203,
                         0.7965654722, 0.1805962679, -0.1872946635, -0.5298361409, 0.9964756147,
                         0.9964756147, 0.9593748339, 0.9964756147, 0.9964756147, 0.9593748339,
                         0.5182282059, 0.1738894854, -0.1939843613},
                        {2, 3, 3}),
               1e-9, 1e-9);
  expect_indices(i, {4, 5, 3, 4, 5, 6, 8, 9, 10, 5, 5, 6, 5, 5, 6, 8, 9, 10});
}

TEST(MaxPool2d, NaNInfinityAndTies) {
  // Every NaN takes over (the last one's index), as in PyTorch.
  auto [v, i] = max_pool2d_with_indices(tensor({{{{kNaN, 1.0, kNaN, 2.0}}}}), {1, 4});
  EXPECT_TRUE(std::isnan(v.item<double>()));
  EXPECT_EQ(i.item<int64_t>(), 2);
  // All -inf: the first in-bounds position of each window, never the padding.
  auto [v2, i2] = max_pool2d_with_indices(full({1, 1, 2, 2}, -kInf), {2}, {1}, {1});
  EXPECT_EQ(values(v2), std::vector<double>(9, -kInf));
  expect_indices(i2, {0, 0, 1, 0, 0, 1, 2, 2, 3});
  // Ties go to the first maximum in the window.
  auto [v3, i3] = max_pool2d_with_indices(tensor({{{{1.0, 3.0}, {3.0, 0.0}}}}), {2});
  EXPECT_EQ(v3.item<double>(), 3.0);
  EXPECT_EQ(i3.item<int64_t>(), 1);
}

TEST(MaxPool2d, TwoByTwoFastPathMatchesTheGeneralLoop) {
  // A 2x2 window with stride 2 over unit-stride rows has a loop of its own; a view with a
  // column stride of 2 takes the general one. Small integers make ties common, and NaN and
  // -inf appear in every position of a window.
  manual_seed(7);
  for (ScalarType dt : {kFloat32, kFloat64}) {
    Tensor x = randint(-2, 3, {2, 3, 9, 11}, dt);
    x.select(0, 0).select(0, 0).select(0, 0).fill_(kNaN);
    x.select(0, 0).select(0, 1).select(0, 3).fill_(-kInf);
    x.select(0, 1).select(0, 2).select(1, 4).fill_(kNaN);
    const Tensor spread = zeros({2, 3, 9, 22}, dt);
    spread.slice(3, 0, 22, 2).copy_(x);
    const Tensor strided = spread.slice(3, 0, 22, 2);
    ASSERT_EQ(strided.stride(3), 2);
    for (bool ceil : {false, true}) {
      auto [v, i] = max_pool2d_with_indices(x, {2}, {2}, {0}, {1}, ceil);
      auto [vs, is] = max_pool2d_with_indices(strided, {2}, {2}, {0}, {1}, ceil);
      const std::vector<double> a = values(v), b = values(vs);
      ASSERT_EQ(a.size(), b.size());
      for (size_t k = 0; k < a.size(); ++k)
        EXPECT_TRUE(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k]))) << "at " << k;
      EXPECT_TRUE(i.equal(is));
    }
  }
}

TEST(MaxPool2d, Float32NonContiguousAndEmptyBatch) {
  Tensor x = seq({1, 2, 4, 4}, 0.37, 0.0, kFloat32);
  Tensor y = max_pool2d(x, {2});
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_close(y,
               expected({0.9958808445, 0.8956986857, 0.1805962679, -0.5298361409, 0.9964756147,
                         0.9593748339, 0.5182282059, -0.1939843613},
                        {1, 2, 2, 2}),
               1e-6, 1e-6);
  // A transposed input pools its transposed values; indices count in the logical layout.
  Tensor xt = seq({1, 2, 4, 4}).transpose(2, 3);
  ASSERT_FALSE(xt.is_contiguous());
  auto [vt, it] = max_pool2d_with_indices(xt, {2});
  auto [vc, ic] = max_pool2d_with_indices(xt.contiguous(), {2});
  expect_close(vt, vc, 0, 0);
  EXPECT_EQ(values(it), values(ic));
  auto [ve, ie] = max_pool2d_with_indices(zeros({0, 2, 5, 5}), {2});
  EXPECT_EQ(ve.sizes().vec(), (std::vector<int64_t>{0, 2, 2, 2}));
  EXPECT_EQ(ie.sizes().vec(), (std::vector<int64_t>{0, 2, 2, 2}));
}

TEST(MaxPool2dGrad, MatchesPyTorch) {
  Tensor x = seq({1, 2, 4, 4}).requires_grad_();
  Tensor y = max_pool2d(x, {3}, {1}, {1});
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool2DWithIndicesBackward0");
  Tensor g = autograd::grad({y}, {x}, {seq({1, 2, 4, 4}, 0.29, 0.1)})[0];
  expect_close(g,
               expected({0,
                         0,
                         0,
                         1.672563553,
                         3.51079508,
                         1.733896028,
                         -0.1478631738,
                         0,
                         -1.090179955,
                         -0.8512734009,
                         -0.9657730606,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         -0.4881266975,
                         0.8414454541,
                         0,
                         1.726186942,
                         0.5849171929,
                         0.3285594656,
                         0,
                         0,
                         0,
                         0,
                         0},
                        {1, 2, 4, 4}),
               1e-9, 1e-9);
}

TEST(MaxPool2dGrad, NamesAndDoubleBackward) {
  Tensor x = seq({2, 5, 5}).requires_grad_();
  Tensor y = max_pool2d(x, {2});
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool2DWithIndicesBackward0");  // unbatched too
  Tensor gy = seq({2, 2, 2}, 0.5).requires_grad_();
  Tensor gx = autograd::grad({y}, {x}, {gy}, std::nullopt, true)[0];
  ASSERT_TRUE(gx.grad_fn() != nullptr);
  EXPECT_EQ(gx.grad_fn()->name(), "MaxPool2DWithIndicesBackwardBackward0");
  // d<gx, v>/d gy reads v at the argmax positions.
  Tensor v = seq({2, 5, 5}, 0.8, 0.4);
  Tensor ggy = autograd::grad({(gx * v).sum()}, {gy})[0];
  auto [vals, idx] = max_pool2d_with_indices(x.detach(), {2});
  expect_close(ggy, v.reshape({2, 25}).gather(1, idx.reshape({2, 4})).reshape({2, 2, 2}), 0, 0);
}

TEST(MaxPool2dGrad, GradcheckAndGradgradcheck) {
  manual_seed(11);
  expect_gradchecks(
      {
          {{2, 2, 4, 4}, [](const Tensor& x) { return max_pool2d(x, {2}); }},
          {{1, 2, 5, 5}, [](const Tensor& x) { return max_pool2d(x, {3}, {1}, {1}); }},
          {{1, 1, 7, 6},
           [](const Tensor& x) {
             return max_pool2d(x, {3, 2}, {2, 1}, {1, 0}, {2, 3});
           }},
          {{1, 1, 5, 5}, [](const Tensor& x) { return max_pool2d(x, {2}, {}, {0}, {1}, true); }},
          {{2, 4, 5},
           [](const Tensor& x) {
             return max_pool2d(x, {2, 3}, {1, 2}, {1});
           }},
      },
      distinct);
}

// ---- avg_pool2d ----------------------------------------------------------------------------

TEST(AvgPool2d, KernelTwoMatchesPyTorch) {
  Tensor y = avg_pool2d(seq({1, 2, 4, 4}), {2});
  expect_close(y,
               expected({0.5796928699, 0.7226491028, -0.491267288, -0.7230976149, 0.3866861977,
                         0.6997667916, -0.2693887871, -0.6534238757},
                        {1, 2, 2, 2}),
               1e-9, 1e-9);
  expect_close(avg_pool2d(seq({1, 2, 4, 4}, 0.37, 0, kFloat32), {2}), y, 1e-6, 1e-6);
}

TEST(AvgPool2d, PaddingCountsOrNot) {
  Tensor x = seq({1, 1, 5, 5});
  expect_close(avg_pool2d(x, {3}, {2}, {1}),
               expected({0.235495123, 0.3814231235, 0.2094312372, -0.06635062946, -0.1375899851,
                         -0.09414674868, 0.09674336592, 0.3075332455, 0.2619911709},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  expect_close(avg_pool2d(x, {3}, {2}, {1}, false, false),
               expected({0.5298640268, 0.5721346852, 0.4712202836, -0.09952594419, -0.1375899851,
                         -0.141220123, 0.2176725733, 0.4612998682, 0.5894801346},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
}

TEST(AvgPool2d, CeilModeMatchesPyTorch) {
  expect_close(avg_pool2d(seq({1, 1, 5, 5}), {2}, {}, {0}, true),
               expected({0.5298640268, 0.5686568017, 0.4042930905, -0.5887490851, -0.3958989014,
                         -0.1066715136, 0.9475918553, 0.8759010019, 0.5182282059},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  Tensor x = seq({1, 1, 6, 6});
  expect_close(avg_pool2d(x, {3}, {2}, {1}, true),
               expected({0.1869139162, 0.2721053306, 0.148339683, 0.02676807013, 0.04550046892,
                         0.05941188292, 0.02364458386, -0.0002374953654, -0.01608055033,
                         0.01291100221, 0.05356041321, 0.03362895676, -0.3140179678, -0.3170985221,
                         0.00650704579, 0.09357212529},
                        {1, 1, 4, 4}),
               1e-9, 1e-9);
  expect_close(avg_pool2d(x, {3}, {2}, {1}, true, false),
               expected({0.4205563115, 0.4081579959, 0.2225095244, 0.0803042104, 0.06825070338,
                         0.05941188292, 0.02364458386, -0.0004749907308, -0.02412082549,
                         0.01291100221, 0.05356041321, 0.06725791352, -0.9420539035, -0.6341970441,
                         0.01301409158, 0.3742885011},
                        {1, 1, 4, 4}),
               1e-9, 1e-9);
}

TEST(AvgPool2d, UnbatchedAsymmetricNonContiguous) {
  Tensor want =
      expected({0.1602125338,     0.3927521929,   0.3141468558,   0.07190651034,  0.09878590746,
                -0.0005010617714, -0.03963346587, -0.1319378031,  -0.141220123,   -0.1998459997,
                -0.3520394388,    -0.1401037237,  0.1787662635,   0.2043771255,   -0.07650291066,
                0.01300749883,    -0.05457553158, -0.1323772817,  -0.07439576695, -0.1162230037,
                -0.02507750764,   -0.1033773478,  0.005374945609, 0.2698679657},
               {2, 4, 3});
  expect_close(avg_pool2d(seq({2, 4, 5}), {3, 2}, {1, 2}, {1, 1}), want, 1e-9, 1e-9);
  Tensor xt = seq({2, 4, 5}).transpose(1, 2).contiguous().transpose(1, 2);
  ASSERT_FALSE(xt.is_contiguous());
  expect_close(avg_pool2d(xt, {3, 2}, {1, 2}, {1, 1}), want, 1e-9, 1e-9);
  EXPECT_EQ(avg_pool2d(zeros({0, 2, 5, 5}), {2}).sizes().vec(), (std::vector<int64_t>{0, 2, 2, 2}));
}

TEST(AvgPool2dGrad, MatchesPyTorch) {
  Tensor x = seq({1, 1, 6, 6}).requires_grad_();
  Tensor y = avg_pool2d(x, {3}, {2}, {1}, true, false);
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "AvgPool2DBackward0");
  Tensor g = seq({1, 1, 4, 4}, 0.29, 0.1);
  expect_close(autograd::grad({y}, {x}, {g})[0],
               expected({0.02495835416, 0.08832309002, 0.06336473585, 0.1681635732,  0.1047988373,
                         0.517241694,   0.1836400778,  0.3580918985,  0.1744518208,  0.3863598799,
                         0.2119080591,  0.9069101958,  0.1586817236,  0.2697688085,  0.1110870849,
                         0.2181963067,  0.1071092218,  0.3896685018,  0.2687785905,  0.4263454466,
                         0.1575668561,  0.2803560788,  0.1227892227,  0.3560607781,  0.1100968669,
                         0.1565766381,  0.04647977119, 0.06215977208, 0.0156800009,  -0.03360772371,
                         -0.1021521179, -0.2775663417, -0.1754142238, -0.4434920232, -0.2680777994,
                         -1.283138585},
                        {1, 1, 6, 6}),
               1e-9, 1e-9);
  Tensor y2 = avg_pool2d(x, {3}, {2}, {1}, true, true);
  expect_close(
      autograd::grad({y2}, {x}, {g})[0],
      expected({0.01109260185,  0.05333575909,  0.04224315724,  0.1121090488,  0.06986589156,
                0.2073468438,   0.1168804176,   0.2702106597,   0.1533302421,  0.3303053555,
                0.1769751134,   0.4557357056,   0.1057878157,   0.2168749006,  0.1110870849,
                0.2181963067,   0.1071092218,   0.2483888618,   0.179185727,   0.3367525831,
                0.1575668561,   0.2803560788,   0.1227892227,   0.2394250004,  0.07339791125,
                0.1198776824,   0.04647977119,  0.06215977208,  0.0156800009,  -0.008963861405,
                0.002648249673, -0.06181897665, -0.06446722632, -0.1906661256, -0.1261988993,
                -0.3922860267},
               {1, 1, 6, 6}),
      1e-9, 1e-9);
}

TEST(AvgPool2dGrad, NamesAndDoubleBackward) {
  Tensor x = seq({2, 4, 4}).requires_grad_();
  Tensor y = avg_pool2d(x, {2});
  EXPECT_EQ(y.grad_fn()->name(), "AvgPool2DBackward0");  // unbatched too
  Tensor gy = seq({2, 2, 2}, 0.5).requires_grad_();
  Tensor gx = autograd::grad({y}, {x}, {gy}, std::nullopt, true)[0];
  ASSERT_TRUE(gx.grad_fn() != nullptr);
  EXPECT_EQ(gx.grad_fn()->name(), "AvgPool2DBackwardBackward0");
  // The gradient's adjoint is average pooling again.
  Tensor v = seq({2, 4, 4}, 0.8, 0.4);
  expect_close(autograd::grad({(gx * v).sum()}, {gy})[0], avg_pool2d(v, {2}), 1e-12, 1e-12);
}

TEST(AvgPool2dGrad, GradcheckAndGradgradcheck) {
  manual_seed(13);
  expect_gradchecks(
      {
          {{2, 2, 4, 4}, [](const Tensor& x) { return avg_pool2d(x, {2}); }},
          {{1, 2, 5, 5}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}); }},
          {{1, 1, 5, 5},
           [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, false, false); }},
          {{1, 1, 6, 6}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, true, true); }},
          {{1, 1, 6, 6}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, true, false); }},
          {{2, 4, 5},
           [](const Tensor& x) {
             return avg_pool2d(x, {3, 2}, {1, 2}, {1, 1});
           }},
          {{1, 2, 5, 5},
           [](const Tensor& x) { return avg_pool2d(x, {2}, {2}, {1}, true, false, -3); }},
      },
      [](IntArrayRef shape) { return randn(shape, kFloat64); });
}

TEST(AvgPool2d, DivisorOverrideMatchesPyTorch) {
  // With ceil_mode too: every window divides by the override, however many elements it holds.
  expect_close(avg_pool2d(seq({1, 1, 5, 5}), {2}, {}, {0}, true, true, 3),
               expected({0.7064853691, 0.758209069, 0.269528727, -0.7849987801, -0.5278652019,
                         -0.07111434243, 0.6317279035, 0.5839340013, 0.1727427353},
                        {1, 1, 3, 3}),
               1e-9, 1e-9);
  Tensor x = seq({1, 2, 4, 6});
  expect_close(avg_pool2d(x, {2, 3}, {}, {1, 0}, false, false, 4),
               avg_pool2d(x, {2, 3}, {}, {1, 0}, false, true).mul(6.0 / 4.0), 1e-12, 1e-12);
}

// ---- max_pool3d ----------------------------------------------------------------------------

TEST(MaxPool3d, KernelTwoMatchesPyTorch) {
  auto [v, i] = max_pool3d_with_indices(seq({1, 2, 4, 4, 4}), {2});
  expect_close(
      v,
      expected({0.9964756147, 0.9593748339, 0.5182282059, -0.1939843613, 0.9016757701, 0.9975263011,
                0.9554405264, 0.5065240063, 0.3868920435, 0.9074853616, 0.9983916897, 0.9513287388,
                -0.3232026666, 0.3994237179, 0.947040235, 0.9990716198},
               {1, 2, 2, 2, 2}),
      1e-9, 1e-9);
  expect_indices(i, {21, 22, 24, 26, 37, 55, 56, 58, 5, 7, 25, 26, 37, 39, 60, 59});
  expect_close(max_pool3d(seq({1, 2, 4, 4, 4}), {2, 2, 2}, {2, 2, 2}), v, 0, 0);
}

TEST(MaxPool3d, AsymmetricDilatedPaddedMatchesPyTorch) {
  auto [v, i] =
      max_pool3d_with_indices(seq({1, 1, 5, 4, 5}), {3, 2, 3}, {2, 1, 2}, {1, 0, 1}, {1, 2, 1});
  expect_close(
      v,
      expected({0.9964756147, 0.9964756147, 0.9958808445, 0.961275203, 0.9970241088, 0.9970241088,
                0.9964756147, 0.9979821685, 0.9534067706, 0.9975263011, 0.9970241088, 0.9970241088,
                0.9513287388, 0.9979821685, 0.9534067706, 0.5006364859, 0.9103270091, 0.9983916897},
               {1, 1, 3, 2, 3}),
      1e-9, 1e-9);
  expect_indices(i, {21, 21, 4, 5, 38, 38, 21, 72, 73, 55, 38, 38, 90, 72, 73, 75, 88, 89});
}

TEST(MaxPool3d, CeilModeMatchesPyTorch) {
  auto [v, i] = max_pool3d_with_indices(seq({1, 1, 5, 5, 5}), {2}, {}, {0}, {1}, true);
  ASSERT_EQ(v.sizes().vec(), (std::vector<int64_t>{1, 1, 3, 3, 3}));
  expect_close(
      v,
      expected({0.961275203,  0.8956986857, 0.9958808445, 0.7882520674, 0.9970241088,  0.9574299116,
                0.9964756147, 0.9593748339, 0.5182282059, 0.9975263011, 0.7840403585,  0.9046015706,
                0.9513287388, 0.9103270091, 0.9983916897, 0.9074853616, 0.9979821685,  0.779792239,
                0.9987548458, 0.9492065274, 0.7039105445, 0.1402406838, -0.3167462651, 0.04768476,
                0.7087345612, 0.9990716198, 0.947040235},
               {1, 1, 3, 3, 3}),
      1e-9, 1e-9);
  expect_indices(i, {5,  3,  4,  40, 38,  39,  21,  22,  24,  55,  57,  54,  90, 88,
                     89, 71, 72, 74, 106, 107, 104, 110, 118, 119, 121, 123, 124});
  auto [v2, i2] = max_pool3d_with_indices(seq({1, 1, 4, 5, 6}), {3}, {2}, {1}, {1}, true);
  ASSERT_EQ(v2.sizes().vec(), (std::vector<int64_t>{1, 1, 3, 3, 4}));
  expect_indices(
      i2, {37,  38,  4,  5,  37, 38, 21, 23, 55, 55,  21,  23,  90,  38,  39,  71,  72,  38,
           106, 107, 55, 55, 89, 89, 90, 91, 93, 101, 108, 105, 106, 107, 108, 109, 119, 119});
  expect_close(v2.flatten(), seq({120}).gather(0, i2.flatten()), 0, 0);
}

TEST(MaxPool3d, UnbatchedMatchesPyTorch) {
  auto [v, i] = max_pool3d_with_indices(seq({2, 3, 4, 4}), {2}, {1});
  ASSERT_EQ(v.sizes().vec(), (std::vector<int64_t>{2, 2, 3, 3}));
  expect_indices(i, {21, 21, 22, 21, 21, 22, 24, 25, 26, 21, 38, 38, 21, 38, 38, 40, 41, 42,
                     5,  6,  7,  24, 25, 7,  24, 25, 26, 21, 22, 23, 41, 41, 42, 41, 41, 42});
  expect_close(v, seq({2, 48}).gather(1, i.reshape({2, 18})).reshape({2, 2, 3, 3}), 0, 0);
  EXPECT_NEAR(v.flatten()[0].item<double>(), 0.9964756147, 1e-9);
}

TEST(MaxPool3d, DepthSlicesMatchMaxPool2d) {
  // A one-tap depth window pools each depth slice as max_pool2d does, on the 2x2 fast path
  // (unit-stride rows) and on the general loop (a strided view); indices count in D * H * W.
  manual_seed(5);
  Tensor x = randint(-3, 4, {2, 3, 4, 6, 8}, kFloat64);
  x.select(2, 1).select(2, 3).fill_(kNaN);
  const Tensor spread = zeros({2, 3, 4, 6, 16}, kFloat64);
  spread.slice(4, 0, 16, 2).copy_(x);
  for (const Tensor& input : {x, spread.slice(4, 0, 16, 2)}) {
    for (bool ceil : {false, true}) {
      auto [v, i] = max_pool3d_with_indices(input, {1, 2, 2}, {1, 2, 2}, {0}, {1}, ceil);
      for (int64_t d = 0; d < 4; ++d) {
        auto [v2, i2] = max_pool2d_with_indices(input.select(2, d), {2}, {2}, {0}, {1}, ceil);
        const std::vector<double> a = values(v.select(2, d)), b = values(v2);
        for (size_t k = 0; k < a.size(); ++k)
          EXPECT_TRUE(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k]))) << "at " << k;
        EXPECT_TRUE(i.select(2, d).equal(i2 + d * 48));
      }
    }
  }
}

TEST(MaxPool3d, NaNInfinityTiesFloat32AndEmptyBatch) {
  // All -inf: the first in-bounds position of each window, never the padding (PyTorch's).
  auto [v, i] = max_pool3d_with_indices(full({1, 1, 2, 2, 2}, -kInf), {2}, {1}, {1});
  EXPECT_EQ(values(v), std::vector<double>(27, -kInf));
  expect_indices(i,
                 {0, 0, 1, 0, 0, 1, 2, 2, 3, 0, 0, 1, 0, 0, 1, 2, 2, 3, 4, 4, 5, 4, 4, 5, 6, 6, 7});
  // Every NaN takes over: the last one's index.
  auto [vn, in] =
      max_pool3d_with_indices(doubles({kNaN, 1.0, kNaN, 2.0}).view({1, 1, 1, 2, 2}), {1, 2, 2});
  EXPECT_TRUE(std::isnan(vn.item<double>()));
  EXPECT_EQ(in.item<int64_t>(), 2);
  // Ties go to the first maximum in the window, depth first.
  auto [vt, it] = max_pool3d_with_indices(
      doubles({1.0, 0.0, 0.0, 3.0, 3.0, 0.0, 0.0, 0.0}).view({1, 1, 2, 2, 2}), {2});
  EXPECT_EQ(vt.item<double>(), 3.0);
  EXPECT_EQ(it.item<int64_t>(), 3);
  Tensor y = max_pool3d(seq({1, 2, 4, 4, 4}, 0.37, 0.0, kFloat32), {2});
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_close(y, max_pool3d(seq({1, 2, 4, 4, 4}), {2}).to(kFloat32), 0, 0);
  Tensor xt = seq({1, 2, 4, 5, 4}).transpose(2, 4);
  ASSERT_FALSE(xt.is_contiguous());
  auto [vt2, it2] = max_pool3d_with_indices(xt, {2}, {1});
  auto [vc, ic] = max_pool3d_with_indices(xt.contiguous(), {2}, {1});
  expect_close(vt2, vc, 0, 0);
  EXPECT_TRUE(it2.equal(ic));
  auto [ve, ie] = max_pool3d_with_indices(zeros({0, 2, 5, 5, 5}), {2});
  EXPECT_EQ(ve.sizes().vec(), (std::vector<int64_t>{0, 2, 2, 2, 2}));
  EXPECT_EQ(ie.sizes().vec(), (std::vector<int64_t>{0, 2, 2, 2, 2}));
}

TEST(MaxPool3dGrad, MatchesPyTorch) {
  Tensor x = seq({1, 2, 3, 4, 4}).requires_grad_();
  Tensor y = max_pool3d(x, {3}, {1}, {1});
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool3DWithIndicesBackward0");
  Tensor g = autograd::grad({y}, {x}, {seq({1, 2, 3, 4, 4}, 0.29, 0.1)})[0];
  std::vector<double> want(96, 0.0);
  const std::pair<int, double> nonzero[] = {
      {21, 2.956977892},   {22, 1.52470038},    {24, -1.090179955}, {25, -0.8512734009},
      {26, -0.9657730606}, {38, -4.179467621},  {40, 2.566671279},  {41, 1.351581415},
      {42, 1.24680589},    {53, 0.8047210134},  {54, 1.085376775},  {55, 1.417438666},
      {69, -0.9658881542}, {70, -0.9996064815}, {71, -1.770606061}, {72, -2.49588867},
      {73, -0.6958163613}, {74, -0.4613852347}, {89, 7.142588685},  {90, 0.9063199706}};
  for (const auto& [at, value] : nonzero) want[static_cast<size_t>(at)] = value;
  expect_close(g, expected(want, {1, 2, 3, 4, 4}), 1e-9, 1e-9);
}

TEST(MaxPool3dGrad, NamesAndDoubleBackward) {
  Tensor x = seq({2, 3, 4, 5}).requires_grad_();
  Tensor y = max_pool3d(x, {2});
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool3DWithIndicesBackward0");  // unbatched too
  Tensor gy = seq({2, 1, 2, 2}, 0.5).requires_grad_();
  Tensor gx = autograd::grad({y}, {x}, {gy}, std::nullopt, true)[0];
  ASSERT_TRUE(gx.grad_fn() != nullptr);
  EXPECT_EQ(gx.grad_fn()->name(), "MaxPool3DWithIndicesBackwardBackward0");
  // d<gx, v>/d gy reads v at the argmax positions.
  Tensor v = seq({2, 3, 4, 5}, 0.8, 0.4);
  Tensor ggy = autograd::grad({(gx * v).sum()}, {gy})[0];
  auto [vals, idx] = max_pool3d_with_indices(x.detach(), {2});
  expect_close(ggy, v.reshape({2, 60}).gather(1, idx.reshape({2, 4})).reshape({2, 1, 2, 2}), 0, 0);
}

TEST(MaxPool3dGrad, GradcheckAndGradgradcheck) {
  manual_seed(17);
  expect_gradchecks(
      {
          {{1, 2, 4, 4, 4}, [](const Tensor& x) { return max_pool3d(x, {2}); }},
          {{1, 1, 3, 4, 4}, [](const Tensor& x) { return max_pool3d(x, {3}, {1}, {1}); }},
          {{1, 1, 5, 4, 5},
           [](const Tensor& x) {
             return max_pool3d(x, {3, 2, 3}, {2, 1, 2}, {1, 0, 1}, {1, 2, 1});
           }},
          {{1, 1, 3, 5, 5}, [](const Tensor& x) { return max_pool3d(x, {2}, {}, {0}, {1}, true); }},
          {{2, 3, 4, 5},
           [](const Tensor& x) {
             return max_pool3d(x, {2, 2, 3}, {1, 2, 2}, {1});
           }},
      },
      distinct);
}

// ---- avg_pool3d ----------------------------------------------------------------------------

TEST(AvgPool3d, PaddingCountsOrNot) {
  Tensor x = seq({1, 1, 5, 5, 5});
  expect_close(avg_pool3d(x, {3}, {2}, {1}),
               expected({0.00797234905,   -0.0001519120886, -0.008149553023, -0.004520187185,
                         -0.002926433071, 0.001106531499,   0.01466165115,   0.01480548372,
                         0.002608801472,  -0.05856426025,   -0.1198012711,   -0.0811827562,
                         0.01215823738,   0.03752294763,    0.03161191573,   -0.002315861722,
                         -0.06808793991,  -0.07710805731,   -0.01343780668,  -0.01102843525,
                         0.0005732443276, 0.005654843902,   0.006428228867,  0.00184362249,
                         -0.01487777689,  -0.0211597303,    -0.009804842508},
                        {1, 1, 3, 3, 3}),
               1e-9, 1e-9);
  expect_close(
      avg_pool3d(x, {3}, {2}, {1}, false, false),
      expected({0.02690667804,   -0.0003418021993, -0.02750474145, -0.01017042117, -0.004389649606,
                0.002489695872,  0.04948307262,    0.03331233836,  0.008804704967, -0.1317695856,
                -0.1797019067,   -0.1826612014,    0.01823735607,  0.03752294763,  0.04741787359,
                -0.005210688874, -0.1021319099,    -0.173493129,   -0.04535259754, -0.02481397931,
                0.001934699606,  0.01272339878,    0.0096423433,   0.004148150602, -0.05021249699,
                -0.04760939317,  -0.03309134347},
               {1, 1, 3, 3, 3}),
      1e-9, 1e-9);
  // Without padding, each output is its window's mean.
  Tensor cube = seq({1, 2, 4, 4, 4});
  expect_close(avg_pool3d(cube, {2}),
               cube.unfold(2, 2, 2).unfold(3, 2, 2).unfold(4, 2, 2).mean({-3, -2, -1}), 1e-12,
               1e-12);
}

TEST(AvgPool3d, CeilModeAndDivisorOverrideMatchPyTorch) {
  Tensor x = seq({1, 1, 4, 5, 6});
  Tensor y = avg_pool3d(x, {3}, {2}, {1}, true);
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{1, 1, 3, 3, 4}));
  expect_close(
      y,
      expected({0.05126233537,  0.1260180235,   0.1345247927,   0.05818249587,   0.01542619333,
                0.03181406134,  0.02932856724,  0.01146595161,  0.07763105675,   0.1398040233,
                0.1105297348,   0.03762113926,  -0.07807533149, -0.1007132469,   -0.03832080264,
                0.001627331903, -0.01826333785, -0.02090679696, -0.004121396809, 0.003004260701,
                -0.07452379109, -0.07397326981, 0.003884516018, 0.02347473601,   -0.003639566583,
                -0.07903525069, -0.1375333607,  -0.07346861515, -0.005114935046, -0.02342505998,
                -0.03323702471, -0.01654028302, -0.03909821807, -0.1166925855,   -0.1401782412,
                -0.06473354142},
               {1, 1, 3, 3, 4}),
      1e-9, 1e-9);
  expect_close(
      avg_pool3d(x, {3}, {2}, {1}, true, false),
      expected({0.1730103819,   0.2835405528,   0.3026807837,   0.2618212314,    0.03470893499,
                0.04772109201,  0.04399285087,  0.03439785483,  0.2620048165,    0.3145590523,
                0.2486919034,   0.1692951267,   -0.1756694959,  -0.1510698704,   -0.05748120396,
                0.004881995708, -0.02739500677, -0.02090679696, -0.004121396809, 0.006008521402,
                -0.1676785299,  -0.1109599047,  0.005826774028, 0.07042420803,   -0.01637804962,
                -0.2371057521,  -0.412600082,   -0.4408116909,  -0.01534480514,  -0.04685011995,
                -0.06647404942, -0.06616113209, -0.1759419813,  -0.3500777565,   -0.4205347235,
                -0.3884012485},
               {1, 1, 3, 3, 4}),
      1e-9, 1e-9);
  Tensor yd = avg_pool3d(x, {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, true, true, 5);
  ASSERT_EQ(yd.sizes().vec(), (std::vector<int64_t>{1, 1, 5, 3, 3}));
  expect_close(yd.flatten().narrow(0, 0, 9),
               doubles({0.3364450492, 0.3126576403, 0.1253306249, 0.08190084406, 0.06531955564,
                        0.01457203216, 0.3478765708, 0.2331192029, -0.003574167194}),
               1e-9, 1e-9);
  expect_close(yd.flatten().narrow(0, 36, 9),
               doubles({-0.0131024397, -0.2452810831, -0.3491622962, -0.01841376616, -0.06762595319,
                        -0.0814655142, -0.1407535851, -0.31976684, -0.3315219299}),
               1e-9, 1e-9);
}

TEST(AvgPool3d, UnbatchedAsymmetricNonContiguous) {
  Tensor y = avg_pool3d(seq({2, 3, 4, 5}), {2, 3, 2}, {1, 1, 2}, {1, 1, 1});
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{2, 4, 4, 3}));
  expect_close(y.flatten().narrow(0, 0, 6),
               doubles({0.08010626691, 0.1963760965, 0.1570734279, 0.03595325517, 0.04939295373,
                        -0.0002505308857}),
               1e-9, 1e-9);
  expect_close(y.flatten().narrow(0, 90, 6),
               doubles({0.00524522954, -0.02959786648, -0.06724103141, -0.07084863556,
                        -0.1919279809, -0.1722393256}),
               1e-9, 1e-9);
  Tensor xt = seq({2, 3, 4, 5}).transpose(1, 3).contiguous().transpose(1, 3);
  ASSERT_FALSE(xt.is_contiguous());
  expect_close(avg_pool3d(xt, {2, 3, 2}, {1, 1, 2}, {1, 1, 1}), y, 1e-12, 1e-12);
  EXPECT_EQ(avg_pool3d(zeros({0, 2, 4, 4, 4}), {2}).sizes().vec(),
            (std::vector<int64_t>{0, 2, 2, 2, 2}));
  expect_close(avg_pool3d(seq({1, 2, 4, 4, 4}, 0.37, 0, kFloat32), {2}),
               avg_pool3d(seq({1, 2, 4, 4, 4}), {2}).to(kFloat32), 1e-6, 1e-6);
}

TEST(AvgPool3dGrad, MatchesPyTorch) {
  Tensor x = seq({1, 1, 4, 5, 6}).requires_grad_();
  Tensor y = avg_pool3d(x, {3}, {2}, {1}, true, false);
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "AvgPool3DBackward0");
  Tensor g = seq({1, 1, 3, 3, 4}, 0.29, 0.1);
  Tensor gx = autograd::grad({y}, {x}, {g})[0];
  expect_close(gx.flatten().narrow(0, 0, 8),
               doubles({0.01247917708, 0.04416154501, 0.03168236793, 0.0840817866, 0.05239941867,
                        0.258620847, 0.09182003888, 0.1790459493}),
               1e-9, 1e-9);
  expect_close(gx.flatten().narrow(0, 114, 6),
               doubles({-0.01996563912, -0.06559706608, -0.04563142696, -0.1197730717,
                        -0.07414164476, -0.3635220259}),
               1e-9, 1e-9);
  Tensor y7 = avg_pool3d(x, {3}, {2}, {1}, true, true, 7);
  Tensor gx7 = autograd::grad({y7}, {x}, {g})[0];
  expect_close(gx7.flatten().narrow(0, 0, 6),
               doubles({0.01426191666, 0.0685745474, 0.05431263073, 0.1441402056, 0.08982757486,
                        0.2076683911}),
               1e-9, 1e-9);
  expect_close(gx7.flatten().narrow(0, 116, 4),
               doubles({-0.04797460437, -0.09290110797, -0.04492650359, -0.08305299305}), 1e-9,
               1e-9);
}

TEST(AvgPool3dGrad, NamesAndDoubleBackward) {
  Tensor x = seq({2, 4, 4, 4}).requires_grad_();
  Tensor y = avg_pool3d(x, {2}, {}, {0}, false, true, 3);
  EXPECT_EQ(y.grad_fn()->name(), "AvgPool3DBackward0");  // unbatched too
  Tensor gy = seq({2, 2, 2, 2}, 0.5).requires_grad_();
  Tensor gx = autograd::grad({y}, {x}, {gy}, std::nullopt, true)[0];
  ASSERT_TRUE(gx.grad_fn() != nullptr);
  EXPECT_EQ(gx.grad_fn()->name(), "AvgPool3DBackwardBackward0");
  // The gradient's adjoint is average pooling again.
  Tensor v = seq({2, 4, 4, 4}, 0.8, 0.4);
  expect_close(autograd::grad({(gx * v).sum()}, {gy})[0],
               avg_pool3d(v, {2}, {}, {0}, false, true, 3), 1e-12, 1e-12);
}

TEST(AvgPool3dGrad, GradcheckAndGradgradcheck) {
  manual_seed(19);
  expect_gradchecks(
      {
          {{1, 2, 4, 4, 4}, [](const Tensor& x) { return avg_pool3d(x, {2}); }},
          {{1, 1, 5, 5, 5}, [](const Tensor& x) { return avg_pool3d(x, {3}, {2}, {1}); }},
          {{1, 1, 4, 5, 6},
           [](const Tensor& x) { return avg_pool3d(x, {3}, {2}, {1}, true, false); }},
          {{1, 1, 4, 5, 6},
           [](const Tensor& x) {
             return avg_pool3d(x, {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, true, true, 5);
           }},
          {{2, 3, 4, 5},
           [](const Tensor& x) {
             return avg_pool3d(x, {2, 3, 2}, {1, 1, 2}, {1, 1, 1});
           }},
      },
      [](IntArrayRef shape) { return randn(shape, kFloat64); });
}

// ---- Composed 3-D pools --------------------------------------------------------------------

TEST(AdaptivePool3d, AverageMatchesPyTorch) {
  Tensor x = seq({1, 2, 5, 4, 7});
  Tensor y = adaptive_avg_pool3d(x, {2, 3, 3});
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{1, 2, 2, 3, 3}));
  expect_close(y.flatten().narrow(0, 0, 6),
               doubles({0.008364853327, -0.003203117138, -0.01309565592, -0.01441446795,
                        -0.0056112934, 0.006126940451}),
               1e-9, 1e-9);
  expect_close(y.flatten().narrow(0, 30, 6),
               doubles({0.01197412001, 0.001452406019, -0.009829007648, -0.01594170576,
                        -0.009709498895, 0.001601386449}),
               1e-9, 1e-9);
  // Global pooling is the mean; an output as large as the input is the input.
  expect_close(adaptive_avg_pool3d(x, {1, 1, 1}), x.mean({-3, -2, -1}, true), 1e-12, 1e-12);
  expect_close(adaptive_avg_pool3d(x, {5, 4, 7}), x, 1e-12, 1e-12);
  EXPECT_EQ(adaptive_avg_pool3d(seq({2, 3, 4, 5}), {2, 2, 2}).sizes().vec(),
            (std::vector<int64_t>{2, 2, 2, 2}));
}

TEST(AdaptivePool3d, MaximaAndIndicesMatchPyTorch) {
  auto [v, i] = adaptive_max_pool3d(seq({1, 2, 5, 4, 7}), {2, 3, 3});
  expect_indices(i,
                 {56, 38, 4,  72, 72, 39, 72, 72, 55, 56, 123, 123, 72,  123, 123, 106, 72,  139,
                  0,  67, 68, 35, 17, 68, 51, 51, 18, 85, 86,  68,  119, 102, 102, 135, 102, 102});
  expect_close(v.flatten().narrow(0, 0, 4),
               doubles({0.9554405264, 0.9970241088, 0.9958808445, 0.9979821685}), 1e-9, 1e-9);
  expect_close(v, seq({1, 2, 140}).gather(2, i.reshape({1, 2, 18})).reshape(v.sizes()), 0, 0);
  // Unbatched, with windows wider than the input's dims (upsampling).
  auto [vu, iu] = adaptive_max_pool3d(seq({2, 3, 4, 5}), {3, 2, 4});
  ASSERT_EQ(vu.sizes().vec(), (std::vector<int64_t>{2, 3, 2, 4}));
  expect_indices(iu, {5,  6,  3,  4,  16, 17, 18, 19, 21, 21, 22, 23, 36, 37, 38, 38,
                      40, 41, 42, 43, 55, 56, 57, 54, 0,  7,  8,  9,  11, 12, 12, 13,
                      26, 27, 28, 29, 30, 31, 32, 33, 46, 46, 47, 48, 50, 51, 58, 59});
  EXPECT_EQ(std::get<1>(adaptive_max_pool3d(seq({1, 1, 2, 2, 2}), {0, 2, 2})).sizes().vec(),
            (std::vector<int64_t>{1, 1, 0, 2, 2}));
}

TEST(MaxUnpool3d, InvertsMaxPool3dLikePyTorch) {
  auto [v, i] = max_pool3d_with_indices(seq({1, 1, 4, 5, 4}), {2});
  expect_indices(i, {21, 22, 8, 35, 40, 42, 72, 55});
  Tensor u = max_unpool3d(v, i, {2}, {}, {0}, {4, 5, 4});
  ASSERT_EQ(u.sizes().vec(), (std::vector<int64_t>{1, 1, 4, 5, 4}));
  std::vector<double> want(80, 0.0);
  const std::pair<int, double> placed[] = {
      {8, 0.1805962679},  {21, 0.9964756147}, {22, 0.9593748339}, {35, 0.3742885011},
      {40, 0.7882520674}, {42, 0.1671746275}, {55, 0.9975263011}, {72, 0.9979821685}};
  for (const auto& [at, value] : placed) want[static_cast<size_t>(at)] = value;
  expect_close(u, expected(want, {1, 1, 4, 5, 4}), 1e-9, 1e-9);
  // Without output_size: (in - 1) * stride - 2 * padding + kernel_size per dim.
  auto [vc, ic] = max_pool3d_with_indices(seq({1, 1, 4, 4, 4}), {2});
  const Tensor uc = max_unpool3d(vc, ic, {2});
  EXPECT_EQ(uc.sizes().vec(), (std::vector<int64_t>{1, 1, 4, 4, 4}));
  expect_close(uc.flatten(2).gather(2, ic.flatten(2)), vc.flatten(2), 0, 0);
  EXPECT_EQ(uc.ne(0).sum().item<int64_t>(), 8);
  EXPECT_EQ(max_unpool3d(v.squeeze(0), i.squeeze(0), {2, 2, 2}, {2}, {0, 0, 0}, {1, 4, 5, 4})
                .sizes()
                .vec(),
            (std::vector<int64_t>{1, 4, 5, 4}));
}

TEST(ComposedPool3dGrad, GradcheckAndGradgradcheck) {
  manual_seed(23);
  const Tensor at = std::get<1>(max_pool3d_with_indices(distinct({1, 2, 4, 5, 4}), {2}));
  expect_gradchecks(
      {
          {{1, 2, 5, 4, 7},
           [](const Tensor& x) {
             return adaptive_avg_pool3d(x, {2, 3, 3});
           }},
          {{2, 3, 4, 5},
           [](const Tensor& x) {
             return adaptive_avg_pool3d(x, {3, 2, 4});
           }},
          {{1, 2, 5, 4, 7},
           [](const Tensor& x) {
             return std::get<0>(adaptive_max_pool3d(x, {2, 3, 3}));
           }},
          {{2, 3, 4, 5},
           [](const Tensor& x) {
             return std::get<0>(adaptive_max_pool3d(x, {3, 2, 4}));
           }},
          {{1, 2, 2, 2, 2},
           [at](const Tensor& x) {
             return max_unpool3d(x, at, {2}, {}, {0}, {4, 5, 4});
           }},
      },
      distinct);
}

// ---- Errors --------------------------------------------------------------------------------

TEST(PoolErrors, MaxPool2d) {
  Tensor x = zeros({1, 2, 5, 5});
  EXPECT_EMBER_ERROR(max_pool2d(zeros({5, 5}), {2}),
                     "max_pool2d: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                     "size for input, but got: [5, 5]");
  EXPECT_EMBER_ERROR(max_pool2d(zeros({1, 1, 1, 5, 5}), {2}), "but got: [1, 1, 1, 5, 5]");
  EXPECT_EMBER_ERROR(max_pool2d(zeros({1, 0, 5, 5}), {2}), "but got: [1, 0, 5, 5]");
  EXPECT_EMBER_ERROR(max_pool2d(zeros({2, 0, 5}), {2}), "but got: [2, 0, 5]");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2, 2, 2}),
                     "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(max_pool2d(x, IntArrayRef{}), "kernel_size must either be a single int");
  EXPECT_EMBER_ERROR(
      max_pool2d(x, {2}, {1, 1, 1}),
      "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {2}, {1, 1, 1}),
                     "max_pool2d: padding must either be a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {2}, {0}, {1, 1, 1}),
                     "max_pool2d: dilation must be either a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2, -1}, {1}),
                     "max_pool2d: kernel size should be greater than zero, but got kH: 2 kW: -1");
  EXPECT_EMBER_ERROR(max_pool2d(x, {0}), "max_pool2d: kernel size should be greater than zero");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {-1}),
                     "max_pool2d: stride should be greater than zero, but got dH: -1 dW: -1");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {2}, {0}, {0}),
                     "max_pool2d: dilation should be greater than zero, but got dilationH: 0 "
                     "dilationW: 0");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {2}, {-1}),
                     "max_pool2d: pad must be non-negative, but got pad: -1");
  EXPECT_EMBER_ERROR(max_pool2d(x, {2}, {2}, {2}),
                     "max_pool2d: pad should be at most half of kernel size, but got pad=2 and "
                     "kernel_size=2");
  EXPECT_EMBER_ERROR(max_pool2d(x, {3}, {1}, {1, 2}),
                     "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  EXPECT_EMBER_ERROR(max_pool2d(x, {6}),
                     "max_pool2d: Given input size: (2x5x5). Calculated output size: (2x0x0). "
                     "Output size is too small");
  EXPECT_EMBER_ERROR(max_pool2d(x, {3}, {}, {0}, {3}), "Calculated output size: (2x0x0).");
  EXPECT_EMBER_ERROR(max_pool2d(x.to(kInt64), {2}), "max_pool2d: not implemented for 'Long'");
  EXPECT_EMBER_ERROR(max_pool2d(x.to(kBool), {2}), "max_pool2d: not implemented for 'Bool'");
}

TEST(PoolErrors, AvgPool2d) {
  Tensor x = zeros({1, 2, 5, 5});
  EXPECT_EMBER_ERROR(avg_pool2d(zeros({5, 5}), {2}),
                     "avg_pool2d: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                     "size for input, but got: [5, 5]");
  EXPECT_EMBER_ERROR(avg_pool2d(zeros({1, 2, 0, 5}), {2}), "but got: [1, 2, 0, 5]");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {2, 2, 2}),
                     "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(
      avg_pool2d(x, {2}, {1, 1, 1}),
      "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {2}, {2}, {1, 1, 1}),
                     "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {0}, {1}),
                     "avg_pool2d: kernel size should be greater than zero, but got kH: 0 kW: 0");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {2}, {0}),
                     "avg_pool2d: stride should be greater than zero, but got dH: 0 dW: 0");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {2}, {2}, {-1}),
                     "avg_pool2d: pad must be non-negative, but got pad: -1");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {2}, {2}, {2}),
                     "avg_pool2d: pad should be at most half of kernel size, but got pad=2 and "
                     "kernel_size=2");
  EXPECT_EMBER_ERROR(avg_pool2d(x, {6}),
                     "avg_pool2d: Given input size: (2x5x5). Calculated output size: (2x0x0). "
                     "Output size is too small");
  EXPECT_EMBER_ERROR(avg_pool2d(x.to(kInt32), {2}), "avg_pool2d: not implemented for 'Int'");
  try {
    avg_pool2d(x, {2}, {2}, {2});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
  }
}

TEST(PoolErrors, MaxPool3d) {
  Tensor x = zeros({1, 2, 5, 5, 5});
  EXPECT_EMBER_ERROR(max_pool3d(zeros({5, 5, 5}), {2}),
                     "max_pool3d: Expected 4D or 5D (batch mode) tensor with optional 0 dim batch "
                     "size for input, but got: [5, 5, 5]");
  EXPECT_EMBER_ERROR(max_pool3d(zeros({1, 0, 5, 5, 5}), {2}), "but got: [1, 0, 5, 5, 5]");
  EXPECT_EMBER_ERROR(max_pool3d(zeros({2, 5, 0, 5}), {2}), "but got: [2, 5, 0, 5]");
  EXPECT_EMBER_ERROR(
      max_pool3d(x, {2, 2}),
      "max_pool3d: kernel_size must either be a single int, or a tuple of three ints");
  EXPECT_EMBER_ERROR(
      max_pool3d(x, {2}, {1, 1}),
      "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2}, {1, 1}),
                     "max_pool3d: padding must either be a single int, or a tuple of three ints");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2}, {0}, {1, 1}),
                     "max_pool3d: dilation must be either a single int, or a tuple of three ints");
  EXPECT_EMBER_ERROR(max_pool3d(x, {0, 2, 2}, {1}),
                     "max_pool3d: kernel size should be greater than zero, but got kT: 0 kH: 2 "
                     "kW: 2");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2, 0, 1}),
                     "max_pool3d: stride should be greater than zero, but got dT: 2 dH: 0 dW: 1");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2}, {0}, {0, 1, 1}),
                     "max_pool3d: dilation should be greater than zero, but got dilationT: 0 "
                     "dilationH: 1 dilationW: 1");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2}, {0, 0, -1}),
                     "max_pool3d: pad must be non-negative, but got pad: -1");
  EXPECT_EMBER_ERROR(max_pool3d(x, {2}, {2}, {0, 2, 0}),
                     "max_pool3d: pad should be at most half of kernel size, but got pad=2 and "
                     "kernel_size=2");
  EXPECT_EMBER_ERROR(max_pool3d(x, {6}),
                     "max_pool3d: Given input size: (2x5x5x5). Calculated output size: "
                     "(2x0x0x0). Output size is too small");
  EXPECT_EMBER_ERROR(max_pool3d(x, {1, 3, 3}, {1}, {0}, {1, 3, 1}),
                     "Calculated output size: (2x5x0x3).");
  EXPECT_EMBER_ERROR(max_pool3d(x.to(kInt64), {2}), "max_pool3d: not implemented for 'Long'");
}

TEST(PoolErrors, AvgPool3dAndDivisorOverride) {
  Tensor x = zeros({1, 2, 5, 5, 5});
  EXPECT_EMBER_ERROR(avg_pool3d(zeros({5, 5, 5}), {2}),
                     "avg_pool3d: Expected 4D or 5D (batch mode) tensor with optional 0 dim batch "
                     "size for input, but got: [5, 5, 5]");
  EXPECT_EMBER_ERROR(
      avg_pool3d(x, {2, 2}),
      "avg_pool3d: kernel_size must either be a single int, or a tuple of three ints");
  EXPECT_EMBER_ERROR(avg_pool3d(x, {2}, {0}),
                     "avg_pool3d: stride should be greater than zero, but got dT: 0 dH: 0 dW: 0");
  EXPECT_EMBER_ERROR(avg_pool3d(x, {2}, {2}, {2}),
                     "avg_pool3d: pad should be at most half of kernel size, but got pad=2 and "
                     "kernel_size=2");
  EXPECT_EMBER_ERROR(avg_pool3d(x, {6}),
                     "avg_pool3d: Given input size: (2x5x5x5). Calculated output size: "
                     "(2x0x0x0). Output size is too small");
  EXPECT_EMBER_ERROR(avg_pool3d(x.to(kInt32), {2}), "avg_pool3d: not implemented for 'Int'");
  EXPECT_EMBER_ERROR(avg_pool3d(x, {2}, {}, {0}, false, true, 0),
                     "avg_pool3d: divisor must be not zero");
  EXPECT_EMBER_ERROR(avg_pool2d(zeros({1, 2, 5, 5}), {2}, {}, {0}, false, true, 0),
                     "avg_pool2d: divisor must be not zero");
}

TEST(PoolErrors, Composed3d) {
  EXPECT_EMBER_ERROR(adaptive_avg_pool3d(zeros({2, 2, 2}), {2, 2, 2}),
                     "adaptive_avg_pool3d: Expected 4D or 5D tensor, but got [2, 2, 2]");
  EXPECT_EMBER_ERROR(adaptive_max_pool3d(zeros({1, 2, 2, 2, 2}), {2, 2}),
                     "adaptive_max_pool3d: output_size must be 3, but got 2 values");
  EXPECT_EMBER_ERROR(adaptive_avg_pool3d(zeros({1, 2, 0, 2, 2}), {1, 1, 1}),
                     "adaptive_avg_pool3d: Expected input to have non-zero size for non-batch "
                     "dimensions, but input has sizes [1, 2, 0, 2, 2] with dimension 2 being "
                     "empty");
  const Tensor v = zeros({1, 1, 2, 2, 2});
  EXPECT_EMBER_ERROR(max_unpool3d(v, full({1, 1, 2, 2, 2}, 100, TensorOptions(kInt64)), {2}),
                     "max_unpool3d: Found an invalid max index: 100");
  EXPECT_EMBER_ERROR(max_unpool3d(zeros({2, 2, 2}), zeros({2, 2, 2}, TensorOptions(kInt64)), {2}),
                     "max_unpool3d: Expected 4D or 5D (batch mode) tensor for input");
  EXPECT_EMBER_ERROR(max_unpool3d(v, zeros({1, 1, 2, 2, 1}, TensorOptions(kInt64)), {2}),
                     "Expected shape of indices to be same as that of the input tensor");
  EXPECT_EMBER_ERROR(max_unpool3d(v, zeros({1, 1, 2, 2, 2}, TensorOptions(kInt64)), {2, 2}),
                     "max_unpool3d: kernel_size must be a single int or a tuple of 3 ints");
}

}  // namespace
}  // namespace ember
