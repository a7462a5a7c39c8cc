"""Modules programs import at the top (torch.backends, torch.onnx, torch.accelerator): importing
them must work, and what they report must be true of this build."""
import pytest

import ember


def test_top_level_imports_as_programs_write_them():
    import ember.backends.cudnn  # noqa: F401
    import ember.onnx  # noqa: F401
    from ember.backends import mps  # noqa: F401
    assert ember.backends.cudnn is not None and ember.onnx is not None


def test_backends_report_what_torch_reports_on_a_cpu_build(torch):
    assert ember.backends.cudnn.is_available() == torch.backends.cudnn.is_available() == False  # noqa: E712
    assert ember.backends.mps.is_available() == torch.backends.mps.is_available() == False  # noqa: E712
    # Programs set these flags before training; they keep the value set.
    ember.backends.cudnn.benchmark = True
    ember.backends.cudnn.deterministic = True
    assert ember.backends.cudnn.benchmark and ember.backends.cudnn.deterministic
    ember.backends.cudnn.benchmark = ember.backends.cudnn.deterministic = False


def test_accelerator_follows_cuda():
    # torch.accelerator is torch 2.x (1.13 lacks it): on a machine without CUDA it reports none.
    assert ember.accelerator.is_available() == ember.cuda.is_available()
    if not ember.cuda.is_available():
        assert ember.accelerator.current_accelerator() is None
        assert ember.accelerator.device_count() == 0
    else:
        assert ember.accelerator.current_accelerator() == ember.device("cuda")


def test_onnx_export_says_it_is_not_supported():
    with pytest.raises(NotImplementedError, match="ONNX export is not supported"):
        ember.onnx.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),), "model.onnx")
    assert ember.onnx.is_in_onnx_export() is False


PADS = [("ReflectionPad1d", (2,)), ("ReflectionPad2d", ((1, 2, 0, 1),)), ("ReflectionPad3d", (1,)),
        ("ReplicationPad1d", ((0, 2),)), ("ReplicationPad2d", (1,)),
        ("ReplicationPad3d", ((1, 0, 1, 0, 0, 1),)), ("ConstantPad1d", (2, 3.5)),
        ("ConstantPad2d", ((1, 0, 2, 1), -1)), ("ConstantPad3d", (1, 0.0)),
        ("ZeroPad2d", ((0, 1, 2, 3),))]


@pytest.mark.parametrize("name,args", PADS)
def test_padding_layers_match_torch(torch, name, args):
    import numpy as np
    mine, ref = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(ref)
    dims = int(name[-2])
    x = np.random.default_rng(0).standard_normal((1, 2) + (3,) * dims)
    a = ember.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = mine(a), ref(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy())
    ya.pow(2).sum().backward()
    yb.pow(2).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("args,kwargs", [((2, 4), {}), ((3, 6), dict(eps=1e-3, affine=False)),
                                         ((1, 4), {}), ((4, 4), {})])
def test_group_norm_matches_torch(torch, args, kwargs):
    import numpy as np
    mine, ref = ember.nn.GroupNorm(*args, **kwargs), torch.nn.GroupNorm(*args, **kwargs)
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, args[1], 3, 2))
    if kwargs.get("affine", True):
        w, b = rng.standard_normal(args[1]), rng.standard_normal(args[1])
        for lib, layer in ((ember, mine), (torch, ref)):
            layer.weight.data = lib.tensor(w)
            layer.bias.data = lib.tensor(b)
    a, c = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yc = mine(a), ref(c)
    np.testing.assert_allclose(ya.detach().numpy(), yc.detach().numpy(), rtol=1e-7, atol=1e-9)
    (ya * ya.detach().exp()).sum().backward()
    (yc * yc.detach().exp()).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-7, atol=1e-9)
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
            lib.nn.GroupNorm(3, 4)
