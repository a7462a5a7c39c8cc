"""one_hot, pad, normalize, cosine_similarity, pairwise_distance and the Unflatten,
CosineSimilarity and PairwiseDistance modules against real PyTorch: values, gradients, reprs and
errors."""
import numpy as np
import pytest

import ember

F_CASES = [
    ("pad_constant", lambda m, x: m.nn.functional.pad(x, (1, 2), value=0.5)),
    ("pad_constant_2d", lambda m, x: m.nn.functional.pad(x, (1, 0, 2, 1))),
    ("pad_crop", lambda m, x: m.nn.functional.pad(x, (-1, 2, 1, -1))),
    ("pad_reflect", lambda m, x: m.nn.functional.pad(x.unsqueeze(0), (2, 1), mode="reflect")),
    ("pad_reflect_2d", lambda m, x: m.nn.functional.pad(x.reshape(1, 1, 4, 6), (1, 2, 3, 1),
                                                        mode="reflect")),
    ("pad_replicate", lambda m, x: m.nn.functional.pad(x.reshape(1, 1, 4, 6), (2, 0, 1, 3),
                                                       mode="replicate")),
    ("pad_circular", lambda m, x: m.nn.functional.pad(x.unsqueeze(0), (3, 2), mode="circular")),
    ("normalize", lambda m, x: m.nn.functional.normalize(x)),
    ("normalize_l1_dim0", lambda m, x: m.nn.functional.normalize(x, p=1, dim=0)),
    ("cosine_similarity", lambda m, x: m.nn.functional.cosine_similarity(x[:2], x[2:])),
    ("cosine_similarity_broadcast", lambda m, x: m.nn.functional.cosine_similarity(
        x[0], x[1:], dim=-1)),
    ("pairwise_distance", lambda m, x: m.nn.functional.pairwise_distance(x[:2], x[2:])),
    ("pairwise_distance_p1_keepdim", lambda m, x: m.nn.functional.pairwise_distance(
        x[:2], x[2:], p=1, keepdim=True)),
]


@pytest.mark.parametrize("name,fn", F_CASES, ids=[c[0] for c in F_CASES])
def test_values_and_gradients_match_torch(torch, name, fn):
    array = np.random.default_rng(len(name)).standard_normal((4, 6))
    results = []
    for lib in (torch, ember):
        x = lib.tensor(array, requires_grad=True)
        out = fn(lib, x)
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))))
        results.append((out.detach().numpy(), x.grad.numpy()))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_one_hot_matches_torch(torch):
    for lib_args in [((2, 0, 1),), ((0, 3), 5), ((), 4)]:
        values = [lib.nn.functional.one_hot(lib.tensor(lib_args[0], dtype=lib.int64),
                                            *lib_args[1:]) for lib in (torch, ember)]
        assert values[1].tolist() == values[0].tolist()
        assert values[1].dtype == ember.int64 and tuple(values[1].shape) == tuple(values[0].shape)


@pytest.mark.parametrize("call, reason", [
    (lambda m: m.nn.functional.one_hot(m.tensor([0, 3]), 3),
     "Class values must be smaller than num_classes"),
    (lambda m: m.nn.functional.one_hot(m.tensor([0, -1]), 3), "Class values must be non-negative"),
    (lambda m: m.nn.functional.one_hot(m.tensor([0.0, 1.0]), 3),
     "one_hot is only applicable to index tensor"),
    (lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.int64)),
     "Can not infer total number of classes from empty tensor"),
    (lambda m: m.nn.functional.pad(m.ones(2, 3), (1,)), "Padding length must be divisible by 2"),
    (lambda m: m.nn.functional.pad(m.ones(2, 3), (1, 1, 1, 1, 1, 1)), "Padding length too large"),
    (lambda m: m.nn.functional.pad(m.ones(1, 2, 3), (3, 3), mode="reflect"),
     "Padding size should be less than the corresponding input dimension"),
    (lambda m: m.nn.functional.pad(m.ones(1, 2, 3), (1, 1), mode="foo"),
     "Unrecognised padding mode foo"),
    (lambda m: m.nn.functional.pad(m.ones(1, 2, 3), (4, 4), mode="circular"),
     "Padding value causes wrapping around more than once"),
    (lambda m: m.nn.Unflatten(1, (3, 5))(m.ones(3, 10)),
     "don't multiply up to the size of dim 1"),
])
def test_errors_match_torch(torch, call, reason):
    outcomes = []
    for lib in (torch, ember):
        with pytest.raises(Exception, match=reason) as info:
            call(lib)
        outcomes.append((info.type, str(info.value)))
    (want_type, want_text), (got_type, got_text) = outcomes
    assert got_type is want_type
    assert want_text in got_text


def test_modules_match_torch(torch):
    for args in [(1, (2, 5)), (-1, (5, -1)), (1, (10,))]:
        mine, ref = ember.nn.Unflatten(*args), torch.nn.Unflatten(*args)
        assert repr(mine) == repr(ref)
        x = np.arange(30.0).reshape(3, 10)
        assert mine(ember.tensor(x)).tolist() == ref(torch.tensor(x)).tolist()
    a, b = np.random.default_rng(1).standard_normal((2, 3, 4))
    for name, args in [("CosineSimilarity", ()), ("CosineSimilarity", (0, 1e-6)),
                       ("PairwiseDistance", ()), ("PairwiseDistance", (1.0, 1e-3, True))]:
        mine, ref = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(mine) == repr(ref)
        np.testing.assert_allclose(mine(ember.tensor(a), ember.tensor(b)).numpy(),
                                   ref(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)
