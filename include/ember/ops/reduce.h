#pragma once
/// Reductions over all elements or over a list of dims.
#include <optional>
#include <tuple>

#include "ember/core/op_table.h"
#include "ember/core/tensor.h"

namespace ember {

/// The op table's reductions (sum, prod, amax, amin; see ember/core/op_table.def), over all
/// elements or over dims; keepdim keeps the reduced dims with size 1, and an empty dim list means
/// all dims. Integers and bools sum and multiply to int64 unless dtype says otherwise.
#define EMBER_REDUCE_OP(Name, name, surface)                                                 \
  EMBER_IF_REDUCE_DTYPE(                                                                     \
      surface, Tensor name(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt); \
      Tensor name(const Tensor& t, EMBER_REDUCE_DIM(surface) dim, bool keepdim = false,      \
                  std::optional<ScalarType> dtype = std::nullopt);)                          \
  EMBER_IF_REDUCE_NO_DTYPE(                                                                  \
      surface, Tensor name(const Tensor& t, IntArrayRef dim = {}, bool keepdim = false);)
#include "ember/core/op_table.def"
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, IntArrayRef dim, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
Tensor max(const Tensor& t);
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& t);
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor norm(const Tensor& t, const Scalar& p = 2);
Tensor norm(const Tensor& t, const Scalar& p, IntArrayRef dim, bool keepdim = false);
/// Variance over dims (all when empty), with Bessel's correction unless unbiased is false.
Tensor var(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
/// Variance over all elements. The bool form is a template so `var(t, {1})` picks the dims.
inline Tensor var(const Tensor& t) { return var(t, IntArrayRef{}, true, false); }
template <typename Bool, std::enable_if_t<std::is_same_v<Bool, bool>, int> = 0>
Tensor var(const Tensor& t, Bool unbiased) {
  return var(t, IntArrayRef{}, unbiased, false);
}
Tensor std(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
inline Tensor std(const Tensor& t) { return std(t, IntArrayRef{}, true, false); }
template <typename Bool, std::enable_if_t<std::is_same_v<Bool, bool>, int> = 0>
Tensor std(const Tensor& t, Bool unbiased) {
  return std(t, IntArrayRef{}, unbiased, false);
}
/// sum and mean with NaNs left out (counted as 0 and not counted); NaN-free inputs give sum and
/// mean.
Tensor nansum(const Tensor& t, IntArrayRef dim = {}, bool keepdim = false,
              std::optional<ScalarType> dtype = std::nullopt);
Tensor nanmean(const Tensor& t, IntArrayRef dim = {}, bool keepdim = false,
               std::optional<ScalarType> dtype = std::nullopt);
/// (var, mean) and (std, mean) over dims (all when empty), in one call.
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim = {}, bool unbiased = true,
                                    bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim = {}, bool unbiased = true,
                                    bool keepdim = false);
/// (amin, amax) over all elements or along dim.
std::tuple<Tensor, Tensor> aminmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt,
                                   bool keepdim = false);
/// Running sums along dim: out[i] = t[0] + ... + t[i]. Integers and bools sum to int64 unless
/// dtype says otherwise.
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// The sum of a matrix's main diagonal.
Tensor trace(const Tensor& t);
/// The number of non-zero elements, overall or along dims (int64).
Tensor count_nonzero(const Tensor& t, IntArrayRef dims = {});
/// True when every element is non-zero (bool result).
Tensor all(const Tensor& t);
/// True when some element is non-zero (bool result).
Tensor any(const Tensor& t);

}  // namespace ember
