// Comparisons, where and masked_fill against PyTorch 1.13 (tables in elementwise_reference.h).
#include "ops/elementwise_reference.h"
#include "testing.h"

namespace ember {
namespace {
using namespace elementwise_reference;

// ---- Comparisons
// ---------------------------------------------------------------------------------

TEST(ElementwiseCompare, TensorFormsMatchTorch) {
  using Fn = Tensor (Tensor::*)(const Tensor&) const;
  struct Case {
    const char* name;
    Fn fn;
    const std::vector<double>*f32, *f64;
  };
  const Case cases[] = {
      {"eq", &Tensor::eq, &kEqABF32, &kEqABF64}, {"ne", &Tensor::ne, &kNeABF32, &kNeABF64},
      {"lt", &Tensor::lt, &kLtABF32, &kLtABF64}, {"le", &Tensor::le, &kLeABF32, &kLeABF64},
      {"gt", &Tensor::gt, &kGtABF32, &kGtABF64}, {"ge", &Tensor::ge, &kGeABF32, &kGeABF64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (ScalarType dt : {kFloat32, kFloat64}) {
      const Tensor a = tensor(kA, dt), b = tensor(kB, dt);
      const auto& expected = pick(dt, *c.f32, *c.f64);
      expect_table((a.*c.fn)(b), kBool, expected, 0, 0);
      expect_table((tile(a, 1600).*c.fn)(tile(b, 1600)), kBool, expected, 0, 0);
      // Mixed dtypes compare in the promoted type.
      expect_table((a.*c.fn)(b.to(kFloat64)), kBool, *c.f64, 0, 0);
    }
  }
  // The free functions.
  EXPECT_EQ(values(ember::eq(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(ember::ne(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(ember::lt(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(ember::le(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(ember::gt(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(ember::ge(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 0}));
}

TEST(ElementwiseCompare, ScalarFormsMatchTorch) {
  using Fn = Tensor (Tensor::*)(const Scalar&) const;
  struct Case {
    const char* name;
    Fn fn;
    const std::vector<double>*f32, *f64;
  };
  const Case cases[] = {
      {"eq", &Tensor::eq, &kEqA1F32, &kEqA1F64}, {"ne", &Tensor::ne, &kNeA1F32, &kNeA1F64},
      {"lt", &Tensor::lt, &kLtA1F32, &kLtA1F64}, {"le", &Tensor::le, &kLeA1F32, &kLeA1F64},
      {"gt", &Tensor::gt, &kGtA1F32, &kGtA1F64}, {"ge", &Tensor::ge, &kGeA1F32, &kGeA1F64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (ScalarType dt : {kFloat32, kFloat64}) {
      const Tensor a = tensor(kA, dt);
      expect_table((a.*c.fn)(1.0), kBool, pick(dt, *c.f32, *c.f64), 0, 0);
      expect_table((a.*c.fn)(1), kBool, pick(dt, *c.f32, *c.f64), 0, 0);
    }
  }
  // torch: tensor([1, 2]) < 1.5 == tensor([True, False]); an int tensor and a float scalar
  // compare in float32: tensor([16777217]) > 16777216.5 is False, == is True.
  EXPECT_EQ(values(tensor({1, 2}).lt(1.5)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(tensor({1, 2}) >= 1.5), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(tensor({int64_t{16777217}}).gt(16777216.5)), (std::vector<double>{0}));
  EXPECT_EQ(values(tensor({int64_t{16777217}}).eq(16777216.5)), (std::vector<double>{1}));
  // nan compares unequal to everything, itself included.
  const Tensor n = tensor({NAN});
  EXPECT_EQ(values(n == n), (std::vector<double>{0}));
  EXPECT_EQ(values(n != n), (std::vector<double>{1}));
  EXPECT_EQ(values(n.le(kInf)), (std::vector<double>{0}));
  // bool tensors compare with bools and ints.
  EXPECT_EQ(values(tensor({true, false}).eq(true)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(tensor({true, false}).lt(1)), (std::vector<double>{0, 1}));
  // Broadcast comparison: [3, 1] with [1, 4].
  const Tensor g = arange(3).view({3, 1}).gt(arange(4).view({1, 4}));
  EXPECT_EQ(g.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(g), (std::vector<double>{0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}));
}

// ---- where and masked_fill ---------------------------------------------------------------------

TEST(ElementwiseWhere, SelectsAndBroadcasts) {
  const Tensor cond = tensor({true, false, true});
  const Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({-1.0, -2.0, -3.0});
  EXPECT_EQ(values(where(cond, a, b)), (std::vector<double>{1, -2, 3}));
  // cond [3, 1], a [1, 4], b 0-dim.
  const Tensor c2 = tensor({{true}, {false}, {true}});
  const Tensor r = where(c2, arange(4, kFloat32).view({1, 4}), full({}, 9.0));
  EXPECT_EQ(r.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(r), (std::vector<double>{0, 1, 2, 3, 9, 9, 9, 9, 0, 1, 2, 3}));
  // Promotion: torch.where(cond, tensor([1, 2]), 2.5) == tensor([1.0, 2.5]) (float32);
  // torch.where(cond, 1, float64 tensor) is float64.
  const Tensor c = tensor({true, false});
  const Tensor w1 = where(c, tensor({1, 2}), 2.5);
  EXPECT_EQ(w1.dtype(), kFloat32);
  EXPECT_EQ(values(w1), (std::vector<double>{1, 2.5}));
  const Tensor w2 = where(c, 1, tensor({1.5, 2.5}, kFloat64));
  EXPECT_EQ(w2.dtype(), kFloat64);
  EXPECT_EQ(values(w2), (std::vector<double>{1, 2.5}));
  const Tensor w3 = where(c, tensor({1, 2}, kInt32), tensor({3, 4}));
  EXPECT_EQ(w3.dtype(), kInt64);
  EXPECT_EQ(values(w3), (std::vector<double>{1, 4}));
  // nan in the unselected branch does not leak.
  expect_close(where(c, tensor({1.0, NAN}), tensor({NAN, 2.0})), tensor({1.0, 2.0}));
  // Long: select by a comparison.
  const Tensor x = arange(50000, kFloat32).sub(25000);
  const Tensor relu = where(x > 0, x, zeros({}));
  EXPECT_TRUE(equal(relu, x.relu()));
  EXPECT_EMBER_ERROR(where(tensor({1, 0}), a.narrow(0, 0, 2), b.narrow(0, 0, 2)),
                     "expected condition to be a boolean tensor");
}

TEST(ElementwiseWhere, MaskedFill) {
  const Tensor t = arange(6, kFloat32).view({2, 3});
  const Tensor mask = tensor({true, false, true});
  const Tensor r = t.masked_fill(mask, -1.0);
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(values(r), (std::vector<double>{-1, 1, -1, -1, 4, -1}));
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  expect_close(ember::masked_fill(t, mask, NAN), tensor({{NAN, 1.0, NAN}, {NAN, 4.0, NAN}}));
  // torch: tensor([1, 2]).masked_fill(tensor([True, False]), 2.7) == tensor([2, 2]).
  const Tensor i = tensor({1, 2}).masked_fill(tensor({true, false}), 2.7);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(values(i), (std::vector<double>{2, 2}));
  // In place, through a view, and with a long mask.
  Tensor base = zeros({4, 3});
  const auto v0 = base._version();
  base.t().masked_fill_(tensor({{true}, {false}, {false}}), 5.0);
  EXPECT_EQ(values(base), (std::vector<double>{5, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0}));
  EXPECT_GT(base._version(), v0);
  Tensor big = arange(40000, kFloat32);
  big.masked_fill_(big.ge(20000), 0.0);
  EXPECT_EQ(big.sum().item<double>(), 19999.0 * 20000.0 / 2.0);
  EXPECT_EMBER_ERROR(t.masked_fill(tensor({1, 0, 1}), 0.0), "only supports boolean masks");
  EXPECT_EMBER_ERROR(t.masked_fill(tensor({true, false}), 0.0),
                     "masked_fill: The size of tensor a (3) must match the size of tensor b");
}

}  // namespace
}  // namespace ember
