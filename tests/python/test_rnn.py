"""nn.RNN, LSTM, GRU and the cells against real PyTorch: the same weights (copied through the
state dict) give the same outputs, states and gradients; names, reprs and errors match."""
import numpy as np
import pytest

import ember

CONFIGS = [
    ("RNN", dict(input_size=3, hidden_size=4)),
    ("RNN", dict(input_size=3, hidden_size=4, num_layers=2, nonlinearity="relu", bias=False)),
    ("RNN", dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, batch_first=True)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2)),
    ("GRU", dict(input_size=3, hidden_size=4, bidirectional=True, bias=False)),
]


def copy_weights(torch, src, dst):
    """Copies ember module src's parameters into the torch module dst."""
    with torch.no_grad():
        for name, p in dst.named_parameters():
            p.copy_(torch.tensor(getattr(src, name).detach().numpy()))


def run(lib, module, x, hx):
    x = lib.tensor(x, requires_grad=True)
    if isinstance(hx, tuple):
        hx = tuple(lib.tensor(h, requires_grad=True) for h in hx)
    elif hx is not None:
        hx = lib.tensor(hx, requires_grad=True)
    out, state = module(x) if hx is None else module(x, hx)
    states = state if isinstance(state, tuple) else (state,)
    loss = (out * out).sum() + sum((s * s * 0.5).sum() for s in states)
    loss.backward()
    grads = [x.grad.numpy()] + [p.grad.numpy() for _, p in module.named_parameters()]
    if hx is not None:
        grads += [h.grad.numpy() for h in (hx if isinstance(hx, tuple) else (hx,))]
    return [out.detach().numpy()] + [s.detach().numpy() for s in states], grads


@pytest.mark.parametrize("kind,kwargs", CONFIGS)
@pytest.mark.parametrize("unbatched,with_state", [(False, False), (False, True), (True, True)])
def test_sequences_match_torch(torch, kind, kwargs, unbatched, with_state):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        mine = getattr(ember.nn, kind)(**kwargs)
        ref = getattr(torch.nn, kind)(**kwargs)
        copy_weights(torch, mine, ref)
        assert [n for n, _ in mine.named_parameters()] == [n for n, _ in ref.named_parameters()]
        rng = np.random.default_rng(len(kwargs))
        seq, batch = 6, 3
        shape = (seq, kwargs["input_size"])
        if not unbatched:
            shape = (batch,) + shape if kwargs.get("batch_first") else (seq, batch, shape[1])
        x = rng.standard_normal(shape)
        hx = None
        if with_state:
            layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
            h_size = kwargs.get("proj_size", 0) or kwargs["hidden_size"]
            lead = (layers,) if unbatched else (layers, batch)
            hx = rng.standard_normal(lead + (h_size,))
            if kind == "LSTM":
                hx = (hx, rng.standard_normal(lead + (kwargs["hidden_size"],)))
        got_values, got_grads = run(ember, mine, x, hx)
        want_values, want_grads = run(torch, ref, x, hx)
        for g, w in zip(got_values + got_grads, want_values + want_grads):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("kind,kwargs", [("RNNCell", dict(nonlinearity="relu")), ("RNNCell", {}),
                                         ("LSTMCell", {}), ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cells_match_torch(torch, kind, kwargs, unbatched):
    mine = getattr(ember.nn, kind)(3, 4, **kwargs).double()
    ref = getattr(torch.nn, kind)(3, 4, **kwargs).double()
    copy_weights(torch, mine, ref)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3,) if unbatched else (2, 3))
    h = rng.standard_normal((4,) if unbatched else (2, 4))
    results = []
    for lib, module in ((ember, mine), (torch, ref)):
        xs = lib.tensor(x, requires_grad=True)
        hs = lib.tensor(h, requires_grad=True)
        state = (hs, hs * 0.5) if kind == "LSTMCell" else hs
        out = module(xs, state)
        outs = out if isinstance(out, tuple) else (out,)
        sum((o * o).sum() for o in outs).backward()
        results.append([o.detach().numpy() for o in outs]
                       + [xs.grad.numpy(), hs.grad.numpy()]
                       + [p.grad.numpy() for p in module.parameters()])
    for g, w in zip(*results):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_functional_names_match_torch(torch):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(2, 3), (2, 4), (16, 3), (16, 4), (16,), (16,)]]
    results = []
    for lib in (ember, torch):
        x, h, w_ih, w_hh, b_ih, b_hh = (lib.tensor(a) for a in arrays)
        h1, c1 = lib.lstm_cell(x, (h, h), w_ih, w_hh, b_ih, b_hh)
        g = lib.gru_cell(x, h, w_ih[:12], w_hh[:12], b_ih[:12], b_hh[:12])
        r = lib.rnn_tanh_cell(x, h, w_ih[:4], w_hh[:4]) + lib.rnn_relu_cell(x, h, w_ih[:4], w_hh[:4])
        results.append([t.numpy() for t in (h1, c1, g, r)])
    for g, w in zip(*results):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_reprs_and_names_match_torch(torch):
    for args, kwargs in [((10, 20, 2), dict(batch_first=True, bidirectional=True, dropout=0.1,
                                            proj_size=5)),
                         ((10, 20), dict(bias=False))]:
        assert repr(ember.nn.LSTM(*args, **kwargs)) == repr(torch.nn.LSTM(*args, **kwargs))
    assert repr(ember.nn.RNN(10, 20, nonlinearity="relu")) == \
        repr(torch.nn.RNN(10, 20, nonlinearity="relu"))
    for cls, kwargs in [("RNNCell", dict(nonlinearity="relu")), ("LSTMCell", dict(bias=False)),
                        ("GRUCell", {})]:
        assert repr(getattr(ember.nn, cls)(3, 4, **kwargs)) == \
            repr(getattr(torch.nn, cls)(3, 4, **kwargs))
    mine, ref = ember.nn.GRU(3, 4, 2, bidirectional=True), torch.nn.GRU(3, 4, 2, bidirectional=True)
    assert mine._flat_weights_names == ref._flat_weights_names
    assert [[tuple(p.shape) for p in ws] for ws in mine.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in ref.all_weights]
    assert list(mine.state_dict()) == list(ref.state_dict())


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  the type and text are what is compared
        return type(e), str(e)
    return None, ""


@pytest.mark.parametrize("make,call", [
    (lambda m: m.nn.LSTM(10, 20, 2), lambda m, l: l(m.randn(5, 3, 11))),
    (lambda m: m.nn.LSTM(10, 20, 2),
     lambda m, l: l(m.randn(5, 3, 10), (m.randn(2, 2, 20), m.randn(2, 3, 20)))),
    (lambda m: m.nn.LSTM(10, 20, 2),
     lambda m, l: l(m.randn(5, 10), (m.randn(2, 3, 20), m.randn(2, 3, 20)))),
    (lambda m: m.nn.RNN(10, 20), lambda m, l: l(m.randn(5, 3, 10), m.randn(1, 2, 20))),
    (lambda m: m.nn.RNN(10, 20), lambda m, l: l(m.randn(5, 3, 10), m.randn(1, 20))),
    (lambda m: m.nn.GRU(10, 20), lambda m, l: l(m.randn(5, 10), m.randn(1, 3, 20))),
    (lambda m: m.nn.RNNCell(10, 20), lambda m, l: l(m.randn(3, 11))),
    (lambda m: m.nn.RNNCell(10, 20), lambda m, l: l(m.randn(3, 10), m.randn(2, 20))),
    (lambda m: m.nn.GRUCell(10, 20), lambda m, l: l(m.randn(3, 10), m.randn(3, 21))),
    (lambda m: None, lambda m, l: m.nn.RNN(10, 20, nonlinearity="sigmoid")),
    (lambda m: None, lambda m, l: m.nn.RNN(10, 20, dropout=1.5)),
    (lambda m: None, lambda m, l: m.nn.LSTM(10, 20, proj_size=20)),
    (lambda m: None, lambda m, l: m.nn.GRU(10, 20, proj_size=5)),
])
def test_errors_match_torch(torch, make, call):
    want_type, want_text = error_of(lambda: call(torch, make(torch)))
    got_type, got_text = error_of(lambda: call(ember, make(ember)))
    assert want_type is not None
    assert got_type is want_type, (got_text, want_text)
    assert want_text in got_text


def test_input_of_wrong_rank_is_a_runtime_error(torch):
    # torch 1.13 reports the rank after adding a batch dim ("got 5" for a 4-D input); Ember
    # reports the rank it was given.
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="input must have 3 dimensions"):
            lib.nn.LSTM(10, 20)(lib.randn(1, 2, 3, 10))


def test_dropout_warning_and_training_mode():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.GRU(3, 4, dropout=0.5)
    gru = ember.nn.GRU(3, 4, num_layers=2, dropout=1.0)
    x = ember.randn(5, 2, 3)
    dropped, _ = gru(x)
    zeros_in, _ = gru(ember.zeros(5, 2, 3))
    assert ember.allclose(dropped, zeros_in)
    gru.eval()
    kept, _ = gru(x)
    assert not ember.allclose(kept, zeros_in)


def test_trains_a_sequence_model():
    """A tiny LSTM learns to output the running sum of its inputs' signs."""
    ember.manual_seed(1)
    lstm, head = ember.nn.LSTM(1, 8, batch_first=True), ember.nn.Linear(8, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = ember.optim.Adam(params, lr=0.05)
    x = ember.randn(16, 6, 1)
    y = (x > 0).float().cumsum(1)
    first = None
    for _ in range(60):
        opt.zero_grad()
        out, _ = lstm(x)
        loss = ember.nn.functional.mse_loss(head(out), y)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.2 * first
