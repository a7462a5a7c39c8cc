// <ember/torch.h>: the one include a LibTorch program changes. Everything here is spelled as in
// LibTorch (torch::, at::, c10::, TORCH_*), so a failure means a LibTorch program would not port.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "ember/torch.h"

namespace {

struct NetImpl : torch::nn::Module {
  NetImpl(int64_t in, int64_t out) : fc(register_module("fc", torch::nn::Linear(in, out))) {}
  torch::Tensor forward(torch::Tensor x) { return torch::relu(fc->forward(x)); }
  torch::nn::Linear fc;
};
TORCH_MODULE(Net);

struct ScaleOptions {
  TORCH_ARG(double, factor) = 1.0;
  TORCH_ARG(bool, inplace) = false;
};

TEST(TorchHeader, ModulesAndOptionsSpelledAsLibTorch) {
  Net net(3, 2);
  torch::Tensor y = net->forward(torch::ones({4, 3}));
  EXPECT_EQ(y.sizes(), torch::IntArrayRef({4, 2}));
  EXPECT_EQ(net->parameters().size(), 2u);
  ScaleOptions options = ScaleOptions().factor(2.5).inplace(true);
  EXPECT_EQ(options.factor(), 2.5);
  EXPECT_TRUE(options.inplace());
  EXPECT_EQ(ScaleOptions().factor(), 1.0);
}

TEST(TorchHeader, ModuleAsGivesTheModuleClass) {
  Net net(3, 2);
  torch::nn::Module& base = *net->fc;
  EXPECT_EQ(base.as<torch::nn::Linear>(), net->fc.get());  // a holder gives its Impl
  EXPECT_EQ(base.as<torch::nn::LinearImpl>(), net->fc.get());
  EXPECT_EQ(base.as<torch::nn::ReLU>(), nullptr);
  EXPECT_EQ(net->as<NetImpl>(), net.get());
}

TEST(TorchHeader, DataSharesStorageWithoutHistory) {
  torch::Tensor x = torch::randn({2, 3}, torch::requires_grad());
  torch::Tensor h = x * 2;
  torch::Tensor d = h.data();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.grad_fn(), nullptr);
  EXPECT_EQ(d.data_ptr(), h.data_ptr());
}

TEST(TorchHeader, ScalarTensorResetAndMovedFrom) {
  torch::Tensor s = torch::scalar_tensor(3);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.dtype(), torch::kFloat32);  // LibTorch's: the default dtype, whatever the number
  EXPECT_EQ(s.item<float>(), 3.f);
  EXPECT_EQ(torch::scalar_tensor(2.5, torch::kFloat64).dtype(), torch::kFloat64);
  torch::Tensor t = torch::ones({2});
  torch::Tensor moved = std::move(t);
  EXPECT_FALSE(t.defined());  // NOLINT(bugprone-use-after-move): LibTorch guarantees this
  EXPECT_TRUE(moved.defined());
  moved.reset();
  EXPECT_FALSE(moved.defined());
}

TEST(TorchHeader, InferenceModeRecordsNothing) {
  torch::Tensor w = torch::ones({2}, torch::requires_grad());
  EXPECT_FALSE(c10::InferenceMode::is_enabled());
  {
    c10::InferenceMode guard;
    EXPECT_TRUE(c10::InferenceMode::is_enabled());
    EXPECT_FALSE(torch::GradMode::is_enabled());
    EXPECT_FALSE((w * 2).requires_grad());
    {
      c10::InferenceMode off(false);  // as LibTorch's: grad mode comes back on
      EXPECT_FALSE(c10::InferenceMode::is_enabled());
      EXPECT_TRUE((w * 2).requires_grad());
    }
    EXPECT_TRUE(c10::InferenceMode::is_enabled());
  }
  EXPECT_FALSE(c10::InferenceMode::is_enabled());
  EXPECT_TRUE(torch::GradMode::is_enabled());
  EXPECT_TRUE((w * 2).requires_grad());
}

TEST(TorchHeader, CheckMacrosThrowC10Errors) {
  try {
    TORCH_CHECK(1 + 1 == 3, "expected ", 3, " got ", 2);
    FAIL() << "TORCH_CHECK did not throw";
  } catch (const c10::Error& e) {
    EXPECT_EQ(std::string(e.what()), "expected 3 got 2");
  }
  try {
    TORCH_CHECK(false);
    FAIL() << "TORCH_CHECK did not throw";
  } catch (const c10::Error& e) {
    EXPECT_EQ(std::string(e.what()), "Expected false to be true, but got false.");
  }
  EXPECT_NO_THROW(TORCH_CHECK(true, "never"));
  try {
    TORCH_INTERNAL_ASSERT(2 < 1);
    ADD_FAILURE() << "TORCH_INTERNAL_ASSERT(2 < 1) did not throw";
  } catch (const c10::Error& e) {
    EXPECT_STREQ(e.what(), "Expected 2 < 1 to be true, but got false.");
  }
}

TEST(TorchHeader, VersionMacros) {
  EXPECT_EQ(std::string(EMBER_VERSION), EMBER_PROJECT_VERSION);
  EXPECT_EQ(std::to_string(EMBER_VERSION_MAJOR) + "." + std::to_string(EMBER_VERSION_MINOR) + "." +
                std::to_string(EMBER_VERSION_PATCH),
            EMBER_PROJECT_VERSION);
  EXPECT_GE(TORCH_VERSION_MAJOR, 2);
}

TEST(TorchHeader, AtenNamespace) {
  at::Tensor a = at::ones({2, 2});
  EXPECT_EQ(at::matmul(a, a).sum().item<float>(), 8.f);
}

}  // namespace
