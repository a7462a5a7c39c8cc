"""nn.functional.grid_sample and affine_grid, and torch.grid_sampler / grid_sampler_2d /
grid_sampler_3d / affine_grid_generator, against real PyTorch: values and first derivatives in
the input, the grid and theta over every mode, padding and align_corners, in 2-D and 3-D, with
non-contiguous inputs and points outside the image; second derivatives by gradgradcheck (torch
1.13 has none to compare with); warnings and error types."""
import warnings

import numpy as np
import pytest

import ember

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


def _data(input_shape, grid_shape, seed, spread=1.6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(input_shape), rng.uniform(-spread, spread, grid_shape)


def _run(lib, x, g, upstream, transpose=False, **kwargs):
    """The output and the gradients of sum(output * upstream) in input and grid."""
    xt = lib.tensor(x, requires_grad=True)
    gt = lib.tensor(g, requires_grad=True)
    xs, gs = xt, gt
    if transpose:  # non-contiguous views of the same values
        xs = lib.tensor(np.swapaxes(x, -1, -2).copy(), requires_grad=True)
        gs = lib.tensor(np.swapaxes(g, 1, 2).copy(), requires_grad=True)
        xt, gt = xs.transpose(-1, -2), gs.transpose(1, 2)
        assert not xt.is_contiguous() and not gt.is_contiguous()
    out = lib.nn.functional.grid_sample(xt, gt, **kwargs)
    grads = lib.autograd.grad((out * lib.tensor(upstream)).sum(), [xs, gs])
    return [out.detach().numpy()] + [t.numpy() for t in grads]


def _compare(torch, x, g, rtol=1e-9, atol=1e-9, transpose=False, **kwargs):
    with torch.no_grad():
        shape = tuple(torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g),
                                                      **kwargs).shape)
    upstream = np.random.default_rng(99).standard_normal(shape)
    mine = _run(ember, x, g, upstream, transpose, **kwargs)
    ref = _run(torch, x, g, upstream, transpose, **kwargs)
    for m, r in zip(mine, ref):
        assert m.shape == r.shape
        np.testing.assert_allclose(m, r, rtol=rtol, atol=atol)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_2d_matches_torch(torch, mode, padding_mode, align_corners):
    x, g = _data((2, 3, 4, 5), (2, 3, 4, 2), 1)
    _compare(torch, x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_3d_matches_torch(torch, mode, padding_mode, align_corners):
    x, g = _data((2, 2, 3, 4, 5), (2, 2, 3, 4, 3), 2)
    _compare(torch, x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_non_contiguous_inputs_and_far_points(torch, mode, padding_mode):
    # Points up to 4 widths away: several reflections, long border runs, all-zero reads.
    x, g = _data((2, 2, 5, 3), (2, 4, 3, 2), 3, spread=4.0)
    for align_corners in (False, True):
        _compare(torch, x, g, transpose=True, mode=mode, padding_mode=padding_mode,
                 align_corners=align_corners)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_unit_sized_dims(torch, mode, padding_mode):
    # With align_corners a single pixel spans nothing: every point reads its centre.
    x, g = _data((1, 2, 1, 4), (1, 3, 2, 2), 4)
    for align_corners in (False, True):
        _compare(torch, x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def test_float32_matches_torch(torch):
    x, g = _data((2, 3, 6, 5), (2, 4, 4, 2), 5)
    x, g = x.astype(np.float32), g.astype(np.float32)
    for mode in MODES:
        _compare(torch, x, g, rtol=1e-4, atol=1e-5, mode=mode, padding_mode="reflection",
                 align_corners=False)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_warp_gradients_on_pixel_centres(torch, padding_mode, align_corners):
    # affine_grid's identity puts points exactly on pixel centres and (with align_corners) on the
    # edges, where torch takes one-sided derivatives and counts the edge as outside. Without
    # align_corners torch's compiled 2-D kernel fuses (g + 1) * W / 2 - 0.5 into one rounding,
    # which can put a centre an ulp below its pixel: only the values and the input's gradient
    # (continuous there) are compared then.
    x = np.random.default_rng(6).standard_normal((2, 2, 3, 4))
    theta = np.tile(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), (2, 1, 1))

    def run(lib):
        th = lib.tensor(theta, requires_grad=True)
        xt = lib.tensor(x, requires_grad=True)
        grid = lib.nn.functional.affine_grid(th, [2, 2, 3, 4], align_corners=align_corners)
        out = lib.nn.functional.grid_sample(xt, grid, padding_mode=padding_mode,
                                            align_corners=align_corners)
        up = lib.tensor(np.random.default_rng(7).standard_normal((2, 2, 3, 4)))
        return [out.detach().numpy()] + [
            t.numpy() for t in lib.autograd.grad((out * up).sum(), [xt, th])]

    compared = zip(run(ember), run(torch))
    for m, r in compared if align_corners else list(compared)[:2]:
        np.testing.assert_allclose(m, r, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_gradgradcheck(mode, padding_mode):
    x, g = _data((1, 2, 3, 3), (1, 2, 2, 2), 8, spread=1.3)
    for align_corners in (False, True):
        inputs = [ember.tensor(x, requires_grad=True), ember.tensor(g, requires_grad=True)]
        fn = lambda a, b: ember.nn.functional.grid_sample(  # noqa: E731
            a, b, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        assert ember.autograd.gradcheck(fn, inputs)
        assert ember.autograd.gradgradcheck(fn, inputs)


def test_nearest_grid_gradient_is_zero(torch):
    x, g = _data((1, 2, 3, 4), (1, 2, 3, 2), 9)
    for lib in (ember, torch):
        gt = lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(lib.tensor(x), gt, mode="nearest",
                                            align_corners=False)
        out.sum().backward()
        np.testing.assert_array_equal(gt.grad.numpy(), np.zeros_like(g))


def test_nearest_rounds_halves_to_even(torch):
    x = np.array([[[[10.0, 11.0, 12.0, 13.0]]]])
    g = np.array([[[[-0.5, 0.0], [0.0, 0.0], [0.5, 0.0]]]])
    for lib in (ember, torch):
        out = lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(g), mode="nearest",
                                            align_corners=False)
        np.testing.assert_array_equal(out.numpy(), [[[[10.0, 12.0, 12.0]]]])


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(torch, align_corners):
    rng = np.random.default_rng(10)
    for size, shape in (([2, 3, 4, 5], (2, 2, 3)), ((2, 1, 3, 4, 2), (2, 3, 4)),
                        ([1, 1, 1, 6], (1, 2, 3))):
        theta = rng.standard_normal(shape)
        up = rng.standard_normal(tuple(size[:1]) + tuple(size[2:]) + (len(size) - 2,))

        def run(lib):
            th = lib.tensor(theta, requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                grid = lib.nn.functional.affine_grid(th, size, align_corners=align_corners)
            (grad,) = lib.autograd.grad((grid * lib.tensor(up)).sum(), [th])
            return grid.detach().numpy(), grad.numpy()

        for m, r in zip(run(ember), run(torch)):
            np.testing.assert_allclose(m, r, rtol=1e-12, atol=1e-12)
        th = ember.tensor(theta, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert ember.autograd.gradcheck(
                lambda t: ember.nn.functional.affine_grid(t, size, align_corners=align_corners),
                [th])


def test_aten_functions_match_torch(torch):
    x, g = _data((1, 2, 3, 4), (1, 2, 2, 2), 11)
    x5, g5 = _data((1, 2, 2, 3, 4), (1, 2, 2, 2, 3), 12)
    for name, args in (("grid_sampler", (x, g, 2, 1, True)),
                       ("grid_sampler", (x5, g5, 1, 2, False)),
                       ("grid_sampler_2d", (x, g, 0, 2, False)),
                       ("grid_sampler_3d", (x5, g5, 0, 0, True))):
        mine = getattr(ember, name)(ember.tensor(args[0]), ember.tensor(args[1]), *args[2:])
        ref = getattr(torch, name)(torch.tensor(args[0]), torch.tensor(args[1]), *args[2:])
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
    theta = np.random.default_rng(13).standard_normal((2, 2, 3))
    np.testing.assert_allclose(
        ember.affine_grid_generator(ember.tensor(theta), [2, 1, 3, 2], False).numpy(),
        torch.affine_grid_generator(torch.tensor(theta), [2, 1, 3, 2], False).numpy(),
        rtol=1e-12, atol=1e-12)


def test_constants_and_warnings(torch):
    F = ember.nn.functional
    assert F.GRID_SAMPLE_INTERPOLATION_MODES == torch.nn.functional.GRID_SAMPLE_INTERPOLATION_MODES
    assert F.GRID_SAMPLE_PADDING_MODES == torch.nn.functional.GRID_SAMPLE_PADDING_MODES
    x, g = ember.randn(1, 1, 3, 3), ember.rand(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.affine_grid(ember.randn(1, 2, 3), [1, 1, 3, 3])
    with pytest.warns(UserWarning, match="affine_grid behavior has changed for unit-size grids"):
        F.affine_grid(ember.randn(1, 2, 3), [1, 1, 1, 3], align_corners=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(x, g, align_corners=False)
        F.affine_grid(ember.randn(1, 2, 3), [1, 1, 3, 3], align_corners=False)


def _error_type(lib, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(lib)
    except Exception as e:  # noqa: BLE001  the type is what is compared
        return type(e), str(e)
    return None, ""


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5), lib.rand(2, 3, 3),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5), lib.rand(3, 3, 3, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5), lib.rand(2, 3, 3, 1, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5, 6), lib.rand(2, 3, 3, 3, 3),
                                              mode="bicubic", align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 0, 5), lib.rand(2, 3, 3, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5), lib.rand(2, 3, 3, 2),
                                              mode="trilinear"),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5), lib.rand(2, 3, 3, 2),
                                              padding_mode="circular"),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(2, 3, 4, 5),
                                              lib.rand(2, 3, 3, 2, dtype=lib.float64)),
    lambda lib: lib.grid_sampler_3d(lib.randn(2, 3, 4, 5), lib.rand(2, 3, 3, 2), 0, 0, False),
    lambda lib: lib.grid_sampler_2d(lib.randn(2, 3, 4, 5, 6), lib.rand(2, 3, 3, 3, 3), 0, 0,
                                    False),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 2, 3), [2, 3, 4, 5, 6]),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 3, 4), [2, 3, 4, 5]),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 2, 3), [2, 3, 4]),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 2, 3), [2, 3, 0, 5]),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3, dtype=lib.int64), [2, 3, 4, 5]),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 2, 3), [3, 3, 4, 5]),
])
def test_errors_match_torch(torch, case):
    mine, mine_message = _error_type(ember, case)
    ref, ref_message = _error_type(torch, case)
    assert ref is not None and mine is ref, (mine, mine_message, ref, ref_message)
    if ref_message.startswith(("grid_sampler()", "nn.functional", "Expected non-zero")):
        assert mine_message == ref_message


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_non_finite_grid_coordinates_match_torch(torch, dims, align_corners, padding_mode):
    # torch's 2-D kernel clamps NaN (and a reflected infinity) to pixel 0, its 3-D kernel to the
    # last pixel; reflection of an infinity must not give NaN (torch: ones -> 1.0).
    inf, nan = float("inf"), float("nan")
    shape = (1, 1, 3, 4) + ((2,) if dims == 3 else ())
    x = np.arange(1.0, np.prod(shape) + 1).reshape(shape)
    points = [[v, 0.3] for v in (inf, -inf, nan)] + [[v, v] for v in (inf, -inf, nan)]
    g = np.array([p + [0.1] * (dims - 2) for p in points]).reshape((1, 6) + (1,) * (dims - 1)
                                                                   + (dims,))
    for mode in MODES if dims == 2 else MODES[:2]:
        kwargs = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        mine = ember.nn.functional.grid_sample(ember.tensor(x), ember.tensor(g), **kwargs)
        ref = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), **kwargs)
        np.testing.assert_array_equal(mine.numpy(), ref.numpy(), err_msg=mode)
    one = ember.nn.functional.grid_sample(ember.ones(1, 1, 3, 3), ember.tensor([[[[inf, 0.5]]]]),
                                          padding_mode="reflection", align_corners=False)
    assert one.tolist() == [[[[1.0]]]]
