"""ember.nn: modules, losses, parameters, nn.functional and nn.init, as torch.nn."""

from . import functional, init, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss, SmoothL1Loss)
from .module import Module
from .modules import (CELU, ELU, GELU, GLU, SELU, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d,
                      ConvTranspose2d,
                      Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout,
                      Embedding, GroupNorm, Softshrink, Hardshrink, Tanhshrink, Softmin, Softmax2d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ConstantPad1d,
                      ConstantPad2d, ConstantPad3d, ZeroPad2d, Flatten, Hardsigmoid, Hardswish, Hardtanh, Identity,
                      LayerNorm, LeakyReLU, Linear, LogSigmoid, LogSoftmax, MaxPool2d, Mish, ReLU,
                      ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh, Threshold,
                      Unflatten, CosineSimilarity, PairwiseDistance)
from .parameter import Parameter
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
