// TensorDataset, collation, Subset and random_split.
#include <algorithm>
#include <set>

#include "testing.h"

namespace ember::data {
namespace {

using ::ember::testing::values;

// A dataset computed on the fly: example i is ([i, 10 i], i % 3); uses the default get_batch.
class Computed : public Dataset {
 public:
  explicit Computed(size_t n) : n_(n) {}
  size_t size() const override { return n_; }
  Example<> get(size_t i) const override {
    if (i >= n_) throw Error("Computed: index out of range", ErrorKind::Index);
    const auto v = static_cast<double>(i);
    return {tensor({v, 10 * v}), tensor(static_cast<int64_t>(i % 3))};
  }

 private:
  size_t n_;
};

std::shared_ptr<TensorDataset> rows(int64_t n) {
  return std::make_shared<TensorDataset>(arange(2 * n).reshape({n, 2}).to(kFloat32),
                                         arange(n).mul(10));
}

TEST(DataDataset, TensorDatasetGetReturnsRows) {
  auto ds = rows(5);
  EXPECT_EQ(ds->size(), 5u);
  Example<> e = ds->get(3);
  EXPECT_EQ(values(e.data), (std::vector<double>{6, 7}));
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 30);
  EXPECT_EMBER_ERROR(ds->get(5), "index 5 is out of range for a dataset of size 5");
}

TEST(DataDataset, TensorDatasetGetBatchGathersRows) {
  auto ds = rows(5);
  Example<> b = ds->get_batch({4, 0, 2});
  EXPECT_EQ(b.data.sizes().vec(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(b.data.dtype(), kFloat32);
  EXPECT_EQ(values(b.data), (std::vector<double>{8, 9, 0, 1, 4, 5}));
  EXPECT_EQ(b.target.dtype(), kInt64);
  EXPECT_EQ(values(b.target), (std::vector<double>{40, 0, 20}));
  EXPECT_EMBER_ERROR(ds->get_batch({1, 7}), "index 7 is out of range");
  EXPECT_EMBER_ERROR(ds->get_batch({-1}), "index -1 is out of range");
}

TEST(DataDataset, TensorDatasetWithoutTarget) {
  TensorDataset ds(arange(6).reshape({3, 2}));
  EXPECT_FALSE(ds.get(1).target.defined());
  Example<> b = ds.get_batch({2, 1});
  EXPECT_EQ(values(b.data), (std::vector<double>{4, 5, 2, 3}));
  EXPECT_FALSE(b.target.defined());
}

TEST(DataDataset, TensorDatasetShapeMismatchNamesBothShapes) {
  try {
    TensorDataset ds(zeros({4, 3}), zeros({5}));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Value);
    EXPECT_NE(std::string(e.what()).find("[4, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[5]"), std::string::npos) << e.what();
  }
  EXPECT_EMBER_ERROR(TensorDataset(zeros({})), "at least one dim");
}

TEST(DataDataset, DefaultGetBatchStacksExamples) {
  Computed ds(6);
  Example<> b = ds.get_batch({5, 1, 4});
  EXPECT_EQ(b.data.sizes().vec(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(values(b.data), (std::vector<double>{5, 50, 1, 10, 4, 40}));
  EXPECT_EQ(b.target.sizes().vec(), (std::vector<int64_t>{3}));
  EXPECT_EQ(values(b.target), (std::vector<double>{2, 1, 1}));
  EXPECT_EMBER_ERROR(ds.get_batch({}), "empty batch");
}

TEST(DataDataset, CollateRejectsMixedTargets) {
  std::vector<Example<>> ex = {{zeros({2}), tensor(1)}, {zeros({2}), Tensor()}};
  EXPECT_EMBER_ERROR(collate(ex), "some examples have a target");
}

TEST(DataDataset, SubsetMapsIndices) {
  auto ds = rows(6);
  Subset sub(ds, {5, 0, 3});
  EXPECT_EQ(sub.size(), 3u);
  EXPECT_EQ(sub.get(0).target.item<int64_t>(), 50);
  EXPECT_EQ(sub.get(2).target.item<int64_t>(), 30);
  Example<> b = sub.get_batch({2, 0});
  EXPECT_EQ(values(b.target), (std::vector<double>{30, 50}));
  EXPECT_EQ(values(b.data), (std::vector<double>{6, 7, 10, 11}));
  EXPECT_EMBER_ERROR(sub.get(3), "index 3 is out of range for a subset of size 3");
  EXPECT_EMBER_ERROR(Subset(ds, {6}), "index 6 is out of range for a dataset of size 6");
}

TEST(DataDataset, RandomSplitPartitionsAndIsDeterministic) {
  auto ds = rows(10);
  auto parts = random_split(ds, {3, 7}, 42);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->size(), 3u);
  EXPECT_EQ(parts[1]->size(), 7u);
  std::vector<int64_t> all = parts[0]->indices();
  all.insert(all.end(), parts[1]->indices().begin(), parts[1]->indices().end());
  std::vector<int64_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // A shuffled order, not the identity.
  EXPECT_NE(all, sorted);
  // The subsets read through to the dataset.
  const int64_t first = parts[0]->indices()[0];
  EXPECT_EQ(parts[0]->get(0).target.item<int64_t>(), 10 * first);

  auto again = random_split(ds, std::vector<int64_t>{3, 7}, 42);
  EXPECT_EQ(again[0]->indices(), parts[0]->indices());
  EXPECT_EQ(again[1]->indices(), parts[1]->indices());
  auto other = random_split(ds, {3, 7}, 43);
  std::vector<int64_t> other_all = other[0]->indices();
  other_all.insert(other_all.end(), other[1]->indices().begin(), other[1]->indices().end());
  EXPECT_NE(other_all, all);
}

TEST(DataDataset, RandomSplitLengthsMustSumToSize) {
  auto ds = rows(10);
  EXPECT_EMBER_ERROR(random_split(ds, {3, 6}, 0),
                     "sum of input lengths (9) does not equal the length of the input dataset "
                     "(10)");
  EXPECT_EMBER_ERROR(random_split(ds, {-1, 11}, 0), "non-negative");
}

TEST(DataDataset, RandomSplitFractionsDealRemainderRoundRobin) {
  // PyTorch: random_split(range(11), [0.5, 0.5]) gives lengths 6 and 5;
  // [0.4, 0.3, 0.3] of 11 gives floor 4, 3, 3 plus one for the first: 5, 3, 3.
  auto ds = rows(11);
  auto halves = random_split(ds, {0.5, 0.5}, 1);
  EXPECT_EQ(halves[0]->size(), 6u);
  EXPECT_EQ(halves[1]->size(), 5u);
  auto thirds = random_split(ds, {0.4, 0.3, 0.3}, 1);
  EXPECT_EQ(thirds[0]->size(), 5u);
  EXPECT_EQ(thirds[1]->size(), 3u);
  EXPECT_EQ(thirds[2]->size(), 3u);
  EXPECT_EMBER_ERROR(random_split(ds, {0.5, 0.4}, 1), "fractions must sum to 1");
}

TEST(DataDataset, SeededPermutationIsAPermutation) {
  auto p = seeded_permutation(100, 7);
  std::set<int64_t> seen(p.begin(), p.end());
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 99);
  EXPECT_EQ(p, seeded_permutation(100, 7));
  EXPECT_NE(p, seeded_permutation(100, 8));
}

}  // namespace
}  // namespace ember::data
