#pragma once
/// The functions behind the recurrent layers, as torch.rnn_tanh_cell, torch.lstm_cell, ...,
/// torch.lstm: one step of each cell, and whole multi-layer, optionally bidirectional sequences.
/// All are built from differentiable ops, so gradients of any order flow through them.
#include <cstdint>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember::nn::functional {

// ---- One step ------------------------------------------------------------------------------
// input is [batch, input_size] (or [input_size]), a hidden state [batch, hidden_size] (or
// [hidden_size]); w_ih is [gates * hidden_size, input_size], w_hh [gates * hidden_size,
// hidden_size], and the biases [gates * hidden_size] or undefined.

/// tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh).
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// relu(input W_ih^T + b_ih + hx W_hh^T + b_hh).
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// One LSTM step from hx = {h, c}: gates i, f, g, o (in that order in the weights), then
/// c' = f c + i g and h' = o tanh(c'). Returns {h', c'}.
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {},
                                     const Tensor& b_hh = {});
/// One GRU step: gates r, z, n (in that order), n = tanh(x_n + r (h W_hn^T + b_hn)), and
/// h' = (1 - z) n + z h.
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = {}, const Tensor& b_hh = {});

// ---- Sequences -----------------------------------------------------------------------------
// input is [seq_len, batch, input_size] ([batch, seq_len, input_size] with batch_first), or
// [seq_len, input_size] for one unbatched sequence. params holds, for each layer and then each
// direction, w_ih, w_hh, then b_ih, b_hh when has_biases, then (LSTM with projections) w_hr.
// Hidden states are [num_layers * directions, batch, hidden] ([.., hidden] unbatched); an
// undefined (or, for lstm, empty) hx starts from zeros. Dropout with probability `dropout`
// applies to the outputs of every layer but the last while `train` is set. The shapes are
// checked with PyTorch's messages.

/// An Elman network with tanh: returns {output, h_n}; output holds the last layer's h at every
/// step (both directions side by side when bidirectional).
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
/// The same with relu.
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
/// A multi-layer LSTM from hx = {h_0, c_0}: returns {output, h_n, c_n}. With w_hr weights
/// [proj_size, hidden_size] the hidden state is projected to proj_size at every step (h_0 is
/// then [.., proj_size]).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, TensorList hx, TensorList params,
                                        bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first);
/// A multi-layer GRU: returns {output, h_n}.
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, TensorList params,
                               bool has_biases, int64_t num_layers, double dropout, bool train,
                               bool bidirectional, bool batch_first);

// ---- Packed sequences ------------------------------------------------------------------------
// The same networks over a packed batch (as nn::utils::rnn::PackedSequence holds it, and as
// ATen's data overloads take it): data is [sum of lengths, input_size], the steps one after the
// other, and batch_sizes (a 1-D int64 CPU tensor of non-increasing positive counts) says how
// many sequences are still running at each step; those are always the first rows of the batch,
// so the sequences are sorted by decreasing length. Every layer and direction runs step by step
// over the shrinking batch: the forward direction's final state for a sequence is its state after
// its own last step, and the reverse direction starts each sequence at its own last step. hx is
// [num_layers * directions, batch_sizes[0], hidden] in that sorted order (undefined or empty for
// zeros). Returns the packed output [sum of lengths, directions * hidden] and the final states.

/// rnn_tanh over packed data: {output data, h_n}.
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                                    TensorList params, bool has_biases, int64_t num_layers,
                                    double dropout, bool train, bool bidirectional);
/// rnn_relu over packed data: {output data, h_n}.
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                                    TensorList params, bool has_biases, int64_t num_layers,
                                    double dropout, bool train, bool bidirectional);
/// lstm over packed data from hx = {h_0, c_0}: {output data, h_n, c_n}.
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& data, const Tensor& batch_sizes,
                                        TensorList hx, TensorList params, bool has_biases,
                                        int64_t num_layers, double dropout, bool train,
                                        bool bidirectional);
/// gru over packed data: {output data, h_n}.
std::tuple<Tensor, Tensor> gru(const Tensor& data, const Tensor& batch_sizes, const Tensor& hx,
                               TensorList params, bool has_biases, int64_t num_layers,
                               double dropout, bool train, bool bidirectional);

}  // namespace ember::nn::functional
