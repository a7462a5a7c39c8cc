#pragma once
/// Process-wide options for printing tensors (what torch.set_printoptions changes). They apply
/// to operator<<, Tensor::toString and Python's repr alike.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ember {

/// How tensors print; the defaults are PyTorch's "default" profile.
struct PrintOptions {
  /// Digits after the decimal point for floating-point elements.
  int64_t precision = 4;
  /// Tensors with more elements than this are summarised (may be infinity: never).
  double threshold = 1000;
  /// Leading and trailing items kept in each dim of a summarised tensor.
  int64_t edgeitems = 3;
  /// Characters per line before a row wraps and before suffixes move to a new line.
  int64_t linewidth = 80;
  /// Scientific notation forced on (true) or off (false); unset chooses it from the values.
  std::optional<bool> sci_mode;
};

/// The options now in force.
PrintOptions get_printoptions();
/// Replaces the options for every later print, on every thread.
void set_printoptions(const PrintOptions& options);
/// The options of a PyTorch profile ("default", "short" or "full"; sci_mode unset); nullopt for
/// any other name, which torch.set_printoptions ignores.
std::optional<PrintOptions> print_profile(std::string_view name);

}  // namespace ember
