"""nn.init's structured fills (eye_, dirac_, orthogonal_, trunc_normal_) against torch: the
deterministic ones exactly, the random ones by their defining property and statistics."""
import numpy as np
import pytest

import ember


def test_eye_and_dirac_match_torch(torch, raises_like_torch):
    for shape in ((3, 5), (4, 2)):
        got = ember.nn.init.eye_(ember.empty(*shape))
        np.testing.assert_array_equal(got.numpy(), torch.nn.init.eye_(torch.empty(*shape)).numpy())
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((4, 4, 1, 3, 3), 4)):
        got = ember.nn.init.dirac_(ember.empty(*shape), groups)
        expected = torch.nn.init.dirac_(torch.empty(*shape), groups)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    w = ember.empty(2, 2, requires_grad=True)
    assert ember.nn.init.eye_(w) is w and w.requires_grad
    for call in (lambda L: L.nn.init.eye_(L.empty(3)), lambda L: L.nn.init.dirac_(L.empty(3, 3)),
                 lambda L: L.nn.init.orthogonal_(L.empty(3))):
        mine, _ = raises_like_torch(call)
        assert mine.startswith("nn.init.") and mine.endswith(")")  # the function and the shape


def test_orthogonal_gives_orthonormal_rows_or_columns():
    ember.manual_seed(0)
    for shape, gain in (((8, 3), 1.0), ((3, 8), 1.0), ((4, 2, 3), 0.5)):
        w = ember.nn.init.orthogonal_(ember.empty(*shape, dtype=ember.float64), gain=gain)
        m = w.reshape(shape[0], -1).numpy()
        small = min(m.shape)
        product = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(product, gain * gain * np.eye(small), atol=1e-10)


def test_trunc_normal_statistics(torch):
    ember.manual_seed(1)
    x = ember.nn.init.trunc_normal_(ember.empty(50000, dtype=ember.float64), mean=1.0, std=2.0,
                                    a=0.0, b=3.0)
    t = torch.nn.init.trunc_normal_(torch.empty(50000, dtype=torch.float64), mean=1.0, std=2.0,
                                    a=0.0, b=3.0)
    assert 0.0 <= x.min().item() and x.max().item() <= 3.0
    assert abs(x.mean().item() - t.mean().item()) < 0.03
    assert abs(x.std().item() - t.std().item()) < 0.03
