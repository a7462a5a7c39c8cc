"""torch.nn.utils' gradient clipping and parameter vectors against real PyTorch: the returned
norm, the clipped gradients, every norm type, the non-finite check and the vector round trip."""
import math

import numpy as np
import pytest

import ember


def _model_with_grads(lib, scale):
    lib.manual_seed(0)
    params = [lib.tensor(np.arange(6.0).reshape(2, 3) * scale - 1.0, requires_grad=True),
              lib.tensor([0.5, -2.0], requires_grad=True),
              lib.tensor([3.0], requires_grad=True)]  # gets no gradient
    ((params[0] ** 2).sum() * 0.5 + (params[1] * 3).sum()).backward()
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    mine, theirs = _model_with_grads(ember, 1.0), _model_with_grads(torch, 1.0)
    total_mine = ember.nn.utils.clip_grad_norm_(mine, max_norm, norm_type=norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert str(total_mine.dtype) == str(total_theirs.dtype) and total_mine.dim() == 0
    np.testing.assert_allclose(total_mine.item(), total_theirs.item(), rtol=1e-6)
    for p, q in zip(mine[:2], theirs[:2]):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    assert mine[2].grad is None and theirs[2].grad is None


def test_clip_grad_norm_single_tensor_no_grads_and_nonfinite(torch):
    for lib in (ember, torch):
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        assert lib.nn.utils.clip_grad_norm_(w, 1.0).item() == 0.0  # no gradient yet
        (w * w).sum().backward()
        assert lib.nn.utils.clip_grad_norm_(w, 1.0).item() == pytest.approx(10.0)
        np.testing.assert_allclose(w.grad.numpy(), [0.6, 0.8], rtol=1e-5)
        w.grad[0] = float("nan")
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            lib.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch(torch):
    mine, theirs = _model_with_grads(ember, 2.0), _model_with_grads(torch, 2.0)
    assert ember.nn.utils.clip_grad_value_(mine, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(mine[:2], theirs[:2]):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy())


def test_parameters_to_vector_round_trip(torch):
    model = ember.nn.Linear(3, 2)
    vec = ember.nn.utils.parameters_to_vector(model.parameters())
    reference = torch.nn.Linear(3, 2)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(model.weight.detach().numpy()))
        reference.bias.copy_(torch.tensor(model.bias.detach().numpy()))
    np.testing.assert_allclose(vec.detach().numpy(),
                               torch.nn.utils.parameters_to_vector(reference.parameters())
                               .detach().numpy())
    ember.nn.utils.vector_to_parameters(vec * 2, model.parameters())
    np.testing.assert_allclose(ember.nn.utils.parameters_to_vector(model.parameters())
                               .detach().numpy(), vec.detach().numpy() * 2, rtol=1e-6)
    assert model.weight.is_leaf and model.weight.requires_grad
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ember.nn.utils.vector_to_parameters([1.0], model.parameters())
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        torch.nn.utils.vector_to_parameters([1.0], reference.parameters())
