#pragma once
/// Named tensors in insertion order: module state dicts, optimizer state and checkpoints.
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

class TensorDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  TensorDict() = default;
  TensorDict(std::initializer_list<Item> items);

  /// Adds a new entry; throws when key is already present.
  void insert(std::string key, Tensor value);
  /// Adds or replaces an entry (a replaced entry keeps its position).
  void insert_or_assign(std::string key, Tensor value);
  bool contains(std::string_view key) const { return index_.count(std::string(key)) != 0; }
  /// The entry for key, or null.
  const Tensor* find(std::string_view key) const;
  /// The entry for key; throws an IndexError (Python's KeyError) naming it when missing.
  const Tensor& at(std::string_view key) const;
  Tensor& at(std::string_view key);
  /// The keys in insertion order.
  std::vector<std::string> keys() const;

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace ember
