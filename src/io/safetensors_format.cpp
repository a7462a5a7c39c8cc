// The dtype table of the safetensors format (its Rust enum, in declaration order).
#include "safetensors_format.h"

#include <algorithm>
#include <array>

namespace ember::io::detail {
namespace {

// Every dtype name of the format, in the order of the reference's Dtype enum.
constexpr std::array<std::string_view, 15> kFormatDtypes = {
    "BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
    "BF16", "I32", "U32", "F32",     "F64",     "I64", "U64"};

}  // namespace

std::string_view safetensors_dtype_name(ScalarType t) {
  switch (t) {
    case kBool:
      return "BOOL";
    case kInt32:
      return "I32";
    case kInt64:
      return "I64";
    case kFloat32:
      return "F32";
    case kFloat64:
      return "F64";
  }
  return "";
}

std::optional<ScalarType> safetensors_dtype(std::string_view name) {
  for (ScalarType t : {kBool, kInt32, kInt64, kFloat32, kFloat64})
    if (safetensors_dtype_name(t) == name) return t;
  return std::nullopt;
}

bool is_foreign_safetensors_dtype(std::string_view name) {
  return std::find(kFormatDtypes.begin(), kFormatDtypes.end(), name) != kFormatDtypes.end() &&
         !safetensors_dtype(name);
}

int safetensors_dtype_rank(ScalarType t) {
  const auto it = std::find(kFormatDtypes.begin(), kFormatDtypes.end(), safetensors_dtype_name(t));
  return static_cast<int>(it - kFormatDtypes.begin());
}

}  // namespace ember::io::detail
