"""ember.nn: modules, losses, parameters, nn.functional and nn.init, as torch.nn."""

from . import functional, init, parallel, utils
from .container import Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                   MarginRankingLoss, MSELoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                   MultiMarginLoss, NLLLoss, NLLLoss2d, PoissonNLLLoss, SmoothL1Loss,
                   SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)
from .module import Module
from .modules import (CELU, ELU, GELU, GLU, SELU, BatchNorm1d, BatchNorm2d,
                      Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout,
                      GroupNorm, Softshrink, Hardshrink, Tanhshrink, Softmin, Softmax2d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ConstantPad1d,
                      ConstantPad2d, ConstantPad3d, ZeroPad2d, Flatten, Hardsigmoid, Hardswish, Hardtanh, Identity,
                      LayerNorm, LeakyReLU, Linear, LogSigmoid, LogSoftmax, Mish, ReLU,
                      ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh, Threshold,
                      Unflatten, CosineSimilarity, PairwiseDistance)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear)
from .pooling import (FractionalMaxPool2d, FractionalMaxPool3d)
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,
                      LPPool1d, LPPool2d, MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d,
                      MaxUnpool2d, MaxUnpool3d)
from .resampling import (ChannelShuffle, Fold, PixelShuffle, PixelUnshuffle, Unfold, Upsample,
                         UpsamplingBilinear2d, UpsamplingNearest2d)
from .modules import Bilinear, PReLU, RReLU
from .normalization import (BatchNorm3d, CrossMapLRN2d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                            LocalResponseNorm, RMSNorm)
from .sparse import Embedding, EmbeddingBag
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .attention import MultiheadAttention
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .parallel import DataParallel
from .sync_batchnorm import SyncBatchNorm
from . import grad
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)


def factory_kwargs(kwargs):
    """kwargs reduced to the ones factory functions take (device, dtype, memory_format), merged
    with an explicit factory_kwargs dict; anything else is a TypeError, as in torch."""
    if kwargs is None:
        return {}
    simple = {"device", "dtype", "memory_format"}
    unexpected = kwargs.keys() - simple - {"factory_kwargs"}
    if unexpected:
        raise TypeError(f"unexpected kwargs {unexpected}")
    merged = dict(kwargs.get("factory_kwargs", {}))
    for key in simple & kwargs.keys():
        if key in merged:
            raise TypeError(f"{key} specified twice, in **kwargs and in factory_kwargs")
        merged[key] = kwargs[key]
    return merged
