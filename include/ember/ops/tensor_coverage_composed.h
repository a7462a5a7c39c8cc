#pragma once
/// More of torch's functions and Tensor methods, composed of the public ops (so their gradients,
/// second derivatives included, come from those): distances and special functions, integer
/// gcd/lcm, splits, the *_scatter family, in-place forms, covariance, matrix powers and random
/// in-place fills. In-place forms are free functions here that return self.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

// ---- Elementwise math -------------------------------------------------------------------------

/// The p-norm of input - other (broadcast together).
Tensor dist(const Tensor& input, const Tensor& other, const Scalar& p = 2);
/// input with each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm
/// (divided by norm + 1e-7, as torch does).
Tensor renorm(const Tensor& input, const Scalar& p, int64_t dim, const Scalar& maxnorm);
Tensor renorm_(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm);
/// The log of the multivariate gamma function of dimension p:
/// sum_{i<p} lgamma(x - i/2) + p(p-1)/4 log(pi).
Tensor mvlgamma(const Tensor& input, int64_t p);
Tensor mvlgamma_(const Tensor& self, int64_t p);
/// Whether each element is real: all true, as Ember has real dtypes only.
Tensor isreal(const Tensor& input);
/// (mantissa, exponent) with input = mantissa * 2^exponent and 0.5 <= |mantissa| < 1; the
/// mantissa in input's dtype, the exponent int32 (0, inf and NaN give themselves and 0).
std::tuple<Tensor, Tensor> frexp(const Tensor& input);
/// The greatest common divisor and least common multiple of integer tensors, elementwise
/// (non-negative; gcd(0, 0) = 0).
Tensor gcd(const Tensor& input, const Tensor& other);
Tensor gcd_(const Tensor& self, const Tensor& other);
Tensor lcm(const Tensor& input, const Tensor& other);
Tensor lcm_(const Tensor& self, const Tensor& other);

// ---- Splits and copies ------------------------------------------------------------------------

/// The positions of the non-zero elements as rows (nonzero under numpy's name).
Tensor argwhere(const Tensor& input);
/// A contiguous copy of input.narrow(dim, start, length).
Tensor narrow_copy(const Tensor& input, int64_t dim, int64_t start, int64_t length);
/// input split along dim into pieces of the given sizes (which must add up to its size).
std::vector<Tensor> split_with_sizes(const Tensor& input, IntArrayRef split_sizes, int64_t dim = 0);
/// split, chunk and split_with_sizes under torch's "unsafe" names (the same views here).
std::vector<Tensor> unsafe_split(const Tensor& input, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> unsafe_chunk(const Tensor& input, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> unsafe_split_with_sizes(const Tensor& input, IntArrayRef split_sizes,
                                            int64_t dim = 0);

// ---- In-place forms of out-of-place ops -------------------------------------------------------

/// self takes tril / triu / addmm / scatter_add of itself.
Tensor tril_(const Tensor& self, int64_t diagonal = 0);
Tensor triu_(const Tensor& self, int64_t diagonal = 0);
Tensor addmm_(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
              const Scalar& alpha = 1);
Tensor scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
/// Writes fill_value on the main diagonal (all indices equal) of a tensor of at least 2 dims,
/// all of one size unless it is a matrix; wrap restarts a tall matrix's diagonal every
/// cols + 1 rows.
Tensor fill_diagonal_(const Tensor& self, const Scalar& fill_value, bool wrap = false);

// ---- Scatters -----------------------------------------------------------------------------

/// input with its positions where mask (broadcast to input) is true taking source's first
/// elements in row-major order.
Tensor masked_scatter(const Tensor& input, const Tensor& mask, const Tensor& source);
Tensor masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source);
/// input with the flattened positions index (negative counts from the end) set to source, or
/// increased by it when accumulate.
Tensor put(const Tensor& input, const Tensor& index, const Tensor& source, bool accumulate = false);
Tensor put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);
/// input with source's slices along dim reduced ("prod", "mean", "amax" or "amin") into the
/// slices index names, together with input's own values when include_self.
Tensor index_reduce(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self = true);
Tensor index_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                     std::string_view reduce, bool include_self = true);
/// A copy of input with src written into the view select(dim, index), slice(dim, start, end,
/// step), diagonal(offset, dim1, dim2) or as_strided(size, stride, storage_offset); src must
/// have the view's shape.
Tensor select_scatter(const Tensor& input, const Tensor& src, int64_t dim, int64_t index);
Tensor slice_scatter(const Tensor& input, const Tensor& src, int64_t dim = 0,
                     std::optional<int64_t> start = std::nullopt,
                     std::optional<int64_t> end = std::nullopt, int64_t step = 1);
Tensor diagonal_scatter(const Tensor& input, const Tensor& src, int64_t offset = 0,
                        int64_t dim1 = 0, int64_t dim2 = 1);
Tensor as_strided_scatter(const Tensor& input, const Tensor& src, IntArrayRef size,
                          IntArrayRef stride, std::optional<int64_t> storage_offset = std::nullopt);

// ---- Statistics and matrices ------------------------------------------------------------------

/// The covariance matrix of the variables in input's rows (observations in columns), with
/// integer frequency weights and float observation weights, and correction subtracted from the
/// (weighted) number of observations.
Tensor cov(const Tensor& input, int64_t correction = 1, const Tensor& fweights = {},
           const Tensor& aweights = {});
/// The Pearson correlation coefficients of input's rows, clipped to [-1, 1].
Tensor corrcoef(const Tensor& input);
/// A (batch of) square matrix raised to the power n by repeated squaring (n = 0: identity;
/// n < 0: the inverse raised to -n).
Tensor matrix_power(const Tensor& input, int64_t n);

// ---- Random in-place fills --------------------------------------------------------------------

/// Fills self with draws from the exponential distribution of rate lambd.
Tensor exponential_(const Tensor& self, double lambd = 1,
                    std::optional<Generator> generator = std::nullopt);
/// Fills self with draws from the Cauchy distribution with the given median and scale sigma.
Tensor cauchy_(const Tensor& self, double median = 0, double sigma = 1,
               std::optional<Generator> generator = std::nullopt);
/// Fills self with exp of normal draws of the given mean and std.
Tensor log_normal_(const Tensor& self, double mean = 1, double std = 2,
                   std::optional<Generator> generator = std::nullopt);
/// Fills self with the number of Bernoulli(p) trials up to and including the first success.
Tensor geometric_(const Tensor& self, double p, std::optional<Generator> generator = std::nullopt);
/// Fills self with integers uniform in [from, to), or from `from` up to the largest integer its
/// dtype holds exactly (2^24 for float32, 2^53 for float64, the type's maximum for integers)
/// when to is nullopt.
Tensor random_(const Tensor& self, int64_t from, std::optional<int64_t> to,
               std::optional<Generator> generator = std::nullopt);
/// random_(self, 0, to) and random_(self, 0, nullopt).
Tensor random_(const Tensor& self, int64_t to, std::optional<Generator> generator = std::nullopt);
Tensor random_(const Tensor& self, std::optional<Generator> generator = std::nullopt);

// ---- Storage ----------------------------------------------------------------------------------

/// An uninitialised tensor with the given sizes and strides, over just enough fresh storage.
Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options = {});
/// Whether self and other view the same storage with the same offset, sizes and strides.
bool is_set_to(const Tensor& self, const Tensor& other);

}  // namespace ember
