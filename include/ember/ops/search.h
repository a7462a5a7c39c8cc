#pragma once
/// Searching sorted sequences and counting values: searchsorted, bucketize, unique, bincount,
/// histc. Their results are positions and counts, which have no gradient.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// For each value, the position in sorted_sequence (ascending along its last dim; 1-D, or with
/// leading dims matching values') where it would be inserted to keep the order: before equal
/// elements, or after them with right. int64, or int32 with out_int32.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                    bool right = false);
Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& value, bool out_int32 = false,
                    bool right = false);
/// The bucket of each element of t between the ascending 1-D boundaries (searchsorted of t in
/// boundaries).
Tensor bucketize(const Tensor& t, const Tensor& boundaries, bool out_int32 = false,
                 bool right = false);
/// The distinct elements of t, sorted, with where each element of t went (inverse, t's shape)
/// and how often each occurs (counts); the last two are empty unless asked for.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool return_inverse = false,
                                          bool return_counts = false);
/// The same for runs of equal consecutive elements of the flattened t (no sorting).
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse = false,
                                                      bool return_counts = false);
/// The distinct slices of t along dim, in lexicographic order (`sorted` is accepted for LibTorch's
/// spelling; the slices always come out sorted), with the group of each slice of t (inverse,
/// length t.size(dim)) and each group's size (counts); the last two are empty unless asked for.
/// As in torch, the values require grad with t but differentiating them raises.
std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& t, int64_t dim, bool sorted = true,
                                              bool return_inverse = false,
                                              bool return_counts = false);
/// The same for runs of equal consecutive slices along dim (no sorting).
std::tuple<Tensor, Tensor, Tensor> unique_dim_consecutive(const Tensor& t, int64_t dim,
                                                          bool return_inverse = false,
                                                          bool return_counts = false);
/// How often each value 0, 1, ..., max(t) occurs in the non-negative 1-D integer t (at least
/// minlength counts), or the sum of weights at each value.
Tensor bincount(const Tensor& t, const Tensor& weights = {}, int64_t minlength = 0);
/// A histogram of t in `bins` equal bins over [min, max] (t's own range when both are 0);
/// elements outside are left out.
Tensor histc(const Tensor& t, int64_t bins = 100, double min = 0, double max = 0);

}  // namespace ember
