// The errors of OrderedDict (ember/core/ordered_dict.h), out of line so the header stays light.
#include "ember/core/ordered_dict.h"

#include "core/check.h"

namespace ember::detail {

void throw_duplicate_key(std::string_view dict, std::string_view key) {
  throw_error(ErrorKind::Value, fmt::format("{}: duplicate key '{}'", dict, key));
}

void throw_missing_key(std::string_view dict, std::string_view key) {
  throw_error(ErrorKind::Index, fmt::format("{}: no entry named '{}'", dict, key));
}

void throw_dict_index(std::string_view dict, size_t index, size_t size) {
  throw_error(ErrorKind::Index,
              fmt::format("{}: index {} is out of range for {} entries", dict, index, size));
}

}  // namespace ember::detail
