#pragma once
// Internal error helpers: every user-facing failure goes through these so the message format
// ("op: what went wrong") and the exception type stay uniform.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/array_ref.h"
#include "ember/core/error.h"

namespace ember::detail {

[[noreturn]] void throw_error(ErrorKind kind, std::string message);

}  // namespace ember::detail

template <>
struct fmt::formatter<ember::IntArrayRef> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(ember::IntArrayRef a, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(ember::shape_str(a), ctx);
  }
};

/// Throws ember::Error (a RuntimeError in Python) with a fmt-formatted message when cond fails.
#define EMBER_CHECK(cond, ...)                                                             \
  do {                                                                                     \
    if (!(cond)) [[unlikely]]                                                              \
      ::ember::detail::throw_error(::ember::ErrorKind::Runtime, fmt::format(__VA_ARGS__)); \
  } while (0)

/// As EMBER_CHECK, for an index or dim out of range (an IndexError in Python).
#define EMBER_CHECK_INDEX(cond, ...)                                                     \
  do {                                                                                   \
    if (!(cond)) [[unlikely]]                                                            \
      ::ember::detail::throw_error(::ember::ErrorKind::Index, fmt::format(__VA_ARGS__)); \
  } while (0)

/// As EMBER_CHECK, for an argument of the wrong type (a TypeError in Python).
#define EMBER_CHECK_TYPE(cond, ...)                                                     \
  do {                                                                                  \
    if (!(cond)) [[unlikely]]                                                           \
      ::ember::detail::throw_error(::ember::ErrorKind::Type, fmt::format(__VA_ARGS__)); \
  } while (0)

/// As EMBER_CHECK, for a bad argument value (a ValueError in Python).
#define EMBER_CHECK_VALUE(cond, ...)                                                     \
  do {                                                                                   \
    if (!(cond)) [[unlikely]]                                                            \
      ::ember::detail::throw_error(::ember::ErrorKind::Value, fmt::format(__VA_ARGS__)); \
  } while (0)

#define EMBER_FAIL(...) \
  ::ember::detail::throw_error(::ember::ErrorKind::Runtime, fmt::format(__VA_ARGS__))
