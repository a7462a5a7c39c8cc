#include "kernels/kernel_table.h"

#include "core/check.h"
#include "ember/cuda.h"
#include "kernels/cpu/cpu_kernels.h"

namespace ember::detail {
namespace {
const KernelTable* registered[2] = {nullptr, nullptr};
}

const KernelTable& kernels(DeviceType type) { return batching_kernels(type); }

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
