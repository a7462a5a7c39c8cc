// Numerical checks of every differentiable op's backward formula, OpInfo style: a table of sample
// inputs per op (broadcast pairs, non-contiguous leaves, 0-dim tensors), each run through
// gradcheck and gradgradcheck in float64, plus the grad_fn names PyTorch 1.13 gives the same
// expressions (hard-coded from torch 1.13.1).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using autograd::TensorFunction;
using autograd::variable_list;
using indexing::Slice;

// ---- Sample inputs ---------------------------------------------------------------------------

// Makes the values of one input (float64, no history); the table marks it as requiring grad.
using Gen = std::function<Tensor()>;

// Standard normal values, each at least `margin` away from every point in `avoid` (the
// non-differentiable points of the op under test).
Gen normal(std::vector<int64_t> shape, std::vector<double> avoid = {}, double margin = 0.1) {
  return [=] {
    Tensor t = randn(shape, kFloat64).contiguous();
    double* p = t.data_ptr<double>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      auto near = [&] {
        for (double a : avoid)
          if (std::abs(p[i] - a) < margin) return true;
        return false;
      };
      while (near()) p[i] = randn({}, kFloat64).item<double>();
    }
    return t;
  };
}

// Uniform values in [lo, hi).
Gen uniform(std::vector<int64_t> shape, double lo, double hi) {
  return [=] { return rand(shape, kFloat64) * (hi - lo) + lo; };
}

// The same values laid out transposed in memory (last two dims swapped): not contiguous.
Gen transposed(Gen g) {
  return [g] {
    Tensor v = g();
    Tensor t = v.transpose(-1, -2).contiguous().transpose(-1, -2);
    EXPECT_FALSE(t.is_contiguous());
    return t;
  };
}

// The same values at every other element of a larger buffer (a slice with step 2).
Gen strided(Gen g) {
  return [g] {
    Tensor v = g();
    std::vector<int64_t> shape = v.sizes().vec();
    shape.back() *= 2;
    Tensor t = zeros(shape, kFloat64).slice(-1, 0, std::nullopt, 2);
    t.copy_(v);
    EXPECT_FALSE(t.is_contiguous());
    return t;
  };
}

// One way of calling an op: how to make its inputs, the function of them to check, and the
// name PyTorch 1.13 gives its result's grad_fn (LibTorch's, for C++ spellings whose node differs
// from Python's, as x + number: AddBackward1 in C++, AddBackward0 in Python).
struct Case {
  variable_list inputs;
  TensorFunction fn;
};

struct OpSample {
  std::string name;
  std::function<Case()> make;
  std::string torch_grad_fn;  // empty: Ember's name differs (listed in KnownNameDeviations)
  bool numeric = true;        // false: central differences cannot check it (float32 result)
};

std::ostream& operator<<(std::ostream& os, const OpSample& s) { return os << s.name; }

Tensor leaf(const Tensor& t) {
  Tensor x = t;
  x.requires_grad_();
  return x;
}

OpSample unary(std::string name, Gen gen, std::function<Tensor(const Tensor&)> f,
               std::string torch_name) {
  return {
      std::move(name),
      [gen, f] {
        return Case{{leaf(gen())}, [f](const variable_list& v) { return variable_list{f(v[0])}; }};
      },
      std::move(torch_name)};
}

OpSample binary(std::string name, Gen ga, Gen gb,
                std::function<Tensor(const Tensor&, const Tensor&)> f, std::string torch_name) {
  return {
      std::move(name),
      [ga, gb, f] {
        Tensor a = leaf(ga()), b = leaf(gb());
        return Case{{a, b}, [f](const variable_list& v) { return variable_list{f(v[0], v[1])}; }};
      },
      std::move(torch_name)};
}

OpSample ternary(std::string name, Gen ga, Gen gb, Gen gc,
                 std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)> f,
                 std::string torch_name) {
  return {std::move(name),
          [ga, gb, gc, f] {
            Tensor a = leaf(ga()), b = leaf(gb()), c = leaf(gc());
            return Case{{a, b, c},
                        [f](const variable_list& v) { return variable_list{f(v[0], v[1], v[2])}; }};
          },
          std::move(torch_name)};
}

// Pairs for maximum and minimum: no ties, nor near-ties, anywhere in the broadcast result.
OpSample no_ties(std::string name, std::vector<int64_t> sa, std::vector<int64_t> sb,
                 std::function<Tensor(const Tensor&, const Tensor&)> f, std::string torch_name) {
  return {
      std::move(name),
      [=] {
        Tensor a, b;
        do {
          a = randn(sa, kFloat64);
          b = randn(sb, kFloat64);
        } while ((a - b).abs().min().item<double>() < 0.05);
        a.requires_grad_();
        b.requires_grad_();
        return Case{{a, b}, [f](const variable_list& v) { return variable_list{f(v[0], v[1])}; }};
      },
      std::move(torch_name)};
}

// A fixed boolean pattern of the given shape (mixed true and false).
Tensor pattern(std::vector<int64_t> shape) {
  Tensor m = zeros(shape, kBool);
  bool* p = m.data_ptr<bool>();
  for (int64_t i = 0; i < m.numel(); ++i) p[i] = (i * 7 + i / 3) % 3 != 0;
  return m;
}

#define F1(expr) [=](const Tensor& x) { return expr; }
#define F2(expr) [](const Tensor& a, const Tensor& b) { return expr; }

std::vector<OpSample> op_samples() {
  const double kInf = std::numeric_limits<double>::infinity();
  Gen x34 = normal({3, 4});
  Gen x34_nz = normal({3, 4}, {0.0});
  std::vector<OpSample> s;

  // ---- Unary ---------------------------------------------------------------------------------
  s.push_back(unary("neg", x34, F1(x.neg()), "NegBackward0"));
  s.push_back(unary("neg_operator_transposed", transposed(x34), F1(-x), "NegBackward0"));
  s.push_back(unary("abs", x34_nz, F1(x.abs()), "AbsBackward0"));
  s.push_back(unary("abs_strided", strided(x34_nz), F1(abs(x)), "AbsBackward0"));
  s.push_back(unary("sqrt", uniform({3, 4}, 0.5, 2.0), F1(x.sqrt()), "SqrtBackward0"));
  s.push_back(unary("sqrt_transposed", transposed(uniform({2, 3}, 0.5, 2.0)), F1(sqrt(x)),
                    "SqrtBackward0"));
  s.push_back(unary("exp", x34, F1(x.exp()), "ExpBackward0"));
  s.push_back(unary("exp_0dim", normal({}), F1(exp(x)), "ExpBackward0"));
  s.push_back(unary("log", uniform({3, 4}, 0.5, 2.0), F1(x.log()), "LogBackward0"));
  s.push_back(unary("log_strided", strided(uniform({2, 3}, 0.5, 2.0)), F1(log(x)), "LogBackward0"));
  s.push_back(unary("sin", x34, F1(x.sin()), "SinBackward0"));
  s.push_back(unary("cos", transposed(x34), F1(x.cos()), "CosBackward0"));
  s.push_back(unary("tan", uniform({3, 4}, -1.2, 1.2), F1(x.tan()), "TanBackward0"));
  s.push_back(unary("tanh", x34, F1(x.tanh()), "TanhBackward0"));
  s.push_back(unary("tanh_strided", strided(x34), F1(tanh(x)), "TanhBackward0"));
  s.push_back(unary("sigmoid", x34, F1(x.sigmoid()), "SigmoidBackward0"));
  s.push_back(unary("sigmoid_0dim", normal({}), F1(sigmoid(x)), "SigmoidBackward0"));
  s.push_back(unary("erf", x34, F1(erf(x)), "ErfBackward0"));
  s.push_back(unary("erf_strided", strided(x34), F1(erf(x)), "ErfBackward0"));
  s.push_back(unary("floor", x34, F1(x.floor()), "FloorBackward0"));
  s.push_back(unary("ceil_transposed", transposed(x34), F1(ceil(x)), "CeilBackward0"));
  s.push_back(unary("round", x34, F1(x.round()), "RoundBackward0"));
  s.push_back(unary("trunc_strided", strided(x34), F1(trunc(x)), "TruncBackward0"));
  s.push_back(
      unary("reciprocal", uniform({3, 4}, 0.5, 2.0), F1(x.reciprocal()), "ReciprocalBackward0"));
  s.push_back(unary("reciprocal_negative", uniform({3, 4}, -2.0, -0.5), F1(reciprocal(x)),
                    "ReciprocalBackward0"));
  s.push_back(unary("rsqrt", uniform({3, 4}, 0.5, 2.0), F1(x.rsqrt()), "RsqrtBackward0"));
  s.push_back(unary("log1p", uniform({3, 4}, -0.5, 2.0), F1(x.log1p()), "Log1PBackward0"));
  s.push_back(unary("expm1", x34, F1(x.expm1()), "Expm1Backward0"));
  s.push_back(unary("expm1_transposed", transposed(x34), F1(expm1(x)), "Expm1Backward0"));
  s.push_back(unary("sign", x34_nz, F1(x.sign()), "SignBackward0"));
  s.push_back(unary("asin", uniform({3, 4}, -0.9, 0.9), F1(x.asin()), "AsinBackward0"));
  s.push_back(unary("acos", strided(uniform({3, 4}, -0.9, 0.9)), F1(acos(x)), "AcosBackward0"));
  s.push_back(unary("atan", transposed(normal({3, 4})), F1(x.atan()), "AtanBackward0"));
  s.push_back(unary("sinh", x34, F1(x.sinh()), "SinhBackward0"));
  s.push_back(unary("cosh", strided(x34), F1(cosh(x)), "CoshBackward0"));
  s.push_back(unary("asinh", transposed(x34), F1(x.asinh()), "AsinhBackward0"));
  s.push_back(unary("acosh", uniform({3, 4}, 1.2, 3.0), F1(acosh(x)), "AcoshBackward0"));
  s.push_back(unary("atanh", uniform({3, 4}, -0.9, 0.9), F1(x.atanh()), "AtanhBackward0"));
  s.push_back(unary("log2", uniform({3, 4}, 0.5, 2.0), F1(x.log2()), "Log2Backward0"));
  s.push_back(unary("log10", strided(uniform({3, 4}, 0.5, 2.0)), F1(log10(x)), "Log10Backward0"));
  s.push_back(unary("erfc", x34, F1(x.erfc()), "ErfcBackward0"));
  s.push_back(
      unary("erfinv", strided(uniform({3, 4}, -0.9, 0.9)), F1(erfinv(x)), "ErfinvBackward0"));
  s.push_back(unary("lgamma", uniform({3, 4}, 0.2, 4.0), F1(x.lgamma()), "LgammaBackward0"));
  s.push_back(
      unary("lgamma_negative", uniform({3, 4}, -0.9, -0.1), F1(lgamma(x)), "LgammaBackward0"));
  s.push_back(
      unary("digamma", transposed(uniform({3, 4}, 0.2, 4.0)), F1(x.digamma()), "DigammaBackward0"));
  s.push_back(
      unary("polygamma", uniform({3, 4}, 0.5, 3.0), F1(polygamma(2, x)), "PolygammaBackward0"));
  s.push_back(
      unary("polygamma_0", uniform({3, 4}, 0.5, 3.0), F1(x.polygamma(0)), "PolygammaBackward0"));
  s.push_back(unary("exp2", x34, F1(x.exp2()), "Exp2Backward0"));
  s.push_back(unary("frac", strided(x34), F1(frac(x)), "FracBackward0"));
  s.push_back(unary("deg2rad", x34, F1(x.deg2rad()), "Deg2RadBackward0"));
  s.push_back(unary("rad2deg", transposed(x34), F1(rad2deg(x)), "Rad2DegBackward0"));
  s.push_back(unary("sinc", x34, F1(x.sinc()), "SincBackward0"));
  s.push_back(unary("logit", uniform({3, 4}, 0.1, 0.9), F1(x.logit()), "LogitBackward0"));
  s.push_back(unary("logit_eps", uniform({3, 4}, 0.1, 0.9), F1(logit(x, 0.05)), "LogitBackward0"));
  s.push_back(unary("i0", x34, F1(x.i0()), "I0Backward0"));
  s.push_back(unary("special_i1", strided(x34), F1(special::i1(x)), "SpecialI1Backward0"));
  s.push_back(unary("sgn", x34_nz, F1(x.sgn()), "SgnBackward0"));
  s.push_back(unary("flip", x34, F1(x.flip({0, 1})), "FlipBackward0"));
  s.push_back(unary("flip_strided", strided(x34), F1(flip(x, {-1})), "FlipBackward0"));
  s.push_back(unary("repeat", x34, F1(x.repeat({2, 1, 3})), "RepeatBackward0"));
  s.push_back(
      unary("repeat_transposed", transposed(x34), F1(repeat(x, {1, 2})), "RepeatBackward0"));
  s.push_back(unary("tril", x34, F1(x.tril()), "TrilBackward0"));
  s.push_back(unary("triu_batched", normal({2, 3, 3}), F1(triu(x, -1)), "TriuBackward0"));
  s.push_back(binary("outer", normal({3}), normal({4}), F2(outer(a, b)), "MulBackward0"));
  s.push_back(binary("einsum_matmul", x34, transposed(normal({4, 2})),
                     F2(einsum("ij,jk->ik", {a, b})), ""));
  s.push_back(binary("einsum_batched_implicit", normal({2, 3, 4}), normal({2, 4, 2}),
                     F2(einsum("bij,bjk", {a, b})), ""));
  s.push_back(unary("einsum_diagonal_sum", normal({3, 3, 2}), F1(einsum("iij->j", {x})), ""));
  s.push_back(ternary(
      "einsum_three_with_ellipsis", normal({2, 3}), normal({3, 4}), normal({5, 4}),
      [](const Tensor& a, const Tensor& b, const Tensor& c) {
        return einsum("...i,ij,kj->...k", {a, b, c});
      },
      ""));
  s.push_back(unary("diagonal", x34, F1(x.diagonal()), "DiagonalBackward0"));
  s.push_back(unary("diagonal_offset_batched", strided(normal({2, 3, 4})), F1(diagonal(x, 1, 2, 1)),
                    "DiagonalBackward0"));
  s.push_back(unary("diag_of_vector", normal({3}), F1(diag(x, -1)), ""));
  s.push_back(unary("diag_of_matrix", transposed(x34), F1(x.diag(1)), ""));
  s.push_back(unary("trace", x34, F1(x.trace()), ""));
  s.push_back(unary("roll", x34, F1(x.roll({1, -2}, {0, 1})), ""));
  s.push_back(unary("roll_flat", transposed(x34), F1(roll(x, {5})), ""));
  s.push_back(unary("tile", x34, F1(x.tile({2})), "RepeatBackward0"));
  s.push_back(
      unary("movedim", normal({2, 3, 4}), F1(x.movedim({0, 1}, {2, 0})), "PermuteBackward0"));
  s.push_back(binary("hstack", x34, normal({3, 2}), F2(hstack({a, b})), "CatBackward0"));
  s.push_back(binary("vstack", normal({4}), x34, F2(vstack({a, b})), "CatBackward0"));
  s.push_back(unary("masked_select", x34, F1(x.masked_select(x.gt(0))), ""));
  s.push_back(unary("nan_to_num", x34, F1(x.nan_to_num()), ""));
  s.push_back(ternary(
      "addcmul", normal({3, 4}), normal({4}), normal({3, 1}),
      [](const Tensor& a, const Tensor& b, const Tensor& c) { return addcmul(a, b, c, 0.5); }, ""));
  s.push_back(ternary(
      "addcdiv", normal({3, 4}), normal({3, 4}), uniform({3, 4}, 0.5, 2.0),
      [](const Tensor& a, const Tensor& b, const Tensor& c) { return a.addcdiv(b, c, -2); }, ""));
  s.push_back(binary("lerp", x34, normal({3, 4}), F2(a.lerp(b, 0.3)), ""));
  s.push_back(ternary(
      "lerp_tensor_weight", normal({3, 4}), normal({3, 4}), uniform({4}, 0.0, 1.0),
      [](const Tensor& a, const Tensor& b, const Tensor& c) { return lerp(a, b, c); }, ""));
  s.push_back(binary("remainder", uniform({3, 4}, -3.0, 3.0), uniform({3, 4}, 0.7, 1.3),
                     F2(a.remainder(b)), ""));
  s.push_back(
      binary("fmod", uniform({3, 4}, -3.0, 3.0), uniform({3, 4}, -1.3, -0.7), F2(fmod(a, b)), ""));
  s.push_back(ternary(
      "addmm_bias_row", normal({4}), normal({3, 5}), normal({5, 4}),
      [](const Tensor& a, const Tensor& b, const Tensor& c) { return addmm(a, b, c); },
      "AddmmBackward0"));
  s.push_back(ternary(
      "addmm_scaled_transposed", normal({3, 4}), normal({3, 5}), transposed(normal({5, 4})),
      [](const Tensor& a, const Tensor& b, const Tensor& c) { return addmm(a, b, c, 0.5, -2.0); },
      "AddmmBackward0"));
  s.push_back(unary("cumsum", x34, F1(x.cumsum(1)), "CumsumBackward0"));
  s.push_back(unary("cumsum_transposed", transposed(x34), F1(cumsum(x, 0)), "CumsumBackward0"));
  s.push_back(unary("cumprod", uniform({3, 4}, 0.5, 1.5), F1(x.cumprod(1)), "CumprodBackward0"));
  s.push_back(
      unary("cumprod_negative_transposed", transposed(x34), F1(cumprod(x, 0)), "CumprodBackward0"));
  // Zeros take the explicit-products path of cumprod's backward.
  Gen with_zeros = [] {
    return tensor({2.0, 0.0, 3.0, 0.5, 0.0, 0.0, 1.5, 2.0, 1.0, 2.0, 3.0, 0.0}, kFloat64)
        .view({3, 4});
  };
  s.push_back(unary("cumprod_with_zeros", with_zeros, F1(x.cumprod(1)), "CumprodBackward0"));
  s.push_back(unary("cummax", x34, F1(std::get<0>(x.cummax(1))), "CummaxBackward0"));
  s.push_back(
      unary("cummin_strided", strided(x34), F1(std::get<0>(cummin(x, 0))), "CumminBackward0"));
  s.push_back(unary("logcumsumexp", x34, F1(x.logcumsumexp(1)), "LogcumsumexpBackward0"));
  // Spread-out values, where exp alone would underflow in the running sum.
  Gen spread = [] { return randn({3, 4}, kFloat64) * 30; };
  s.push_back(unary("logcumsumexp_transposed", transposed(spread), F1(logcumsumexp(x, 0)),
                    "LogcumsumexpBackward0"));
  s.push_back(unary("kthvalue", x34, F1(std::get<0>(x.kthvalue(2, 1))), "KthvalueBackward0"));
  s.push_back(unary("median", x34, F1(x.median()), "MedianBackward0"));
  s.push_back(unary("median_dim_keepdim", strided(x34), F1(std::get<0>(median(x, 0, true))),
                    "MedianBackward1"));
  s.push_back(unary("nanmedian", x34, F1(std::get<0>(x.nanmedian(1))), "NanmedianBackward1"));
  s.push_back(unary("mode", x34, F1(std::get<0>(x.mode(0))), "ModeBackward0"));
  s.push_back(unary("msort", x34, F1(x.msort()), "SortBackward0"));
  s.push_back(unary("quantile", x34, F1(quantile(x, 0.3, 1)), ""));
  s.push_back(unary("nanquantile_keepdim", transposed(x34), F1(nanquantile(x, 0.6, 0, true)), ""));
  s.push_back(unary("nansum", x34, F1(x.nansum({1})), ""));
  s.push_back(unary("nanmean", x34, F1(nanmean(x)), "DivBackward0"));
  s.push_back(unary("sort", x34, F1(std::get<0>(x.sort(1))), "SortBackward0"));
  s.push_back(unary("sort_descending_strided", strided(x34), F1(std::get<0>(sort(x, 0, true))),
                    "SortBackward0"));
  s.push_back(unary("topk", x34, F1(std::get<0>(x.topk(2))), "TopkBackward0"));
  s.push_back(unary("topk_smallest", transposed(x34), F1(std::get<0>(topk(x, 1, 0, false))),
                    "TopkBackward0"));
  s.push_back(unary("relu", x34_nz, F1(x.relu()), "ReluBackward0"));
  s.push_back(unary("relu_transposed", transposed(x34_nz), F1(relu(x)), "ReluBackward0"));
  s.push_back(unary("clamp_min", normal({3, 4}, {-0.3}), F1(x.clamp(-0.3)), "ClampBackward1"));
  s.push_back(
      unary("clamp_max", normal({3, 4}, {0.4}), F1(x.clamp(std::nullopt, 0.4)), "ClampBackward1"));
  s.push_back(
      unary("clamp_both", normal({3, 4}, {-0.5, 0.5}), F1(clamp(x, -0.5, 0.5)), "ClampBackward1"));
  s.push_back(unary("clamp_both_strided", strided(normal({3, 4}, {-0.5, 0.5})),
                    F1(x.clamp(-0.5, 0.5)), "ClampBackward1"));
  // PyTorch names these ClampMinBackward0 and ClampMaxBackward0 (see KnownNameDeviations).
  s.push_back(unary("clamp_min_method", normal({3, 4}, {0.2}), F1(x.clamp_min(0.2)), ""));
  s.push_back(unary("clamp_max_method", normal({3, 4}, {0.2}), F1(x.clamp_max(0.2)), ""));

  // ---- Binary --------------------------------------------------------------------------------
  s.push_back(binary("add", x34, x34, F2(a + b), "AddBackward0"));
  s.push_back(binary("add_broadcast_3x1_1x4", normal({3, 1}), normal({1, 4}), F2(a.add(b)),
                     "AddBackward0"));
  s.push_back(binary("add_broadcast_4_2x3x4", normal({4}), normal({2, 3, 4}), F2(add(a, b)),
                     "AddBackward0"));
  s.push_back(binary("add_alpha", x34, transposed(x34), F2(a.add(b, 2.5)), "AddBackward0"));
  s.push_back(binary("add_alpha_broadcast", normal({2, 3, 4}), strided(normal({3, 4})),
                     F2(add(a, b, -1.5)), "AddBackward0"));
  s.push_back(unary("add_scalar_alpha", x34, F1(x.add(2, 3)), "AddBackward1"));
  s.push_back(binary("sub", x34, x34, F2(a - b), "SubBackward0"));
  s.push_back(binary("sub_alpha_broadcast", normal({3, 1}), normal({1, 4}), F2(a.sub(b, 0.75)),
                     "SubBackward0"));
  s.push_back(binary("sub_broadcast_2x3x4_4", normal({2, 3, 4}), normal({4}), F2(sub(a, b, 2)),
                     "SubBackward0"));
  s.push_back(unary("sub_scalar", x34, F1(x - 2.0), "SubBackward1"));
  // LibTorch computes number - x as a filled tensor minus x.
  s.push_back(unary("rsub_scalar", x34, F1(2.0 - x), "SubBackward0"));
  s.push_back(unary("rsub", x34, F1(rsub(x, 2.0, 3)), "RsubBackward1"));
  s.push_back(binary("mul", x34, x34, F2(a * b), "MulBackward0"));
  s.push_back(binary("mul_broadcast_3x1_1x4", normal({3, 1}), strided(normal({1, 4})), F2(a.mul(b)),
                     "MulBackward0"));
  s.push_back(binary("mul_broadcast_4_2x3x4", normal({4}), normal({2, 3, 4}), F2(mul(a, b)),
                     "MulBackward0"));
  s.push_back(unary("mul_scalar", x34, F1(x * 3.0), "MulBackward1"));
  s.push_back(unary("mul_self", x34, F1(x * x), "MulBackward0"));
  Gen denom34 = normal({3, 4}, {0.0}, 0.5);
  s.push_back(binary("div", x34, denom34, F2(a / b), "DivBackward0"));
  s.push_back(binary("div_broadcast_3x1_1x4", normal({3, 1}), normal({1, 4}, {0.0}, 0.5),
                     F2(a.div(b)), "DivBackward0"));
  s.push_back(binary("div_broadcast_2x3x4_4", strided(normal({2, 3, 4})), normal({4}, {0.0}, 0.5),
                     F2(div(a, b)), "DivBackward0"));
  s.push_back(unary("div_scalar", x34, F1(x / 4.0), "DivBackward1"));
  // LibTorch computes number / x as a filled tensor divided by x.
  s.push_back(unary("rdiv_scalar", denom34, F1(2.0 / x), "DivBackward0"));

  s.push_back(unary("pow_2", x34, F1(x.pow(2)), "PowBackward0"));
  s.push_back(unary("pow_3", transposed(x34), F1(pow(x, 3)), "PowBackward0"));
  s.push_back(unary("pow_0", x34, F1(x.pow(0)), "PowBackward0"));
  s.push_back(unary("pow_1", x34, F1(x.pow(1)), "PowBackward0"));
  s.push_back(unary("pow_half", uniform({3, 4}, 0.5, 2.0), F1(x.pow(0.5)), "PowBackward0"));
  s.push_back(unary("pow_minus_half", uniform({3, 4}, 0.5, 2.0), F1(x.pow(-0.5)), "PowBackward0"));
  s.push_back(unary("pow_minus_1", denom34, F1(x.pow(-1)), "PowBackward0"));
  s.push_back(unary("pow_2_5", strided(uniform({3, 4}, 0.5, 2.0)), F1(x.pow(2.5)), "PowBackward0"));
  s.push_back(binary("pow_tensor", uniform({3, 4}, 0.5, 2.0), x34, F2(a.pow(b)), "PowBackward1"));
  s.push_back(binary("pow_tensor_broadcast", uniform({3, 1}, 0.5, 2.0), normal({1, 4}),
                     F2(pow(a, b)), "PowBackward1"));
  // PyTorch: PowBackward2 (see KnownNameDeviations).
  s.push_back(unary("pow_scalar_base", x34, F1(pow(2.0, x)), ""));
  s.push_back(unary("pow_scalar_base_e", transposed(x34), F1(pow(0.7, x)), ""));

  s.push_back(binary("atan2", x34, normal({3, 4}, {0.0}, 0.3), F2(a.atan2(b)), "Atan2Backward0"));
  s.push_back(binary("atan2_broadcast", normal({3, 1}, {0.0}, 0.3), strided(normal({4})),
                     F2(atan2(a, b)), "Atan2Backward0"));
  s.push_back(no_ties("maximum", {3, 4}, {3, 4}, F2(a.maximum(b)), "MaximumBackward0"));
  s.push_back(no_ties("fmax", {3, 4}, {3, 4}, F2(a.fmax(b)), "FmaxBackward0"));
  s.push_back(no_ties("fmin_broadcast", {3, 1}, {1, 4}, F2(fmin(a, b)), "FminBackward0"));
  s.push_back(binary("hypot", x34, strided(normal({3, 4})), F2(a.hypot(b)), "HypotBackward0"));
  s.push_back(binary("logaddexp", x34, normal({4}), F2(a.logaddexp(b)), "LogaddexpBackward0"));
  s.push_back(binary("logaddexp2", transposed(x34), normal({3, 4}), F2(logaddexp2(a, b)),
                     "Logaddexp2Backward0"));
  s.push_back(binary("xlogy", x34, uniform({3, 4}, 0.5, 2.0), F2(a.xlogy(b)), "XlogyBackward0"));
  s.push_back(unary("xlogy_scalar", x34, F1(xlogy(x, 2.5)), "XlogyBackward2"));
  s.push_back(binary("copysign", x34, x34_nz, F2(a.copysign(b)), "CopysignBackward0"));
  s.push_back(unary("copysign_scalar", x34, F1(x.copysign(-1.5)), "CopysignBackward1"));
  s.push_back(no_ties("maximum_broadcast", {3, 1}, {1, 4}, F2(maximum(a, b)), "MaximumBackward0"));
  s.push_back(no_ties("minimum", {3, 4}, {3, 4}, F2(a.minimum(b)), "MinimumBackward0"));
  s.push_back(no_ties("minimum_broadcast", {4}, {2, 3, 4}, F2(minimum(a, b)), "MinimumBackward0"));

  // The gradient input a and the mask input b, kept away from the kink at 0.
  s.push_back(binary("threshold_backward", x34, normal({3, 4}, {0.0}),
                     F2(threshold_backward(a, b, 0)), "ThresholdBackwardBackward0"));
  s.push_back(binary("threshold_backward_broadcast", normal({3, 1}), strided(normal({4}, {0.0})),
                     F2(threshold_backward(a, b, 0)), "ThresholdBackwardBackward0"));

  s.push_back(binary("where", x34, x34, F2(where(pattern({3, 4}), a, b)), "WhereBackward0"));
  s.push_back(binary("where_broadcast", normal({3, 1}), strided(normal({4})),
                     F2(where(pattern({3, 4}), a, b)), "WhereBackward0"));
  s.push_back(
      unary("where_scalar_other", x34, F1(where(pattern({3, 4}), x, 0.5)), "WhereBackward0"));
  s.push_back(unary("where_scalar_self", normal({4}), F1(where(pattern({3, 4}), -1.0, x)),
                    "WhereBackward0"));
  // PyTorch: MaskedFillBackward0 (see KnownNameDeviations).
  s.push_back(unary("masked_fill", x34, F1(x.masked_fill(pattern({3, 4}), 2.5)), ""));
  s.push_back(unary("masked_fill_broadcast_mask", transposed(x34),
                    F1(x.masked_fill(pattern({4}), -1)), ""));

  // ---- Reductions ----------------------------------------------------------------------------
  Gen x234 = normal({2, 3, 4});
  s.push_back(unary("sum", x34, F1(x.sum()), "SumBackward0"));
  s.push_back(unary("prod", uniform({3, 4}, 0.5, 1.5), F1(x.prod()), "ProdBackward0"));
  // One zero in a row, two zeros in a row, and zeros in the full product: the backward's
  // explicit-products paths, whose own backward gradgradcheck follows.
  const Gen with_prod_zeros = [] {
    Tensor t = randn({3, 4}, kFloat64);
    t.index_put_({0, 1}, 0.0);
    t.index_put_({1, 0}, 0.0);
    t.index_put_({1, 3}, 0.0);
    return t;
  };
  s.push_back(unary("prod_dim_with_zeros", with_prod_zeros, F1(x.prod(1)), "ProdBackward1"));
  const Gen with_one_zero = [] {
    Tensor t = randn({5}, kFloat64);
    t.index_put_({2}, 0.0);
    return t;
  };
  s.push_back(unary("prod_with_one_zero", with_one_zero, F1(x.prod()), "ProdBackward0"));
  s.push_back(unary("prod_dim0_with_zeros", with_prod_zeros, F1(x.prod(0)), "ProdBackward1"));
  s.push_back(unary("prod_dim_transposed", transposed(uniform({3, 4}, -1.5, -0.5)),
                    F1(prod(x, 1, true)), "ProdBackward1"));
  s.push_back(unary("sum_0dim", normal({}), F1(sum(x)), "SumBackward0"));
  s.push_back(unary("sum_transposed", transposed(x234), F1(x.sum()), "SumBackward0"));
  s.push_back(unary("sum_dim", x34, F1(x.sum({1})), "SumBackward1"));
  s.push_back(unary("sum_dims_keepdim", x234, F1(x.sum({0, 2}, true)), "SumBackward1"));
  s.push_back(unary("sum_negative_dim", strided(x234), F1(sum(x, {-1})), "SumBackward1"));
  s.push_back(unary("sum_empty_dims_keepdim", x34, F1(x.sum(IntArrayRef{}, true)), "SumBackward1"));
  s.push_back(unary("mean", x34, F1(x.mean()), "MeanBackward0"));
  s.push_back(unary("mean_strided", strided(x234), F1(mean(x)), "MeanBackward0"));
  s.push_back(unary("mean_dim", x34, F1(x.mean({0})), "MeanBackward1"));
  s.push_back(
      unary("mean_dims_keepdim", transposed(x234), F1(x.mean({1, 2}, true)), "MeanBackward1"));
  // PyTorch: NormBackward1, VarBackward0, StdBackward0 (see KnownNameDeviations).
  s.push_back(unary("norm", x34, F1(x.norm()), "NormBackward1"));
  s.push_back(
      unary("norm_dim_keepdim", transposed(x234), F1(x.norm(2, {1}, true)), "NormBackward1"));
  s.push_back(unary("norm_1", x34_nz, F1(norm(x, 1)), "NormBackward1"));
  s.push_back(unary("norm_1_dims", strided(normal({2, 3, 4}, {0.0})), F1(x.norm(1, {0, 2})),
                    "NormBackward1"));
  s.push_back(unary("norm_3", x34_nz, F1(x.norm(3)), "NormBackward1"));
  s.push_back(unary("norm_1_5_dim", x34_nz, F1(x.norm(1.5, {-1})), "NormBackward1"));
  s.push_back(unary("norm_half", x34_nz, F1(x.norm(0.5)), "NormBackward1"));
  s.push_back(unary("norm_inf", x34_nz, F1(x.norm(kInf)), ""));
  s.push_back(unary("norm_minus_inf_dim", strided(x234), F1(x.norm(-kInf, {1})), ""));
  s.push_back(unary("amax", x34, F1(x.amax()), "AmaxBackward0"));
  s.push_back(
      unary("amax_dims_keepdim", transposed(x234), F1(x.amax({0, 2}, true)), "AmaxBackward0"));
  s.push_back(unary("amin_dim", x234, F1(amin(x, {-1})), "AminBackward0"));
  s.push_back(unary("max", strided(x34), F1(x.max()), "MaxBackward1"));
  s.push_back(unary("min", x34, F1(min(x)), "MinBackward1"));
  s.push_back(unary("var", x34, F1(x.var()), ""));
  s.push_back(unary("var_biased", transposed(x34), F1(x.var(false)), ""));
  s.push_back(unary("var_dim", x234, F1(x.var({1})), ""));
  s.push_back(unary("var_dims_biased_keepdim", strided(x234), F1(var(x, {0, 2}, false, true)), ""));
  s.push_back(unary("std", x34, F1(x.std()), ""));
  s.push_back(unary("std_dim", transposed(x234), F1(x.std({0})), ""));
  s.push_back(unary("std_dims_keepdim_biased", x234, F1(std(x, {1, 2}, false, true)), ""));

  // ---- Linear algebra ------------------------------------------------------------------------
  s.push_back(binary("mm", normal({2, 3}), normal({3, 4}), F2(a.mm(b)), "MmBackward0"));
  s.push_back(binary("mm_transposed", transposed(normal({2, 3})), strided(normal({3, 4})),
                     F2(mm(a, b)), "MmBackward0"));
  s.push_back(binary("bmm", normal({2, 2, 3}), normal({2, 3, 4}), F2(a.bmm(b)), "BmmBackward0"));
  s.push_back(binary("bmm_transposed", transposed(normal({2, 2, 3})), strided(normal({2, 3, 2})),
                     F2(bmm(a, b)), "BmmBackward0"));
  s.push_back(binary("bmm_transposed_b", normal({2, 2, 3}), transposed(normal({2, 3, 4})),
                     F2(bmm(a, b)), "BmmBackward0"));
  s.push_back(binary("dot", normal({4}), strided(normal({4})), F2(a.dot(b)), "DotBackward0"));
  s.push_back(binary("mv", transposed(normal({3, 4})), normal({4}), F2(a.mv(b)), "MvBackward0"));
  s.push_back(binary("matmul_1x1", normal({3}), normal({3}), F2(a.matmul(b)), "DotBackward0"));
  s.push_back(binary("matmul_2x1", normal({2, 3}), normal({3}), F2(matmul(a, b)), "MvBackward0"));
  s.push_back(binary("matmul_2x2", normal({2, 3}), transposed(normal({3, 2})), F2(a.matmul(b)),
                     "MmBackward0"));
  // PyTorch: SqueezeBackward3 for 1-D x 2-D, UnsafeViewBackward0 (or CloneBackward0 for
  // 2-D x 3-D) for the batched forms (see KnownNameDeviations).
  s.push_back(binary("matmul_1x2", normal({3}), normal({3, 2}), F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_3x1", normal({2, 2, 3}), normal({3}), F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_1x3", normal({3}), normal({2, 3, 2}), F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_3x2", normal({2, 2, 3}), normal({3, 2}), F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_2x3", normal({2, 3}), normal({2, 3, 2}), F2(a.matmul(b)), ""));
  s.push_back(
      binary("matmul_3x3", transposed(normal({2, 2, 3})), normal({2, 3, 2}), F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_broadcast_batch_3x3", normal({2, 2, 3}), normal({1, 3, 2}),
                     F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_broadcast_batch_4x3", normal({2, 1, 2, 3}), normal({3, 3, 2}),
                     F2(a.matmul(b)), ""));
  s.push_back(binary("matmul_broadcast_batch_3x4", strided(normal({3, 2, 3})), normal({2, 1, 3, 2}),
                     F2(matmul(a, b)), ""));

  // ---- Views and copies ----------------------------------------------------------------------
  s.push_back(unary("view", x34, F1(x.view({2, 6})), "ViewBackward0"));
  s.push_back(unary("view_infer", strided(x34), F1(x.view({3, 2, -1})), "ViewBackward0"));
  s.push_back(unary("view_0dim", normal({}), F1(x.view({1, 1})), "ViewBackward0"));
  s.push_back(unary("reshape", x34, F1(x.reshape({4, 3})), "ReshapeAliasBackward0"));
  s.push_back(unary("reshape_0dim", normal({1, 1}), F1(reshape(x, IntArrayRef{})),
                    "ReshapeAliasBackward0"));
  // Not viewable: reshape copies (clone, then a view of the copy).
  s.push_back(unary("reshape_copy", transposed(x34), F1(x.reshape({-1})), "UnsafeViewBackward0"));
  s.push_back(unary("t", x34, F1(x.t()), "TBackward0"));
  s.push_back(unary("t_strided", strided(x34), F1(x.t()), "TBackward0"));
  s.push_back(unary("t_1d", normal({4}), F1(x.t()), "TBackward0"));
  s.push_back(unary("transpose", x234, F1(x.transpose(0, 2)), "TransposeBackward0"));
  s.push_back(
      unary("transpose_negative", transposed(x234), F1(transpose(x, -1, 0)), "TransposeBackward0"));
  s.push_back(unary("permute", x234, F1(x.permute({2, 0, 1})), "PermuteBackward0"));
  s.push_back(
      unary("permute_strided", strided(x234), F1(permute(x, {1, -1, 0})), "PermuteBackward0"));
  s.push_back(unary("expand", normal({3, 1}), F1(x.expand({2, 3, 4})), "ExpandBackward0"));
  s.push_back(unary("expand_1d", normal({4}), F1(x.expand({3, -1})), "ExpandBackward0"));
  s.push_back(unary("expand_as", strided(normal({1, 4})), F1(x.expand_as(zeros({3, 4}))),
                    "ExpandBackward0"));
  s.push_back(unary("expand_0dim", normal({}), F1(x.expand({2, 2})), "ExpandBackward0"));
  s.push_back(unary("squeeze", normal({3, 1, 4, 1}), F1(x.squeeze()), "SqueezeBackward0"));
  s.push_back(unary("squeeze_dim", normal({3, 1, 4}), F1(x.squeeze(1)), "SqueezeBackward1"));
  s.push_back(unary("squeeze_dim_not_1", x34, F1(x.squeeze(0)), "SqueezeBackward1"));
  s.push_back(unary("unsqueeze", x34, F1(x.unsqueeze(1)), "UnsqueezeBackward0"));
  s.push_back(unary("unsqueeze_last", transposed(x34), F1(unsqueeze(x, -1)), "UnsqueezeBackward0"));
  s.push_back(unary("unsqueeze_0dim", normal({}), F1(x.unsqueeze(0)), "UnsqueezeBackward0"));
  s.push_back(unary("flatten", x234, F1(x.flatten()), "ReshapeAliasBackward0"));
  s.push_back(unary("flatten_range", x234, F1(flatten(x, 1, 2)), "ReshapeAliasBackward0"));
  s.push_back(unary("flatten_copy", transposed(x234), F1(x.flatten()), "UnsafeViewBackward0"));
  s.push_back(unary("select", x34, F1(x.select(1, 2)), "SelectBackward0"));
  s.push_back(unary("select_negative", transposed(x234), F1(x.select(0, -1)), "SelectBackward0"));
  s.push_back(unary("select_operator", x34, F1(x[1]), "SelectBackward0"));
  s.push_back(unary("slice", x34, F1(x.slice(0, 1, 3)), "SliceBackward0"));
  s.push_back(unary("slice_step", x34, F1(x.slice(1, 0, std::nullopt, 2)), "SliceBackward0"));
  s.push_back(unary("slice_step_negative_start", strided(x234),
                    F1(x.slice(-1, -3, std::nullopt, 2)), "SliceBackward0"));
  s.push_back(unary("slice_clamped_end", x34, F1(x.slice(0, 1, 100)), "SliceBackward0"));
  s.push_back(unary("narrow", x34, F1(x.narrow(1, 1, 2)), "SliceBackward0"));
  s.push_back(
      unary("narrow_negative_start", transposed(x34), F1(x.narrow(0, -2, 2)), "SliceBackward0"));
  s.push_back(unary("index_int", x34, F1(x.index({1})), "SelectBackward0"));
  s.push_back(unary("index_slice", x34, F1(x.index({Slice(), Slice(1, 3)})), "SliceBackward0"));
  s.push_back(unary("index_slice_int", x234, F1(x.index({Slice(std::nullopt, std::nullopt, 2), 1})),
                    "SelectBackward0"));
  s.push_back(unary("index_int_slice_step", strided(x234),
                    F1(x.index({-1, Slice(), Slice(1, std::nullopt, 2)})), "SliceBackward0"));
  s.push_back(unary("index_none_ellipsis", x34,
                    F1(x.index({indexing::None, indexing::Ellipsis, 2})), "SelectBackward0"));
  s.push_back(unary("clone", x34, F1(x.clone()), "CloneBackward0"));
  s.push_back(unary("clone_strided", strided(x34), F1(x.clone()), "CloneBackward0"));
  // In-place overwrites of a copy: the overwritten elements pass no gradient to the original, the
  // source gets it (summed over broadcast dims, converted back to its dtype).
  s.push_back(binary("copy_broadcast", x34, normal({4}), F2(a.clone().copy_(b)), "CopyBackwards"));
  s.push_back(binary("copy_into_slice", x34, normal({3, 2}), F2([&] {
                       Tensor y = a * 1;
                       y.slice(1, 1, 3).copy_(b * 2);
                       return y;
                     }()),
                     "CopySlices"));
  s.push_back(unary("fill_scalar_into_slice", x34, F1([&] {
                      Tensor y = x * 1;
                      y.slice(0, 1, 2).fill_(2.5);
                      return y;
                    }()),
                    "CopySlices"));
  s.push_back(binary("fill_tensor", x34, normal({}), F2(a.clone().fill_(b)), "FillBackward3"));
  s.push_back(binary("fill_tensor_into_slice", x34, normal({}), F2([&] {
                       Tensor y = a.clone();
                       y.select(1, 2).fill_(b);
                       return y;
                     }()),
                     "CopySlices"));
  s.push_back(unary("contiguous", transposed(x34), F1(x.contiguous()), "CloneBackward0"));
  // Its float32 result is too coarse for central differences; GradcheckTo checks it instead.
  s.push_back(unary("to_float32", x34, F1(x.to(kFloat32)), "ToCopyBackward0"));
  s.back().numeric = false;
  // The same node with a float64 result, so that finite differences can check it.
  s.push_back(
      unary("to_copy", transposed(x34), F1(x.to(kFloat64, /*copy=*/true)), "ToCopyBackward0"));

  // ---- Joining and splitting -----------------------------------------------------------------
  s.push_back(binary("cat", x34, normal({2, 4}), F2(cat({a, b})), "CatBackward0"));
  s.push_back(binary("cat_dim1_noncontiguous", transposed(x34), strided(normal({3, 2})),
                     F2(cat({a, b, a}, 1)), "CatBackward0"));
  // PyTorch: StackBackward0, SplitBackward0, UnbindBackward0 (see KnownNameDeviations).
  s.push_back(binary("stack", x34, transposed(x34), F2(stack({a, b}, 1)), ""));
  s.push_back({"split",
               [=] {
                 Tensor x = leaf(normal({5, 3})());
                 return Case{{x}, [](const variable_list& v) { return v[0].split(2); }};
               },
               ""});
  s.push_back({"split_sizes",
               [=] {
                 Tensor x = leaf(strided(normal({3, 5}))());
                 return Case{{x}, [](const variable_list& v) { return v[0].split({1, 4}, 1); }};
               },
               ""});
  s.push_back({"chunk",
               [=] {
                 Tensor x = leaf(transposed(normal({4, 3}))());
                 return Case{{x}, [](const variable_list& v) { return chunk(v[0], 3, 1); }};
               },
               ""});
  s.push_back({"unbind",
               [=] {
                 Tensor x = leaf(normal({3, 2})());
                 return Case{{x}, [](const variable_list& v) { return v[0].unbind(1); }};
               },
               ""});

  // ---- Convolution and pooling ---------------------------------------------------------------
  s.push_back({"conv2d_bias",
               [=] {
                 Tensor x = leaf(normal({2, 2, 4, 4})()), w = leaf(normal({3, 2, 3, 3})());
                 Tensor b = leaf(normal({3})());
                 return Case{{x, w, b}, [](const variable_list& v) {
                               return variable_list{conv2d(v[0], v[1], v[2], {1}, {1})};
                             }};
               },
               "ConvolutionBackward0"});
  s.push_back(binary("conv2d_strided_dilated_groups", transposed(normal({1, 4, 6, 5})),
                     normal({4, 2, 2, 2}), F2(conv2d(a, b, {}, {2, 1}, {1, 0}, {1, 2}, 2)),
                     "ConvolutionBackward0"));
  s.push_back(binary("conv2d_unbatched", normal({2, 4, 4}), strided(normal({2, 2, 2, 2})),
                     F2(conv2d(a, b)), "SqueezeBackward1"));
  s.push_back({"conv_transpose2d_bias_output_padding",
               [=] {
                 Tensor x = leaf(normal({2, 2, 3, 4})()), w = leaf(normal({2, 3, 3, 2})());
                 Tensor b = leaf(normal({3})());
                 return Case{
                     {x, w, b}, [](const variable_list& v) {
                       return variable_list{conv_transpose2d(v[0], v[1], v[2], {2}, {1}, {1, 0})};
                     }};
               },
               "ConvolutionBackward0"});
  s.push_back(binary(
      "conv_transpose2d_groups_dilated", transposed(normal({1, 4, 3, 3})), normal({4, 1, 2, 3}),
      F2(conv_transpose2d(a, b, {}, {1, 2}, {0, 1}, {1, 1}, 2, {2, 1})), "ConvolutionBackward0"));
  s.push_back(binary("conv_transpose2d_unbatched", normal({2, 3, 3}), normal({2, 2, 2, 2}),
                     F2(conv_transpose2d(a, b, {}, {2})), "SqueezeBackward1"));
  s.push_back(unary("im2col", normal({2, 2, 4, 5}), F1(im2col(x, {2, 3}, {1}, {1}, {2, 1})),
                    "Im2ColBackward0"));
  s.push_back(unary("col2im", strided(normal({8, 4})), F1(col2im(x, {3, 4}, {2}, {1}, {0}, {1, 2})),
                    "Col2ImBackward0"));
  // Distinct values 0.1 apart: no near-ties inside a pooling window.
  Gen distinct = [] { return (randperm(50).to(kFloat64) * 0.1 - 2.5).reshape({2, 1, 5, 5}); };
  s.push_back(
      unary("max_pool2d", distinct, F1(max_pool2d(x, {2})), "MaxPool2DWithIndicesBackward0"));
  s.push_back(unary("max_pool2d_padded_ceil", transposed(distinct),
                    F1(max_pool2d(x, {3}, {2}, {1}, {1}, true)), "MaxPool2DWithIndicesBackward0"));
  s.push_back(
      unary("avg_pool2d", normal({2, 2, 4, 4}), F1(avg_pool2d(x, {2})), "AvgPool2DBackward0"));
  s.push_back(unary("avg_pool2d_ceil_no_pad_count", strided(normal({1, 2, 6, 6})),
                    F1(avg_pool2d(x, {3}, {2}, {1}, true, false)), "AvgPool2DBackward0"));
  Gen distinct_volume = [] {
    return (randperm(72).to(kFloat64) * 0.1 - 3.6).reshape({1, 2, 3, 4, 3});
  };
  s.push_back(unary("max_pool3d", distinct_volume,
                    F1(max_pool3d(x, {2, 3, 2}, {1, 1, 2}, {1, 1, 0}, {1, 1, 1}, true)),
                    "MaxPool3DWithIndicesBackward0"));
  s.push_back(unary("avg_pool3d_ceil_divisor", strided(normal({1, 2, 4, 5, 4})),
                    F1(avg_pool3d(x, {3}, {2}, {1}, true, false, 5)), "AvgPool3DBackward0"));

  // ---- Composed convolutions, pools and resampling -------------------------------------------
  s.push_back({"conv1d_bias",
               [=] {
                 Tensor x = leaf(normal({2, 3, 7})()), w = leaf(normal({4, 3, 3})());
                 Tensor b = leaf(normal({4})());
                 return Case{{x, w, b}, [](const variable_list& v) {
                               return variable_list{conv1d(v[0], v[1], v[2], {2}, {1})};
                             }};
               },
               ""});
  s.push_back(binary("conv1d_groups_dilated", strided(normal({1, 4, 9})), normal({4, 2, 2}),
                     F2(conv1d(a, b, {}, {1}, {2}, {3}, 2)), ""));
  s.push_back({"conv3d_bias",
               [=] {
                 Tensor x = leaf(normal({1, 2, 4, 3, 3})()), w = leaf(normal({3, 2, 2, 2, 2})());
                 Tensor b = leaf(normal({3})());
                 return Case{{x, w, b}, [](const variable_list& v) {
                               return variable_list{conv3d(v[0], v[1], v[2], {1, 2, 1}, {1, 0, 1})};
                             }};
               },
               ""});
  s.push_back(binary("conv3d_groups_dilated_unbatched", transposed(normal({4, 3, 3, 3})),
                     normal({2, 2, 2, 1, 2}), F2(conv3d(a, b, {}, {1}, {0}, {2, 1, 1}, 2)),
                     "SqueezeBackward1"));
  s.push_back(binary("conv_transpose1d", normal({2, 3, 4}), normal({3, 2, 3}),
                     F2(conv_transpose1d(a, b, {}, {2}, {1}, {1})), ""));
  s.push_back({"conv_transpose3d_bias_groups",
               [=] {
                 Tensor x = leaf(normal({1, 2, 2, 3, 2})()), w = leaf(normal({2, 2, 2, 2, 2})());
                 Tensor b = leaf(normal({4})());
                 return Case{
                     {x, w, b}, [](const variable_list& v) {
                       return variable_list{conv_transpose3d(v[0], v[1], v[2], {2}, {1}, {1}, 2)};
                     }};
               },
               ""});
  Gen distinct_1d = [=] { return distinct().reshape({2, 5, 5}); };
  Gen distinct_rows = [=] { return distinct().reshape({-1}).narrow(0, 0, 18).reshape({6, 3}); };
  s.push_back(
      unary("max_pool1d", distinct_1d, F1(max_pool1d(x, {3}, {2}, {1})), "SqueezeBackward1"));
  s.push_back(unary("avg_pool1d_ceil", normal({2, 3, 7}),
                    F1(avg_pool1d(x, {3}, {2}, {1}, true, false)), "SqueezeBackward1"));
  s.push_back(unary("adaptive_avg_pool2d", strided(normal({2, 2, 7, 5})),
                    F1(adaptive_avg_pool2d(x, {3, 2})), ""));
  s.push_back(
      unary("adaptive_max_pool1d", distinct_1d, F1(std::get<0>(adaptive_max_pool1d(x, {3}))), ""));
  s.push_back(
      unary("adaptive_max_pool2d", distinct, F1(std::get<0>(adaptive_max_pool2d(x, {3, 2}))), ""));
  const Tensor pooled_at = std::get<1>(max_pool2d_with_indices(distinct(), {2}));
  s.push_back(unary("max_unpool2d", normal({2, 1, 2, 2}),
                    F1(max_unpool2d(x, pooled_at, {2}, {}, {0}, {5, 5})), ""));
  s.push_back(unary("adaptive_avg_pool3d", transposed(normal({2, 3, 4, 5})),
                    F1(adaptive_avg_pool3d(x, {2, 3, 2})), ""));
  Gen distinct_3d = [] { return (randperm(60).to(kFloat64) * 0.1 - 3.0).reshape({1, 3, 4, 5}); };
  s.push_back(unary("adaptive_max_pool3d", distinct_3d,
                    F1(std::get<0>(adaptive_max_pool3d(x, {2, 3, 2}))), ""));
  const Tensor pooled_3d = std::get<1>(max_pool3d_with_indices(distinct_3d(), {2}));
  s.push_back(unary("max_unpool3d", normal({1, 1, 2, 2}),
                    F1(max_unpool3d(x, pooled_3d, {2}, {}, {0}, {3, 4, 5})), ""));
  s.push_back(unary("lp_pool2d", normal({1, 2, 4, 5}), F1(lp_pool2d(x, 2.0, {2, 3}, {1, 2})),
                    "PowBackward0"));
  s.push_back(unary("upsample_nearest", normal({1, 2, 3, 4}), F1(upsample_nearest(x, {5, 7})), ""));
  s.push_back(
      unary("upsample_bilinear", normal({1, 2, 3, 4}), F1(upsample_linear(x, {5, 7}, false)), ""));
  s.push_back(unary("upsample_linear_align_corners", normal({2, 2, 4}),
                    F1(upsample_linear(x, {7}, true)), ""));
  s.push_back(unary("pixel_shuffle", normal({1, 8, 2, 3}), F1(pixel_shuffle(x, 2)), ""));
  s.push_back(unary("pixel_unshuffle", normal({1, 2, 4, 6}), F1(pixel_unshuffle(x, 2)), ""));
  s.push_back(unary("unfold_twice", strided(normal({4, 6})), F1(x.unfold(1, 3, 2).unfold(0, 2, 1)),
                    "UnfoldBackward0"));

  // ---- Normalization, activation and lookup layers (nn::functional) ---------------------------
  s.push_back({"instance_norm_affine",
               [=] {
                 Tensor x = leaf(normal({2, 3, 4})()), w = leaf(normal({3})());
                 Tensor b = leaf(normal({3})());
                 return Case{{x, w, b}, [](const variable_list& v) {
                               return variable_list{
                                   nn::functional::instance_norm(v[0], {}, {}, v[1], v[2])};
                             }};
               },
               ""});
  // The fused kernels' node (src/ops/norm.cpp): with weight and bias over two dims, and without
  // them on a non-contiguous input.
  s.push_back(ternary(
      "layer_norm_affine", normal({2, 3, 4}), normal({3, 4}), normal({3, 4}),
      [](const Tensor& x, const Tensor& w, const Tensor& b) {
        return nn::functional::layer_norm(x, {3, 4}, w, b);
      },
      "NativeLayerNormBackward0"));
  s.push_back(unary("layer_norm_transposed", transposed(normal({3, 4})),
                    F1(nn::functional::layer_norm(x, {4})), "NativeLayerNormBackward0"));
  // Training-mode batch norm's fused node: with weight and bias (17 values per sample and
  // channel: the vector kernel and its tail), without them, on a non-contiguous input (last two
  // dims swapped), and on a 2-D [N, C] input (the kernel for few values per sample and channel).
  s.push_back(ternary(
      "batch_norm_affine", normal({2, 2, 17}), normal({2}), normal({2}),
      [](const Tensor& x, const Tensor& w, const Tensor& b) {
        return nn::functional::batch_norm(x, {}, {}, w, b, true);
      },
      "NativeBatchNormBackward0"));
  s.push_back(unary("batch_norm_no_affine", normal({2, 3, 2, 2}),
                    F1(nn::functional::batch_norm(x, {}, {}, {}, {}, true)),
                    "NativeBatchNormBackward0"));
  s.push_back(unary("batch_norm_transposed", transposed(normal({2, 3, 4})),
                    F1(nn::functional::batch_norm(x, {}, {}, {}, {}, true)),
                    "NativeBatchNormBackward0"));
  s.push_back(binary(
      "batch_norm_2d", normal({5, 3}), normal({3}),
      [](const Tensor& x, const Tensor& w) {
        return nn::functional::batch_norm(x, {}, {}, w, {}, true);
      },
      "NativeBatchNormBackward0"));
  s.push_back(unary("local_response_norm", normal({2, 5, 3}),
                    F1(nn::functional::local_response_norm(x, 3, 0.1)), "DivBackward0"));
  s.push_back(binary("prelu_per_channel", normal({2, 3, 4}, {0.0}), normal({3}),
                     F2(nn::functional::prelu(a, b)), ""));
  s.push_back({"bilinear",
               [=] {
                 Tensor a = leaf(normal({4, 2})()), b = leaf(normal({4, 3})());
                 Tensor w = leaf(normal({5, 2, 3})()), c = leaf(normal({5})());
                 return Case{
                     {a, b, w, c}, [](const variable_list& v) {
                       return variable_list{nn::functional::bilinear(v[0], v[1], v[2], v[3])};
                     }};
               },
               ""});
  s.push_back(
      binary("embedding_bag_sum_weighted", normal({6, 3}), normal({6}),
             F2(nn::functional::embedding_bag(tensor({1, 2, 4, 5, 4, 3}, TensorOptions(kInt64)), a,
                                              tensor({0, 2}, TensorOptions(kInt64)),
                                              nn::functional::EmbeddingBagMode::Sum, b)),
             ""));
  s.push_back(
      unary("embedding_bag_max", distinct_rows,
            F1(nn::functional::embedding_bag(tensor({1, 2, 4, 5, 4, 3}, TensorOptions(kInt64)), x,
                                             tensor({0, 2}, TensorOptions(kInt64)),
                                             nn::functional::EmbeddingBagMode::Max)),
            ""));
  s.push_back(unary("min_dim", x234, F1(std::get<0>(x.min(1))), "MinBackward0"));
  s.push_back(unary("nanmedian_all", x34, F1(x.nanmedian()), "NanmedianBackward0"));
  s.push_back(unary("softmax", x234, F1(softmax(x, 1)), "SoftmaxBackward0"));
  s.push_back(unary("log_softmax", transposed(x34), F1(log_softmax(x, -1)), "LogSoftmaxBackward0"));
  s.push_back(unary("logsumexp_dim", x234, F1(logsumexp(x, {2})), "LogsumexpBackward0"));
  s.push_back(unary("logsumexp_dims_keepdim", strided(x234), F1(logsumexp(x, {0, 2}, true)),
                    "LogsumexpBackward0"));
  s.push_back(unary("scatter_value", x34,
                    F1(x.scatter(1, tensor({int64_t{0}, 2, 1}).view({3, 1}), 2.5)),
                    "ScatterBackward1"));
  // Two sources meet at some positions of self; normal values, so no ties and no zeros.
  const auto scatter_to = [] {
    return tensor({int64_t{0}, 1, 2, 0, 2, 1, 0, 0}, TensorOptions(kInt64)).view({2, 4});
  };
  for (const char* reduce : {"prod", "amax", "amin"})
    for (bool include_self : {true, false})
      s.push_back(binary(
          std::string("scatter_reduce_") + reduce + (include_self ? "" : "_exclude_self"),
          normal({3, 4}), normal({2, 4}),
          [=](const Tensor& a, const Tensor& b) {
            return a.scatter_reduce(0, scatter_to(), b, reduce, include_self);
          },
          "ScatterReduceBackward0"));
  s.push_back(unary("zero_", x34, F1(x.clone().zero_()), "ZeroBackward0"));
  s.push_back(unary("as_strided", x34, F1(x.as_strided({2, 2}, {4, 1}, 1)), "AsStridedBackward0"));

  // ---- Compositions --------------------------------------------------------------------------
  s.push_back(binary("linear_layer", normal({2, 3}), normal({4, 3}),
                     F2(a.matmul(b.t()).add(b.sum({1})).tanh().mean({0})), "MeanBackward1"));
  s.push_back(
      unary("softmax_like", x34,
            F1((x - x.mean({1}, true)).exp() / (x - x.mean({1}, true)).exp().sum({1}, true)),
            "DivBackward0"));
  // ---- Decompositions (ember::linalg) ----------------------------------------------------------
  // Well-conditioned inputs; eigenvectors and singular vectors enter squared elementwise, which
  // does not depend on their signs.
  const Gen square = [] { return randn({3, 3}, kFloat64) + eye(3, kFloat64) * 3; };
  const Gen upper = [] { return randn({3, 3}, kFloat64).triu() + eye(3, kFloat64) * 3; };
  const Gen sym = [] {
    const Tensor b = randn({3, 3}, kFloat64);
    return b + b.t() + diag(tensor({-4.0, 0.0, 4.0}, kFloat64));
  };
  s.push_back(unary("linalg_inv", square, F1(linalg::inv(x)), "LinalgInvExBackward0"));
  s.push_back(unary("linalg_det", square, F1(linalg::det(x)), "LinalgDetBackward0"));
  s.push_back(unary("linalg_slogdet", square, F1(std::get<1>(linalg::slogdet(x))),
                    "LinalgSlogdetBackward0"));
  s.push_back(binary("linalg_solve", square, normal({3, 2}), F2(linalg::solve(a, b)),
                     "LinalgSolveExBackward0"));
  s.push_back(binary("linalg_solve_triangular", upper, normal({3, 2}),
                     F2(linalg::solve_triangular(a, b, true)), "LinalgSolveTriangularBackward0"));
  // cholesky and eigh read one triangle and, as torch's, give the symmetric part of the gradient:
  // their rows feed them a symmetric function of an unconstrained input.
  s.push_back(unary("linalg_cholesky", square,
                    F1(linalg::cholesky(x.matmul(x.t()) + eye(3, kFloat64))),
                    "LinalgCholeskyExBackward0"));
  s.push_back(unary("linalg_lu_factor", square, F1(std::get<0>(linalg::lu_factor(x))),
                    "LinalgLuFactorExBackward0"));
  // Tall and wide: the backward splits off the rows below (columns right of) the square block.
  s.push_back(unary("linalg_lu_factor_tall", normal({5, 3}), F1(std::get<0>(linalg::lu_factor(x))),
                    "LinalgLuFactorExBackward0"));
  s.push_back(unary("linalg_lu_factor_wide", normal({2, 3, 5}),
                    F1(std::get<0>(linalg::lu_factor(x))), "LinalgLuFactorExBackward0"));
  s.push_back({"linalg_qr",
               [] {
                 Tensor a = leaf(randn({4, 3}, kFloat64));
                 return Case{{a}, [](const variable_list& v) {
                               auto [q, r] = linalg::qr(v[0]);
                               return variable_list{q, r};
                             }};
               },
               "LinalgQrBackward0"});
  s.push_back({"linalg_eigh",
               [sym] {
                 Tensor a = leaf(sym());
                 return Case{{a}, [](const variable_list& v) {
                               auto [values, vectors] = linalg::eigh(v[0] + v[0].t());
                               return variable_list{values, vectors * vectors};
                             }};
               },
               "LinalgEighBackward0"});
  s.push_back({"linalg_svd",
               [] {
                 Tensor a = leaf(randn({4, 3}, kFloat64));
                 return Case{{a}, [](const variable_list& v) {
                               auto [u, values, vh] = linalg::svd(v[0], false);
                               return variable_list{values, u * u, vh * vh};
                             }};
               },
               "LinalgSvdBackward0"});
  return s;
}

#undef F1
#undef F2

// Samples whose result is float64 (checked numerically) and samples whose grad_fn name PyTorch
// shares (the others are pinned in KnownNameDeviations).
std::vector<OpSample> numeric_samples() {
  std::vector<OpSample> out;
  for (const OpSample& s : op_samples())
    if (s.numeric) out.push_back(s);
  return out;
}
std::vector<OpSample> named_samples() {
  std::vector<OpSample> out;
  for (const OpSample& s : op_samples())
    if (!s.torch_grad_fn.empty()) out.push_back(s);
  return out;
}

Case make_case(const OpSample& sample) {
  manual_seed(std::hash<std::string>{}(sample.name));
  return sample.make();
}

std::string sample_name(const ::testing::TestParamInfo<OpSample>& info) { return info.param.name; }

class GradcheckOps : public ::testing::TestWithParam<OpSample> {};

TEST_P(GradcheckOps, Gradcheck) {
  Case c = make_case(GetParam());
  EXPECT_NO_THROW({ EXPECT_TRUE(autograd::gradcheck(c.fn, c.inputs)); });
  // Every output must carry history: an op that silently dropped it would give zero gradients.
  for (const Tensor& out : c.fn(c.inputs)) EXPECT_TRUE(out.requires_grad());
}

// Rows whose gradient is identically zero (step functions): their gradcheck and gradgradcheck
// compare zeros with zeros, so the list is pinned and a row that becomes a no-op is noticed.
const char* const kZeroGradientRows[] = {
    "floor", "ceil_transposed", "round", "trunc_strided", "sign", "sgn", "pow_0", "zero_"};

TEST_P(GradcheckOps, ZeroGradientRowsArePinned) {
  Case c = make_case(GetParam());
  const autograd::Jacobians j = autograd::jacobians(c.fn, c.inputs);
  const bool zero = std::all_of(j.analytical.begin(), j.analytical.end(),
                                [](const Tensor& a) { return !a.ne(0).any().item<bool>(); });
  const bool pinned = std::any_of(std::begin(kZeroGradientRows), std::end(kZeroGradientRows),
                                  [](const char* row) { return GetParam().name == row; });
  EXPECT_EQ(zero, pinned) << GetParam().name
                          << (zero ? ": gradient is identically zero" : ": gradient is nonzero");
}

TEST_P(GradcheckOps, Gradgradcheck) {
  Case c = make_case(GetParam());
  EXPECT_NO_THROW({ EXPECT_TRUE(autograd::gradgradcheck(c.fn, c.inputs)); });
}

}  // namespace
namespace autograd {
// graph/forward_grad.h: the ops that derived their JVP from the backward formula.
std::set<std::string> take_derived_jvp_names();
}  // namespace autograd
namespace {

// The nodes whose JVP may be derived from the backward formula (ops/record.h DerivedJvp):
// elementwise and linear ops, as the issue allows. Every other op writes its JVP rule out.
const std::set<std::string> kDerivedJvpNodes = {
    // Elementwise.
    "MulBackward0",
    "MulBackward1",
    "AddBackward0",
    "AddBackward1",
    "SubBackward0",
    "SubBackward1",
    "RsubBackward1",
    "PowBackward0",
    "PowBackward1",
    "DivBackward0",
    "DivBackward1",
    "SqrtBackward0",
    "RsqrtBackward0",
    "AbsBackward0",
    "ExpBackward0",
    "Exp2Backward0",
    "Expm1Backward0",
    "ClampBackward1",
    "LogBackward0",
    "Log2Backward0",
    "Log10Backward0",
    "Log1PBackward0",
    "TanhBackward0",
    "ReluBackward0",
    "ThresholdBackwardBackward0",
    "SigmoidBackward0",
    "LogitBackward0",
    "TruncBackward0",
    "FloorBackward0",
    "CeilBackward0",
    "RoundBackward0",
    "FracBackward0",
    "SignBackward0",
    "SgnBackward0",
    "ReciprocalBackward0",
    "NegBackward0",
    "PolygammaBackward0",
    "LgammaBackward0",
    "DigammaBackward0",
    "ErfBackward0",
    "ErfcBackward0",
    "ErfinvBackward0",
    "I0Backward0",
    "SpecialI1Backward0",
    "SinBackward0",
    "CosBackward0",
    "TanBackward0",
    "SinhBackward0",
    "CoshBackward0",
    "AsinBackward0",
    "AcosBackward0",
    "AtanBackward0",
    "AsinhBackward0",
    "AcoshBackward0",
    "AtanhBackward0",
    "Atan2Backward0",
    "SincBackward0",
    "HypotBackward0",
    "Rad2DegBackward0",
    "Deg2RadBackward0",
    "MinimumBackward0",
    "MaximumBackward0",
    "FminBackward0",
    "FmaxBackward0",
    "XlogyBackward0",
    "XlogyBackward2",
    "LogaddexpBackward0",
    "Logaddexp2Backward0",
    "CopysignBackward0",
    "CopysignBackward1",
    "WhereBackward0",
    "ToCopyBackward0",
    // Linear: views, copies, sums, index gathers and scatters, unfolding, average pooling.
    "ViewBackward0",
    "ReshapeAliasBackward0",
    "UnsafeViewBackward0",
    "CloneBackward0",
    "CopyBackwards",
    "CopySlices",
    "UnsqueezeBackward0",
    "SqueezeBackward0",
    "SqueezeBackward1",
    "ExpandBackward0",
    "SliceBackward0",
    "SelectBackward0",
    "PermuteBackward0",
    "TransposeBackward0",
    "TBackward0",
    "DiagonalBackward0",
    "AsStridedBackward0",
    "FlipBackward0",
    "RepeatBackward0",
    "CatBackward0",
    "TriuBackward0",
    "TrilBackward0",
    "FillBackward2",
    "FillBackward3",
    "ZeroBackward0",
    "SumBackward0",
    "SumBackward1",
    "MeanBackward0",
    "MeanBackward1",
    "CumsumBackward0",
    "IndexSelectBackward0",
    "GatherBackward0",
    "ScatterBackward0",
    "ScatterBackward1",
    "ScatterAddBackward0",
    "Im2ColBackward0",
    "Col2ImBackward0",
    "UnfoldBackward0",
    "AvgPool2DBackward0",
    "AvgPool3DBackward0",
};

// Forward mode: each output's tangent under a dual level equals the central difference of the
// op along the input tangents, and <u, J v> from forward mode equals <J^T u, v> from reverse.
// Only elementwise and linear ops may derive their JVP (kDerivedJvpNodes).
TEST_P(GradcheckOps, ForwardMode) {
  Case c = make_case(GetParam());
  (void)autograd::take_derived_jvp_names();
  variable_list primals, tangents;
  for (const Tensor& x : c.inputs) {
    primals.push_back(x.detach());
    tangents.push_back(is_floating_point(x.dtype()) ? randn_like(x) : Tensor());
  }
  variable_list forward;
  {
    autograd::forward_ad::dual_level level;
    variable_list duals;
    for (size_t i = 0; i < primals.size(); ++i)
      duals.push_back(tangents[i].defined()
                          ? autograd::forward_ad::make_dual(primals[i], tangents[i])
                          : primals[i]);
    for (const Tensor& out : c.fn(duals)) {
      Tensor t = autograd::forward_ad::unpack_dual(out).tangent;
      forward.push_back(t.defined() ? t.detach() : zeros_like(out));
    }
  }
  for (const std::string& name : autograd::take_derived_jvp_names())
    EXPECT_TRUE(kDerivedJvpNodes.count(name))
        << name << " derives its JVP from its backward formula but is not elementwise or linear";
  const double eps = 1e-6;
  auto shifted = [&](double sign) {
    NoGradGuard no_grad;
    variable_list xs;
    for (size_t i = 0; i < primals.size(); ++i)
      xs.push_back(tangents[i].defined() ? primals[i] + sign * eps * tangents[i] : primals[i]);
    return c.fn(xs);
  };
  const variable_list plus = shifted(1), minus = shifted(-1);
  ASSERT_EQ(forward.size(), plus.size());
  for (size_t k = 0; k < forward.size(); ++k) {
    if (!is_floating_point(plus[k].dtype())) continue;
    testing::expect_close(forward[k], (plus[k] - minus[k]) / (2 * eps), 1e-3, 1e-5);
  }
  // <u, J v> = <J^T u, v>, with reverse mode on the same inputs.
  variable_list outs = c.fn(c.inputs), us, wrt, vs;
  double forward_product = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    us.push_back(randn_like(outs[k]));
    if (outs[k].requires_grad()) forward_product += (us[k] * forward[k]).sum().item<double>();
  }
  variable_list grads = autograd::grad(outs, c.inputs, us, std::nullopt, false, true);
  double reverse_product = 0;
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined() && tangents[i].defined())
      reverse_product += (grads[i] * tangents[i]).sum().item<double>();
  EXPECT_NEAR(forward_product, reverse_product, 1e-8 * (1 + std::abs(reverse_product)));
}

INSTANTIATE_TEST_SUITE_P(Gradcheck, GradcheckOps, ::testing::ValuesIn(numeric_samples()),
                         sample_name);

class GradFnNames : public ::testing::TestWithParam<OpSample> {};

TEST_P(GradFnNames, MatchPyTorch) {
  Case c = make_case(GetParam());
  variable_list outs = c.fn(c.inputs);
  ASSERT_FALSE(outs.empty());
  ASSERT_TRUE(outs[0].grad_fn() != nullptr);
  EXPECT_EQ(outs[0].grad_fn()->name(), GetParam().torch_grad_fn);
}

INSTANTIATE_TEST_SUITE_P(Gradcheck, GradFnNames, ::testing::ValuesIn(named_samples()), sample_name);

// Expressions whose grad_fn name differs from PyTorch 1.13's because Ember builds them from other
// recorded ops (not a rename): pinned here so a change is noticed, with PyTorch's name alongside.
struct NameDeviation {
  const char* sample;
  const char* ember;
  const char* torch;
};
const NameDeviation kNameDeviations[] = {
    {"quantile", "SqueezeBackward1", "SqueezeBackward3"},
    {"nanquantile_keepdim", "SqueezeBackward1", "SqueezeBackward3"},
    {"nansum", "SumBackward1", "NansumBackward0"},
    {"clamp_min_method", "ClampBackward1", "ClampMinBackward0"},
    {"clamp_max_method", "ClampBackward1", "ClampMaxBackward0"},
    {"pow_scalar_base", "PowBackward1", "PowBackward2"},
    {"pow_scalar_base_e", "PowBackward1", "PowBackward2"},
    {"masked_fill", "WhereBackward0", "MaskedFillBackward0"},
    {"masked_fill_broadcast_mask", "WhereBackward0", "MaskedFillBackward0"},
    {"norm_inf", "AmaxBackward0", "NormBackward1"},
    {"norm_minus_inf_dim", "AminBackward0", "NormBackward1"},
    {"var", "DivBackward1", "VarBackward0"},
    {"var_biased", "DivBackward1", "VarBackward0"},
    {"var_dim", "DivBackward1", "VarBackward0"},
    {"var_dims_biased_keepdim", "DivBackward1", "VarBackward0"},
    {"std", "WhereBackward0", "StdBackward0"},
    {"std_dim", "WhereBackward0", "StdBackward0"},
    {"std_dims_keepdim_biased", "WhereBackward0", "StdBackward0"},
    {"matmul_1x2", "SqueezeBackward1", "SqueezeBackward3"},
    {"matmul_3x1", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_1x3", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_3x2", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_2x3", "ViewBackward0", "CloneBackward0"},
    {"matmul_3x3", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_broadcast_batch_3x3", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_broadcast_batch_4x3", "ViewBackward0", "UnsafeViewBackward0"},
    {"matmul_broadcast_batch_3x4", "ViewBackward0", "UnsafeViewBackward0"},
    {"stack", "CatBackward0", "StackBackward0"},
    {"split", "SliceBackward0", "SplitBackward0"},
    {"split_sizes", "SliceBackward0", "SplitWithSizesBackward0"},
    {"chunk", "SliceBackward0", "SplitBackward0"},
    {"unbind", "SelectBackward0", "UnbindBackward0"},
    {"einsum_matmul", "ReshapeAliasBackward0", "ViewBackward0"},
    {"einsum_batched_implicit", "ReshapeAliasBackward0", "ViewBackward0"},
    {"einsum_diagonal_sum", "ReshapeAliasBackward0", "SumBackward1"},
    {"einsum_three_with_ellipsis", "ReshapeAliasBackward0", "ViewBackward0"},
    {"diag_of_vector", "CopySlices", "DiagBackward0"},
    {"diag_of_matrix", "CloneBackward0", "DiagBackward0"},
    {"trace", "SumBackward0", "TraceBackward0"},
    {"roll", "CatBackward0", "RollBackward0"},
    {"roll_flat", "ViewBackward0", "RollBackward0"},
    {"masked_select", "IndexSelectBackward0", "MaskedSelectBackward0"},
    {"nan_to_num", "WhereBackward0", "NanToNumBackward0"},
    {"addcmul", "AddBackward0", "AddcmulBackward0"},
    {"addcdiv", "AddBackward0", "AddcdivBackward0"},
    {"lerp", "AddBackward0", "LerpBackward0"},
    {"lerp_tensor_weight", "AddBackward0", "LerpBackward1"},
    {"remainder", "SubBackward0", "RemainderBackward0"},
    {"fmod", "SubBackward0", "FmodBackward0"},
    {"conv1d_bias", "SqueezeBackward1", "ConvolutionBackward0"},
    {"conv1d_groups_dilated", "SqueezeBackward1", "ConvolutionBackward0"},
    {"conv3d_bias", "AddBackward0", "ConvolutionBackward0"},
    {"conv_transpose1d", "SqueezeBackward1", "ConvolutionBackward0"},
    {"conv_transpose3d_bias_groups", "AddBackward0", "ConvolutionBackward0"},
    {"adaptive_avg_pool2d", "PermuteBackward0", "AdaptiveAvgPool2DBackward0"},
    {"adaptive_max_pool1d", "MaxBackward0", "SqueezeBackward1"},
    {"adaptive_max_pool2d", "MaxBackward0", "AdaptiveMaxPool2DBackward0"},
    {"max_unpool2d", "ViewBackward0", "MaxUnpool2DBackward0"},
    {"adaptive_avg_pool3d", "PermuteBackward0", "AdaptiveAvgPool3DBackward0"},
    {"adaptive_max_pool3d", "MaxBackward0", "AdaptiveMaxPool3DBackward0"},
    {"max_unpool3d", "ViewBackward0", "MaxUnpool3DBackward0"},
    {"upsample_nearest", "IndexSelectBackward0", "UpsampleNearest2DBackward1"},
    {"upsample_bilinear", "PermuteBackward0", "UpsampleBilinear2DBackward1"},
    {"upsample_linear_align_corners", "PermuteBackward0", "UpsampleLinear1DBackward1"},
    {"pixel_shuffle", "UnsafeViewBackward0", "PixelShuffleBackward0"},
    {"pixel_unshuffle", "UnsafeViewBackward0", "PixelUnshuffleBackward0"},
    {"instance_norm_affine", "AddBackward0", "ViewBackward0"},
    {"prelu_per_channel", "WhereBackward0", "PreluBackward0"},
    {"bilinear", "ReshapeAliasBackward0", "AddBackward0"},
    {"embedding_bag_sum_weighted", "ReshapeAliasBackward0", "EmbeddingBagBackward0"},
    {"embedding_bag_max", "ScatterReduceBackward0", "EmbeddingBagBackward0"},
};

TEST(GradcheckNames, KnownNameDeviations) {
  std::vector<OpSample> samples = op_samples();
  for (const NameDeviation& d : kNameDeviations) {
    SCOPED_TRACE(d.sample);
    auto it = std::find_if(samples.begin(), samples.end(),
                           [&](const OpSample& s) { return s.name == d.sample; });
    ASSERT_NE(it, samples.end());
    EXPECT_TRUE(it->torch_grad_fn.empty());
    manual_seed(0);
    Case c = it->make();
    variable_list outs = c.fn(c.inputs);
    ASSERT_TRUE(outs[0].grad_fn() != nullptr);
    EXPECT_EQ(outs[0].grad_fn()->name(), d.ember) << "PyTorch 1.13 names it " << d.torch;
  }
  // Every sample without a PyTorch name to match is accounted for above.
  for (const OpSample& s : samples) {
    if (!s.torch_grad_fn.empty()) continue;
    EXPECT_TRUE(std::any_of(std::begin(kNameDeviations), std::end(kNameDeviations),
                            [&](const NameDeviation& d) { return s.name == d.sample; }))
        << s.name;
  }
}

// Every differentiable op of the op table has a sample row above (named after the op, or the op's
// name and a suffix), so it is gradchecked, gradgradchecked and its grad_fn name compared.
TEST(OpTable, EveryOpHasASampleRow) {
  const std::vector<OpSample> samples = op_samples();
  std::vector<std::string> ops;
#define EMBER_UNARY_OP(Name, name, ...) ops.push_back(#name);
#define EMBER_BINARY_OP(Name, name, ...) ops.push_back(#name);
#define EMBER_REDUCE_OP(Name, name, ...) ops.push_back(#name);
#include "ember/core/op_table.def"
  EXPECT_GE(ops.size(), 30u);
  for (const std::string& op : ops) {
    const bool covered = std::any_of(samples.begin(), samples.end(), [&](const OpSample& s) {
      return s.name == op || s.name.starts_with(op + "_");
    });
    EXPECT_TRUE(covered) << op << " has no sample row in op_samples()";
  }
}

// ---- The inventory of backward nodes ----------------------------------------------------------

// Every backward node name the library can record ("...Backward<N>", "CopyBackwards" in src/
// and include/).
std::set<std::string> node_names_in_the_sources() {
  std::set<std::string> names;
  const std::regex quoted("\"([A-Z][A-Za-z0-9]*Backwards?[0-9]*)\"");
  // The checkout: two levels above tests/fixtures.
  const std::filesystem::path checkout =
      std::filesystem::path(EMBER_TEST_FIXTURES).parent_path().parent_path();
  for (const char* root : {"src", "include"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(checkout / root)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".def") continue;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), quoted);
           it != std::sregex_iterator(); ++it)
        names.insert((*it)[1].str());
    }
  }
  return names;
}

// The names of every node in the graphs behind these tensors.
void collect_node_names(const variable_list& tensors, std::set<std::string>& names) {
  std::vector<std::shared_ptr<autograd::Node>> stack;
  std::set<const autograd::Node*> seen;
  for (const Tensor& t : tensors)
    if (t.defined() && t.grad_fn()) stack.push_back(t.grad_fn());
  while (!stack.empty()) {
    std::shared_ptr<autograd::Node> node = stack.back();
    stack.pop_back();
    if (!seen.insert(node.get()).second) continue;
    names.insert(node->name());
    for (const autograd::Edge& e : node->next_edges())
      if (e.is_valid()) stack.push_back(e.function);
  }
}

// Nodes that no sample row records, each with the reason and the test that checks it instead.
const std::map<std::string, std::string> kNodesCheckedElsewhere = {
    {"NormalBackward0", "normal_ in place: its gradient is zero (RandomFills, in_place_test)"},
    {"UniformBackward0", "uniform_ in place: its gradient is zero (RandomFills, in_place_test)"},
    {"ScaledDotProductFlashAttentionForCpuBackward0",
     "scaled_dot_product_attention: gradchecked in attention_test.cpp"},
    {"LogcumsumexpJvpBackward0",
     "logcumsumexp's tangent as a node, recorded only when forward mode or a third derivative "
     "differentiates it: forward_ad_rules_test.cpp (LogcumsumexpUnderNestedTransforms)"},
    {"UniqueDimBackward0", "unique_dim: as in torch, its backward raises (search_test.cpp)"},
    {"UniqueDimConsecutiveBackward0",
     "unique_consecutive with a dim: as in torch, its backward raises (search_test.cpp)"},
};

// The inventory is the source itself: every backward node the library records appears in the
// graph of some sample row above, so its formula is gradchecked and gradgradchecked, or in the
// double-backward graph of one (nodes such as SelectBackwardBackward0 that only a backward
// records: those are checked to first order by the row's gradgradcheck); a new node without a
// row fails here.
TEST(OpTable, EveryBackwardNodeInTheSourcesIsGradchecked) {
  const std::set<std::string> inventory = node_names_in_the_sources();
  EXPECT_GT(inventory.size(), 100u);
  std::set<std::string> reached;
  // The rows that are gradchecked and gradgradchecked (numerically checkable ones).
  for (const OpSample& s : numeric_samples()) {
    manual_seed(0);
    Case c = s.make();
    const variable_list outs = c.fn(c.inputs);
    collect_node_names(outs, reached);
    variable_list differentiable, upstream;
    for (const Tensor& o : outs)
      if (o.defined() && o.requires_grad()) {
        differentiable.push_back(o);
        upstream.push_back(ones_like(o).requires_grad_());
      }
    if (differentiable.empty()) continue;
    collect_node_names(autograd::grad(differentiable, c.inputs, upstream, true, true, true),
                       reached);
  }
  for (const std::string& name : inventory) {
    if (kNodesCheckedElsewhere.count(name)) {
      EXPECT_FALSE(reached.count(name)) << name << " now has a row: drop it from the list";
      continue;
    }
    EXPECT_TRUE(reached.count(name)) << name << " is recorded in src/ but no sample row reaches it";
  }
  for (const auto& [name, why] : kNodesCheckedElsewhere)
    EXPECT_TRUE(inventory.count(name)) << name << " is no longer in the sources";
}

}  // namespace
}  // namespace ember
