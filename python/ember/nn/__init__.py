"""ember.nn: modules, losses, parameters, nn.functional and nn.init, as torch.nn."""

from . import functional, init
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss)
from .module import Module
from .modules import (AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Embedding, Flatten,
                      GELU, Identity, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU,
                      Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
