"""The composite activations and the smooth regression and KL losses against real PyTorch: values
and gradients on random float64 inputs, module reprs, in-place forms and errors."""
import warnings

import numpy as np
import pytest

import ember

# (name, function of the library module and the input, rtol). hardsigmoid's gradient in torch
# uses 1/6 rounded to float, and celu's 1/alpha, hence their looser tolerance.
ACTIVATIONS = [
    ("elu", lambda m, x: m.nn.functional.elu(x, alpha=0.7), 1e-10),
    ("selu", lambda m, x: m.nn.functional.selu(x), 1e-10),
    ("celu", lambda m, x: m.nn.functional.celu(x, 1.3), 1e-7),
    ("silu", lambda m, x: m.nn.functional.silu(x), 1e-10),
    ("mish", lambda m, x: m.nn.functional.mish(x), 1e-10),
    ("softplus", lambda m, x: m.nn.functional.softplus(x, beta=2, threshold=3), 1e-10),
    ("softsign", lambda m, x: m.nn.functional.softsign(x), 1e-10),
    ("hardtanh", lambda m, x: m.nn.functional.hardtanh(x, -0.5, 1.5), 1e-10),
    ("relu6", lambda m, x: m.nn.functional.relu6(x * 4), 1e-10),
    ("logsigmoid", lambda m, x: m.nn.functional.logsigmoid(x), 1e-10),
    ("hardsigmoid", lambda m, x: m.nn.functional.hardsigmoid(x * 4), 1e-7),
    ("hardswish", lambda m, x: m.nn.functional.hardswish(x * 4), 1e-10),
    ("threshold", lambda m, x: m.nn.functional.threshold(x, 0.1, -2.0), 1e-10),
    ("glu", lambda m, x: m.nn.functional.glu(x, 0), 1e-10),
    ("smooth_l1_loss", lambda m, x: m.nn.functional.smooth_l1_loss(x[:2], x[2:], beta=0.6), 1e-10),
    ("smooth_l1_loss_l1", lambda m, x: m.nn.functional.smooth_l1_loss(
        x[:2], x[2:], reduction="sum", beta=0.0), 1e-10),
    ("huber_loss", lambda m, x: m.nn.functional.huber_loss(x[:2], x[2:], reduction="none",
                                                          delta=0.7), 1e-10),
    ("kl_div", lambda m, x: m.nn.functional.kl_div(x[:2].log_softmax(1), x[2:].softmax(1),
                                                   reduction="batchmean"), 1e-10),
    ("kl_div_log_target", lambda m, x: m.nn.functional.kl_div(
        x[:2].log_softmax(1), x[2:].log_softmax(1), reduction="sum", log_target=True), 1e-10),
]


@pytest.mark.parametrize("name,fn,rtol", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_values_and_gradients_match_torch(torch, name, fn, rtol):
    array = np.random.default_rng(len(name)).standard_normal((4, 6)) * 2
    results = []
    for lib in (torch, ember):
        x = lib.tensor(array, requires_grad=True)
        out = fn(lib, x)
        grad_out = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        out.backward(grad_out)
        results.append((out.detach().numpy(), x.grad.numpy()))
    (want, want_grad), (got, got_grad) = results
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(got_grad, want_grad, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name,fn,rtol", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_gradcheck(name, fn, rtol):
    array = np.random.default_rng(len(name)).standard_normal((4, 6)) * 2
    x = ember.tensor(array, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: fn(ember, t), [x])


MODULES = [("ELU", ()), ("ELU", (0.5, True)), ("SELU", (True,)), ("CELU", ()), ("SiLU", ()),
           ("Mish", (True,)), ("Softplus", ()), ("Softplus", (2.0, 10.0)), ("Softsign", ()),
           ("Hardtanh", ()), ("Hardtanh", (-2, 2)), ("ReLU6", (True,)), ("LogSigmoid", ()),
           ("Hardsigmoid", ()), ("Hardswish", (True,)), ("Threshold", (0.1, 20)), ("GLU", ()),
           ("LeakyReLU", ()), ("LeakyReLU", (0.2, True)), ("SmoothL1Loss", ()), ("HuberLoss", ()),
           ("KLDivLoss", ())]


@pytest.mark.parametrize("name,args", MODULES)
def test_modules_match_torch(torch, name, args):
    mine, ref = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(ref)
    array = np.random.default_rng(3).standard_normal((4, 6))
    if name.endswith("Loss"):
        a, b = array[:2], np.abs(array[2:]) / 3
        want = ref(torch.tensor(a).log_softmax(1), torch.tensor(b)).item()
        got = mine(ember.tensor(a).log_softmax(1), ember.tensor(b)).item()
    else:
        inplace = "inplace=True" in repr(ref) or (name == "Hardswish" and args)
        want = ref(torch.tensor(array)).numpy()
        got = mine(ember.tensor(array)).numpy()
        if inplace:
            x = ember.tensor(array)
            assert mine(x) is x
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_errors_match_torch(torch):
    cases = [
        (lambda m: m.nn.functional.glu(m.ones(3)),
         "Halving dimension must be even, but dimension 0 is size 3"),
        (lambda m: m.nn.functional.glu(m.tensor(1.0)), "glu does not support scalars"),
        (lambda m: m.nn.functional.smooth_l1_loss(m.ones(3), m.ones(3), beta=-1.0),
         "does not support negative values for beta"),
        (lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), delta=0.0),
         "does not support non-positive values for delta"),
        (lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(3), reduction="batchmean"),
         "batchmean is not a valid value for reduction"),
        (lambda m: m.nn.functional.celu(m.ones(3), alpha=0.0), "alpha cannot be 0 for CELU"),
        (lambda m: m.nn.functional.elu(m.ones(3, requires_grad=True), inplace=True),
         "a leaf Variable that requires grad is being used in an in-place operation"),
        (lambda m: m.nn.Hardtanh(2.0, 1.0), "^$"),  # a bare `assert max_val > min_val`
    ]
    for case, reason in cases:
        kinds = []
        for lib in (torch, ember):
            with pytest.raises(Exception, match=reason) as info:
                case(lib)
            kinds.append((info.type, str(info.value)))
        (want_type, want_text), (got_type, got_text) = kinds
        assert got_type is want_type, (got_text, want_text)
        assert want_text in got_text, (got_text, want_text)  # whole, after ember's op prefix


def test_kl_div_mean_warns_as_torch():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.nn.functional.kl_div(ember.zeros(2, 3), ember.ones(2, 3) / 3)
    assert any("'batchmean' divides only by the batch size" in str(w.message) for w in caught)


def test_inplace_on_a_non_leaf_keeps_the_gradient():
    x = ember.randn(5, requires_grad=True)
    h = x * 2
    assert ember.nn.functional.silu(h, inplace=True) is h
    h.sum().backward()
    y = ember.tensor(x.detach().numpy(), requires_grad=True)
    ember.nn.functional.silu(y * 2).sum().backward()
    assert ember.allclose(x.grad, y.grad)


SHRINKS = [("Softshrink", ()), ("Softshrink", (0.2,)), ("Hardshrink", (0.3,)), ("Tanhshrink", ()),
           ("Softmin", (1,)), ("Softmax2d", ())]


@pytest.mark.parametrize("name,args", SHRINKS)
def test_shrinks_and_softmins_match_torch(torch, name, args):
    mine, ref = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(ref)
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    a, b = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = mine(a), ref(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    ya.pow(2).sum().backward()
    yb.pow(2).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_in_place_forms_match_torch(torch):
    for name, args in [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()), ("celu_", (1.5,)),
                       ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
                       ("threshold_", (0.1, -1.0))]:
        x = np.random.default_rng(5).standard_normal((3, 4))
        a, b = ember.tensor(x), torch.tensor(x)
        assert getattr(ember.nn.functional, name)(a, *args) is a
        getattr(torch.nn.functional, name)(b, *args)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=name)
    with pytest.raises(AssertionError, match="Softmax2d requires a 3D or 4D tensor as input"):
        ember.nn.Softmax2d()(ember.ones(2, 3))
