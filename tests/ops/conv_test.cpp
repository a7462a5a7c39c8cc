// conv2d, im2col and col2im: values against PyTorch 1.13 (hard-coded) and against a direct loop,
// gradients (PyTorch values, gradcheck and gradgradcheck in float64), grad_fn names and every
// argument error.
#include <functional>

#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::expect_close;
using testing::values;

// sin(a * i + b) over the elements in row-major order: the same inputs are made in PyTorch as
// torch.sin(torch.arange(n, dtype=torch.float64) * a + b).reshape(shape).
Tensor seq(IntArrayRef shape, double a = 0.37, double b = 0.0, ScalarType dtype = kFloat64) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kFloat64) * a + b).sin().reshape(shape).to(dtype);
}

Tensor expected(std::vector<double> v, IntArrayRef shape, ScalarType dtype = kFloat64) {
  return tensor(v, dtype).reshape(shape);
}

// Direct cross-correlation in double: the definition, independent of im2col and GEMM.
Tensor reference_conv(const Tensor& x, const Tensor& w, const Tensor& b, std::vector<int64_t> s,
                      std::vector<int64_t> p, std::vector<int64_t> d, int64_t groups) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t ho = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
  const int64_t wo = (wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
  const auto xv = values(x), wv = values(w);
  const auto bv = b.defined() ? values(b) : std::vector<double>(o, 0.0);
  std::vector<double> out;
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t oh = 0; oh < ho; ++oh)
        for (int64_t ow = 0; ow < wo; ++ow) {
          double acc = bv[oc];
          const int64_t g = oc / (o / groups);
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t ih = oh * s[0] - p[0] + i * d[0], iw = ow * s[1] - p[1] + j * d[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                acc += xv[((in * c + g * cg + ic) * h + ih) * wd + iw] *
                       wv[((oc * cg + ic) * kh + i) * kw + j];
              }
          out.push_back(acc);
        }
  return tensor(out, kFloat64).reshape({n, o, ho, wo});
}

// ---- conv2d forward ------------------------------------------------------------------------

TEST(Conv2d, BasicWithBiasMatchesPyTorch) {
  Tensor y = conv2d(seq({1, 2, 4, 4}), seq({3, 2, 3, 3}, 0.61, 0.3), seq({3}, 1.3, 0.2));
  EXPECT_EQ(y.dtype(), kFloat64);
  expect_close(
      y,
      expected({5.550917792, 7.534481059, 7.144148546, 4.959340579, 4.770292089, 1.741243298,
                -6.299219911, -7.41561266, -5.134772815, -7.023989341, -6.383217981, -4.163637376},
               {1, 3, 2, 2}),
      1e-9, 1e-9);
}

TEST(Conv2d, Float32MatchesPyTorch) {
  Tensor y = conv2d(seq({1, 2, 4, 4}, 0.37, 0, kFloat32), seq({3, 2, 3, 3}, 0.61, 0.3, kFloat32),
                    seq({3}, 1.3, 0.2, kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_close(
      y,
      expected({5.550918102, 7.534481525, 7.144148827, 4.959340096, 4.770292282, 1.741243362,
                -6.299219608, -7.415612698, -5.134773254, -7.023989201, -6.383218288, -4.163638115},
               {1, 3, 2, 2}),
      1e-5, 1e-5);
}

TEST(Conv2d, StrideAndPaddingMatchPyTorch) {
  Tensor y = conv2d(seq({2, 2, 5, 5}), seq({2, 2, 3, 3}, 0.61, 0.3), {}, {2}, {1});
  expect_close(
      y,
      expected(
          {-0.2498113725, -1.260747202,  -0.4775246336, 1.558280248,   2.149002077,   0.1252959688,
           -1.59158572,   -1.386884888,  0.07597914053, -1.047811441,  -0.1124191256, 0.9904213637,
           1.298235295,   -0.5275218174, -1.283295242,  -0.0131592066, 1.177597277,   0.8055722404,
           0.08782121073, -1.095075645,  -0.6761434665, 1.409013397,   2.63081392,    0.8745029613,
           -1.613014937,  -1.930415876,  -0.4486523755, -1.371763315,  -0.8943676336, 0.4920474713,
           1.819568945,   0.4245692222,  -0.926430977,  -0.286461569,  0.9148476889,  0.9644784868},
          {2, 2, 3, 3}),
      1e-9, 1e-9);
}

TEST(Conv2d, DilationAndAsymmetricArgumentsMatchPyTorch) {
  Tensor y = conv2d(seq({1, 1, 6, 7}), seq({2, 1, 2, 3}, 0.61, 0.3), {}, {1, 2}, {1, 2}, {2});
  expect_close(
      y,
      expected({0.2435925918,  0.5366696784,  -0.2658169117, -1.067731588,   0.3979984485,
                0.5552765082,  1.437800487,   1.586397618,   0.4522342936,   0.3258217561,
                -0.8309237953, -1.084315705,  -1.168326187,  -1.110275411,   -0.02241988144,
                0.2606061955,  1.537871461,   1.565401352,   0.8691134169,   0.6404038121,
                -1.628607821,  -1.686321284,  -0.8046563771, -0.1855127965,  -0.06337897533,
                -0.8019666405, -0.6659749614, 0.2630684647,  -0.9420022951,  -0.930722419,
                -1.380864645,  -1.585016513,  0.2911477039,  0.2536692047,   1.106898676,
                1.424951946,   0.4460665478,  0.4986268712,  -0.5046065939,  -0.842220931,
                -1.050969416,  -1.103021223,  -0.2473609053, 0.009671996243, 1.684371936,
                2.164849579,   1.371354857,   0.4713850532},
               {1, 2, 6, 4}),
      1e-9, 1e-9);
}

TEST(Conv2d, GroupsMatchPyTorch) {
  Tensor y =
      conv2d(seq({1, 4, 3, 3}), seq({6, 2, 2, 2}, 0.61, 0.3), seq({6}, 1.3, 0.2), {1}, {0}, {1}, 2);
  expect_close(y,
               expected({3.947618656,   4.216086535,  3.159063175,   1.976635088,  0.410869985,
                         -0.6767022683, -2.055533275, -2.16017372,   -3.609691335, -4.241032756,
                         -3.644062775,  -2.49654846,  -0.6545563077, 0.2009291482, 1.400949939,
                         1.583068089,   3.863838239,  4.149586306,   2.773925872,  1.298706558,
                         1.788153185,   1.028008901,  -0.6310073926, -1.305339329},
                        {1, 6, 2, 2}),
               1e-9, 1e-9);
  // Depthwise: one filter per channel.
  Tensor z = conv2d(seq({1, 3, 4, 4}), seq({3, 1, 3, 3}, 0.61, 0.3), {}, {1}, {0}, {1}, 3);
  expect_close(
      z,
      expected({2.540548306, 3.927475533, 4.523401734, 3.443717655, 2.811700155, 3.408336195,
                2.422077481, 1.316953592, 3.566952963, 3.088984762, -0.3281229641, -1.611921461},
               {1, 3, 2, 2}),
      1e-9, 1e-9);
}

TEST(Conv2d, Int64IsExact) {
  Tensor x = arange(18).reshape({1, 2, 3, 3}) - 8;
  // PyTorch: torch.arange(16).reshape(2, 2, 2, 2) % 5 - 2
  Tensor w = tensor({-2, -1, 0, 1, 2, -2, -1, 0, 1, 2, -2, -1, 0, 1, 2, -2}).reshape({2, 2, 2, 2});
  Tensor y = conv2d(x, w);
  EXPECT_EQ(y.dtype(), kInt64);
  EXPECT_EQ(values(y), (std::vector<double>{13, 10, 4, 1, -8, -7, -5, -4}));
}

TEST(Conv2d, MatchesDirectLoop) {
  struct Config {
    std::vector<int64_t> x, w;
    std::vector<int64_t> s, p, d;
    int64_t groups;
    bool bias;
  };
  const Config configs[] = {
      {{2, 3, 9, 8}, {4, 3, 3, 2}, {2, 1}, {1, 0}, {1, 2}, 1, true},
      {{1, 4, 7, 7}, {6, 2, 3, 3}, {1, 1}, {2, 2}, {2, 2}, 2, false},
      {{3, 6, 5, 6}, {6, 1, 1, 3}, {1, 3}, {0, 1}, {1, 1}, 6, true},
      {{2, 1, 28, 28}, {8, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1, true},
      {{1, 2, 4, 5}, {3, 2, 4, 5}, {1, 1}, {0, 0}, {1, 1}, 1, true},
  };
  for (const Config& c : configs) {
    SCOPED_TRACE(testing::repr(tensor(c.x)) + " " + testing::repr(tensor(c.w)));
    Tensor x = seq(c.x), w = seq(c.w, 0.61, 0.3);
    Tensor b = c.bias ? seq({c.w[0]}, 1.3, 0.2) : Tensor();
    Tensor want = reference_conv(x, w, b, c.s, c.p, c.d, c.groups);
    expect_close(conv2d(x, w, b, c.s, c.p, c.d, c.groups), want, 1e-12, 1e-12);
    // Non-contiguous input and weight (H and W swapped in memory) give the same result.
    Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);
    Tensor wt = w.transpose(0, 3).contiguous().transpose(0, 3);
    ASSERT_FALSE(xt.is_contiguous());
    expect_close(conv2d(xt, wt, b, c.s, c.p, c.d, c.groups), want, 1e-12, 1e-12);
    // float32 agrees to float32 precision.
    expect_close(conv2d(x.to(kFloat32), w.to(kFloat32), c.bias ? b.to(kFloat32) : Tensor(), c.s,
                        c.p, c.d, c.groups),
                 want, 1e-4, 1e-5);
  }
}

TEST(Conv2d, UnbatchedInput) {
  Tensor x = seq({2, 4, 4}), w = seq({3, 2, 3, 3}, 0.61, 0.3), b = seq({3}, 1.3, 0.2);
  Tensor y = conv2d(x, w, b);
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{3, 2, 2}));
  expect_close(y, conv2d(x.unsqueeze(0), w, b)[0], 0, 0);
  expect_close(y[0][0][0], tensor(5.550917792, kFloat64), 1e-9, 1e-9);
}

TEST(Conv2d, EmptyBatch) {
  Tensor w = seq({3, 2, 3, 3}).requires_grad_();
  Tensor x = zeros({0, 2, 5, 5}, kFloat64).requires_grad_();
  Tensor y = conv2d(x, w, {}, {1}, {1});
  EXPECT_EQ(y.sizes().vec(), (std::vector<int64_t>{0, 3, 5, 5}));
  y.sum().backward();
  EXPECT_EQ(x.grad().sizes().vec(), (std::vector<int64_t>{0, 2, 5, 5}));
  EXPECT_EQ(values(w.grad()), std::vector<double>(54, 0.0));
}

// ---- conv2d backward -----------------------------------------------------------------------

TEST(Conv2dGrad, MatchesPyTorch) {
  Tensor x = seq({2, 2, 5, 5}).requires_grad_();
  Tensor w = seq({4, 1, 3, 3}, 0.61, 0.3).requires_grad_();
  Tensor b = seq({4}, 1.3, 0.2).requires_grad_();
  Tensor y = conv2d(x, w, b, {2}, {1}, {1}, 2);
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "ConvolutionBackward0");
  variable_list g = autograd::grad({y}, {x, w, b}, {seq({2, 4, 3, 3}, 0.29, 0.1)});
  expect_close(
      g[0],
      expected({0.428115161,    0.6698136517,  0.2798704019,   0.3884183917,  0.1082530362,
                0.2547408041,   0.371687086,   0.2140189051,   0.2785920978,  0.1554238061,
                -0.07240478409, -0.2454763128, -0.247015918,   -0.545037785,  -0.4009981971,
                0.08384891543,  0.0323221189,  0.005271613288, -0.1002863119, -0.07374593313,
                -0.5214922148,  -0.9863929382, -0.5984352449,  -1.091328058,  -0.6254016019,
                -0.3989332218,  -0.5361493724, -0.2406826845,  -0.2305387601, -0.06233219483,
                0.1589049401,   0.2812525276,  0.2127975091,   0.3674299614,  0.2489188794,
                0.1212237966,   0.4113108205,  0.2946561161,   0.6939474868,  0.4434810407,
                0.2642524744,   0.4430958158,  0.2575177509,   0.4262652106,  0.2292771409,
                0.5552698662,   1.066597645,   0.6206868564,   1.125490284,   0.6342688913,
                0.1615382984,   0.3996790591,  0.3275615811,   0.6793824871,  0.4662294595,
                -0.0449724679,  0.03444437763, 0.03466096994,  0.1642207557,  0.1113997922,
                0.5659614672,   1.049958617,   0.6184287599,   1.109883673,   0.6192496761,
                0.1788353673,   0.3729375848,  0.2313359987,   0.434447624,   0.2645172406,
                0.5683556591,   0.9544033202,  0.4699969828,   0.7519824259,  0.3323878015,
                -0.2102784905,  -0.5587071482, -0.3730970332,  -0.8150128865, -0.5047574036,
                -0.2636467194,  -0.4392775262, -0.2459570657,  -0.4042531247, -0.2077269843,
                -0.594264348,   -1.107713158,  -0.6341429403,  -1.119663634,  -0.6210628294,
                -0.1521491553,  -0.2386684061, -0.08386500812, -0.1219364414, -0.008577105509,
                -0.5561163649,  -0.8698585542, -0.4447273721,  -0.6289647834, -0.2961981962},
               {2, 2, 5, 5}),
      1e-9, 1e-9);
  expect_close(g[1],
               expected({-0.1176757959, -0.3237003326, -0.2772396949,  0.831302565,   1.076032372,
                         0.6885531333,  -0.5155167732, -0.663576023,   -0.5743308978, 0.39300567,
                         0.5806857851,  0.5013178506,  -0.5250657528,  -0.5136831605, -0.2895144059,
                         0.5867946134,  0.6411031587,  0.5568208389,   0.7130592236,  0.8588102353,
                         0.7112952664,  -0.2865022991, -0.08701108013, 0.0153466637,  0.5346698455,
                         0.4708576408,  0.3745587679,  -0.6643120316,  -0.6852981966, -0.5573593754,
                         -0.2669145583, -0.6902694786, -0.5471798244,  -0.2166341042, -0.037675682,
                         -0.01131622287},
                        {4, 1, 3, 3}),
               1e-9, 1e-9);
  expect_close(g[2], expected({1.269484489, 2.133002192, -4.94678384, 6.39526143}, {4}), 1e-9,
               1e-9);
}

TEST(Conv2dGrad, UnbatchedGradFnIsSqueeze) {
  Tensor w = seq({3, 2, 3, 3}).requires_grad_();
  Tensor y = conv2d(seq({2, 4, 4}), w);
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "SqueezeBackward1");  // as in PyTorch 1.13
}

// Only the inputs that need a gradient get one; the others stay undefined.
TEST(Conv2dGrad, OnlyRequestedGradients) {
  Tensor x = seq({1, 2, 4, 4}), w = seq({3, 2, 3, 3}).requires_grad_();
  Tensor b = seq({3}, 0.5);
  conv2d(x, w, b).sum().backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  // d sum(y) / d w[o, c, i, j] = sum of the input under tap (i, j) over the 2 x 2 positions.
  Tensor x4 = x[0];
  EXPECT_NEAR(w.grad()[1][1][2][0].item<double>(),
              x4.index({1, indexing::Slice(2, 4), indexing::Slice(0, 2)}).sum().item<double>(),
              1e-12);
}

struct GradConfig {
  const char* name;
  std::vector<int64_t> x, w;
  std::vector<int64_t> s, p, d;
  int64_t groups;
  bool bias;
};

TEST(Conv2dGrad, GradcheckAndGradgradcheck) {
  const GradConfig configs[] = {
      {"plain", {2, 2, 4, 4}, {3, 2, 3, 3}, {1}, {0}, {1}, 1, true},
      {"stride_padding", {1, 2, 5, 4}, {2, 2, 2, 3}, {2, 1}, {1, 1}, {1}, 1, false},
      {"dilation", {1, 1, 6, 5}, {2, 1, 2, 2}, {1}, {1, 0}, {2, 1}, 1, true},
      {"groups", {2, 4, 4, 3}, {4, 2, 2, 2}, {1}, {1}, {1}, 2, true},
      {"depthwise_strided", {1, 3, 5, 5}, {3, 1, 3, 3}, {2}, {1}, {1}, 3, false},
      {"unbatched", {2, 4, 4}, {2, 2, 3, 3}, {1}, {1}, {1}, 1, true},
  };
  for (const GradConfig& c : configs) {
    SCOPED_TRACE(c.name);
    manual_seed(7);
    variable_list in{randn(c.x, kFloat64).requires_grad_(), randn(c.w, kFloat64).requires_grad_()};
    if (c.bias) in.push_back(randn({c.w[0]}, kFloat64).requires_grad_());
    autograd::TensorFunction f = [&c](const variable_list& v) {
      return variable_list{
          conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), c.s, c.p, c.d, c.groups)};
    };
    EXPECT_TRUE(autograd::gradcheck(f, in));
    EXPECT_TRUE(autograd::gradgradcheck(f, in));
  }
}

// Note [Convolution layouts]: batches of small outputs go through one product over the batch,
// the rest sample by sample. A batched call must agree with calls on one sample each (which
// always take the per-sample path), values and gradients, on both sides of the switch.
TEST(Conv2dGrad, BatchFoldedAndPerSampleProductsAgree) {
  for (int64_t side : {6, 20}) {  // 36 and 400 output pixels: folded, then per sample
    SCOPED_TRACE(side);
    manual_seed(3);
    Tensor x = randn({3, 2, side, side}, kFloat64).requires_grad_();
    Tensor w = randn({4, 2, 3, 3}, kFloat64).requires_grad_();
    Tensor y = conv2d(x, w, Tensor(), {1}, {1});
    Tensor g = randn(y.sizes(), kFloat64);
    variable_list batched = autograd::grad({y}, {x, w}, {g});
    Tensor gw = zeros_like(w);
    for (int64_t i = 0; i < 3; ++i) {
      Tensor xi = x.detach().narrow(0, i, 1).requires_grad_();
      Tensor yi = conv2d(xi, w, Tensor(), {1}, {1});
      expect_close(yi, y.detach().narrow(0, i, 1), 1e-12, 1e-12);
      variable_list one = autograd::grad({yi}, {xi, w}, {g.narrow(0, i, 1)});
      expect_close(one[0], batched[0].narrow(0, i, 1), 1e-12, 1e-12);
      gw = gw + one[1];
    }
    expect_close(batched[1], gw, 1e-12, 1e-12);
    if (side == 6) {
      autograd::TensorFunction f = [](const variable_list& v) {
        return variable_list{conv2d(v[0], v[1], Tensor(), {2}, {1})};
      };
      EXPECT_TRUE(autograd::gradgradcheck(f, {x.detach().requires_grad_(), w}));
    }
  }
}

// The same for conv_transpose2d, also with an output_padding that adds a window beyond the
// input (dilation 2), whose columns are cropped.
TEST(Conv2dGrad, TransposedBatchFoldedAndPerSampleProductsAgree) {
  struct Config {
    int64_t side, stride, dilation;
  };
  // 9 and 289 input pixels: folded, then per sample.
  for (const Config c : {Config{3, 2, 1}, Config{3, 1, 2}, Config{17, 2, 1}, Config{17, 1, 2}}) {
    SCOPED_TRACE(testing::repr(tensor({c.side, c.stride, c.dilation})));
    manual_seed(5);
    Tensor x = randn({3, 4, c.side, c.side}, kFloat64).requires_grad_();
    Tensor w = randn({4, 2, 3, 3}, kFloat64).requires_grad_();
    const auto convt = [c](const Tensor& in, const Tensor& weight) {
      return conv_transpose2d(in, weight, Tensor(), {c.stride}, {1}, {1}, 1, {c.dilation});
    };
    Tensor y = convt(x, w);
    Tensor g = randn(y.sizes(), kFloat64);
    variable_list batched = autograd::grad({y}, {x, w}, {g});
    Tensor gw = zeros_like(w);
    for (int64_t i = 0; i < 3; ++i) {
      Tensor xi = x.detach().narrow(0, i, 1).requires_grad_();
      Tensor yi = convt(xi, w);
      expect_close(yi, y.detach().narrow(0, i, 1), 1e-12, 1e-12);
      variable_list one = autograd::grad({yi}, {xi, w}, {g.narrow(0, i, 1)});
      expect_close(one[0], batched[0].narrow(0, i, 1), 1e-12, 1e-12);
      gw = gw + one[1];
    }
    expect_close(batched[1], gw, 1e-12, 1e-12);
    if (c.side == 3) {
      autograd::TensorFunction f = [&](const variable_list& v) {
        return variable_list{convt(v[0], v[1])};
      };
      EXPECT_TRUE(autograd::gradcheck(f, {x.detach().requires_grad_(), w}));
      EXPECT_TRUE(autograd::gradgradcheck(f, {x.detach().requires_grad_(), w}));
    }
  }
}

// Float32 convolutions run on the library's kernels where Ember is built with one (oneDNN);
// float64 ones on im2col and products. The two must agree, for conv2d and conv_transpose2d,
// values and both gradients, over groups, strides, dilations, paddings and output paddings.
TEST(Conv2dGrad, Float32LibraryKernelsAgreeWithFloat64Im2col) {
  struct Config {
    int64_t stride, padding, dilation, groups, output_padding;
  };
  for (const Config c : {Config{1, 1, 1, 1, 0}, Config{2, 1, 1, 2, 1}, Config{2, 2, 2, 4, 1},
                         Config{1, 0, 2, 2, 0}}) {
    SCOPED_TRACE(testing::repr(tensor({c.stride, c.padding, c.dilation, c.groups})));
    for (bool transposed : {false, true}) {
      manual_seed(11);
      Tensor x = randn({2, 4, 9, 7}, kFloat64);
      Tensor w = randn({transposed ? 4 : 8, transposed ? 2 : 4 / c.groups, 3, 3}, kFloat64);
      const auto run = [&](ScalarType dtype) {
        Tensor xs = x.to(dtype).requires_grad_(), ws = w.to(dtype).requires_grad_();
        Tensor y = transposed
                       ? conv_transpose2d(xs, ws, Tensor(), {c.stride}, {c.padding},
                                          {c.output_padding}, c.groups, {c.dilation})
                       : conv2d(xs, ws, Tensor(), {c.stride}, {c.padding}, {c.dilation}, c.groups);
        Tensor g = (arange(y.numel(), kFloat64) * 0.37).sin().reshape(y.sizes()).to(dtype);
        variable_list grads = autograd::grad({y}, {xs, ws}, {g});
        return variable_list{y, grads[0], grads[1]};
      };
      const variable_list single = run(kFloat32), twice = run(kFloat64);
      for (size_t i = 0; i < single.size(); ++i) {
        EXPECT_EQ(single[i].dtype(), kFloat32);
        expect_close(single[i].to(kFloat64), twice[i], 1e-4, 1e-4);
      }
    }
  }
}

// Float32 convolutions at stride 1 over few taps per output pixel run on Ember's direct kernels
// (kernels/cpu/shallow_conv.cpp), which read each operand through its strides: they must agree
// with float64 im2col over channel blocks of every remainder, groups, dilation, rows narrower
// and wider than a vector, channels-last operands and output gradients that are broadcast,
// strided or permuted, with the bias fused into both passes.
TEST(Conv2dGrad, ShallowKernelsAgreeWithFloat64Im2col) {
  struct Config {
    int64_t n, c, o, h, w, k, padding, dilation, groups;
    bool channels_last;
    int gradient;  // 0 dense, 1 broadcast (sum()'s), 2 every other column of a wider tensor
  };
  for (const Config c :
       {Config{3, 1, 32, 9, 7, 3, 1, 1, 1, false, 0}, Config{2, 3, 5, 6, 40, 3, 1, 1, 1, true, 1},
        Config{1, 1, 3, 11, 19, 5, 4, 2, 1, false, 2}, Config{2, 4, 6, 5, 5, 3, 0, 1, 2, true, 0},
        Config{5, 2, 2, 4, 3, 2, 2, 1, 2, false, 1}}) {
    SCOPED_TRACE(testing::repr(tensor({c.n, c.c, c.o, c.w, c.k, c.groups, c.gradient})));
    manual_seed(5);
    Tensor x = randn({c.n, c.h, c.w, c.c}, kFloat64).permute({0, 3, 1, 2});
    if (!c.channels_last) x = x.contiguous();
    Tensor wt = randn({c.o, c.c / c.groups, c.k, c.k}, kFloat64), b = randn({c.o}, kFloat64);
    const auto run = [&](ScalarType dtype) {
      Tensor xs = x.to(dtype).requires_grad_(), ws = wt.to(dtype).requires_grad_();
      Tensor bs = b.to(dtype).requires_grad_();
      Tensor y = conv2d(xs, ws, bs, {1}, {c.padding}, {c.dilation}, c.groups);
      Tensor g = (arange(2 * y.numel(), kFloat64) * 0.37).sin().to(dtype);
      if (c.gradient == 0) g = g.slice(0, 0, y.numel()).reshape(y.sizes());
      if (c.gradient == 1) g = g[3].expand(y.sizes());
      if (c.gradient == 2) {
        IntArrayRef s = y.sizes();
        g = g.reshape({s[0], s[1], s[2], 2 * s[3]}).slice(3, 0, 2 * s[3], 2);
      }
      variable_list grads = autograd::grad({y}, {xs, ws, bs}, {g});
      return variable_list{y, grads[0], grads[1], grads[2]};
    };
    const variable_list single = run(kFloat32), twice = run(kFloat64);
    for (size_t i = 0; i < single.size(); ++i) {
      EXPECT_EQ(single[i].dtype(), kFloat32);
      expect_close(single[i].to(kFloat64), twice[i], 1e-4, 1e-4);
    }
  }
}

// ---- im2col and col2im ---------------------------------------------------------------------

TEST(Im2col, MatchesPyTorch) {
  expect_close(im2col(seq({1, 2, 3, 3}), {2}),
               expected({0,
                         0.361615432,
                         0.8956986857,
                         0.9958808445,
                         0.361615432,
                         0.6742879116,
                         0.9958808445,
                         0.961275203,
                         0.8956986857,
                         0.9958808445,
                         0.7965654722,
                         0.5240443417,
                         0.9958808445,
                         0.961275203,
                         0.5240443417,
                         0.1805962679,
                         -0.1872946635,
                         -0.5298361409,
                         -0.9631309306,
                         -0.9952398258,
                         -0.5298361409,
                         -0.8006667822,
                         -0.9952398258,
                         -0.8926476794,
                         -0.9631309306,
                         -0.9952398258,
                         -0.6692398573,
                         -0.35525356,
                         -0.9952398258,
                         -0.8926476794,
                         -0.35525356,
                         0.006814640075},
                        {1, 8, 4}),
               1e-9, 1e-9);
  expect_close(im2col(seq({1, 1, 3, 4}), {2}, {1}, {1}, {2}),
               expected({0,
                         0,
                         0,
                         0,
                         0.961275203,
                         0.5240443417,
                         0,
                         0,
                         0,
                         0.9958808445,
                         0.7965654722,
                         0,
                         0,
                         0.361615432,
                         0.8956986857,
                         0,
                         -0.1872946635,
                         -0.8006667822,
                         0,
                         0.6742879116,
                         0,
                         0.1805962679,
                         -0.5298361409,
                         0},
                        {1, 4, 6}),
               1e-9, 1e-9);
}

TEST(Im2col, UnbatchedAsymmetricMatchesPyTorch) {
  Tensor cols = im2col(seq({2, 5, 5}), {2, 3}, {2, 1}, {0, 1}, {1, 2});
  ASSERT_EQ(cols.sizes().vec(), (std::vector<int64_t>{12, 9}));
  // Rows 0 and 6 (channel 0 tap (0, 0) and channel 1 tap (0, 0)) and the row sums.
  expect_close(cols[0],
               expected({0, 0.361615432, 0.8956986857, 0, 0.7965654722, 0.1805962679, 0,
                         -0.8006667822, -0.9952398258},
                        {9}),
               1e-9, 1e-9);
  expect_close(cols[6],
               expected({0, -0.1939843613, -0.8047309093, 0, -0.8895552187, -0.3488751901, 0,
                         0.6842898458, 0.9970241088},
                        {9}),
               1e-9, 1e-9);
  expect_close(cols[11],
               expected({0.6842898458, 0.9970241088, 0, 0.5123880037, -0.2006650504, 0,
                         -0.9667081187, -0.8864214472, 0},
                        {9}),
               1e-9, 1e-9);
  expect_close(cols, im2col(seq({1, 2, 5, 5}), {2, 3}, {2, 1}, {0, 1}, {1, 2})[0], 0, 0);
  EXPECT_EQ(im2col(zeros({0, 2, 5, 5}), {2}).sizes().vec(), (std::vector<int64_t>{0, 8, 16}));
}

TEST(Col2im, MatchesPyTorch) {
  expect_close(col2im(seq({1, 8, 4}), {3, 3}, {2}),
               expected({0, 1.357496277, 0.961275203, 0.8548841795, 0.5418385638, -0.4711954841,
                         -0.5298361409, -1.693314462, -0.6692398573, -0.35525356, 0.9055227359,
                         0.9964756147, 0.8861887165, 1.007838062, -0.1725147606, -0.1939843613,
                         -1.530155923, -0.8895552187},
                        {1, 2, 3, 3}),
               1e-9, 1e-9);
  expect_close(col2im(seq({4, 6}), {3, 4}, {2}, {1}, {1}, {2}),
               expected({0.3679605106, -0.9952398258, 0.6793046521, -0.8926476794, -0.1872946635,
                         0.9958808445, -0.5298361409, 0.961275203, 0.9964756147, -0.35525356,
                         0.9593748339, 0.006814640075},
                        {1, 3, 4}),
               1e-9, 1e-9);
  EXPECT_EQ(col2im(zeros({0, 8, 4}), {3, 3}, {2}).sizes().vec(),
            (std::vector<int64_t>{0, 2, 3, 3}));
}

// col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)> for every geometry.
TEST(Col2im, IsAdjointOfIm2col) {
  Tensor x = seq({2, 3, 7, 6}), c = seq({2, 3 * 3 * 2, 5 * 3}, 0.53, 0.2);
  Tensor lhs = (im2col(x, {3, 2}, {2, 1}, {1, 0}, {1, 2}) * c).sum();
  Tensor rhs = (x * col2im(c, {7, 6}, {3, 2}, {2, 1}, {1, 0}, {1, 2})).sum();
  EXPECT_NEAR(lhs.item<double>(), rhs.item<double>(), 1e-12);
  // Non-contiguous columns read the same values.
  Tensor ct = c.transpose(1, 2).contiguous().transpose(1, 2);
  expect_close(col2im(ct, {7, 6}, {3, 2}, {2, 1}, {1, 0}, {1, 2}),
               col2im(c, {7, 6}, {3, 2}, {2, 1}, {1, 0}, {1, 2}), 0, 0);
}

TEST(Im2col, GradcheckAndGradgradcheck) {
  manual_seed(3);
  const std::vector<std::function<Tensor(const Tensor&)>> unfolds = {
      [](const Tensor& x) { return im2col(x, {2}); },
      [](const Tensor& x) {
        return im2col(x, {3, 2}, {1, 2}, {1}, {2, 1});
      },
  };
  for (const auto& f : unfolds) {
    Tensor x = randn({2, 2, 5, 4}, kFloat64).requires_grad_();
    autograd::TensorFunction fn = [f](const variable_list& v) { return variable_list{f(v[0])}; };
    EXPECT_TRUE(autograd::gradcheck(fn, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(fn, {x}));
    EXPECT_EQ(f(x).grad_fn()->name(), "Im2ColBackward0");
  }
  Tensor c = randn({6, 12}, kFloat64).requires_grad_();
  autograd::TensorFunction fold = [](const variable_list& v) {
    return variable_list{col2im(v[0], {3, 4}, {1, 3}, {1}, {1, 1}, {2, 1})};
  };
  EXPECT_TRUE(autograd::gradcheck(fold, {c}));
  EXPECT_TRUE(autograd::gradgradcheck(fold, {c}));
  EXPECT_EQ(fold({c})[0].grad_fn()->name(), "Col2ImBackward0");
}

// ---- Errors --------------------------------------------------------------------------------

TEST(Conv2dErrors, Arguments) {
  Tensor x = zeros({1, 2, 5, 5}), w = zeros({4, 2, 3, 3});
  EXPECT_EMBER_ERROR(conv2d(zeros({2, 3}), w),
                     "conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                     "input of size: [2, 3]");
  EXPECT_EMBER_ERROR(conv2d(zeros({1, 1, 2, 5, 5}), w), "input of size: [1, 1, 2, 5, 5]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1, 1, 1}),
                     "conv2d: expected stride to be a single integer value or a list of 2 values "
                     "to match the convolution dimensions, but got stride=[1, 1, 1]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, IntArrayRef{}), "but got stride=[]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {1, 1, 1}), "but got padding=[1, 1, 1]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {0}, {1, 1, 1}), "but got dilation=[1, 1, 1]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {0}), "conv2d: non-positive stride is not supported");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1, -1}), "conv2d: non-positive stride is not supported");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {-1}), "conv2d: negative padding is not supported");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {0}, {0}),
                     "conv2d: dilation should be greater than zero, but got [0, 0]");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {0}, {1}, 0),
                     "conv2d: non-positive groups is not supported");
  EXPECT_EMBER_ERROR(conv2d(x, zeros({4, 2, 3})),
                     "conv2d: Expected 4-dimensional weight for 4-dimensional input [1, 2, 5, 5], "
                     "but got 3-dimensional weight of size [4, 2, 3] instead");
  EXPECT_EMBER_ERROR(conv2d(x, zeros({0, 2, 3, 3})),
                     "conv2d: Given groups=1, expected weight to be at least 1 at dimension 0, "
                     "but got weight of size [0, 2, 3, 3] instead");
  EXPECT_EMBER_ERROR(conv2d(x, zeros({3, 1, 3, 3}), {}, {1}, {0}, {1}, 2),
                     "conv2d: Given groups=2, expected weight to be divisible by 2 at dimension "
                     "0, but got weight of size [3, 1, 3, 3] instead");
}

TEST(Conv2dErrors, ShapesAndTypes) {
  Tensor x = zeros({1, 2, 5, 5}), w = zeros({4, 2, 3, 3});
  EXPECT_EMBER_ERROR(conv2d(x, zeros({4, 3, 3, 3})),
                     "conv2d: Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 2, "
                     "5, 5] to have 3 channels, but got 2 channels instead");
  EXPECT_EMBER_ERROR(conv2d(zeros({2, 5, 5}), zeros({4, 3, 3, 3})),
                     "expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead");
  EXPECT_EMBER_ERROR(conv2d(zeros({1, 3, 5, 5}), zeros({4, 1, 3, 3}), {}, {1}, {0}, {1}, 2),
                     "conv2d: Given groups=2, weight of size [4, 1, 3, 3], expected input[1, 3, "
                     "5, 5] to have 2 channels, but got 3 channels instead");
  EXPECT_EMBER_ERROR(conv2d(zeros({1, 2, 2, 2}), w),
                     "conv2d: Calculated padded input size per channel: (2 x 2). Kernel size: (3 "
                     "x 3). Kernel size can't be greater than actual input size");
  EXPECT_EMBER_ERROR(conv2d(x, w, {}, {1}, {0}, {3}),
                     "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7).");
  EXPECT_EMBER_ERROR(conv2d(zeros({1, 2, 0, 5}), w),
                     "Calculated padded input size per channel: (0 x 5).");
  EXPECT_NO_THROW(conv2d(zeros({1, 2, 2, 2}), w, {}, {1}, {1}));
  EXPECT_EMBER_ERROR(conv2d(x, w, zeros({3})),
                     "conv2d: Given weight of size [4, 2, 3, 3], expected bias to be "
                     "1-dimensional with 4 elements, but got bias of size [3] instead");
  EXPECT_EMBER_ERROR(conv2d(x, w, zeros({4, 1})), "but got bias of size [4, 1] instead");
  EXPECT_EMBER_ERROR(conv2d(x.to(kFloat64), w),
                     "conv2d: expected scalar type Double but found Float");
  EXPECT_EMBER_ERROR(conv2d(x, w, zeros({4}, kFloat64)),
                     "conv2d: Input type (float32) and bias type (float64) should be the same");
  EXPECT_EMBER_ERROR(conv2d(x.to(kBool), w.to(kBool)), "conv2d: not implemented for 'Bool'");
  try {
    conv2d(x, zeros({4, 3, 3, 3}));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
  }
}

TEST(Im2colErrors, Arguments) {
  Tensor x = zeros({1, 2, 5, 5});
  EXPECT_EMBER_ERROR(im2col(zeros({5, 5}), {2}),
                     "im2col: Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                     "and other non-zero dimensions for input, but got: [5, 5]");
  EXPECT_EMBER_ERROR(im2col(zeros({1, 0, 5, 5}), {2}), "but got: [1, 0, 5, 5]");
  EXPECT_EMBER_ERROR(im2col(x, {2, 2, 2}),
                     "im2col: It is expected kernel_size equals to 2, but got size 3");
  EXPECT_EMBER_ERROR(im2col(x, {2}, IntArrayRef{}),
                     "im2col: It is expected dilation equals to 2, but got size 0");
  EXPECT_EMBER_ERROR(im2col(x, {0}),
                     "im2col: kernel size should be greater than zero, but got kernel_height: 0 "
                     "kernel_width: 0");
  EXPECT_EMBER_ERROR(im2col(x, {2}, {1}, {0}, {0}),
                     "im2col: stride should be greater than zero, but got stride_height: 0 "
                     "stride_width: 0");
  EXPECT_EMBER_ERROR(im2col(x, {2}, {0, 1}),
                     "im2col: dilation should be greater than zero, but got dilation_height: 0 "
                     "dilation_width: 1");
  EXPECT_EMBER_ERROR(im2col(x, {2}, {1}, {-1}),
                     "im2col: padding should be non-negative, but got pad_height: -1 pad_width: "
                     "-1");
  EXPECT_EMBER_ERROR(im2col(x, {6}),
                     "im2col: Given input with spatial size (5, 5), kernel_size=(6, 6), "
                     "dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding "
                     "blocks as (0, 0), but its components must be at least one.");
}

TEST(Col2imErrors, Arguments) {
  Tensor c = zeros({1, 8, 4});
  EXPECT_EMBER_ERROR(col2im(zeros({5}), {3, 3}, {2}),
                     "col2im: Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                     "batch size and non-zero dimensions for input, but got: [5]");
  EXPECT_EMBER_ERROR(col2im(zeros({1, 0, 4}), {3, 3}, {2}), "but got: [1, 0, 4]");
  EXPECT_EMBER_ERROR(col2im(c, {3, 3, 3}, {2}),
                     "col2im: It is expected output_size equals to 2, but got size 3");
  EXPECT_EMBER_ERROR(col2im(c, {3, 3}, {0}), "col2im: kernel size should be greater than zero");
  EXPECT_EMBER_ERROR(col2im(c, {3, 3}, {2}, {1}, {0}, {0}),
                     "col2im: stride should be greater than zero");
  EXPECT_EMBER_ERROR(col2im(c, {3, 3}, {2}, {1}, {-1}), "col2im: padding should be non-negative");
  EXPECT_EMBER_ERROR(col2im(c, {3, 3}, {2}, {0}), "col2im: dilation should be greater than zero");
  EXPECT_EMBER_ERROR(col2im(zeros({1, 7, 4}), {3, 3}, {2}),
                     "col2im: Expected size of input's dimension 1 to be divisible by the product "
                     "of kernel_size, but got input.size(1)=7 and kernel_size=(2, 2).");
  EXPECT_EMBER_ERROR(col2im(zeros({1, 8, 5}), {3, 3}, {2}),
                     "col2im: Given output_size=(3, 3), kernel_size=(2, 2), dilation=(1, 1), "
                     "padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to "
                     "match the calculated number of sliding blocks 2 * 2 = 4, but got "
                     "input.size(2)=5.");
  EXPECT_EMBER_ERROR(col2im(zeros({1, 8, 1}), {1, 1}, {2}),
                     "calculated number of sliding blocks 0 * 0 = 0, but got input.size(2)=1.");
  // Negative block counts whose product is positive are still refused.
  EXPECT_EMBER_ERROR(col2im(zeros({1, 9, 2}), {0, 1}, {3}), "sliding blocks -2 * -1 = 2");
}

}  // namespace
}  // namespace ember
