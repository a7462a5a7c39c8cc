#pragma once
/// A reference-counted block of memory on one device, shared by every view of it.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ember/core/device.h"
#include "ember/core/intrusive_ptr.h"

namespace ember {

/// Frees a block; receives the context given with it.
using DeleterFn = void (*)(void* context);

/// Raw memory plus how to free it.
struct DataPtr {
  void* data = nullptr;
  void* context = nullptr;
  DeleterFn deleter = nullptr;
};

/// Hands out memory for one device type. Backends register theirs with set_allocator.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// At least nbytes of memory aligned to 64 bytes; throws Error when it cannot be had.
  virtual DataPtr allocate(size_t nbytes) = 0;
};

/// The allocator for a device type; throws Error when no backend for it is built in.
Allocator* get_allocator(DeviceType type);
/// Installs the allocator for a device type (called by device backends at start-up).
void set_allocator(DeviceType type, Allocator* allocator);

/// The memory behind one or more tensors, with the version counter they share.
/// Note [Version counters]: every in-place write bumps the counter of the storage it writes to,
/// so all views of that memory see the change; autograd compares it with the version it saved.
class StorageImpl : public RefCounted {
 public:
  StorageImpl(DataPtr data, size_t nbytes, Device device)
      : data_(data), nbytes_(nbytes), device_(device) {}
  ~StorageImpl() override {
    if (data_.deleter) data_.deleter(data_.context);
  }

  void* data() const { return data_.data; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  /// Number of in-place writes to this memory so far.
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  /// Records one in-place write.
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  DataPtr data_;
  size_t nbytes_;
  Device device_;
  std::atomic<uint32_t> version_{0};
};

/// Shared handle to a StorageImpl.
using Storage = IntrusivePtr<StorageImpl>;

/// Fresh storage of nbytes on the device, from its registered allocator.
Storage make_storage(size_t nbytes, Device device);

/// Bytes of CPU memory held by live storages (in the allocator's size classes), and the most
/// held at once since start-up or the last reset: peak memory, as tests and benchmarks measure it.
size_t cpu_allocated_bytes();
size_t cpu_peak_allocated_bytes();
void reset_cpu_peak_allocated_bytes();

/// The CPU allocator keeps freed blocks for reuse (Note [Caching allocator] in storage.cpp).
/// Bytes it currently holds for reuse.
size_t cpu_cached_bytes();
/// Returns every cached block to the system.
void empty_cpu_cache();
/// Caps the bytes kept for reuse (default 2 GiB, or the EMBER_CPU_CACHE_BYTES environment
/// variable); 0 turns caching off.
void set_cpu_cache_limit(size_t bytes);

}  // namespace ember
