#pragma once
/// nn::Linear: y = x W^T + b.
#include <cstdint>
#include <string>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of Linear: `LinearOptions(3, 4).bias(false)`.
class LinearOptions {
 public:
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  /// Whether the layer adds a learned bias (default true).
  LinearOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }

 private:
  int64_t in_features_;
  int64_t out_features_;
  bool bias_ = true;
};

/// Applies x W^T + b to inputs of shape [..., in_features], giving [..., out_features].
class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  explicit LinearImpl(const LinearOptions& options);

  Tensor forward(const Tensor& input) override;
  /// "in_features=3, out_features=4, bias=True".
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight by kaiming_uniform_(a = sqrt(5)), bias uniform in
  /// [-1/sqrt(in_features), 1/sqrt(in_features)].
  void reset_parameters();

  /// The options the layer was built with.
  const LinearOptions options;
  /// [out_features, in_features]; the registered slot, so assigning it replaces the parameter.
  Tensor& weight;
  /// [out_features], or undefined without bias.
  Tensor& bias;

 protected:
  /// A Linear printed as `name` (for the subclasses that only rename it).
  LinearImpl(std::string name, const LinearOptions& options);
};

/// A shared handle to a LinearImpl: `Linear lin(3, 4); lin(x); lin->weight`.
EMBER_MODULE(Linear);

/// torch's NonDynamicallyQuantizableLinear: a Linear under another name, which
/// MultiheadAttention's out_proj has so that its repr reads as torch's.
class NonDynamicallyQuantizableLinearImpl : public LinearImpl {
 public:
  explicit NonDynamicallyQuantizableLinearImpl(const LinearOptions& options)
      : LinearImpl("NonDynamicallyQuantizableLinear", options) {}
};

/// Returns its input unchanged (a placeholder layer); any constructor arguments are ignored.
class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};
EMBER_MODULE(Identity);

/// The arguments of Bilinear: `BilinearOptions(2, 3, 4).bias(false)`.
class BilinearOptions {
 public:
  BilinearOptions(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in1_features);
  EMBER_ARG(int64_t, in2_features);
  EMBER_ARG(int64_t, out_features);
  /// Whether the layer adds a learned bias (default true).
  EMBER_ARG(bool, bias) = true;
};

/// y = x1^T A x2 + b for inputs [..., in1_features] and [..., in2_features].
class BilinearImpl : public Module {
 public:
  BilinearImpl(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : BilinearImpl(BilinearOptions(in1_features, in2_features, out_features)) {}
  explicit BilinearImpl(const BilinearOptions& options);
  /// Bilinear takes two inputs; the one-input forward is an error.
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input1, const Tensor& input2);
  /// "in1_features=2, in2_features=3, out_features=4, bias=True".
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight and bias uniform in [-1/sqrt(in1), 1/sqrt(in1)].
  void reset_parameters();

  const BilinearOptions options;
  /// [out_features, in1_features, in2_features].
  Tensor& weight;
  /// [out_features], or undefined without bias.
  Tensor& bias;
};
EMBER_MODULE(Bilinear);

}  // namespace ember::nn
