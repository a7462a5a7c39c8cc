// LibTorch's DCGAN example (pytorch/examples, cpp/dcgan), as written there apart from the
// include, the data path (Debian's Fashion-MNIST), the checkpoint folder and caps on the
// number of batches: a ConvTranspose2d/BatchNorm2d generator and a Conv2d discriminator trained
// against each other with Adam, checkpointing with torch::save.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "ember/torch.h"  // was <torch/torch.h>

namespace {

// The size of the noise vector fed to the generator.
const int64_t kNoiseSize = 100;

// The batch size for training.
const int64_t kBatchSize = 64;

// The number of epochs to train.
const int64_t kNumberOfEpochs = 1;  // was 30

// Where to find the MNIST dataset.
const char* kDataFolder = "/usr/share/datasets/fashion-mnist";  // was "./data"

// After how many batches to create a new checkpoint periodically.
const int64_t kCheckpointEvery = 10;  // was 200

// How many images to sample at every checkpoint.
const int64_t kNumberOfSamplesPerCheckpoint = 10;

// Set to `true` to restore models and optimizers from previously saved
// checkpoints.
const bool kRestoreFromCheckpoint = false;

// After how many batches to log a new update with the loss value.
const int64_t kLogInterval = 5;  // was 10

// (The test's limit: the example runs every batch of every epoch.)
const int64_t kBatchesToRun = 20;

using namespace torch;

struct DCGANGeneratorImpl : nn::Module {
  DCGANGeneratorImpl(int kNoiseSize)
      : conv1(nn::ConvTranspose2dOptions(kNoiseSize, 256, 4).bias(false)),
        batch_norm1(256),
        conv2(nn::ConvTranspose2dOptions(256, 128, 3).stride(2).padding(1).bias(false)),
        batch_norm2(128),
        conv3(nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).bias(false)),
        batch_norm3(64),
        conv4(nn::ConvTranspose2dOptions(64, 1, 4).stride(2).padding(1).bias(false)) {
    // register_module() is needed if we want to use the parameters() method later on
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("batch_norm1", batch_norm1);
    register_module("batch_norm2", batch_norm2);
    register_module("batch_norm3", batch_norm3);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(batch_norm1(conv1(x)));
    x = torch::relu(batch_norm2(conv2(x)));
    x = torch::relu(batch_norm3(conv3(x)));
    x = torch::tanh(conv4(x));
    return x;
  }

  nn::ConvTranspose2d conv1, conv2, conv3, conv4;
  nn::BatchNorm2d batch_norm1, batch_norm2, batch_norm3;
};

TORCH_MODULE(DCGANGenerator);

nn::Sequential create_discriminator() {
  return nn::Sequential(
      // Layer 1
      nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)),
      nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 2
      nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)),
      nn::BatchNorm2d(128), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 3
      nn::Conv2d(nn::Conv2dOptions(128, 256, 4).stride(2).padding(1).bias(false)),
      nn::BatchNorm2d(256), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 4
      nn::Conv2d(nn::Conv2dOptions(256, 1, 3).stride(1).padding(0).bias(false)), nn::Sigmoid());
}

TEST(DcganExample, GeneratorAndDiscriminatorTrainAndCheckpoint) {
  torch::manual_seed(1);

  // Create the device we pass around based on whether CUDA is available.
  torch::Device device(torch::kCPU);
  if (torch::cuda::is_available()) {
    std::cout << "CUDA is available! Training on GPU." << std::endl;
    device = torch::Device(torch::kCUDA);
  }

  DCGANGenerator generator(kNoiseSize);
  generator->to(device);

  nn::Sequential discriminator = create_discriminator();
  discriminator->to(device);

  // Assume the MNIST dataset is available under `kDataFolder`;
  auto dataset = torch::data::datasets::MNIST(kDataFolder)
                     .map(torch::data::transforms::Normalize<>(0.5, 0.5))
                     .map(torch::data::transforms::Stack<>());
  const int64_t batches_per_epoch =
      std::ceil(dataset.size().value() / static_cast<double>(kBatchSize));

  auto data_loader = torch::data::make_data_loader(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(kBatchSize).workers(2));

  torch::optim::Adam generator_optimizer(
      generator->parameters(), torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.5)));
  torch::optim::Adam discriminator_optimizer(
      discriminator->parameters(),
      torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.5)));

  const std::string dir = ::testing::TempDir();  // (the example writes to the working folder)
  if (kRestoreFromCheckpoint) {
    torch::load(generator, dir + "generator-checkpoint.pt");
    torch::load(generator_optimizer, dir + "generator-optimizer-checkpoint.pt");
    torch::load(discriminator, dir + "discriminator-checkpoint.pt");
    torch::load(discriminator_optimizer, dir + "discriminator-optimizer-checkpoint.pt");
  }

  int64_t checkpoint_counter = 1;
  float first_d_loss = 0, last_d_loss = 0;
  for (int64_t epoch = 1; epoch <= kNumberOfEpochs; ++epoch) {
    int64_t batch_index = 0;
    for (torch::data::Example<>& batch : *data_loader) {
      // Train discriminator with real images.
      discriminator->zero_grad();
      torch::Tensor real_images = batch.data.to(device);
      torch::Tensor real_labels = torch::empty(batch.data.size(0), device).uniform_(0.8, 1.0);
      torch::Tensor real_output = discriminator->forward(real_images).reshape(real_labels.sizes());
      torch::Tensor d_loss_real = torch::binary_cross_entropy(real_output, real_labels);
      d_loss_real.backward();

      // Train discriminator with fake images.
      torch::Tensor noise = torch::randn({batch.data.size(0), kNoiseSize, 1, 1}, device);
      torch::Tensor fake_images = generator->forward(noise);
      torch::Tensor fake_labels = torch::zeros(batch.data.size(0), device);
      torch::Tensor fake_output =
          discriminator->forward(fake_images.detach()).reshape(fake_labels.sizes());
      torch::Tensor d_loss_fake = torch::binary_cross_entropy(fake_output, fake_labels);
      d_loss_fake.backward();

      torch::Tensor d_loss = d_loss_real + d_loss_fake;
      discriminator_optimizer.step();

      // Train generator.
      generator->zero_grad();
      fake_labels.fill_(1);
      fake_output = discriminator->forward(fake_images).reshape(fake_labels.sizes());
      torch::Tensor g_loss = torch::binary_cross_entropy(fake_output, fake_labels);
      g_loss.backward();
      generator_optimizer.step();
      batch_index++;
      if (batch_index % kLogInterval == 0) {
        std::printf("\r[%2ld/%2ld][%3ld/%3ld] D_loss: %.4f | G_loss: %.4f\n", epoch,
                    kNumberOfEpochs, batch_index, batches_per_epoch, d_loss.item<float>(),
                    g_loss.item<float>());
      }

      if (batch_index % kCheckpointEvery == 0) {
        // Checkpoint the model and optimizer state.
        torch::save(generator, dir + "generator-checkpoint.pt");
        torch::save(generator_optimizer, dir + "generator-optimizer-checkpoint.pt");
        torch::save(discriminator, dir + "discriminator-checkpoint.pt");
        torch::save(discriminator_optimizer, dir + "discriminator-optimizer-checkpoint.pt");
        // Sample the generator and save the images.
        torch::Tensor samples = generator->forward(
            torch::randn({kNumberOfSamplesPerCheckpoint, kNoiseSize, 1, 1}, device));
        torch::save((samples + 1.0) / 2.0,
                    torch::str(dir, "dcgan-sample-", checkpoint_counter, ".pt"));
        std::cout << "\n-> checkpoint " << ++checkpoint_counter << '\n';
      }
      if (batch_index == 1) first_d_loss = d_loss.item<float>();
      last_d_loss = d_loss.item<float>();
      if (batch_index == kBatchesToRun) break;
    }
  }

  std::cout << "Training complete!" << std::endl;

  EXPECT_EQ(batches_per_epoch, 938);
  EXPECT_EQ(checkpoint_counter, 3);
  EXPECT_FALSE(std::isnan(last_d_loss));
  // The discriminator learns to tell the generator's early images from real ones.
  EXPECT_LT(last_d_loss, first_d_loss);

  // The generator's checkpoint restores into a fresh generator that samples the same images.
  DCGANGenerator restored(kNoiseSize);
  torch::load(restored, dir + "generator-checkpoint.pt");
  DCGANGenerator saved(kNoiseSize);
  torch::load(saved, dir + "generator-checkpoint.pt");
  restored->eval();
  saved->eval();
  torch::Tensor noise = torch::randn({2, kNoiseSize, 1, 1});
  torch::Tensor image = restored->forward(noise);
  EXPECT_EQ(image.sizes(), torch::IntArrayRef({2, 1, 28, 28}));
  EXPECT_TRUE(torch::allclose(image, saved->forward(noise)));
  torch::Tensor sample;
  torch::load(sample, dir + "dcgan-sample-1.pt");
  EXPECT_EQ(sample.sizes(), torch::IntArrayRef({kNumberOfSamplesPerCheckpoint, 1, 28, 28}));
  EXPECT_GE(sample.min().item<float>(), 0.0f);
  EXPECT_LE(sample.max().item<float>(), 1.0f);
}

}  // namespace
