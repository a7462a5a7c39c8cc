"""torch.optim.swa_utils (AveragedModel, SWALR, update_bn) and the batch-norm running statistics
they rely on (num_batches_tracked, momentum=None, track_running_stats=False), against real
PyTorch."""
import numpy as np
import pytest

import ember


def _model(lib):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(),
                            lib.nn.Linear(4, 1))
    return net


def _copy_weights(src, dst, torch):
    dst.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})


def _batches():
    rng = np.random.default_rng(1)
    return [rng.standard_normal((8, 3)) for _ in range(5)]


@pytest.mark.parametrize("momentum,track", [(0.1, True), (None, True), (0.3, False)])
def test_batch_norm_statistics_match_torch(torch, momentum, track):
    out = []
    for lib in (ember, torch):
        bn = lib.nn.BatchNorm1d(4, momentum=momentum, track_running_stats=track)
        ys = [bn(lib.tensor(x[:, :1] * np.ones((1, 4)) + x[:, 1:2], dtype=lib.float32))
              .detach().numpy()
              for x in _batches()]
        bn.eval()
        ys.append(bn(lib.ones(2, 4)).detach().numpy())
        state = {k: v.numpy().tolist() for k, v in bn.state_dict().items()}
        out.append((ys, state, repr(bn)))
    (mine_ys, mine_state, mine_repr), (ref_ys, ref_state, ref_repr) = out
    assert mine_repr == ref_repr
    assert list(mine_state) == list(ref_state)
    for a, b in zip(mine_ys, ref_ys):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for k in ref_state:
        np.testing.assert_allclose(mine_state[k], ref_state[k], rtol=1e-5, atol=1e-6)


def test_averaged_model_and_update_bn_match_torch(torch):
    results = []
    mine, ref = _model(ember), _model(torch)
    _copy_weights(mine, ref, torch)
    for lib, net in ((ember, mine), (torch, ref)):
        swa = lib.optim.swa_utils.AveragedModel(net)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3)
        lrs = []
        for x in _batches():
            opt.zero_grad()
            net(lib.tensor(x, dtype=lib.float32)).pow(2).mean().backward()
            opt.step()
            swa.update_parameters(net)
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        loader = [lib.tensor(x, dtype=lib.float32) for x in _batches()]
        lib.optim.swa_utils.update_bn(loader, swa)
        state = {k: v.detach().numpy() for k, v in swa.state_dict().items()}
        results.append((lrs, state, int(swa.n_averaged)))
    (mine_lrs, mine_state, mine_n), (ref_lrs, ref_state, ref_n) = results
    np.testing.assert_allclose(mine_lrs, ref_lrs, rtol=1e-12)
    assert mine_n == ref_n == 5
    assert list(mine_state) == list(ref_state)
    for k in ref_state:
        np.testing.assert_allclose(mine_state[k], ref_state[k], rtol=1e-4, atol=1e-5)


def test_swalr_errors_match_torch(torch):
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.5)
        with pytest.raises(ValueError, match="anneal_strategy must by one of 'cos' or 'linear'"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="step")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
