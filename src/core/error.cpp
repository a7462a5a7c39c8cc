#include "core/check.h"

namespace ember::detail {

void throw_error(ErrorKind kind, std::string message) { throw Error(std::move(message), kind); }

}  // namespace ember::detail
