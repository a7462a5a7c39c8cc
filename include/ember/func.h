#pragma once
/// Function transforms (torch.func): gradients, vector-Jacobian and Jacobian-vector products,
/// Jacobians, Hessians and vmap, as functions of functions. They nest (grad of grad, vmap of
/// grad), and their results keep a graph for an enclosing transform or for tensors that require
/// grad. Jacobian-vector products are computed by differentiating a vector-Jacobian product with
/// respect to its (linear) cotangent, so every op with a double backward supports them.
/// vmap runs the function once on batched tensors when every op it reaches has a batching rule
/// (elementwise, reductions, scans, sorts, matrix products, every view), and once per entry
/// otherwise (Note [Batched tensors] in src/core/batched.cpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::func {

/// A function of a list of tensors returning a list of tensors: what the transforms work on.
using TensorListFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
/// Maps cotangents (one per output) to cotangents of the primals.
using VjpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

/// f(primals) and the function computing vector-Jacobian products at primals.
std::pair<std::vector<Tensor>, VjpFn> vjp(const TensorListFn& f,
                                          const std::vector<Tensor>& primals);
/// f(primals) and the Jacobian-vector product J(primals) tangents.
std::pair<std::vector<Tensor>, std::vector<Tensor>> jvp(const TensorListFn& f,
                                                        const std::vector<Tensor>& primals,
                                                        const std::vector<Tensor>& tangents);
/// The gradients of f (one-element output) with respect to args[argnums], and f's value.
std::pair<std::vector<Tensor>, Tensor> grad_and_value(const TensorListFn& f,
                                                      const std::vector<Tensor>& args,
                                                      const std::vector<int64_t>& argnums = {0});
/// Jacobians by reverse mode: result[i][j] has shape outputs[i].shape + args[argnums[j]].shape.
std::vector<std::vector<Tensor>> jacrev(const TensorListFn& f, const std::vector<Tensor>& args,
                                        const std::vector<int64_t>& argnums = {0});
/// The same Jacobians, one column (Jacobian-vector product) per input element.
std::vector<std::vector<Tensor>> jacfwd(const TensorListFn& f, const std::vector<Tensor>& args,
                                        const std::vector<int64_t>& argnums = {0});

/// How many transforms enclose the caller (0 outside any).
int transform_depth();

/// Inside vmap, every entry of t at once: a plain tensor with the mapped dims in front (t itself
/// elsewhere). For checks over values, such as an index range, that must see all the entries.
Tensor all_entries(const Tensor& t);

/// How vmap treats random draws in the mapped function (torch.func's `randomness`).
enum class Randomness { kError, kDifferent, kSame };

/// Maps f over dimension in_dims[i] of args[i] (nullopt: args[i] is shared by every entry) and
/// stacks output i along out_dims[i] (one entry: all outputs). f runs once on batched tensors,
/// or, when it reaches an op without a batching rule, must draw differently per entry, or
/// returns results that require grad (or args do), once per entry.
std::vector<Tensor> vmap(const TensorListFn& f, const std::vector<Tensor>& args,
                         const std::vector<std::optional<int64_t>>& in_dims,
                         const std::vector<int64_t>& out_dims = {0},
                         Randomness randomness = Randomness::kError);

namespace detail {

template <class F, size_t... I>
std::vector<Tensor> call_with(F& f, const std::vector<Tensor>& xs, std::index_sequence<I...>) {
  return {f(xs[I]...)};
}

/// A function of N tensors returning one tensor, as a TensorListFn.
template <size_t N, class F>
TensorListFn as_list_fn(F f) {
  return [f](const std::vector<Tensor>& xs) mutable {
    return call_with(f, xs, std::make_index_sequence<N>());
  };
}

}  // namespace detail

/// grad(f): the function returning the gradient of f (a function of tensors returning a
/// one-element tensor) with respect to its argument `argnum`.
template <class F>
auto grad(F f, int64_t argnum = 0) {
  return [f, argnum](const auto&... xs) {
    auto fn = detail::as_list_fn<sizeof...(xs)>(f);
    return grad_and_value(fn, {xs...}, {argnum}).first[0];
  };
}

/// jacrev(f): the function returning f's Jacobian with respect to argument `argnum`.
template <class F>
auto jacrev(F f, int64_t argnum = 0) {
  return [f, argnum](const auto&... xs) {
    return jacrev(detail::as_list_fn<sizeof...(xs)>(f), {xs...}, {argnum})[0][0];
  };
}

/// jacfwd(f): as jacrev(f), column by column.
template <class F>
auto jacfwd(F f, int64_t argnum = 0) {
  return [f, argnum](const auto&... xs) {
    return jacfwd(detail::as_list_fn<sizeof...(xs)>(f), {xs...}, {argnum})[0][0];
  };
}

/// hessian(f): the Jacobian of the gradient (jacfwd of jacrev) with respect to `argnum`.
template <class F>
auto hessian(F f, int64_t argnum = 0) {
  return jacfwd(jacrev(std::move(f), argnum), argnum);
}

/// vmap(f, in_dims, out_dim): f mapped over a dimension of its tensor arguments.
template <class F>
auto vmap(F f, std::vector<std::optional<int64_t>> in_dims = {0}, int64_t out_dim = 0,
          Randomness randomness = Randomness::kError) {
  return [f, in_dims, out_dim, randomness](const auto&... xs) {
    std::vector<std::optional<int64_t>> dims = in_dims;
    if (dims.size() == 1) dims.assign(sizeof...(xs), in_dims[0]);
    return vmap(detail::as_list_fn<sizeof...(xs)>(f), {xs...}, dims, {out_dim}, randomness)[0];
  };
}

}  // namespace ember::func
