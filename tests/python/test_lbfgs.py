"""torch.optim.LBFGS against real PyTorch: the same parameters after several closure-driven steps,
with and without the strong-Wolfe line search, and torch's errors."""
import numpy as np
import pytest

import ember


def _fit(lib, line_search_fn, history_size, steps=4):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((32, 3)))
    y = lib.tensor(np.sin(rng.standard_normal((32, 1))))
    w1 = lib.tensor(rng.standard_normal((3, 8)) * 0.5, requires_grad=True)
    w2 = lib.tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True)
    opt = lib.optim.LBFGS([w1, w2], lr=0.8, max_iter=7, history_size=history_size,
                          line_search_fn=line_search_fn)
    evaluations = []

    def closure():
        opt.zero_grad()
        loss = ((x @ w1).tanh() @ w2 - y).pow(2).mean()
        loss.backward()
        evaluations.append(loss.item())
        return loss

    returned = [opt.step(closure).item() for _ in range(steps)]
    state = opt.state[id(w1)] if lib is ember else opt.state[w1]
    return (w1.detach().numpy(), w2.detach().numpy(), returned, evaluations,
            state["n_iter"], state["func_evals"], len(state["old_dirs"]))


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_matches_torch(torch, line_search_fn, history_size):
    mine = _fit(ember, line_search_fn, history_size)
    ref = _fit(torch, line_search_fn, history_size)
    np.testing.assert_allclose(mine[0], ref[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mine[1], ref[1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mine[2], ref[2], rtol=1e-9)
    np.testing.assert_allclose(mine[3], ref[3], rtol=1e-8)
    assert mine[4:] == ref[4:]
    assert ref[-1] <= history_size
    assert mine[3][-1] < mine[3][0] / 4  # it really trained


def test_lbfgs_group_and_defaults_match_torch(torch):
    w = ember.zeros(2, requires_grad=True)
    mine = ember.optim.LBFGS([w], max_iter=8).param_groups[0]
    ref = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], max_iter=8).param_groups[0]
    assert {k: v for k, v in mine.items() if k != "params"} == \
        {k: v for k, v in ref.items() if k != "params"}


def test_lbfgs_errors_match_torch(torch):
    for lib in (ember, torch):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b]}])
        opt = lib.optim.LBFGS([a], line_search_fn="backtracking")

        def closure():
            opt.zero_grad()
            loss = (a - 1).pow(2).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        ember.optim.LBFGS([ember.zeros(1, requires_grad=True)], lr=-1)
