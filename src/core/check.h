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

/// Throws ember::Error of the given kind with a fmt-formatted message when cond fails.
#define EMBER_CHECK_KIND(kind, cond, ...)                                               \
  do {                                                                                  \
    if (!(cond)) [[unlikely]]                                                           \
      ::ember::detail::throw_error(::ember::ErrorKind::kind, fmt::format(__VA_ARGS__)); \
  } while (0)

/// A failed precondition (a RuntimeError in Python).
#define EMBER_CHECK(cond, ...) EMBER_CHECK_KIND(Runtime, cond, __VA_ARGS__)
/// An index or dim out of range (an IndexError in Python).
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_KIND(Index, cond, __VA_ARGS__)
/// An argument of the wrong type (a TypeError in Python).
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_KIND(Type, cond, __VA_ARGS__)
/// A bad argument value (a ValueError in Python).
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_KIND(Value, cond, __VA_ARGS__)

#define EMBER_FAIL(...) \
  ::ember::detail::throw_error(::ember::ErrorKind::Runtime, fmt::format(__VA_ARGS__))
