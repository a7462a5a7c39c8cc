// Hyper-parameter checks: PyTorch's ValueError messages, for defaults and group options alike.
#include "testing.h"

namespace ember::optim {
namespace {

// Expects a ValueError-kind ember::Error with exactly PyTorch's message.
template <typename F>
void expect_value_error(F&& make, const std::string& message) {
  try {
    make();
    ADD_FAILURE() << "expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
    EXPECT_EQ(e.kind(), ErrorKind::Value) << message;
  }
}

std::vector<Tensor> params() { return {zeros({2}, kFloat64).requires_grad_()}; }

TEST(OptimValidation, Sgd) {
  expect_value_error([] { SGD(params(), SGDOptions(-1.)); }, "Invalid learning rate: -1.0");
  expect_value_error([] { SGD(params(), SGDOptions(0.1).momentum(-0.5)); },
                     "Invalid momentum value: -0.5");
  expect_value_error([] { SGD(params(), SGDOptions(0.1).weight_decay(-1e-08)); },
                     "Invalid weight_decay value: -1e-08");
  expect_value_error([] { SGD(params(), SGDOptions(0.1).nesterov(true)); },
                     "Nesterov momentum requires a momentum and zero dampening");
  expect_value_error(
      [] { SGD(params(), SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); },
      "Nesterov momentum requires a momentum and zero dampening");
  // Zero is allowed everywhere, and nesterov with momentum and no dampening.
  SGD(params(), SGDOptions(0.).momentum(0.9).nesterov(true));
}

template <typename Opt, typename Options>
void expect_adam_errors() {
  expect_value_error([] { Opt(params(), Options(-0.001)); }, "Invalid learning rate: -0.001");
  expect_value_error([] { Opt(params(), Options().eps(-1.)); }, "Invalid epsilon value: -1.0");
  expect_value_error(
      [] {
        Opt(params(), Options().betas({1.0, 0.999}));
      },
      "Invalid beta parameter at index 0: 1.0");
  expect_value_error(
      [] {
        Opt(params(), Options().betas({-0.1, 0.999}));
      },
      "Invalid beta parameter at index 0: -0.1");
  expect_value_error(
      [] {
        Opt(params(), Options().betas({0.9, 1.5}));
      },
      "Invalid beta parameter at index 1: 1.5");
  expect_value_error([] { Opt(params(), Options().weight_decay(-0.01)); },
                     "Invalid weight_decay value: -0.01");
  expect_value_error([] { Opt(params(), Options(std::nan(""))); }, "Invalid learning rate: nan");
}

TEST(OptimValidation, Adam) { expect_adam_errors<Adam, AdamOptions>(); }
TEST(OptimValidation, Adamax) { expect_adam_errors<Adamax, AdamaxOptions>(); }
TEST(OptimValidation, NAdam) {
  expect_adam_errors<NAdam, NAdamOptions>();
  expect_value_error([] { NAdam(params(), NAdamOptions().momentum_decay(-1.)); },
                     "Invalid momentum_decay value: -1.0");
}
TEST(OptimValidation, RAdam) { expect_adam_errors<RAdam, RAdamOptions>(); }

TEST(OptimValidation, AdadeltaRpropAsgd) {
  expect_value_error([] { Adadelta(params(), AdadeltaOptions().rho(1.5)); },
                     "Invalid rho value: 1.5");
  expect_value_error([] { Adadelta(params(), AdadeltaOptions().eps(-1.)); },
                     "Invalid epsilon value: -1.0");
  expect_value_error(
      [] {
        Rprop(params(), RpropOptions().etas({1.5, 1.2}));
      },
      "Invalid eta values: 1.5, 1.2");
  expect_value_error([] { Rprop(params(), RpropOptions(-0.1)); }, "Invalid learning rate: -0.1");
  expect_value_error([] { ASGD(params(), ASGDOptions().weight_decay(-1.)); },
                     "Invalid weight_decay value: -1.0");
}
TEST(OptimValidation, AdamW) { expect_adam_errors<AdamW, AdamWOptions>(); }

TEST(OptimValidation, Rmsprop) {
  expect_value_error([] { RMSprop(params(), RMSpropOptions(-1e-2)); },
                     "Invalid learning rate: -0.01");
  expect_value_error([] { RMSprop(params(), RMSpropOptions().eps(-1e-8)); },
                     "Invalid epsilon value: -1e-08");
  expect_value_error([] { RMSprop(params(), RMSpropOptions().momentum(-1.)); },
                     "Invalid momentum value: -1.0");
  expect_value_error([] { RMSprop(params(), RMSpropOptions().weight_decay(-2.)); },
                     "Invalid weight_decay value: -2.0");
  expect_value_error([] { RMSprop(params(), RMSpropOptions().alpha(-0.99)); },
                     "Invalid alpha value: -0.99");
}

TEST(OptimValidation, Adagrad) {
  expect_value_error([] { Adagrad(params(), AdagradOptions(-0.1)); },
                     "Invalid learning rate: -0.1");
  expect_value_error([] { Adagrad(params(), AdagradOptions().lr_decay(-1.)); },
                     "Invalid lr_decay value: -1.0");
  expect_value_error([] { Adagrad(params(), AdagradOptions().weight_decay(-1.)); },
                     "Invalid weight_decay value: -1.0");
  expect_value_error([] { Adagrad(params(), AdagradOptions().initial_accumulator_value(-3.)); },
                     "Invalid initial_accumulator_value value: -3.0");
  expect_value_error([] { Adagrad(params(), AdagradOptions().eps(-1e-10)); },
                     "Invalid epsilon value: -1e-10");
}

TEST(OptimValidation, GroupOptionsAreCheckedToo) {
  expect_value_error(
      [] {
        Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params()),
                                              OptimizerParamGroup(params(), AdamOptions(-2.))});
      },
      "Invalid learning rate: -2.0");
}

}  // namespace
}  // namespace ember::optim
