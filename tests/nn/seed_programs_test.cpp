// The programs of seed 001 (an introduction to PyTorch's nn, optim and data packages) in C++:
// each trains the seed's two-layer network and must drive its loss down by a large factor.
#include "ember/data.h"
#include "ember/nn.h"
#include "ember/optim.h"
#include "testing.h"

namespace ember {
namespace {

constexpr int64_t kN = 64, kDIn = 1000, kH = 100, kDOut = 10;

// The seed's TwoLayerNN: Linear, ReLU, Linear as registered member modules.
struct TwoLayerNN : nn::Module {
  TwoLayerNN(int64_t d_in, int64_t h, int64_t d_out)
      : linear1(register_module("linear1", nn::Linear(d_in, h))),
        relu(register_module("relu", nn::ReLU())),
        linear2(register_module("linear2", nn::Linear(h, d_out))) {}
  Tensor forward(const Tensor& x) override { return linear2(relu(linear1(x))); }
  nn::Linear linear1;
  nn::ReLU relu;
  nn::Linear linear2;
};

nn::Sequential seed_sequential() {
  return nn::Sequential(nn::Linear(kDIn, kH), nn::ReLU(), nn::Linear(kH, kDOut));
}

// nn.Sequential + MSELoss(size_average=False), weights updated by hand under no_grad.
TEST(SeedPrograms, SequentialWithManualUpdate) {
  manual_seed(0);
  const Tensor x = randn({kN, kDIn}), y = randn({kN, kDOut});
  nn::Sequential model = seed_sequential();
  nn::MSELoss loss_fn(nn::MSELossOptions().reduction(kSum));
  double first = 0, last = 0;
  for (int t = 0; t < 500; ++t) {
    Tensor loss = loss_fn(model->forward(x), y);
    (t == 0 ? first : last) = loss.item<double>();
    model->zero_grad();
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor& p : model->parameters()) p -= 1e-4 * p.grad();
  }
  EXPECT_LT(last, first * 1e-3) << "loss went from " << first << " to " << last;
}

// The TwoLayerNN subclass trained with optim::SGD(lr=1e-4), as in the seed's end-to-end program.
TEST(SeedPrograms, ModuleSubclassWithSgd) {
  manual_seed(0);
  const Tensor x = randn({kN, kDIn}), y = randn({kN, kDOut});
  auto model = std::make_shared<TwoLayerNN>(kDIn, kH, kDOut);
  EXPECT_EQ(model->named_parameters().size(), 4u);
  nn::MSELoss criterion(nn::MSELossOptions().reduction(kSum));
  optim::SGD optimizer(model->parameters(), optim::SGDOptions(1e-4));
  double first = 0, last = 0;
  for (int t = 0; t < 500; ++t) {
    Tensor loss = criterion(model->forward(x), y);
    (t == 0 ? first : last) = loss.item<double>();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  EXPECT_LT(last, first * 1e-3) << "loss went from " << first << " to " << last;
}

// The same Sequential model trained with Adam instead.
TEST(SeedPrograms, SequentialWithAdam) {
  manual_seed(0);
  const Tensor x = randn({kN, kDIn}), y = randn({kN, kDOut});
  nn::Sequential model = seed_sequential();
  nn::MSELoss loss_fn(nn::MSELossOptions().reduction(kSum));
  optim::Adam optimizer(model->parameters(), optim::AdamOptions(1e-3));
  double first = 0, last = 0;
  for (int t = 0; t < 300; ++t) {
    Tensor loss = loss_fn(model->forward(x), y);
    (t == 0 ? first : last) = loss.item<double>();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  EXPECT_LT(last, first * 1e-3) << "loss went from " << first << " to " << last;
}

// TensorDataset + DataLoader(batch_size=64): epochs over a data set of 64 * 20 rows.
TEST(SeedPrograms, TensorDatasetAndDataLoader) {
  manual_seed(0);
  const int64_t rows = kN * 20;
  // Targets a linear map of the inputs plus noise, so the network has something to learn.
  const Tensor x = randn({rows, kDIn});
  const Tensor y = x.narrow(1, 0, kDOut) * 2 + 0.01 * randn({rows, kDOut});
  auto dataset = std::make_shared<data::TensorDataset>(x, y);
  data::DataLoader loader(dataset, data::DataLoaderOptions(kN));
  EXPECT_EQ(loader.size(), 20u);
  auto model = std::make_shared<TwoLayerNN>(kDIn, kH, kDOut);
  nn::MSELoss criterion(nn::MSELossOptions().reduction(kSum));
  optim::SGD optimizer(model->parameters(), optim::SGDOptions(1e-4));
  auto epoch_loss = [&](bool train) {
    double total = 0;
    for (const data::Example<>& batch : loader) {
      EXPECT_EQ(batch.data.sizes(), IntArrayRef({kN, kDIn}));
      Tensor loss = criterion(model->forward(batch.data), batch.target);
      total += loss.item<double>();
      if (!train) continue;
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    return total;
  };
  const double before = epoch_loss(false);
  for (int epoch = 0; epoch < 15; ++epoch) epoch_loss(true);
  const double after = epoch_loss(false);
  EXPECT_LT(after, before * 0.05) << "loss went from " << before << " to " << after;
}

}  // namespace
}  // namespace ember
