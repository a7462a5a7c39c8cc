"""Ember: tensors with define-by-run automatic differentiation, spelled like PyTorch.

Tutorial code written for PyTorch runs after ``import ember as torch``.
"""

from . import _C
from ._C import (Tensor, dtype, device, bool, int32, int64, float32, float64, zeros, ones, empty,
                 rand, randn, zeros_like, ones_like, empty_like, rand_like, randn_like, tensor, full,
                 full_like, arange, linspace, eye, randint, randperm, manual_seed,
                 get_rng_state, set_rng_state, cat, stack, where,
                 is_tensor, numel, from_numpy, set_num_threads, get_num_threads, is_grad_enabled,
                 is_anomaly_enabled, is_inference_mode_enabled, get_default_dtype,
                 set_default_dtype)
from ._size import Size
from ._dtype_info import broadcast_shapes, e, finfo, iinfo, inf, nan, pi
from ._creation import as_tensor, scalar_tensor
from ._grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode
from ._legacy import FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor
from . import _functions
from ._functions import *  # noqa: F401,F403  torch.exp(x) and the other method mirrors
from . import _composed
from . import _bitwise  # noqa: F401  Tensor's & | ^ ~ << >> and bitwise_* methods
from ._C import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                 bitwise_right_shift, bitwise_xor)
from ._C import (addbmm, addmv, addr, atleast_1d, atleast_2d, atleast_3d, baddbmm, block_diag,
                 cartesian_prod, cdist, column_stack, conv_tbc, cross, diag_embed, diagflat, diff, dsplit,
                 dstack, fliplr, flipud, hsplit, index_add, index_fill, inner, kron, pdist,
                 repeat_interleave, rot90, take, take_along_dim, tensor_split, tensordot,
                 tril_indices, triu_indices, unflatten, vdot, vsplit)
from ._C import (argwhere, as_strided_scatter, corrcoef, cov, diagonal_scatter, dist,
                 empty_strided, frexp, gcd, gcd_, index_reduce, isreal, lcm, lcm_, masked_scatter,
                 matrix_power, mvlgamma, narrow_copy, put, renorm, select_scatter, slice_scatter,
                 split_with_sizes, unsafe_chunk, unsafe_split, unsafe_split_with_sizes)
from ._C import can_cast, promote_types, result_type
from ._C import Generator, default_generator, initial_seed, seed
from ._C import (bernoulli, bincount, bucketize, histc, index_copy, multinomial, scatter,
                 scatter_reduce, searchsorted, unique, unique_consecutive)
from ._C import (addcdiv, addcmul, broadcast_tensors, broadcast_to, count_nonzero, diag, diagonal,
                 einsum,
                 float_power, floor_divide, fmod, heaviside, hstack, ldexp, isclose, lerp, logical_and, logical_not, logical_or,
                 logical_xor, masked_select, movedim, nan_to_num, nonzero, polygamma, remainder, roll,
                 rsub, std_mean, var_mean,
                 swapaxes, tile, trace, vstack)
from . import (accelerator, autograd, backends, cuda, distributed, func, nn, onnx, optim,
               profiler, random, return_types, special, utils)
from .func import vmap
from . import linalg
from ._linalg_functions import *  # noqa: F401,F403  torch.det, torch.svd, ... and Tensor methods
from .serialization import load, save
from . import safetensors
from .safetensors import load_file, save_file
from .utils.dlpack import from_dlpack
# torch's recurrent functions (torch.lstm, torch.gru_cell, ...), which nn's layers call.
gru, gru_cell, lstm, lstm_cell = _C._nn.gru, _C._nn.gru_cell, _C._nn.lstm, _C._nn.lstm_cell
rnn_tanh, rnn_tanh_cell = _C._nn.rnn_tanh, _C._nn.rnn_tanh_cell
rnn_relu, rnn_relu_cell = _C._nn.rnn_relu, _C._nn.rnn_relu_cell
# The layer functions torch also exposes at top level (torch.conv1d, torch.max_pool1d, ...).
from .nn.functional import (adaptive_avg_pool1d, avg_pool1d, channel_shuffle, conv1d,  # noqa: E402
                            conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
                            max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d,
                            pixel_shuffle, pixel_unshuffle)
constant_pad_nd = _C._nn.constant_pad_nd
from .nn.functional import (bilinear, instance_norm, local_response_norm, prelu,  # noqa: E402
                            rrelu, rrelu_)
embedding_renorm_ = _C._nn.embedding_renorm_
from ._aten import *  # noqa: E402,F401,F403  torch.batch_norm(...) and the other ATen forms
from ._sequences import *  # noqa: E402,F401,F403  meshgrid, the windows, trapezoid, isin, ...
from ._runtime import *  # noqa: E402,F401,F403  determinism switches, normal, asarray, ...
# torch's integer-coded samplers behind nn.functional.grid_sample and affine_grid.
grid_sampler, grid_sampler_2d = _C._nn.grid_sampler, _C._nn.grid_sampler_2d
grid_sampler_3d, affine_grid_generator = _C._nn.grid_sampler_3d, _C._nn.affine_grid_generator
Tensor.prelu = prelu
native_channel_shuffle = channel_shuffle


def adaptive_max_pool1d(input, output_size):
    return _C._nn.adaptive_max_pool1d(input, output_size)
moveaxis, swapdims = movedim, swapaxes
from . import _aliases
_aliases.install(globals())
from . import _layouts
from ._layouts import (layout, memory_format, strided, sparse_coo, sparse_csr, contiguous_format,
                       preserve_format, channels_last, channels_last_3d)
_layouts.install()

_C._set_python_types(Size)

# PyTorch's other names for the same dtypes.
float = float32
double = float64
long = int64
int = int32

from . import functional, version  # noqa: E402
from .version import __version__  # noqa: E402
from . import _tensor_str, testing  # noqa: E402
from ._tensor_str import set_printoptions  # noqa: E402
