"""torch.nn.functional: layers and losses as functions (the C++ kernels behind ember.nn)."""

from .. import _C

_nn = _C._nn

linear = _nn.linear
conv2d = _nn.conv2d
avg_pool2d = _nn.avg_pool2d
leaky_relu = _nn.leaky_relu
gelu = _nn.gelu
embedding = _nn.embedding
layer_norm = _nn.layer_norm
batch_norm = _nn.batch_norm
mse_loss = _nn.mse_loss
l1_loss = _nn.l1_loss
nll_loss = _nn.nll_loss
cross_entropy = _nn.cross_entropy
binary_cross_entropy = _nn.binary_cross_entropy
binary_cross_entropy_with_logits = _nn.binary_cross_entropy_with_logits


def relu(input, inplace=False):
    return _nn.relu(input, inplace)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softmax(input, dim=None, dtype=None):
    out = input.softmax(dim)
    return out if dtype is None else out.to(dtype)


def log_softmax(input, dim=None, dtype=None):
    out = input.log_softmax(dim)
    return out if dtype is None else out.to(dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    return _nn.dropout(input, p, training, inplace)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices is not supported from Python yet")
    return _nn.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)
