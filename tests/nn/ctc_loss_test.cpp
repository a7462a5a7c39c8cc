// The CTC loss (ember/nn/functional_ctc_pool.h): values and gradients against PyTorch 1.13
// (hard-coded), gradcheck and gradgradcheck in float64 through log_softmax, impossible targets
// with and without zero_infinity, the module in LibTorch's spelling, and errors.
// tests/python/test_ctc_fractional_pool.py compares the rest with torch directly.
#include <ember/nn.h>

#include <limits>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using autograd::variable_list;
using testing::expect_close;

constexpr double kInf = std::numeric_limits<double>::infinity();

// sin(0..23) as [T=4, N=2, C=3], and its log_softmax over the classes.
Tensor logits() { return arange(24, TensorOptions(kFloat64)).sin().view({4, 2, 3}); }
Tensor log_probs() { return log_softmax(logits(), 2); }
Tensor padded() { return tensor({{1, 2}, {2, 2}}, kInt64); }
Tensor in_len() { return tensor({4, 3}, kInt64); }
Tensor tg_len() { return tensor({2, 2}, kInt64); }
F::CTCLossFuncOptions with(nn::Reduction r) { return F::CTCLossFuncOptions().reduction(r); }

TEST(CtcLoss, ValuesMatchPyTorch) {
  const Tensor lp = log_probs();
  expect_close(F::ctc_loss(lp, padded(), in_len(), tg_len(), with(kNone)),
               tensor({1.3780015248256345, 4.217415939049282}, kFloat64), 1e-12, 1e-12);
  EXPECT_NEAR(F::ctc_loss(lp, padded(), in_len(), tg_len(), with(kSum)).item<double>(),
              5.595417463874917, 1e-12);
  EXPECT_NEAR(F::ctc_loss(lp, padded(), in_len(), tg_len()).item<double>(), 1.3988543659687291,
              1e-12);
  // The same targets concatenated.
  expect_close(F::ctc_loss(lp, tensor({1, 2, 2, 2}, kInt64), in_len(), tg_len(), with(kNone)),
               tensor({1.3780015248256345, 4.217415939049282}, kFloat64), 1e-12, 1e-12);
  // Shorter targets, one empty.
  expect_close(F::ctc_loss(lp, padded(), in_len(), tensor({1, 0}, kInt64), with(kNone)),
               tensor({3.4018676571525805, 1.505686324289602}, kFloat64), 1e-12, 1e-12);
  // Another blank.
  expect_close(
      F::ctc_loss(lp, tensor({{0, 1}, {1, 1}}, kInt64), in_len(), tg_len(), with(kNone).blank(2)),
      tensor({2.0916585513674426, 4.753908676272039}, kFloat64), 1e-12, 1e-12);
  // Unbatched [T, C]: a 0-d loss.
  const Tensor one = F::ctc_loss(lp.select(1, 0), tensor({1, 2}, kInt64), tensor(4, kInt64),
                                 tensor(2, kInt64), with(kNone));
  EXPECT_EQ(one.dim(), 0);
  EXPECT_NEAR(one.item<double>(), 1.3780015248256345, 1e-12);
}

TEST(CtcLoss, GradientOfLogProbsMatchesPyTorch) {
  // torch's gradient of raw log_probs (Note [torch's CTC gradient]), zero past input lengths.
  const Tensor lp = log_probs().detach().requires_grad_();
  F::ctc_loss(lp, padded(), in_len(), tg_len(), with(kSum)).backward();
  expect_close(lp.grad().reshape({-1}),
               tensor({-0.010035136921594079,
                       -0.4178218141581334,
                       0.42785695107972777,
                       0.5746229732976778,
                       0.23411012486968175,
                       -0.8087330981673606,
                       0.01591514125716703,
                       -0.18538816103359634,
                       0.16947301977642942,
                       -0.3857504673028038,
                       0.23610146628204257,
                       0.14964900102076117,
                       0.0344067585034773,
                       0.14267801992385573,
                       -0.17708477842733283,
                       0.6285805203284118,
                       0.24598559519084012,
                       -0.8745661155192519,
                       -0.01420098927533027,
                       0.2816056620368282,
                       -0.26740467276149793,
                       0.0,
                       0.0,
                       0.0},
                      kFloat64),
               1e-9, 1e-10);
}

TEST(CtcLoss, FirstAndSecondDerivativesOfLogits) {
  for (const nn::Reduction r : {kNone, kSum, kMean}) {
    const auto fn = [&](const variable_list& in) {
      return variable_list{
          F::ctc_loss(log_softmax(in[0], 2), padded(), in_len(), tensor({2, 1}, kInt64), with(r))};
    };
    const variable_list x{logits().detach().requires_grad_()};
    EXPECT_TRUE(autograd::gradcheck(fn, x));
    EXPECT_TRUE(autograd::gradgradcheck(fn, x));
  }
}

TEST(CtcLoss, ImpossibleTargetsAreInfiniteOrZeroed) {
  // Three equal labels need five frames; the first sample has four.
  const Tensor targets = tensor({{1, 1, 1}, {1, 2, 0}}, kInt64);
  const Tensor lengths = tensor({3, 2}, kInt64);
  Tensor lp = log_probs().detach().requires_grad_();
  Tensor loss = F::ctc_loss(lp, targets, in_len(), lengths, with(kNone));
  EXPECT_EQ(loss[0].item<double>(), kInf);
  EXPECT_NEAR(loss[1].item<double>(), 2.682312564547874, 1e-12);
  // torch's gradient of an infinite loss is NaN on its frames, and finite for the others.
  loss.sum().backward();
  EXPECT_TRUE(lp.grad().select(1, 0).isnan().all().item<bool>());
  EXPECT_TRUE(lp.grad().select(1, 1).isfinite().all().item<bool>());

  lp = log_probs().detach().requires_grad_();
  loss = F::ctc_loss(lp, targets, in_len(), lengths, with(kNone).zero_infinity(true));
  expect_close(loss, tensor({0.0, 2.682312564547874}, kFloat64), 1e-12, 1e-12);
  loss.sum().backward();
  expect_close(lp.grad().select(1, 0), zeros({4, 3}, TensorOptions(kFloat64)));
  expect_close(lp.grad().select(1, 1).reshape({-1}),
               tensor({0.3258460533514484, -0.5171129551840888, 0.1912669018326405,
                       0.35055966109397624, -0.11403094848380549, -0.2365287126101705,
                       0.3066453071214365, 0.24598559519084012, -0.5526309023122762, 0.0, 0.0, 0.0},
                      kFloat64),
               1e-9, 1e-10);
  // An input too short for its target is no error: the loss is infinite.
  EXPECT_EQ(F::ctc_loss(log_probs(), padded(), tensor({1, 3}, kInt64), tg_len(), with(kNone))[0]
                .item<double>(),
            kInf);
}

TEST(CtcLoss, ModuleAppliesItsOptions) {
  nn::CTCLoss loss(nn::CTCLossOptions().reduction(kSum));
  EXPECT_NEAR(loss(log_probs(), padded(), in_len(), tg_len()).item<double>(), 5.595417463874917,
              1e-12);
  EXPECT_EQ(testing::repr(*loss), "CTCLoss()");
  EXPECT_EQ(loss->options.blank(), 0);
}

TEST(CtcLoss, ErrorsAsPyTorchWordsThem) {
  const Tensor lp = log_probs();
  EXPECT_EMBER_ERROR(
      F::ctc_loss(lp, padded(), in_len(), tg_len(), F::CTCLossFuncOptions().blank(3)),
      "blank must be in label range");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp.unsqueeze(0), padded(), in_len(), tg_len()),
                     "Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 "
                     "'log_probs'");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded().unsqueeze(0), in_len(), tg_len()),
                     "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded(), tensor({4, 3, 2}, kInt64), tg_len()),
                     "input_lengths must be of size batch_size");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded(), in_len(), tensor({2}, kInt64)),
                     "target_lengths must be of size batch_size");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded(), tensor({4.0, 3.0}, kFloat64), tg_len()),
                     "input_lengths must be integral");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded(), in_len(), tensor({3, 2}, kInt64)),
                     "Expected tensor to have size at least 3 at dimension 1, but got size 2");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, tensor({1, 2, 2}, kInt64), in_len(), tg_len()),
                     "Expected tensor to have size 4 at dimension 0, but got size 3");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, padded(), tensor({5, 3}, kInt64), tg_len()),
                     "Expected input_lengths to have value at most 4, but got value 5");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp, tensor({{1, 3}, {2, 2}}, kInt64), in_len(), tg_len()),
                     "target labels must lie in [0, 3)");
  EXPECT_EMBER_ERROR(F::ctc_loss(lp.to(kInt64), padded(), in_len(), tg_len()),
                     "\"ctc_loss_cpu\" not implemented for 'Long'");
}

}  // namespace
}  // namespace ember
