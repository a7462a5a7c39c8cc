#pragma once
/// The choices that options name by constant, as LibTorch's torch/enum.h: kTanh, kReLU, kGELU,
/// kValid and kSame are values of tag types (enumtype::kReLU, ...), so each option accepts
/// exactly the tags it allows (`RNNOptions(3, 4).nonlinearity(kReLU)`,
/// `TransformerEncoderLayerOptions(8, 2).activation(kGELU)`, `Conv2dOptions(1, 8, 3)
/// .padding(kSame)`) and any other one fails to compile.

namespace ember {
namespace nn {

/// The activation of a plain RNN.
enum class RNNNonlinearity { Tanh, ReLU };

}  // namespace nn

namespace enumtype {

/// The tag of kTanh; it converts to the RNN nonlinearity it names.
struct kTanh {
  constexpr operator nn::RNNNonlinearity() const { return nn::RNNNonlinearity::Tanh; }
};
/// The tag of kReLU; it converts to the RNN nonlinearity it names.
struct kReLU {
  constexpr operator nn::RNNNonlinearity() const { return nn::RNNNonlinearity::ReLU; }
};
/// The tag of kGELU (a Transformer activation only).
struct kGELU {};
/// The tag of kValid: a convolution without padding.
struct kValid {};
/// The tag of kSame: a convolution padded so its output is as long as its input (stride 1).
struct kSame {};
/// The tag of kBorder: grid_sample reads the nearest edge value outside the input.
struct kBorder {};
/// The tag of kReflection: grid_sample mirrors coordinates outside the input back into it.
struct kReflection {};

}  // namespace enumtype

/// tanh, as an RNN nonlinearity.
inline constexpr enumtype::kTanh kTanh{};
/// relu, as an RNN nonlinearity or a Transformer activation.
inline constexpr enumtype::kReLU kReLU{};
/// gelu (the exact erf form), as a Transformer activation.
inline constexpr enumtype::kGELU kGELU{};
/// No padding, as a convolution's padding.
inline constexpr enumtype::kValid kValid{};
/// Output as long as the input, as a convolution's padding (stride 1 only).
inline constexpr enumtype::kSame kSame{};
/// Edge values outside the input, as grid_sample's padding_mode.
inline constexpr enumtype::kBorder kBorder{};
/// Mirrored coordinates outside the input, as grid_sample's padding_mode.
inline constexpr enumtype::kReflection kReflection{};

}  // namespace ember
