"""The 1-D and 3-D convolutions, the 1-D, 2-D and 3-D pools, adaptive pools, unpooling,
power-average pooling, interpolation, pixel/channel shuffles and fold/unfold against real PyTorch:
values, first and second derivatives, float64 gradcheck and gradgradcheck; their modules' reprs,
parameters and state; errors."""
import numpy as np
import pytest

import ember


def _tensors(lib, shapes, seed, positive=False):
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        data = rng.standard_normal(shape)
        out.append(lib.tensor(np.abs(data) + 0.5 if positive else data, requires_grad=True))
    return out


def _run(lib, fn, shapes, positive=False):
    """fn's value, its gradients, and the gradients of the gradients' squared norm."""
    inputs = _tensors(lib, shapes, 0, positive)
    out = fn(lib, *inputs)
    y = out[0] if isinstance(out, tuple) else out
    extras = [o.numpy() for o in out[1:]] if isinstance(out, tuple) else []
    g = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
    grads = lib.autograd.grad(y, inputs, g, create_graph=True, allow_unused=True)
    grads = [lib.zeros_like(x) if gr is None else gr for x, gr in zip(inputs, grads)]
    total = sum((gr * gr).sum() for gr in grads)
    # A gradient that does not depend on an input (piecewise-linear ops) has a zero second
    # derivative: torch materialises it, Ember reports it unused; both mean zeros.
    second = lib.autograd.grad(total, inputs, allow_unused=True) if total.requires_grad else \
        [None] * len(inputs)
    return ([y.detach().numpy()] + extras + [gr.detach().numpy() for gr in grads] +
            [np.zeros(tuple(x.shape)) if s is None else s.numpy() for x, s in zip(inputs, second)])


def _check(torch, fn, shapes, positive=False, gradcheck=True):
    mine, ref = _run(ember, fn, shapes, positive), _run(torch, fn, shapes, positive)
    assert [m.shape for m in mine] == [r.shape for r in ref]
    for m, r in zip(mine, ref):
        if m.dtype.kind in "iu":
            np.testing.assert_array_equal(m, r)
        else:
            np.testing.assert_allclose(m, r, rtol=1e-9, atol=1e-9)
    if gradcheck:
        inputs = _tensors(ember, shapes, 2, positive)
        first = lambda *xs: fn(ember, *xs)[0] if isinstance(fn(ember, *xs), tuple) else \
            fn(ember, *xs)
        assert ember.autograd.gradcheck(first, inputs)
        assert ember.autograd.gradgradcheck(first, inputs)


F = lambda lib: lib.nn.functional

CONVOLUTIONS = [
    ("conv1d", lambda l, x, w, b: F(l).conv1d(x, w, b), [(2, 3, 7), (4, 3, 3), (4,)]),
    ("conv1d strided", lambda l, x, w: F(l).conv1d(x, w, None, 2, 1, 2), [(2, 2, 9), (3, 2, 3)]),
    ("conv1d groups", lambda l, x, w, b: F(l).conv1d(x, w, b, 1, 1, 1, 2),
     [(1, 4, 6), (6, 2, 2), (6,)]),
    ("conv1d unbatched", lambda l, x, w: F(l).conv1d(x, w), [(3, 5), (2, 3, 2)]),
    ("conv1d same even", lambda l, x, w: F(l).conv1d(x, w, padding="same"), [(1, 2, 6), (2, 2, 4)]),
    ("conv1d same dilated", lambda l, x, w: F(l).conv1d(x, w, padding="same", dilation=3),
     [(1, 2, 8), (2, 2, 3)]),
    ("conv2d same", lambda l, x, w: F(l).conv2d(x, w, padding="same"), [(1, 2, 5, 4), (2, 2, 2, 3)]),
    ("conv2d valid", lambda l, x, w: F(l).conv2d(x, w, padding="valid"),
     [(1, 2, 5, 4), (2, 2, 2, 3)]),
    ("conv3d", lambda l, x, w, b: F(l).conv3d(x, w, b), [(2, 2, 4, 4, 3), (3, 2, 2, 2, 2), (3,)]),
    ("conv3d strided", lambda l, x, w: F(l).conv3d(x, w, None, (2, 1, 2), (1, 0, 1), (1, 2, 1)),
     [(1, 2, 5, 5, 4), (2, 2, 3, 2, 2)]),
    ("conv3d groups", lambda l, x, w: F(l).conv3d(x, w, None, 1, 0, 1, 2),
     [(1, 4, 3, 3, 3), (4, 2, 2, 2, 1)]),
    ("conv3d unbatched", lambda l, x, w: F(l).conv3d(x, w, padding=1), [(2, 3, 3, 3), (1, 2, 3, 3, 3)]),
    ("conv_transpose1d", lambda l, x, w, b: F(l).conv_transpose1d(x, w, b, 2, 1, 1),
     [(2, 3, 5), (3, 2, 3), (2,)]),
    ("conv_transpose1d groups", lambda l, x, w: F(l).conv_transpose1d(x, w, None, 1, 0, 1, 2, 2),
     [(1, 4, 4), (4, 3, 3)]),
    ("conv_transpose3d", lambda l, x, w, b: F(l).conv_transpose3d(x, w, b, 2, 1, 1),
     [(1, 2, 3, 2, 3), (2, 3, 3, 2, 2), (3,)]),
    ("conv_transpose3d groups", lambda l, x, w: F(l).conv_transpose3d(
        x, w, None, (1, 2, 1), 0, (0, 1, 0), 2, (2, 1, 1)), [(1, 4, 2, 3, 2), (4, 1, 2, 2, 2)]),
    ("conv_transpose3d unbatched", lambda l, x, w: F(l).conv_transpose3d(x, w),
     [(2, 2, 2, 2), (2, 1, 2, 2, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", CONVOLUTIONS, ids=[c[0] for c in CONVOLUTIONS])
def test_convolutions_match_torch(torch, name, fn, shapes):
    _check(torch, fn, shapes)


POOLS = [
    ("max_pool1d", lambda l, x: F(l).max_pool1d(x, 3, 2, 1, return_indices=True), [(2, 3, 9)]),
    ("max_pool1d dilated ceil", lambda l, x: F(l).max_pool1d(x, 2, 2, 0, 2, True), [(3, 8)]),
    ("max_pool2d indices", lambda l, x: F(l).max_pool2d(x, 2, return_indices=True), [(1, 2, 4, 5)]),
    ("avg_pool1d", lambda l, x: F(l).avg_pool1d(x, 3, 2, 1, False, False), [(2, 3, 8)]),
    ("avg_pool1d ceil", lambda l, x: F(l).avg_pool1d(x, 2, ceil_mode=True), [(2, 7)]),
    ("avg_pool2d divisor", lambda l, x: F(l).avg_pool2d(x, 2, 1, 1, divisor_override=3),
     [(1, 2, 3, 4)]),
    ("adaptive_avg_pool1d", lambda l, x: F(l).adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    ("adaptive_avg_pool2d", lambda l, x: F(l).adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    ("adaptive_avg_pool2d none", lambda l, x: F(l).adaptive_avg_pool2d(x, (None, 3)), [(2, 5, 7)]),
    ("adaptive_avg_pool2d global", lambda l, x: F(l).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)]),
    ("adaptive_avg_pool2d up", lambda l, x: F(l).adaptive_avg_pool2d(x, 5), [(1, 2, 3, 4)]),
    ("adaptive_max_pool1d", lambda l, x: F(l).adaptive_max_pool1d(x, 4, True), [(2, 3, 10)]),
    ("adaptive_max_pool2d", lambda l, x: F(l).adaptive_max_pool2d(x, (3, 4), True),
     [(2, 2, 7, 9)]),
    ("adaptive_max_pool2d unbatched", lambda l, x: F(l).adaptive_max_pool2d(x, (2, None), True),
     [(3, 5, 4)]),
    ("adaptive_max_pool2d up", lambda l, x: F(l).adaptive_max_pool2d(x, 6, True), [(1, 1, 4, 5)]),
    ("max_unpool1d", lambda l, x: F(l).max_unpool1d(*F(l).max_pool1d(x, 2, return_indices=True), 2),
     [(2, 3, 8)]),
    # Non-overlapping windows: a position two windows pick would take two gradients.
    ("max_unpool2d", lambda l, x: F(l).max_unpool2d(
        *F(l).max_pool2d(x, 2, 2, return_indices=True), 2, 2, output_size=(7, 6)),
     [(1, 2, 7, 6)]),
    ("max_pool3d indices", lambda l, x: F(l).max_pool3d(x, 2, return_indices=True),
     [(1, 2, 4, 4, 5)]),
    ("max_pool3d padded dilated ceil", lambda l, x: F(l).max_pool3d(
        x, (3, 2, 3), (2, 1, 2), (1, 0, 1), (1, 2, 1), True, True), [(1, 1, 5, 4, 5)]),
    ("max_pool3d unbatched overlapping", lambda l, x: F(l).max_pool3d(
        x, (2, 3, 2), 1, (1, 1, 0), return_indices=True), [(2, 3, 4, 4)]),
    ("max_pool3d_with_indices", lambda l, x: F(l).max_pool3d_with_indices(x, 3, 2, 1,
                                                                          ceil_mode=True),
     [(1, 1, 4, 5, 6)]),
    ("avg_pool3d", lambda l, x: F(l).avg_pool3d(x, 3, 2, 1), [(1, 2, 5, 5, 5)]),
    ("avg_pool3d ceil no pad count", lambda l, x: F(l).avg_pool3d(x, 3, 2, 1, True, False),
     [(1, 1, 4, 5, 6)]),
    ("avg_pool3d divisor ceil", lambda l, x: F(l).avg_pool3d(
        x, (2, 3, 2), (1, 2, 2), (1, 1, 0), True, True, 5), [(1, 2, 4, 5, 6)]),
    ("avg_pool3d unbatched", lambda l, x: F(l).avg_pool3d(x, (2, 3, 2), (1, 1, 2), 1),
     [(2, 3, 4, 5)]),
    ("avg_pool2d divisor ceil", lambda l, x: F(l).avg_pool2d(x, 2, ceil_mode=True,
                                                             divisor_override=3), [(1, 2, 5, 5)]),
    ("adaptive_avg_pool3d", lambda l, x: F(l).adaptive_avg_pool3d(x, (2, 3, 3)),
     [(1, 2, 5, 4, 7)]),
    ("adaptive_avg_pool3d none", lambda l, x: F(l).adaptive_avg_pool3d(x, (None, 3, 2)),
     [(2, 3, 4, 5)]),
    ("adaptive_avg_pool3d up", lambda l, x: F(l).adaptive_avg_pool3d(x, 5), [(1, 1, 2, 3, 4)]),
    ("adaptive_max_pool3d", lambda l, x: F(l).adaptive_max_pool3d(x, (2, 3, 3), True),
     [(1, 2, 5, 4, 7)]),
    ("adaptive_max_pool3d unbatched up", lambda l, x: F(l).adaptive_max_pool3d(
        x, (3, None, 6), True), [(2, 3, 4, 5)]),
    ("adaptive_max_pool3d_with_indices", lambda l, x: F(l).adaptive_max_pool3d_with_indices(
        x, 2), [(2, 2, 3, 4, 5)]),
    # Non-overlapping windows: a position two windows pick would take two gradients.
    ("max_unpool3d", lambda l, x: F(l).max_unpool3d(
        *F(l).max_pool3d(x, 2, 2, return_indices=True), 2, 2, output_size=(5, 4, 5)),
     [(1, 2, 5, 4, 5)]),
    ("max_unpool3d unbatched", lambda l, x: F(l).max_unpool3d(
        *F(l).max_pool3d(x, (1, 2, 2), return_indices=True), (1, 2, 2)), [(2, 3, 4, 4)]),
    ("lp_pool1d", lambda l, x: F(l).lp_pool1d(x, 2, 3, 2), [(2, 3, 9)]),
    ("lp_pool2d", lambda l, x: F(l).lp_pool2d(x, 3, (2, 3), ceil_mode=True), [(1, 2, 5, 7)]),
]


@pytest.mark.parametrize("name,fn,shapes", POOLS, ids=[c[0] for c in POOLS])
def test_pools_match_torch(torch, name, fn, shapes):
    _check(torch, fn, shapes, positive=name.startswith("lp_pool3"))


RESAMPLING = [
    ("nearest size", lambda l, x: F(l).interpolate(x, size=7), [(2, 3, 4)]),
    ("nearest scale", lambda l, x: F(l).interpolate(x, scale_factor=2), [(1, 2, 3, 4)]),
    ("nearest fractional", lambda l, x: F(l).interpolate(x, scale_factor=(1.7, 0.6)),
     [(1, 2, 5, 6)]),
    ("nearest recompute", lambda l, x: F(l).interpolate(x, scale_factor=1.7,
                                                         recompute_scale_factor=True),
     [(1, 2, 5, 6)]),
    ("nearest 3d", lambda l, x: F(l).interpolate(x, size=(3, 4, 2)), [(1, 1, 2, 3, 3)]),
    ("nearest-exact", lambda l, x: F(l).interpolate(x, size=(5, 3), mode="nearest-exact"),
     [(1, 2, 3, 7)]),
    ("linear", lambda l, x: F(l).interpolate(x, size=9, mode="linear"), [(2, 3, 4)]),
    ("linear corners", lambda l, x: F(l).interpolate(x, scale_factor=2.5, mode="linear",
                                                     align_corners=True), [(2, 3, 4)]),
    ("bilinear", lambda l, x: F(l).interpolate(x, size=(5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
    ("bilinear down", lambda l, x: F(l).interpolate(x, scale_factor=0.5, mode="bilinear"),
     [(1, 2, 6, 5)]),
    ("bilinear corners", lambda l, x: F(l).interpolate(x, size=(4, 1), mode="bilinear",
                                                       align_corners=True), [(1, 2, 3, 4)]),
    ("trilinear", lambda l, x: F(l).interpolate(x, scale_factor=(2, 1.5, 1), mode="trilinear"),
     [(1, 1, 2, 3, 2)]),
    ("area", lambda l, x: F(l).interpolate(x, size=(3, 2), mode="area"), [(1, 2, 7, 5)]),
    ("area 3d", lambda l, x: F(l).interpolate(x, size=(2, 3, 2), mode="area"),
     [(1, 2, 3, 5, 4)]),
    ("bicubic", lambda l, x: F(l).interpolate(x, size=(5, 9), mode="bicubic"), [(2, 2, 4, 6)]),
    ("bicubic corners", lambda l, x: F(l).interpolate(x, scale_factor=(1.5, 0.5), mode="bicubic",
                                                     align_corners=True), [(1, 2, 4, 6)]),
    ("bicubic down", lambda l, x: F(l).interpolate(x, size=(2, 3), mode="bicubic"),
     [(1, 1, 7, 8)]),
    ("bilinear antialias", lambda l, x: F(l).interpolate(x, size=(3, 2), mode="bilinear",
                                                         antialias=True), [(2, 2, 7, 9)]),
    ("bilinear antialias up", lambda l, x: F(l).interpolate(x, scale_factor=1.6, mode="bilinear",
                                                            antialias=True), [(1, 2, 4, 5)]),
    ("bicubic antialias", lambda l, x: F(l).interpolate(x, scale_factor=0.4, mode="bicubic",
                                                        antialias=True), [(1, 2, 9, 11)]),
    ("bicubic antialias corners", lambda l, x: F(l).interpolate(
        x, size=(4, 3), mode="bicubic", align_corners=True, antialias=True), [(1, 1, 9, 7)]),
    ("Upsample module", lambda l, x: l.nn.Upsample(scale_factor=2, mode="bilinear")(x),
     [(1, 2, 3, 3)]),
    ("UpsamplingBilinear2d", lambda l, x: l.nn.UpsamplingBilinear2d(size=(5, 4))(x),
     [(1, 2, 3, 3)]),
    ("pixel_shuffle", lambda l, x: F(l).pixel_shuffle(x, 2), [(2, 8, 2, 3)]),
    ("pixel_unshuffle", lambda l, x: F(l).pixel_unshuffle(x, 2), [(3, 4, 6)]),
    ("unfold", lambda l, x: F(l).unfold(x, (2, 3), 1, 1, 2), [(2, 2, 5, 6)]),
    ("fold", lambda l, x: F(l).fold(x, (4, 5), 2, 1, 0, 1), [(2, 8, 12)]),
]


@pytest.mark.parametrize("name,fn,shapes", RESAMPLING, ids=[c[0] for c in RESAMPLING])
def test_resampling_matches_torch(torch, name, fn, shapes):
    _check(torch, fn, shapes)


def test_channel_shuffle_matches_torch(torch):
    # torch 1.13 has no derivative for channel_shuffle: compare values, gradcheck Ember's.
    x = np.random.default_rng(7).standard_normal((2, 6, 2, 2))
    np.testing.assert_array_equal(ember.nn.ChannelShuffle(3)(ember.tensor(x)).numpy(),
                                  torch.nn.ChannelShuffle(3)(torch.tensor(x)).numpy())
    xs = _tensors(ember, [(2, 6, 2)], 8)
    assert ember.autograd.gradcheck(lambda t: ember.nn.functional.channel_shuffle(t, 2), xs)


def test_tensor_unfold_matches_torch(torch):
    _check(torch, lambda l, x: x.unfold(1, 3, 2), [(2, 8, 3)])
    _check(torch, lambda l, x: x.unfold(-1, 2, 1).unfold(0, 2, 2), [(5, 4)])
    for lib in (ember, torch):
        assert lib.ones(3, requires_grad=True).unfold(0, 2, 1).grad_fn.name() == \
            "UnfoldBackward0"


MODULES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1, bias=False)),
    ("Conv1d", (4, 4, 2), dict(groups=2, dilation=2, padding="same")),
    ("Conv1d", (2, 3, 3), dict(padding=1, padding_mode="reflect")),
    ("Conv2d", (2, 3, 3), dict(padding="valid")),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="circular")),
    ("Conv3d", (2, 4, (2, 3, 1)), dict(stride=(1, 2, 1), padding=(1, 0, 0))),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose3d", (2, 4, 2), dict(groups=2, bias=False)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1)),
    ("AvgPool1d", (3,), dict(stride=2)),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveMaxPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", (2,), {}),
    ("MaxUnpool1d", (2,), {}),
    ("MaxUnpool2d", (2,), dict(stride=1)),
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((2, 1, 2),), dict(stride=1, padding=(1, 0, 1), dilation=2, ceil_mode=True,
                                     return_indices=True)),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", ((2, 1, 2),), dict(stride=(1, 2, 1), padding=1, ceil_mode=True,
                                     count_include_pad=False, divisor_override=3)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveMaxPool3d", (2,), dict(return_indices=True)),
    ("MaxUnpool3d", (2,), {}),
    ("MaxUnpool3d", ((2, 1, 2),), dict(stride=1, padding=(1, 0, 0))),
    ("LPPool1d", (2, 3), {}),
    ("LPPool2d", (1.5, 2), dict(stride=1)),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(3, 4), mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3)),
    ("UpsamplingBilinear2d", ((4, 4),), {}),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (3,), {}),
    ("ChannelShuffle", (2,), {}),
    ("Fold", ((4, 5), 2), {}),
    ("Unfold", ((2, 3),), dict(stride=2)),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_module_reprs_and_parameters_match_torch(torch, name, args, kwargs):
    mine, ref = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(ref)
    assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv1d", (4, 4, 2), dict(groups=2, dilation=2, padding="same"), (2, 4, 7)),
    ("Conv1d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (2, 2, 6)),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="circular"), (1, 2, 4, 5)),
    ("Conv2d", (2, 3, (2, 3)), dict(padding=(1, 2), padding_mode="replicate"), (1, 2, 4, 5)),
    ("Conv3d", (2, 4, (2, 3, 1)), dict(stride=(1, 2, 1), padding=(1, 0, 0)), (1, 2, 3, 5, 2)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, output_padding=1), (2, 3, 4)),
    ("ConvTranspose3d", (2, 4, 2), dict(groups=2, bias=False), (1, 2, 2, 3, 2)),
])
def test_conv_modules_compute_as_torch(torch, name, args, kwargs, shape):
    mine, ref = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in mine.state_dict().items()})
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(mine(ember.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_conv_transpose_modules_take_output_size(torch):
    mine = ember.nn.ConvTranspose1d(2, 3, 3, stride=2)
    ref = torch.nn.ConvTranspose1d(2, 3, 3, stride=2)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in mine.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((1, 2, 4)).astype(np.float32)
    np.testing.assert_allclose(mine(ember.tensor(x), output_size=[10]).detach().numpy(),
                               ref(torch.tensor(x), output_size=[10]).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_pool_and_unpool_modules_round_trip(torch):
    x = np.random.default_rng(5).standard_normal((1, 1, 4, 4)).astype(np.float32)
    outs = []
    for lib in (ember, torch):
        pool, unpool = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        y, i = pool(lib.tensor(x))
        outs.append(unpool(y, i).numpy())
    np.testing.assert_array_equal(outs[0], outs[1])


POOL_MODULES_3D = [
    ("MaxPool3d", (2,), dict(return_indices=True), (1, 2, 4, 5, 4)),
    ("MaxPool3d", ((3, 2, 2),), dict(stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True),
     (2, 5, 6, 5)),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (1, 2, 4, 5, 6)),
    ("AvgPool3d", ((2, 3, 2),), dict(divisor_override=4), (1, 1, 4, 6, 4)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (1, 2, 5, 4, 7)),
    ("AdaptiveMaxPool3d", ((3, 2, 2),), dict(return_indices=True), (2, 4, 5, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", POOL_MODULES_3D)
def test_pool3d_modules_compute_and_keep_state_as_torch(torch, name, args, kwargs, shape):
    mine, ref = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    public = lambda m: {k: v for k, v in vars(m).items() if not k.startswith("_")}
    assert public(mine) == public(ref)
    assert mine.state_dict() == {} and not ref.state_dict()
    x = np.random.default_rng(9).standard_normal(shape)
    outs = [m(lib.tensor(x)) for m, lib in ((mine, ember), (ref, torch))]
    outs = [o if isinstance(o, tuple) else (o,) for o in outs]
    assert len(outs[0]) == len(outs[1])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_pool3d_and_unpool3d_modules_round_trip(torch):
    x = np.random.default_rng(10).standard_normal((1, 2, 4, 4, 6)).astype(np.float32)
    outs = []
    for lib in (ember, torch):
        pool = lib.nn.MaxPool3d((2, 2, 3), return_indices=True)
        unpool = lib.nn.MaxUnpool3d((2, 2, 3))
        y, i = pool(lib.tensor(x))
        outs.append(unpool(y, i, output_size=(1, 2, 4, 4, 6)).numpy())
    np.testing.assert_array_equal(outs[0], outs[1])


def test_pool3d_functions_return_what_torch_returns(torch):
    x = np.random.default_rng(11).standard_normal((1, 1, 4, 4, 4))
    for lib in (ember, torch):
        t = lib.tensor(x)
        assert not isinstance(lib.nn.functional.max_pool3d(t, 2), tuple)
        assert len(lib.nn.functional.max_pool3d(t, 2, return_indices=True)) == 2
        assert not isinstance(lib.nn.functional.adaptive_max_pool3d(t, 2), tuple)
        assert len(lib.nn.functional.adaptive_max_pool3d_with_indices(t, 2)) == 2
    np.testing.assert_array_equal(ember.max_pool3d(ember.tensor(x), 2, 1, 1).numpy(),
                                  torch.max_pool3d(torch.tensor(x), 2, 1, 1).numpy())
    assert ember.nn.functional.max_pool3d.__name__ == "max_pool3d"


def test_top_level_names_match_torch(torch):
    x = np.random.default_rng(6).standard_normal((1, 2, 6)).astype(np.float32)
    for name, args in [("max_pool1d", (2,)), ("avg_pool1d", (3,)), ("adaptive_avg_pool1d", (4,)),
                       ("pixel_shuffle", ()), ("channel_shuffle", (2,))]:
        if name == "pixel_shuffle":
            data, args = x.reshape(1, 4, 1, 3), (2,)
        else:
            data = x
        mine = getattr(ember, name)(ember.tensor(data), *args)
        ref = getattr(torch, name)(torch.tensor(data), *args)
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-6)
    mine, ref = ember.adaptive_max_pool1d(ember.tensor(x), 4), torch.adaptive_max_pool1d(
        torch.tensor(x), 4)
    np.testing.assert_array_equal(mine[1].numpy(), ref[1].numpy())


ERRORS = [
    (lambda l: F(l).conv1d(l.ones(1, 3, 5), l.ones(2, 2, 3)), RuntimeError,
     r"Given groups=1, weight of size \[2, 2, 3\], expected input\[1, 3, 5\] to have 2 "
     r"channels, but got 3 channels instead"),
    (lambda l: F(l).conv3d(l.ones(2, 3, 3), l.ones(2, 2, 2, 2, 2)), RuntimeError,
     r"Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d, but got input of size: "
     r"\[2, 3, 3\]"),
    (lambda l: F(l).conv1d(l.ones(1, 2, 5), l.ones(2, 2, 3), stride=2, padding="same"),
     RuntimeError, "padding='same' is not supported for strided convolutions"),
    (lambda l: l.nn.Conv1d(2, 2, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda l: F(l).interpolate(l.ones(1, 1, 3), size=4, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda l: F(l).interpolate(l.ones(1, 1, 3)), ValueError,
     "either size or scale_factor should be defined"),
    (lambda l: F(l).interpolate(l.ones(1, 1, 3), size=4, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    (lambda l: F(l).interpolate(l.ones(1, 1, 3), size=4, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    (lambda l: F(l).pixel_shuffle(l.ones(1, 3, 2, 2), 2), RuntimeError,
     "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
     "upscale_factor"),
    (lambda l: F(l).max_unpool1d(l.ones(1, 1, 2), l.tensor([[[0, 9]]]), 2), RuntimeError,
     "Found an invalid max index: 9"),
    (lambda l: F(l).adaptive_avg_pool2d(l.ones(1, 0, 3), 2), RuntimeError,
     "Expected input to have non-zero size for non-batch dimensions"),
    (lambda l: F(l).max_pool3d(l.ones(1, 2, 5, 5, 5), (2, 2)), RuntimeError,
     "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"),
    (lambda l: F(l).max_pool3d(l.ones(1, 2, 5, 5, 5), 2, 2, (0, 2, 0)), RuntimeError,
     "pad should be at most half of kernel size, but got pad=2 and kernel_size=2"),
    (lambda l: F(l).max_pool3d(l.ones(1, 2, 5, 5, 5), 2, 2, 0, (0, 1, 1)), RuntimeError,
     "dilation should be greater than zero, but got dilationT: 0 dilationH: 1 dilationW: 1"),
    (lambda l: F(l).max_pool3d(l.ones(1, 2, 5, 5, 5), 6), RuntimeError,
     r"Given input size: \(2x5x5x5\). Calculated output size: \(2x0x0x0\). Output size is too "
     "small"),
    (lambda l: F(l).avg_pool3d(l.ones(1, 2, 5, 5, 5), 2, 2, (0, 2, 0)), RuntimeError,
     "pad should be at most half of kernel size, but got pad=2 and kernel_size=2"),
    (lambda l: F(l).avg_pool3d(l.ones(1, 1, 4, 4, 4), 2, divisor_override=0), RuntimeError,
     "divisor must be not zero"),
    (lambda l: F(l).adaptive_avg_pool3d(l.ones(1, 1, 2, 2, 2), (2, 2)), RuntimeError,
     "adaptive_avg_pool3d: output_size must be 3"),
    (lambda l: F(l).adaptive_max_pool3d(l.ones(1, 2, 0, 2, 2), 2), RuntimeError,
     "Expected input to have non-zero size for non-batch dimensions"),
    (lambda l: F(l).max_unpool3d(l.ones(1, 1, 2, 2, 2), l.zeros(1, 1, 2, 2, 2, dtype=l.long) + 100,
                                 2), RuntimeError, "Found an invalid max index: 100"),
    (lambda l: F(l).max_unpool3d(l.ones(1, 1, 2, 2, 2), l.zeros(1, 1, 2, 2, 1, dtype=l.long), 2),
     RuntimeError, "Expected shape of indices to be same as that of the input tensor"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_arguments_raise_as_torch(torch, case):
    fn, kind, message = ERRORS[case]
    for lib in (ember, torch):
        with pytest.raises(kind, match=message):
            fn(lib)


def test_bicubic_and_antialias_float32_and_errors(torch, raises_like_torch):
    x = np.random.default_rng(4).standard_normal((2, 3, 8, 6)).astype(np.float32)
    for kwargs in [dict(mode="bicubic", size=(5, 11)),
                   dict(mode="bicubic", scale_factor=0.5, antialias=True),
                   dict(mode="bilinear", size=(3, 3), antialias=True)]:
        e = F(ember).interpolate(ember.tensor(x), **kwargs)
        t = F(torch).interpolate(torch.tensor(x), **kwargs)
        assert e.dtype == ember.float32
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)
    raises_like_torch(lambda m: F(m).interpolate(m.zeros(1, 1, 4), size=3, mode="linear",
                                                 antialias=True))
    raises_like_torch(lambda m: F(m).interpolate(m.zeros(1, 1, 4, 4), size=3, mode="nearest",
                                                 antialias=True))
    with pytest.raises(NotImplementedError):
        F(ember).interpolate(ember.zeros(1, 1, 4), size=3, mode="bicubic")
    with pytest.raises(NotImplementedError):
        F(torch).interpolate(torch.zeros(1, 1, 4), size=3, mode="bicubic")
