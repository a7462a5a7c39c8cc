"""The CTC loss and fractional max pooling against torch: values and gradients for every
reduction, padded and concatenated targets, zero_infinity, unbatched inputs, given samples, the
modules' attributes and repr, and the error types for bad input."""
import numpy as np
import pytest

import ember

F = ember.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(0)


def _ctc_case(T=7, N=3, C=5, S=3):
    logits = RNG.standard_normal((T, N, C))
    targets = RNG.integers(1, C, (N, S))
    input_lengths = [T, T - 1, T - 3]
    target_lengths = [S, S - 1, 1]
    return logits, targets, input_lengths, target_lengths


def _concatenated(targets, lengths):
    return np.concatenate([row[:n] for row, n in zip(targets, lengths)])


def _ctc_pair(torch, logits, targets, input_lengths, target_lengths, normalize, **kwargs):
    """The loss and the gradient of its input in ember and in torch; the input is raw logits
    put through log_softmax, or log_probs themselves (torch's own gradient of those)."""
    results = []
    for lib in (ember, torch):
        x = lib.tensor(logits, requires_grad=True)
        lp = x.log_softmax(-1) if normalize else x
        il = lib.tensor(input_lengths) if not isinstance(input_lengths, tuple) else input_lengths
        tl = lib.tensor(target_lengths) if not isinstance(target_lengths, tuple) else \
            target_lengths
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(targets), il, tl, **kwargs)
        weights = lib.tensor(np.linspace(0.5, 1.5, max(loss.numel(), 1)).reshape(
            tuple(loss.shape)))
        (loss * weights).sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    return results


def _assert_pair(results, rtol=1e-9):
    (loss_e, grad_e), (loss_t, grad_t) = results
    assert loss_e.shape == loss_t.shape
    np.testing.assert_allclose(loss_e, loss_t, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(grad_e, grad_t, rtol=rtol, atol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_matches_torch(torch, reduction, normalize, concatenated):
    logits, targets, il, tl = _ctc_case()
    if concatenated:
        targets = _concatenated(targets, tl)
    _assert_pair(_ctc_pair(torch, logits, targets, il, tl, normalize, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_blank_repeats_and_float32(torch, reduction):
    logits = RNG.standard_normal((9, 2, 4))
    targets = np.array([[0, 0, 2, 2], [3, 3, 3, 1]])  # repeats need a blank between them
    _assert_pair(_ctc_pair(torch, logits, targets, [9, 8], [4, 3], True, blank=1,
                           reduction=reduction))
    results = []
    for lib in (ember, torch):
        lp = lib.tensor(logits, dtype=lib.float32).log_softmax(-1)
        results.append(lib.nn.functional.ctc_loss(lp, lib.tensor(targets), lib.tensor([9, 8]),
                                                  lib.tensor([4, 3]), blank=1,
                                                  reduction=reduction).numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_impossible_targets(torch, reduction, zero_infinity):
    # Sample 0 needs 5 frames for three equal labels and has 4; sample 2 has fewer frames than
    # labels. torch's gradient is NaN on an infinite loss's frames, 0 with zero_infinity.
    logits = RNG.standard_normal((6, 3, 4))
    targets = np.array([[1, 1, 1], [1, 2, 3], [2, 3, 1]])
    results = _ctc_pair(torch, logits, targets, [4, 6, 2], [3, 3, 3], False,
                        reduction=reduction, zero_infinity=zero_infinity)
    _assert_pair(results)
    assert np.isnan(results[0][1]).any() != zero_infinity


def test_ctc_loss_lengths_as_sequences_and_unbatched(torch):
    logits, targets, il, tl = _ctc_case()
    _assert_pair(_ctc_pair(torch, logits, targets, tuple(il), tuple(tl), True))
    out = []
    for lib in (ember, torch):
        lp = lib.tensor(logits[:, 0]).log_softmax(-1)
        for reduction in REDUCTIONS:
            out.append(lib.nn.functional.ctc_loss(lp, lib.tensor(targets[0]), lib.tensor(7),
                                                  lib.tensor(3), reduction=reduction).numpy())
        out.append(lib.nn.functional.ctc_loss(lp, lib.tensor(targets[:1]), [7], [3]).numpy())
        # Empty targets, and an input shorter than its target (torch reads garbage for an
        # empty input, so none is compared).
        out.append(lib.nn.functional.ctc_loss(lib.tensor(logits).log_softmax(-1),
                                              lib.tensor(targets), lib.tensor([3, 7, 1]),
                                              lib.tensor([0, 0, 2]), reduction="none").numpy())
    half = len(out) // 2
    for e, t in zip(out[:half], out[half:]):
        assert e.shape == t.shape
        np.testing.assert_allclose(e, t, rtol=1e-9)


def test_ctc_loss_module(torch):
    logits, targets, il, tl = _ctc_case()
    ours, theirs = ember.nn.CTCLoss(blank=0, reduction="sum"), torch.nn.CTCLoss(reduction="sum")
    assert repr(ours) == repr(theirs) == "CTCLoss()"
    assert (ours.blank, ours.reduction, ours.zero_infinity) == (0, "sum", False)
    e = ours(ember.tensor(logits).log_softmax(2), ember.tensor(targets), ember.tensor(il),
             ember.tensor(tl))
    t = theirs(torch.tensor(logits).log_softmax(2), torch.tensor(targets), torch.tensor(il),
               torch.tensor(tl))
    np.testing.assert_allclose(e.item(), t.item(), rtol=1e-10)


@pytest.mark.parametrize("case", [
    "blank", "log_probs_dims", "targets_dims", "input_lengths_size", "target_lengths_size",
    "float_lengths", "mixed_lengths", "int_lengths", "too_long_input", "short_padded",
    "short_concatenated", "reduction", "integer_log_probs"])
def test_ctc_loss_errors(torch, case):
    logits, targets, il, tl = _ctc_case()

    def call(lib):
        lp = lib.tensor(logits).log_softmax(2)
        tg, il_t, tl_t = lib.tensor(targets), lib.tensor(il), lib.tensor(tl)
        f = lib.nn.functional.ctc_loss
        return {
            "blank": lambda: f(lp, tg, il_t, tl_t, blank=5),
            "log_probs_dims": lambda: f(lp[0, 0], tg, il_t, tl_t),
            "targets_dims": lambda: f(lp, tg[None], il_t, tl_t),
            "input_lengths_size": lambda: f(lp, tg, il_t[:2], tl_t),
            "target_lengths_size": lambda: f(lp, tg, il_t, tl_t[:2]),
            "float_lengths": lambda: f(lp, tg, il_t.double(), tl_t),
            "mixed_lengths": lambda: f(lp, tg, il, tl_t),
            "int_lengths": lambda: f(lp[:, 0], tg[0], 7, 3),
            "too_long_input": lambda: f(lp, tg, lib.tensor([8, 7, 7]), tl_t),
            "short_padded": lambda: f(lp, tg, il_t, lib.tensor([4, 1, 1])),
            "short_concatenated": lambda: f(lp, tg.flatten()[:5], il_t, tl_t),
            "reduction": lambda: f(lp, tg, il_t, tl_t, reduction="avg"),
            "integer_log_probs": lambda: f(lp.long(), tg, il_t, tl_t),
        }[case]()

    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type):
        call(ember)


# ---- Fractional max pooling -------------------------------------------------------------------

def _pool_pair(torch, dims, shape, kernel_size, samples_shape=None, float32=False, **kwargs):
    """Values, indices and input gradients of fractional_max_pool{dims}d in ember and torch, for
    the same samples."""
    x = RNG.standard_normal(shape)
    samples = RNG.random(samples_shape or ((shape[0] if len(shape) == dims + 2 else 1), shape[-dims - 1], dims))
    out = []
    for lib in (ember, torch):
        dtype = lib.float32 if float32 else lib.float64
        inp = lib.tensor(x, dtype=dtype, requires_grad=True)
        fn = getattr(lib.nn.functional, f"fractional_max_pool{dims}d")
        values, indices = fn(inp, kernel_size, return_indices=True,
                             _random_samples=lib.tensor(samples, dtype=dtype), **kwargs)
        weights = lib.tensor(np.arange(values.numel(), dtype=np.float64).reshape(
            tuple(values.shape)), dtype=dtype)
        (values * weights).sum().backward()
        out.append((values.detach().numpy(), indices.numpy(), inp.grad.numpy()))
    (ve, ie, ge), (vt, it, gt) = out
    assert ve.shape == vt.shape and ie.dtype == it.dtype
    np.testing.assert_array_equal(ie, it)
    np.testing.assert_array_equal(ve, vt)
    np.testing.assert_allclose(ge, gt)


@pytest.mark.parametrize("float32", [False, True])
@pytest.mark.parametrize("kernel_size,kwargs", [
    (2, {"output_size": (5, 6)}), ((3, 2), {"output_size": 4}), (2, {"output_ratio": 0.5}),
    ((2, 3), {"output_ratio": (0.7, 0.45)}), (2, {"output_size": (1, 1)}),
    (1, {"output_size": (11, 13)})])
def test_fractional_max_pool2d_matches_torch(torch, float32, kernel_size, kwargs):
    _pool_pair(torch, 2, (2, 3, 11, 13), kernel_size, float32=float32, **kwargs)
    _pool_pair(torch, 2, (3, 11, 13), kernel_size, float32=float32, **kwargs)


@pytest.mark.parametrize("kernel_size,kwargs", [
    (2, {"output_size": (3, 4, 2)}), ((2, 3, 2), {"output_ratio": 0.5}),
    (2, {"output_size": 1}), (2, {"output_size": (5, 6, 4)})])
def test_fractional_max_pool3d_matches_torch(torch, kernel_size, kwargs):
    _pool_pair(torch, 3, (2, 2, 7, 8, 6), kernel_size, **kwargs)
    _pool_pair(torch, 3, (2, 7, 8, 6), kernel_size, **kwargs)


def test_fractional_max_pool_draws_samples_and_empty_outputs(torch):
    x = ember.randn(2, 3, 9, 9)
    ember.manual_seed(3)
    values, indices = F.fractional_max_pool2d_with_indices(x, 2, output_size=(4, 4))
    assert tuple(values.shape) == (2, 3, 4, 4)
    np.testing.assert_array_equal(
        values.numpy(), x.flatten(2).gather(2, indices.flatten(2)).view(2, 3, 4, 4).numpy())
    ember.manual_seed(3)
    again = F.fractional_max_pool2d(x, 2, output_size=(4, 4))
    np.testing.assert_array_equal(again.numpy(), values.numpy())
    t = F.fractional_max_pool2d(x, 2, output_ratio=0.1)
    assert tuple(t.shape) == tuple(torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x.numpy()), 2, output_ratio=0.1).shape)


def test_fractional_max_pool_modules(torch):
    for dims in (2, 3):
        ours = getattr(ember.nn, f"FractionalMaxPool{dims}d")(2, output_ratio=0.5,
                                                              return_indices=True)
        theirs = getattr(torch.nn, f"FractionalMaxPool{dims}d")(2, output_ratio=0.5,
                                                                return_indices=True)
        assert repr(ours) == repr(theirs)
        for name in ("kernel_size", "output_size", "output_ratio", "return_indices"):
            assert getattr(ours, name) == getattr(theirs, name), name
        assert ours._random_samples is None
        assert list(dict(ours.named_buffers())) == list(dict(theirs.named_buffers()))
    samples = RNG.random((2, 3, 2))
    x = RNG.standard_normal((2, 3, 8, 9))
    ours = ember.nn.FractionalMaxPool2d((2, 3), output_size=(3, 4),
                                        _random_samples=ember.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d((2, 3), output_size=(3, 4),
                                          _random_samples=torch.tensor(samples))
    assert ours.output_size == theirs.output_size == (3, 4)
    assert [k for k, _ in ours.named_buffers()] == ["_random_samples"]
    np.testing.assert_array_equal(ours(ember.tensor(x)).numpy(),
                                  theirs(torch.tensor(x)).numpy())


@pytest.mark.parametrize("case", [
    "neither", "module_neither", "module_both", "module_ratio", "too_large", "ratio_too_large",
    "dims", "unbatched_2d", "empty_channels", "sample_dtype", "integer_input", "kernel_count",
    "output_count", "3d_too_large", "3d_dims"])
def test_fractional_max_pool_errors(torch, case):
    x = RNG.standard_normal((2, 3, 7, 9))

    def call(lib):
        t = lib.tensor(x, dtype=lib.float32)
        f, f3, nn = lib.nn.functional.fractional_max_pool2d, \
            lib.nn.functional.fractional_max_pool3d, lib.nn
        return {
            "neither": lambda: f(t, 2),
            "module_neither": lambda: nn.FractionalMaxPool3d(2),
            "module_both": lambda: nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
            "module_ratio": lambda: nn.FractionalMaxPool2d(2, output_ratio=(0.5, 1.0)),
            "too_large": lambda: f(t, 3, output_size=(6, 3)),
            "ratio_too_large": lambda: f(t, 2, output_ratio=1.5),
            "dims": lambda: f(t[None], 2, output_size=2),
            "unbatched_2d": lambda: f(t[0, 0], 2, output_size=2),
            "empty_channels": lambda: f(t[:, :0], 2, output_size=2),
            "sample_dtype": lambda: f(t, 2, output_size=2,
                                      _random_samples=lib.rand(2, 3, 2, dtype=lib.float64)),
            "integer_input": lambda: f(t.long(), 2, output_size=2,
                                       _random_samples=lib.rand(2, 3, 2)),
            "kernel_count": lambda: f(t, (2, 2, 2), output_size=2),
            "output_count": lambda: f(t, 2, output_size=(2, 2, 2)),
            "3d_too_large": lambda: f3(t, 2, output_size=(1, 5, 8)),
            "3d_dims": lambda: f3(t[0], 2, output_size=2),
        }[case]()

    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type) as ours:
        call(ember)
    if expected.type is not IndexError:
        assert str(ours.value).split("\n")[0] == str(expected.value).split("\n")[0]
