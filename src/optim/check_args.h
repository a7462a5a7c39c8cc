#pragma once
// Hyper-parameter checks with PyTorch's ValueError messages.
#include <string>
#include <string_view>

namespace ember::optim::detail {

// v as Python's repr prints a float ("-1.0", "0.01", "1e-08"), for messages matching PyTorch's.
std::string float_repr(double v);

// Throws a ValueError "Invalid <what>: <v>" (PyTorch's wording) unless ok.
void check_arg(bool ok, std::string_view what, double v);

// The checks the Adam family (Adam, AdamW, Adamax, NAdam, RAdam) shares, in PyTorch's order: lr,
// eps, each beta in [0, 1), weight_decay.
template <typename Options>
void check_adam_family(const Options& o) {
  const auto [beta1, beta2] = o.betas();
  check_arg(0.0 <= o.lr(), "learning rate", o.lr());
  check_arg(0.0 <= o.eps(), "epsilon value", o.eps());
  check_arg(0.0 <= beta1 && beta1 < 1.0, "beta parameter at index 0", beta1);
  check_arg(0.0 <= beta2 && beta2 < 1.0, "beta parameter at index 1", beta2);
  check_arg(0.0 <= o.weight_decay(), "weight_decay value", o.weight_decay());
}

}  // namespace ember::optim::detail
