#pragma once
/// The recurrent layers, as LibTorch's: RNN, LSTM and GRU over whole sequences, and RNNCell,
/// LSTMCell and GRUCell for one step. Parameters carry PyTorch's names (weight_ih_l0,
/// bias_hh_l1_reverse, ...), shapes and initialization, so state dicts move between the two.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/enum.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/utils/rnn.h"

namespace ember {
namespace nn {

/// The arguments shared by RNN, LSTM and GRU (setters return the derived options).
template <typename Derived>
class RecurrentOptions {
 public:
  RecurrentOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  /// Stacked layers, each fed the outputs of the one below (default 1).
  Derived& num_layers(int64_t v) { return num_layers_ = v, self(); }
  /// Whether the layers have the biases b_ih and b_hh (default true).
  Derived& bias(bool v) { return bias_ = v, self(); }
  /// Inputs and outputs as [batch, seq, features] instead of [seq, batch, features].
  Derived& batch_first(bool v) { return batch_first_ = v, self(); }
  /// Dropout on the outputs of every layer but the last, while training (default 0).
  Derived& dropout(double v) { return dropout_ = v, self(); }
  /// Whether each layer also runs the sequence backwards (default false).
  Derived& bidirectional(bool v) { return bidirectional_ = v, self(); }
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t num_layers() const { return num_layers_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  double dropout() const { return dropout_; }
  bool bidirectional() const { return bidirectional_; }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  int64_t input_size_, hidden_size_, num_layers_ = 1;
  bool bias_ = true, batch_first_ = false;
  double dropout_ = 0;
  bool bidirectional_ = false;
};

/// `RNNOptions(10, 20).num_layers(2).nonlinearity(kReLU)`.
class RNNOptions : public RecurrentOptions<RNNOptions> {
 public:
  using RecurrentOptions::RecurrentOptions;
  /// tanh (default) or relu.
  RNNOptions& nonlinearity(RNNNonlinearity v) { return nonlinearity_ = v, *this; }
  RNNNonlinearity nonlinearity() const { return nonlinearity_; }

 private:
  RNNNonlinearity nonlinearity_ = RNNNonlinearity::Tanh;
};

/// `LSTMOptions(10, 20).proj_size(5)`.
class LSTMOptions : public RecurrentOptions<LSTMOptions> {
 public:
  using RecurrentOptions::RecurrentOptions;
  /// Projects each hidden state to this size (0, the default, for none).
  LSTMOptions& proj_size(int64_t v) { return proj_size_ = v, *this; }
  int64_t proj_size() const { return proj_size_; }

 private:
  int64_t proj_size_ = 0;
};

/// `GRUOptions(10, 20).bidirectional(true)`.
class GRUOptions : public RecurrentOptions<GRUOptions> {
 public:
  using RecurrentOptions::RecurrentOptions;
};

/// What RNN, LSTM and GRU share: the parameters of every layer and direction, their
/// initialization and the printed form. Not used on its own.
class RNNImplBase : public Module {
 public:
  /// Every weight uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)], as PyTorch.
  void reset_parameters();
  /// "10, 20, num_layers=2, batch_first=True".
  std::string extra_repr() const override;
  /// The parameters in PyTorch's order: per layer and direction w_ih, w_hh, b_ih, b_hh, w_hr.
  std::vector<Tensor> all_weights() const;

  /// The options of any of the three, as the base stores them.
  struct Config {
    int64_t input_size, hidden_size, num_layers;
    bool bias, batch_first;
    double dropout;
    bool bidirectional;
    int64_t proj_size, gates;
  };

 protected:
  RNNImplBase(std::string name, Config config);
  /// Dropout applies only while training.
  double active_dropout() const { return is_training() ? config_.dropout : 0.0; }
  /// A state [layers * directions, batch, *] with its batch dim reordered by permutation (as
  /// torch's permute_hidden); unchanged when there is no permutation, and when its batch size
  /// does not match, so that the shape check reports it.
  static Tensor permute_hidden(const Tensor& hx, const Tensor& permutation);
  Config config_;

 private:
  std::vector<Tensor*> weights_;
};

/// An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) per layer.
class RNNImpl : public RNNImplBase {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options);
  /// input [seq, batch, input_size] (see batch_first) or [seq, input_size]; hx, when given,
  /// [num_layers * directions, batch, hidden_size]. Returns {output, h_n}.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  /// forward over a packed batch: returns {packed output, h_n}. hx and h_n are
  /// [num_layers * directions, batch, hidden_size] in the caller's batch order (before sorting).
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});
  const RNNOptions options;
};

/// A long short-term memory network (gates i, f, g, o), optionally with projections.
class LSTMImpl : public RNNImplBase {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size)
      : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options);
  /// Returns {output, {h_n, c_n}}; hx is {h_0, c_0}, zeros when not given.
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(
      const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  /// forward over a packed batch: returns {packed output, {h_n, c_n}}, the states in the
  /// caller's batch order (before sorting), as hx is.
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input,
      std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  const LSTMOptions options;
};

/// A gated recurrent unit network (gates r, z, n).
class GRUImpl : public RNNImplBase {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options);
  /// Returns {output, h_n}.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  /// forward over a packed batch: returns {packed output, h_n}, in the caller's batch order.
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});
  const GRUOptions options;
};

/// The arguments of the cells: `RNNCellOptions(10, 20).bias(false)`.
template <typename Derived>
class CellOptions {
 public:
  CellOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  /// Whether the cell has the biases b_ih and b_hh (default true).
  Derived& bias(bool v) { return bias_ = v, static_cast<Derived&>(*this); }
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }

 private:
  int64_t input_size_, hidden_size_;
  bool bias_ = true;
};

/// `RNNCellOptions(10, 20).nonlinearity(kReLU)`.
class RNNCellOptions : public CellOptions<RNNCellOptions> {
 public:
  using CellOptions::CellOptions;
  RNNCellOptions& nonlinearity(RNNNonlinearity v) { return nonlinearity_ = v, *this; }
  RNNNonlinearity nonlinearity() const { return nonlinearity_; }

 private:
  RNNNonlinearity nonlinearity_ = RNNNonlinearity::Tanh;
};
class LSTMCellOptions : public CellOptions<LSTMCellOptions> {
 public:
  using CellOptions::CellOptions;
};
class GRUCellOptions : public CellOptions<GRUCellOptions> {
 public:
  using CellOptions::CellOptions;
};

/// What the cells share: weight_ih, weight_hh, bias_ih and bias_hh.
class RNNCellImplBase : public Module {
 public:
  /// Every weight uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)].
  void reset_parameters();
  /// "10, 20, bias=False, nonlinearity=relu" (defaults left out).
  std::string extra_repr() const override;

  /// [gates * hidden_size, input_size].
  Tensor& weight_ih;
  /// [gates * hidden_size, hidden_size].
  Tensor& weight_hh;
  /// [gates * hidden_size], or undefined without bias.
  Tensor& bias_ih;
  Tensor& bias_hh;

 protected:
  RNNCellImplBase(std::string name, int64_t input_size, int64_t hidden_size, bool bias,
                  int64_t gates, std::string nonlinearity);
  /// Checks the input is 1-D or 2-D and returns hx, or zeros of the input's batch shape.
  Tensor state_or_zeros(const Tensor& input, const Tensor& hx, const char* what) const;
  int64_t input_size_, hidden_size_;
  std::string nonlinearity_;
};

/// One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).
class RNNCellImpl : public RNNCellImplBase {
 public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size)
      : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options);
  /// input [batch, input_size] or [input_size]; hx of the matching shape, zeros when not given.
  Tensor forward(const Tensor& input, const Tensor& hx = {});
  const RNNCellOptions options;
};

/// One LSTM step: returns {h', c'}.
class LSTMCellImpl : public RNNCellImplBase {
 public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size)
      : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input,
                                     std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  const LSTMCellOptions options;
};

/// One GRU step.
class GRUCellImpl : public RNNCellImplBase {
 public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size)
      : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options);
  Tensor forward(const Tensor& input, const Tensor& hx = {});
  const GRUCellOptions options;
};

EMBER_MODULE(RNN);
EMBER_MODULE(LSTM);
EMBER_MODULE(GRU);
EMBER_MODULE(RNNCell);
EMBER_MODULE(LSTMCell);
EMBER_MODULE(GRUCell);

}  // namespace nn
}  // namespace ember
