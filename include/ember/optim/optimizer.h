#pragma once
/// The optimizer base class (LibTorch's torch::optim::Optimizer): parameter groups with their own
/// options, per-parameter state, zero_grad, step, and state dicts.
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/core/tensor_dict.h"
#include "ember/optim/fields.h"

namespace ember::optim {

/// The hyper-parameters of one optimizer (SGDOptions, AdamOptions, ...).
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  /// A copy of the same concrete type.
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  /// The learning rate, which every optimizer has (what LR schedulers read and write).
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  /// Throws a ValueError with PyTorch's message ("Invalid learning rate: -1.0") when a value is
  /// out of range.
  virtual void validate() const = 0;
  /// Writes every hyper-parameter as an entry named prefix + name.
  virtual void save(TensorDict& dict, const std::string& prefix) const = 0;
  /// Reads them back; throws when an entry is missing.
  virtual void load(const TensorDict& dict, const std::string& prefix) = 0;
};

/// Implements clone, the lr accessors, save and load for Derived, which provides `lr()` and
/// `template <class Self, class F> static void fields(Self& self, F& f)` calling f(name, field)
/// for each hyper-parameter.
template <typename Derived>
class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  double get_lr() const override { return static_cast<const Derived&>(*this).lr(); }
  void set_lr(double lr) override { static_cast<Derived&>(*this).lr(lr); }
  void save(TensorDict& dict, const std::string& prefix) const override {
    detail::FieldWriter writer(dict, prefix);
    Derived::fields(static_cast<const Derived&>(*this), writer);
  }
  void load(const TensorDict& dict, const std::string& prefix) override {
    detail::FieldReader reader(dict, prefix);
    Derived::fields(static_cast<Derived&>(*this), reader);
  }
};

/// What an optimizer keeps for one parameter between steps (momentum buffers, moments, step).
class OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  virtual std::unique_ptr<OptimizerParamState> clone() const = 0;
  /// Writes the state as entries named prefix + name (tensors copied; undefined ones left out).
  virtual void save(TensorDict& dict, const std::string& prefix) const = 0;
  /// Reads it back, copying tensors to param's dtype and device and checking their shape.
  virtual void load(const TensorDict& dict, const std::string& prefix, const Tensor& param) = 0;
};

/// Implements OptimizerParamState for Derived through its static `fields` (as for options).
template <typename Derived>
class OptimizerCloneableParamState : public OptimizerParamState {
 public:
  std::unique_ptr<OptimizerParamState> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  void save(TensorDict& dict, const std::string& prefix) const override {
    detail::FieldWriter writer(dict, prefix);
    Derived::fields(static_cast<const Derived&>(*this), writer);
  }
  void load(const TensorDict& dict, const std::string& prefix, const Tensor& param) override {
    detail::FieldReader reader(dict, prefix, param);
    Derived::fields(static_cast<Derived&>(*this), reader);
  }
};

/// Parameters optimized with one set of options; a group without options takes a copy of the
/// optimizer's defaults when added.
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  /// A group with a copy of options: `OptimizerParamGroup({w}, AdamOptions(0.1))`.
  template <typename Options,
            std::enable_if_t<std::is_base_of_v<OptimizerOptions, Options>, int> = 0>
  OptimizerParamGroup(std::vector<Tensor> params, const Options& options)
      : OptimizerParamGroup(std::move(params), options.clone()) {}
  /// Copies clone the options.
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) noexcept = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) noexcept = default;

  bool has_options() const { return options_ != nullptr; }
  /// The group's options; throws when it has none.
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

/// Updates parameters from their gradients. Subclasses supply the update rule for one parameter.
class Optimizer {
 public:
  /// Re-evaluates the model and returns the loss, for step(closure).
  using LossClosure = std::function<Tensor()>;
  /// Per-parameter state, keyed by the parameter's TensorImpl; filled in by step().
  using StateMap = std::unordered_map<const TensorImpl*, std::unique_ptr<OptimizerParamState>>;

  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual ~Optimizer() = default;

  /// Adds a group (a copy of the defaults when it has no options). Throws a ValueError for a
  /// parameter already optimized, a non-leaf or undefined tensor; a TypeError for options of
  /// another optimizer.
  void add_param_group(const OptimizerParamGroup& group);
  /// Resets every parameter's gradient: to undefined, or else to zeros in place (detached).
  void zero_grad(bool set_to_none = true);
  /// Calls closure (if any) with grad mode on, then updates, without recording history, every
  /// parameter whose grad is defined. Returns the closure's loss (undefined without one).
  virtual Tensor step(LossClosure closure = nullptr);

  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  /// The options groups without their own take a copy of.
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  StateMap& state() noexcept { return state_; }
  const StateMap& state() const noexcept { return state_; }

  /// A snapshot of the state as PyTorch lays it out, parameters numbered across groups in order:
  /// `state.<i>.<name>` (tensors copied; `step` as 0-dim int64) and `param_groups.<g>.<name>`
  /// (0-dim float64 numbers, int64 flags, 1-D `betas`, and `params`: the group's indices).
  TensorDict state_dict() const;
  /// Restores hyper-parameters and state saved by state_dict() of an optimizer of the same type
  /// over parameters of the same shapes, matched by position. Throws a ValueError when the group
  /// count, a group's size or a state tensor's shape differs; changes nothing then.
  void load_state_dict(const TensorDict& dict);

 protected:
  /// name is the optimizer's type ("Adam"), used in messages; defaults are validated.
  Optimizer(std::string name, std::vector<OptimizerParamGroup> param_groups,
            std::unique_ptr<OptimizerOptions> defaults);
  /// Updates one parameter in place from grad (called with grad mode off).
  virtual void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                      const OptimizerOptions& options) = 0;
  /// A fresh state of this optimizer's type; update() fills it on a parameter's first step.
  virtual std::unique_ptr<OptimizerParamState> make_state() const = 0;

 private:
  std::string name_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<OptimizerParamGroup> param_groups_;
  StateMap state_;
};

/// What optimizers have alike, given the optimizer's options and per-parameter state types: the
/// two constructors (groups, or one list of parameters, with defaults) and the state factory.
/// Derived names itself in kName and supplies update().
template <typename Derived, typename Options, typename ParamState>
class OptimizerOf : public Optimizer {
 public:
  /// Groups without options use `defaults`; throws a ValueError for invalid hyper-parameters.
  OptimizerOf(std::vector<OptimizerParamGroup> param_groups, Options defaults = {})
      : Optimizer(Derived::kName, std::move(param_groups), std::make_unique<Options>(defaults)) {}
  /// One group of params with `defaults`.
  OptimizerOf(std::vector<Tensor> params, Options defaults = {})
      : OptimizerOf(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
                    defaults) {}

 protected:
  /// An empty state, filled on the parameter's first step.
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<ParamState>();
  }
};

}  // namespace ember::optim
