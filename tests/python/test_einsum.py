"""einsum against real PyTorch: values and gradients over matrix, batched, diagonal, ellipsis,
broadcast and three-operand equations, the list form, and torch's error messages."""
import numpy as np
import pytest

import ember

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij->...ji", [(2, 5, 3, 4)]), ("i...j->ji", [(2, 3, 4)]), ("...ij->ij", [(2, 3, 4)]),
    ("ij...->...", [(2, 3, 4, 5)]), ("ijk,ikl,ilm->ijm", [(2, 3, 4), (2, 4, 5), (2, 5, 6)]),
    ("iij->ij", [(3, 3, 2)]), ("iji->j", [(3, 4, 3)]), ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij->", [(2, 3), (2, 3)]), ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("ab,cd->abcd", [(2, 3), (4, 5)]), ("bn,anm,bm->ba", [(3, 4), (2, 4, 5), (3, 5)]),
    ("i,i,i->i", [(3,), (3,), (3,)]), ("ij,j->i", [(1, 3), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 1)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("a...,...b->...ab", [(2, 3), (3, 4)]), ("Aa,aB->AB", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("equation,shapes", EQUATIONS, ids=[e[0] for e in EQUATIONS])
def test_values_and_gradients_match_torch(torch, equation, shapes):
    arrays = [np.random.default_rng(len(equation)).standard_normal(s) for s in shapes]
    results = []
    for lib in (torch, ember):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.einsum(equation, *inputs)
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))))
        results.append([out.detach().numpy()] + [x.grad.numpy() for x in inputs])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_list_form():
    out = ember.einsum("ij,jk->ik", [ember.ones(2, 3), ember.ones(3, 4)])
    assert out.shape == (2, 4) and out.sum().item() == 24


@pytest.mark.parametrize("equation,shapes,reason", [
    ("ij,jk", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not broadcast"),
    ("ij,jk->ik", [(2, 3)], "fewer operands were provided than specified in the equation"),
    ("ij->ij", [(2, 3, 4)], "for operand 0 and no ellipsis was given"),
    ("ij->iij", [(2, 3)], "output subscript i appears more than once in the output"),
    ("ij->k", [(2, 3)], "output subscript k does not appear in the equation"),
    ("i1->i", [(2, 3)], "invalid subscript given at index 1 in the equation string"),
    ("ii->i", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match"),
    ("ij", [(2, 3), (2, 3)], "more operands were provided than specified in the equation"),
])
def test_errors_match_torch(torch, equation, shapes, reason):
    messages = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match=reason) as info:
            lib.einsum(equation, *[lib.ones(*s) for s in shapes])
        messages.append(str(info.value))
    assert messages[1] == messages[0]
