"""torch.nn.grad: a convolution's gradient with respect to its input or its weight, given the
gradient of its output. Each is the convolution's own backward, so it matches autograd exactly
and is differentiable in turn."""
from .. import _C
from .._grad_mode import enable_grad
from ..autograd import grad as _grad
from . import functional as F


def _backward(conv, input, weight, grad_output, wanted, stride, padding, dilation, groups):
    with enable_grad():
        out = conv(input, weight, None, stride, padding, dilation, groups)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"{conv.__name__} gradient: grad_output has shape "
                               f"{list(grad_output.shape)} but the convolution gives "
                               f"{list(out.shape)}")
        keep = input.requires_grad or weight.requires_grad or grad_output.requires_grad
        return _grad(out, wanted, grad_output, create_graph=keep)[0]


def _input_grad(conv):
    def gradient(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
        input = _C.zeros(list(input_size), dtype=weight.dtype).requires_grad_()
        return _backward(conv, input, weight, grad_output, input, stride, padding, dilation,
                         groups)
    gradient.__name__ = conv.__name__ + "_input"
    gradient.__doc__ = f"The gradient of {conv.__name__} with respect to its input."
    return gradient


def _weight_grad(conv):
    def gradient(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
        weight = _C.zeros(list(weight_size), dtype=input.dtype).requires_grad_()
        return _backward(conv, input, weight, grad_output, weight, stride, padding, dilation,
                         groups)
    gradient.__name__ = conv.__name__ + "_weight"
    gradient.__doc__ = f"The gradient of {conv.__name__} with respect to its weight."
    return gradient


conv1d_input, conv1d_weight = _input_grad(F.conv1d), _weight_grad(F.conv1d)
conv2d_input, conv2d_weight = _input_grad(F.conv2d), _weight_grad(F.conv2d)
conv3d_input, conv3d_weight = _input_grad(F.conv3d), _weight_grad(F.conv3d)
