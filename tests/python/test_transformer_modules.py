"""ember.nn.MultiheadAttention and the Transformer modules against torch's (the oracle is
torch 1.13) in float64: each torch module gets random weights, Ember's module loads its
state_dict, and the forward outputs (eval mode, so no dropout) and the gradients of the inputs
and of every parameter must agree. Also state_dict keys, reprs, the causal mask, error types,
deep copies, gradcheck and loading a checkpoint torch.save wrote.

torch 1.13 has no is_causal / tgt_is_causal / memory_is_causal arguments and no causal-mask
detection: where Ember is given the hint (or detects a causal mask), torch gets the equivalent
explicit mask and the results must still agree."""
import copy

import numpy as np
import pytest

import ember

E, HEADS, FF = 8, 2, 16
L, S, N = 3, 5, 2
RTOL, ATOL = 1e-8, 1e-10


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def _causal(size):
    return np.triu(np.full((size, size), -np.inf), 1)


def _padding(*rows):
    """A bool key padding mask: True where a key is padding."""
    return np.array(rows) == 1


def _additive(mask):
    """A bool mask as the float mask torch 2.x turns it into. torch 1.13 cannot merge a float
    key_padding_mask into a float attn_mask (its masked_fill wants bool), so where both are given
    torch gets the bool padding mask and Ember this equivalent float one (matching types, as
    torch 2.x asks)."""
    return np.where(mask, -np.inf, 0.0)


def _pair(torch, build, seed=0):
    """build(lib) in both libraries (float64, eval mode): torch's with random weights, Ember's
    loaded from torch's state_dict."""
    ref = build(torch).eval()
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
    mine = build(ember).eval()
    result = mine.load_state_dict({k: ember.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return mine, ref


def _outputs(result):
    return list(result) if isinstance(result, tuple) else [result]


def _run(lib, module, inputs, masks):
    """The module's outputs on inputs (numpy arrays; one array given twice is one tensor, as
    self-attention passes it) and masks, then the gradients of a fixed projection of the outputs
    with respect to each distinct input and each parameter."""
    made = {}
    for a in inputs:
        if id(a) not in made:
            made[id(a)] = lib.tensor(a, requires_grad=True)
    kwargs = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    outs = _outputs(module(*[made[id(a)] for a in inputs], **kwargs))
    rng = np.random.default_rng(99)
    loss = 0
    for o in outs:
        if o is not None:
            loss = loss + (o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum()
    loss.backward()
    return {"outputs": [None if o is None else o.detach().numpy() for o in outs],
            "input grads": [t.grad.numpy() for t in made.values()],
            "parameter grads": {n: p.grad.numpy() for n, p in module.named_parameters()}}


def _compare(torch, build, inputs, masks=None, ember_masks=None, seed=0):
    """build(lib)'s outputs and gradients in both libraries; ember_masks are added to (or replace)
    masks for Ember only: hints torch 1.13 does not take, or another form of the same mask."""
    mine, ref = _pair(torch, build, seed)
    masks = masks or {}
    got = _run(ember, mine, inputs, {**masks, **(ember_masks or {})})
    want = _run(torch, ref, inputs, masks)
    assert len(got["outputs"]) == len(want["outputs"])
    for g, w in zip(got["outputs"], want["outputs"]):
        if w is None:
            assert g is None
        else:
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    for g, w in zip(got["input grads"], want["input grads"]):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    assert list(got["parameter grads"]) == list(want["parameter grads"])
    for name, w in want["parameter grads"].items():
        np.testing.assert_allclose(got["parameter grads"][name], w, rtol=RTOL, atol=ATOL,
                                   err_msg=name)
    return mine, ref, got


def _mha(**kwargs):
    return lambda lib: lib.nn.MultiheadAttention(E, HEADS, dtype=lib.float64, **kwargs)


# ---- MultiheadAttention ----

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_self_attention(torch, batch_first, need_weights, average):
    x, = _arrays(1, (N, L, E) if batch_first else (L, N, E))
    _, _, got = _compare(torch, _mha(batch_first=batch_first), [x, x, x],
                         dict(need_weights=need_weights, average_attn_weights=average))
    weights = got["outputs"][1]
    if not need_weights:
        assert weights is None
    else:
        assert weights.shape == ((N, L, L) if average else (N, HEADS, L, L))


@pytest.mark.parametrize("batch_first", [False, True])
def test_cross_attention_with_kdim_and_vdim(torch, batch_first):
    shapes = [(L, N, E), (S, N, 6), (S, N, 5)]
    if batch_first:
        shapes = [(n, s, e) for s, n, e in shapes]
    q, k, v = _arrays(2, *shapes)
    padding = np.array([[False, False, True, False, False], [True, False, False, False, True]])
    mine, ref, _ = _compare(torch, _mha(kdim=6, vdim=5, batch_first=batch_first), [q, k, v],
                            dict(key_padding_mask=padding))
    assert not mine._qkv_same_embed_dim and mine.in_proj_weight is None
    assert list(mine.state_dict()) == list(ref.state_dict())


def test_memory_attention_with_key_as_value_batch_first(torch):
    # key is value but not query: the batch_first transposes keep that identity.
    q, mem = _arrays(3, (N, L, E), (N, S, E))
    _compare(torch, _mha(batch_first=True), [q, mem, mem])


@pytest.mark.parametrize("need_weights", [True, False])
def test_bias_kv_and_zero_attention(torch, need_weights):
    q, k = _arrays(4, (L, N, E), (S, N, E))
    padding = _padding([0, 1, 0, 0, 0], [0, 0, 0, 1, 1])
    attn_mask, = _arrays(5, (L, S))
    mine, ref, got = _compare(torch, _mha(add_bias_kv=True, add_zero_attn=True), [q, k, k],
                              dict(key_padding_mask=padding, attn_mask=attn_mask,
                                   need_weights=need_weights, average_attn_weights=False),
                              ember_masks=dict(key_padding_mask=_additive(padding)))
    assert list(mine.state_dict()) == list(ref.state_dict())
    if need_weights:
        assert got["outputs"][1].shape == (N, HEADS, L, S + 2)


@pytest.mark.parametrize("form", ["bool", "float"])
def test_key_padding_masks(torch, form):
    q, k = _arrays(6, (L, N, E), (S, N, E))
    padding = np.array([[False, False, False, True, True], [True, False, False, False, False]])
    # A float key_padding_mask is added as it is, finite values included.
    mask = padding if form == "bool" else np.where(padding, -2.5, 0.5)
    _compare(torch, _mha(), [q, k, k], dict(key_padding_mask=mask))


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("form", ["bool", "float"])
def test_attention_masks(torch, dims, form):
    q, k = _arrays(7, (L, N, E), (S, N, E))
    shape = (L, S) if dims == 2 else (N * HEADS, L, S)
    if form == "bool":
        mask = np.random.default_rng(8).random(shape) < 0.4
        mask[..., 0] = False  # every query keeps a key
    else:
        mask, = _arrays(8, shape)
    for need_weights in (True, False):
        _compare(torch, _mha(), [q, k, k], dict(attn_mask=mask, need_weights=need_weights))


def test_unbatched_input(torch):
    q, k, v = _arrays(9, (L, E), (S, E), (S, E))
    attn_mask, = _arrays(10, (HEADS, L, S))
    padding = _padding(0, 0, 1, 0, 0)
    for batch_first in (False, True):  # batch_first does not apply to unbatched input
        _, _, got = _compare(torch, _mha(batch_first=batch_first), [q, k, v],
                             dict(attn_mask=attn_mask, key_padding_mask=padding),
                             ember_masks=dict(key_padding_mask=_additive(padding)))
        assert got["outputs"][0].shape == (L, E) and got["outputs"][1].shape == (L, S)
    x, = _arrays(11, (L, E))
    _compare(torch, _mha(), [x, x, x], dict(average_attn_weights=False))


def test_without_bias(torch):
    x, = _arrays(12, (L, N, E))
    mine, ref, _ = _compare(torch, _mha(bias=False), [x, x, x])
    assert mine.in_proj_bias is None and mine.out_proj.bias is None
    assert list(mine.state_dict()) == list(ref.state_dict()) == ["in_proj_weight",
                                                                 "out_proj.weight"]


@pytest.mark.parametrize("need_weights", [True, False])
def test_causal_hint_equals_the_mask(torch, need_weights):
    # torch 1.13's MultiheadAttention has no is_causal: it gets the mask alone.
    x, = _arrays(13, (N, L, E))
    _compare(torch, _mha(batch_first=True), [x, x, x],
             dict(attn_mask=_causal(L), need_weights=need_weights),
             ember_masks=dict(is_causal=True))


def test_mha_construction_matches_torch(torch):
    for kwargs in (dict(), dict(kdim=6, vdim=5), dict(add_bias_kv=True, add_zero_attn=True),
                   dict(bias=False, batch_first=True, dropout=0.25)):
        mine = ember.nn.MultiheadAttention(E, HEADS, **kwargs)
        ref = torch.nn.MultiheadAttention(E, HEADS, **kwargs)
        assert repr(mine) == repr(ref)
        assert type(mine.out_proj) is ember.nn.modules.NonDynamicallyQuantizableLinear
        assert isinstance(mine.out_proj, ember.nn.Linear)
        assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
               [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
        assert list(mine.state_dict()) == list(ref.state_dict())
        for name in ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "num_heads", "dropout",
                     "batch_first", "head_dim", "add_zero_attn"):
            assert getattr(mine, name) == getattr(ref, name), name
        # torch's init: zero biases, Xavier-uniform projections within their bound.
        if mine.in_proj_bias is not None:
            assert not mine.in_proj_bias.detach().numpy().any()
            assert not mine.out_proj.bias.detach().numpy().any()
        if mine.in_proj_weight is not None:
            bound = (6 / (E + 3 * E)) ** 0.5
            assert np.abs(mine.in_proj_weight.detach().numpy()).max() <= bound
        if mine.bias_k is None:
            assert mine.bias_v is None and "bias_k" not in mine._parameters


def test_functional_form_is_torch_signature(torch):
    import inspect
    mine = inspect.signature(ember.nn.functional.multi_head_attention_forward)
    ref = inspect.signature(torch.nn.functional.multi_head_attention_forward)
    names = list(ref.parameters)
    assert list(mine.parameters)[:len(names)] == names
    assert list(mine.parameters)[len(names):] == ["is_causal"]  # torch 2.x's addition
    for name in names:
        assert mine.parameters[name].default == ref.parameters[name].default, name


# ---- Encoder and decoder layers ----

def _swish(x):
    return x * x.sigmoid()


def _encoder_layer(activation="relu", **kwargs):
    def build(lib):
        act = activation(lib) if callable(activation) else activation
        return lib.nn.TransformerEncoderLayer(E, HEADS, FF, activation=act, dtype=lib.float64,
                                              **kwargs)
    return build


ACTIVATIONS = {"relu": "relu", "gelu": "gelu", "F.gelu": lambda lib: lib.nn.functional.gelu,
               "callable": lambda lib: _swish, "module": lambda lib: lib.nn.GELU()}


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer(torch, activation, norm_first):
    x, = _arrays(20, (L, N, E))
    mine, ref, _ = _compare(torch, _encoder_layer(ACTIVATIONS[activation], norm_first=norm_first),
                            [x])
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert mine.activation_relu_or_gelu == ref.activation_relu_or_gelu


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_masks(torch, batch_first, norm_first):
    x, = _arrays(21, (N, S, E) if batch_first else (S, N, E))
    attn, = _arrays(22, (S, S))
    padding = _padding([0, 0, 0, 1, 1], [0, 1, 0, 0, 0])
    build = _encoder_layer(batch_first=batch_first, norm_first=norm_first)
    _compare(torch, build, [x], dict(src_mask=attn, src_key_padding_mask=padding),
             ember_masks=dict(src_key_padding_mask=_additive(padding)))
    _compare(torch, build, [x], dict(src_mask=_causal(S) == -np.inf))
    per_head, = _arrays(23, (N * HEADS, S, S))
    _compare(torch, build, [x], dict(src_mask=per_head))


def test_encoder_layer_causal_hint_and_unbatched_input(torch):
    x, = _arrays(24, (S, N, E))
    # torch 1.13's layer has no is_causal: it gets the causal mask alone.
    _compare(torch, _encoder_layer(), [x], dict(src_mask=_causal(S)),
             ember_masks=dict(is_causal=True))
    padding = _padding([0, 0, 0, 1, 1], [0, 1, 0, 0, 0])
    _compare(torch, _encoder_layer(), [x], dict(src_mask=_causal(S), src_key_padding_mask=padding),
             ember_masks=dict(is_causal=True, src_key_padding_mask=_additive(padding)))
    u, = _arrays(25, (S, E))
    _compare(torch, _encoder_layer(norm_first=True), [u], dict(src_mask=_causal(S)))


def test_layers_without_bias_equal_zero_biases(torch):
    # bias=False (torch 2.1's, absent from 1.13) drops every Linear, projection and LayerNorm
    # bias: the same as torch's layer with those biases at zero.
    ref = torch.nn.TransformerDecoderLayer(E, HEADS, FF, dtype=torch.float64).eval()
    mine = ember.nn.TransformerDecoderLayer(E, HEADS, FF, bias=False, dtype=ember.float64).eval()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.zeros_like(p) if name.endswith("bias") else torch.randn_like(p))
    state = {k: v for k, v in ref.state_dict().items() if not k.endswith("bias")}
    assert list(mine.state_dict()) == list(state)
    mine.load_state_dict({k: ember.tensor(v.numpy()) for k, v in state.items()})
    tgt, memory = _arrays(33, (L, N, E), (S, N, E))
    with torch.no_grad(), ember.no_grad():
        want = ref(torch.tensor(tgt), torch.tensor(memory)).numpy()
        got = mine(ember.tensor(tgt), ember.tensor(memory)).numpy()
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def _decoder_layer(**kwargs):
    return lambda lib: lib.nn.TransformerDecoderLayer(E, HEADS, FF, dtype=lib.float64, **kwargs)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(torch, batch_first, norm_first):
    tgt, memory = _arrays(30, *(((N, L, E), (N, S, E)) if batch_first else ((L, N, E), (S, N, E))))
    memory_mask, = _arrays(31, (L, S))
    tgt_padding = _padding([0, 0, 1], [0, 0, 0])
    memory_padding = _padding([0, 1, 0, 0, 0], [0, 0, 0, 1, 1])
    build = _decoder_layer(batch_first=batch_first, norm_first=norm_first, activation="gelu")
    mine, ref, _ = _compare(torch, build, [tgt, memory],
                            dict(tgt_mask=_causal(L), memory_mask=memory_mask,
                                 tgt_key_padding_mask=tgt_padding,
                                 memory_key_padding_mask=memory_padding),
                            ember_masks=dict(tgt_key_padding_mask=_additive(tgt_padding),
                                             memory_key_padding_mask=_additive(memory_padding)))
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())
    # torch 1.13's layer has no tgt_is_causal: it gets the causal mask alone.
    _compare(torch, build, [tgt, memory], dict(tgt_mask=_causal(L)),
             ember_masks=dict(tgt_is_causal=True))


def test_mismatched_mask_types_warn_as_torch_2(torch):
    # A bool padding mask with a float attention mask still works, with torch 2.x's warning.
    tgt, memory = _arrays(32, (L, N, E), (S, N, E))
    padding = _padding([0, 0, 1], [0, 0, 0])
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        _compare(torch, _decoder_layer(), [tgt, memory],
                 dict(tgt_mask=_causal(L), tgt_key_padding_mask=padding))
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        _compare(torch, _encoder_layer(), [memory],
                 dict(src_mask=_causal(S), src_key_padding_mask=_padding([0, 0, 1, 0, 0],
                                                                         [0, 0, 0, 0, 0])))


# ---- The stacks and the full model ----

def _encoder(num_layers=2, **kwargs):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(E, HEADS, FF, dtype=lib.float64, **kwargs)
        return lib.nn.TransformerEncoder(layer, num_layers,
                                         norm=lib.nn.LayerNorm(E, dtype=lib.float64))
    return build


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack_with_norm(torch, batch_first):
    x, = _arrays(40, (N, S, E) if batch_first else (S, N, E))
    padding = _padding([0, 0, 0, 1, 1], [0, 0, 0, 0, 0])
    build = _encoder(batch_first=batch_first)
    mine, ref, _ = _compare(torch, build, [x], dict(src_key_padding_mask=padding))
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())
    # A causal mask is detected (is_causal=None) and then applied by the hint alone when there
    # is no padding mask to merge; torch 1.13 applies the mask itself.
    _compare(torch, build, [x], dict(mask=_causal(S)))
    _compare(torch, build, [x], dict(mask=_causal(S), src_key_padding_mask=padding),
             ember_masks=dict(src_key_padding_mask=_additive(padding)))
    _compare(torch, build, [x], dict(mask=_causal(S)), ember_masks=dict(is_causal=True))


def test_stacks_hold_independent_copies(torch):
    layer = ember.nn.TransformerEncoderLayer(E, HEADS, FF)
    encoder = ember.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert isinstance(encoder.layers, ember.nn.ModuleList) and len(encoder.layers) == 3
    assert encoder.num_layers == 3 and encoder.norm is None
    params = [p for m in (layer, *encoder.layers) for p in m.parameters()]
    assert len({id(p) for p in params}) == len(params)
    for copied in encoder.layers:
        assert copied is not layer
        for (n, p), (_, q) in zip(layer.named_parameters(), copied.named_parameters()):
            assert isinstance(q, ember.nn.Parameter) and q.requires_grad
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n)
    with ember.no_grad():
        encoder.layers[0].linear1.weight.add_(1.0)
    assert not np.allclose(encoder.layers[0].linear1.weight.detach().numpy(),
                           encoder.layers[1].linear1.weight.detach().numpy())
    decoder = ember.nn.TransformerDecoder(ember.nn.TransformerDecoderLayer(E, HEADS, FF), 2)
    assert decoder.layers[0].multihead_attn is not decoder.layers[1].multihead_attn
    assert list(decoder.state_dict()) == list(torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(E, HEADS, FF), 2).state_dict())


def test_deepcopy_of_modules_copies_parameters_buffers_and_settings():
    model = ember.nn.Sequential(ember.nn.MultiheadAttention(E, HEADS, add_bias_kv=True),
                                ember.nn.BatchNorm1d(E))
    model[1].running_mean.add_(3.0)
    model.eval()
    twin = copy.deepcopy(model)
    assert not twin.training and not twin[0].training
    mine, theirs = model.state_dict(keep_vars=True), twin.state_dict(keep_vars=True)
    assert list(mine) == list(theirs)
    for name in mine:
        assert type(mine[name]) is type(theirs[name]) and mine[name] is not theirs[name]
        assert mine[name].dtype == theirs[name].dtype
        np.testing.assert_array_equal(mine[name].detach().numpy(), theirs[name].detach().numpy())
    with ember.no_grad():
        twin[0].in_proj_weight.zero_()
        twin[1].running_mean.zero_()
    assert model[0].in_proj_weight.detach().numpy().any()
    assert model[1].running_mean.numpy().all()
    # A Parameter shared by two modules stays shared in the copy.
    shared = ember.nn.Linear(2, 2)
    pair = ember.nn.ModuleList([shared, ember.nn.Linear(2, 2)])
    pair[1].weight = shared.weight
    pair_copy = copy.deepcopy(pair)
    assert pair_copy[1].weight is pair_copy[0].weight
    assert pair_copy[0].weight is not shared.weight


def _transformer(batch_first=False, **kwargs):
    return lambda lib: lib.nn.Transformer(E, HEADS, 2, 2, FF, batch_first=batch_first,
                                          dtype=lib.float64, **kwargs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_end_to_end(torch, batch_first):
    shapes = ((N, S, E), (N, L, E)) if batch_first else ((S, N, E), (L, N, E))
    src, tgt = _arrays(50, *shapes)
    src_padding = _padding([0, 0, 0, 1, 1], [0, 0, 0, 0, 1])
    tgt_mask = ember.nn.Transformer.generate_square_subsequent_mask(L, dtype=ember.float64)
    # The padding masks meet no float mask in torch 1.13, so both get the additive form.
    masks = dict(tgt_mask=tgt_mask.numpy(), src_key_padding_mask=_additive(src_padding),
                 memory_key_padding_mask=_additive(src_padding))
    mine, ref, _ = _compare(torch, _transformer(batch_first), [src, tgt], masks)
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert (mine.d_model, mine.nhead, mine.batch_first) == (E, HEADS, batch_first)
    # The detected causal tgt_mask equals the hint.
    _compare(torch, _transformer(batch_first), [src, tgt], masks,
             ember_masks=dict(tgt_is_causal=True))


def test_transformer_norm_first_gelu_and_custom_parts(torch):
    src, tgt = _arrays(51, (S, N, E), (L, N, E))
    _compare(torch, _transformer(norm_first=True, activation="gelu"), [src, tgt],
             dict(src_mask=_causal(S)))

    def custom(lib):
        layer = lib.nn.TransformerEncoderLayer(E, HEADS, FF, dtype=lib.float64)
        encoder = lib.nn.TransformerEncoder(layer, 1)
        return lib.nn.Transformer(E, HEADS, num_decoder_layers=1, dim_feedforward=FF,
                                  custom_encoder=encoder, dtype=lib.float64)
    mine, ref, _ = _compare(torch, custom, [src, tgt])
    assert list(mine.state_dict()) == list(ref.state_dict())


def test_transformer_init_is_xavier_uniform():
    model = ember.nn.Transformer(E, HEADS, 1, 1, FF)
    for name, p in model.named_parameters():
        values = p.detach().numpy()
        if p.dim() > 1:
            fan_out, fan_in = p.shape[0], int(np.prod(p.shape[1:]))
            assert np.abs(values).max() <= (6 / (fan_in + fan_out)) ** 0.5, name
        elif name.endswith("norm1.weight") or name.endswith("norm.weight"):
            assert (values == 1).all()


def test_generate_square_subsequent_mask(torch):
    for sz in (1, 4):
        mine = ember.nn.Transformer.generate_square_subsequent_mask(sz)
        ref = torch.nn.Transformer.generate_square_subsequent_mask(sz)
        assert mine.dtype == ember.float32 and tuple(mine.shape) == tuple(ref.shape)
        np.testing.assert_array_equal(mine.numpy(), ref.numpy())
    double = ember.nn.Transformer().generate_square_subsequent_mask(3, device="cpu",
                                                                    dtype=ember.float64)
    assert double.dtype == ember.float64
    np.testing.assert_array_equal(double.numpy(), _causal(3))


# ---- Errors ----

def test_errors_match_torch(torch):
    for lib in (ember, torch):
        with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
            lib.nn.MultiheadAttention(10, 3)
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            lib.nn.TransformerEncoderLayer(E, HEADS, activation="tanh")
        model = lib.nn.Transformer(E, HEADS, 1, 1, FF)
        with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
            model(lib.zeros(S, 2, E), lib.zeros(L, 3, E))
        with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal "
                                               "to d_model"):
            model(lib.zeros(S, 2, E), lib.zeros(L, 2, E + 1))
        mha = lib.nn.MultiheadAttention(E, HEADS)
        x = lib.zeros(L, N, E)
        with pytest.raises(AssertionError,
                           match="only bool and floating types of key_padding_mask"):
            mha(x, x, x, key_padding_mask=lib.zeros(N, L, dtype=lib.int64))
        # torch 1.13's message differs ("Only float, byte, and bool types are supported for
        # attn_mask"); the type and the argument named agree.
        with pytest.raises(AssertionError, match=r"(?i)^only .*bool.* types .*attn_mask"):
            mha(x, x, x, attn_mask=lib.zeros(L, L, dtype=lib.int64))
    mha, x = ember.nn.MultiheadAttention(E, HEADS), ember.zeros(L, N, E)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=ember.zeros(L, L, dtype=ember.int64))
    # torch 2.x's checks, absent from 1.13.
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        ember.nn.MultiheadAttention(0, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)


def test_functional_shape_checks_raise_runtime_error(torch):
    # torch's F.multi_head_attention_forward checks shapes with bare asserts (AssertionError);
    # Ember's checks are in C++ and raise RuntimeError, with torch's wording. Programs do not
    # catch these, so they are not translated.
    for lib, error in ((ember, RuntimeError), (torch, AssertionError)):
        mha = lib.nn.MultiheadAttention(E, HEADS)
        with pytest.raises(error, match="was expecting embedding dimension of 8, but got 6"):
            y = lib.zeros(L, N, 6)
            mha(y, y, y)


# ---- gradcheck through the module ----

def _mha_function(mha, names, **call):
    """mha's forward as a function of query, key, value and the named parameters, which stand in
    for the module's own while it runs."""
    def fn(query, key, value, *params):
        saved = {n: mha._parameters[n] for n in names}
        mha._parameters.update(zip(names, params))
        try:
            return mha(query, key, value, **call)
        finally:
            mha._parameters.update(saved)
    return fn


@pytest.mark.parametrize("need_weights", [True, False])
def test_gradcheck_and_gradgradcheck(need_weights):
    mha = ember.nn.MultiheadAttention(4, 2, add_bias_kv=True, dtype=ember.float64)
    names = ["in_proj_weight", "in_proj_bias", "bias_k"]
    q, k = _arrays(60, (2, 1, 4), (3, 1, 4))
    inputs = [ember.tensor(q, requires_grad=True), ember.tensor(k, requires_grad=True)]
    inputs.append(inputs[1])
    params = [ember.tensor(mha._parameters[n].detach().numpy(), requires_grad=True)
              for n in names]
    padding = ember.tensor([[False, False, True]])
    fn = _mha_function(mha, names, key_padding_mask=padding, need_weights=need_weights)
    assert ember.autograd.gradcheck(fn, (*inputs, *params))
    assert ember.autograd.gradgradcheck(fn, (*inputs, *params))


# ---- torch checkpoints ----

def test_torch_saved_state_dict_loads_into_transformer(torch, tmp_path):
    torch.manual_seed(0)
    ref = torch.nn.Transformer(E, HEADS, 1, 1, FF, dtype=torch.float64).eval()
    path = tmp_path / "transformer.pt"
    torch.save(ref.state_dict(), path)
    mine = ember.nn.Transformer(E, HEADS, 1, 1, FF, dtype=ember.float64).eval()
    for weights_only in (False, True):
        state = ember.load(str(path), weights_only=weights_only)
        assert list(state) == list(mine.state_dict())
        assert repr(mine.load_state_dict(state)) == "<All keys matched successfully>"
    src, tgt = _arrays(70, (S, N, E), (L, N, E))
    with torch.no_grad(), ember.no_grad():
        want = ref(torch.tensor(src), torch.tensor(tgt)).numpy()
        got = mine(ember.tensor(src), ember.tensor(tgt)).numpy()
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_whole_model_saves_and_loads(tmp_path, activation):
    # The layers hold their activation function, which pickle records by name.
    model = ember.nn.Transformer(E, HEADS, 1, 1, FF, activation=activation).eval()
    ember.save(model, str(tmp_path / "model.pt"))
    back = ember.load(str(tmp_path / "model.pt"), weights_only=False)
    assert type(back) is ember.nn.Transformer and repr(back) == repr(model)
    assert back.encoder.layers[0].activation is getattr(ember.nn.functional, activation)
    src, tgt = ember.randn(S, N, E), ember.randn(L, N, E)
    with ember.no_grad():
        np.testing.assert_array_equal(back(src, tgt).numpy(), model(src, tgt).numpy())
