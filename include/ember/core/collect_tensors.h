#pragma once
/// Gathers the tensors among a call's arguments or a function's result (a Tensor, a vector of
/// them, or a tuple of those; anything else holds none), for code that wraps calls: activation
/// checkpointing, DistributedDataParallel.
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::detail {

inline void collect_tensors(std::vector<Tensor>& out, const Tensor& t) { out.push_back(t); }
inline void collect_tensors(std::vector<Tensor>& out, const std::vector<Tensor>& ts) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <class... Ts>
void collect_tensors(std::vector<Tensor>& out, const std::tuple<Ts...>& tuple);
template <class T>
void collect_tensors(std::vector<Tensor>&, const T&) {}
template <class... Ts>
void collect_tensors(std::vector<Tensor>& out, const std::tuple<Ts...>& tuple) {
  std::apply([&](const auto&... t) { (collect_tensors(out, t), ...); }, tuple);
}

}  // namespace ember::detail
