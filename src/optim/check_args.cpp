#include "check_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ember/core/error.h"

namespace ember::optim::detail {

std::string float_repr(double v) {
  // fmt's shortest round-trip form matches Python's repr except that it drops ".0".
  std::string s = fmt::format("{}", v);
  const bool integral = std::all_of(s.begin(), s.end(), [](char c) {
    return c == '-' || std::isdigit(static_cast<unsigned char>(c));
  });
  return integral ? s + ".0" : s;
}

void check_arg(bool ok, std::string_view what, double v) {
  if (!ok) throw Error(fmt::format("Invalid {}: {}", what, float_repr(v)), ErrorKind::Value);
}

}  // namespace ember::optim::detail
