"""F.scaled_dot_product_attention against PyTorch. torch 1.13 has no public
scaled_dot_product_attention (torch 2.0 added it), so the oracle is torch computing the same
definition, softmax(q k^T * scale + mask) v, with its own matmul and softmax; torch 2.x's masking
rules (boolean True = may attend, is_causal = lower triangle incl. the diagonal) are written out."""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F


def torch_attention(torch, q, k, v, attn_mask=None, is_causal=False, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * scale
    if is_causal:
        hidden = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).triu(1)
        scores = scores.masked_fill(hidden, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
    return torch.softmax(scores, -1) @ v


def pair(torch, shape, requires_grad=True):
    a = np.random.randn(*shape)
    return (ember.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


CASES = [
    # q shape, k shape, v shape, mask shape (None, or a shape), mask kind, causal
    ((2, 3, 70, 16), (2, 3, 150, 16), (2, 3, 150, 8), None, None, False),
    ((2, 3, 70, 16), (2, 3, 150, 16), (2, 3, 150, 8), None, None, True),
    ((2, 4, 9, 6), (1, 4, 11, 6), (11, 7), (9, 11), "bool", False),
    ((5, 33, 8), (5, 40, 8), (5, 40, 8), (5, 1, 40), "float", False),
    ((130, 8), (20, 8), (20, 5), None, None, True),
]


@pytest.mark.parametrize("q_shape,k_shape,v_shape,mask_shape,mask_kind,causal", CASES)
def test_values_and_gradients_match_torch(torch, q_shape, k_shape, v_shape, mask_shape,
                                          mask_kind, causal):
    np.random.seed(0)
    (q, tq), (k, tk), (v, tv) = (pair(torch, s) for s in (q_shape, k_shape, v_shape))
    mask = tmask = None
    if mask_kind == "bool":
        m = np.random.rand(*mask_shape) > 0.3
        m[:, 0] = True  # every query sees a key
        mask, tmask = ember.tensor(m), torch.tensor(m)
    elif mask_kind == "float":
        mask, tmask = pair(torch, mask_shape, requires_grad=False)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    expected = torch_attention(torch, tq, tk, tv, tmask, causal)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-9,
                               atol=1e-10)
    g = np.random.randn(*expected.shape)
    out.backward(ember.tensor(g))
    expected.backward(torch.tensor(g))
    for mine, theirs in ((q, tq), (k, tk), (v, tv)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_second_derivatives_match_torch(torch):
    np.random.seed(1)
    (q, tq), (k, tk), (v, tv) = (pair(torch, s) for s in ((2, 5, 4), (2, 6, 4), (2, 6, 3)))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    expected = torch_attention(torch, tq, tk, tv, is_causal=True)
    gq, = ember.autograd.grad(out.pow(2).sum(), q, create_graph=True)
    tgq, = torch.autograd.grad(expected.pow(2).sum(), tq, create_graph=True)
    second = ember.autograd.grad(gq.sin().sum(), (q, k, v))
    tsecond = torch.autograd.grad(tgq.sin().sum(), (tq, tk, tv))
    for mine, theirs in zip(second, tsecond):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-8, atol=1e-10)


def test_gradcheck_and_gradgradcheck():
    q = ember.randn(2, 3, 4, dtype=ember.float64, requires_grad=True)
    k = ember.randn(2, 5, 4, dtype=ember.float64, requires_grad=True)
    v = ember.randn(2, 5, 3, dtype=ember.float64, requires_grad=True)
    mask = ember.randn(3, 5, dtype=ember.float64, requires_grad=True)
    for fn, inputs in ((lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                        (q, k, v)),
                       (lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, m),
                        (q, k, v, mask))):
        assert ember.autograd.gradcheck(fn, inputs)
        assert ember.autograd.gradgradcheck(fn, inputs)


def test_scale_and_grad_fn(torch):
    np.random.seed(2)
    (q, tq), (k, tk), (v, tv) = (pair(torch, s) for s in ((3, 4), (5, 4), (5, 2)))
    out = F.scaled_dot_product_attention(q, k, v, scale=0.3)
    np.testing.assert_allclose(out.detach().numpy(),
                               torch_attention(torch, tq, tk, tv, scale=0.3).detach().numpy(),
                               rtol=1e-10)
    # torch >= 2.3's CPU flash-attention node.
    assert type(out.grad_fn).__name__ == "ScaledDotProductFlashAttentionForCpuBackward0"


def test_fully_masked_query_is_nan(torch):
    q, k, v = ember.ones(1, 2, 3), ember.ones(1, 4, 3), ember.ones(1, 4, 2)
    mask = ember.tensor([[True] * 4, [False] * 4])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    expected = torch_attention(torch, torch.ones(1, 2, 3), torch.ones(1, 4, 3),
                               torch.ones(1, 4, 2), torch.tensor([[True] * 4, [False] * 4]))
    np.testing.assert_array_equal(np.isnan(out.numpy()), np.isnan(expected.numpy()))


def test_dropout_keeps_expectation():
    ember.manual_seed(0)
    q, k, v = ember.randn(1, 4, 8), ember.randn(1, 16, 8), ember.randn(1, 16, 8)
    plain = F.scaled_dot_product_attention(q, k, v)
    mean = sum(F.scaled_dot_product_attention(q, k, v, dropout_p=0.25) for _ in range(400)) / 400
    np.testing.assert_allclose(mean.numpy(), plain.numpy(), atol=0.15)
    assert not np.allclose(F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy(),
                           plain.numpy())


@pytest.mark.parametrize("args,kwargs,message", [
    (((2, 3, 4), (2, 5, 3), (2, 5, 6)), {}, "query and key must have the same embedding dim"),
    (((2, 3, 4), (2, 5, 4), (2, 4, 6)), {}, "key and value must have the same sequence length"),
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"is_causal": True, "attn_mask": True},
     "Explicit attn_mask should not be set when is_causal=True"),
    (((4,), (2, 5, 4), (2, 5, 6)), {}, "at least 2 dimensional"),
])
def test_errors(args, kwargs, message):
    q, k, v = (ember.randn(*s) for s in args)
    if kwargs.get("attn_mask") is True:
        kwargs["attn_mask"] = ember.ones(3, 5, dtype=ember.bool)
    with pytest.raises(RuntimeError, match=message):
        F.scaled_dot_product_attention(q, k, v, **kwargs)


def test_mask_dtype_error():
    q = ember.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or to match"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(3, 3, dtype=ember.int64))
