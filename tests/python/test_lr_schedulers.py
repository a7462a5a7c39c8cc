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
