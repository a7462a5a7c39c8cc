"""gradcheck / gradgradcheck: compare autograd's Jacobians with central finite differences."""

from .. import _C


class GradcheckError(RuntimeError):
    """Raised when an analytical and a numerical Jacobian disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, _C.Tensor))


def _numerical_column(fn, inputs, x, flat_index, eps):
    """d outputs / d x[flat_index], flattened per output, by central differences."""
    flat = x.detach().view(-1)
    original = flat[flat_index].item()
    # flat is detached, so writing through it records nothing; fn itself runs with grad mode as
    # the caller has it (gradgradcheck's fn needs it on).
    flat[flat_index] = original + eps
    plus = [o.detach().reshape(-1).clone() for o in _outputs(fn, inputs)]
    flat[flat_index] = original - eps
    minus = [o.detach().reshape(-1).clone() for o in _outputs(fn, inputs)]
    flat[flat_index] = original
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _analytical_rows(outputs, x):
    """Per output element, the gradient of that element with respect to x, flattened."""
    rows = []
    for out in outputs:
        per_output = []
        for m in range(out.numel()):
            one_hot = _C.zeros_like(out).view(-1)
            one_hot[m] = 1
            (g,) = _C._grad([out], [x], [one_hot.view(out.shape)], True, False, True)
            per_output.append(None if g is None else g.reshape(-1).tolist())
        rows.append(per_output)
    return rows


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when every Jacobian entry of func at inputs matches finite differences."""
    inputs = _as_tuple(inputs)
    wrt = [x for x in inputs if isinstance(x, _C.Tensor) and x.requires_grad]
    # Analytical first: the finite differences write into the inputs, which bumps their versions.
    outputs = _outputs(func, inputs)
    analytical = [_analytical_rows(outputs, x) for x in wrt]
    for i, x in enumerate(wrt):
        for j in range(x.numel()):
            numerical = _numerical_column(func, inputs, x, j, eps)
            for k, rows in enumerate(analytical[i]):
                for m, row in enumerate(rows):
                    got = 0.0 if row is None else row[j]
                    expected = numerical[k][m].item()
                    if abs(got - expected) > atol + rtol * abs(expected):
                        if not raise_exception:
                            return False
                        raise GradcheckError(
                            f"Jacobian mismatch for output {k} with respect to input {i},\n"
                            f"numerical:{expected}\nanalytical:{got}\n"
                            f"(at output element {m}, input element {j})")
    return True


def gradgradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """gradcheck of the gradient of func (with fixed random output gradients)."""
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    grad_outputs = [_C.randn_like(o) for o in outputs]
    wrt_index = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]

    def first_derivative(*args):
        outs = _outputs(func, args)
        wrt = [args[i] for i in wrt_index]
        grads = _C._grad(list(outs), wrt, grad_outputs, True, True, True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs, eps, atol, rtol, raise_exception)
