#pragma once
/// Options for creating a tensor: dtype, device and requires_grad, set fluently as in LibTorch.
#include <optional>

#include "ember/core/device.h"
#include "ember/core/dtype.h"

namespace ember {

/// What a factory function should create; unset fields take the defaults (float32, cpu).
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(ScalarType dtype) : dtype_(dtype) {}
  TensorOptions(Device device) : device_(device) {}
  TensorOptions(DeviceType device) : device_(Device(device)) {}

  /// A copy with the dtype set.
  TensorOptions dtype(ScalarType d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  /// A copy with the device set.
  TensorOptions device(Device d) const {
    TensorOptions o = *this;
    o.device_ = d;
    return o;
  }
  /// A copy with requires_grad set.
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }

  /// The dtype, float32 when unset.
  ScalarType dtype() const { return dtype_ ? *dtype_ : get_default_dtype(); }
  /// The device, cpu when unset.
  Device device() const { return device_.value_or(Device(kCPU)); }
  bool requires_grad() const { return requires_grad_; }
  bool has_dtype() const { return dtype_.has_value(); }
  bool has_device() const { return device_.has_value(); }

 private:
  std::optional<ScalarType> dtype_;
  std::optional<Device> device_;
  bool requires_grad_ = false;
};

/// TensorOptions with only the dtype set.
inline TensorOptions dtype(ScalarType d) { return TensorOptions().dtype(d); }
/// TensorOptions with only the device set.
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
/// TensorOptions with only requires_grad set.
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

}  // namespace ember
