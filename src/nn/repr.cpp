#include "repr.h"

#include <fmt/format.h>

namespace ember::nn::detail {

std::string float_repr(double v) {
  // fmt's shortest round-trip form matches Python's repr except that it drops ".0".
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

}  // namespace ember::nn::detail
