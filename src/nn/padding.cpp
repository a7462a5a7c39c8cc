// The padding layers' reprs and errors (the layers themselves are in
// ember/nn/modules/padding.h).
#include "ember/nn/modules/padding.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "repr.h"

namespace ember::nn::detail {

void throw_pad_sides(size_t expected, size_t got) {
  throw Error(fmt::format("padding layer: expected 1 or {} padding values (one per side), but "
                          "got {}",
                          expected, got),
              ErrorKind::Value);
}

std::string sides_repr(const int64_t* sides, size_t n) {
  return fmt::format("({})", fmt::join(sides, sides + n, ", "));
}

std::string constant_pad_repr(const std::string& sides, double value) {
  return "padding=" + sides + ", value=" + float_repr(value);
}

}  // namespace ember::nn::detail
