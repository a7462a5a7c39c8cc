"""nn.functional's convolutions, pools and resampling: torch's signatures over ember._C._nn."""

import warnings

from .. import _C

_nn = _C._nn


def _ntuple(v, n):
    return list(v) if isinstance(v, (tuple, list)) else [v] * n


def _conv(function, dims):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if isinstance(padding, str):
            input, padding = _string_padding(input, weight, stride, padding, dilation, dims)
        return function(input, weight, bias, stride, padding, dilation, groups)
    conv.__name__ = conv.__qualname__ = function.__name__
    return conv


def _string_padding(input, weight, stride, padding, dilation, dims):
    """'valid' (no padding) or 'same' (output as long as the input) as explicit padding; an odd
    total pads one more at the end, as torch does."""
    if padding == "valid":
        return input, 0
    if padding != "same":
        raise RuntimeError(f"Invalid padding string '{padding}'")
    if any(s != 1 for s in _ntuple(stride, dims)):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for d, k in zip(_ntuple(dilation, dims), weight.shape[-dims:])]
    if any(t % 2 for t in totals):
        extra = []
        for t in reversed(totals):
            extra += [0, t % 2]
        input = _nn.constant_pad_nd(input, extra)
    return input, [t // 2 for t in totals]


conv1d = _conv(_nn.conv1d, 1)
conv2d = _conv(_nn.conv2d, 2)
conv3d = _conv(_nn.conv3d, 3)


def _max_pool(dims):
    """max_poolNd_with_indices and max_poolNd over _nn.max_poolNd_with_indices."""
    pool = getattr(_nn, f"max_pool{dims}d_with_indices")

    def max_pool_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                              ceil_mode=False, return_indices=False):
        return pool(input, kernel_size, stride, padding, dilation, ceil_mode)

    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
        out = pool(input, kernel_size, stride, padding, dilation, ceil_mode)
        return out if return_indices else out[0]

    max_pool_with_indices.__name__ = max_pool_with_indices.__qualname__ = pool.__name__
    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{dims}d"
    return max_pool_with_indices, max_pool


max_pool1d_with_indices, max_pool1d = _max_pool(1)
max_pool2d_with_indices = _max_pool(2)[0]
max_pool3d_with_indices, max_pool3d = _max_pool(3)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        return _nn.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                           ceil_mode)
    return _nn.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _nn.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _nn.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _nn.avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override)


adaptive_avg_pool1d = _nn.adaptive_avg_pool1d
adaptive_avg_pool2d = _nn.adaptive_avg_pool2d
adaptive_avg_pool3d = _nn.adaptive_avg_pool3d


def _adaptive_max_pool(dims):
    """adaptive_max_poolNd_with_indices and adaptive_max_poolNd over _nn.adaptive_max_poolNd."""
    pool = getattr(_nn, f"adaptive_max_pool{dims}d")

    def adaptive_max_pool_with_indices(input, output_size, return_indices=False):
        return pool(input, output_size)

    def adaptive_max_pool(input, output_size, return_indices=False):
        out = pool(input, output_size)
        return out if return_indices else out[0]

    adaptive_max_pool_with_indices.__name__ = adaptive_max_pool_with_indices.__qualname__ = \
        f"adaptive_max_pool{dims}d_with_indices"
    adaptive_max_pool.__name__ = adaptive_max_pool.__qualname__ = pool.__name__
    return adaptive_max_pool_with_indices, adaptive_max_pool


adaptive_max_pool1d_with_indices, adaptive_max_pool1d = _adaptive_max_pool(1)
adaptive_max_pool2d_with_indices, adaptive_max_pool2d = _adaptive_max_pool(2)
adaptive_max_pool3d_with_indices, adaptive_max_pool3d = _adaptive_max_pool(3)


def _max_unpool(dims):
    unpool = getattr(_nn, f"max_unpool{dims}d")

    def max_unpool(input, indices, kernel_size, stride=None, padding=0, output_size=None):
        return unpool(input, indices, kernel_size, stride, padding, output_size)

    max_unpool.__name__ = max_unpool.__qualname__ = unpool.__name__
    return max_unpool


max_unpool1d, max_unpool2d, max_unpool3d = _max_unpool(1), _max_unpool(2), _max_unpool(3)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _nn.lp_pool1d(input, float(norm_type), kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _nn.lp_pool2d(input, float(norm_type), kernel_size, stride, ceil_mode)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return _nn.fold(input, output_size, kernel_size, dilation, padding, stride)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    return _nn.unfold(input, kernel_size, dilation, padding, stride)


pixel_shuffle = _nn.pixel_shuffle
pixel_unshuffle = _nn.pixel_unshuffle
channel_shuffle = _nn.channel_shuffle

def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples the spatial dims of [N, C, ...] input to size, or by scale_factor."""
    return _nn.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                           antialias)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate "
                  "instead.")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate "
                  "instead.")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
