#include "ember/core/tensor_dict.h"

#include "core/check.h"

namespace ember {

TensorDict::TensorDict(std::initializer_list<Item> items) {
  for (const Item& item : items) insert(item.first, item.second);
}

void TensorDict::insert(std::string key, Tensor value) {
  EMBER_CHECK_VALUE(!contains(key), "TensorDict: duplicate key '{}'", key);
  index_.emplace(key, items_.size());
  items_.emplace_back(std::move(key), std::move(value));
}

void TensorDict::insert_or_assign(std::string key, Tensor value) {
  if (auto it = index_.find(key); it != index_.end()) {
    items_[it->second].second = std::move(value);
    return;
  }
  insert(std::move(key), std::move(value));
}

const Tensor* TensorDict::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

const Tensor& TensorDict::at(std::string_view key) const {
  const Tensor* t = find(key);
  EMBER_CHECK_INDEX(t, "TensorDict: no entry named '{}'", key);
  return *t;
}

Tensor& TensorDict::at(std::string_view key) {
  return const_cast<Tensor&>(static_cast<const TensorDict&>(*this).at(key));
}

std::vector<std::string> TensorDict::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const Item& item : items_) out.push_back(item.first);
  return out;
}

}  // namespace ember
