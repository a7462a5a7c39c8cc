// max_pool2d(_with_indices) and avg_pool2d: values and indices against PyTorch 1.13
// (hard-coded) over strides, padding, dilation, ceil_mode and count_include_pad; gradients
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
  using Pool = std::function<Tensor(const Tensor&)>;
  const std::pair<std::vector<int64_t>, Pool> configs[] = {
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
  };
  manual_seed(11);
  for (const auto& [shape, pool] : configs) {
    SCOPED_TRACE(testing::repr(tensor(shape)));
    Tensor x = distinct(shape).requires_grad_();
    autograd::TensorFunction f = [pool = pool](const variable_list& v) {
      return variable_list{pool(v[0])};
    };
    EXPECT_TRUE(autograd::gradcheck(f, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(f, {x}));
  }
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
  using Pool = std::function<Tensor(const Tensor&)>;
  const std::pair<std::vector<int64_t>, Pool> configs[] = {
      {{2, 2, 4, 4}, [](const Tensor& x) { return avg_pool2d(x, {2}); }},
      {{1, 2, 5, 5}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}); }},
      {{1, 1, 5, 5}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, false, false); }},
      {{1, 1, 6, 6}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, true, true); }},
      {{1, 1, 6, 6}, [](const Tensor& x) { return avg_pool2d(x, {3}, {2}, {1}, true, false); }},
      {{2, 4, 5},
       [](const Tensor& x) {
         return avg_pool2d(x, {3, 2}, {1, 2}, {1, 1});
       }},
  };
  manual_seed(13);
  for (const auto& [shape, pool] : configs) {
    SCOPED_TRACE(testing::repr(tensor(shape)));
    Tensor x = randn(shape, kFloat64).requires_grad_();
    autograd::TensorFunction f = [pool = pool](const variable_list& v) {
      return variable_list{pool(v[0])};
    };
    EXPECT_TRUE(autograd::gradcheck(f, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(f, {x}));
  }
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

}  // namespace
}  // namespace ember
