#include "ember/nn/utils/stateless.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_set>

#include "ember/core/error.h"

namespace ember::nn::utils::stateless::detail {
namespace {

std::string quoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out;
}

// Every slot under every name it is reachable by: a module registered twice is walked twice,
// so each of its names counts (torch accepts either path).
void collect_slots(Module& module, const std::string& prefix, std::vector<const Module*>& path,
                   std::map<std::string, Tensor*>& slots) {
  path.push_back(&module);
  for (const auto& [name, slot] : module.named_tensor_slots()) slots.emplace(prefix + name, slot);
  for (const auto& [name, child] : module.named_children())
    if (std::find(path.begin(), path.end(), child.get()) == path.end())
      collect_slots(*child, prefix + name + ".", path, slots);
  path.pop_back();
}

}  // namespace

Reparametrization::Reparametrization(Module& module, const TensorMap& tensors) {
  std::map<std::string, Tensor*> slots;
  std::vector<const Module*> path;
  collect_slots(module, "", path, slots);

  std::vector<std::string> unexpected;
  for (const auto& item : tensors)
    if (!slots.count(item.first)) unexpected.push_back(item.first);
  if (!unexpected.empty()) {
    std::sort(unexpected.begin(), unexpected.end());
    throw Error(fmt::format("Error(s) in reparametrizing for {}:\n\tUnexpected key(s): {}.",
                            module.name(), quoted(unexpected)),
                ErrorKind::Runtime);
  }

  // What replaces each of the module's tensors, by the tensor: tied names share one entry.
  std::unordered_map<const TensorImpl*, std::pair<std::string, Tensor>> replacement;
  std::vector<std::string> names;
  for (const auto& item : tensors) names.push_back(item.first);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const Tensor& value = tensors.at(name);
    auto [it, fresh] = replacement.try_emplace(slots.at(name)->unsafe_impl(), name, value);
    if (!fresh && !it->second.second.is_same(value))
      throw Error(fmt::format("functional_call got multiple values for keys ['{}', '{}'], which "
                              "are tied; pass one tensor for them",
                              it->second.first, name),
                  ErrorKind::Value);
  }
  // Planned before any slot changes, so a given tensor that is also one of the module's own
  // (swapping two weights) is not taken for it.
  std::unordered_set<Tensor*> planned;
  std::vector<std::pair<Tensor*, Tensor>> plan;
  for (const auto& item : slots) {
    Tensor* slot = item.second;
    auto it = replacement.find(slot->unsafe_impl());
    if (it != replacement.end() && planned.insert(slot).second)
      plan.emplace_back(slot, it->second.second);
  }
  for (auto& [slot, value] : plan) {
    saved_.emplace_back(slot, *slot);
    *slot = std::move(value);
  }
}

Reparametrization::~Reparametrization() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) *it->first = std::move(it->second);
}

}  // namespace ember::nn::utils::stateless::detail
