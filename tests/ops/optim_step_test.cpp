// The fused optimizer updates: the one-pass kernel against the same update written in ops (which
// strided tensors take), PyTorch's values, and the argument checks.
#include "testing.h"

namespace ember {
namespace {

struct AdamState {
  Tensor p, g, m, v;
};

// Parameters and state of 1,003 elements (not a multiple of any vector width) after a few steps'
// worth of moments; `strided` gives every tensor as a transposed view of the same values.
AdamState adam_state(ScalarType dtype, bool strided) {
  manual_seed(7);
  auto make = [&](Tensor t) { return strided ? t.t().contiguous().t() : t; };
  Tensor v = randn({59, 17}, TensorOptions(dtype)).abs() * 0.01;
  return {make(randn({59, 17}, TensorOptions(dtype))), make(randn({59, 17}, TensorOptions(dtype))),
          make(randn({59, 17}, TensorOptions(dtype)) * 0.1), make(v)};
}

TEST(FusedAdam, TheKernelMatchesTheUpdateWrittenInOps) {
  for (ScalarType dtype : {kFloat32, kFloat64}) {
    AdamState fast = adam_state(dtype, false), slow = adam_state(dtype, true);
    ASSERT_TRUE(fast.p.is_contiguous());
    ASSERT_FALSE(slow.p.is_contiguous());
    Tensor none;
    for (int64_t step = 1; step <= 3; ++step) {
      _fused_adam_(fast.p, fast.g, fast.m, fast.v, none, 0.01, 0.9, 0.999, 1e-8, step);
      _fused_adam_(slow.p, slow.g, slow.m, slow.v, none, 0.01, 0.9, 0.999, 1e-8, step);
    }
    // The same arithmetic step by step; only a fused multiply-add may round differently: by
    // about an ulp of the O(1) operands, which shows where a sum cancels most of them.
    const double rtol = dtype == kFloat32 ? 1e-6 : 1e-14, atol = dtype == kFloat32 ? 5e-7 : 1e-15;
    testing::expect_close(fast.m, slow.m, rtol, atol);
    testing::expect_close(fast.v, slow.v, rtol, atol);
    testing::expect_close(fast.p, slow.p, rtol, atol);
  }
}

TEST(FusedAdam, MatchesPyTorchAdamStep) {
  // torch.optim.Adam([p], lr=0.1, betas=(0.8, 0.9), eps=1e-3) after two steps with these grads.
  Tensor p = tensor({1.0, -2.0, 0.5, 3.0, -0.25}, kFloat64);
  Tensor m = zeros({5}, kFloat64), v = zeros({5}, kFloat64), none;
  const Tensor g1 = tensor({0.5, -1.0, 2.0, 0.0, -0.3}, kFloat64);
  const Tensor g2 = tensor({-0.1, 0.4, 1.0, 0.2, -0.6}, kFloat64);
  _fused_adam_(p, g1, m, v, none, 0.1, 0.8, 0.9, 1e-3, 1);
  _fused_adam_(p, g2, m, v, none, 0.1, 0.8, 0.9, 1e-3, 2);
  testing::expect_close(p,
                        tensor({0.8529434346924131, -1.8703880087301883, 0.30727738041887215,
                                2.9239461165955927, -0.053668446681846935},
                               kFloat64),
                        1e-12, 1e-14);
}

TEST(FusedAdam, BumpsTheVersionOfWhatItWrites) {
  AdamState s = adam_state(kFloat32, false);
  Tensor none;
  const uint32_t p0 = s.p._version(), m0 = s.m._version();
  _fused_adam_(s.p, s.g, s.m, s.v, none, 0.01, 0.9, 0.999, 1e-8, 1);
  EXPECT_GT(s.p._version(), p0);
  EXPECT_GT(s.m._version(), m0);
}

TEST(FusedAdam, RejectsBadArguments) {
  Tensor p = zeros({3}), g = zeros({3}), m = zeros({3}), v = zeros({3}), none;
  Tensor short_m = zeros({2});
  EXPECT_EMBER_ERROR(_fused_adam_(p, g, short_m, v, none, 0.1, 0.9, 0.999, 1e-8, 1),
                     "_fused_adam_: every tensor must have the parameter's shape [3]");
  Tensor ints = zeros({3}, TensorOptions(kInt64));
  EXPECT_EMBER_ERROR(_fused_adam_(ints, g, m, v, none, 0.1, 0.9, 0.999, 1e-8, 1),
                     "_fused_adam_: expected a floating-point parameter");
  EXPECT_EMBER_ERROR(_fused_adam_(p, g, m, v, none, 0.1, 0.9, 0.999, 1e-8, 0),
                     "_fused_adam_: step must be at least 1");
  Tensor leaf = zeros({3}, requires_grad());
  EXPECT_EMBER_ERROR(_fused_adam_(leaf, g, m, v, none, 0.1, 0.9, 0.999, 1e-8, 1),
                     "a leaf Variable that requires grad is being used in an in-place operation");
}

}  // namespace
}  // namespace ember
