#include "ember/core/array_ref.h"

namespace ember {

std::string shape_str(IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::ostream& operator<<(std::ostream& os, IntArrayRef shape) { return os << shape_str(shape); }

}  // namespace ember
