"""The dropout family against real PyTorch: reprs, which elements go together (channels), the
scaling, alpha dropout's values, the deprecation warnings and the errors. The random masks
themselves differ (other generators), so properties are compared, not values."""
import warnings

import numpy as np
import pytest

import ember

MODULES = [("Dropout1d", (0.3,)), ("Dropout2d", ()), ("Dropout3d", (0.2, True)),
           ("AlphaDropout", (0.1,)), ("FeatureAlphaDropout", ())]


@pytest.mark.parametrize("name,args", MODULES)
def test_reprs_match_torch(torch, name, args):
    assert repr(getattr(ember.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def _channel_values(lib, fn, shape, p):
    out = fn(lib)(lib.ones(*shape, dtype=lib.float64), p).numpy()
    flat = out.reshape(shape[0] * shape[1], -1) if len(shape) > 2 else out.reshape(shape[0], -1)
    return sorted(set(np.round(flat.min(1), 12)) | set(np.round(flat.max(1), 12))), \
        bool((flat.min(1) == flat.max(1)).all())


@pytest.mark.parametrize("fn,shape", [
    (lambda lib: lib.nn.functional.dropout1d, (8, 16, 5)),
    (lambda lib: lib.nn.functional.dropout2d, (8, 16, 3, 3)),
    (lambda lib: lib.nn.functional.dropout3d, (4, 16, 2, 2, 2)),
    (lambda lib: lib.nn.functional.dropout3d, (16, 2, 2, 2)),  # unbatched
    (lambda lib: (lambda x, p: lib.nn.functional.feature_alpha_dropout(x, p, True)),
     (8, 16, 4)),
    (lambda lib: (lambda x, p: lib.nn.functional.alpha_dropout(x, p, True)), (64, 64)),
])
def test_channels_and_values_match_torch(torch, fn, shape):
    ember.manual_seed(3)
    torch.manual_seed(3)
    mine, ref = _channel_values(ember, fn, shape, 0.4), _channel_values(torch, fn, shape, 0.4)
    assert mine == ref


def test_warnings_and_errors_match_torch(torch):
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.dropout2d(lib.ones(2, 3, 4))
            lib.nn.functional.dropout3d(lib.ones(2, 3))
        assert [str(w.message)[:60] for w in caught] == [
            "dropout2d: Received a 3D input to dropout2d and assuming tha",
            "dropout3d: Received a 2-D input to dropout3d, which is depre"]
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received "
                                               "a 4D input"):
            lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5))
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            lib.nn.functional.alpha_dropout(lib.ones(3), 1.5, True)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            lib.nn.Dropout2d(-0.5)


def test_eval_mode_and_defaults_match_torch(torch):
    x = np.random.default_rng(0).standard_normal((4, 5, 6))
    for name, _ in MODULES:
        layer = getattr(ember.nn, name)(0.5).eval()
        np.testing.assert_array_equal(layer(ember.tensor(x)).numpy(), x)
    # alpha_dropout defaults to training=False in both.
    np.testing.assert_array_equal(ember.nn.functional.alpha_dropout(ember.tensor(x)).numpy(),
                                  torch.nn.functional.alpha_dropout(torch.tensor(x)).numpy())
