// Every op gives the same result on a non-contiguous input (transposed, sliced with steps,
// expanded) as on a contiguous copy of it. Elementwise results must match bit for bit: strided
// rows go through the same vector code as contiguous ones.
#include <algorithm>
#include <functional>

#include "ember/core/small_vector.h"

#include "testing.h"

namespace ember {
namespace {

// Non-contiguous views with the same values as their .contiguous() copies.
std::vector<std::pair<std::string, Tensor>> strided_inputs(ScalarType dtype) {
  manual_seed(42);
  Tensor big = (randn({40, 70}, TensorOptions(kFloat64)) * 3).to(dtype);
  Tensor row = (randn({70}, TensorOptions(kFloat64)) * 3).to(dtype);
  return {
      {"transposed", big.t()},
      {"sliced", big.slice(0, 1, 40, 3).slice(1, 0, 70, 2)},
      {"expanded", row.expand({40, 70})},
      {"permuted3d", big.view({8, 5, 70}).permute({2, 0, 1})},
      {"selected", big.select(1, 3)},
  };
}

using UnaryFn = std::function<Tensor(const Tensor&)>;

std::vector<std::pair<std::string, UnaryFn>> unary_ops() {
  return {
      {"neg", [](const Tensor& t) { return t.neg(); }},
      {"abs", [](const Tensor& t) { return t.abs(); }},
      {"sqrt", [](const Tensor& t) { return t.abs().sqrt(); }},
      {"exp", [](const Tensor& t) { return t.exp(); }},
      {"log", [](const Tensor& t) { return t.log(); }},
      {"sin", [](const Tensor& t) { return t.sin(); }},
      {"cos", [](const Tensor& t) { return t.cos(); }},
      {"tan", [](const Tensor& t) { return t.tan(); }},
      {"tanh", [](const Tensor& t) { return t.tanh(); }},
      {"sigmoid", [](const Tensor& t) { return t.sigmoid(); }},
      {"relu", [](const Tensor& t) { return t.relu(); }},
      {"sign", [](const Tensor& t) { return t.sign(); }},
      {"clamp", [](const Tensor& t) { return t.clamp(-1, 0.5); }},
      {"pow2", [](const Tensor& t) { return t.pow(2); }},
      {"pow3", [](const Tensor& t) { return t.pow(3); }},
      {"add_scalar", [](const Tensor& t) { return t + 1.5; }},
      {"rsub_scalar", [](const Tensor& t) { return 1.5 - t; }},
      {"mul_scalar", [](const Tensor& t) { return t * -2; }},
      {"div_scalar", [](const Tensor& t) { return t / 3; }},
      {"gt_scalar", [](const Tensor& t) { return t > 0.25; }},
      {"sum", [](const Tensor& t) { return t.sum(); }},
      {"sum_dim0", [](const Tensor& t) { return t.sum({0}); }},
      {"sum_dim_last", [](const Tensor& t) { return t.sum({-1}, true); }},
      {"mean", [](const Tensor& t) { return t.mean({0}); }},
      {"prod", [](const Tensor& t) { return (t * 0.1 + 1).prod(0); }},
      {"amax", [](const Tensor& t) { return t.amax({-1}); }},
      {"max_dim", [](const Tensor& t) { return std::get<0>(t.max(0)); }},
      {"argmin", [](const Tensor& t) { return t.argmin(-1); }},
      {"var", [](const Tensor& t) { return t.var({0}); }},
      {"norm", [](const Tensor& t) { return t.norm(); }},
      {"clone", [](const Tensor& t) { return t.clone(); }},
      {"to_int", [](const Tensor& t) { return t.to(kInt64); }},
      {"reshape", [](const Tensor& t) { return t.reshape({-1}); }},
      {"index_select",
       [](const Tensor& t) {
         return t.index_select(0, tensor({0, 2, 1}));
       }},
  };
}

TEST(NonContiguous, UnaryAndReductionOpsMatchContiguousCopies) {
  for (ScalarType dtype : {kFloat32, kFloat64}) {
    for (auto& [view_name, view] : strided_inputs(dtype)) {
      ASSERT_FALSE(view.is_contiguous()) << view_name;
      Tensor dense = view.contiguous();
      ASSERT_TRUE(dense.is_contiguous());
      for (auto& [op_name, op] : unary_ops()) {
        SCOPED_TRACE(op_name + " on " + view_name + " " + dtype_name(dtype));
        Tensor a = op(view), b = op(dense);
        ASSERT_EQ(a.sizes().vec(), b.sizes().vec());
        ASSERT_EQ(a.dtype(), b.dtype());
        // Reductions may sum in a different order; elementwise ops must agree exactly.
        const bool reduction = op_name.find("sum") == 0 || op_name == "mean" || op_name == "prod" ||
                               op_name == "var" || op_name == "norm";
        if (reduction) {
          testing::expect_close(a, b, dtype == kFloat32 ? 1e-5 : 1e-12, 1e-5);
        } else {
          EXPECT_TRUE(a.equal(b) || (a.ne(a).any().item<bool>() && a.ne(a).equal(b.ne(b))));
        }
      }
    }
  }
}

TEST(NonContiguous, BinaryOpsMatchContiguousCopies) {
  using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;
  std::vector<std::pair<std::string, BinaryFn>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return a.abs().pow(b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return a <= b; }},
      {"where", [](const Tensor& a, const Tensor& b) { return where(a > b, a, b); }},
      {"mm",
       [](const Tensor& a, const Tensor& b) {
         return a.dim() == 1 ? a.dot(b) : a.matmul(b.transpose(-1, -2));
       }},
  };
  for (ScalarType dtype : {kFloat32, kFloat64, kInt64}) {
    for (auto& [view_name, view] : strided_inputs(dtype)) {
      // A second non-contiguous operand of the same shape: a permuted, reversed-layout tensor.
      DimVector reversed(view.sizes().begin(), view.sizes().end());
      std::reverse(reversed.begin(), reversed.end());
      DimVector order;
      for (int64_t d = view.dim() - 1; d >= 0; --d) order.push_back(d);
      Tensor other = (randn(reversed, TensorOptions(kFloat64)) * 3).to(dtype).permute(order);
      ASSERT_FALSE(other.is_contiguous() && other.dim() > 1);
      for (auto& [op_name, op] : ops) {
        if (dtype == kInt64 && op_name == "pow") continue;
        SCOPED_TRACE(op_name + " on " + view_name + " " + dtype_name(dtype));
        Tensor a = op(view, other), b = op(view.contiguous(), other.contiguous());
        if (op_name == "mm")
          testing::expect_close(a, b, 1e-5, 1e-4);
        else
          EXPECT_TRUE(a.equal(b) || a.ne(a).equal(b.ne(b)));
      }
    }
  }
}

TEST(NonContiguous, InPlaceOpsWriteThroughStridedViews) {
  Tensor base = arange(12, kFloat32).view({3, 4});
  Tensor expected = base.clone();
  Tensor col = base.t();
  col.mul_(2).add_(1);
  EXPECT_TRUE(base.equal(expected * 2 + 1));
  Tensor every_other = base.slice(1, 0, 4, 2);
  every_other.zero_();
  EXPECT_EQ(base.index({indexing::Slice(), 0}).sum().item<float>(), 0.f);
  EXPECT_EQ(base.index({indexing::Slice(), 1}).sum().item<float>(), 2 * (1 + 5 + 9) + 3);
}

}  // namespace
}  // namespace ember
