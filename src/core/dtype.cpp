#include "ember/core/dtype.h"

namespace ember {

const char* dtype_name(ScalarType t) {
  constexpr const char* names[] = {"bool", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}

const char* dtype_legacy_name(ScalarType t) {
  constexpr const char* names[] = {"Bool", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(t)];
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  auto category = [](ScalarType t) { return t == kBool ? 0 : is_integral(t) ? 1 : 2; };
  if (category(a) != category(b)) return category(a) > category(b) ? a : b;
  return a > b ? a : b;
}

std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << "torch." << dtype_name(t); }

}  // namespace ember
