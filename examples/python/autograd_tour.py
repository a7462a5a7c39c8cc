"""The third to fifth tutorials: graphs of grad_fn nodes, backward with and without a gradient,
autograd.grad, retain_graph, accumulation, detach, retain_grad, the in-place checks, and
higher derivatives, each checked against its closed form, with `import ember as torch`."""
import numpy as np

import ember as torch
from ember.autograd import Variable, grad


def close(a, b):
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def polynomial():
    x = Variable(torch.FloatTensor([4]), requires_grad=True)
    z = x ** 3 + 2 * x ** 2 + 8 * x  # dz/dx = 3x^2 + 4x + 8 = 72 at 4
    z.backward(retain_graph=True)
    print("x.grad", x.grad)
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.item() == 216.0, "gradients accumulate: 72, 144, 216"
    try:
        z.backward()
    except RuntimeError as err:
        print("second backward without retain_graph:", str(err).split(".")[0])
    else:
        raise AssertionError("the graph should have been freed")
    x.grad.data.zero_()


def trigonometry():
    X = Variable(2 * np.pi * torch.rand([10]), requires_grad=True)
    Z = torch.sin(X)
    Z.backward(torch.ones(X.shape))
    assert close(X.grad.data.numpy(), torch.cos(X).data.numpy())
    XY = Variable(2 * np.pi * torch.rand([10, 2]), requires_grad=True)
    Z = torch.sin(XY[:, 0]) + torch.cos(XY[:, 1])
    print(Z.grad_fn)
    Z.backward(torch.ones(XY.shape[0]))
    expected = torch.stack([torch.cos(XY[:, 0]), -torch.sin(XY[:, 1])], 1)
    assert close(XY.grad.numpy(), expected.detach().numpy())
    T = Variable(2 * torch.rand([10]) - 1, requires_grad=True)
    torch.tanh(T).backward(torch.ones(T.shape))
    assert close(T.grad.numpy(), (1 - torch.pow(torch.tanh(T), 2)).data.numpy())


def graph_and_grad():
    w, b = torch.tensor([2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    x = torch.tensor([5.0])
    y = w * x + b
    print("y.grad_fn:", y.grad_fn, "next:", [f[0].name() for f in y.grad_fn.next_functions])
    dw, db = grad(y, [w, b], grad_outputs=torch.ones(1))
    assert dw.item() == 5.0 and db.item() == 1.0
    y2 = w * x / b  # d/dw = x / b, d/db = -w x / b^2
    y2.backward()
    assert close(w.grad.item(), 5 / 3) and close(b.grad.item(), -10 / 9)
    m = torch.randn(3, 4, requires_grad=True)
    print((m.mm(torch.randn(4, 2))).grad_fn)


def detach_and_retain_grad():
    a = torch.tensor([2.0], requires_grad=True)
    b = a * a
    b.retain_grad()
    c = b.detach()
    assert c.grad_fn is None and not c.requires_grad
    (b * 3).backward()
    assert b.grad.item() == 3.0 and a.grad.item() == 12.0
    print("leaf:", a.is_leaf, "non-leaf:", b.is_leaf, "retained b.grad:", b.grad)


def in_place_checks():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    s = a.sigmoid()
    s.mul_(2)  # sigmoid saved its output; changing it makes its gradient wrong
    try:
        s.sum().backward()
    except RuntimeError as err:
        print("in-place check:", str(err)[:80], "...")
    else:
        raise AssertionError("the version check should have fired")


def second_derivative():
    x = torch.tensor([3.0], requires_grad=True)
    y = x ** 3
    (dy,) = grad(y, x, create_graph=True)  # 3x^2 = 27
    (d2y,) = grad(dy, x)                   # 6x = 18
    assert dy.item() == 27.0 and d2y.item() == 18.0
    print("dy/dx", dy.item(), "d2y/dx2", d2y.item())


if __name__ == "__main__":
    torch.manual_seed(0)
    polynomial()
    trigonometry()
    graph_and_grad()
    detach_and_retain_grad()
    in_place_checks()
    second_derivative()
    print("ok")
