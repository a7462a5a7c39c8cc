// The recurrent layers: parameters, initialization and printing; the math is in
// functional_recurrent.cpp.
#include "ember/nn/modules/rnn.h"

#include <fmt/format.h>

#include <cmath>

#include "ember/nn/init.h"
#include "ember/nn/recurrent.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

[[noreturn]] void value_error(std::string message) {
  throw Error(std::move(message), ErrorKind::Value);
}

const char* nonlinearity_name(RNNNonlinearity v) {
  return v == RNNNonlinearity::Tanh ? "tanh" : "relu";
}

// Uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)], PyTorch's choice for every weight.
void init_recurrent(const std::vector<Tensor*>& weights, int64_t hidden_size) {
  std::vector<Tensor> handles;
  for (Tensor* w : weights) handles.push_back(*w);
  init::_reset_recurrent_(handles, hidden_size);
}

void check_sizes(const char* name, int64_t input_size, int64_t hidden_size) {
  if (input_size < 0 || hidden_size <= 0)
    value_error(
        fmt::format("{}: input_size must be non-negative and hidden_size positive, but "
                    "got input_size={}, hidden_size={}",
                    name, input_size, hidden_size));
}

}  // namespace

// ---- RNN, LSTM, GRU --------------------------------------------------------------------------

RNNImplBase::RNNImplBase(std::string name, Config c) : Module(name), config_(std::move(c)) {
  check_sizes(name.c_str(), config_.input_size, config_.hidden_size);
  if (config_.num_layers <= 0)
    value_error(fmt::format("{}: num_layers must be greater than zero, but got {}", name,
                            config_.num_layers));
  if (!(config_.dropout >= 0 && config_.dropout <= 1))
    value_error(
        fmt::format("{}: dropout should be a number in range [0, 1] representing the "
                    "probability of an element being zeroed, but got {}",
                    name, config_.dropout));
  if (config_.proj_size < 0)
    value_error(
        fmt::format("{}: proj_size should be a positive integer or zero to disable "
                    "projections, but got {}",
                    name, config_.proj_size));
  if (config_.proj_size >= config_.hidden_size)
    value_error(
        fmt::format("{}: proj_size has to be smaller than hidden_size, but got "
                    "proj_size={}, hidden_size={}",
                    name, config_.proj_size, config_.hidden_size));
  const int64_t directions = config_.bidirectional ? 2 : 1;
  const int64_t gate_size = config_.gates * config_.hidden_size;
  const int64_t real_hidden = config_.proj_size > 0 ? config_.proj_size : config_.hidden_size;
  for (int64_t layer = 0; layer < config_.num_layers; ++layer) {
    for (int64_t direction = 0; direction < directions; ++direction) {
      const int64_t in = layer == 0 ? config_.input_size : real_hidden * directions;
      const std::string suffix = fmt::format("_l{}{}", layer, direction == 1 ? "_reverse" : "");
      weights_.push_back(&register_parameter("weight_ih" + suffix, empty({gate_size, in})));
      weights_.push_back(
          &register_parameter("weight_hh" + suffix, empty({gate_size, real_hidden})));
      if (config_.bias) {
        weights_.push_back(&register_parameter("bias_ih" + suffix, empty({gate_size})));
        weights_.push_back(&register_parameter("bias_hh" + suffix, empty({gate_size})));
      }
      if (config_.proj_size > 0)
        weights_.push_back(&register_parameter("weight_hr" + suffix,
                                               empty({config_.proj_size, config_.hidden_size})));
    }
  }
  reset_parameters();
}

void RNNImplBase::reset_parameters() { init_recurrent(weights_, config_.hidden_size); }

std::vector<Tensor> RNNImplBase::all_weights() const {
  std::vector<Tensor> out;
  for (const Tensor* w : weights_) out.push_back(*w);
  return out;
}

Tensor RNNImplBase::permute_hidden(const Tensor& hx, const Tensor& permutation) {
  if (!hx.defined() || !permutation.defined() || hx.dim() != 3 || hx.size(1) != permutation.numel())
    return hx;
  return hx.index_select(1, permutation);
}

std::string RNNImplBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", config_.input_size, config_.hidden_size);
  if (config_.proj_size != 0) s += fmt::format(", proj_size={}", config_.proj_size);
  if (config_.num_layers != 1) s += fmt::format(", num_layers={}", config_.num_layers);
  if (!config_.bias) s += ", bias=False";
  if (config_.batch_first) s += ", batch_first=True";
  if (config_.dropout != 0) s += fmt::format(", dropout={}", config_.dropout);
  if (config_.bidirectional) s += ", bidirectional=True";
  return s;
}

namespace {
template <typename Options>
RNNImplBase::Config common(const Options& o, int64_t gates, int64_t proj_size) {
  return {o.input_size(), o.hidden_size(),   o.num_layers(), o.bias(), o.batch_first(),
          o.dropout(),    o.bidirectional(), proj_size,      gates};
}
}  // namespace

RNNImpl::RNNImpl(const RNNOptions& o) : RNNImplBase("RNN", common(o, 1, 0)), options(o) {}

namespace {
// The two activations' functions, padded and packed (rnn_tanh and rnn_relu are overloaded).
using PaddedRun = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Tensor&, TensorList, bool,
                                                 int64_t, double, bool, bool, bool);
using PackedRun = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Tensor&, const Tensor&,
                                                 TensorList, bool, int64_t, double, bool, bool);
}  // namespace

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& hx) {
  const PaddedRun run = options.nonlinearity() == RNNNonlinearity::Tanh
                            ? PaddedRun(functional::rnn_tanh)
                            : PaddedRun(functional::rnn_relu);
  return run(input, hx, all_weights(), options.bias(), options.num_layers(), active_dropout(),
             is_training(), options.bidirectional(), options.batch_first());
}

std::tuple<utils::rnn::PackedSequence, Tensor> RNNImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& packed_input, Tensor hx) {
  const PackedRun run = options.nonlinearity() == RNNNonlinearity::Tanh
                            ? PackedRun(functional::rnn_tanh)
                            : PackedRun(functional::rnn_relu);
  auto [output, h_n] =
      run(packed_input.data(), packed_input.batch_sizes(),
          permute_hidden(hx, packed_input.sorted_indices()), all_weights(), options.bias(),
          options.num_layers(), active_dropout(), is_training(), options.bidirectional());
  return {
      utils::rnn::PackedSequence(output, packed_input.batch_sizes(), packed_input.sorted_indices(),
                                 packed_input.unsorted_indices()),
      permute_hidden(h_n, packed_input.unsorted_indices())};
}

LSTMImpl::LSTMImpl(const LSTMOptions& o)
    : RNNImplBase("LSTM", common(o, 4, o.proj_size())), options(o) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(
    const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx) {
  std::vector<Tensor> state;
  if (hx) state = {std::get<0>(*hx), std::get<1>(*hx)};
  auto [output, h, c] = functional::lstm(input, state, all_weights(), options.bias(),
                                         options.num_layers(), active_dropout(), is_training(),
                                         options.bidirectional(), options.batch_first());
  return {output, {h, c}};
}

std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>>
LSTMImpl::forward_with_packed_input(const utils::rnn::PackedSequence& packed_input,
                                    std::optional<std::tuple<Tensor, Tensor>> hx) {
  const Tensor& sorted = packed_input.sorted_indices();
  const Tensor& unsorted = packed_input.unsorted_indices();
  std::vector<Tensor> state;
  if (hx)
    state = {permute_hidden(std::get<0>(*hx), sorted), permute_hidden(std::get<1>(*hx), sorted)};
  auto [output, h, c] = functional::lstm(packed_input.data(), packed_input.batch_sizes(), state,
                                         all_weights(), options.bias(), options.num_layers(),
                                         active_dropout(), is_training(), options.bidirectional());
  return {utils::rnn::PackedSequence(output, packed_input.batch_sizes(), sorted, unsorted),
          {permute_hidden(h, unsorted), permute_hidden(c, unsorted)}};
}

GRUImpl::GRUImpl(const GRUOptions& o) : RNNImplBase("GRU", common(o, 3, 0)), options(o) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx) {
  return functional::gru(input, hx, all_weights(), options.bias(), options.num_layers(),
                         active_dropout(), is_training(), options.bidirectional(),
                         options.batch_first());
}

std::tuple<utils::rnn::PackedSequence, Tensor> GRUImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& packed_input, Tensor hx) {
  auto [output, h_n] = functional::gru(packed_input.data(), packed_input.batch_sizes(),
                                       permute_hidden(hx, packed_input.sorted_indices()),
                                       all_weights(), options.bias(), options.num_layers(),
                                       active_dropout(), is_training(), options.bidirectional());
  return {
      utils::rnn::PackedSequence(output, packed_input.batch_sizes(), packed_input.sorted_indices(),
                                 packed_input.unsorted_indices()),
      permute_hidden(h_n, packed_input.unsorted_indices())};
}

// ---- The cells -------------------------------------------------------------------------------

RNNCellImplBase::RNNCellImplBase(std::string name, int64_t input_size, int64_t hidden_size,
                                 bool bias, int64_t gates, std::string nonlinearity)
    : Module((check_sizes(name.c_str(), input_size, hidden_size), name)),
      weight_ih(register_parameter("weight_ih", empty({gates * hidden_size, input_size}))),
      weight_hh(register_parameter("weight_hh", empty({gates * hidden_size, hidden_size}))),
      bias_ih(register_parameter("bias_ih", bias ? empty({gates * hidden_size}) : Tensor())),
      bias_hh(register_parameter("bias_hh", bias ? empty({gates * hidden_size}) : Tensor())),
      input_size_(input_size),
      hidden_size_(hidden_size),
      nonlinearity_(std::move(nonlinearity)) {
  reset_parameters();
}

void RNNCellImplBase::reset_parameters() {
  std::vector<Tensor*> weights{&weight_ih, &weight_hh};
  if (bias_ih.defined()) weights.insert(weights.end(), {&bias_ih, &bias_hh});
  init_recurrent(weights, hidden_size_);
}

std::string RNNCellImplBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", input_size_, hidden_size_);
  if (!bias_ih.defined()) s += ", bias=False";
  if (!nonlinearity_.empty() && nonlinearity_ != "tanh") s += ", nonlinearity=" + nonlinearity_;
  return s;
}

Tensor RNNCellImplBase::state_or_zeros(const Tensor& input, const Tensor& hx,
                                       const char* what) const {
  if (input.dim() != 1 && input.dim() != 2)
    value_error(fmt::format("{}: Expected input to be 1-D or 2-D but received {}-D tensor", what,
                            input.dim()));
  if (hx.defined()) return hx;
  return input.dim() == 2 ? zeros({input.size(0), hidden_size_}, input.options())
                          : zeros({hidden_size_}, input.options());
}

RNNCellImpl::RNNCellImpl(const RNNCellOptions& o)
    : RNNCellImplBase("RNNCell", o.input_size(), o.hidden_size(), o.bias(), 1,
                      nonlinearity_name(o.nonlinearity())),
      options(o) {}

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& hx) {
  const Tensor h = state_or_zeros(input, hx, "RNNCell");
  const auto cell = options.nonlinearity() == RNNNonlinearity::Tanh ? functional::rnn_tanh_cell
                                                                    : functional::rnn_relu_cell;
  return cell(input, h, weight_ih, weight_hh, bias_ih, bias_hh);
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& o)
    : RNNCellImplBase("LSTMCell", o.input_size(), o.hidden_size(), o.bias(), 4, ""), options(o) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx) {
  const Tensor h = state_or_zeros(input, hx ? std::get<0>(*hx) : Tensor(), "LSTMCell");
  const Tensor c = hx ? std::get<1>(*hx) : zeros_like(h);
  return functional::lstm_cell(input, {h, c}, weight_ih, weight_hh, bias_ih, bias_hh);
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& o)
    : RNNCellImplBase("GRUCell", o.input_size(), o.hidden_size(), o.bias(), 3, ""), options(o) {}

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& hx) {
  return functional::gru_cell(input, state_or_zeros(input, hx, "GRUCell"), weight_ih, weight_hh,
                              bias_ih, bias_hh);
}

}  // namespace ember::nn
