#pragma once
/// LibTorch compatibility. A LibTorch program includes this instead of <torch/torch.h> and
/// builds against Ember: torch:: and at:: name Ember's API, c10:: the few c10 types programs
/// spell out, and LibTorch's macros map onto Ember's. docs/porting.md lists what differs.
#include <optional>
#include <sstream>
#include <string>

#include "ember/core/arg.h"
#include "ember/ember.h"
#include "ember/version.h"

namespace torch = ember;
namespace at = ember;

namespace c10 {
using ::ember::Device;
using ::ember::DeviceType;
using ::ember::Error;
using ::ember::InferenceMode;
using ::ember::IntArrayRef;
using ::ember::Scalar;
using ::ember::ScalarType;
template <typename T>
using optional = std::optional<T>;
inline constexpr std::nullopt_t nullopt = std::nullopt;
}  // namespace c10

namespace ember {
/// Its arguments streamed together into one string (c10::str, torch::str).
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace ember

namespace c10 {
using ::ember::str;
}  // namespace c10

namespace ember::detail {
/// TORCH_CHECK's message: its arguments streamed together, or LibTorch's default.
template <typename... Args>
std::string check_message(const char* condition, const Args&... args) {
  if constexpr (sizeof...(Args) == 0)
    return std::string("Expected ") + condition + " to be true, but got false.";
  else
    return str(args...);
}
}  // namespace ember::detail

#define TORCH_MODULE(Name) EMBER_MODULE(Name)
#define TORCH_ARG(T, name) EMBER_ARG(T, name)
/// Throws ember::Error (c10::Error) with the streamed arguments when cond is false.
#define TORCH_CHECK(cond, ...)                                                                \
  do {                                                                                        \
    if (!(cond))                                                                              \
      throw ::ember::Error(::ember::detail::check_message(#cond __VA_OPT__(, ) __VA_ARGS__)); \
  } while (false)
#define TORCH_INTERNAL_ASSERT(cond, ...) TORCH_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)
#define AT_ASSERT(cond, ...) TORCH_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)

/// The LibTorch release whose C++ API Ember follows (its torch 2.x spellings included).
#define TORCH_VERSION_MAJOR 2
#define TORCH_VERSION_MINOR 1
#define TORCH_VERSION_PATCH 0
#define TORCH_VERSION "2.1.0"
