#pragma once
/// Margin, ranking and embedding losses, and the likelihood losses of counts and of Gaussians:
/// MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, CosineEmbeddingLoss, MultiMarginLoss,
/// MultiLabelMarginLoss, MultiLabelSoftMarginLoss, TripletMarginLoss,
/// TripletMarginWithDistanceLoss, PoissonNLLLoss and GaussianNLLLoss, each with its options
/// class and its F:: function in LibTorch's spelling:
/// `F::margin_ranking_loss(x1, x2, y, F::MarginRankingLossFuncOptions().margin(0.5))`.
/// All are composed of differentiable ops, so they have every order of derivative.
#include <functional>
#include <optional>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of MarginRankingLoss: the margin (default 0) and the reduction.
struct MarginRankingLossOptions {
  EMBER_ARG(double, margin) = 0.0;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of HingeEmbeddingLoss: the margin (default 1) and the reduction.
struct HingeEmbeddingLossOptions {
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of SoftMarginLoss: the reduction.
struct SoftMarginLossOptions {
  SoftMarginLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  EMBER_ARG(Reduction, reduction);
};

/// The arguments of CosineEmbeddingLoss: the margin in [-1, 1] (default 0) and the reduction.
struct CosineEmbeddingLossOptions {
  EMBER_ARG(double, margin) = 0.0;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of MultiMarginLoss: the power p (1 or 2), the margin (default 1), a weight per
/// class (optional) and the reduction.
struct MultiMarginLossOptions {
  EMBER_ARG(int64_t, p) = 1;
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of MultiLabelMarginLoss: the reduction.
struct MultiLabelMarginLossOptions {
  MultiLabelMarginLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  EMBER_ARG(Reduction, reduction);
};

/// The arguments of MultiLabelSoftMarginLoss: a weight per class (optional) and the reduction.
struct MultiLabelSoftMarginLossOptions {
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of TripletMarginLoss: the margin (default 1), the norm's p (default 2), the eps
/// added to the differences (default 1e-6), whether to swap in the positive-negative distance
/// when it is smaller, and the reduction.
struct TripletMarginLossOptions {
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(double, eps) = 1e-6;
  EMBER_ARG(bool, swap) = false;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of TripletMarginWithDistanceLoss: the distance (default pairwise_distance), the
/// margin (default 1), swap and the reduction.
struct TripletMarginWithDistanceLossOptions {
  using distance_function_t = std::function<Tensor(const Tensor&, const Tensor&)>;
  EMBER_ARG(std::optional<distance_function_t>, distance_function) = std::nullopt;
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(bool, swap) = false;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of PoissonNLLLoss: whether the input is the log of the rate (default true),
/// whether to add Stirling's approximation of log(target!) (default false), the eps added to the
/// rate before its log when log_input is false (default 1e-8), and the reduction.
struct PoissonNLLLossOptions {
  EMBER_ARG(bool, log_input) = true;
  EMBER_ARG(bool, full) = false;
  EMBER_ARG(double, eps) = 1e-8;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

/// The arguments of GaussianNLLLoss: whether to add the constant 0.5 log(2 pi) (default false),
/// the smallest variance (default 1e-6; smaller ones are clamped, without gradient), and the
/// reduction.
struct GaussianNLLLossOptions {
  EMBER_ARG(bool, full) = false;
  EMBER_ARG(double, eps) = 1e-6;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

namespace functional {

using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using MultilabelMarginLossFuncOptions = MultiLabelMarginLossOptions;
using MultilabelSoftMarginLossFuncOptions = MultiLabelSoftMarginLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;
using TripletMarginWithDistanceLossFuncOptions = TripletMarginWithDistanceLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;

/// max(0, -target (input1 - input2) + margin); target holds 1 or -1, all three broadcast.
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options = {});
/// input where target is 1, max(0, margin - input) where it is -1.
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target,
                            const HingeEmbeddingLossFuncOptions& options = {});
/// log(1 + exp(-target input)); target holds 1 or -1 and has input's shape.
Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                        const SoftMarginLossFuncOptions& options = {});
/// 1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1; inputs are
/// [N, D] (target [N]) or [D] (target []).
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options = {});
/// The multi-class hinge loss of input [N, C] or [C] and class indices target [N] or []: the
/// mean over classes i other than the target y of max(0, margin - input[y] + input[i])^p,
/// times weight[y].
Tensor multi_margin_loss(const Tensor& input, const Tensor& target,
                         const MultiMarginLossFuncOptions& options = {});
/// The multi-label hinge loss of input [N, C] or [C]: target (int64, input's shape) lists each
/// sample's classes, ended by the first -1; the loss sums max(0, 1 - (input[y] - input[i]))
/// over its classes y and the classes i not among them, divided by C.
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              const MultilabelMarginLossFuncOptions& options = {});
/// -(target log sigmoid(input) + (1 - target) log sigmoid(-input)), times weight per class,
/// averaged over the classes of each sample of input [N, C].
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultilabelSoftMarginLossFuncOptions& options = {});
/// max(0, margin + d(anchor, positive) - d(anchor, negative)) with d the p-norm distance along
/// the last dim (pairwise_distance); with swap, d(anchor, negative) is replaced by
/// d(positive, negative) where that is smaller.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& options = {});
/// triplet_margin_loss with any distance function (default pairwise_distance).
Tensor triplet_margin_with_distance_loss(
    const Tensor& anchor, const Tensor& positive, const Tensor& negative,
    const TripletMarginWithDistanceLossFuncOptions& options = {});
/// The negative log-likelihood of target counts under Poisson rates: exp(input) - target input
/// with log_input, else input - target log(input + eps); full adds Stirling's
/// target log(target) - target + 0.5 log(2 pi target) where target > 1.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target,
                        const PoissonNLLLossFuncOptions& options = {});
/// The negative log-likelihood of target under Gaussians of mean input and variance var:
/// 0.5 (log(var) + (input - target)^2 / var), plus 0.5 log(2 pi) when full. var has input's
/// shape, or lacks (or has 1 as) its last dim, or has 1 there for a homoscedastic variance.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options = {});

}  // namespace functional

/// A loss module holding its options; forward applies the F:: function of the same name.
#define EMBER_OPTIONS_LOSS(Name, Options)                                                 \
  class Name##Impl : public Module {                                                      \
   public:                                                                                \
    explicit Name##Impl(const Options& options = {}) : Module(#Name), options(options) {} \
    using Module::forward; /* the one-input form, which losses reject */                  \
    Tensor forward(const Tensor& input, const Tensor& target);                            \
    Options options;                                                                      \
  };                                                                                      \
  EMBER_MODULE(Name)
/// The same for the losses of three tensors (two inputs and a target, or anchor, positive and
/// negative).
#define EMBER_OPTIONS_LOSS3(Name, Options)                                                \
  class Name##Impl : public Module {                                                      \
   public:                                                                                \
    explicit Name##Impl(const Options& options = {}) : Module(#Name), options(options) {} \
    using Module::forward;                                                                \
    Tensor forward(const Tensor& a, const Tensor& b, const Tensor& c);                    \
    Options options;                                                                      \
  };                                                                                      \
  EMBER_MODULE(Name)

EMBER_OPTIONS_LOSS3(MarginRankingLoss, MarginRankingLossOptions);
EMBER_OPTIONS_LOSS(HingeEmbeddingLoss, HingeEmbeddingLossOptions);
EMBER_OPTIONS_LOSS(SoftMarginLoss, SoftMarginLossOptions);
EMBER_OPTIONS_LOSS3(CosineEmbeddingLoss, CosineEmbeddingLossOptions);
EMBER_OPTIONS_LOSS(MultiMarginLoss, MultiMarginLossOptions);
EMBER_OPTIONS_LOSS(MultiLabelMarginLoss, MultiLabelMarginLossOptions);
EMBER_OPTIONS_LOSS(MultiLabelSoftMarginLoss, MultiLabelSoftMarginLossOptions);
EMBER_OPTIONS_LOSS3(TripletMarginLoss, TripletMarginLossOptions);
EMBER_OPTIONS_LOSS3(TripletMarginWithDistanceLoss, TripletMarginWithDistanceLossOptions);
EMBER_OPTIONS_LOSS(PoissonNLLLoss, PoissonNLLLossOptions);
EMBER_OPTIONS_LOSS3(GaussianNLLLoss, GaussianNLLLossOptions);

#undef EMBER_OPTIONS_LOSS
#undef EMBER_OPTIONS_LOSS3

}  // namespace ember::nn
