#pragma once
/// Distance modules: CosineSimilarity and PairwiseDistance, called with (x1, x2).
#include <cstdint>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of CosineSimilarity: `CosineSimilarityOptions().dim(-1)`.
class CosineSimilarityOptions {
 public:
  CosineSimilarityOptions() = default;
  /// The dim the vectors lie along (default 1).
  CosineSimilarityOptions& dim(int64_t v) { return dim_ = v, *this; }
  /// The smallest denominator (default 1e-8).
  CosineSimilarityOptions& eps(double v) { return eps_ = v, *this; }
  int64_t dim() const { return dim_; }
  double eps() const { return eps_; }

 private:
  int64_t dim_ = 1;
  double eps_ = 1e-8;
};

/// The cosine of the angle between x1 and x2 along dim.
class CosineSimilarityImpl : public Module {
 public:
  explicit CosineSimilarityImpl(const CosineSimilarityOptions& options = {})
      : Module("CosineSimilarity"), options(options) {}
  using Module::forward;  // the one-input form, which is an error here
  Tensor forward(const Tensor& x1, const Tensor& x2);
  CosineSimilarityOptions options;
};
EMBER_MODULE(CosineSimilarity);

/// The arguments of PairwiseDistance: `PairwiseDistanceOptions().p(1).keepdim(true)`.
class PairwiseDistanceOptions {
 public:
  PairwiseDistanceOptions() = default;
  /// The norm's order (default 2).
  PairwiseDistanceOptions& p(double v) { return p_ = v, *this; }
  /// Added to the difference, against a zero norm's gradient (default 1e-6).
  PairwiseDistanceOptions& eps(double v) { return eps_ = v, *this; }
  /// Whether the last dim stays, with size 1 (default false).
  PairwiseDistanceOptions& keepdim(bool v) { return keepdim_ = v, *this; }
  double p() const { return p_; }
  double eps() const { return eps_; }
  bool keepdim() const { return keepdim_; }

 private:
  double p_ = 2.0, eps_ = 1e-6;
  bool keepdim_ = false;
};

/// The p-norm of x1 - x2 along the last dim.
class PairwiseDistanceImpl : public Module {
 public:
  explicit PairwiseDistanceImpl(const PairwiseDistanceOptions& options = {})
      : Module("PairwiseDistance"), options(options) {}
  using Module::forward;  // the one-input form, which is an error here
  Tensor forward(const Tensor& x1, const Tensor& x2);
  PairwiseDistanceOptions options;
};
EMBER_MODULE(PairwiseDistance);

}  // namespace ember::nn
