#pragma once
// Hyper-parameter checks with PyTorch's ValueError messages.
#include <string>
#include <string_view>

namespace ember::optim::detail {

// v as Python's repr prints a float ("-1.0", "0.01", "1e-08"), for messages matching PyTorch's.
std::string float_repr(double v);

// Throws a ValueError "Invalid <what>: <v>" (PyTorch's wording) unless ok.
void check_arg(bool ok, std::string_view what, double v);

}  // namespace ember::optim::detail
