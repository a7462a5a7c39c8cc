#pragma once
/// Named tensors in insertion order: module state dicts, optimizer state and checkpoints.
#include <initializer_list>
#include <string>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember {

class TensorDict : public OrderedDict<std::string, Tensor> {
 public:
  TensorDict() : OrderedDict("TensorDict") {}
  TensorDict(std::initializer_list<Item> items) : TensorDict() {
    for (const Item& item : items) insert(item.first, item.second);
  }
};

}  // namespace ember
