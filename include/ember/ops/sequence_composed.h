#pragma once
/// Grids, spaced sequences, signal windows, Vandermonde matrices, combinations, trapezoidal
/// integration and membership tests, composed of the public ops (gradients, where they exist,
/// come from those ops).
#include <optional>
#include <string_view>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

/// Coordinate grids from 0-D or 1-D tensors: indexing "ij" gives each output the shape
/// (len 0, len 1, ...); "xy" swaps the first two dims (NumPy's Cartesian convention).
std::vector<Tensor> meshgrid(TensorList tensors, std::string_view indexing = "ij");
/// base raised to steps points evenly spaced from start to end.
Tensor logspace(double start, double end, int64_t steps, double base = 10.0,
                const TensorOptions& options = {});
/// start, start + step, ... up to and including end (torch.range, deprecated in torch).
Tensor range(double start, double end, double step = 1.0, const TensorOptions& options = {});

/// The signal windows of length window_length; periodic windows are the first window_length
/// points of the symmetric window one longer (for spectral analysis).
Tensor hann_window(int64_t window_length, bool periodic = true, const TensorOptions& options = {});
Tensor hamming_window(int64_t window_length, bool periodic = true, double alpha = 0.54,
                      double beta = 0.46, const TensorOptions& options = {});
Tensor blackman_window(int64_t window_length, bool periodic = true,
                       const TensorOptions& options = {});
Tensor bartlett_window(int64_t window_length, bool periodic = true,
                       const TensorOptions& options = {});
Tensor kaiser_window(int64_t window_length, bool periodic = true, double beta = 12.0,
                     const TensorOptions& options = {});

/// The Vandermonde matrix of 1-D x: columns x^(N-1), ..., x^0 (x^0 first with increasing); N
/// defaults to len(x).
Tensor vander(const Tensor& x, std::optional<int64_t> N = std::nullopt, bool increasing = false);
/// The r-element combinations of 1-D input's elements as rows [K, r], in index order (each
/// element may repeat with with_replacement), as itertools orders them.
Tensor combinations(const Tensor& input, int64_t r = 2, bool with_replacement = false);

/// The trapezoidal rule along dim with sample points x (1-D, or y's shape) or spacing dx.
Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);
/// The running trapezoidal integral along dim: one element fewer than y along it.
Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);

/// Whether each element of elements occurs in test_elements (bool, elements' shape); invert
/// negates.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false,
            bool invert = false);

}  // namespace ember
