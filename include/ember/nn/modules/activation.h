#pragma once
/// Activation modules: ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax and LogSoftmax; ELU, SELU,
/// CELU, SiLU, Mish, Softplus, Softsign, Hardtanh, ReLU6, LogSigmoid, Hardsigmoid, Hardswish,
/// Threshold and GLU.
#include <cstdint>
#include <string>
#include <utility>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of ReLU: `ReLUOptions().inplace(true)`.
class ReLUOptions {
 public:
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}
  /// Whether forward overwrites its input (default false).
  ReLUOptions& inplace(bool on) { return inplace_ = on, *this; }
  bool inplace() const { return inplace_; }

 private:
  bool inplace_;
};

/// max(x, 0), elementwise.
class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// "" or "inplace=True".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  ReLUOptions options;
};

/// A shared handle to a ReLUImpl.
EMBER_MODULE(ReLU);

/// The arguments of LeakyReLU: `LeakyReLUOptions().negative_slope(0.2)`.
class LeakyReLUOptions {
 public:
  LeakyReLUOptions() = default;
  /// The factor on negative inputs (default 0.01).
  LeakyReLUOptions& negative_slope(double v) { return negative_slope_ = v, *this; }
  /// Whether forward overwrites its input (default false).
  LeakyReLUOptions& inplace(bool on) { return inplace_ = on, *this; }
  double negative_slope() const { return negative_slope_; }
  bool inplace() const { return inplace_; }

 private:
  double negative_slope_ = 0.01;
  bool inplace_ = false;
};

/// x where x > 0, else negative_slope * x.
class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// "negative_slope=0.01" (plus ", inplace=True").
  std::string extra_repr() const override;
  /// The options the layer was built with.
  LeakyReLUOptions options;
};

/// A shared handle to a LeakyReLUImpl.
EMBER_MODULE(LeakyReLU);

/// 1 / (1 + exp(-x)), elementwise.
class SigmoidImpl : public Module {
 public:
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};

/// A shared handle to a SigmoidImpl.
EMBER_MODULE(Sigmoid);

/// Hyperbolic tangent, elementwise.
class TanhImpl : public Module {
 public:
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};

/// A shared handle to a TanhImpl.
EMBER_MODULE(Tanh);

/// The arguments of GELU: `GELUOptions().approximate("tanh")`.
class GELUOptions {
 public:
  GELUOptions() = default;
  /// "none" (the exact erf form, default) or "tanh" (the tanh approximation).
  GELUOptions& approximate(std::string v) { return approximate_ = std::move(v), *this; }
  const std::string& approximate() const { return approximate_; }

 private:
  std::string approximate_ = "none";
};

/// x * Phi(x), Phi the standard normal CDF.
class GELUImpl : public Module {
 public:
  explicit GELUImpl(const GELUOptions& options = {});
  /// An unknown approximate is a RuntimeError here, as in PyTorch.
  Tensor forward(const Tensor& input) override;
  /// "approximate='none'".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  GELUOptions options;
};

/// A shared handle to a GELUImpl.
EMBER_MODULE(GELU);

/// The arguments of Softmax and LogSoftmax: the dim that sums to one.
class SoftmaxOptions {
 public:
  SoftmaxOptions(int64_t dim) : dim_(dim) {}
  /// The dim normalized over.
  SoftmaxOptions& dim(int64_t v) { return dim_ = v, *this; }
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

/// Same arguments as Softmax.
using LogSoftmaxOptions = SoftmaxOptions;

/// exp(x) / sum(exp(x)) along dim.
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : SoftmaxImpl(SoftmaxOptions(dim)) {}
  explicit SoftmaxImpl(const SoftmaxOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "dim=1".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  SoftmaxOptions options;
};

/// A shared handle to a SoftmaxImpl.
EMBER_MODULE(Softmax);

/// log(softmax(x)) along dim, computed stably.
class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : LogSoftmaxImpl(LogSoftmaxOptions(dim)) {}
  explicit LogSoftmaxImpl(const LogSoftmaxOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "dim=1".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  LogSoftmaxOptions options;
};

/// A shared handle to a LogSoftmaxImpl.
EMBER_MODULE(LogSoftmax);

/// The arguments of ELU and CELU: `ELUOptions().alpha(0.5).inplace(true)`.
class ELUOptions {
 public:
  ELUOptions() = default;
  /// The scale of the negative part (default 1).
  ELUOptions& alpha(double v) { return alpha_ = v, *this; }
  /// Whether forward overwrites its input (default false).
  ELUOptions& inplace(bool on) { return inplace_ = on, *this; }
  double alpha() const { return alpha_; }
  bool inplace() const { return inplace_; }

 private:
  double alpha_ = 1.0;
  bool inplace_ = false;
};
using CELUOptions = ELUOptions;

/// x where x > 0, else alpha (exp(x) - 1).
class ELUImpl : public Module {
 public:
  explicit ELUImpl(const ELUOptions& options = {}) : Module("ELU"), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "alpha=1.0" (plus ", inplace=True").
  std::string extra_repr() const override;
  ELUOptions options;
};
EMBER_MODULE(ELU);

/// max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
class CELUImpl : public Module {
 public:
  explicit CELUImpl(const CELUOptions& options = {}) : Module("CELU"), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "alpha=1.0" (plus ", inplace=True").
  std::string extra_repr() const override;
  CELUOptions options;
};
EMBER_MODULE(CELU);

/// The arguments of the activations whose only option is inplace: `SELUOptions(true)`.
class InplaceOptions {
 public:
  InplaceOptions(bool inplace = false) : inplace_(inplace) {}
  /// Whether forward overwrites its input (default false).
  InplaceOptions& inplace(bool on) { return inplace_ = on, *this; }
  bool inplace() const { return inplace_; }

 private:
  bool inplace_;
};
using SELUOptions = InplaceOptions;
using SiLUOptions = InplaceOptions;
using MishOptions = InplaceOptions;
using ReLU6Options = InplaceOptions;
using HardsigmoidOptions = InplaceOptions;
using HardswishOptions = InplaceOptions;

/// Declares an activation module whose only option is inplace; with show_inplace its repr is
/// "inplace=True" when set (Hardsigmoid and Hardswish print nothing, as in PyTorch).
#define EMBER_INPLACE_ACTIVATION(Name, show_inplace)                                             \
  class Name##Impl : public Module {                                                             \
   public:                                                                                       \
    explicit Name##Impl(const InplaceOptions& options = {}) : Module(#Name), options(options) {} \
    Tensor forward(const Tensor& input) override;                                                \
    std::string extra_repr() const override {                                                    \
      return (show_inplace) && options.inplace() ? "inplace=True" : "";                          \
    }                                                                                            \
    InplaceOptions options;                                                                      \
  };                                                                                             \
  EMBER_MODULE(Name)

/// scale * elu(x, alpha) with the self-normalizing constants.
EMBER_INPLACE_ACTIVATION(SELU, true);
/// x sigmoid(x).
EMBER_INPLACE_ACTIVATION(SiLU, true);
/// x tanh(softplus(x)).
EMBER_INPLACE_ACTIVATION(Mish, true);
/// x clamped to [0, 6].
EMBER_INPLACE_ACTIVATION(ReLU6, true);
/// relu6(x + 3) / 6.
EMBER_INPLACE_ACTIVATION(Hardsigmoid, false);
/// x relu6(x + 3) / 6.
EMBER_INPLACE_ACTIVATION(Hardswish, false);
#undef EMBER_INPLACE_ACTIVATION

/// The arguments of Softplus: `SoftplusOptions().beta(2).threshold(10)`.
class SoftplusOptions {
 public:
  SoftplusOptions() = default;
  /// The sharpness (default 1).
  SoftplusOptions& beta(double v) { return beta_ = v, *this; }
  /// Above beta x > threshold the result is x (default 20).
  SoftplusOptions& threshold(double v) { return threshold_ = v, *this; }
  double beta() const { return beta_; }
  double threshold() const { return threshold_; }

 private:
  double beta_ = 1.0, threshold_ = 20.0;
};

/// log(1 + exp(beta x)) / beta.
class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(const SoftplusOptions& options = {})
      : Module("Softplus"), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "beta=1, threshold=20".
  std::string extra_repr() const override;
  SoftplusOptions options;
};
EMBER_MODULE(Softplus);

/// x / (1 + |x|).
class SoftsignImpl : public Module {
 public:
  SoftsignImpl() : Module("Softsign") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Softsign);

/// log(sigmoid(x)).
class LogSigmoidImpl : public Module {
 public:
  LogSigmoidImpl() : Module("LogSigmoid") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(LogSigmoid);

/// The arguments of Hardtanh: `HardtanhOptions().min_val(-2).max_val(2)`.
class HardtanhOptions {
 public:
  HardtanhOptions() = default;
  HardtanhOptions& min_val(double v) { return min_val_ = v, *this; }
  HardtanhOptions& max_val(double v) { return max_val_ = v, *this; }
  /// Whether forward overwrites its input (default false).
  HardtanhOptions& inplace(bool on) { return inplace_ = on, *this; }
  double min_val() const { return min_val_; }
  double max_val() const { return max_val_; }
  bool inplace() const { return inplace_; }

 private:
  double min_val_ = -1.0, max_val_ = 1.0;
  bool inplace_ = false;
};

/// x clamped to [min_val, max_val].
class HardtanhImpl : public Module {
 public:
  /// min_val above max_val is a ValueError.
  explicit HardtanhImpl(const HardtanhOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// "min_val=-1.0, max_val=1.0" (plus ", inplace=True").
  std::string extra_repr() const override;
  HardtanhOptions options;
};
EMBER_MODULE(Hardtanh);

/// The arguments of Threshold: `ThresholdOptions(0.1, 20)`.
class ThresholdOptions {
 public:
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  ThresholdOptions& threshold(double v) { return threshold_ = v, *this; }
  ThresholdOptions& value(double v) { return value_ = v, *this; }
  /// Whether forward overwrites its input (default false).
  ThresholdOptions& inplace(bool on) { return inplace_ = on, *this; }
  double threshold() const { return threshold_; }
  double value() const { return value_; }
  bool inplace() const { return inplace_; }

 private:
  double threshold_, value_;
  bool inplace_ = false;
};

/// x where x > threshold, else value.
class ThresholdImpl : public Module {
 public:
  ThresholdImpl(double threshold, double value)
      : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  explicit ThresholdImpl(const ThresholdOptions& options) : Module("Threshold"), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "threshold=0.1, value=20.0" (plus ", inplace=True").
  std::string extra_repr() const override;
  ThresholdOptions options;
};
EMBER_MODULE(Threshold);

/// The arguments of GLU: the dim that is halved (default -1).
class GLUOptions {
 public:
  GLUOptions(int64_t dim = -1) : dim_(dim) {}
  GLUOptions& dim(int64_t v) { return dim_ = v, *this; }
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

/// a sigmoid(b) for the two halves of the input along dim.
class GLUImpl : public Module {
 public:
  explicit GLUImpl(const GLUOptions& options = {}) : Module("GLU"), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "dim=-1".
  std::string extra_repr() const override;
  GLUOptions options;
};
EMBER_MODULE(GLU);

/// The arguments of PReLU: `PReLUOptions().num_parameters(3).init(0.1)`.
class PReLUOptions {
  /// One learned slope for all channels, or one per channel (dim 1).
  EMBER_ARG(int64_t, num_parameters) = 1;
  /// The slopes' starting value.
  EMBER_ARG(double, init) = 0.25;
};

/// x where positive, a learned slope times x elsewhere (functional::prelu).
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// "num_parameters=1".
  std::string extra_repr() const override;
  /// Every slope back to options.init().
  void reset_parameters();
  const PReLUOptions options;
  /// [num_parameters].
  Tensor& weight;
};
EMBER_MODULE(PReLU);

}  // namespace ember::nn
