#pragma once
/// Where a tensor's memory lives.
#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

/// The kind of memory a tensor lives in.
enum class DeviceType : int8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

/// A device type and an optional index ("cuda:1"); -1 means the current device of that type.
class Device {
 public:
  /// A device of the given type at the current index.
  Device(DeviceType type, int index = -1) : type_(type), index_(static_cast<int8_t>(index)) {}
  /// Parses "cpu", "cuda" or "cuda:N"; throws Error on anything else.
  Device(const std::string& spec);
  Device(const char* spec) : Device(std::string(spec)) {}

  /// The device type.
  DeviceType type() const { return type_; }
  /// The index, or -1 when none was given.
  int index() const { return index_; }
  /// True when a specific index was given.
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  /// "cpu", "cuda" or "cuda:N".
  std::string str() const;

  bool operator==(const Device& o) const { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const { return !(*this == o); }

 private:
  DeviceType type_;
  int8_t index_;
};

std::ostream& operator<<(std::ostream& os, const Device& d);

}  // namespace ember
