// The optimizer base: parameter groups, the step loop, zero_grad and state dicts.
#include "ember/optim/optimizer.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <typeinfo>
#include <unordered_set>
#include <utility>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"

namespace ember::optim {

namespace {

// For keys `<head><index>.<rest>`: the index and the rest; nullopt for other keys.
std::optional<std::pair<int64_t, std::string_view>> split_key(std::string_view key,
                                                              std::string_view head) {
  if (key.substr(0, head.size()) != head) return std::nullopt;
  key.remove_prefix(head.size());
  int64_t index = -1;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (ec != std::errc() || index < 0 || end == key.data() + key.size() || *end != '.')
    return std::nullopt;
  std::string_view rest(end + 1, key.data() + key.size() - end - 1);
  if (rest.empty()) return std::nullopt;
  return std::make_pair(index, rest);
}

Error value_error(std::string message) { return Error(std::move(message), ErrorKind::Value); }

}  // namespace

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  return const_cast<OptimizerOptions&>(static_cast<const OptimizerParamGroup&>(*this).options());
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  if (!options_) throw Error("OptimizerParamGroup: the group has no options");
  return *options_;
}

Optimizer::Optimizer(std::string name, std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {
  defaults_->validate();
  size_t count = 0;
  for (const OptimizerParamGroup& group : param_groups) count += group.params().size();
  if (count == 0) throw value_error("optimizer got an empty parameter list");
  for (const OptimizerParamGroup& group : param_groups) add_param_group(group);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
  std::unordered_set<const TensorImpl*> existing, added;
  for (const OptimizerParamGroup& g : param_groups_)
    for (const Tensor& p : g.params()) existing.insert(p.unsafe_impl());
  for (const Tensor& p : group.params()) {
    if (!p.defined())
      throw Error("optimizer can only optimize Tensors, but one of the params is undefined",
                  ErrorKind::Type);
    if (!p.is_leaf()) throw value_error("can't optimize a non-leaf Tensor");
    // PyTorch only warns here, and would then update the parameter twice per step.
    if (!added.insert(p.unsafe_impl()).second)
      throw value_error("optimizer contains a parameter group with duplicate parameters");
    if (existing.count(p.unsafe_impl()))
      throw value_error("some parameters appear in more than one parameter group");
  }
  std::unique_ptr<OptimizerOptions> options;
  if (group.has_options()) {
    if (typeid(group.options()) != typeid(*defaults_))
      throw Error(
          fmt::format("{}: a parameter group's options belong to another optimizer type", name_),
          ErrorKind::Type);
    group.options().validate();
    options = group.options().clone();
  } else {
    options = defaults_->clone();
  }
  param_groups_.emplace_back(group.params(), std::move(options));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (OptimizerParamGroup& group : param_groups_) {
    for (Tensor& p : group.params()) {
      Tensor& grad = p.mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad = Tensor();
        continue;
      }
      // A gradient made with create_graph carries history; zeroing it must not record any.
      if (grad.grad_fn())
        grad.detach_();
      else
        grad.requires_grad_(false);
      grad.zero_();
    }
  }
}

Tensor Optimizer::step(LossClosure closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard enable_grad;
    loss = closure();
  }
  NoGradGuard no_grad;
  // Checked up front so that a bad gradient leaves every parameter untouched.
  int64_t index = 0;
  for (const OptimizerParamGroup& group : param_groups_) {
    for (const Tensor& p : group.params()) {
      const Tensor& grad = p.grad();
      if (grad.defined() &&
          (grad.sizes() != p.sizes() || grad.dtype() != p.dtype() || grad.device() != p.device()))
        throw Error(fmt::format("{}.step: parameter {} is {} {} but its gradient is {} {}", name_,
                                index, dtype_name(p.dtype()), shape_str(p.sizes()),
                                dtype_name(grad.dtype()), shape_str(grad.sizes())));
      ++index;
    }
  }
  for (OptimizerParamGroup& group : param_groups_) {
    for (Tensor& p : group.params()) {
      const Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      std::unique_ptr<OptimizerParamState>& state = state_[p.unsafe_impl()];
      if (!state) state = make_state();
      update(p, grad, *state, group.options());
    }
  }
  return loss;
}

TensorDict Optimizer::state_dict() const {
  TensorDict dict;
  int64_t index = 0;
  for (const OptimizerParamGroup& group : param_groups_) {
    for (const Tensor& p : group.params()) {
      if (auto it = state_.find(p.unsafe_impl()); it != state_.end())
        it->second->save(dict, fmt::format("state.{}.", index));
      ++index;
    }
  }
  index = 0;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const OptimizerParamGroup& group = param_groups_[g];
    const std::string prefix = fmt::format("param_groups.{}.", g);
    group.options().save(dict, prefix);
    const auto count = static_cast<int64_t>(group.params().size());
    dict.insert(prefix + "params", arange(index, index + count, 1, TensorOptions(kInt64)));
    index += count;
  }
  return dict;
}

void Optimizer::load_state_dict(const TensorDict& dict) {
  size_t saved_groups = 0;
  for (const auto& [key, value] : dict) {
    auto parsed = split_key(key, "param_groups.");
    if (key.rfind("param_groups.", 0) == 0 && !parsed)
      throw value_error(fmt::format("load_state_dict: unexpected entry '{}'", key));
    if (parsed && parsed->second == "params") ++saved_groups;
  }
  if (saved_groups != param_groups_.size())
    throw value_error("loaded state dict has a different number of parameter groups");

  // Everything is read into new objects first, so that a failure changes nothing.
  std::unordered_map<int64_t, const Tensor*> params_by_id;
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const std::string prefix = fmt::format("param_groups.{}.", g);
    const Tensor* ids = dict.find(prefix + "params");
    if (!ids) throw value_error(fmt::format("load_state_dict: no entry '{}params'", prefix));
    const std::vector<Tensor>& params = param_groups_[g].params();
    if (ids->dim() != 1 || ids->numel() != static_cast<int64_t>(params.size()))
      throw value_error(
          "loaded state dict contains a parameter group that doesn't match the size of "
          "optimizer's group");
    const Tensor id_values = ids->to(kInt64).contiguous();
    for (size_t i = 0; i < params.size(); ++i)
      params_by_id[id_values.data_ptr<int64_t>()[i]] = &params[i];
    options.push_back(defaults_->clone());
    options.back()->load(dict, prefix);
    options.back()->validate();
  }
  StateMap state;
  for (const auto& [key, value] : dict) {
    if (key.rfind("state.", 0) != 0) continue;
    auto parsed = split_key(key, "state.");
    if (!parsed) throw value_error(fmt::format("load_state_dict: unexpected entry '{}'", key));
    auto it = params_by_id.find(parsed->first);
    if (it == params_by_id.end())
      throw value_error(fmt::format("load_state_dict: '{}' belongs to no parameter", key));
    const Tensor& param = *it->second;
    std::unique_ptr<OptimizerParamState>& slot = state[param.unsafe_impl()];
    if (slot) continue;
    slot = make_state();
    slot->load(dict, fmt::format("state.{}.", parsed->first), param);
  }
  for (size_t g = 0; g < param_groups_.size(); ++g)
    param_groups_[g].set_options(std::move(options[g]));
  state_ = std::move(state);
}

}  // namespace ember::optim
