// LibTorch's MNIST example (pytorch/examples, cpp/mnist), as written there apart from the
// include, the data path (Debian's Fashion-MNIST, in MNIST's IDX layout), and caps on the
// number of batches: a convnet with Dropout2d trained by SGD with momentum through the
// LibTorch data API, then tested.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "ember/torch.h"  // was <torch/torch.h>

namespace {

// Where to find the MNIST dataset.
const char* kDataRoot = "/usr/share/datasets/fashion-mnist";  // was "./data"

// The batch size for training.
const int64_t kTrainBatchSize = 64;

// The batch size for testing.
const int64_t kTestBatchSize = 1000;

// The number of epochs to train.
const int64_t kNumberOfEpochs = 1;  // was 10

// After how many batches to log a new update with the loss value.
const int64_t kLogInterval = 10;

// (The test's limits: the example trains and tests on the full sets.)
const size_t kTrainBatches = 300;
const size_t kTestBatches = 2;

struct Net : torch::nn::Module {
  Net()
      : conv1(torch::nn::Conv2dOptions(1, 10, /*kernel_size=*/5)),
        conv2(torch::nn::Conv2dOptions(10, 20, /*kernel_size=*/5)),
        fc1(320, 50),
        fc2(50, 10) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv2_drop", conv2_drop);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(torch::max_pool2d(conv1->forward(x), 2));
    x = torch::relu(torch::max_pool2d(conv2_drop->forward(conv2->forward(x)), 2));
    x = x.view({-1, 320});
    x = torch::relu(fc1->forward(x));
    x = torch::dropout(x, /*p=*/0.5, /*training=*/is_training());
    x = fc2->forward(x);
    return torch::log_softmax(x, /*dim=*/1);
  }

  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Dropout2d conv2_drop;
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

template <typename DataLoader>
std::vector<float> train(size_t epoch, Net& model, torch::Device device, DataLoader& data_loader,
                         torch::optim::Optimizer& optimizer, size_t dataset_size) {
  model.train();
  size_t batch_idx = 0;
  std::vector<float> losses;
  for (auto& batch : data_loader) {
    auto data = batch.data.to(device), targets = batch.target.to(device);
    optimizer.zero_grad();
    auto output = model.forward(data);
    auto loss = torch::nll_loss(output, targets);
    AT_ASSERT(!std::isnan(loss.template item<float>()));
    loss.backward();
    optimizer.step();
    losses.push_back(loss.template item<float>());

    if (batch_idx++ % kLogInterval == 0) {
      std::printf("\rTrain Epoch: %zu [%5zu/%5zu] Loss: %.4f", epoch,
                  batch_idx * batch.data.size(0), dataset_size, loss.template item<float>());
    }
    if (batch_idx == kTrainBatches) break;
  }
  return losses;
}

template <typename DataLoader>
double test(Net& model, torch::Device device, DataLoader& data_loader, size_t dataset_size) {
  torch::NoGradGuard no_grad;
  model.eval();
  double test_loss = 0;
  int32_t correct = 0;
  size_t batches = 0, seen = 0;
  for (const auto& batch : data_loader) {
    auto data = batch.data.to(device), targets = batch.target.to(device);
    auto output = model.forward(data);
    test_loss += torch::nll_loss(output, targets,
                                 /*weight=*/{}, torch::Reduction::Sum)
                     .template item<float>();
    auto pred = output.argmax(1);
    correct += pred.eq(targets).sum().template item<int64_t>();
    seen += batch.data.size(0);
    if (++batches == kTestBatches) break;
  }

  dataset_size = seen;  // (the test scores the batches it ran)
  test_loss /= dataset_size;
  std::printf("\nTest set: Average loss: %.4f | Accuracy: %.3f\n", test_loss,
              static_cast<double>(correct) / dataset_size);
  return static_cast<double>(correct) / dataset_size;
}

TEST(MnistExample, ConvnetLearns) {
  torch::manual_seed(1);

  torch::DeviceType device_type;
  if (torch::cuda::is_available()) {
    std::cout << "CUDA available! Training on GPU." << std::endl;
    device_type = torch::kCUDA;
  } else {
    std::cout << "Training on CPU." << std::endl;
    device_type = torch::kCPU;
  }
  torch::Device device(device_type);

  Net model;
  model.to(device);

  auto train_dataset = torch::data::datasets::MNIST(kDataRoot)
                           .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
                           .map(torch::data::transforms::Stack<>());
  const size_t train_dataset_size = train_dataset.size().value();
  auto train_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(train_dataset), kTrainBatchSize);

  auto test_dataset =
      torch::data::datasets::MNIST(kDataRoot, torch::data::datasets::MNIST::Mode::kTest)
          .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
          .map(torch::data::transforms::Stack<>());
  const size_t test_dataset_size = test_dataset.size().value();
  auto test_loader = torch::data::make_data_loader(std::move(test_dataset), kTestBatchSize);

  torch::optim::SGD optimizer(model.parameters(), torch::optim::SGDOptions(0.01).momentum(0.5));

  std::vector<float> losses;
  double accuracy = 0;
  for (size_t epoch = 1; epoch <= kNumberOfEpochs; ++epoch) {
    losses = train(epoch, model, device, *train_loader, optimizer, train_dataset_size);
    accuracy = test(model, device, *test_loader, test_dataset_size);
  }

  EXPECT_EQ(train_dataset_size, 60000u);
  EXPECT_EQ(test_dataset_size, 10000u);
  ASSERT_EQ(losses.size(), kTrainBatches);
  // Ten classes start near log(10) = 2.30; 300 batches bring Fashion-MNIST well below it.
  double first = 0, last = 0;
  for (size_t i = 0; i < 20; ++i) first += losses[i], last += losses[losses.size() - 1 - i];
  EXPECT_LT(last, first * 0.75);
  EXPECT_GT(accuracy, 0.5);
}

}  // namespace
