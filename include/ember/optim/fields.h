#pragma once
/// The plumbing behind optimizer options and per-parameter state: LibTorch-style chained
/// accessors, and the writer and reader that move named fields in and out of a TensorDict.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_dict.h"

namespace ember::optim::detail {

/// Writes fields as entries named prefix + name: numbers as 0-dim float64 tensors, integers and
/// flags as 0-dim int64 tensors, pairs as 1-D float64 tensors, and tensors as copies (undefined
/// tensors are left out), absent optionals left out, strings as 1-D int64 tensors of their
/// characters, and lists of tensors as entries name.0, name.1, ...
class FieldWriter {
 public:
  FieldWriter(TensorDict& dict, std::string prefix) : dict_(dict), prefix_(std::move(prefix)) {}
  void operator()(std::string_view name, double value);
  void operator()(std::string_view name, int64_t value);
  void operator()(std::string_view name, bool value);
  void operator()(std::string_view name, const std::tuple<double, double>& value);
  void operator()(std::string_view name, const Tensor& value);
  void operator()(std::string_view name, const std::optional<int64_t>& value);
  void operator()(std::string_view name, const std::optional<std::string>& value);
  void operator()(std::string_view name, const std::deque<Tensor>& value);
  void operator()(std::string_view name, const std::optional<std::vector<Tensor>>& value);

 private:
  TensorDict& dict_;
  std::string prefix_;
};

/// Reads fields written by FieldWriter. Numbers must be present; a missing tensor stays undefined,
/// a missing optional empty.
/// Tensors are copied to `like`'s dtype and device, and must have its shape, when `like` is given.
class FieldReader {
 public:
  FieldReader(const TensorDict& dict, std::string prefix, Tensor like = {})
      : dict_(dict), prefix_(std::move(prefix)), like_(std::move(like)) {}
  void operator()(std::string_view name, double& value);
  void operator()(std::string_view name, int64_t& value);
  void operator()(std::string_view name, bool& value);
  void operator()(std::string_view name, std::tuple<double, double>& value);
  void operator()(std::string_view name, Tensor& value);
  void operator()(std::string_view name, std::optional<int64_t>& value);
  void operator()(std::string_view name, std::optional<std::string>& value);
  void operator()(std::string_view name, std::deque<Tensor>& value);
  void operator()(std::string_view name, std::optional<std::vector<Tensor>>& value);

 private:
  /// The entry prefix + name, checked to hold `numel` elements; throws when it is missing.
  const Tensor& number(std::string_view name, int64_t numel);
  const TensorDict& dict_;
  std::string prefix_;
  Tensor like_;
};

}  // namespace ember::optim::detail
