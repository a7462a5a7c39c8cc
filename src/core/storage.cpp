#include "ember/core/storage.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/check.h"

namespace ember {
namespace {

// Note [Caching allocator]
// Tensors are created and dropped at a high rate (every op allocates its result), so the CPU
// allocator keeps freed blocks and hands them out again instead of going back to malloc, and for
// large blocks to the kernel, which would map fresh pages and fault on every first touch. Sizes
// are rounded to classes (four per power of two below 2 MiB, multiples of 2 MiB above), and a
// freed block goes to the free list of its class unless that would push the cache past its
// limit. Blocks of 2 MiB and more are 2 MiB-aligned (their size class rides in the low bits of
// the pointer) but not offered as transparent huge pages: on the VMs we run on, a huge page's
// first touch takes fresh guest memory that the host must back, about 5 ms per MiB against 0.5
// for 4 KiB pages the kernel recycles; a 2048 x 2048 product's result cost 80 ms to fault in.
// Under AddressSanitizer and ThreadSanitizer nothing is cached, so use-after-free bugs and races
// on reused memory stay visible.
constexpr size_t kAlign = 64;
constexpr size_t kHugePage = size_t{2} << 20;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kDefaultLimit = 0;
#else
constexpr size_t kDefaultLimit = size_t{2} << 30;
#endif

// The size class of a request: the block size actually allocated.
size_t size_class(size_t nbytes) {
  nbytes = std::max(nbytes, kAlign);
  if (nbytes >= kHugePage) return (nbytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t octave = std::bit_floor(nbytes);
  const size_t step = std::max(octave / 4, kAlign);
  return (nbytes + step - 1) / step * step;
}

// The slot of a size class below kHugePage: four per power of two.
constexpr size_t kSmallClasses = 4 * 21;
size_t small_index(size_t size) {
  const size_t octave = std::bit_floor(size);
  const size_t step = std::max(octave / 4, kAlign);
  return 4 * static_cast<size_t>(std::countr_zero(octave)) + (size - octave) / step;
}

// The cache's critical sections are a few instructions long: a spin lock costs far less than a
// mutex here, and contention is rare.
class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire))
      while (flag_.test(std::memory_order_relaxed)) relax();
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  std::atomic_flag flag_;
};

class CachingCpuAllocator final : public Allocator {
 public:
  static CachingCpuAllocator& instance() {
    // Leaked on purpose: storages freed during static destruction must still find it.
    static auto* allocator = new CachingCpuAllocator();
    return *allocator;
  }

  DataPtr allocate(size_t nbytes) override {
    EMBER_CHECK(nbytes <= std::numeric_limits<size_t>::max() - 2 * kHugePage,
                "empty: cannot allocate {} bytes", nbytes);
    const size_t size = size_class(nbytes);
    EMBER_CHECK(size / kHugePage < kHugePage, "empty: out of memory: tried to allocate {} bytes",
                nbytes);
    void* p = take(size);
    if (!p) {
      // A small block carries its size in a header; a large one in the low bits of its context.
      const bool huge = size >= kHugePage;
      p = std::aligned_alloc(huge ? kHugePage : kAlign, huge ? size : size + kAlign);
      EMBER_CHECK(p != nullptr, "empty: out of memory: tried to allocate {} bytes", nbytes);
      if (!huge) *static_cast<size_t*>(p) = size;
    }
    count_allocated(size);
    if (size >= kHugePage) {
      const auto ctx = reinterpret_cast<uintptr_t>(p) | (size / kHugePage);
      return DataPtr{p, reinterpret_cast<void*>(ctx), [](void* c) {
                       const auto bits = reinterpret_cast<uintptr_t>(c);
                       instance().give_back(reinterpret_cast<void*>(bits & ~(kHugePage - 1)),
                                            (bits & (kHugePage - 1)) * kHugePage);
                     }};
    }
    return DataPtr{static_cast<char*>(p) + kAlign, p,
                   [](void* c) { instance().give_back(c, *static_cast<size_t*>(c)); }};
  }

  size_t cached() {
    std::lock_guard<SpinLock> lock(mutex_);
    return cached_;
  }
  void set_limit(size_t bytes) {
    std::lock_guard<SpinLock> lock(mutex_);
    limit_ = bytes;
  }
  void release_all() {
    std::lock_guard<SpinLock> lock(mutex_);
    for (auto& blocks : small_) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    for (auto& [size, blocks] : large_)
      for (void* p : blocks) std::free(p);
    large_.clear();
    cached_ = 0;
  }
  size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }
  void reset_peak() { peak_.store(allocated(), std::memory_order_relaxed); }

 private:
  CachingCpuAllocator() {
    const char* env = std::getenv("EMBER_CPU_CACHE_BYTES");
    limit_ = env ? std::strtoull(env, nullptr, 10) : kDefaultLimit;
  }

  void* take(size_t size) {
    std::lock_guard<SpinLock> lock(mutex_);
    std::vector<void*>* blocks;
    if (size < kHugePage) {
      blocks = &small_[small_index(size)];
    } else {
      auto it = large_.find(size);
      if (it == large_.end()) return nullptr;
      blocks = &it->second;
    }
    if (blocks->empty()) return nullptr;
    void* p = blocks->back();
    blocks->pop_back();
    cached_ -= size;
    return p;
  }

  void count_allocated(size_t size) {
    const size_t now = allocated_.fetch_add(size, std::memory_order_relaxed) + size;
    size_t peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }

  void give_back(void* p, size_t size) {
    allocated_.fetch_sub(size, std::memory_order_relaxed);
    {
      std::lock_guard<SpinLock> lock(mutex_);
      if (cached_ + size <= limit_) {
        (size < kHugePage ? small_[small_index(size)] : large_[size]).push_back(p);
        cached_ += size;
        return;
      }
    }
    std::free(p);
  }

  SpinLock mutex_;
  // Free blocks by class: an array for the classes below 2 MiB, which every small op hits, so
  // they cost no hashing; a map for the multiples of 2 MiB.
  std::array<std::vector<void*>, kSmallClasses> small_;
  std::unordered_map<size_t, std::vector<void*>> large_;
  size_t cached_ = 0;
  size_t limit_ = kDefaultLimit;
  std::atomic<size_t> allocated_{0};
  std::atomic<size_t> peak_{0};
};

Allocator* allocators[2] = {&CachingCpuAllocator::instance(), nullptr};

}  // namespace

Allocator* get_allocator(DeviceType type) {
  Allocator* a = allocators[static_cast<int>(type)];
  EMBER_CHECK(a != nullptr, "Ember was built without support for device {}", Device(type).str());
  return a;
}

void set_allocator(DeviceType type, Allocator* allocator) {
  allocators[static_cast<int>(type)] = allocator;
}

Storage make_storage(size_t nbytes, Device device) {
  DataPtr p = get_allocator(device.type())->allocate(nbytes);
  return Storage::make(p, nbytes, device);
}

size_t cpu_cached_bytes() { return CachingCpuAllocator::instance().cached(); }
size_t cpu_allocated_bytes() { return CachingCpuAllocator::instance().allocated(); }
size_t cpu_peak_allocated_bytes() { return CachingCpuAllocator::instance().peak(); }
void reset_cpu_peak_allocated_bytes() { CachingCpuAllocator::instance().reset_peak(); }
void empty_cpu_cache() { CachingCpuAllocator::instance().release_all(); }
void set_cpu_cache_limit(size_t bytes) {
  CachingCpuAllocator::instance().set_limit(bytes);
  if (bytes < cpu_cached_bytes()) empty_cpu_cache();
}

}  // namespace ember
