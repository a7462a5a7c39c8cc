// AnyModule's and AnyValue's errors (ember/nn/modules/any.h), with type names demangled.
#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>

#include "ember/nn/modules/any.h"

namespace ember::nn::detail {
namespace {

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : type.name();
}

}  // namespace

void throw_any_value_type(const std::type_info& wanted, const std::type_info& held) {
  throw Error(fmt::format("AnyValue: attempted to cast a value of type {} to {}", type_name(held),
                          type_name(wanted)),
              ErrorKind::Type);
}

void throw_any_argument_type(const std::string& module, size_t index, const std::type_info& wanted,
                             const std::type_info& given) {
  throw Error(fmt::format("AnyModule: {}'s forward expects argument #{} to be of type {}, but "
                          "received a value of type {}",
                          module, index, type_name(wanted), type_name(given)),
              ErrorKind::Type);
}

void throw_any_argument_count(const std::string& module, size_t required, size_t accepted,
                              size_t given) {
  throw Error(fmt::format("AnyModule: {}'s forward takes {} to {} arguments, but received {}",
                          module, required, accepted, given),
              ErrorKind::Type);
}

void throw_empty_any_module(const char* call) {
  throw Error(fmt::format("AnyModule: cannot call {}() on an empty AnyModule", call),
              ErrorKind::Runtime);
}

}  // namespace ember::nn::detail
