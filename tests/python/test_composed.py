"""The composed elementwise and rearranging ops through the Python package against real PyTorch:
functions, Tensor methods, operators (% and //), in-place forms and gradients."""
import numpy as np
import pytest

import ember

NAN, INF = float("nan"), float("inf")


def a(m):
    return m.tensor([[1.5, -2.0, 3.0], [0.0, 4.0, -5.5]])


def b(m):
    return m.tensor([[2.0, 0.5, -1.5], [1.0, 3.0, 2.0]])


def i(m):
    return m.tensor([[7, -7, 5], [0, 9, -3]])


def grid(m):
    return m.arange(12.).reshape(3, 4)


def special(m):
    return m.tensor([1.0, NAN, INF, -INF, 2.0])


def in_place(m, start, method, *args, **kwargs):
    t = start(m).clone()
    assert getattr(t, method)(*args, **kwargs) is t
    return t


# (name, function of the library module giving a tensor, or a value to compare).
CASES = [
    ("addcmul", lambda m: m.addcmul(a(m), a(m), b(m), value=0.5)),
    ("addcdiv_method", lambda m: a(m).addcdiv(a(m), b(m), value=2)),
    ("addcmul_", lambda m: in_place(m, a, "addcmul_", a(m), b(m), value=2)),
    ("addcdiv_", lambda m: in_place(m, a, "addcdiv_", a(m), b(m))),
    ("lerp", lambda m: m.lerp(a(m), b(m), 0.3)),
    ("lerp_tensor_weight", lambda m: a(m).lerp(b(m), m.full((3,), 0.25))),
    ("lerp_", lambda m: in_place(m, a, "lerp_", b(m), 0.5)),
    ("mod", lambda m: a(m) % b(m)),
    ("mod_scalar", lambda m: a(m) % 2),
    ("rmod", lambda m: 5 % b(m)),
    ("mod_int", lambda m: i(m) % 4),
    ("mod_negative_divisor", lambda m: i(m) % -4),
    ("mod_int_by_float", lambda m: i(m) % 2.5),
    ("imod", lambda m: in_place(m, i, "__imod__", 3)),
    ("fmod_int", lambda m: m.fmod(i(m), 4)),
    ("fmod", lambda m: m.fmod(a(m), 1.5)),
    ("floordiv_int", lambda m: i(m) // 4),
    ("floordiv", lambda m: a(m) // 2),
    ("rfloordiv", lambda m: 7 // b(m)),
    ("floor_divide", lambda m: m.floor_divide(i(m), -2)),
    ("logical_and", lambda m: m.logical_and(a(m), b(m))),
    ("logical_or", lambda m: m.logical_or(a(m), i(m))),
    ("logical_not", lambda m: a(m).logical_not()),
    ("logical_xor", lambda m: m.logical_xor(a(m), b(m))),
    ("nan_to_num", lambda m: m.nan_to_num(special(m))),
    ("nan_to_num_values", lambda m: special(m).nan_to_num(1.0, 9.0, -9.0)),
    ("isclose", lambda m: m.isclose(special(m), m.tensor([1.0 + 1e-9, NAN, INF, INF, 2.1]))),
    ("isclose_equal_nan", lambda m: m.isclose(special(m), special(m), equal_nan=True)),
    ("diagonal", lambda m: grid(m).diagonal()),
    ("diagonal_above", lambda m: m.diagonal(grid(m), 1)),
    ("diagonal_below", lambda m: grid(m).diagonal(-1)),
    ("diagonal_empty", lambda m: grid(m).diagonal(5)),
    ("diagonal_dims", lambda m: m.arange(24.).reshape(2, 3, 4).diagonal(1, -1, 0)),
    ("diag_of_vector", lambda m: m.diag(m.tensor([1., 2.]), 1)),
    ("diag_of_matrix", lambda m: grid(m).diag(-1)),
    ("trace", lambda m: grid(m).trace()),
    ("broadcast_to", lambda m: m.broadcast_to(m.tensor([1, 2, 3]), (2, 3))),
    ("broadcast_tensors", lambda m: [t.shape for t in m.broadcast_tensors(m.ones(3, 1),
                                                                         m.ones(4))]),
    ("movedim", lambda m: m.movedim(m.zeros(2, 3, 4), 0, -1).shape),
    ("movedim_many", lambda m: m.zeros(2, 3, 4).movedim((0, 1), (2, 0)).shape),
    ("moveaxis", lambda m: m.moveaxis(m.zeros(2, 3, 4), 2, 0).shape),
    ("swapaxes", lambda m: m.swapaxes(m.zeros(2, 3, 4), 0, 2).shape),
    ("swapdims", lambda m: m.zeros(2, 3, 4).swapdims(1, 2).shape),
    ("hstack", lambda m: m.hstack([m.tensor([1, 2]), m.tensor([3])])),
    ("hstack_matrices", lambda m: m.hstack([grid(m), grid(m)])),
    ("vstack", lambda m: m.vstack([m.tensor([1, 2]), m.tensor([3, 4])])),
    ("roll_flat", lambda m: m.roll(grid(m), 1)),
    ("roll_dim", lambda m: grid(m).roll(-1, 1)),
    ("roll_dims", lambda m: grid(m).roll((1, 2), (0, 1))),
    ("tile", lambda m: m.tile(m.tensor([1, 2]), (2, 2))),
    ("tile_short_reps", lambda m: grid(m).tile((2,))),
    ("nonzero", lambda m: m.nonzero(i(m))),
    ("nonzero_as_tuple", lambda m: [t.tolist() for t in m.nonzero(i(m), as_tuple=True)]),
    ("nonzero_0dim", lambda m: m.tensor(3).nonzero().shape),
    ("masked_select", lambda m: m.masked_select(grid(m), grid(m) > 5)),
    ("masked_select_broadcast", lambda m: grid(m).masked_select(
        m.tensor([True, False, True, False]))),
    ("count_nonzero", lambda m: m.count_nonzero(i(m))),
    ("count_nonzero_dim", lambda m: i(m).count_nonzero(0)),
    ("count_nonzero_dims", lambda m: m.count_nonzero(i(m), (0, 1))),
    ("where_method", lambda m: a(m).where(a(m) > 0, b(m))),
]


def comparable(value):
    if hasattr(value, "tolist"):
        return value.tolist(), str(value.dtype).split(".")[-1]
    if isinstance(value, (list, tuple)):
        return [comparable(v) for v in value]
    return value


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_values_match_torch(torch, name, fn):
    got, want = comparable(fn(ember)), comparable(fn(torch))
    # -0.0 and 0.0 print differently but compare equal, which is what matters here.
    assert repr(got).replace("-0.0", "0.0") == repr(want).replace("-0.0", "0.0")


def test_gradients_match_torch(torch):
    def run(m):
        p = m.tensor([[1.5, -2.0, 3.0], [0.7, 4.0, -5.5]], dtype=m.float64, requires_grad=True)
        q = m.tensor([[2.0, 0.5, -1.5], [1.0, 3.0, 2.0]], dtype=m.float64, requires_grad=True)
        y = (m.addcmul(p, p, q, value=0.5) + p.addcdiv(p, q) + p.lerp(q, 0.3) + p % q
             + m.fmod(p, q) + m.roll(p, 1, 1) * q + p.movedim(0, 1).t()
             + m.nan_to_num(p)).sum()
        y = y + p.diagonal().sum() + m.masked_select(p, q > 1).sum() + p[:, :2].trace()
        y = y + (m.diag(q[0]) * 2).sum() + m.vstack([p, q]).pow(2).sum()
        y.backward()
        return p.grad.numpy(), q.grad.numpy()

    for g, w in zip(run(ember), run(torch)):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_errors_match_torch(raises_like_torch):
    cases = [  # (call, None: torch's message within ember's, or the pattern ember's matches)
        # Ember's leaves out torch's recipe for the historic and future behaviors.
        (lambda m: m.addcdiv(m.ones(2), m.tensor([1, 2]), m.tensor([3, 4])),
         r"^addcdiv: Integer division with addcdiv is no longer supported"),
        (lambda m: m.tensor([1, 2]) % m.tensor([0, 1]), None),
        (lambda m: m.ones(2, 2, 2).diag(), r"^diag\(\): Supports 1D or 2D tensors\. Got 3D$"),
        (lambda m: m.ones(3).trace(), None),
        (lambda m: m.ones(3).masked_select(m.ones(3)),  # ember takes no uint8 masks
         r"^masked_select: expected BoolTensor for mask$"),
        (lambda m: m.ones(2, 3).diagonal(0, 1, -1), None),
        (lambda m: m.isclose(m.ones(2), m.ones(2, dtype=m.float64)), None),
        (lambda m: m.remainder(m.ones(2), "x"),
         r"^remainder\(\): argument 'other' must be Tensor or Number, not str$"),
    ]
    for case, pattern in cases:
        raises_like_torch(case, pattern)


def test_in_place_remainder_keeps_the_old_value_for_the_other_gradient(torch):
    def run(lib):
        x = lib.tensor([5.0, 7.0])
        y = lib.tensor([2.0, 3.0], requires_grad=True)
        x.remainder_(y)
        x.sum().backward()
        return x.tolist(), y.grad.tolist()

    assert run(ember) == run(torch)
