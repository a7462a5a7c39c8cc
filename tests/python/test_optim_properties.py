"""Property tests of ember.optim against torch 1.13: every optimizer over every combination of its
boolean options and a few values of its numeric ones (parameters and state after each step),
invalid combinations, parameter groups, skipped parameters, state_dict structure and round trips,
the LR schedulers' sequences and state dicts, and zero_grad's semantics."""
import copy
import inspect
import itertools
import sys

import numpy as np
import pytest

import ember

RTOL, ATOL = 1e-12, 1e-14

_rng = np.random.default_rng(7)
A = _rng.standard_normal((5, 3))
Y = _rng.standard_normal((5, 2))
W0 = _rng.standard_normal((3, 2)) * 0.5
B0 = _rng.standard_normal(2) * 0.5
F0 = _rng.standard_normal(3)  # a parameter the loss never uses: its grad stays None


def _loss(lib, w, b):
    """Least squares plus a cubic term, so that the gradients change shape along the way."""
    r = lib.tensor(A) @ w + b - lib.tensor(Y)
    return (r * r).sum() + 0.1 * (w * w * w).sum()


def _grid(**options):
    return [dict(zip(options, values)) for values in itertools.product(*options.values())]


def _name(name, kwargs):
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


BETAS = [(0.9, 0.999), (0.5, 0.9)]
TF = [False, True]
# foreach picks torch's multi-tensor CPU path; Ember has one path, so both must match it.
# differentiable, capturable and fused are left out: Ember refuses them (test_nn tests that).
GRIDS = {
    "SGD": _grid(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.1], nesterov=TF,
                 weight_decay=[0, 0.1], maximize=TF, foreach=TF),
    "Adam": _grid(lr=[0.05], betas=BETAS, weight_decay=[0, 0.1], amsgrad=TF, maximize=TF,
                  foreach=TF),
    "AdamW": _grid(lr=[0.05], betas=BETAS, weight_decay=[0, 0.1], amsgrad=TF, maximize=TF,
                   foreach=TF),
    "Adagrad": _grid(lr=[0.1], lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                     initial_accumulator_value=[0, 0.3], maximize=TF, foreach=TF),
    "RMSprop": _grid(lr=[0.01], alpha=[0.99, 0.8], weight_decay=[0, 0.1], momentum=[0, 0.5],
                     centered=TF, maximize=TF, foreach=TF),
    "Adadelta": _grid(lr=[1.0, 0.5], rho=[0.9, 0.5], weight_decay=[0, 0.1], maximize=TF,
                      foreach=TF),
    "Adamax": _grid(lr=[0.05], betas=BETAS, weight_decay=[0, 0.1], maximize=TF, foreach=TF),
    # torch 1.13's NAdam and RAdam have no maximize (torch 2.x adds it).
    "NAdam": _grid(lr=[0.05], betas=BETAS, weight_decay=[0, 0.1], momentum_decay=[4e-3, 0.1],
                   foreach=TF),
    # With betas[1] = 0.9 the rectification starts at step 6: both branches run.
    "RAdam": _grid(lr=[0.05], betas=BETAS, weight_decay=[0, 0.1], foreach=TF),
    # t0=2 starts the averaging (ax, mu) within the run.
    "ASGD": _grid(lr=[0.05], lambd=[1e-4, 0.1], alpha=[0.75, 0.5], t0=[1e6, 2],
                  weight_decay=[0, 0.1], maximize=TF, foreach=TF),
    "Rprop": _grid(lr=[0.01, 0.1], etas=[(0.5, 1.2), (0.3, 1.5)],
                   step_sizes=[(1e-6, 50), (1e-3, 0.05)], maximize=TF, foreach=TF),
    "LBFGS": _grid(lr=[1, 0.5], max_iter=[1, 3], history_size=[2, 100],
                   line_search_fn=[None, "strong_wolfe"]),
}
CASES = [(name, kw) for name, grid in GRIDS.items() for kw in grid]
STEPS = 6
# LBFGS runs up to max_iter iterations a step: 3 steps of 3 stay short of convergence, where its
# state (1 / dot products of vanishing differences) is rounding noise.
LBFGS_STEPS = 3


@pytest.fixture
def torch64(torch, monkeypatch):
    """torch with float64 as its default dtype, and with torch 2's NAdam.

    torch 1.13 keeps some scalar state (ASGD's eta and mu, NAdam's mu_product) in tensors of the
    default dtype; Ember keeps doubles. Ember's NAdam follows torch 2's momentum schedule, which
    1.13's multi-tensor path already has and its single-tensor path multiplies mu in twice."""
    module = sys.modules[torch.optim.NAdam.__module__]
    source = inspect.getsource(module._single_tensor_nadam)
    assert "mu_product * mu * mu_next" in source
    fixed = {}
    exec(source.replace("mu_product * mu * mu_next", "mu_product * mu_next"), module.__dict__,
         fixed)
    monkeypatch.setattr(module, "_single_tensor_nadam", fixed["_single_tensor_nadam"])
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


def _numbers(value):
    """State values as arrays: torch 1.13 keeps step (and some scalars) in 0-dim tensors, Ember in
    Python numbers; lists (LBFGS's history) elementwise."""
    if isinstance(value, (list, tuple)):
        return [_numbers(v) for v in value]
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    return value if value is None or isinstance(value, str) else np.float64(value)


def _state(opt):
    sd = opt.state_dict()
    return {i: {k: _numbers(v) for k, v in s.items()} for i, s in sd["state"].items()}


def _assert_close(mine, ref, what):
    if isinstance(ref, dict):
        assert sorted(mine) == sorted(ref), what
        for k in ref:
            _assert_close(mine[k], ref[k], f"{what}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert len(mine) == len(ref), what
        for i, (m, r) in enumerate(zip(mine, ref)):
            _assert_close(m, r, f"{what}[{i}]")
    elif ref is None or isinstance(ref, str):
        assert mine == ref, what
    else:
        np.testing.assert_allclose(mine, ref, rtol=RTOL, atol=ATOL, err_msg=what)


def _params(lib):
    return [lib.tensor(v, requires_grad=True) for v in (W0, B0, F0)]


def _closure(lib, opt, w, b):
    def closure():
        opt.zero_grad()
        loss = _loss(lib, w, b)
        loss.backward()
        return loss
    return closure


def _trace(lib, opt, params, steps=STEPS):
    """Steps opt with the loss's closure; after each step: the loss step() returned, every
    parameter, and the state (with the indices of the parameters that have any)."""
    if isinstance(opt, lib.optim.LBFGS):
        steps = min(steps, LBFGS_STEPS)
    w, b = params[:2]
    out = []
    for _ in range(steps):
        loss = opt.step(_closure(lib, opt, w, b))
        out.append({"loss": float(loss.item()), "params": [_numbers(p) for p in params],
                    "state": _state(opt)})
    return out


def _make(lib, name, params, kwargs):
    return getattr(lib.optim, name)(params, **kwargs)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[_name(*c) for c in CASES])
def test_every_option_combination_matches_torch(torch64, name, kwargs):
    torch = torch64
    try:
        _make(torch, name, _params(torch), kwargs)
    except Exception as error:  # an invalid combination: Ember must refuse it the same way
        with pytest.raises(type(error)) as mine:
            _make(ember, name, _params(ember), kwargs)
        assert str(mine.value) == str(error)
        return
    # torch 1.13's multi-tensor RAdam leaves eps out of the denominator, unlike its
    # single-tensor path (torch 2 puts it back): the oracle for RAdam is the single-tensor path.
    ref_kwargs = dict(kwargs, foreach=False) if name == "RAdam" else kwargs
    params = _params(torch)
    ref = _trace(torch, _make(torch, name, params, ref_kwargs), params)
    params = _params(ember)
    got = _trace(ember, _make(ember, name, params, kwargs), params)
    for step, (m, r) in enumerate(zip(got, ref)):
        _assert_close(m, r, f"step {step + 1}")
    # The parameter without a gradient was skipped: unchanged, and no state (but Adagrad's,
    # which torch makes for every parameter at construction; the states matched torch's above).
    np.testing.assert_array_equal(got[-1]["params"][2], F0)
    assert (2 in got[-1]["state"]) == (name == "Adagrad")


INVALID = [
    ("SGD", dict(lr=0.1, nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1,
                                                      nesterov=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1.0)), ("AdamW", dict(eps=-1e-8)),
    ("AdamW", dict(weight_decay=-0.1)), ("Adagrad", dict(lr=-0.1)),
    ("Adagrad", dict(weight_decay=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)), ("RMSprop", dict(lr=-0.1)), ("RMSprop", dict(eps=-1.0)),
    ("RMSprop", dict(momentum=-0.5)), ("RMSprop", dict(weight_decay=-1.0)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=-0.1)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)), ("Adamax", dict(lr=-1.0)),
    ("Adamax", dict(eps=-1.0)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("Adamax", dict(weight_decay=-1.0)), ("NAdam", dict(lr=-1.0)), ("NAdam", dict(eps=-1.0)),
    ("NAdam", dict(betas=(1.0, 0.9))), ("NAdam", dict(weight_decay=-1.0)),
    ("RAdam", dict(lr=-1.0)), ("RAdam", dict(eps=-1.0)), ("RAdam", dict(betas=(0.9, 1.0))),
    ("ASGD", dict(lr=-1.0)), ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(0.5, 0.9))),
    ("Rprop", dict(etas=(0.0, 1.2))),
    # Whole numbers given as ints: torch's message shows the value as given ("-1").
    ("Adam", dict(weight_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("RMSprop", dict(eps=-1)), ("NAdam", dict(lr=-1)),
]


@pytest.mark.parametrize("name, kwargs", INVALID, ids=[_name(*c) for c in INVALID])
def test_invalid_options_raise_as_torch(torch, name, kwargs):
    def error(lib):
        try:
            _make(lib, name, _params(lib), kwargs)
        except Exception as e:
            return type(e).__name__, str(e)
        return None

    ref = error(torch)
    assert ref is not None
    assert error(ember) == ref


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_differentiable_is_refused_and_kept_out_of_the_groups(name):
    """torch 1.13 has no differentiable flag here (torch 2 adds it, and the group key); Ember
    takes it, refuses True as for the other optimizers, and leaves the key out."""
    with pytest.raises(NotImplementedError, match="^differentiable, capturable and fused "
                                                  "optimizer steps are not supported by Ember$"):
        _make(ember, name, _params(ember), dict(differentiable=True))
    group = _make(ember, name, _params(ember), dict(differentiable=False)).param_groups[0]
    assert "differentiable" not in group


def test_optimizer_construction_errors_match_torch(torch):
    def errors(lib):
        out = []
        w, b, _ = _params(lib)
        for make, reason in (
                (lambda: lib.optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
                (lambda: lib.optim.SGD(w, lr=0.1),  # a tensor, not an iterable of them
                 "should be an iterable of Tensors or dicts, but got torch.DoubleTensor"),
                (lambda: lib.optim.SGD([{"params": [w]}, {"params": [b, w]}], lr=0.1),
                 "some parameters appear in more than one parameter group"),
                (lambda: lib.optim.SGD([{"params": {w}}], lr=0.1),
                 "the ordering of tensors in sets will change between runs"),
                (lambda: lib.optim.SGD([w * 2], lr=0.1), "can't optimize a non-leaf Tensor"),
                (lambda: lib.optim.SGD([w, 1.0], lr=0.1),
                 "optimizer can only optimize Tensors, but one of the params is float"),
                (lambda: lib.optim.Adam([w]).add_param_group({"params": [b, w]}),
                 "some parameters appear in more than one parameter group")):
            with pytest.raises(Exception, match=reason) as info:
                make()
            out.append((type(info.value).__name__, str(info.value)))
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([w, w], lr=0.1)
        return out

    assert errors(ember) == errors(torch)


# Two groups with different options, each overriding the constructor's; the frozen parameter
# sits in the second group.
GROUPS = {
    "SGD": (dict(lr=0.05), dict(momentum=0.9, nesterov=True),
            dict(lr=0.02, momentum=0.5, dampening=0.1, weight_decay=0.1, maximize=True)),
    "Adam": (dict(lr=0.05), dict(amsgrad=True, betas=(0.5, 0.8)),
             dict(lr=0.01, weight_decay=0.1, maximize=True)),
    "AdamW": (dict(lr=0.05), dict(amsgrad=True, weight_decay=0.3),
              dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
    "Adagrad": (dict(lr=0.1), dict(lr_decay=0.1, initial_accumulator_value=0.2),
                dict(lr=0.05, weight_decay=0.1, maximize=True, eps=1e-3)),
    "RMSprop": (dict(lr=0.01), dict(centered=True, momentum=0.5),
                dict(alpha=0.8, weight_decay=0.1, maximize=True)),
    "Adadelta": (dict(lr=1.0), dict(rho=0.5), dict(lr=0.5, weight_decay=0.1, maximize=True)),
    "Adamax": (dict(lr=0.05), dict(betas=(0.5, 0.8)), dict(weight_decay=0.1, maximize=True)),
    "NAdam": (dict(lr=0.05), dict(momentum_decay=0.1), dict(lr=0.01, weight_decay=0.1)),
    "RAdam": (dict(lr=0.05), dict(betas=(0.5, 0.9)), dict(lr=0.01, weight_decay=0.1)),
    "ASGD": (dict(lr=0.05), dict(t0=2, lambd=0.1), dict(lr=0.02, weight_decay=0.1, alpha=0.5)),
    "Rprop": (dict(lr=0.01), dict(etas=(0.3, 1.5)), dict(lr=0.1, step_sizes=(1e-3, 0.05),
                                                        maximize=True)),
}


def _grouped(lib, name, params):
    top, first, second = GROUPS[name]
    w, b, frozen = params
    return getattr(lib.optim, name)([dict(first, params=[w]), dict(second, params=[b, frozen])],
                                    **top)


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_parameter_groups_with_different_options_match_torch(torch64, name):
    traces = []
    for lib in (torch64, ember):
        params = _params(lib)
        traces.append(_trace(lib, _grouped(lib, name, params), params))
    for step, (m, r) in enumerate(zip(traces[1], traces[0])):
        _assert_close(m, r, f"step {step + 1}")
    np.testing.assert_array_equal(traces[1][-1]["params"][2], F0)


def _structure(sd):
    """The layout of a state_dict: state keys per parameter index, the groups' keys and params."""
    return ({i: sorted(s) for i, s in sd["state"].items()},
            [(sorted(g), g["params"]) for g in sd["param_groups"]])


# The optimizers with their options, for the state_dict tests (LBFGS has one group only).
ALL = sorted(GROUPS) + ["LBFGS"]


def _any_groups(lib, name, params):
    if name == "LBFGS":
        return lib.optim.LBFGS(params, lr=0.5, max_iter=3, history_size=4,
                               line_search_fn="strong_wolfe")
    return _grouped(lib, name, params)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_structure_matches_torch_1_13(torch64, name):
    """State indexed by ints, param_groups with 'params' lists of ints and the same option keys
    as torch 1.13. torch 2.x adds keys: 'differentiable' (Adadelta, Adamax, NAdam, RAdam, ASGD,
    Rprop), then 'capturable' and 'fused' on more optimizers, and NAdam/RAdam's 'maximize' and
    'decoupled_weight_decay'."""
    sds = []
    for lib in (torch64, ember):
        params = _params(lib)
        opt = _any_groups(lib, name, params)
        _trace(lib, opt, params, steps=2)
        sds.append(opt.state_dict())
    ref, got = sds
    assert sorted(got) == sorted(ref) == ["param_groups", "state"]
    assert all(isinstance(i, int) for i in got["state"])
    assert _structure(got) == _structure(ref)
    assert got["param_groups"] == ref["param_groups"]  # the options' values too


def _resume(lib, name, sd, values):
    params = [lib.tensor(v, requires_grad=True) for v in values]
    opt = _any_groups(lib, name, params)
    opt.load_state_dict(sd)
    return opt, params


def _to_ember(value, key=None):
    """A torch state_dict value as Ember keeps it: 0-dim tensors as Python numbers (step an
    int), other tensors as Ember tensors."""
    if isinstance(value, dict):
        return {k: _to_ember(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_ember(v) for v in value]
    if hasattr(value, "detach"):
        if value.dim() == 0 and key in ("step", "eta", "mu", "mu_product"):
            return int(value.item()) if key == "step" else value.item()
        return ember.tensor(value.detach().numpy())
    return value


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_continues_identically(torch64, name):
    """A fresh optimizer loaded with the state_dict of one stepped 3 times goes on as the
    original; so does an Ember optimizer loaded with torch's state_dict, converted."""
    torch = torch64
    params = _params(ember)
    opt = _any_groups(ember, name, params)
    _trace(ember, opt, params, steps=3)
    sd = opt.state_dict()
    fresh, fresh_params = _resume(ember, name, sd, [p.detach().numpy() for p in params])
    assert opt.state_dict()["param_groups"] == fresh.state_dict()["param_groups"]
    original = _trace(ember, opt, params, steps=3)
    resumed = _trace(ember, fresh, fresh_params, steps=3)
    for step, (m, r) in enumerate(zip(resumed, original)):
        _assert_close(m, r, f"resumed step {step + 1}")

    # torch's state_dict, converted, into Ember; torch goes on from the same point.
    params = _params(torch)
    ref_opt = _any_groups(torch, name, params)
    _trace(torch, ref_opt, params, steps=3)
    converted = _to_ember(ref_opt.state_dict())
    mine, mine_params = _resume(ember, name, converted, [p.detach().numpy() for p in params])
    ref = _trace(torch, ref_opt, params, steps=3)
    got = _trace(ember, mine, mine_params, steps=3)
    for step, (m, r) in enumerate(zip(got, ref)):
        _assert_close(m, r, f"step {step + 1} after loading torch's state")


def test_load_state_dict_copies_and_checks_as_torch(torch):
    def run(lib):
        params = _params(lib)
        opt = lib.optim.SGD(params, lr=0.1, momentum=0.9)
        _trace(lib, opt, params, steps=2)
        sd = opt.state_dict()
        fresh = lib.optim.SGD(_params(lib), lr=0.1, momentum=0.9)
        fresh.load_state_dict(sd)
        # The loaded state is a copy: stepping the original leaves the fresh one alone.
        before = _state(fresh)
        _trace(lib, opt, params, steps=1)
        _assert_close(_state(fresh), before, "fresh state after the original stepped")
        errors = []
        for bad, reason in (([dict(params=_params(lib)[:1]), dict(params=_params(lib)[1:])],
                             "loaded state dict has a different number of parameter groups"),
                            (_params(lib)[:2], "loaded state dict contains a parameter group "
                                               "that doesn't match the size of optimizer's group")):
            with pytest.raises(ValueError, match=reason) as info:
                lib.optim.SGD(bad, lr=0.1).load_state_dict(sd)
            errors.append(str(info.value))
        return errors

    assert run(ember) == run(torch)


# LR schedulers over two groups (lrs 0.1 and 0.02).
def _s(lib):
    return lib.optim.lr_scheduler


SCHEDULERS = {
    "StepLR": lambda m, o: _s(m).StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: _s(m).MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3),
    "ExponentialLR": lambda m, o: _s(m).ExponentialLR(o, gamma=0.85),
    "CosineAnnealingLR": lambda m, o: _s(m).CosineAnnealingLR(o, T_max=6, eta_min=0.001),
    "LambdaLR": lambda m, o: _s(m).LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda m, o: _s(m).MultiplicativeLR(o, lambda e: 0.95),
    "ConstantLR": lambda m, o: _s(m).ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda m, o: _s(m).LinearLR(o, start_factor=0.25, total_iters=8),
    "PolynomialLR": lambda m, o: _s(m).PolynomialLR(o, total_iters=12, power=1.5),
    "OneCycleLR": lambda m, o: _s(m).OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=21),
    "OneCycleLR-3": lambda m, o: _s(m).OneCycleLR(o, max_lr=0.4, epochs=3, steps_per_epoch=7,
                                                  anneal_strategy="linear", three_phase=True),
    "CyclicLR": lambda m, o: _s(m).CyclicLR(o, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05],
                                            step_size_up=3, step_size_down=2,
                                            mode="triangular2"),
    "CosineAnnealingWarmRestarts": lambda m, o: _s(m).CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001),
    "SequentialLR": lambda m, o: _s(m).SequentialLR(
        o, [_s(m).LinearLR(o, 0.1, total_iters=4), _s(m).ExponentialLR(o, 0.8)], [5]),
    "ChainedScheduler": lambda m, o: _s(m).ChainedScheduler(
        [_s(m).StepLR(o, 4, 0.5), _s(m).ExponentialLR(o, 0.95)]),
    "ReduceLROnPlateau": lambda m, o: _s(m).ReduceLROnPlateau(
        o, patience=1, cooldown=1, factor=0.5, min_lr=[0.01, 0.0]),
    "ReduceLROnPlateau-max": lambda m, o: _s(m).ReduceLROnPlateau(
        o, mode="max", patience=2, threshold=0.05, threshold_mode="abs"),
}
METRICS = [5, 4, 4, 4.2, 3, 3, 3, 3, 2.99, 2.5, 2.5, 2.6, 2.7, 1, 1, 1, 1, 1, 0.9, 0.9, 0.9]


def _scheduled(lib, name, values=(W0, B0)):
    w, b = (lib.tensor(v, requires_grad=True) for v in values)
    opt = lib.optim.SGD([dict(params=[w]), dict(params=[b], lr=0.02)], lr=0.1, momentum=0.9)
    return opt, SCHEDULERS[name](lib, opt), (w, b)


def _epochs(lib, opt, schedule, params, epochs, start=0):
    """Per epoch: an optimizer step, the schedule's step, then the lrs (and momenta) it set."""
    plateau = isinstance(schedule, _s(lib).ReduceLROnPlateau)
    out = []
    for epoch in range(start, start + epochs):
        opt.step(_closure(lib, opt, *params))
        if plateau:
            metric = METRICS[epoch]
            schedule.step(-metric if schedule.mode == "max" else metric)
            last = schedule._last_lr  # torch 1.13's ReduceLROnPlateau has no get_last_lr()
        else:
            schedule.step()
            last = schedule.get_last_lr()
        out.append([list(last)] + [[g["lr"], g["momentum"]] for g in opt.param_groups])
    return out


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_lrs_match_torch(torch, name):
    runs = [_epochs(lib, *_scheduled(lib, name), epochs=20) for lib in (torch, ember)]
    np.testing.assert_allclose(np.array(runs[1]), np.array(runs[0]), rtol=RTOL, atol=ATOL)


def _public(sd):
    return sorted(k for k in sd if not k.startswith("_"))


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_state_dict_round_trip(torch, name):
    """A fresh optimizer and schedule loaded with the state dicts after 7 epochs go on as the
    originals (and as torch's), and the state dict holds torch's public keys."""
    results = []
    for lib in (torch, ember):
        opt, schedule, params = _scheduled(lib, name)
        first = _epochs(lib, opt, schedule, params, epochs=7)
        opt_sd, sched_sd = opt.state_dict(), schedule.state_dict()
        fresh_opt, fresh, fresh_params = _scheduled(lib, name, [_numbers(p) for p in params])
        fresh_opt.load_state_dict(opt_sd)
        fresh.load_state_dict(copy.copy(sched_sd))
        original = _epochs(lib, opt, schedule, params, epochs=13, start=7)
        resumed = _epochs(lib, fresh_opt, fresh, fresh_params, epochs=13, start=7)
        np.testing.assert_allclose(np.array(resumed), np.array(original), rtol=RTOL, atol=ATOL)
        results.append((first + original, _public(sched_sd)))
    np.testing.assert_allclose(np.array(results[1][0]), np.array(results[0][0]), rtol=RTOL,
                               atol=ATOL)
    assert results[1][1] == results[0][1]


class _Warmup:
    """A callable lr_lambda with state of its own, which torch's state_dict keeps."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


@pytest.mark.parametrize("kind", ["LambdaLR", "MultiplicativeLR"])
def test_lambda_state_dict_keeps_callable_objects_state(torch, kind):
    out = []
    for lib in (torch, ember):
        opt, _, params = _scheduled(lib, "StepLR")
        schedule = getattr(_s(lib), kind)(opt, [_Warmup(4), lambda e: 0.9])
        _epochs(lib, opt, schedule, params, epochs=2)
        schedule.lr_lambdas[0].epochs = 6
        sd = schedule.state_dict()
        assert sd["lr_lambdas"] == [{"epochs": 6}, None]
        fresh_opt, _, fresh_params = _scheduled(lib, "StepLR")
        fresh = getattr(_s(lib), kind)(fresh_opt, [_Warmup(4), lambda e: 0.9])
        fresh_opt.load_state_dict(opt.state_dict())
        fresh.load_state_dict(sd)
        assert fresh.lr_lambdas[0].epochs == 6 and "lr_lambdas" in sd
        out.append(_epochs(lib, fresh_opt, fresh, fresh_params, epochs=5, start=2))
    np.testing.assert_allclose(np.array(out[1]), np.array(out[0]), rtol=RTOL, atol=ATOL)


# zero_grad: torch 1.13's default is set_to_none=False (torch 2.0 made it True); Ember follows
# 1.13, and these tests assert 1.13's default.
def _grads_after(lib, zero, create_graph=False):
    w, b, frozen = _params(lib)
    opt = lib.optim.SGD([w, b, frozen], lr=0.1, momentum=0.9)
    _loss(lib, w, b).backward(create_graph=create_graph)
    held = w.grad
    zero(opt)
    return [None if p.grad is None else (p.grad.tolist(), p.grad.requires_grad,
                                         p.grad.grad_fn is None) for p in (w, b, frozen)], \
        held.tolist()


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("how", ["default", "set_to_none=False", "set_to_none=True"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_zero_grad_matches_torch_1_13(torch, how, create_graph):
    zero = {"default": lambda o: o.zero_grad(),
            "set_to_none=False": lambda o: o.zero_grad(set_to_none=False),
            "set_to_none=True": lambda o: o.zero_grad(set_to_none=True)}[how]
    got = _grads_after(ember, zero, create_graph)
    ref = _grads_after(torch, zero, create_graph)
    assert got == ref
    if how == "set_to_none=True":
        assert got[0] == [None, None, None]
    else:  # zeroed in place, cut from the graph; the tensor held before is the one zeroed
        assert got[0][0] == ([[0.0, 0.0]] * 3, False, True) and got[0][2] is None
        assert got[1] == [[0.0, 0.0]] * 3


def test_zero_grad_defaults_are_torch_1_13s(torch):
    for lib in (ember, torch):
        opt_default = inspect.signature(lib.optim.Optimizer.zero_grad).parameters["set_to_none"]
        module_default = inspect.signature(lib.nn.Module.zero_grad).parameters["set_to_none"]
        assert opt_default.default is False and module_default.default is False


@pytest.mark.parametrize("set_to_none", [False, True])
@pytest.mark.parametrize("name, kwargs", [("SGD", dict(momentum=0.9)), ("Adam", {}),
                                          ("RMSprop", dict(momentum=0.9))])
def test_step_after_zero_grad_matches_torch(torch64, name, kwargs, set_to_none):
    """A zeroed gradient still steps (momentum and Adam's moments move the parameter on); a
    gradient set to None is skipped."""
    out = []
    for lib in (torch64, ember):
        params = _params(lib)
        w, b, _ = params
        opt = getattr(lib.optim, name)(params, lr=0.05, **kwargs)
        opt.step(_closure(lib, opt, w, b))
        opt.zero_grad(set_to_none=set_to_none)
        opt.step()
        out.append(([_numbers(p) for p in params], _state(opt)))
    _assert_close(out[1], out[0], "after zero_grad")
