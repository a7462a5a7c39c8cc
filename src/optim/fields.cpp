// Moving optimizer options and state in and out of TensorDicts.
#include "ember/optim/fields.h"

#include <fmt/format.h>

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

}  // namespace ember::optim::detail
