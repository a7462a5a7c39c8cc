"""torch's alias names (arccos, greater, clip, fix, ...) and the in-place comparisons, against
real PyTorch: the same values, in place where torch works in place, and each alias present
wherever torch has it."""
import numpy as np
import pytest

import ember
from ember import _aliases

VALUES = np.array([[0.5, -0.25, 0.9], [-0.75, 0.1, 0.3]])
OTHER = np.array([[0.2, -0.25, 0.95], [0.5, 0.1, -0.4]])


def _call(lib, name, in_place):
    x = lib.tensor(VALUES)
    y = lib.tensor(OTHER)
    method = getattr(x, name)
    base = name.rstrip("_")
    if base in ("clip",):
        out = method(-0.3, 0.4)
    elif base in ("arctan2", "multiply", "divide", "true_divide", "subtract", "greater",
                  "greater_equal", "less", "less_equal", "not_equal", "eq", "ne", "lt", "le",
                  "gt", "ge"):
        out = method(y)
    elif base == "arccosh":
        x = lib.tensor(VALUES + 2)
        out = getattr(x, name)()
    else:
        out = method()
    if in_place:
        assert out is x
    return out.numpy().astype(np.float64)


NAMES = sorted(set(_aliases.METHOD_ALIASES) | set(_aliases.COMPARISON_ALIASES)
               | {c + "_" for c in _aliases.COMPARISONS})


@pytest.mark.parametrize("name", NAMES)
def test_method_aliases_match_torch(torch, name):
    assert hasattr(torch.Tensor, name)
    in_place = name.endswith("_")
    np.testing.assert_allclose(_call(ember, name, in_place), _call(torch, name, in_place),
                               rtol=1e-12)


def test_function_aliases_exist_where_torch_has_them(torch):
    for alias in list(_aliases.METHOD_ALIASES) + list(_aliases.FUNCTION_ALIASES):
        if hasattr(torch, alias):
            assert hasattr(ember, alias), alias
    x = ember.tensor(VALUES)
    assert ember.concat([x, x]).shape == (4, 3)
    np.testing.assert_allclose(ember.arccos(x).numpy(), torch.arccos(torch.tensor(VALUES)).numpy())


def test_positive_ravel_and_square_match_torch(torch):
    for lib in (ember, torch):
        x = lib.tensor(VALUES).t()
        assert x.positive() is x
        assert x.ravel().tolist() == x.reshape(-1).tolist()
        with pytest.raises(RuntimeError, match="on a bool tensor is not supported"):
            lib.tensor([True]).positive()
    y, z = ember.tensor(VALUES), torch.tensor(VALUES)
    np.testing.assert_allclose(y.square_().numpy(), z.square_().numpy())


def test_rsub_matches_torch(torch):
    def run(lib):
        x = lib.tensor(VALUES, requires_grad=True)
        a = lib.rsub(x, 2.0, alpha=3)
        b = lib.rsub(x, lib.tensor(OTHER))
        (a.sum() + b.sum()).backward()
        return a.detach().numpy(), b.detach().numpy(), x.grad.numpy(), type(a.grad_fn).__name__

    mine, ref = run(ember), run(torch)
    for m, r in zip(mine[:3], ref[:3]):
        np.testing.assert_allclose(m, r, rtol=1e-12)
    assert mine[3] == ref[3] == "RsubBackward1"
