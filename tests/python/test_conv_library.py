"""The float32 convolutions that run on oneDNN or, for shallow windows at stride 1, on Ember's
direct kernels (Note [Library convolutions] in src/ops/conv.cpp) against real PyTorch: conv2d and conv_transpose2d over strides, paddings (with output sizes that
round down, which oneDNN cannot express and which fall back to im2col), output paddings, groups,
dilations and strided inputs; gradients with and without a graph of the backward; and the
profiler showing that the library's kernels ran. Float64 stays on im2col, which the gradchecks
in test_spatial_layers.py and test_conv_transpose.py cover."""
import numpy as np
import pytest

import ember

# (input shape, weight shape, stride, padding, dilation, groups)
CONV_CASES = [
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, 1, 1, 1),
    ((2, 4, 9, 8), (6, 2, 3, 2), 2, (1, 0), 1, 2),  # groups; sizes round down
    ((1, 4, 10, 10), (4, 1, 3, 3), 2, 2, 2, 4),  # depthwise, dilated
    ((3, 2, 7, 7), (5, 2, 2, 2), 2, 0, 1, 1),  # 7 -> 3 drops a row and a column
    ((4, 3, 16, 16), (8, 3, 4, 4), 2, 1, 1, 1),  # DCGAN's discriminator layer
    # Stride 1 over at most 32 taps per pixel: Ember's direct kernels (shallow_conv.cpp).
    ((2, 1, 12, 40), (5, 1, 3, 3), 1, 1, 1, 1),  # a first layer; rows wider than two vectors
    ((3, 4, 7, 9), (6, 2, 5, 3), 1, (2, 0), (1, 2), 2),  # groups, dilation, uneven padding
    ((2, 1, 28, 28), (32, 1, 3, 3), 1, 1, 1, 1),  # bench/'s conv2d row
]

# (input shape, weight shape, stride, padding, output_padding, groups, dilation)
TRANSPOSE_CASES = [
    ((2, 3, 5, 4), (3, 2, 3, 3), 1, 0, 0, 1, 1),
    ((2, 3, 5, 4), (3, 2, 3, 2), 2, 1, 1, 1, 1),
    ((1, 4, 3, 3), (4, 3, 4, 4), (2, 3), (1, 0), (1, 2), 2, 1),
    ((2, 2, 4, 4), (2, 1, 3, 3), 1, 1, 1, 1, 2),
    ((4, 8, 4, 4), (8, 4, 4, 4), 2, 1, 0, 1, 1),  # DCGAN's generator layer
]


def _tensors(lib, shapes, seed):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
            for s in shapes]


def _conv(lib, case, seed=0, create_graph=False):
    shape, wshape, stride, padding, dilation, groups = case
    x, w, b = _tensors(lib, [shape, wshape, (wshape[0],)], seed)
    y = lib.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)
    return _derivatives(lib, y, [x, w, b], create_graph)


def _transpose(lib, case, seed=0, create_graph=False):
    shape, wshape, stride, padding, out_pad, groups, dilation = case
    x, w, b = _tensors(lib, [shape, wshape, (wshape[1] * groups,)], seed)
    y = lib.nn.functional.conv_transpose2d(x, w, b, stride, padding, out_pad, groups, dilation)
    return _derivatives(lib, y, [x, w, b], create_graph)


def _derivatives(lib, y, inputs, create_graph):
    g = lib.tensor(np.random.default_rng(7).standard_normal(tuple(y.shape)).astype(np.float32))
    grads = lib.autograd.grad(y, inputs, g, create_graph=create_graph)
    out = [y.detach().numpy()] + [gr.detach().numpy() for gr in grads]
    if create_graph:  # second order, through the im2col path
        total = sum((gr * gr).sum() for gr in grads)
        out += [s.numpy() for s in lib.autograd.grad(total, inputs[:2])]
    return out


def _assert_close(mine, ref):
    assert [m.shape for m in mine] == [r.shape for r in ref]
    for m, r in zip(mine, ref):
        assert m.dtype == np.float32
        np.testing.assert_allclose(m, r, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(r).max()))


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("create_graph", [False, True])
def test_conv2d_matches_torch(torch, case, create_graph):
    _assert_close(_conv(ember, case, create_graph=create_graph),
                  _conv(torch, case, create_graph=create_graph))


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
@pytest.mark.parametrize("create_graph", [False, True])
def test_conv_transpose2d_matches_torch(torch, case, create_graph):
    _assert_close(_transpose(ember, case, create_graph=create_graph),
                  _transpose(torch, case, create_graph=create_graph))


def test_strided_operands_and_broadcast_gradient(torch):
    # A channels-last input and a transposed weight (both views), and sum()'s expanded gradient.
    rng = np.random.default_rng(3)
    nhwc = rng.standard_normal((2, 6, 7, 3)).astype(np.float32)
    wt = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    results = []
    for lib in (ember, torch):
        base = lib.tensor(nhwc, requires_grad=True)
        wbase = lib.tensor(wt, requires_grad=True)
        x, w = base.permute(0, 3, 1, 2), wbase.permute(3, 2, 0, 1)
        y = lib.nn.functional.conv2d(x, w, stride=1, padding=1)
        z = lib.nn.functional.conv_transpose2d(y, w, stride=2)
        z.sum().backward()
        results.append([z.detach().numpy(), base.grad.numpy(), wbase.grad.numpy()])
    _assert_close(*results)


@pytest.mark.parametrize("stride", [1, 2])  # Ember's shallow kernels, oneDNN
def test_frozen_weight_with_bias_and_broadcast_gradient(torch, stride):
    # The input and bias want gradients, the weight none: the bias gradient then comes from the
    # op, not with the weight's; sum()'s expanded gradient reaches the input's adjoint as it is.
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(2, 3, 9, 8), (5, 3, 3, 3), (5,)]]
    results = []
    for lib in (ember, torch):
        x = lib.tensor(arrays[0], requires_grad=True)
        w = lib.tensor(arrays[1])
        b = lib.tensor(arrays[2], requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, b, stride=stride, padding=1)
        (y.sum() * 0.5).backward()
        results.append([y.detach().numpy(), x.grad.numpy(), b.grad.numpy()])
    _assert_close(*results)


def test_library_kernels_run_for_float32_only():
    x = ember.randn(2, 3, 8, 8, requires_grad=True)
    w = ember.randn(4, 3, 3, 3, requires_grad=True)

    def kernels(dtype):
        with ember.autograd.profiler.profile() as prof:
            y = ember.nn.functional.conv2d(x.to(dtype), w.to(dtype), padding=1)
            ember.nn.functional.conv_transpose2d(y, w.to(dtype)).sum().backward()
        return {e.key for e in prof.key_averages()}

    names = kernels(ember.float32)
    for name in ("aten::mkldnn_convolution", "aten::mkldnn_convolution_backward_input",
                 "aten::mkldnn_convolution_backward_weights"):
        assert name in names
    assert "aten::im2col" not in names and "aten::col2im" not in names
    names = kernels(ember.float64)
    assert "aten::im2col" in names and "aten::mkldnn_convolution" not in names
