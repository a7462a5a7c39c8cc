"""conv_transpose2d and nn.ConvTranspose2d against real PyTorch: values, first and second
derivatives over strides, paddings, output paddings, groups and dilations; output_size; reprs;
errors."""
import numpy as np
import pytest

import ember

# (input shape, weight shape, stride, padding, output_padding, groups, dilation, bias)
CASES = [
    ((2, 3, 5, 4), (3, 2, 3, 3), 1, 0, 0, 1, 1, True),
    ((2, 3, 5, 4), (3, 2, 3, 2), 2, 1, 1, 1, 1, True),
    ((1, 4, 3, 3), (4, 3, 4, 4), (2, 3), (1, 0), (1, 2), 2, 1, False),
    ((2, 2, 4, 4), (2, 1, 3, 3), 1, 1, 1, 1, 2, True),  # output_padding < dilation, >= stride
    ((3, 4, 4), (3, 2, 2, 2), 2, 0, 0, 1, 1, True),      # unbatched
]


def _run(lib, case, rng_seed=0):
    shape, wshape, stride, padding, out_pad, groups, dilation, bias = case
    rng = np.random.default_rng(rng_seed)
    x = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    w = lib.tensor(rng.standard_normal(wshape), requires_grad=True)
    b = lib.tensor(rng.standard_normal(wshape[1] * groups), requires_grad=True) if bias else None
    y = lib.nn.functional.conv_transpose2d(x, w, b, stride, padding, out_pad, groups, dilation)
    g = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
    inputs = [x, w] + ([b] if bias else [])
    grads = lib.autograd.grad(y, inputs, g, create_graph=True)
    # Second order: differentiate a function of the first gradients.
    total = sum((gr * gr).sum() for gr in grads)
    second = lib.autograd.grad(total, inputs, allow_unused=True)
    return ([y.detach().numpy()] + [gr.detach().numpy() for gr in grads] +
            [np.zeros(1) if s is None else s.numpy() for s in second])


@pytest.mark.parametrize("case", CASES)
def test_values_and_derivatives_match_torch(torch, case):
    mine, ref = _run(ember, case), _run(torch, case)
    assert [m.shape for m in mine] == [r.shape for r in ref]
    for m, r in zip(mine, ref):
        np.testing.assert_allclose(m, r, rtol=1e-10, atol=1e-10)


def test_module_matches_torch(torch):
    for args, kwargs in [((3, 4, 3), dict(stride=2, padding=1, output_padding=1, bias=False)),
                         ((4, 4, (3, 2)), dict(groups=2, dilation=2))]:
        mine, ref = ember.nn.ConvTranspose2d(*args, **kwargs), torch.nn.ConvTranspose2d(*args, **kwargs)
        assert repr(mine) == repr(ref)
        assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    mine, ref = ember.nn.ConvTranspose2d(2, 3, 3, stride=2), torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in mine.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 4)).astype(np.float32)
    for size in ([9, 9], [10, 10], (1, 3, 10, 9)):
        np.testing.assert_allclose(mine(ember.tensor(x), output_size=size).detach().numpy(),
                                   ref(torch.tensor(x), output_size=size).detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
    for lib, layer in ((ember, mine), (torch, ref)):
        with pytest.raises(ValueError, match=r"requested an output size of \[12, 12\], but valid "
                                             r"sizes range from \[9, 9\] to \[10, 10\]"):
            layer(lib.tensor(x), output_size=[12, 12])
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            lib.nn.ConvTranspose2d(3, 4, 3, groups=2)


@pytest.mark.parametrize("call,message", [
    (lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(1, 3, 5, 5), lib.ones(4, 2, 3, 3)),
     r"Given transposed=1, weight of size \[4, 2, 3, 3\], expected input\[1, 3, 5, 5\] to have 4 "
     r"channels, but got 3 channels instead"),
    (lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(1, 3, 5, 5), lib.ones(3, 2, 3, 3),
                                                    stride=2, output_padding=2),
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 "
     "dilation_height: 1 dilation_width: 1"),
    (lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(1, 3, 5, 5), lib.ones(3, 2, 3, 3),
                                                    bias=lib.ones(3)),
     r"Given transposed=1, weight of size \[3, 2, 3, 3\], expected bias to be 1-dimensional with "
     r"2 elements, but got bias of size \[3\] instead"),
    (lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(3, 5), lib.ones(3, 2, 3, 3)),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv_transpose2d, but got input of "
     r"size: \[3, 5\]"),
])
def test_errors_match_torch(torch, call, message):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=message):
            call(lib)
