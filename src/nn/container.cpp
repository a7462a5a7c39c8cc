// Sequential and ModuleList.
#include "ember/nn/modules/container.h"

#include <fmt/format.h>

namespace ember::nn {

void detail::ModuleSequence::push_back(std::shared_ptr<Module> module) {
  push_back_named(std::to_string(modules_.size()), std::move(module));
}

void detail::ModuleSequence::push_back_named(std::string name, std::shared_ptr<Module> module) {
  register_module(std::move(name), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::extend(const ModuleListImpl& other) {
  // Copy first: other may be this list.
  const std::vector<std::shared_ptr<Module>> added(other.begin(), other.end());
  for (const auto& module : added) push_back(module);
}

std::shared_ptr<Module> detail::ModuleSequence::operator[](int64_t index) const {
  const auto n = static_cast<int64_t>(modules_.size());
  if (index < -n || index >= n)
    throw Error(fmt::format("{}: index {} is out of range for {} modules", name(), index, n),
                ErrorKind::Index);
  return modules_[static_cast<size_t>(index < 0 ? index + n : index)];
}

void SequentialImpl::push_back(std::string name, std::shared_ptr<Module> module) {
  push_back_named(std::move(name), std::move(module));
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& module : *this) x = module->forward(x);
  return x;
}

}  // namespace ember::nn
