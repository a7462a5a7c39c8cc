"""The factor schedules (ConstantLR, LinearLR, PolynomialLR, MultiplicativeLR) and the composite
ones (SequentialLR, ChainedScheduler) against real PyTorch: the lr of every epoch, jumps to an
epoch (closed forms), state dicts and errors."""
import warnings

import numpy as np
import pytest

import ember


def _sched(lib):
    return lib.optim.lr_scheduler


SCHEDULES = [
    lambda m, o: _sched(m).ConstantLR(o, factor=0.25, total_iters=4),
    lambda m, o: _sched(m).LinearLR(o, start_factor=0.1, total_iters=5),
    lambda m, o: _sched(m).LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=6),
    lambda m, o: _sched(m).PolynomialLR(o, total_iters=7, power=2.0),
    lambda m, o: _sched(m).MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.0),
    # Warm-up then cosine decay, as Transformer training sets it up.
    lambda m, o: _sched(m).SequentialLR(
        o, [_sched(m).LinearLR(o, 0.1, total_iters=3), _sched(m).CosineAnnealingLR(o, 8)], [3]),
    lambda m, o: _sched(m).SequentialLR(
        o, [_sched(m).ConstantLR(o, 0.1, total_iters=2), _sched(m).ExponentialLR(o, 0.9),
            _sched(m).StepLR(o, 2, 0.5)], [2, 6]),
    lambda m, o: _sched(m).ChainedScheduler(
        [_sched(m).ConstantLR(o, 0.1, total_iters=3), _sched(m).ExponentialLR(o, 0.9)]),
]


def _lrs(lib, make, epochs=14):
    w = lib.ones(1, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.5)
    schedule = make(lib, opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        schedule.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs + list(schedule.get_last_lr())


@pytest.mark.parametrize("make", SCHEDULES)
def test_schedules_match_torch(torch, make):
    np.testing.assert_allclose(_lrs(ember, make), _lrs(torch, make), rtol=1e-12)


@pytest.mark.parametrize("name,kwargs", [("ConstantLR", dict(factor=0.5, total_iters=3)),
                                         ("LinearLR", dict(start_factor=0.2, total_iters=4)),
                                         ("PolynomialLR", dict(total_iters=5, power=0.5))])
def test_jumping_to_an_epoch_matches_torch(torch, name, kwargs):
    def run(lib):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.3)
        schedule = getattr(_sched(lib), name)(opt, **kwargs)
        out = []
        for epoch in (2, 7, 1, 4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch deprecates step(epoch)
                schedule.step(epoch)
            out.append(opt.param_groups[0]["lr"])
        return out

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-12)


def test_sequential_state_dict_round_trip():
    def make(opt):
        s = _sched(ember)
        return s.SequentialLR(opt, [s.LinearLR(opt, 0.1, total_iters=3), s.ExponentialLR(opt, 0.9)],
                              [3])

    opt = ember.optim.SGD([ember.ones(1, requires_grad=True)], lr=0.5)
    first = make(opt)
    for _ in range(4):
        first.step()
    saved = first.state_dict()
    other = ember.optim.SGD([ember.ones(1, requires_grad=True)], lr=0.5)
    second = make(other)
    second.load_state_dict(saved)
    other.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    first.step()
    second.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(other.param_groups[0]["lr"], rel=1e-12)


def test_errors_match_torch(torch):
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5)
        other = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5)
        s = _sched(lib)
        with pytest.raises(ValueError, match="Constant multiplicative factor expected to be "
                                             "between 0 and 1"):
            s.ConstantLR(opt, factor=1.5)
        with pytest.raises(ValueError, match="Ending multiplicative factor expected to be "
                                             "between 0 and 1"):
            s.LinearLR(opt, end_factor=-0.5)
        with pytest.raises(ValueError, match="expects number of schedulers provided to be one "
                                             "more than the number of milestone points"):
            s.SequentialLR(opt, [s.ExponentialLR(opt, 0.9)], [2])
        with pytest.raises(ValueError, match="to belong to the same optimizer"):
            s.ChainedScheduler([s.ExponentialLR(opt, 0.9), s.ExponentialLR(other, 0.9)])


CYCLES = [
    lambda m, o: _sched(m).OneCycleLR(o, max_lr=1.0, total_steps=14),
    lambda m, o: _sched(m).OneCycleLR(o, max_lr=[0.8], epochs=2, steps_per_epoch=8,
                                      anneal_strategy="linear", three_phase=True),
    lambda m, o: _sched(m).CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    lambda m, o: _sched(m).CosineAnnealingWarmRestarts(o, T_0=4),
]


@pytest.mark.parametrize("make", CYCLES)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_cycles_match_torch(torch, make, optimizer):
    def run(lib):
        w = lib.ones(1, requires_grad=True)
        opt = (lib.optim.SGD([w], lr=0.5, momentum=0.9) if optimizer == "SGD"
               else lib.optim.Adam([w], lr=0.5))
        schedule = make(lib, opt)
        out = []
        for _ in range(14):
            opt.step()
            schedule.step()
            group = opt.param_groups[0]
            out += [group["lr"], group["momentum"] if optimizer == "SGD" else group["betas"][0]]
        return out

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-12)


def test_warm_restarts_take_fractional_epochs_as_torch(torch):
    def run(lib):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5)
        schedule = _sched(lib).CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3)
        out = []
        for epoch in (0.5, 1.75, 2.0, 7.5, 9.0, 30.2):
            schedule.step(epoch)
            out.append(opt.param_groups[0]["lr"])
        return out

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-12)


def test_cycle_errors_match_torch(torch):
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5)
        s = _sched(lib)
        with pytest.raises(ValueError, match="You must define either total_steps OR"):
            s.OneCycleLR(opt, max_lr=1.0)
        with pytest.raises(ValueError, match="optimizer must support momentum"):
            s.OneCycleLR(lib.optim.Adagrad([lib.ones(1, requires_grad=True)]), 1.0,
                         total_steps=3)
        one = s.OneCycleLR(opt, max_lr=1.0, total_steps=2)
        one.step()
        one.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                             "total steps is 2"):
            one.step()
        with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
            s.CosineAnnealingWarmRestarts(opt, T_0=0)


@pytest.mark.parametrize("kwargs", [dict(step_size_up=3), dict(step_size_up=2, step_size_down=4,
                                                                mode="triangular2"),
                                    dict(step_size_up=3, mode="exp_range", gamma=0.9),
                                    dict(step_size_up=2, scale_fn=lambda x: 1 / x,
                                         cycle_momentum=False)])
def test_cyclic_lr_matches_torch(torch, kwargs):
    def run(lib):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5, momentum=0.9)
        schedule = _sched(lib).CyclicLR(opt, base_lr=0.01, max_lr=0.1, **kwargs)
        out = []
        for _ in range(15):
            opt.step()
            schedule.step()
            out += [opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]]
        return out

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-12)
