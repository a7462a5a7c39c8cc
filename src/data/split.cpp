// Subset, random_split and the seeded permutation they share with the DataLoader.
#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <random>

#include "ember/data/dataset.h"

namespace ember::data {
namespace {

std::shared_ptr<Dataset> checked(std::shared_ptr<Dataset> dataset, const char* fn) {
  if (!dataset) throw Error(fmt::format("{}: dataset is null", fn), ErrorKind::Value);
  return dataset;
}

}  // namespace

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  // Our own Fisher-Yates instead of std::shuffle, whose algorithm differs between standard
  // libraries; mt19937_64's output is fixed by the standard, so orders match everywhere.
  std::mt19937_64 gen(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(gen() % static_cast<uint64_t>(i + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

Subset::Subset(std::shared_ptr<Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(checked(std::move(dataset), "Subset")), indices_(std::move(indices)) {
  const auto n = static_cast<int64_t>(dataset_->size());
  for (int64_t i : indices_)
    if (i < 0 || i >= n)
      throw Error(fmt::format("Subset: index {} is out of range for a dataset of size {}", i, n),
                  ErrorKind::Index);
}

Example<> Subset::get(size_t index) const {
  if (index >= indices_.size())
    throw Error(fmt::format("Subset: index {} is out of range for a subset of size {}", index,
                            indices_.size()),
                ErrorKind::Index);
  return dataset_->get(static_cast<size_t>(indices_[index]));
}

Example<> Subset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> mapped;
  mapped.reserve(indices.size());
  for (int64_t i : indices) {
    if (i < 0 || static_cast<size_t>(i) >= indices_.size())
      throw Error(fmt::format("Subset: index {} is out of range for a subset of size {}", i,
                              indices_.size()),
                  ErrorKind::Index);
    mapped.push_back(indices_[static_cast<size_t>(i)]);
  }
  return dataset_->get_batch(mapped);
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<Dataset> dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  uint64_t seed) {
  dataset = checked(std::move(dataset), "random_split");
  int64_t total = 0;
  for (int64_t len : lengths) {
    if (len < 0)
      throw Error(fmt::format("random_split: lengths must be non-negative, got [{}]",
                              fmt::join(lengths, ", ")),
                  ErrorKind::Value);
    total += len;
  }
  const auto n = static_cast<int64_t>(dataset->size());
  if (total != n)
    throw Error(fmt::format("random_split: sum of input lengths ({}) does not equal the length of "
                            "the input dataset ({})",
                            total, n),
                ErrorKind::Value);
  const std::vector<int64_t> perm = seeded_permutation(n, seed);
  std::vector<std::shared_ptr<Subset>> out;
  auto it = perm.begin();
  for (int64_t len : lengths) {
    out.push_back(std::make_shared<Subset>(dataset, std::vector<int64_t>(it, it + len)));
    it += len;
  }
  return out;
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<Dataset> dataset,
                                                  const std::vector<double>& fractions,
                                                  uint64_t seed) {
  dataset = checked(std::move(dataset), "random_split");
  double sum = 0;
  for (double f : fractions) {
    if (!(f >= 0 && f <= 1))
      throw Error(fmt::format("random_split: fraction {} is not between 0 and 1", f),
                  ErrorKind::Value);
    sum += f;
  }
  if (std::abs(sum - 1) > 1e-9)
    throw Error(fmt::format("random_split: fractions must sum to 1, got {}", sum),
                ErrorKind::Value);
  const auto n = static_cast<int64_t>(dataset->size());
  std::vector<int64_t> lengths;
  int64_t assigned = 0;
  for (double f : fractions) {
    lengths.push_back(static_cast<int64_t>(std::floor(static_cast<double>(n) * f)));
    assigned += lengths.back();
  }
  // Round-robin the leftover examples, as torch.utils.data.random_split does.
  for (int64_t r = 0; r < n - assigned; ++r) ++lengths[static_cast<size_t>(r) % lengths.size()];
  return random_split(std::move(dataset), lengths, seed);
}

}  // namespace ember::data
