// Moving optimizer options and state in and out of TensorDicts.
#include "ember/optim/fields.h"

#include <fmt/format.h>

#include <algorithm>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"

namespace ember::optim::detail {

void FieldWriter::operator()(std::string_view name, double value) {
  dict_.insert(prefix_ + std::string(name), full(IntArrayRef{}, value, TensorOptions(kFloat64)));
}

void FieldWriter::operator()(std::string_view name, int64_t value) {
  dict_.insert(prefix_ + std::string(name), full(IntArrayRef{}, value, TensorOptions(kInt64)));
}

void FieldWriter::operator()(std::string_view name, bool value) { (*this)(name, int64_t{value}); }

void FieldWriter::operator()(std::string_view name, const std::tuple<double, double>& value) {
  dict_.insert(prefix_ + std::string(name),
               tensor({std::get<0>(value), std::get<1>(value)}, TensorOptions(kFloat64)));
}

void FieldWriter::operator()(std::string_view name, const Tensor& value) {
  if (!value.defined()) return;
  // A copy, so that the snapshot does not change as training goes on.
  NoGradGuard no_grad;
  dict_.insert(prefix_ + std::string(name), value.clone());
}

void FieldWriter::operator()(std::string_view name, const std::optional<int64_t>& value) {
  if (value) (*this)(name, *value);
}

void FieldWriter::operator()(std::string_view name, const std::optional<std::string>& value) {
  if (!value) return;
  Tensor chars = empty({static_cast<int64_t>(value->size())}, TensorOptions(kInt64));
  std::copy(value->begin(), value->end(), chars.data_ptr<int64_t>());
  dict_.insert(prefix_ + std::string(name), chars);
}

void FieldWriter::operator()(std::string_view name, const std::deque<Tensor>& value) {
  for (size_t i = 0; i < value.size(); ++i) (*this)(fmt::format("{}.{}", name, i), value[i]);
}

void FieldWriter::operator()(std::string_view name,
                             const std::optional<std::vector<Tensor>>& value) {
  if (!value) return;
  // The list's length is kept too: its entries may be undefined.
  (*this)(fmt::format("{}.size", name), static_cast<int64_t>(value->size()));
  for (size_t i = 0; i < value->size(); ++i) (*this)(fmt::format("{}.{}", name, i), (*value)[i]);
}

const Tensor& FieldReader::number(std::string_view name, int64_t numel) {
  const std::string key = prefix_ + std::string(name);
  const Tensor* t = dict_.find(key);
  if (!t)
    throw Error(fmt::format("load_state_dict: the state dict has no entry '{}'", key),
                ErrorKind::Index);
  if (!t->defined() || t->numel() != numel)
    throw Error(
        fmt::format("load_state_dict: '{}' should hold {} number{} but has shape {}", key, numel,
                    numel == 1 ? "" : "s", t->defined() ? shape_str(t->sizes()) : "undefined"),
        ErrorKind::Value);
  return *t;
}

void FieldReader::operator()(std::string_view name, double& value) {
  value = number(name, 1).item().to_double();
}

void FieldReader::operator()(std::string_view name, int64_t& value) {
  value = number(name, 1).item().to_long();
}

void FieldReader::operator()(std::string_view name, bool& value) {
  value = number(name, 1).item().to_double() != 0;
}

void FieldReader::operator()(std::string_view name, std::tuple<double, double>& value) {
  const Tensor pair = number(name, 2).to(kFloat64).contiguous();
  value = {pair.data_ptr<double>()[0], pair.data_ptr<double>()[1]};
}

void FieldReader::operator()(std::string_view name, Tensor& value) {
  const std::string key = prefix_ + std::string(name);
  const Tensor* t = dict_.find(key);
  if (!t || !t->defined()) {
    value = Tensor();
    return;
  }
  NoGradGuard no_grad;
  if (!like_.defined()) {
    value = t->clone();
    return;
  }
  if (t->sizes() != like_.sizes())
    throw Error(fmt::format("load_state_dict: '{}' has shape {} but its parameter has shape {}",
                            key, shape_str(t->sizes()), shape_str(like_.sizes())),
                ErrorKind::Value);
  // A fresh tensor in the parameter's dtype and device (PyTorch casts floating-point state so),
  // never sharing memory with the dict.
  value = empty_like(like_);
  value.copy_(*t);
}

void FieldReader::operator()(std::string_view name, std::optional<int64_t>& value) {
  if (dict_.contains(prefix_ + std::string(name))) {
    int64_t v = 0;
    (*this)(name, v);
    value = v;
  } else {
    value = std::nullopt;
  }
}

void FieldReader::operator()(std::string_view name, std::optional<std::string>& value) {
  const Tensor* t = dict_.find(prefix_ + std::string(name));
  if (!t || !t->defined()) {
    value = std::nullopt;
    return;
  }
  const Tensor chars = t->to(kInt64).contiguous();
  const int64_t* data = chars.data_ptr<int64_t>();
  value = std::string(data, data + chars.numel());
}

void FieldReader::operator()(std::string_view name, std::deque<Tensor>& value) {
  value.clear();
  for (size_t i = 0; dict_.contains(fmt::format("{}{}.{}", prefix_, name, i)); ++i)
    (*this)(fmt::format("{}.{}", name, i), value.emplace_back());
}

void FieldReader::operator()(std::string_view name, std::optional<std::vector<Tensor>>& value) {
  std::optional<int64_t> size;
  (*this)(fmt::format("{}.size", name), size);
  if (!size) {
    value = std::nullopt;
    return;
  }
  value.emplace(static_cast<size_t>(std::max<int64_t>(*size, 0)));
  for (size_t i = 0; i < value->size(); ++i) (*this)(fmt::format("{}.{}", name, i), (*value)[i]);
}

}  // namespace ember::optim::detail
