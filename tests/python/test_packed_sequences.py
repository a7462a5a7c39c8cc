"""torch.nn.utils.rnn and the recurrent layers over packed input against real PyTorch: packing,
padding and unpadding give torch's tensors; RNN, LSTM and GRU with the same weights give torch's
packed outputs, final states and gradients; gradients through pack -> LSTM -> pad pass gradcheck
and gradgradcheck; the errors have torch's types and messages."""
import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as ember_rnn

TOL = dict(rtol=1e-10, atol=1e-12)


def close(got, want):
    """Compares an ember result with a torch one: tensors, None, or (nested) sequences."""
    if want is None:
        assert got is None
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w)
    else:
        assert tuple(got.shape) == tuple(want.shape)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)


def both(torch, array, requires_grad=False):
    """The same float64 data as an ember and a torch tensor."""
    return (ember.tensor(array, dtype=ember.float64, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


# ---- Packing and padding -----------------------------------------------------------------------

@pytest.mark.parametrize("lengths,enforce_sorted", [
    ([5, 3, 3, 1], True), ([4, 4, 4, 4], True), ([2, 5, 1, 5], False), ([1, 2, 3, 4], False),
    ([3, 1, 2, 3], False)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (3,), (2, 2)])
def test_pack_then_pad_matches_torch(torch, lengths, enforce_sorted, batch_first, trailing):
    rng = np.random.default_rng(len(lengths) + len(trailing))
    steps, batch = 6, len(lengths)
    shape = ((batch, steps) if batch_first else (steps, batch)) + trailing
    mine_x, ref_x = both(torch, rng.standard_normal(shape), requires_grad=True)
    weights = rng.standard_normal((steps + 2, batch) + trailing)
    results = []
    for lib, x, rnn in ((ember, mine_x, ember_rnn), (torch, ref_x, torch.nn.utils.rnn)):
        packed = rnn.pack_padded_sequence(x, lib.tensor(lengths), batch_first=batch_first,
                                          enforce_sorted=enforce_sorted)
        padded, out_lengths = rnn.pad_packed_sequence(packed, batch_first=batch_first,
                                                      padding_value=-2.5,
                                                      total_length=steps + 2)
        tight, _ = rnn.pad_packed_sequence(packed, batch_first=batch_first)
        w = lib.tensor(weights)
        if batch_first:
            w = w.transpose(0, 1)
        (padded * w).sum().backward()
        results.append((tuple(packed), padded, out_lengths, tight, x.grad))
    close(*results)


def test_lengths_as_a_list_of_numbers_and_packed_sequence_api(torch):
    x = np.arange(12.0).reshape(3, 2, 2)
    packs = [rnn.pack_padded_sequence(lib.tensor(x), [1.9, 3], enforce_sorted=False)
             for lib, rnn in ((ember, ember_rnn), (torch, torch.nn.utils.rnn))]
    mine, ref = packs
    close(tuple(mine), tuple(ref))
    assert repr(mine) == repr(ref)
    assert mine._fields == ref._fields
    data, batch_sizes, sorted_indices, unsorted_indices = mine
    assert data is mine.data and batch_sizes.dtype == ember.int64
    assert not mine.is_cuda
    assert isinstance(mine, tuple) and len(mine) == 4
    close(tuple(mine.to(ember.float32)), tuple(ref.to(torch.float32)))
    close(tuple(mine.double()), tuple(ref.double()))
    assert mine.to(ember.float64) is mine
    # Made from its fields (unsorted_indices computed) or from (data, batch_sizes).
    again = ember_rnn.PackedSequence(data, batch_sizes, sorted_indices)
    close(tuple(again), tuple(mine))
    plain = ember_rnn.PackedSequence((data, batch_sizes))
    assert plain.sorted_indices is None and plain.unsorted_indices is None
    close(ember_rnn.invert_permutation(ember.tensor([2, 0, 3, 1])),
          torch.nn.utils.rnn.invert_permutation(torch.tensor([2, 0, 3, 1])))
    assert ember.nn.utils.rnn.PackedSequence is ember_rnn.PackedSequence


@pytest.mark.parametrize("shapes", [[(3, 2), (1, 2), (4, 2)], [(2,), (5,), (5,)],
                                    [(2, 1, 3), (3, 1, 3)], [(0, 2), (2, 2)]])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch(torch, shapes, batch_first):
    rng = np.random.default_rng(len(shapes))
    arrays = [rng.standard_normal(s) for s in shapes]
    longest = max(s[0] for s in shapes)
    out_shape = ((len(shapes), longest) if batch_first else (longest, len(shapes))) + shapes[0][1:]
    weights = rng.standard_normal(out_shape)
    results = []
    for lib, rnn in ((ember, ember_rnn), (torch, torch.nn.utils.rnn)):
        seqs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=7.0)
        (out * lib.tensor(weights)).sum().backward()
        results.append([out] + [s.grad for s in seqs])
    close(*results)


def test_pack_sequence_unpack_and_unpad_match_torch(torch):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s) for s in [(2, 3), (4, 3), (1, 3), (4, 3)]]
    results = []
    for lib, rnn in ((ember, ember_rnn), (torch, torch.nn.utils.rnn)):
        seqs = [lib.tensor(a) for a in arrays]
        packed = rnn.pack_sequence(seqs, enforce_sorted=False)
        unpacked = rnn.unpack_sequence(packed)
        padded = rnn.pad_sequence(seqs, batch_first=True)
        unpadded = rnn.unpad_sequence(padded, lib.tensor([2, 4, 1, 4]), batch_first=True)
        unpadded_t = rnn.unpad_sequence(padded.transpose(0, 1).contiguous(), [2, 4, 1, 4])
        results.append((tuple(packed), unpacked, unpadded, unpadded_t))
    close(*results)
    close(results[0][1], [ember.tensor(a) for a in arrays])


def test_sorted_pack_sequence_matches_torch(torch):
    arrays = [np.arange(8.0).reshape(4, 2), np.ones((4, 2)), np.zeros((1, 2))]
    close(tuple(ember_rnn.pack_sequence([ember.tensor(a) for a in arrays])),
          tuple(torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays])))


# ---- Recurrent layers over packed input --------------------------------------------------------

CONFIGS = [
    ("RNN", dict(input_size=3, hidden_size=4)),
    ("RNN", dict(input_size=3, hidden_size=4, num_layers=2, nonlinearity="relu", bias=False)),
    ("RNN", dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, batch_first=True,
                  bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, batch_first=True)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ("GRU", dict(input_size=3, hidden_size=4, bias=False, batch_first=True)),
]


def initial_state(rng, kind, kwargs, batch):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h = rng.standard_normal((layers, batch, kwargs.get("proj_size", 0) or kwargs["hidden_size"]))
    if kind == "LSTM":
        return (h, rng.standard_normal((layers, batch, kwargs["hidden_size"])))
    return h


def run_packed(lib, rnn_utils, module, x, lengths, hx, batch_first, enforce_sorted):
    """Packs x, runs the module, and backpropagates a loss of the padded output and the states;
    returns the values and the gradients of x, the weights and hx."""
    x = lib.tensor(x, requires_grad=True)
    if isinstance(hx, tuple):
        hx = tuple(lib.tensor(h, requires_grad=True) for h in hx)
    elif hx is not None:
        hx = lib.tensor(hx, requires_grad=True)
    packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                            enforce_sorted=enforce_sorted)
    out, state = module(packed) if hx is None else module(packed, hx)
    assert type(out) is rnn_utils.PackedSequence
    padded, _ = rnn_utils.pad_packed_sequence(out, batch_first=batch_first)
    states = state if isinstance(state, tuple) else (state,)
    scale = lib.arange(1.0, padded.shape[-1] + 1, dtype=lib.float64)
    loss = (padded * padded * scale).sum() + sum((s * s * 0.5 + s).sum() for s in states)
    loss.backward()
    grads = [x.grad] + [p.grad for _, p in module.named_parameters()]
    if hx is not None:
        grads += [h.grad for h in (hx if isinstance(hx, tuple) else (hx,))]
    return [tuple(out), padded, list(states)], grads


@pytest.mark.parametrize("kind,kwargs", CONFIGS)
@pytest.mark.parametrize("lengths,enforce_sorted,with_state", [
    ([5, 4, 2, 2], True, False), ([5, 4, 2, 2], True, True), ([2, 5, 1, 4], False, True),
    ([3, 1, 5, 5], False, False), ([1], True, True)])
def test_packed_layers_match_torch(torch, kind, kwargs, lengths, enforce_sorted, with_state):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        mine = getattr(ember.nn, kind)(**kwargs)
        ref = getattr(torch.nn, kind)(**kwargs)
        ref.load_state_dict({k: torch.tensor(v.detach().numpy())
                             for k, v in mine.state_dict().items()})
        rng = np.random.default_rng(len(lengths) * 10 + len(kwargs))
        steps, batch = 5, len(lengths)
        batch_first = kwargs.get("batch_first", False)
        shape = (batch, steps, 3) if batch_first else (steps, batch, 3)
        x = rng.standard_normal(shape)
        hx = initial_state(rng, kind, kwargs, batch) if with_state else None
        got = run_packed(ember, ember_rnn, mine, x, lengths, hx, batch_first, enforce_sorted)
        want = run_packed(torch, torch.nn.utils.rnn, ref, x, lengths, hx, batch_first,
                          enforce_sorted)
        close(got, want)
    finally:
        torch.set_default_dtype(torch.float32)


def test_packed_output_equals_running_each_sequence_alone():
    ember.manual_seed(3)
    lstm = ember.nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    seqs = [ember.randn(n, 2, dtype=ember.float64) for n in (2, 4, 1)]
    out, (h, c) = lstm(ember_rnn.pack_sequence(seqs, enforce_sorted=False))
    outputs = ember_rnn.unpack_sequence(out)
    for i, s in enumerate(seqs):
        alone, (h1, c1) = lstm(s.unsqueeze(1))
        close(outputs[i], alone.squeeze(1))
        close(h[:, i], h1[:, 0])
        close(c[:, i], c1[:, 0])


def test_packed_functional_overloads_match_torch(torch):
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(s) for s in [(6, 3), (2, 2, 4), (16, 3), (16, 4), (16,), (16,)]]
    results = []
    for lib in (ember, torch):
        data, h, w_ih, w_hh, b_ih, b_hh = (lib.tensor(a) for a in arrays)
        batch_sizes = lib.tensor([2, 2, 1, 1])
        params = [w_ih, w_hh, b_ih, b_hh]
        out, hn, cn = lib.lstm(data, batch_sizes, (h, h * 0.5), params * 2, True, 1, 0.0,
                               False, True)
        small = [w_ih[:4], w_hh[:4, :4]]
        tanh, tanh_h = lib.rnn_tanh(data, batch_sizes, h[:1] * 0, small, False, 1, 0.0, False,
                                    False)
        relu, _ = lib.rnn_relu(data, batch_sizes, h[:1], small, False, 1, 0.0, False, False)
        gru, gru_h = lib.gru(data, batch_sizes, h[:1], [w_ih[:12], w_hh[:12], b_ih[:12],
                                                        b_hh[:12]], True, 1, 0.0, False, False)
        results.append([out, hn, cn, tanh, tanh_h, relu, gru, gru_h])
    close(*results)


def test_gradcheck_through_pack_lstm_pad():
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    x = ember.randn(4, 3, 2, dtype=ember.float64, requires_grad=True)
    h0 = ember.randn(4, 3, 2, dtype=ember.float64, requires_grad=True)
    c0 = ember.randn(4, 3, 3, dtype=ember.float64, requires_grad=True)
    weights = list(lstm.parameters())

    def fn(x, h0, c0, *_):
        packed = ember_rnn.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        out, (h, c) = lstm(packed, (h0, c0))
        padded, _ = ember_rnn.pad_packed_sequence(out, total_length=5)
        return padded, h, c

    assert ember.autograd.gradcheck(fn, (x, h0, c0, *weights))
    assert ember.autograd.gradgradcheck(fn, (x, h0, c0, *weights))


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_gradgradcheck_of_rnn_and_gru_packed(kind):
    module = getattr(ember.nn, kind)(2, 3, bidirectional=True).double()
    x = ember.randn(3, 3, 2, dtype=ember.float64, requires_grad=True)

    def fn(x, *_):
        out, h = module(ember_rnn.pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False))
        return ember_rnn.pad_packed_sequence(out, batch_first=True)[0], h

    assert ember.autograd.gradcheck(fn, (x, *module.parameters()))
    assert ember.autograd.gradgradcheck(fn, (x, *module.parameters()))


def test_training_on_packed_batches():
    """A GRU learns each sequence's sum from its final hidden state, over packed batches."""
    ember.manual_seed(2)
    gru, head = ember.nn.GRU(1, 8), ember.nn.Linear(8, 1)
    opt = ember.optim.Adam(list(gru.parameters()) + list(head.parameters()), lr=0.03)
    seqs = [ember.randn(n, 1) for n in (3, 6, 2, 5, 4, 6, 1, 3)]
    target = ember.stack([s.sum() for s in seqs]).unsqueeze(1)
    packed = ember_rnn.pack_sequence(seqs, enforce_sorted=False)
    first = None
    for _ in range(80):
        opt.zero_grad()
        _, h = gru(packed)
        loss = ember.nn.functional.mse_loss(head(h[-1]), target)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.2 * first


# ---- Errors ------------------------------------------------------------------------------------

def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  the type and text are what is compared
        return type(e), str(e)
    return None, ""


def packed_hx(lib, batch, sorted_lengths=True):
    lengths = [3, 2, 1] if sorted_lengths else [1, 3, 2]
    packed = lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 3, 4), lengths,
                                                   enforce_sorted=sorted_lengths)
    return lib.nn.LSTM(4, 5)(packed, (lib.zeros(1, batch, 5), lib.zeros(1, batch, 5)))


@pytest.mark.parametrize("call", [
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [2, 3]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [3, 0]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [0, 3],
                                                  enforce_sorted=False),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [3, 2, 1]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(0, 2, 1), [3, 2]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [[3, 2]]),
    lambda m: m.nn.utils.rnn.pad_packed_sequence(
        m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [3, 1]), total_length=2),
    lambda m: m.nn.utils.rnn.pad_sequence([]),
    lambda m: m.nn.utils.rnn.pad_sequence(3),
    lambda m: m.nn.utils.rnn.pad_sequence([m.zeros(2, 3), m.zeros(2, 2)]),
    lambda m: packed_hx(m, 2),
    lambda m: packed_hx(m, 4),
    lambda m: m.nn.GRU(4, 5)(m.nn.utils.rnn.pack_sequence([m.zeros(2, 3)])),
    lambda m: m.nn.GRU(4, 5)(m.nn.utils.rnn.pack_sequence([m.zeros(2, 3, 4)])),
])
def test_errors_match_torch(torch, call):
    want_type, want_text = error_of(lambda: call(torch))
    got_type, got_text = error_of(lambda: call(ember))
    assert want_type is not None
    assert got_type is want_type, (got_text, want_text)
    # torch's text, or for the broadcast failure, where the ops differ, the same kind of report.
    assert want_text in got_text or "must match" in want_text, (got_text, want_text)


def test_errors_where_torch_goes_quietly_wrong():
    # torch 1.13 packs fewer rows than the lengths promise, and takes part of a too large h_0.
    with pytest.raises(RuntimeError, match="a sequence of length 4 does not fit in the input's 3"):
        ember_rnn.pack_padded_sequence(ember.zeros(3, 2, 1), [4, 2])
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 5\), got \[1, 4, 5"):
        packed_hx(ember, 4, sorted_lengths=False)
    # torch fails inside index_select here; Ember's check comes first.
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 5\), got \[1, 2, 5"):
        packed_hx(ember, 2, sorted_lengths=False)
    with pytest.raises(RuntimeError, match="batch_sizes must be positive, non-increasing"):
        ember.lstm(ember.zeros(4, 2), ember.tensor([1, 2]), [], [ember.zeros(4, 2)] * 2, False,
                   1, 0.0, False, False)
