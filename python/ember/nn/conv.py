"""The convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d."""

from .. import _C
from . import functional as F
from .module import Module
from .parameter import Parameter


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _ConvNd(Module):
    """What every convolution shares: torch's checks, parameters, initialisation and repr."""

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, transposed, output_padding=0, device=None, dtype=None):
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be one of ['zeros', 'reflect', 'replicate', "
                             f"'circular'], but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _ntuple(kernel_size, n), _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation, self.groups = _ntuple(dilation, n), groups
        self.transposed, self.output_padding = transposed, _ntuple(output_padding, n)
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(_C.empty(*shape, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(_C.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _C._nn._reset_affine_(self.weight, self.bias)

    def _padded(self, input):
        """The input padded by padding_mode when it is not zeros (the conv then pads nothing)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        sides = []
        for before_after in reversed(self._explicit()):
            sides += before_after
        return F.pad(input, sides, mode=self.padding_mode), 0

    def _explicit(self):
        """(before, after) padding per dim, 'same' split as torch splits it."""
        if self.padding == "valid":
            return [(0, 0)] * self._dims
        if self.padding == "same":
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            return [(t // 2, t - t // 2) for t in total]
        return [(p, p) for p in self.padding]

    def extra_repr(self):
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, False, 0, device, dtype)

    def _conv_forward(self, input, weight, bias):
        input, padding = self._padded(input)
        return type(self)._function(input, weight, bias, self.stride, padding, self.dilation,
                                    self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over [N, C, L] inputs."""
    _dims, _function = 1, staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over [N, C, H, W] inputs."""
    _dims, _function = 2, staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over [N, C, D, H, W] inputs."""
    _dims, _function = 3, staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, True, output_padding, device, dtype)

    def forward(self, input, output_size=None):
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, list(output_size)[-self._dims:])
        return type(self)._function(input, self.weight, self.bias, self.stride, self.padding,
                                    output_padding, self.groups, self.dilation)

    def _output_padding(self, input, size):
        n = self._dims
        spatial = list(input.shape[-n:])
        smallest = [(spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] +
                    self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        largest = [smallest[d] + max(self.stride[d], self.dilation[d]) - 1 for d in range(n)]
        if len(size) != n or any(not lo <= s <= hi for s, lo, hi in zip(size, smallest, largest)):
            raise ValueError(f"requested an output size of {size}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {spatial})")
        return tuple(s - lo for s, lo in zip(size, smallest))


class ConvTranspose1d(_ConvTranspose):
    """The transpose of Conv1d: upsamples [N, C, L] inputs."""
    _dims, _function = 1, staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """The transpose of Conv2d: upsamples [N, C, H, W] inputs."""
    _dims, _function = 2, staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """The transpose of Conv3d: upsamples [N, C, D, H, W] inputs."""
    _dims, _function = 3, staticmethod(F.conv_transpose3d)
