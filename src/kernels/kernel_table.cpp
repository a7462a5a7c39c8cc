#include "kernels/kernel_table.h"

#include "core/batched.h"
#include "core/check.h"
#include "ember/autograd/profiler.h"
#include "ember/cuda.h"
#include "kernels/cpu/cpu_kernels.h"

namespace ember::detail {
namespace {
const KernelTable* registered[2] = {nullptr, nullptr};
}

// kernels/profiling.cpp: the batching table with every call recorded.
const KernelTable& profiling_kernels(DeviceType type);

// Outside vmap and the profiler, ops call the device's kernels directly: two
// flag loads are all the dispatch path pays for either feature.
const KernelTable& kernels(DeviceType type) {
  if (autograd::profiler::is_enabled()) [[unlikely]]
    return profiling_kernels(type);
  if (vmaps_live.load(std::memory_order_relaxed) != 0) [[unlikely]]
    return batching_kernels(type);
  return device_kernels(type);
}

const KernelTable& device_kernels(DeviceType type) {
  if (type == kCPU) return cpu::kernel_table();
  const KernelTable* t = registered[static_cast<int>(type)];
  EMBER_CHECK(t != nullptr, "Ember was built without support for device {}", Device(type).str());
  return *t;
}

void register_kernels(DeviceType type, const KernelTable* table) {
  registered[static_cast<int>(type)] = table;
}

}  // namespace ember::detail

namespace ember::cuda {

// A CUDA backend registers its kernel table when it finds a device.
bool is_available() { return detail::registered[static_cast<int>(kCUDA)] != nullptr; }

}  // namespace ember::cuda
