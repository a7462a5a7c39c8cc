#include "ember/core/storage.h"

#include <cstdlib>
#include <limits>

#include "core/check.h"

namespace ember {
namespace {

// Plain aligned malloc; a caching allocator can replace it behind the same interface.
class CpuAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t nbytes) override {
    constexpr size_t kAlign = 64;
    EMBER_CHECK(nbytes <= std::numeric_limits<size_t>::max() - kAlign,
                "empty: cannot allocate {} bytes", nbytes);
    size_t rounded = (std::max<size_t>(nbytes, 1) + kAlign - 1) / kAlign * kAlign;
    void* p = std::aligned_alloc(kAlign, rounded);
    EMBER_CHECK(p != nullptr, "empty: out of memory: tried to allocate {} bytes", nbytes);
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
