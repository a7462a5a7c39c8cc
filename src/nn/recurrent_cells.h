#pragma once
// What the padded and the packed recurrent sequences share (functional_recurrent.cpp and
// functional_recurrent_packed.cpp): the cell kinds, one layer's weights, the step arithmetic and
// the checks with PyTorch's messages. Defined in functional_recurrent.cpp, but for
// batch_size_values, which is utils_rnn.cpp's.
#include <cstdint>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn::functional::detail {

enum class CellKind { Tanh, Relu, Lstm, Gru };

// 4 for LSTM, 3 for GRU, 1 for the plain cells.
int64_t gate_count(CellKind kind);
// "LSTM", "GRU" or "RNN": the module name that prefixes the sequence functions' messages.
const char* module_name(CellKind kind);

// The weights of one layer in one direction; the biases and w_hr may be undefined.
struct LayerWeights {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
};

// x W_ih^T plus the biases that can be added before the recurrence, for every row of x at once.
Tensor input_part(CellKind kind, const Tensor& x, const LayerWeights& w);
// One step of a tanh, relu or GRU cell from gi, the step's rows of input_part.
Tensor step(CellKind kind, const Tensor& gi, const Tensor& h, const LayerWeights& w);
// One LSTM step: {h', c'} (h' projected by w_hr when it is defined).
std::tuple<Tensor, Tensor> lstm_step(const Tensor& gi, const Tensor& h, const Tensor& c,
                                     const LayerWeights& w);

// The flat parameter list of a multi-layer network, split per layer and direction and checked.
struct StackWeights {
  std::vector<LayerWeights> layers;  // layer * directions + direction
  int64_t directions;
  int64_t hidden;      // hidden_size
  int64_t out_hidden;  // proj_size with projections, else hidden_size
  const LayerWeights& at(int64_t layer, int64_t direction) const {
    return layers[static_cast<size_t>(layer * directions + direction)];
  }
};
StackWeights unpack_weights(CellKind kind, TensorList params, bool has_biases, int64_t num_layers,
                            bool bidirectional);

// Raises "<name>: Expected hidden<label> size (a, b, c), got [a, b, c]" unless hx has `expected`.
void check_hidden(const char* name, const Tensor& hx, IntArrayRef expected, const char* label);

// The counts in a packed batch's batch_sizes, checked: a non-empty 1-D int64 CPU tensor of
// positive, non-increasing counts that add up to `rows`, the packed data's first dim. op names
// the caller in the message.
std::vector<int64_t> batch_size_values(const char* op, const Tensor& batch_sizes, int64_t rows);

}  // namespace ember::nn::functional::detail
