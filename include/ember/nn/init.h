#pragma once
/// Parameter initialization, as torch.nn.init: every function fills its tensor in place without
/// recording history and returns it.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn::init {

/// The recommended gain for a nonlinearity: "linear", "conv1d".."conv3d",
/// "conv_transpose1d".."conv_transpose3d" and "sigmoid" give 1, "tanh" 5/3, "relu" sqrt(2),
/// "leaky_relu" sqrt(2 / (1 + slope^2)) with slope param (default 0.01), "selu" 3/4. Anything
/// else is a ValueError.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);

/// (fan_in, fan_out) of a weight [out, in, k...]: in * prod(k) and out * prod(k). Tensors with
/// fewer than 2 dims are a ValueError.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

/// Fills with values drawn uniformly from [a, b).
Tensor uniform_(Tensor tensor, double a = 0, double b = 1);
/// Fills with values drawn from N(mean, std^2).
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
/// Fills with val.
Tensor constant_(Tensor tensor, double val);
/// Fills with 1.
Tensor ones_(Tensor tensor);
/// Fills with 0.
Tensor zeros_(Tensor tensor);
/// Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1);
/// Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1);
/// He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
/// and fan the "fan_in" or "fan_out" of the tensor as mode says. Zero-element tensors are left
/// as they are.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu");
/// He normal: N(0, std^2) with std = gain / sqrt(fan), gain and fan as for kaiming_uniform_.
Tensor kaiming_normal_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu");

/// Fills a matrix with the identity (ones on the main diagonal, zeros elsewhere).
Tensor eye_(Tensor tensor);
/// Fills a 3-, 4- or 5-D convolution weight [out, in, k...] with the Dirac delta: each of the
/// first min(out / groups, in) output channels of each group passes its input channel through.
Tensor dirac_(Tensor tensor, int64_t groups = 1);
/// Fills with a (semi-)orthogonal matrix, the tensor seen as [size(0), rest], scaled by gain:
/// the orthonormal factor of a Gaussian matrix.
Tensor orthogonal_(Tensor tensor, double gain = 1);
/// Fills with N(mean, std^2) values truncated to [a, b] (drawn by inverting the CDF).
Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2);

/// What Linear and Conv layers do when made (torch's reset_parameters): kaiming_uniform_ with
/// a = sqrt(5) on weight, which bounds it by 1/sqrt(fan_in), and U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)) on bias when it is defined.
void _reset_affine_(Tensor weight, Tensor bias);
/// What recurrent layers and cells do: every tensor U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
void _reset_recurrent_(const std::vector<Tensor>& weights, int64_t hidden_size);

}  // namespace ember::nn::init
