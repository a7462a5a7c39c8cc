// Saved-tensor hooks: what pack returns is all a node keeps, and backward uses what unpack gives.
#include "testing.h"

namespace ember {
namespace {

using autograd::DisableSavedTensorHooksGuard;
using autograd::SavedTensorHooksGuard;

// Hooks that keep each saved tensor as a copy and count the calls.
struct CountingHooks {
  int packs = 0, unpacks = 0;
  SavedTensorHooksGuard install() {
    return SavedTensorHooksGuard(
        [this](const Tensor& t) {
          ++packs;
          return std::any(t.clone());
        },
        [this](const std::any& packed) {
          ++unpacks;
          return std::any_cast<Tensor>(packed);
        });
  }
};

TEST(SavedTensorHooks, PackOnSaveUnpackOnBackward) {
  Tensor a = ones({5}, requires_grad());
  Tensor b = ones({5}, requires_grad()) * 2;
  CountingHooks hooks;
  Tensor y;
  {
    auto guard = hooks.install();
    y = a * b;  // MulBackward0 saves both operands
  }
  EXPECT_EQ(hooks.packs, 2);
  EXPECT_EQ(hooks.unpacks, 0);
  y.sum().backward();
  EXPECT_EQ(hooks.unpacks, 2);
  testing::expect_close(a.grad(), full({5}, 2.0));
}

TEST(SavedTensorHooks, UnpackedValuesAreWhatBackwardUses) {
  Tensor x = tensor({1.0, 2.0, 3.0}, requires_grad());
  Tensor y;
  {
    // Hooks that change the value show that backward reads the unpacked tensor, not the original.
    SavedTensorHooksGuard guard([](const Tensor& t) { return std::any(t * 10); },
                                [](const std::any& p) { return std::any_cast<Tensor>(p); });
    y = x.pow(2);
  }
  y.sum().backward();
  testing::expect_close(x.grad(), tensor({20.0, 40.0, 60.0}));  // 2 * (10 x)
}

TEST(SavedTensorHooks, InnermostHooksApply) {
  CountingHooks outer, inner;
  Tensor x = randn({3}, requires_grad());
  Tensor y, z;
  {
    auto g1 = outer.install();
    y = x.exp();
    {
      auto g2 = inner.install();
      z = x.sin();
    }
  }
  EXPECT_EQ(outer.packs, 1);
  EXPECT_EQ(inner.packs, 1);
  (y + z).sum().backward();
  testing::expect_close(x.grad(), x.exp().detach() + x.cos().detach());
}

TEST(SavedTensorHooks, DoubleBackwardThroughHookedLeafAndNonLeaf) {
  Tensor x = tensor({0.5, -1.0, 2.0}, TensorOptions(kFloat64).requires_grad(true));
  CountingHooks hooks;
  Tensor y;
  {
    auto guard = hooks.install();
    Tensor h = x.sin();        // saves the leaf x
    y = (h.pow(2) * x).sum();  // saves the non-leaf h and the leaf x
  }
  Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  // dy/dx = 2 sin x cos x x + sin^2 x = x sin 2x + sin^2 x
  testing::expect_close(g, (x * (2 * x).sin() + x.sin().pow(2)).detach(), 1e-12);
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  // d/dx (x sin 2x + sin^2 x) = sin 2x + 2x cos 2x + sin 2x
  testing::expect_close(gg, (2 * (2 * x).sin() + 2 * x * (2 * x).cos()).detach(), 1e-12);
}

TEST(SavedTensorHooks, SecondBackwardStillFails) {
  Tensor x = randn({3}, requires_grad());
  CountingHooks hooks;
  Tensor y;
  {
    auto guard = hooks.install();
    y = x.exp().sum();
  }
  y.backward();
  EXPECT_EMBER_ERROR(y.backward(), "backward through the graph a second time");
}

TEST(SavedTensorHooks, PackModifyingItsInputIsAnError) {
  Tensor x = randn({3}, requires_grad());
  SavedTensorHooksGuard guard(
      [](const Tensor& t) {
        t.mul_(2);
        return std::any(t);
      },
      [](const std::any& p) { return std::any_cast<Tensor>(p); });
  EXPECT_EMBER_ERROR(x.exp(), "A saved tensor pack hook is modifying its input in place");
}

TEST(SavedTensorHooks, DisabledHooksCannotBeInstalled) {
  DisableSavedTensorHooksGuard disabled("no hooks here, please");
  EXPECT_EMBER_ERROR(
      SavedTensorHooksGuard([](const Tensor& t) { return std::any(t); },
                            [](const std::any& p) { return std::any_cast<Tensor>(p); }),
      "no hooks here, please");
}

}  // namespace
}  // namespace ember
