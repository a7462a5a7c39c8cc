#pragma once
/// The dropout layers: random zeroing (of elements or whole channels) during training, identity
/// in evaluation.
#include <string>
#include <utility>

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

/// LibTorch's names for the options of the other dropout layers.
using Dropout1dOptions = DropoutOptions;
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

namespace detail {
/// What the dropout layers share: checked options and their repr ("p=0.5, inplace=False").
class DropoutBase : public Module {
 public:
  /// The options the layer was built with.
  DropoutOptions options;
  std::string extra_repr() const override;

 protected:
  /// p outside [0, 1] is a ValueError naming the layer.
  DropoutBase(std::string name, const DropoutOptions& options);
};
}  // namespace detail

/// In training mode zeroes each element with probability p and scales the others by 1/(1-p);
/// in evaluation mode returns its input unchanged.
class DropoutImpl : public detail::DropoutBase {
 public:
  explicit DropoutImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout", options) {}
  explicit DropoutImpl(double p) : DropoutImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Dropout);

/// Zeroes whole channels of [N, C, L] or [C, L] (functional::dropout1d) in training mode.
class Dropout1dImpl : public detail::DropoutBase {
 public:
  explicit Dropout1dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout1d", options) {}
  explicit Dropout1dImpl(double p) : Dropout1dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Dropout1d);

/// Zeroes whole channels of [N, C, H, W] (functional::dropout2d) in training mode.
class Dropout2dImpl : public detail::DropoutBase {
 public:
  explicit Dropout2dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout2d", options) {}
  explicit Dropout2dImpl(double p) : Dropout2dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Dropout2d);

/// Zeroes whole channels of [N, C, D, H, W] or [C, D, H, W] (functional::dropout3d) in training.
class Dropout3dImpl : public detail::DropoutBase {
 public:
  explicit Dropout3dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout3d", options) {}
  explicit Dropout3dImpl(double p) : Dropout3dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Dropout3d);

/// Dropout that keeps a SELU network's mean and variance (functional::alpha_dropout).
class AlphaDropoutImpl : public detail::DropoutBase {
 public:
  explicit AlphaDropoutImpl(const DropoutOptions& options = {})
      : DropoutBase("AlphaDropout", options) {}
  explicit AlphaDropoutImpl(double p) : AlphaDropoutImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(AlphaDropout);

/// Alpha dropout of whole channels (functional::feature_alpha_dropout).
class FeatureAlphaDropoutImpl : public detail::DropoutBase {
 public:
  explicit FeatureAlphaDropoutImpl(const DropoutOptions& options = {})
      : DropoutBase("FeatureAlphaDropout", options) {}
  explicit FeatureAlphaDropoutImpl(double p) : FeatureAlphaDropoutImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(FeatureAlphaDropout);

}  // namespace ember::nn
