#include "ember/core/storage.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "core/check.h"

namespace ember {
namespace {

// Aligned malloc. Blocks of 2 MiB and more are aligned to 2 MiB and offered to the kernel as
// transparent huge pages: one page fault per 2 MiB instead of 512, and far fewer TLB misses
// when large tensors are streamed through.
class CpuAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t nbytes) override {
    constexpr size_t kAlign = 64;
    constexpr size_t kHugePage = size_t{2} << 20;
    EMBER_CHECK(nbytes <= std::numeric_limits<size_t>::max() - kHugePage,
                "empty: cannot allocate {} bytes", nbytes);
    const size_t align = nbytes >= kHugePage ? kHugePage : kAlign;
    const size_t rounded = (std::max<size_t>(nbytes, 1) + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded);
    EMBER_CHECK(p != nullptr, "empty: out of memory: tried to allocate {} bytes", nbytes);
    if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);
    return DataPtr{p, p, [](void* ctx) { std::free(ctx); }};
  }
};

CpuAllocator cpu_allocator;
Allocator* allocators[2] = {&cpu_allocator, nullptr};

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

}  // namespace ember
