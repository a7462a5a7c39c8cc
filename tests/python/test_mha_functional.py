"""ember._C._nn.multi_head_attention_forward against torch's F.multi_head_attention_forward in
float64 on random inputs with the same weights: outputs, attention weights and gradients, for
packed and separate projections, bias_k/bias_v, add_zero_attn, static keys, bool and additive
masks, batched and unbatched inputs. torch here is 1.13, which has no is_causal; Ember's hint
is checked against the explicit causal mask instead."""
import numpy as np
import pytest

import ember

E, HEADS = 6, 3


def _mha(lib):
    """The function under test: Ember's binding, or torch's functional form."""
    if lib is ember:
        return ember._C._nn.multi_head_attention_forward
    return lib.nn.functional.multi_head_attention_forward


def _arrays(seed, **shapes):
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def _run(lib, arrays, grad_of=(), **kwargs):
    """The call's output and weights, plus the gradients of a fixed projection of the output
    with respect to the inputs named in grad_of."""
    t = {name: lib.tensor(a, dtype=lib.float64, requires_grad=name in grad_of)
         for name, a in arrays.items()}
    query = t.pop("query")
    key = t.pop("key", query)
    value = t.pop("value", key)
    args = dict(embed_dim_to_check=E, num_heads=HEADS, in_proj_weight=None, in_proj_bias=None,
                bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
                out_proj_weight=t.pop("out_proj_weight"), out_proj_bias=None)
    args.update(t)
    args.update({k: (lib.tensor(v) if isinstance(v, np.ndarray) else v)
                 for k, v in kwargs.items()})
    out, weights = _mha(lib)(query, key, value, **args)
    result = [out.detach().numpy(), None if weights is None else weights.detach().numpy()]
    if grad_of:
        g = lib.tensor(np.random.default_rng(99).standard_normal(tuple(out.shape)))
        named = {"query": query, "key": key, "value": value, **args}
        grads = lib.autograd.grad(out, [named[n] for n in grad_of], g)
        result += [gr.numpy() for gr in grads]
    return result


def _compare(torch, arrays, grad_of=(), **kwargs):
    mine, ref = _run(ember, arrays, grad_of, **kwargs), _run(torch, arrays, grad_of, **kwargs)
    assert len(mine) == len(ref)
    for m, r in zip(mine, ref):
        if r is None:
            assert m is None
        else:
            assert m.shape == r.shape
            np.testing.assert_allclose(m, r, rtol=1e-9, atol=1e-11)
    return mine


def _packed(seed, L=4, S=5, N=2, **extra):
    return _arrays(seed, query=(L, N, E), key=(S, N, E), value=(S, N, E),
                   in_proj_weight=(3 * E, E), in_proj_bias=(3 * E,), out_proj_weight=(E, E),
                   out_proj_bias=(E,), **extra)


def test_self_attention_with_weights(torch):
    arrays = _arrays(0, query=(4, 2, E), in_proj_weight=(3 * E, E), in_proj_bias=(3 * E,),
                     out_proj_weight=(E, E), out_proj_bias=(E,))
    _compare(torch, arrays, grad_of=("query", "in_proj_weight", "out_proj_weight"))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_masks_and_head_averaging(torch, need_weights, average):
    arrays = _packed(1)
    attn_mask = np.random.default_rng(2).standard_normal((4, 5))
    padding = np.array([[False, True, False, False, False], [False, False, False, True, True]])
    _compare(torch, arrays, grad_of=("query", "key", "in_proj_bias"), attn_mask=attn_mask,
             key_padding_mask=padding, need_weights=need_weights, average_attn_weights=average)


def test_bool_three_d_mask_and_float_padding_mask(torch):
    arrays = _packed(3)
    blocked = np.random.default_rng(4).random((2 * HEADS, 4, 5)) < 0.3
    blocked[..., 0] = False  # every query keeps a key, so no row is all -inf
    _compare(torch, arrays, grad_of=("value",), attn_mask=blocked)
    padding = np.where(np.array([[0, 0, 1, 0, 0], [1, 0, 0, 0, 0]]) == 1, -np.inf, 0.0)
    _compare(torch, arrays, grad_of=("query",), key_padding_mask=padding)


def test_separate_projections_bias_kv_and_zero_attention(torch):
    arrays = _arrays(5, query=(3, 2, E), key=(5, 2, 4), value=(5, 2, 7), q_proj_weight=(E, E),
                     k_proj_weight=(E, 4), v_proj_weight=(E, 7), in_proj_bias=(3 * E,),
                     bias_k=(1, 1, E), bias_v=(1, 1, E), out_proj_weight=(E, E),
                     out_proj_bias=(E,))
    padding = np.array([[False, False, True, False, False], [True, False, False, False, False]])
    for need_weights in (True, False):
        mine = _compare(torch, arrays, grad_of=("key", "k_proj_weight", "bias_k", "bias_v"),
                        use_separate_proj_weight=True, add_zero_attn=True,
                        key_padding_mask=padding, need_weights=need_weights,
                        average_attn_weights=False)
        if need_weights:
            assert mine[1].shape == (2, HEADS, 3, 7)  # 5 keys, bias_k and the zero key


def test_unbatched_and_static_keys(torch):
    arrays = _arrays(6, query=(4, E), key=(5, E), value=(5, E), in_proj_weight=(3 * E, E),
                     out_proj_weight=(E, E))
    mine = _compare(torch, arrays, grad_of=("query", "in_proj_weight"),
                    attn_mask=np.random.default_rng(7).standard_normal((HEADS, 4, 5)),
                    key_padding_mask=np.array([False, False, False, True, False]))
    assert mine[0].shape == (4, E) and mine[1].shape == (4, 5)
    arrays = _packed(8, static_k=(2 * HEADS, 6, E // HEADS), static_v=(2 * HEADS, 6, E // HEADS))
    _compare(torch, arrays, grad_of=("query", "static_k", "static_v"))


def test_dropout_applies_only_while_training(torch):
    arrays = _packed(9)
    ref = _run(torch, arrays, dropout_p=0.5, training=False)
    np.testing.assert_allclose(_run(ember, arrays, dropout_p=0.5, training=False)[0], ref[0],
                               rtol=1e-9, atol=1e-11)
    dropped = _run(ember, arrays, dropout_p=0.5)
    assert dropped[0].shape == ref[0].shape
    assert not np.allclose(dropped[1], ref[1])


def test_causal_hint_equals_the_explicit_mask(torch):
    arrays = _packed(10, L=5, S=5)
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    ref = _run(torch, arrays, attn_mask=causal, need_weights=False)
    for need_weights in (True, False):
        mine = _run(ember, arrays, attn_mask=causal, need_weights=need_weights, is_causal=True)
        np.testing.assert_allclose(mine[0], ref[0], rtol=1e-9, atol=1e-11)


def test_errors_name_the_op():
    arrays = {name: ember.tensor(a) for name, a in _packed(11).items()}
    call = ember._C._nn.multi_head_attention_forward
    base = dict(embed_dim_to_check=E, num_heads=HEADS, in_proj_weight=arrays["in_proj_weight"],
                in_proj_bias=None, bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
                out_proj_weight=arrays["out_proj_weight"], out_proj_bias=None)
    q, k = arrays["query"], arrays["key"]
    with pytest.raises(RuntimeError, match="was expecting embedding dimension of 8, but got 6"):
        call(q, k, k, **{**base, "embed_dim_to_check": 8})
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \[4, 4\]"):
        call(q, k, k, **base, attn_mask=ember.zeros(4, 4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="only bool and floating types of attn_mask"):
        call(q, k, k, **base, attn_mask=ember.zeros(4, 5, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        call(q, k, k, **base, is_causal=True)
