// The recurrent cells and multi-layer sequences, written in differentiable ops.
//
// A sequence layer multiplies every step's input by W_ih in one product ([seq * batch, input]
// rows at once) and then runs the recurrence step by step, so each step costs one small product
// by W_hh plus the gate arithmetic. For tanh, relu and LSTM cells both biases are folded into that
// first product; GRU keeps b_hh apart because its n gate scales (h W_hn^T + b_hn) by r.
// The same networks over packed sequences are in functional_recurrent_packed.cpp, which shares
// the step arithmetic and checks below through recurrent_cells.h.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/nn/functional.h"
#include "ember/nn/recurrent.h"
#include "ember/ops.h"
#include "recurrent_cells.h"

namespace ember::nn::functional {
namespace {

// ---- Checks, with PyTorch's messages ----------------------------------------------------------

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(std::move(message), kind);
}

std::string sizes_tuple(IntArrayRef sizes) {
  return sizes.size() == 1 ? fmt::format("({},)", sizes[0])
                           : fmt::format("({})", fmt::join(sizes, ", "));
}

void check_cell_weights(const char* op, const Tensor& w_ih, const Tensor& w_hh, int64_t gates) {
  if (w_ih.dim() != 2 || w_hh.dim() != 2 || w_ih.size(0) % gates != 0 ||
      w_hh.size(0) != w_ih.size(0))
    fail(
        fmt::format("{}: expected w_ih [{} * hidden_size, input_size] and w_hh [{} * "
                    "hidden_size, hidden_size], got {} and {}",
                    op, gates, gates, shape_str(w_ih.sizes()), shape_str(w_hh.sizes())));
}

}  // namespace

namespace detail {

int64_t gate_count(CellKind kind) {
  return kind == CellKind::Lstm ? 4 : kind == CellKind::Gru ? 3 : 1;
}

const char* module_name(CellKind kind) {
  return kind == CellKind::Lstm ? "LSTM" : kind == CellKind::Gru ? "GRU" : "RNN";
}

Tensor input_part(CellKind kind, const Tensor& x, const LayerWeights& w) {
  Tensor bias = w.b_ih;
  if (kind != CellKind::Gru && w.b_hh.defined()) bias = bias.defined() ? bias + w.b_hh : w.b_hh;
  return linear(x, w.w_ih, bias);
}

Tensor step(CellKind kind, const Tensor& gi, const Tensor& h, const LayerWeights& w) {
  if (kind == CellKind::Gru) {
    const std::vector<Tensor> i = gi.chunk(3, 1), hh = linear(h, w.w_hh, w.b_hh).chunk(3, 1);
    Tensor r = (i[0] + hh[0]).sigmoid(), z = (i[1] + hh[1]).sigmoid();
    Tensor n = (i[2] + r * hh[2]).tanh();
    // (1 - z) n + z h
    return n + z * (h - n);
  }
  Tensor pre = addmm(gi, h, w.w_hh.t());
  return kind == CellKind::Tanh ? pre.tanh() : pre.relu();
}

std::tuple<Tensor, Tensor> lstm_step(const Tensor& gi, const Tensor& h, const Tensor& c,
                                     const LayerWeights& w) {
  const std::vector<Tensor> g = addmm(gi, h, w.w_hh.t()).chunk(4, 1);
  Tensor c_next = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh();
  Tensor h_next = g[3].sigmoid() * c_next.tanh();
  if (w.w_hr.defined()) h_next = mm(h_next, w.w_hr.t());
  return {h_next, c_next};
}

void check_hidden(const char* name, const Tensor& hx, IntArrayRef expected, const char* label) {
  if (hx.sizes() != expected)
    fail(fmt::format("{}: Expected hidden{} size {}, got {}", name, label, sizes_tuple(expected),
                     shape_str(hx.sizes())));
}

StackWeights unpack_weights(CellKind kind, TensorList params, bool has_biases, int64_t num_layers,
                            bool bidirectional) {
  const char* name = module_name(kind);
  const int64_t directions = bidirectional ? 2 : 1;
  if (num_layers < 1 || params.empty())
    fail(fmt::format("{}: expected at least one layer of weights, got num_layers={} and {} "
                     "weight tensors",
                     name, num_layers, params.size()),
         ErrorKind::Value);
  // An LSTM with projections has one more weight per layer and direction, w_hr.
  const size_t plain = 2 + (has_biases ? 2 : 0);
  const size_t count = static_cast<size_t>(num_layers * directions);
  const bool has_proj = kind == CellKind::Lstm && params.size() == (plain + 1) * count;
  const size_t per_layer = plain + (has_proj ? 1 : 0);
  if (params.size() != per_layer * count)
    fail(fmt::format("{}: expected {} weight tensors for {} layer(s) in {} direction(s), got {}",
                     name, per_layer * count, num_layers, directions, params.size()),
         ErrorKind::Value);
  StackWeights out{{}, directions, 0, 0};
  for (size_t at = 0; at < params.size(); at += per_layer) {
    LayerWeights w{params[at], params[at + 1], {}, {}, {}};
    if (has_biases) w.b_ih = params[at + 2], w.b_hh = params[at + 3];
    if (has_proj) w.w_hr = params[at + per_layer - 1];
    out.layers.push_back(std::move(w));
  }
  const LayerWeights& first = out.layers.front();
  const int64_t gates = gate_count(kind);
  check_cell_weights(name, first.w_ih, first.w_hh, gates);
  out.hidden = first.w_ih.size(0) / gates;
  out.out_hidden = has_proj ? first.w_hr.size(0) : out.hidden;
  return out;
}

}  // namespace detail

namespace {
using namespace detail;

// Splits [seq, batch, features] into its steps with one node whose backward stacks the steps'
// gradients. Selecting the steps one by one would give each its own node, and each node a
// gradient the size of the whole sequence: quadratic in the sequence length.
struct SequenceSteps : autograd::Function<SequenceSteps> {
  static autograd::tensor_list forward(autograd::AutogradContext*, const Tensor& x) {
    return x.unbind(0);
  }
  static autograd::tensor_list backward(autograd::AutogradContext*, autograd::tensor_list grads) {
    Tensor like;
    for (const Tensor& g : grads)
      if (g.defined()) like = g;
    if (!like.defined()) return {Tensor()};
    for (Tensor& g : grads)
      if (!g.defined()) g = zeros_like(like);
    return {stack(grads, 0)};
  }
};

void check_cell(const char* op, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                const Tensor& w_hh, const char* label) {
  if (input.size(-1) != w_ih.size(1))
    fail(fmt::format("{}: input has inconsistent input_size: got {} expected {}", op,
                     input.size(-1), w_ih.size(1)));
  const int64_t batch = input.dim() == 2 ? input.size(0) : 1;
  const int64_t hx_batch = hx.dim() == 2 ? hx.size(0) : 1;
  if (input.dim() != hx.dim() || batch != hx_batch)
    fail(fmt::format("{}: Input batch size {} doesn't match hidden{} batch size {}", op, batch,
                     label, hx_batch));
  if (hx.size(-1) != w_hh.size(1))
    fail(
        fmt::format("{}: hidden{} has inconsistent hidden_size: got {}, "
                    "expected {}",
                    op, label, hx.size(-1), w_hh.size(1)));
}

// ---- One step --------------------------------------------------------------------------------

Tensor simple_cell(CellKind kind, const char* op, const Tensor& input, const Tensor& hx,
                   const LayerWeights& w) {
  check_cell_weights(op, w.w_ih, w.w_hh, gate_count(kind));
  check_cell(op, input, hx, w.w_ih, w.w_hh, "0");
  if (input.dim() == 1)
    return simple_cell(kind, op, input.unsqueeze(0), hx.unsqueeze(0), w).squeeze(0);
  return step(kind, input_part(kind, input, w), hx, w);
}

// ---- Sequences -------------------------------------------------------------------------------

struct SequenceConfig {
  CellKind kind;
  bool has_biases;
  int64_t num_layers;
  double dropout;
  bool train;
  bool bidirectional;
  bool batch_first;
};

struct SequenceResult {
  Tensor output, h_n, c_n;
};

SequenceResult run_sequence(const SequenceConfig& cfg, const Tensor& input, Tensor h0, Tensor c0,
                            TensorList params) {
  const char* name = module_name(cfg.kind);
  const bool lstm = cfg.kind == CellKind::Lstm;
  if (input.dim() != 2 && input.dim() != 3)
    fail(fmt::format("{}: input must have 3 dimensions (or 2 for one unbatched sequence), got {}",
                     name, input.dim()));
  const bool batched = input.dim() == 3;
  const auto check_state_dims = [&](const Tensor& h, const Tensor& c) {
    const int64_t want = batched ? 3 : 2;
    if ((!h.defined() || h.dim() == want) && (!c.defined() || c.dim() == want)) return;
    const char* mode = batched ? "batched" : "unbatched";
    if (lstm)
      fail(
          fmt::format("{}: For {} {}-D input, hx and cx should also be {}-D but got ({}-D, "
                      "{}-D) tensors",
                      name, mode, want, want, h.dim(), c.dim()));
    fail(fmt::format("{}: For {} {}-D input, hx should also be {}-D but got {}-D tensor", name,
                     mode, want, want, h.dim()));
  };
  check_state_dims(h0, c0);

  const StackWeights weights =
      unpack_weights(cfg.kind, params, cfg.has_biases, cfg.num_layers, cfg.bidirectional);
  const int64_t directions = weights.directions, layers = cfg.num_layers;
  const LayerWeights& first = weights.at(0, 0);
  const int64_t hidden = weights.hidden, out_hidden = weights.out_hidden;

  // Work in [seq, batch, features].
  Tensor x = batched ? input : input.unsqueeze(1);
  if (batched && cfg.batch_first) x = x.transpose(0, 1);
  if (x.size(2) != first.w_ih.size(1))
    fail(
        fmt::format("{}: input.size(-1) must be equal to input_size. "
                    "Expected {}, got {}",
                    name, first.w_ih.size(1), input.size(-1)));
  const int64_t seq = x.size(0), batch = x.size(1);
  if (seq == 0)
    fail(
        fmt::format("{}: Expected sequence length to be larger than 0 in "
                    "RNN, got input of shape {}",
                    name, shape_str(input.sizes())));
  const DimVector h_shape{layers * directions, batch, out_hidden};
  const DimVector c_shape{layers * directions, batch, hidden};
  // Unbatched states are [layers * directions, hidden].
  const auto initial_state = [&](const Tensor& given, const DimVector& shape, const char* label) {
    if (!given.defined()) return zeros(shape, x.options());
    if (batched) {
      check_hidden(name, given, shape, label);
      return given;
    }
    check_hidden(name, given, DimVector{shape[0], shape[2]}, label);
    return given.unsqueeze(1);
  };
  h0 = initial_state(h0, h_shape, lstm ? "[0]" : "");
  if (lstm) c0 = initial_state(c0, c_shape, "[1]");

  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = x;
  for (int64_t layer = 0; layer < layers; ++layer) {
    std::vector<Tensor> direction_outputs;
    for (int64_t direction = 0; direction < directions; ++direction) {
      const LayerWeights& w = weights.at(layer, direction);
      const int64_t in_features = layer_input.size(2);
      const Tensor rows = input_part(cfg.kind, layer_input.reshape({seq * batch, in_features}), w);
      const Tensor gi = rows.view({seq, batch, rows.size(1)});
      const std::vector<Tensor> steps = SequenceSteps::apply(gi);
      const int64_t index = layer * directions + direction;
      Tensor h = h0.select(0, index), c = lstm ? c0.select(0, index) : Tensor();
      std::vector<Tensor> outputs(static_cast<size_t>(seq));
      for (int64_t i = 0; i < seq; ++i) {
        const int64_t t = direction == 0 ? i : seq - 1 - i;
        if (lstm)
          std::tie(h, c) = lstm_step(steps[t], h, c, w);
        else
          h = step(cfg.kind, steps[t], h, w);
        outputs[t] = h;
      }
      h_n.push_back(h);
      if (lstm) c_n.push_back(c);
      direction_outputs.push_back(stack(outputs, 0));
    }
    layer_input = directions == 1 ? direction_outputs[0] : cat(direction_outputs, /*dim=*/2);
    if (cfg.dropout > 0 && cfg.train && layer + 1 < layers)
      layer_input = functional::dropout(layer_input, cfg.dropout, true);
  }

  SequenceResult result{layer_input, stack(h_n, 0), lstm ? stack(c_n, 0) : Tensor()};
  if (!batched) {
    result.output = result.output.squeeze(1);
    result.h_n = result.h_n.squeeze(1);
    if (lstm) result.c_n = result.c_n.squeeze(1);
  } else if (cfg.batch_first) {
    result.output = result.output.transpose(0, 1);
  }
  return result;
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(CellKind::Tanh, "rnn_tanh_cell", input, hx, {w_ih, w_hh, b_ih, b_hh, {}});
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(CellKind::Relu, "rnn_relu_cell", input, hx, {w_ih, w_hh, b_ih, b_hh, {}});
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(CellKind::Gru, "gru_cell", input, hx, {w_ih, w_hh, b_ih, b_hh, {}});
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  if (hx.size() != 2)
    fail(fmt::format("lstm_cell: expected two hidden states (h, c), got {}", hx.size()));
  check_cell_weights("lstm_cell", w_ih, w_hh, 4);
  check_cell("lstm_cell", input, hx[0], w_ih, w_hh, "0");
  check_cell("lstm_cell", input, hx[1], w_ih, w_hh, "1");
  if (input.dim() == 1) {
    auto [h, c] = lstm_cell(input.unsqueeze(0), {hx[0].unsqueeze(0), hx[1].unsqueeze(0)}, w_ih,
                            w_hh, b_ih, b_hh);
    return {h.squeeze(0), c.squeeze(0)};
  }
  const LayerWeights w{w_ih, w_hh, b_ih, b_hh, {}};
  return lstm_step(input_part(CellKind::Lstm, input, w), hx[0], hx[1], w);
}

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  SequenceResult r = run_sequence(
      {CellKind::Tanh, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input,
      hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  SequenceResult r = run_sequence(
      {CellKind::Relu, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input,
      hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, TensorList params,
                               bool has_biases, int64_t num_layers, double dropout, bool train,
                               bool bidirectional, bool batch_first) {
  SequenceResult r = run_sequence(
      {CellKind::Gru, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input,
      hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, TensorList hx, TensorList params,
                                        bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first) {
  if (!hx.empty() && hx.size() != 2)
    fail(fmt::format("LSTM: expected two hidden states (h_0, c_0), got {}", hx.size()));
  SequenceResult r = run_sequence(
      {CellKind::Lstm, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input,
      hx.empty() ? Tensor() : hx[0], hx.empty() ? Tensor() : hx[1], params);
  return {r.output, r.h_n, r.c_n};
}

}  // namespace ember::nn::functional
