#pragma once
// Runs a generic lambda with `scalar_t` bound to the C++ type of a runtime dtype.
#include <cstdint>

#include "core/check.h"
#include "ember/core/dtype.h"

#define EMBER_DISPATCH_CASE(enum_value, cpp_type, ...) \
  case enum_value: {                                   \
    using scalar_t = cpp_type;                         \
    return __VA_ARGS__();                              \
  }

/// All five dtypes.
#define EMBER_DISPATCH_ALL(dtype, op_name, ...)                   \
  [&] {                                                           \
    switch (dtype) {                                              \
      EMBER_DISPATCH_CASE(::ember::kBool, bool, __VA_ARGS__)      \
      EMBER_DISPATCH_CASE(::ember::kInt32, int32_t, __VA_ARGS__)  \
      EMBER_DISPATCH_CASE(::ember::kInt64, int64_t, __VA_ARGS__)  \
      EMBER_DISPATCH_CASE(::ember::kFloat32, float, __VA_ARGS__)  \
      EMBER_DISPATCH_CASE(::ember::kFloat64, double, __VA_ARGS__) \
    }                                                             \
    EMBER_FAIL("{}: unsupported dtype", op_name);                 \
  }()

/// Every dtype but bool.
#define EMBER_DISPATCH_NUMERIC(dtype, op_name, ...)                                         \
  [&] {                                                                                     \
    switch (dtype) {                                                                        \
      EMBER_DISPATCH_CASE(::ember::kInt32, int32_t, __VA_ARGS__)                            \
      EMBER_DISPATCH_CASE(::ember::kInt64, int64_t, __VA_ARGS__)                            \
      EMBER_DISPATCH_CASE(::ember::kFloat32, float, __VA_ARGS__)                            \
      EMBER_DISPATCH_CASE(::ember::kFloat64, double, __VA_ARGS__)                           \
      default:                                                                              \
        break;                                                                              \
    }                                                                                       \
    EMBER_FAIL("{}: not implemented for '{}'", op_name, ::ember::dtype_legacy_name(dtype)); \
  }()

/// float32 and float64.
#define EMBER_DISPATCH_FLOATING(dtype, op_name, ...)                                        \
  [&] {                                                                                     \
    switch (dtype) {                                                                        \
      EMBER_DISPATCH_CASE(::ember::kFloat32, float, __VA_ARGS__)                            \
      EMBER_DISPATCH_CASE(::ember::kFloat64, double, __VA_ARGS__)                           \
      default:                                                                              \
        break;                                                                              \
    }                                                                                       \
    EMBER_FAIL("{}: not implemented for '{}'", op_name, ::ember::dtype_legacy_name(dtype)); \
  }()
