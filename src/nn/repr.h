#pragma once
// Numbers printed as Python's repr prints them, so that module reprs and messages read as
// PyTorch's.
#include <string>

namespace ember::nn::detail {

// v as Python's repr prints a float: "-1.0", "0.01", "1e-08", "inf".
std::string float_repr(double v);

}  // namespace ember::nn::detail
