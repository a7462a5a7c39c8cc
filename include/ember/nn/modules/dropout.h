#pragma once
/// nn::Dropout: random zeroing during training, identity in evaluation.
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of Dropout: `DropoutOptions(0.25).inplace(true)`.
class DropoutOptions {
 public:
  DropoutOptions(double p = 0.5) : p_(p) {}
  /// The probability of zeroing an element (default 0.5).
  DropoutOptions& p(double v) { return p_ = v, *this; }
  /// Whether forward overwrites its input (default false).
  DropoutOptions& inplace(bool on) { return inplace_ = on, *this; }
  double p() const { return p_; }
  bool inplace() const { return inplace_; }

 private:
  double p_;
  bool inplace_ = false;
};

/// In training mode zeroes each element with probability p and scales the others by 1/(1-p);
/// in evaluation mode returns its input unchanged.
class DropoutImpl : public Module {
 public:
  /// p outside [0, 1] is a ValueError.
  explicit DropoutImpl(const DropoutOptions& options = {});
  explicit DropoutImpl(double p) : DropoutImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
  /// "p=0.5, inplace=False".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  DropoutOptions options;
};

/// A shared handle to a DropoutImpl.
EMBER_MODULE(Dropout);

}  // namespace ember::nn
