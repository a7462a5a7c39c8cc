// DataLoader: batching, shuffling, drop_last, worker threads, errors and shutdown.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "testing.h"

namespace ember::data {
namespace {

using ::ember::testing::values;

// Rows i of data are [i, i + 0.5]; targets are i.
std::shared_ptr<TensorDataset> rows(int64_t n) {
  Tensor i = arange(n).to(kFloat32).unsqueeze(1);
  return std::make_shared<TensorDataset>(cat({i, i.add(0.5)}, 1), arange(n));
}

// The target values of every batch of one epoch.
std::vector<std::vector<int64_t>> epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Example<>& batch : loader) {
    std::vector<int64_t> ids;
    for (double v : values(batch.target)) ids.push_back(static_cast<int64_t>(v));
    // data and target stay row-aligned.
    EXPECT_EQ(values(batch.data.select(1, 0)), values(batch.target));
    out.push_back(ids);
  }
  return out;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

// A slow dataset that throws for one index and counts live calls.
class Tricky : public Dataset {
 public:
  Tricky(size_t n, int64_t bad, int sleep_us = 0) : n_(n), bad_(bad), sleep_us_(sleep_us) {}
  size_t size() const override { return n_; }
  Example<> get(size_t i) const override {
    ++calls;
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (static_cast<int64_t>(i) == bad_)
      throw Error("Tricky: cannot load example " + std::to_string(i), ErrorKind::Value);
    return {tensor({static_cast<double>(i)}), tensor(static_cast<int64_t>(i))};
  }
  mutable std::atomic<int> calls{0};

 private:
  size_t n_;
  int64_t bad_;
  int sleep_us_;
};

TEST(DataLoaderTest, BatchesInOrderWithPartialLastBatch) {
  DataLoader loader(rows(10), DataLoaderOptions().batch_size(4));
  EXPECT_EQ(loader.size(), 3u);
  auto batches = epoch(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(batches[1], (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(batches[2], (std::vector<int64_t>{8, 9}));
}

TEST(DataLoaderTest, BatchShapesAndValues) {
  DataLoader loader(rows(5), DataLoaderOptions(2));
  auto it = loader.begin();
  ASSERT_NE(it, loader.end());
  EXPECT_EQ(it->data.sizes().vec(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values(it->data), (std::vector<double>{0, 0.5, 1, 1.5}));
  EXPECT_EQ(it->target.dtype(), kInt64);
}

TEST(DataLoaderTest, DefaultBatchSizeIsOne) {
  DataLoader loader(rows(3));
  EXPECT_EQ(loader.size(), 3u);
  auto batches = epoch(loader);
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0}, {1}, {2}}));
}

TEST(DataLoaderTest, DropLast) {
  DataLoader loader(rows(10), DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(loader.size(), 2u);
  auto batches = epoch(loader);
  EXPECT_EQ(batches.size(), 2u);
  EXPECT_EQ(flat(batches), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Exact multiples keep every batch; too few examples give no batch at all.
  EXPECT_EQ(DataLoader(rows(8), DataLoaderOptions(4).drop_last(true)).size(), 2u);
  DataLoader tiny(rows(3), DataLoaderOptions(4).drop_last(true));
  EXPECT_EQ(tiny.size(), 0u);
  EXPECT_EQ(tiny.begin(), tiny.end());
}

TEST(DataLoaderTest, EmptyDatasetHasNoBatches) {
  DataLoader loader(std::make_shared<TensorDataset>(zeros({0, 2})), DataLoaderOptions(3));
  EXPECT_EQ(loader.size(), 0u);
  EXPECT_TRUE(epoch(loader).empty());
}

TEST(DataLoaderTest, ShuffleVisitsEveryIndexOncePerEpoch) {
  DataLoader loader(rows(23), DataLoaderOptions(5).shuffle(true).seed(3));
  std::vector<int64_t> expected(23);
  for (int64_t i = 0; i < 23; ++i) expected[static_cast<size_t>(i)] = i;
  std::vector<std::vector<int64_t>> orders;
  for (int e = 0; e < 3; ++e) {
    auto batches = epoch(loader);
    ASSERT_EQ(batches.size(), 5u);
    EXPECT_EQ(batches.back().size(), 3u);
    auto order = flat(batches);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, expected);
    EXPECT_NE(order, expected);
    orders.push_back(order);
  }
  // Each epoch draws a new permutation.
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);
}

TEST(DataLoaderTest, SameSeedSameOrders) {
  auto ds = rows(30);
  DataLoader a(ds, DataLoaderOptions(4).shuffle(true).seed(11));
  DataLoader b(ds, DataLoaderOptions(4).shuffle(true).seed(11));
  DataLoader c(ds, DataLoaderOptions(4).shuffle(true).seed(12));
  for (int e = 0; e < 2; ++e) {
    auto ea = epoch(a), eb = epoch(b), ec = epoch(c);
    EXPECT_EQ(ea, eb);
    EXPECT_NE(flat(ea), flat(ec));
  }
}

TEST(DataLoaderTest, UnseededShuffleFollowsManualSeed) {
  auto ds = rows(30);
  manual_seed(5);
  DataLoader a(ds, DataLoaderOptions(4).shuffle(true));
  auto first = flat(epoch(a));
  manual_seed(5);
  DataLoader b(ds, DataLoaderOptions(4).shuffle(true));
  EXPECT_EQ(flat(epoch(b)), first);
}

TEST(DataLoaderTest, WorkersGiveTheSameBatchesAsTheCallerThread) {
  auto ds = rows(101);
  DataLoader serial(ds, DataLoaderOptions(7).shuffle(true).seed(9));
  const auto reference = epoch(serial);
  for (int64_t workers : {1, 2, 4}) {
    for (int64_t prefetch : {1, 3}) {
      DataLoader loader(
          ds, DataLoaderOptions(7).shuffle(true).seed(9).workers(workers).prefetch(prefetch));
      EXPECT_EQ(epoch(loader), reference) << workers << " workers, prefetch " << prefetch;
    }
  }
}

TEST(DataLoaderTest, WorkersKeepOrderWithTheDefaultCollation) {
  // Uneven load times make later batches finish first; delivery must still be in order.
  auto ds = std::make_shared<Tricky>(40, -1, 200);
  DataLoader loader(ds, DataLoaderOptions(3).workers(4));
  std::vector<double> seen;
  for (const Example<>& b : loader) {
    EXPECT_EQ(b.data.sizes()[1], 1);
    for (double v : values(b.target)) seen.push_back(v);
  }
  ASSERT_EQ(seen.size(), 40u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<double>(i));
}

TEST(DataLoaderTest, DatasetErrorReachesTheConsumerInline) {
  DataLoader loader(std::make_shared<Tricky>(10, 6), DataLoaderOptions(3));
  int delivered = 0;
  try {
    for (const Example<>& b : loader) {
      (void)b;
      ++delivered;
    }
    ADD_FAILURE() << "expected the dataset's error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Value);
    EXPECT_NE(std::string(e.what()).find("cannot load example 6"), std::string::npos);
  }
  EXPECT_EQ(delivered, 2);
}

TEST(DataLoaderTest, DatasetErrorInAWorkerIsRethrownInOrder) {
  for (int64_t workers : {1, 3}) {
    DataLoader loader(std::make_shared<Tricky>(30, 13, 100), DataLoaderOptions(4).workers(workers));
    std::vector<double> seen;
    try {
      for (const Example<>& b : loader)
        for (double v : values(b.target)) seen.push_back(v);
      ADD_FAILURE() << "expected the dataset's error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot load example 13"), std::string::npos);
    }
    // Batches 0..2 (indices 0..11) arrive before the failing batch 3.
    EXPECT_EQ(seen.size(), 12u) << workers << " workers";
    // The loader still works for a new epoch after the error.
    int batches = 0;
    EXPECT_EMBER_ERROR(
        {
          for (const Example<>& b : loader) {
            (void)b;
            ++batches;
          }
        },
        "Tricky: cannot load example 13");
    EXPECT_EQ(batches, 3);
  }
}

TEST(DataLoaderTest, EarlyBreakStopsWorkers) {
  auto ds = std::make_shared<Tricky>(1000, -1, 50);
  {
    DataLoader loader(ds, DataLoaderOptions(2).workers(3).prefetch(2));
    int n = 0;
    for (const Example<>& b : loader) {
      (void)b;
      if (++n == 3) break;
    }
    EXPECT_EQ(n, 3);
  }
  // Workers load at most workers * prefetch batches ahead and stop once the loader is gone.
  const int calls = ds->calls.load();
  EXPECT_LE(calls, 2 * (3 + 3 * 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ds->calls.load(), calls);
}

TEST(DataLoaderTest, BreakThenRestartBeginsANewEpoch) {
  DataLoader loader(rows(10), DataLoaderOptions(3).workers(2));
  for (const Example<>& b : loader) {
    EXPECT_EQ(values(b.target), (std::vector<double>{0, 1, 2}));
    break;
  }
  auto batches = epoch(loader);
  EXPECT_EQ(flat(batches), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(DataLoaderTest, ManyQuickStartStopCycles) {
  auto ds = rows(64);
  DataLoader loader(ds, DataLoaderOptions(2).workers(4).prefetch(1).shuffle(true).seed(1));
  for (int cycle = 0; cycle < 200; ++cycle) {
    int n = 0;
    for (const Example<>& b : loader) {
      EXPECT_EQ(b.target.size(0), 2);
      if (++n > cycle % 3) break;
    }
  }
  for (int cycle = 0; cycle < 100; ++cycle) {
    DataLoader temporary(ds, DataLoaderOptions(1).workers(3));
    auto it = temporary.begin();
    if (cycle % 2) ++it;
    // Destroyed mid-epoch with workers parked on a full queue.
  }
  EXPECT_EQ(flat(epoch(loader)).size(), 64u);
}

TEST(DataLoaderTest, IteratorOfAStoppedEpochThrows) {
  auto it = DataLoader::Iterator();
  {
    DataLoader loader(rows(10), DataLoaderOptions(2).workers(2));
    it = loader.begin();
    EXPECT_EQ(values(it->target), (std::vector<double>{0, 1}));
  }
  EXPECT_EMBER_ERROR(++it, "epoch was stopped");
}

TEST(DataLoaderTest, MoveKeepsTheLoaderUsable) {
  DataLoader a(rows(6), DataLoaderOptions(4).workers(1));
  DataLoader b = std::move(a);
  EXPECT_EQ(flat(epoch(b)), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(DataLoaderTest, OptionErrors) {
  auto ds = rows(4);
  EXPECT_EMBER_ERROR(DataLoader(ds, DataLoaderOptions(0)),
                     "batch_size should be a positive integer value, but got batch_size=0");
  EXPECT_EMBER_ERROR(DataLoader(ds, DataLoaderOptions().workers(-1)), "workers=-1");
  EXPECT_EMBER_ERROR(DataLoader(ds, DataLoaderOptions().prefetch(0)), "prefetch=0");
  EXPECT_EMBER_ERROR(DataLoader(nullptr), "dataset is null");
  DataLoader loader(ds);
  EXPECT_EMBER_ERROR(*loader.end(), "past the end");
}

}  // namespace
}  // namespace ember::data
