"""Products (kron, tensordot, cross, cdist, inner, vdot, addr, addmv, baddbmm, addbmm,
block_diag) and rearrangements (rot90, flips, atleast_*, diff, repeat_interleave,
take_along_dim, take, index_add, index_fill, tensor_split and its h/v/d forms, stacks,
tril/triu_indices, cartesian_prod, diag_embed, diagflat, unflatten, unfold) against torch:
values, shapes, dtypes and gradients (float64), and their second derivatives."""
import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)


def r(*shape):
    return RNG.standard_normal(shape)


A, B = r(2, 3), r(3, 2)
CASES = [
    ("kron", lambda L, x, y: L.kron(x, y), (A, r(2, 2))),
    ("kron_ranks", lambda L, x, y: L.kron(x, y), (r(3), r(2, 2))),
    ("tensordot_int", lambda L, x, y: L.tensordot(x, y, dims=1), (A, B)),
    ("tensordot_lists", lambda L, x, y: L.tensordot(x, y, dims=([0, 1], [1, 0])), (A, B)),
    ("cross", lambda L, x, y: L.cross(x, y, dim=1), (r(4, 3), r(4, 3))),
    ("cross_default_dim", lambda L, x, y: x.cross(y), (r(3, 4), r(3, 4))),
    ("cdist", lambda L, x, y: L.cdist(x, y), (r(2, 4, 3), r(2, 5, 3))),
    ("cdist_p1", lambda L, x, y: L.cdist(x, y, p=1.0), (r(4, 3), r(5, 3))),
    ("inner", lambda L, x, y: L.inner(x, y), (A, r(4, 3))),
    ("vdot", lambda L, x, y: x.vdot(y), (r(5), r(5))),
    ("addr", lambda L, x, y: L.addr(x, y[0], y[1], beta=0.5, alpha=2), (A, None)),
    ("addmv", lambda L, x, y: x[0].addmv(y, x[1], alpha=-1), (r(3, 3), r(3, 3))),
    ("baddbmm", lambda L, x, y: L.baddbmm(x, y, y.transpose(1, 2), beta=2), (r(2, 3, 3), r(2, 3, 4))),
    ("addbmm", lambda L, x, y: x.addbmm(y, y.transpose(1, 2)), (r(3, 3), r(2, 3, 4))),
    ("block_diag", lambda L, x, y: L.block_diag(x, y, x[0]), (A, B)),
    ("rot90", lambda L, x, y: L.rot90(x, 1, [0, 1]) + L.rot90(x, -1, [1, 0]), (r(3, 3), None)),
    ("rot90_k2", lambda L, x, y: x.rot90(2, [1, 2]), (r(2, 3, 4), None)),
    ("fliplr_flipud", lambda L, x, y: L.fliplr(x) * L.flipud(x), (r(3, 3), None)),
    ("diff", lambda L, x, y: L.diff(x, n=2, dim=1, prepend=y), (r(3, 5), r(3, 2))),
    ("repeat_interleave", lambda L, x, y: x.repeat_interleave(2, dim=0), (A, None)),
    ("repeat_interleave_tensor", lambda L, x, y: L.repeat_interleave(x, L.tensor([1, 0, 3]), dim=1),
     (A, None)),
    ("repeat_interleave_flat", lambda L, x, y: L.repeat_interleave(x, 2), (A, None)),
    ("take_along_dim", lambda L, x, y: L.take_along_dim(x, L.tensor([[0, 2], [1, 1]]), dim=1),
     (A, None)),
    ("take_along_dim_flat", lambda L, x, y: L.take_along_dim(x, L.tensor([5, 0, 2])), (A, None)),
    ("take", lambda L, x, y: x.take(L.tensor([[4, 0], [1, 1]])), (A, None)),
    ("index_add", lambda L, x, y: x.index_add(1, L.tensor([2, 0, 2]), y, alpha=3), (A, r(2, 3))),
    ("index_fill", lambda L, x, y: L.index_fill(x, 1, L.tensor([0, 2]), -1.5), (A, None)),
    ("tensor_split", lambda L, x, y: L.cat(L.tensor_split(x, 3, dim=1)[::-1], 1), (r(2, 7), None)),
    ("tensor_split_indices", lambda L, x, y: L.cat(x.tensor_split([1, 5], dim=1)[1:], 1),
     (r(2, 7), None)),
    ("hsplit", lambda L, x, y: L.hsplit(x, 2)[1], (r(2, 4), None)),
    ("vsplit_dsplit", lambda L, x, y: L.vsplit(x, [1])[1] + L.dsplit(x, 2)[0].sum(), (r(2, 2, 2), None)),
    ("dstack_column_stack", lambda L, x, y: L.dstack([x, y]).sum(2) + L.column_stack([x[0], y[0]]),
     (r(2, 2), r(2, 2))),
    ("cartesian_prod", lambda L, x, y: L.cartesian_prod(x, y), (r(3), r(2))),
    ("diag_embed", lambda L, x, y: L.diag_embed(x), (A, None)),
    ("diag_embed_offset_dims", lambda L, x, y: x.diag_embed(-1, 0, 2), (A, None)),
    ("diagflat", lambda L, x, y: x.diagflat(1), (A, None)),
    ("unflatten", lambda L, x, y: x.unflatten(1, (2, -1)), (r(3, 6), None)),
    ("unfold", lambda L, x, y: x.unfold(1, 3, 2), (r(2, 7), None)),
    ("atleast", lambda L, x, y: L.atleast_3d(x).sum() + L.atleast_2d(x[0]).sum() + L.atleast_1d(x[0, 0]), (A, None)),
]


@pytest.mark.parametrize("name,fn,data", CASES, ids=[c[0] for c in CASES])
def test_values_gradients_and_second_derivatives(name, fn, data, torch):
    x, y = data
    if y is None and name == "addr":
        y = [r(2), r(3)]
    args = {}
    for lib in (ember, torch):
        xs = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        if isinstance(y, list):
            ys = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in y]
        else:
            ys = None if y is None else lib.tensor(y, dtype=lib.float64, requires_grad=True)
        args[lib.__name__] = (xs, ys, fn(lib, xs, ys))
    (xe, ye, oe), (xt, yt, ot) = args["ember"], args["torch"]
    assert tuple(oe.shape) == tuple(ot.shape)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = RNG.standard_normal(tuple(ot.shape))
    (ge,) = ember.autograd.grad((oe * ember.tensor(w)).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((ot * torch.tensor(w)).sum(), xt, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    # torch 1.13 has no double backward for cdist; the C++ gradgradcheck rows cover Ember's.
    if gt.requires_grad and not name.startswith("cdist"):
        (gge,) = ember.autograd.grad((ge * ge).sum(), xe, allow_unused=True)
        (ggt,) = torch.autograd.grad((gt * gt).sum(), xt, allow_unused=True)
        if ggt is None:
            assert gge is None or not gge.any()
        else:
            np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-9, atol=1e-12)


def test_index_forms_and_in_place(torch):
    for lib in (ember, torch):
        x = lib.zeros(2, 3)
        assert x.index_add_(1, lib.tensor([0, 0]), lib.ones(2, 2)) is x
        assert x.tolist() == [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
        assert x.index_fill_(0, lib.tensor([1]), 7.0) is x
        assert x.tolist() == [[2.0, 0.0, 0.0], [7.0, 7.0, 7.0]]
        m = lib.ones(2, 2)
        assert m.addr_(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])) is m
        assert m.tolist() == [[4.0, 5.0], [7.0, 9.0]]
    assert ember.repeat_interleave(ember.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    for offset in (-1, 0, 2):
        for shape in ((4, 3), (3, 5), (0, 2)):
            for name in ("tril_indices", "triu_indices"):
                got = getattr(ember, name)(*shape, offset)
                expected = getattr(torch, name)(*shape, offset)
                assert got.tolist() == expected.tolist(), (name, shape, offset)
                assert str(got.dtype) == str(expected.dtype)
    x = ember.arange(10.0)
    v = x.unfold(0, 4, 3)
    assert v.tolist() == torch.arange(10.0).unfold(0, 4, 3).tolist()
    v[0, 0] = 100.0
    assert x[0].item() == 100.0  # a view
    assert ember.tensor([[1, 2]]).kron(ember.tensor([[1], [1]])).dtype == ember.int64


def test_errors_follow_torch(raises_like_torch):
    calls = [  # (call, None: torch's message within ember's, or the pattern ember's matches)
        (lambda L: L.cross(L.randn(4, 2), L.randn(4, 2), dim=1), None),
        (lambda L: L.tensordot(L.randn(2, 3), L.randn(2, 3), dims=([1], [0])), None),
        (lambda L: L.cdist(L.randn(3), L.randn(3)), None),
        (lambda L: L.rot90(L.randn(3), 1), None),
        (lambda L: L.fliplr(L.randn(3)), r"^fliplr: Input must be >= 2-d \(got shape \[3\]\)"),
        (lambda L: L.hsplit(L.randn(2, 3), 2), None),
        (lambda L: L.randn(3).unfold(0, 4, 1), None),
        (lambda L: L.repeat_interleave(L.randn(3), L.tensor([1, 2])), None),
        (lambda L: L.take_along_dim(L.randn(2, 3), L.tensor([0]), dim=1), None),
        # Ember's leaves out which input: torch's says "Input 0 has 3 dimensions".
        (lambda L: L.block_diag(L.randn(2, 2, 2)),
         r"^torch\.block_diag: Input tensors must have 2 or fewer dimensions\. Input .*has 3 "
         r"dimensions$"),
    ]
    for call, pattern in calls:
        raises_like_torch(call, pattern)
