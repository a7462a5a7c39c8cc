#pragma once
/// Element types and PyTorch's type-promotion lattice.
#include <cstddef>
#include <cstdint>
#include <ostream>

namespace ember {

/// The element type of a tensor. Ordered so that promotion within a category picks the larger.
enum class ScalarType : int8_t { Bool, Int32, Int64, Float32, Float64 };
/// Calls _(T) for the C++ type of every ScalarType, in ScalarType's order.
#define EMBER_FORALL_SCALAR_TYPES(_) _(bool) _(int32_t) _(int64_t) _(float) _(double)
/// LibTorch's alias for ScalarType.
using Dtype = ScalarType;

inline constexpr ScalarType kBool = ScalarType::Bool;
inline constexpr ScalarType kInt32 = ScalarType::Int32;
inline constexpr ScalarType kInt = ScalarType::Int32;
inline constexpr ScalarType kInt64 = ScalarType::Int64;
inline constexpr ScalarType kLong = ScalarType::Int64;
inline constexpr ScalarType kFloat32 = ScalarType::Float32;
inline constexpr ScalarType kFloat = ScalarType::Float32;
inline constexpr ScalarType kFloat64 = ScalarType::Float64;
inline constexpr ScalarType kDouble = ScalarType::Float64;
/// Number of element types.
inline constexpr int kNumScalarTypes = 5;

/// Bytes per element.
constexpr size_t element_size(ScalarType t) {
  constexpr size_t sizes[] = {1, 4, 8, 4, 8};
  return sizes[static_cast<int>(t)];
}
/// True for float32 and float64.
constexpr bool is_floating_point(ScalarType t) {
  return t == ScalarType::Float32 || t == ScalarType::Float64;
}
/// True for the integer types, and for bool when include_bool is set.
constexpr bool is_integral(ScalarType t, bool include_bool = false) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 ||
         (include_bool && t == ScalarType::Bool);
}
/// PyTorch's spelling without the "torch." prefix: "float32", "int64", "bool".
const char* dtype_name(ScalarType t);
/// PyTorch's legacy name used in some messages: "Float", "Double", "Long", "Int", "Bool".
const char* dtype_legacy_name(ScalarType t);
/// The smallest type that holds both (bool < integers < floats; wider wins within a category).
ScalarType promote_types(ScalarType a, ScalarType b);
/// The floating type factories make when not told one, that Python floats become, and that
/// integer tensors promote to in float-only ops (float32 until set_default_dtype changes it).
/// Process-wide, as in PyTorch.
ScalarType get_default_dtype();
/// Sets get_default_dtype(); only float32 and float64 are allowed.
void set_default_dtype(ScalarType t);
/// Prints "torch.float32" style names, as PyTorch users read them.
std::ostream& operator<<(std::ostream& os, ScalarType t);

/// Maps a C++ element type to its ScalarType.
template <typename T>
struct CppTypeToScalarType;
template <>
struct CppTypeToScalarType<bool> {
  static constexpr ScalarType value = kBool;
};
template <>
struct CppTypeToScalarType<int32_t> {
  static constexpr ScalarType value = kInt32;
};
template <>
struct CppTypeToScalarType<int64_t> {
  static constexpr ScalarType value = kInt64;
};
template <>
struct CppTypeToScalarType<float> {
  static constexpr ScalarType value = kFloat32;
};
template <>
struct CppTypeToScalarType<double> {
  static constexpr ScalarType value = kFloat64;
};
/// ScalarType of a C++ type, e.g. scalar_type_of<float> == kFloat32.
template <typename T>
inline constexpr ScalarType scalar_type_of = CppTypeToScalarType<T>::value;

}  // namespace ember
