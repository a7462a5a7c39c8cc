#include "ember/core/device.h"

#include "core/check.h"

namespace ember {

Device::Device(const std::string& spec) : type_(kCPU), index_(-1) {
  std::string kind = spec;
  size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    std::string idx = spec.substr(colon + 1);
    bool digits =
        !idx.empty() && idx.size() < 3 && idx.find_first_not_of("0123456789") == std::string::npos;
    EMBER_CHECK(digits, "Invalid device string: '{}'", spec);
    index_ = static_cast<int8_t>(std::stoi(idx));
  }
  if (kind == "cpu") {
    type_ = kCPU;
  } else if (kind == "cuda") {
    type_ = kCUDA;
  } else {
    EMBER_FAIL("Expected one of cpu, cuda device type at start of device string: {}", spec);
  }
}

std::string Device::str() const {
  std::string s = is_cpu() ? "cpu" : "cuda";
  if (has_index()) {
    s += ':';
    s += std::to_string(index_);
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

}  // namespace ember
