// The recurrent networks over packed sequences: ATen's data overloads of rnn_tanh, rnn_relu,
// lstm and gru.
//
// As for padded input, each layer multiplies all its input rows by W_ih in one product and then
// walks the steps. At step t the first batch_sizes[t] sequences are running, and they are the
// first rows of the state: going forwards the batch shrinks by dropping rows at its end (those
// rows are the final states of the sequences that just ended); going backwards it grows by
// taking the next rows of h_0 as longer sequences begin their (reversed) run.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/nn/functional.h"
#include "ember/nn/recurrent.h"
#include "ember/ops.h"
#include "recurrent_cells.h"

namespace ember::nn::functional {
namespace {
using namespace detail;

// One layer's running state in one direction: {h}, or {h, c} for an LSTM.
using State = std::vector<Tensor>;

State rows(const State& s, int64_t start, int64_t length) {
  State out;
  for (const Tensor& t : s) out.push_back(t.narrow(0, start, length));
  return out;
}

// The states' rows one after the other, component by component.
State join(const std::vector<State>& parts) {
  State out;
  for (size_t k = 0; k < parts.front().size(); ++k) {
    std::vector<Tensor> pieces;
    for (const State& p : parts) pieces.push_back(p[k]);
    out.push_back(pieces.size() == 1 ? pieces.front() : cat(pieces, 0));
  }
  return out;
}

State advance(CellKind kind, const Tensor& gi, const State& s, const LayerWeights& w) {
  if (kind != CellKind::Lstm) return {step(kind, gi, s[0], w)};
  auto [h, c] = lstm_step(gi, s[0], s[1], w);
  return {h, c};
}

// Splits the packed rows into the steps with one node whose backward joins the steps'
// gradients; narrowing step by step would give each step a node whose gradient is the size of
// all the rows, quadratic in the sequence length.
struct PackedSteps : autograd::Function<PackedSteps> {
  static autograd::tensor_list forward(autograd::AutogradContext* ctx, const Tensor& x,
                                       const Tensor& batch_sizes) {
    ctx->saved_data["batch_sizes"] = batch_sizes;
    const Tensor sizes = batch_sizes.contiguous();
    const int64_t* p = sizes.data_ptr<int64_t>();
    return x.split(std::vector<int64_t>(p, p + sizes.numel()), 0);
  }
  static autograd::tensor_list backward(autograd::AutogradContext* ctx,
                                        autograd::tensor_list grads) {
    Tensor like;
    for (const Tensor& g : grads)
      if (g.defined()) like = g;
    if (!like.defined()) return {Tensor(), Tensor()};
    const Tensor sizes = ctx->saved_data["batch_sizes"].toTensor().contiguous();
    const int64_t* p = sizes.data_ptr<int64_t>();
    for (size_t t = 0; t < grads.size(); ++t)
      if (!grads[t].defined()) grads[t] = zeros({p[t], like.size(1)}, like.options());
    return {cat(grads, 0), Tensor()};
  }
};

struct DirectionResult {
  Tensor output;  // the h of every step, packed as the input
  State last;     // each sequence's state after its final step
};

DirectionResult run_forwards(CellKind kind, const std::vector<Tensor>& steps,
                             const std::vector<int64_t>& sizes, State s, const LayerWeights& w) {
  std::vector<State> ended;  // the rows of the sequences that ended, the last rows first
  std::vector<Tensor> outputs;
  for (size_t t = 0; t < steps.size(); ++t) {
    const int64_t running = s[0].size(0);
    if (sizes[t] < running) {
      ended.push_back(rows(s, sizes[t], running - sizes[t]));
      s = rows(s, 0, sizes[t]);
    }
    s = advance(kind, steps[t], s, w);
    outputs.push_back(s[0]);
  }
  ended.push_back(s);
  std::reverse(ended.begin(), ended.end());
  return {cat(outputs, 0), join(ended)};
}

DirectionResult run_backwards(CellKind kind, const std::vector<Tensor>& steps,
                              const std::vector<int64_t>& sizes, const State& initial,
                              const LayerWeights& w) {
  State s = rows(initial, 0, sizes.back());
  std::vector<Tensor> outputs(steps.size());
  for (size_t t = steps.size(); t-- > 0;) {
    const int64_t running = s[0].size(0);
    if (sizes[t] > running) s = join({s, rows(initial, running, sizes[t] - running)});
    s = advance(kind, steps[t], s, w);
    outputs[t] = s[0];
  }
  return {cat(outputs, 0), s};
}

struct PackedConfig {
  CellKind kind;
  bool has_biases;
  int64_t num_layers;
  double dropout;
  bool train;
  bool bidirectional;
};

struct PackedResult {
  Tensor output, h_n, c_n;
};

PackedResult run_packed(const PackedConfig& cfg, const Tensor& data, const Tensor& batch_sizes,
                        Tensor h0, Tensor c0, TensorList params) {
  const char* name = module_name(cfg.kind);
  const bool lstm = cfg.kind == CellKind::Lstm;
  const StackWeights weights =
      unpack_weights(cfg.kind, params, cfg.has_biases, cfg.num_layers, cfg.bidirectional);
  if (data.dim() != 2)
    throw Error(
        fmt::format("{}: input must have 2 dimensions, got {} (packed data is [sum of "
                    "lengths, input_size])",
                    name, data.dim()));
  const int64_t input_size = weights.at(0, 0).w_ih.size(1);
  if (data.size(1) != input_size)
    throw Error(
        fmt::format("{}: input.size(-1) must be equal to input_size. "
                    "Expected {}, got {}",
                    name, input_size, data.size(1)));
  const std::vector<int64_t> sizes = batch_size_values(name, batch_sizes, data.size(0));
  const int64_t directions = weights.directions, batch = sizes.front();
  const auto initial_state = [&](const Tensor& given, int64_t features, const char* label) {
    const DimVector shape{cfg.num_layers * directions, batch, features};
    if (!given.defined()) return zeros(shape, data.options());
    check_hidden(name, given, shape, label);
    return given;
  };
  h0 = initial_state(h0, weights.out_hidden, lstm ? "[0]" : "");
  if (lstm) c0 = initial_state(c0, weights.hidden, "[1]");

  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = data;
  for (int64_t layer = 0; layer < cfg.num_layers; ++layer) {
    std::vector<Tensor> outputs;
    for (int64_t direction = 0; direction < directions; ++direction) {
      const LayerWeights& w = weights.at(layer, direction);
      const std::vector<Tensor> steps =
          PackedSteps::apply(input_part(cfg.kind, layer_input, w), batch_sizes);
      const int64_t index = layer * directions + direction;
      State initial{h0.select(0, index)};
      if (lstm) initial.push_back(c0.select(0, index));
      DirectionResult r = direction == 0 ? run_forwards(cfg.kind, steps, sizes, initial, w)
                                         : run_backwards(cfg.kind, steps, sizes, initial, w);
      h_n.push_back(r.last[0]);
      if (lstm) c_n.push_back(r.last[1]);
      outputs.push_back(r.output);
    }
    layer_input = directions == 1 ? outputs[0] : cat(outputs, /*dim=*/1);
    if (cfg.dropout > 0 && cfg.train && layer + 1 < cfg.num_layers)
      layer_input = functional::dropout(layer_input, cfg.dropout, true);
  }
  return {layer_input, stack(h_n, 0), lstm ? stack(c_n, 0) : Tensor()};
}

}  // namespace

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                                    TensorList params, bool has_biases, int64_t num_layers,
                                    double dropout, bool train, bool bidirectional) {
  PackedResult r =
      run_packed({CellKind::Tanh, has_biases, num_layers, dropout, train, bidirectional}, data,
                 batch_sizes, hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                                    TensorList params, bool has_biases, int64_t num_layers,
                                    double dropout, bool train, bool bidirectional) {
  PackedResult r =
      run_packed({CellKind::Relu, has_biases, num_layers, dropout, train, bidirectional}, data,
                 batch_sizes, hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> gru(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                               TensorList params, bool has_biases, int64_t num_layers,
                               double dropout, bool train, bool bidirectional) {
  PackedResult r =
      run_packed({CellKind::Gru, has_biases, num_layers, dropout, train, bidirectional}, data,
                 batch_sizes, hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& data, const Tensor& batch_sizes,
                                        TensorList hx, TensorList params, bool has_biases,
                                        int64_t num_layers, double dropout, bool train,
                                        bool bidirectional) {
  if (!hx.empty() && hx.size() != 2)
    throw Error(fmt::format("LSTM: expected two hidden states (h_0, c_0), got {}", hx.size()));
  PackedResult r =
      run_packed({CellKind::Lstm, has_biases, num_layers, dropout, train, bidirectional}, data,
                 batch_sizes, hx.empty() ? Tensor() : hx[0], hx.empty() ? Tensor() : hx[1], params);
  return {r.output, r.h_n, r.c_n};
}

}  // namespace ember::nn::functional
