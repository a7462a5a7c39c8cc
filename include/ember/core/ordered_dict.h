#pragma once
/// OrderedDict: entries in insertion order with lookup by key (LibTorch's torch::OrderedDict).
/// Modules hand out their named parameters, buffers and children as one.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ember {

namespace detail {
[[noreturn]] void throw_duplicate_key(std::string_view dict, std::string_view key);
[[noreturn]] void throw_missing_key(std::string_view dict, std::string_view key);
[[noreturn]] void throw_dict_index(std::string_view dict, size_t index, size_t size);
}  // namespace detail

template <typename Key, typename Value>
class OrderedDict {
  static_assert(std::is_convertible_v<const Key&, std::string_view>,
                "OrderedDict keys are strings (they are named in error messages)");

 public:
  /// An entry: a std::pair (`.first`, `.second`, structured bindings) with LibTorch's
  /// `key()` and `value()`.
  class Item : public std::pair<Key, Value> {
   public:
    using std::pair<Key, Value>::pair;
    const Key& key() const noexcept { return this->first; }
    Value& value() noexcept { return this->second; }
    const Value& value() const noexcept { return this->second; }
    const std::pair<Key, Value>& pair() const noexcept { return *this; }
  };
  using key_type = Key;
  using mapped_type = Value;
  using value_type = Item;
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;

  /// An empty dict; `key_description` names it in error messages.
  explicit OrderedDict(std::string key_description = "OrderedDict")
      : description_(std::move(key_description)) {}
  OrderedDict(std::initializer_list<Item> items) : OrderedDict() {
    for (const Item& item : items) insert(item.first, item.second);
  }

  /// Adds a new entry and returns its value; a key already present is a ValueError.
  Value& insert(Key key, Value value) {
    if (contains(key)) detail::throw_duplicate_key(description_, key);
    index_.emplace(key, items_.size());
    return items_.emplace_back(std::move(key), std::move(value)).second;
  }
  /// Adds or replaces an entry (a replaced entry keeps its position).
  Value& insert_or_assign(Key key, Value value) {
    if (Value* old = find(key)) return *old = std::move(value);
    return insert(std::move(key), std::move(value));
  }
  /// insert_or_assign for every entry of other, in its order.
  void update(const OrderedDict& other) {
    for (const Item& item : other) insert_or_assign(item.first, item.second);
  }

  /// The value for key, or null.
  Value* find(const Key& key) noexcept {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const Value* find(const Key& key) const noexcept {
    return const_cast<OrderedDict*>(this)->find(key);
  }
  bool contains(const Key& key) const noexcept { return index_.count(key) != 0; }
  /// The value for key; a missing key is an IndexError (Python's KeyError) naming it.
  Value& at(const Key& key) {
    if (Value* v = find(key)) return *v;
    detail::throw_missing_key(description_, key);
  }
  const Value& at(const Key& key) const { return const_cast<OrderedDict*>(this)->at(key); }
  Value& operator[](const Key& key) { return at(key); }
  const Value& operator[](const Key& key) const { return at(key); }
  /// The entry at a position; out of range is an IndexError.
  Item& operator[](size_t index) {
    if (index >= items_.size()) detail::throw_dict_index(description_, index, items_.size());
    return items_[index];
  }
  const Item& operator[](size_t index) const {
    return const_cast<OrderedDict*>(this)->operator[](index);
  }

  /// Removes the entry for key and returns its value; a missing key is an IndexError.
  Value pop(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) detail::throw_missing_key(description_, key);
    const size_t at = it->second;
    Value value = std::move(items_[at].second);
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(at));
    index_.erase(it);
    for (auto& entry : index_)
      if (entry.second > at) --entry.second;
    return value;
  }
  void clear() noexcept {
    items_.clear();
    index_.clear();
  }
  void reserve(size_t n) {
    items_.reserve(n);
    index_.reserve(n);
  }

  /// The keys, the values and the entries, in insertion order.
  std::vector<Key> keys() const {
    std::vector<Key> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.first);
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.second);
    return out;
  }
  const std::vector<Item>& items() const noexcept { return items_; }
  const std::string& key_description() const noexcept { return description_; }

  size_t size() const noexcept { return items_.size(); }
  bool is_empty() const noexcept { return items_.empty(); }
  bool empty() const noexcept { return items_.empty(); }
  Item& front() { return (*this)[0]; }
  Item& back() { return (*this)[items_.empty() ? 0 : items_.size() - 1]; }
  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }

 private:
  std::string description_;
  std::vector<Item> items_;
  std::unordered_map<Key, size_t> index_;
};

}  // namespace ember
