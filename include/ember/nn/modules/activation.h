#pragma once
/// Activation modules: ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax and LogSoftmax.
#include <cstdint>
#include <string>
#include <utility>

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

}  // namespace ember::nn
