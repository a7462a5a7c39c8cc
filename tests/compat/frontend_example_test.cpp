// The LibTorch C++ frontend's end-to-end example (pytorch.org, "Using the PyTorch C++ Frontend"),
// as written there apart from the include, the data path and the loop lengths: an MLP trained on
// MNIST-layout files through torch::data, with a checkpoint saved and loaded by torch::save.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "ember/torch.h"  // was <torch/torch.h>

namespace {

// Define a new Module.
struct Net : torch::nn::Module {
  Net() {
    // Construct and register two Linear submodules.
    fc1 = register_module("fc1", torch::nn::Linear(784, 64));
    fc2 = register_module("fc2", torch::nn::Linear(64, 32));
    fc3 = register_module("fc3", torch::nn::Linear(32, 10));
  }

  // Implement the Net's algorithm.
  torch::Tensor forward(torch::Tensor x) {
    // Use one of many tensor manipulation functions.
    x = torch::relu(fc1->forward(x.reshape({x.size(0), 784})));
    x = torch::dropout(x, /*p=*/0.5, /*train=*/is_training());
    x = torch::relu(fc2->forward(x));
    x = torch::log_softmax(fc3->forward(x), /*dim=*/1);
    return x;
  }

  // Use one of many "standard library" modules.
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
};

TEST(FrontendExample, TrainsAndCheckpoints) {
  torch::manual_seed(0);
  // Create a new Net.
  auto net = std::make_shared<Net>();

  // Create a multi-threaded data loader for the MNIST dataset.
  auto data_loader = torch::data::make_data_loader(
      torch::data::datasets::MNIST("/usr/share/datasets/fashion-mnist")
          .map(torch::data::transforms::Stack<>()),
      /*batch_size=*/64);

  // Instantiate an SGD optimization algorithm to update our Net's parameters.
  torch::optim::SGD optimizer(net->parameters(), /*lr=*/0.01);

  double first_losses = 0, last_losses = 0;  // over the first and the last 50 batches
  float last_loss = 0;
  const std::string checkpoint = ::testing::TempDir() + "net.pt";
  for (size_t epoch = 1; epoch <= 1; ++epoch) {
    size_t batch_index = 0;
    // Iterate the data loader to yield batches from the dataset.
    for (auto& batch : *data_loader) {
      // Reset gradients.
      optimizer.zero_grad();
      // Execute the model on the input data.
      torch::Tensor prediction = net->forward(batch.data);
      // Compute a loss value to judge the prediction of our model.
      torch::Tensor loss = torch::nll_loss(prediction, batch.target);
      // Compute gradients of the loss w.r.t. the parameters of our model.
      loss.backward();
      // Update the parameters based on the calculated gradients.
      optimizer.step();
      last_loss = loss.item<float>();
      (batch_index < 50 ? first_losses : last_losses) +=
          batch_index < 50 || batch_index >= 250 ? last_loss : 0;
      // Output the loss and checkpoint every 100 batches.
      if (++batch_index % 100 == 0) {
        std::printf("Epoch: %zu | Batch: %zu | Loss: %.4f\n", epoch, batch_index, last_loss);
        // Serialize your model periodically as a checkpoint.
        torch::save(net, checkpoint);
      }
      if (batch_index == 300) break;  // (the test's limit: the example runs 10 full epochs)
    }
  }
  EXPECT_FALSE(std::isnan(last_loss));
  EXPECT_LT(last_losses, first_losses * 0.9);  // about 2.28 falling to 1.96 at this learning rate

  // The checkpoint loads into a fresh Net and predicts the same.
  auto restored = std::make_shared<Net>();
  torch::load(restored, checkpoint);
  net->eval();
  restored->eval();
  torch::Tensor x = torch::rand({3, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(net->forward(x), restored->forward(x)));

  // The optimizer's state round-trips too.
  torch::save(optimizer, checkpoint + ".opt");
  torch::optim::SGD again(restored->parameters(), /*lr=*/0.5);
  torch::load(again, checkpoint + ".opt");
  EXPECT_EQ(static_cast<torch::optim::SGDOptions&>(again.param_groups()[0].options()).lr(), 0.01);
}

TEST(FrontendExample, AtenLossesTakeLibTorchReductions) {
  torch::Tensor logits = torch::randn({4, 3}, torch::kFloat64);
  torch::Tensor target = torch::tensor({0, 2, 1, 2});
  torch::Tensor log_probs = torch::log_softmax(logits, 1);
  EXPECT_TRUE(
      torch::allclose(torch::nll_loss(log_probs, target, /*weight=*/{}, torch::Reduction::Sum),
                      -log_probs.gather(1, target.unsqueeze(1)).sum()));
  EXPECT_TRUE(torch::allclose(torch::cross_entropy_loss(logits, target),
                              torch::nll_loss(log_probs, target)));
  torch::Tensor a = torch::randn({5}), b = torch::randn({5});
  EXPECT_TRUE(torch::allclose(torch::mse_loss(a, b, torch::Reduction::None), (a - b).pow(2)));
  try {
    torch::mse_loss(a, b, 7);
    ADD_FAILURE() << "mse_loss with reduction 7 did not throw";
  } catch (const c10::Error& e) {
    EXPECT_STREQ(e.what(),
                 "mse_loss: 7 is not a valid value for reduction (0 none, 1 mean, 2 sum)");
  }
}

}  // namespace
