"""Instance and local response normalization, BatchNorm3d, PReLU, Bilinear, Embedding's options
and EmbeddingBag against real PyTorch: values, first and second derivatives, float64 gradcheck
and gradgradcheck, running statistics, reprs and errors."""
import numpy as np
import pytest

import ember
from test_spatial_layers import _check, _tensors

F = lambda lib: lib.nn.functional

FUNCTIONS = [
    ("instance_norm", lambda l, x: F(l).instance_norm(x), [(2, 3, 5)]),
    ("instance_norm affine", lambda l, x, w, b: F(l).instance_norm(x, weight=w, bias=b),
     [(2, 3, 4, 3), (3,), (3,)]),
    ("local_response_norm 3d", lambda l, x: F(l).local_response_norm(x, 3), [(2, 5, 4)]),
    ("local_response_norm 4d", lambda l, x: F(l).local_response_norm(x, 2, 1e-2, 0.6, 2.0),
     [(2, 4, 3, 2)]),
    ("local_response_norm 5d", lambda l, x: F(l).local_response_norm(x, 4, 0.1), [(1, 5, 2, 2, 2)]),
    ("prelu shared", lambda l, x, w: F(l).prelu(x, w), [(2, 3, 4), (1,)]),
    ("prelu per channel", lambda l, x, w: F(l).prelu(x, w), [(2, 3, 4, 2), (3,)]),
    ("bilinear", lambda l, a, b, w, c: F(l).bilinear(a, b, w, c), [(4, 2), (4, 3), (5, 2, 3), (5,)]),
    ("bilinear batched", lambda l, a, b, w: F(l).bilinear(a, b, w), [(2, 3, 2), (2, 3, 4), (3, 2, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", FUNCTIONS, ids=[c[0] for c in FUNCTIONS])
def test_functions_match_torch(torch, name, fn, shapes):
    _check(torch, fn, shapes)


BAGS = [
    ("sum 2d", dict(mode="sum"), [[1, 2, 4], [4, 3, 2]], None, None),
    ("mean offsets", dict(mode="mean"), [1, 2, 4, 5, 4, 3, 2, 9], [0, 4], None),
    ("max offsets empty bag", dict(mode="max"), [1, 2, 4, 5, 4, 3], [0, 2, 2], None),
    ("mean empty bag last offset", dict(mode="mean", include_last_offset=True),
     [1, 2, 4, 5, 4, 3], [0, 3, 3, 6], None),
    ("sum weights", dict(mode="sum"), [1, 2, 4, 5, 4, 3], [0, 2], [0.5, 1.0, 2.0, -1.0, 3.0, 0.1]),
    ("mean padding", dict(mode="mean", padding_idx=4), [1, 2, 4, 5, 4, 3], [0, 3], None),
    ("max padding", dict(mode="max", padding_idx=2), [[1, 2, 4], [2, 2, 2]], None, None),
]


def _bag(lib, kwargs, indices, offsets, weights, table):
    weight = lib.tensor(table, requires_grad=True)
    psw = None if weights is None else lib.tensor(weights, requires_grad=True,
                                                  dtype=lib.float64)
    out = F(lib).embedding_bag(lib.tensor(indices), weight,
                               None if offsets is None else lib.tensor(offsets),
                               per_sample_weights=psw, **kwargs)
    g = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    inputs = [weight] + ([psw] if psw is not None else [])
    # First derivatives only: torch 1.13 has no double backward for embedding_bag (Ember's is
    # checked by gradgradcheck below).
    grads = lib.autograd.grad(out, inputs, g)
    return [out.detach().numpy()] + [gr.numpy() for gr in grads]


@pytest.mark.parametrize("name,kwargs,indices,offsets,weights", BAGS, ids=[b[0] for b in BAGS])
def test_embedding_bag_matches_torch(torch, name, kwargs, indices, offsets, weights):
    table = np.random.default_rng(0).standard_normal((10, 3))
    mine = _bag(ember, kwargs, indices, offsets, weights, table)
    ref = _bag(torch, kwargs, indices, offsets, weights, table)
    for m, r in zip(mine, ref):
        np.testing.assert_allclose(m, r, rtol=1e-10, atol=1e-12)


def test_embedding_bag_scales_gradients_by_frequency(torch):
    # torch 1.13's embedding_bag pairs the counts with the wrong rows (index 3 below, seen once,
    # gets a third of its gradient), so the reference is torch's Embedding, which scales right,
    # reduced bag by bag.
    table = np.random.default_rng(0).standard_normal((10, 3))
    idx = [1, 2, 1, 1, 3, 2]
    for mode, padding_idx in (("sum", None), ("mean", 1)):
        weight = ember.tensor(table, requires_grad=True)
        out = ember.nn.functional.embedding_bag(ember.tensor(idx), weight, ember.tensor([0, 4]),
                                                mode=mode, scale_grad_by_freq=True,
                                                padding_idx=padding_idx)
        ref_weight = torch.tensor(table, requires_grad=True)
        rows = torch.nn.functional.embedding(torch.tensor(idx), ref_weight, padding_idx,
                                             scale_grad_by_freq=True)
        kept = torch.tensor([float(i != padding_idx) for i in idx]).double().unsqueeze(1)
        bags = [slice(0, 4), slice(4, 6)]
        sums = torch.stack([(rows * kept)[b].sum(0) for b in bags])
        ref = sums if mode == "sum" else sums / torch.stack([kept[b].sum() for b in bags])[:, None]
        g = np.random.default_rng(1).standard_normal((2, 3))
        out.backward(ember.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(weight.grad.numpy(), ref_weight.grad.numpy(), rtol=1e-12)


def test_embedding_bag_gradchecks():
    weight = _tensors(ember, [(6, 2)], 3)[0]
    psw = ember.tensor([0.5, 2.0, -1.0, 1.5], dtype=ember.float64, requires_grad=True)
    idx, offsets = ember.tensor([1, 3, 3, 5]), ember.tensor([0, 1])
    fn = lambda w, p: ember.nn.functional.embedding_bag(idx, w, offsets, mode="sum",
                                                        per_sample_weights=p)
    assert ember.autograd.gradcheck(fn, [weight, psw])
    assert ember.autograd.gradgradcheck(fn, [weight, psw])
    fn = lambda w: ember.nn.functional.embedding_bag(idx, w, offsets, mode="max")
    assert ember.autograd.gradcheck(fn, [weight])
    assert ember.autograd.gradgradcheck(fn, [weight])


def test_embedding_options_match_torch(torch):
    table = np.random.default_rng(4).standard_normal((6, 3)) * 3
    idx = [[0, 2, 2], [5, 2, 0]]
    results = []
    for lib in (ember, torch):
        weight = lib.tensor(table, requires_grad=True)
        out = F(lib).embedding(lib.tensor(idx), weight, max_norm=1.5, scale_grad_by_freq=True)
        out.backward(lib.ones_like(out))
        results.append((out.detach().numpy(), weight.detach().numpy(), weight.grad.numpy()))
    for m, r in zip(*results):
        np.testing.assert_allclose(m, r, rtol=1e-6, atol=1e-7)


def test_normalization_modules_match_torch(torch):
    rng = np.random.default_rng(5)
    cases = [("InstanceNorm1d", (3,), dict(affine=True), (2, 3, 5)),
             ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 4, 4)),
             ("InstanceNorm3d", (2,), dict(affine=True, track_running_stats=True, momentum=0.3),
              (2, 2, 3, 3, 2)),
             ("InstanceNorm2d", (3,), {}, (3, 4, 4)),
             ("BatchNorm3d", (2,), {}, (3, 2, 2, 3, 2))]
    for name, args, kwargs, shape in cases:
        mine, ref = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
        assert repr(mine) == repr(ref)
        if kwargs.get("affine"):
            scale = rng.standard_normal(args[0]).astype(np.float32)
            for lib, layer in ((ember, mine), (torch, ref)):
                with lib.no_grad():
                    layer.weight.copy_(lib.tensor(scale))
        x = rng.standard_normal(shape).astype(np.float32)
        for training in (True, False):
            mine.train(training)
            ref.train(training)
            np.testing.assert_allclose(mine(ember.tensor(x)).detach().numpy(),
                                       ref(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
        assert sorted(mine.state_dict()) == sorted(ref.state_dict())
        for key, value in ref.state_dict().items():
            np.testing.assert_allclose(mine.state_dict()[key].numpy(), value.numpy(), rtol=1e-5,
                                       atol=1e-6)


@pytest.mark.parametrize("name,args,kwargs", [
    ("PReLU", (), {}), ("PReLU", (3,), dict(init=0.1)), ("Bilinear", (2, 3, 4), {}),
    ("Bilinear", (2, 3, 4), dict(bias=False)), ("LocalResponseNorm", (2,), {}),
    ("LocalResponseNorm", (3, 1e-3, 0.5, 2), {}),
    ("Embedding", (10, 3), dict(padding_idx=-1, max_norm=2.0, scale_grad_by_freq=True)),
    ("EmbeddingBag", (10, 3), {}), ("EmbeddingBag", (10, 3), dict(mode="max", padding_idx=2)),
    ("EmbeddingBag", (10, 3), dict(max_norm=1.0, norm_type=1.0, mode="sum")),
])
def test_module_reprs_and_parameters_match_torch(torch, name, args, kwargs):
    mine, ref = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(ref)
    assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    if name == "PReLU":
        np.testing.assert_array_equal(mine.weight.detach().numpy(), ref.weight.detach().numpy())


def test_embedding_from_pretrained_matches_torch(torch):
    table = np.arange(12.0).reshape(4, 3)
    for lib in (ember, torch):
        layer = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(table), mode="sum")
        assert not layer.weight.requires_grad
        np.testing.assert_array_equal(layer(lib.tensor([[0, 3]])).numpy(), [[9.0, 11.0, 13.0]])
        layer = lib.nn.Embedding.from_pretrained(lib.tensor(table), freeze=False, padding_idx=1)
        assert layer.weight.requires_grad and layer.padding_idx == 1


ERRORS = [
    (lambda l: F(l).embedding_bag(l.tensor([1, 2]), l.ones(4, 2), l.tensor([0]),
                                  per_sample_weights=l.ones(2), mode="mean"), NotImplementedError,
     "per_sample_weights is only supported for mode='sum'"),
    (lambda l: F(l).embedding_bag(l.tensor([[1, 2]]), l.ones(4, 2), l.tensor([0])), ValueError,
     "if input is 2D, then offsets has to be None"),
    (lambda l: F(l).embedding_bag(l.tensor([1, 2]), l.ones(4, 2), l.tensor([1])), RuntimeError,
     "offsets\\[0\\] has to be 0"),
    (lambda l: F(l).prelu(l.ones(2, 3), l.ones(2)), RuntimeError,
     "Mismatch of parameter numbers and input channel size"),
    (lambda l: F(l).local_response_norm(l.ones(2, 3), 2), ValueError,
     r"Expected 3D or higher dimensionality\s+input \(got 2 dimensions\)"),
    (lambda l: l.nn.InstanceNorm1d(3)(l.ones(2, 3, 4, 5)), ValueError,
     r"expected 2D or 3D input \(got 4D input\)"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_arguments_raise_as_torch(torch, case):
    fn, kind, message = ERRORS[case]
    for lib in (ember, torch):
        with pytest.raises(kind, match=message):
            fn(lib)


def test_rms_norm_matches_its_definition_in_torch(torch):
    # torch 1.13 has no RMSNorm (torch 2.4 added it); torch computes the definition instead.
    x = np.random.randn(2, 3, 4)
    for eps in (None, 1e-3):
        norm = ember.nn.RMSNorm([3, 4], eps=eps)
        with ember.no_grad():
            norm.weight.copy_(ember.tensor(np.random.randn(3, 4)).float())
        t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        e = torch.finfo(torch.float32).eps if eps is None else eps
        weight = torch.tensor(norm.weight.detach().numpy(), requires_grad=True)
        expected = t * torch.rsqrt(t.pow(2).mean((-2, -1), keepdim=True) + e) * weight
        mine = ember.tensor(x, dtype=ember.float32, requires_grad=True)
        out = norm(mine)
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(mine.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(norm.weight.grad.numpy(), weight.grad.numpy(), rtol=1e-4,
                                   atol=1e-5)
    assert repr(ember.nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert ember.nn.RMSNorm(4, elementwise_affine=False).weight is None
    y = ember.randn(2, 4, dtype=ember.float64, requires_grad=True)
    w = ember.randn(4, dtype=ember.float64, requires_grad=True)
    fn = lambda a, b: ember.nn.functional.rms_norm(a, (4,), b, 0.1)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (y, w))
    assert ember.autograd.gradgradcheck(fn, (y, w))
    with pytest.raises(RuntimeError, match=r"rms_norm: Given normalized_shape=\[4\]"):
        ember.nn.functional.rms_norm(ember.randn(2, 3), (4,))
