// The caching CPU allocator: freed blocks are reused, the cache is bounded and can be emptied.
#include "testing.h"

namespace ember {
namespace {

// Restores the default limit when a test ends.
struct CacheLimit {
  explicit CacheLimit(size_t bytes) { set_cpu_cache_limit(bytes); }
  ~CacheLimit() {
    empty_cpu_cache();
    set_cpu_cache_limit(size_t{2} << 30);
  }
};

TEST(CachingAllocator, ReusesFreedBlocksOfTheSameClass) {
  CacheLimit limit(size_t{64} << 20);
  empty_cpu_cache();
  for (int64_t n : {1, 100, 1000, 300000, 1 << 20, 3 << 20}) {
    SCOPED_TRACE(n);
    void* first = nullptr;
    {
      Tensor t = empty({n});
      first = t.data_ptr();
    }
    EXPECT_GT(cpu_cached_bytes(), 0u);
    Tensor again = empty({n});
    EXPECT_EQ(again.data_ptr(), first);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(again.data_ptr()) % 64, 0u);
  }
}

TEST(CachingAllocator, ReusedMemoryIsWritableToTheEnd) {
  CacheLimit limit(size_t{64} << 20);
  for (int round = 0; round < 3; ++round) {
    Tensor t = full({(3 << 20) / 4 + 5}, 1.5f);  // crosses the 2 MiB class boundary
    EXPECT_EQ(t.sum().item<double>(), 1.5 * t.numel());
  }
}

TEST(CachingAllocator, CacheIsBoundedAndCanBeEmptied) {
  CacheLimit limit(size_t{8} << 20);
  {
    std::vector<Tensor> many;
    for (int i = 0; i < 8; ++i) many.push_back(empty({1 << 20}));  // 4 MiB each
  }
  EXPECT_LE(cpu_cached_bytes(), size_t{8} << 20);
  EXPECT_GT(cpu_cached_bytes(), 0u);
  empty_cpu_cache();
  EXPECT_EQ(cpu_cached_bytes(), 0u);
  set_cpu_cache_limit(0);
  { Tensor t = empty({1000}); }
  EXPECT_EQ(cpu_cached_bytes(), 0u);
}

TEST(CachingAllocator, BlocksFreedOnAnotherThreadAreReused) {
  CacheLimit limit(size_t{64} << 20);
  empty_cpu_cache();
  Tensor t = empty({4096});
  void* p = t.data_ptr();
  std::thread([moved = std::move(t)]() mutable { moved = Tensor(); }).join();
  EXPECT_EQ(empty({4096}).data_ptr(), p);
}

TEST(CachingAllocator, ImpossibleRequestsRaise) {
  EXPECT_EMBER_ERROR(empty({int64_t{1} << 40, int64_t{1} << 20}), "out of memory");
  EXPECT_EMBER_ERROR(empty({int64_t{1} << 62, 16}), "overflows");
}

}  // namespace
}  // namespace ember
