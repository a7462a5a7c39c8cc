// LibTorch's data API (torch::data): CRTP datasets, map() with transforms, the samplers and
// make_data_loader, with and without worker threads.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "testing.h"

namespace ember::data {
namespace {

using ::ember::testing::values;

// A user's dataset, as the LibTorch docs write one: example i is (i as data, i * 10 as target).
class Numbers : public datasets::Dataset<Numbers> {
 public:
  explicit Numbers(size_t n, std::atomic<int>* calls = nullptr) : n_(n), calls_(calls) {}
  Example<> get(size_t index) override {
    if (calls_) ++*calls_;
    if (index >= n_) throw Error("Numbers: index out of range", ErrorKind::Index);
    return {full({2}, static_cast<double>(index)), full({}, static_cast<int64_t>(index) * 10)};
  }
  std::optional<size_t> size() const override { return n_; }

 private:
  size_t n_;
  std::atomic<int>* calls_;
};

// The first element of each example's data, in loader order.
template <typename Loader>
std::vector<double> firsts(Loader& loader) {
  std::vector<double> seen;
  for (auto& batch : loader)
    for (double v : values(batch.data.select(1, 0))) seen.push_back(v);
  return seen;
}

TEST(LibTorchData, StackCollatesAndSequentialLoaderKeepsOrder) {
  auto loader = make_data_loader<samplers::SequentialSampler>(
      Numbers(10).map(transforms::Stack<>()), /*batch_size=*/4);
  std::vector<int64_t> sizes;
  for (auto& batch : *loader) {
    sizes.push_back(batch.data.size(0));
    EXPECT_EQ(batch.data.sizes().vec(), (std::vector<int64_t>{batch.data.size(0), 2}));
    EXPECT_TRUE(batch.target.mul(1).equal(batch.data.select(1, 0).to(kInt64) * 10));
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(firsts(*loader), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));  // again
}

TEST(LibTorchData, DropLastAndWorkersGiveTheSameBatches) {
  auto dataset = Numbers(23).map(transforms::Stack<>());
  auto inline_loader = make_data_loader<samplers::SequentialSampler>(
      dataset, DataLoaderOptions().batch_size(5).drop_last(true));
  auto threaded = make_data_loader<samplers::SequentialSampler>(
      dataset, DataLoaderOptions().batch_size(5).drop_last(true).workers(3).max_jobs(4));
  const std::vector<double> expected = firsts(*inline_loader);
  EXPECT_EQ(expected.size(), 20u);  // the short fifth batch is dropped
  for (int epoch = 0; epoch < 3; ++epoch) EXPECT_EQ(firsts(*threaded), expected);
}

TEST(LibTorchData, RandomSamplerFollowsTheGlobalSeed) {
  auto dataset = Numbers(50).map(transforms::Stack<>());
  manual_seed(7);
  auto loader = make_data_loader(dataset, DataLoaderOptions().batch_size(8).workers(2));
  const std::vector<double> first = firsts(*loader);
  const std::vector<double> second = firsts(*loader);
  EXPECT_EQ(std::set<double>(first.begin(), first.end()).size(), 50u);  // a permutation
  EXPECT_NE(first, second);                                             // a new one each epoch
  manual_seed(7);
  auto again = make_data_loader(dataset, DataLoaderOptions().batch_size(8));
  EXPECT_EQ(firsts(*again), first);
}

TEST(LibTorchData, TransformsMapExamples) {
  auto normalized = Numbers(4)
                        .map(transforms::Normalize<>(1.0, 2.0))
                        .map(transforms::TensorLambda<>([](Tensor x) { return x * 4; }))
                        .map(transforms::Lambda<Example<>>([](Example<> e) {
                          e.target = e.target + 1;
                          return e;
                        }))
                        .map(transforms::Stack<>());
  ASSERT_EQ(normalized.size(), std::optional<size_t>(4));
  Example<> batch = normalized.get_batch(std::vector<size_t>{3, 0});
  // (3 - 1) / 2 * 4 = 4 and (0 - 1) / 2 * 4 = -2. The statistics are [1, 1, 1] (one per channel
  // of a [C, H, W] image), so each [2] example broadcasts to [1, 1, 2], as in LibTorch.
  EXPECT_EQ(batch.data.sizes().vec(), (std::vector<int64_t>{2, 1, 1, 2}));
  EXPECT_EQ(values(batch.data.flatten()), (std::vector<double>{4, 4, -2, -2}));
  EXPECT_EQ(values(batch.target), (std::vector<double>{31, 1}));
  auto summed = Numbers(3).map(
      transforms::BatchLambda<std::vector<Example<>>, double>([](std::vector<Example<>> examples) {
        double total = 0;
        for (auto& e : examples) total += e.target.item<double>();
        return total;
      }));
  EXPECT_EQ(summed.get_batch(std::vector<size_t>{0, 1, 2}), 30.0);
}

TEST(LibTorchData, TensorDatasetAndVectorBatches) {
  datasets::TensorDataset rows(arange(12, kFloat32).reshape({6, 2}));
  EXPECT_EQ(rows.size(), std::optional<size_t>(6));
  EXPECT_EQ(values(rows.get(2).data), (std::vector<double>{4, 5}));
  auto loader = make_data_loader<samplers::SequentialSampler>(
      rows.map(transforms::Stack<TensorExample>()), 4);
  std::vector<int64_t> sizes;
  for (TensorExample& batch : *loader) sizes.push_back(batch.data.size(0));
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 2}));
  // Without Stack a batch is the vector of examples.
  auto raw = make_data_loader<samplers::SequentialSampler>(Numbers(3), 2);
  size_t examples = 0;
  for (std::vector<Example<>>& batch : *raw) examples += batch.size();
  EXPECT_EQ(examples, 3u);
  EXPECT_EMBER_ERROR(datasets::TensorDataset(tensor(3.0)), "0-dim tensor");
}

TEST(LibTorchData, ErrorsInWorkersReachTheConsumer) {
  struct Faulty : datasets::Dataset<Faulty> {
    Example<> get(size_t index) override {
      if (index == 5) throw Error("Faulty: example 5 is broken");
      return {full({1}, 1.0), full({}, int64_t{0})};
    }
    std::optional<size_t> size() const override { return 8; }
  };
  for (int64_t workers : {0, 2}) {
    auto loader = make_data_loader<samplers::SequentialSampler>(
        Faulty().map(transforms::Stack<>()), DataLoaderOptions().batch_size(2).workers(workers));
    EXPECT_EMBER_ERROR(
        for (auto& batch
             : *loader) { (void)batch; },
        "example 5 is broken");
  }
}

TEST(LibTorchData, TimeoutAndBadOptions) {
  struct Slow : datasets::Dataset<Slow> {
    Example<> get(size_t) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return {full({1}, 1.0), full({}, int64_t{0})};
    }
    std::optional<size_t> size() const override { return 2; }
  };
  auto loader = make_data_loader<samplers::SequentialSampler>(
      Slow().map(transforms::Stack<>()),
      DataLoaderOptions().batch_size(1).workers(1).timeout(std::chrono::milliseconds(20)));
  EXPECT_EMBER_ERROR(loader->begin(), "timed out after 20 ms");
  EXPECT_EMBER_ERROR(make_data_loader(Numbers(3), DataLoaderOptions().batch_size(0)),
                     "batch_size should be a positive integer value");
  // Ember's own DataLoader has prefetch instead, and says so.
  EXPECT_EMBER_ERROR(DataLoader(std::make_shared<TensorDataset>(ones({4, 1})),
                                DataLoaderOptions().timeout(std::chrono::milliseconds(5))),
                     "max_jobs and timeout are taken by make_data_loader's loaders only");
}

TEST(LibTorchData, DistributedSamplersShareTheExamplesOut) {
  // Without duplicates: 10 examples over 3 replicas give each 3, disjoint.
  std::set<size_t> seen;
  for (size_t rank = 0; rank < 3; ++rank) {
    samplers::DistributedRandomSampler sampler(10, 3, rank, /*allow_duplicates=*/false);
    sampler.set_epoch(4);
    sampler.reset();
    size_t count = 0;
    while (auto batch = sampler.next(2)) {
      count += batch->size();
      for (size_t i : *batch) EXPECT_TRUE(seen.insert(i).second) << "index " << i << " twice";
    }
    EXPECT_EQ(count, 3u);
  }
  // With duplicates: 4 each, covering all 10 (two indices come twice).
  std::multiset<size_t> all;
  for (size_t rank = 0; rank < 3; ++rank) {
    samplers::DistributedSequentialSampler sampler(10, 3, rank);
    while (auto batch = sampler.next(3)) all.insert(batch->begin(), batch->end());
  }
  EXPECT_EQ(all.size(), 12u);
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 10u);
  // The same epoch gives every rank the same permutation; another epoch a different one.
  auto order = [](size_t epoch) {
    samplers::DistributedRandomSampler sampler(20);
    sampler.set_epoch(epoch);
    sampler.reset();
    return *sampler.next(20);
  };
  EXPECT_EQ(order(1), order(1));
  EXPECT_NE(order(1), order(2));
  EXPECT_EMBER_ERROR(samplers::DistributedRandomSampler(10, 2, 2), "rank 2 must be less than");
}

TEST(LibTorchData, MnistDatasetReadsFashionMnist) {
  datasets::MNIST test_set("/usr/share/datasets/fashion-mnist", datasets::MNIST::Mode::kTest);
  EXPECT_FALSE(test_set.is_train());
  ASSERT_EQ(test_set.size(), std::optional<size_t>(10000));
  Example<> first = test_set.get(0);
  EXPECT_EQ(first.data.sizes().vec(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(first.target.item<int64_t>(), 9);  // the first test label of Fashion-MNIST
  auto loader = make_data_loader<samplers::SequentialSampler>(
      std::move(test_set).map(transforms::Normalize<>(0.2860, 0.3530)).map(transforms::Stack<>()),
      DataLoaderOptions().batch_size(1000).workers(2));
  int64_t total = 0;
  for (auto& batch : *loader) total += batch.target.size(0);
  EXPECT_EQ(total, 10000);
}

}  // namespace
}  // namespace ember::data
