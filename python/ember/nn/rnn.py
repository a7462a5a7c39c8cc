"""torch.nn's recurrent layers: RNN, LSTM and GRU over whole sequences, and the one-step cells.

The modules hold the parameters under torch's names; the math (and the shape checks, with
torch's messages) is the C++ functional layer's, as ember._C._nn.rnn_tanh, lstm, gru_cell, ...
"""

import numbers
import warnings

from .. import _C
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

_nn = _C._nn

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The parameters of every layer and direction, their initialization and printing."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0., bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size

        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                shapes = [("weight_ih", (gate_size, layer_input_size)),
                          ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = []
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(_C.empty(*shape, dtype=dtype)))
                    names.append(name + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Compacts the weights for cuDNN in torch; the CPU layout needs nothing."""

    def reset_parameters(self):
        _C._nn._reset_recurrent_(list(self.parameters()), self.hidden_size)

    def _train_args(self):
        return (self.bias, self.num_layers, self.dropout, self.training, self.bidirectional,
                self.batch_first)

    def permute_hidden(self, hx, permutation):
        """hx with its batch dim in the sorted order of a packed batch (as torch's); left alone
        when its batch size does not match, so that the shape check names the problem."""
        if (permutation is None or hx is None or hx.dim() != 3
                or hx.size(1) != permutation.numel()):
            return hx
        return hx.index_select(1, permutation)

    def _run_packed(self, run, input, hx):
        """Runs _nn's packed overload `run` on a PackedSequence from hx (a tensor or None, a list
        for an LSTM) in the caller's batch order; returns the packed output and the list of final
        states, back in that order."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        if isinstance(hx, list):
            hx = [self.permute_hidden(h, sorted_indices) for h in hx]
        else:
            hx = self.permute_hidden(hx, sorted_indices)
        output, *states = run(data, batch_sizes, hx, self._flat_weights, *self._train_args()[:5])
        states = [self.permute_hidden(h, unsorted_indices) for h in states]
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), states

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), or relu."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        run = _nn.rnn_tanh if self.mode == "RNN_TANH" else _nn.rnn_relu
        if isinstance(input, PackedSequence):
            output, (h,) = self._run_packed(run, input, hx)
            return output, h
        return run(input, hx, self._flat_weights, *self._train_args())


class LSTM(RNNBase):
    """A long short-term memory network (gates i, f, g, o), optionally with projections."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        # torch takes hx[0] and hx[1] of whatever is given, a stacked tensor included.
        state = [hx[0], hx[1]] if hx is not None else []
        if isinstance(input, PackedSequence):
            output, (h, c) = self._run_packed(_nn.lstm, input, state)
            return output, (h, c)
        output, h, c = _nn.lstm(input, state, self._flat_weights, *self._train_args())
        return output, (h, c)


class GRU(RNNBase):
    """A gated recurrent unit network (gates r, z, n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            output, (h,) = self._run_packed(_nn.gru, input, hx)
            return output, h
        return _nn.gru(input, hx, self._flat_weights, *self._train_args())


class RNNCellBase(Module):
    """weight_ih, weight_hh, bias_ih and bias_hh of one cell, initialized as torch does."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(_C.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(_C.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _C._nn._reset_recurrent_(list(self.parameters()), self.hidden_size)

    def _state(self, input, hx, name):
        if input.dim() not in (1, 2):  # an assert in torch 1.13, hence the type
            raise AssertionError(f"{name}: Expected input to be 1-D or 2-D but received "
                                 f"{input.dim()}-D tensor")
        if hx is not None:
            return hx
        shape = (input.size(0), self.hidden_size) if input.dim() == 2 else (self.hidden_size,)
        return _C.zeros(*shape, dtype=input.dtype)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        hx = self._state(input, hx, "RNNCell")
        if self.nonlinearity == "tanh":
            cell = _nn.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            cell = _nn.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is None:
            h = self._state(input, None, "LSTMCell")
            hx = (h, _C.zeros_like(h))
        else:
            self._state(input, hx[0], "LSTMCell")
        return _nn.lstm_cell(input, list(hx), self.weight_ih, self.weight_hh, self.bias_ih,
                             self.bias_hh)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        hx = self._state(input, hx, "GRUCell")
        return _nn.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
