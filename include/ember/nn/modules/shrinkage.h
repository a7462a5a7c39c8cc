#pragma once
/// The shrinkage activations (Softshrink, Hardshrink, Tanhshrink) and the other softmaxes
/// (Softmin, Softmax2d), with LibTorch's options.
#include <cstdint>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The threshold of Softshrink and Hardshrink: `SoftshrinkOptions(0.3)`.
class ShrinkOptions {
 public:
  ShrinkOptions(double lambda = 0.5) : lambda_(lambda) {}
  EMBER_ARG(double, lambda);
};
using SoftshrinkOptions = ShrinkOptions;
using HardshrinkOptions = ShrinkOptions;

/// x - lambda above lambda, x + lambda below -lambda, 0 between.
class SoftshrinkImpl : public Module {
 public:
  /// A negative lambda is a ValueError.
  explicit SoftshrinkImpl(const SoftshrinkOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SoftshrinkOptions options;
};
EMBER_MODULE(Softshrink);

/// x where |x| > lambda, 0 elsewhere.
class HardshrinkImpl : public Module {
 public:
  explicit HardshrinkImpl(const HardshrinkOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  HardshrinkOptions options;
};
EMBER_MODULE(Hardshrink);

/// x - tanh(x).
class TanhshrinkImpl : public Module {
 public:
  TanhshrinkImpl() : Module("Tanhshrink") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Tanhshrink);

/// Softmin's dim: `SoftminOptions(1)`.
class SoftminOptions {
 public:
  SoftminOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
};

/// softmax(-x) along dim.
class SoftminImpl : public Module {
 public:
  explicit SoftminImpl(const SoftminOptions& options) : Module("Softmin"), options(options) {}
  explicit SoftminImpl(int64_t dim) : SoftminImpl(SoftminOptions(dim)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SoftminOptions options;
};
EMBER_MODULE(Softmin);

/// softmax over the channels (dim -3) of [N, C, H, W] or [C, H, W].
class Softmax2dImpl : public Module {
 public:
  Softmax2dImpl() : Module("Softmax2d") {}
  /// Any other rank is a ValueError.
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Softmax2d);

}  // namespace ember::nn
