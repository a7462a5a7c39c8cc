// Fashion-MNIST as Debian's dataset-fashion-mnist package installs it.
#include "testing.h"

namespace ember::data {
namespace {

using ::ember::testing::values;

const char* kRoot = "/usr/share/datasets/fashion-mnist";

TEST(DataMnist, FashionMnistTrainSplit) {
  FashionMNIST ds(kRoot);
  ASSERT_EQ(ds.size(), 60000u);
  EXPECT_EQ(ds.images().sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(ds.images().dtype(), kFloat32);
  EXPECT_EQ(ds.targets().dtype(), kInt64);
  // Reference values from the raw files (Python gzip + numpy).
  EXPECT_EQ(values(ds.targets().slice(0, 0, 10)),
            (std::vector<double>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(values(ds.targets().eq(4).sum()), (std::vector<double>{6000}));
  EXPECT_EQ(ds.images().min().item<float>(), 0.0f);
  EXPECT_EQ(ds.images().max().item<float>(), 1.0f);
  // Image 0: bytes sum to 76247 (each pixel is a float32 rounding of b / 255); row 14,
  // columns 10..17 hold 0 0 237 226 217 223 222 219.
  Example<> first = ds.get(0);
  EXPECT_EQ(first.data.sizes().vec(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(first.target.item<int64_t>(), 9);
  EXPECT_NEAR(first.data.sum(kFloat64).item<double>(), 76247.0 / 255.0, 1e-4);
  std::vector<double> row;
  for (double v : values(first.data[0][14].slice(0, 10, 18))) row.push_back(std::round(v * 255));
  EXPECT_EQ(row, (std::vector<double>{0, 0, 237, 226, 217, 223, 222, 219}));
  EXPECT_NEAR(ds.get(59999).data.sum(kFloat64).item<double>(), 16684.0 / 255.0, 1e-4);
  // torch: images[:2].float().div(255).mean() == 0.40227341651916504
  EXPECT_NEAR(ds.images().slice(0, 0, 2).mean().item<float>(), 0.40227341651916504, 1e-6);
}

TEST(DataMnist, FashionMnistTestSplitThroughALoader) {
  auto ds = std::make_shared<FashionMNIST>(kRoot, /*train=*/false);
  ASSERT_EQ(ds->size(), 10000u);
  EXPECT_EQ(values(ds->targets().slice(0, 0, 10)),
            (std::vector<double>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  DataLoader loader(ds, DataLoaderOptions(256).workers(2));
  EXPECT_EQ(loader.size(), 40u);
  int64_t seen = 0, label_sum = 0;
  for (const Example<>& b : loader) {
    EXPECT_EQ(b.data.size(1), 1);
    seen += b.data.size(0);
    label_sum += b.target.sum().item<int64_t>();
  }
  EXPECT_EQ(seen, 10000);
  EXPECT_EQ(label_sum, 1000 * 45);  // 1000 examples of each class 0..9
}

TEST(DataMnist, Normalize) {
  FashionMNIST ds(kRoot, false);
  const float before = ds.images()[0][0][14][12].item<float>();  // 98 / 255
  EXPECT_FLOAT_EQ(before, 98.0f / 255.0f);
  ds.normalize(0.5, 0.25);
  EXPECT_NEAR(ds.get(0).data[0][14][12].item<float>(), (98.0 / 255.0 - 0.5) / 0.25, 1e-6);
  EXPECT_EMBER_ERROR(ds.normalize(0, 0), "std must be positive");
}

TEST(DataMnist, MissingFilesNameTheRoot) {
  EXPECT_EMBER_ERROR(MNIST("/nonexistent/mnist"),
                     "MNIST: cannot find train-images-idx3-ubyte or train-images-idx3-ubyte.gz in "
                     "/nonexistent/mnist");
}

}  // namespace
}  // namespace ember::data
