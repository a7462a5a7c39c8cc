#include "ember/core/dtype.h"

#include <atomic>

#include "core/check.h"

namespace ember {
namespace {
std::atomic<ScalarType> default_dtype{kFloat32};
}

ScalarType get_default_dtype() { return default_dtype.load(std::memory_order_relaxed); }

void set_default_dtype(ScalarType t) {
  EMBER_CHECK_TYPE(is_floating_point(t),
                   "set_default_dtype: only floating-point types are supported as the default "
                   "type (got {})",
                   dtype_name(t));
  default_dtype.store(t, std::memory_order_relaxed);
}

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
