"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp of a Python function of
tensors, built on autograd.grad (jvp and hvp by the double-backward trick), with torch's
argument and result conventions: a tensor or a tuple in, the same structure out."""

from .. import _C
from .._grad_mode import enable_grad
from . import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(value, arg_name, fn_name):
    """(tuple of tensors, whether value was a tuple); anything else is a TypeError."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, _C.Tensor):
            what = f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of " \
                   "Tensors but the"
            if is_tuple:
                raise TypeError(f"{what} value at index {i} has type {type(v)}.")
            raise TypeError(f"{what} given {arg_name} has type {type(v)}.")
    return values, is_tuple


def _restore(values, is_tuple):
    return tuple(values) if is_tuple else values[0]


def _prepare(inputs, create_graph):
    """Inputs that require grad: views of them when their graph is to be kept, else fresh leaves."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(True) for x in inputs)


def _finish(values, create_graph):
    return tuple(v if v is None or create_graph else v.detach() for v in values)


def _check_v(v, outputs, fn_name, arg_name="v", of="user-provided function returns"):
    """v checked against `outputs` (the function's outputs, or for vhp and hvp its inputs, with
    `of` naming which); None stands for ones when there is one single-element tensor."""
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {of} a single Tensor "
                               "with a single element.")
        return (_C.ones_like(outputs[0]),)
    values, _ = _as_tuple(v, arg_name, fn_name)
    if len(values) != len(outputs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outputs)} but got "
                           f"{len(values)}.")
    for i, (value, out) in enumerate(zip(values, outputs)):
        if tuple(value.shape) != tuple(out.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {tuple(out.shape)} "
                               f"but got {tuple(value.shape)}.")
    return values


def _grads(outputs, inputs, grad_outputs, create_graph, strict, stage):
    """autograd.grad with unused inputs as zeros (or an error in strict mode)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        result = (None,) * len(inputs)
    else:
        result = _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                       create_graph=create_graph, allow_unused=True)
    out = []
    for i, (g, x) in enumerate(zip(result, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The {stage} of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            g = _C.zeros_like(x)
        out.append(g)
    return tuple(out)


def _call(func, inputs, fn_name):
    outputs, is_tuple = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                  fn_name)
    return outputs, is_tuple


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at inputs."""
    with enable_grad():
        inputs, inputs_tuple = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _call(func, inputs, "vjp")
        v = _check_v(v, outputs, "vjp")
        result = _grads(outputs, inputs, v, create_graph, strict, "output")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(result, create_graph), inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp in its vector."""
    with enable_grad():
        inputs, inputs_tuple = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = (_C.ones_like(inputs[0]),)
        else:
            v, _ = _as_tuple(v, "v", "jvp")
        outputs, outputs_tuple = _call(func, inputs, "jvp")
        # u^T J is linear in u; its gradient in u along v is J v.
        dummies = tuple(_C.zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = _grads(outputs, inputs, dummies, True, strict, "output")
        result = _grads(vjps, dummies, v, create_graph, strict, "output")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(result, create_graph), outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs, one row of vjps per output element: for each output and input,
    a tensor of shape output.shape + input.shape."""
    if strategy != "reverse-mode":
        raise ValueError("Computing Jacobian using forward-AD or forward-over-reverse Hessian "
                         "is only implemented for `vectorize=True`.")
    with enable_grad():
        inputs, inputs_tuple = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _call(func, inputs, "jacobian")
        rows = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            per_input = [[] for _ in inputs]
            for j in range(flat.numel()):
                pairs = _grad([flat[j]], inputs, retain_graph=True, create_graph=create_graph,
                              allow_unused=True) if flat.requires_grad else (None,) * len(inputs)
                for k, (g, x) in enumerate(zip(pairs, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode.")
                        g = _C.zeros_like(x)
                    per_input[k].append(g)
            blocks = tuple(
                (_C.stack(grads) if grads else _C.zeros(0, *x.shape, dtype=x.dtype))
                .reshape(*out.shape, *x.shape) for grads, x in zip(per_input, inputs))
            rows.append(_restore(_finish(blocks, create_graph), inputs_tuple))
    return _restore(rows, outputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The second derivatives of a function returning one element: for each pair of inputs, a
    tensor of shape input_i.shape + input_j.shape."""
    inputs_tuple = isinstance(inputs, (tuple, list))

    def gradient(*args):
        out, _ = _as_tuple(func(*args), "outputs of the user-provided function", "hessian")
        if len(out) != 1 or out[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element.")
        grads = _grads(out, args, (_C.ones_like(out[0]),), True, strict, "output")
        return grads if inputs_tuple else grads[0]

    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                    strategy=outer_jacobian_strategy)


def _scalar_and_gradient(func, inputs, fn_name, strict):
    outputs, _ = _call(func, inputs, fn_name)
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor with "
                           "a single element.")
    grads = _grads(outputs, inputs, (_C.ones_like(outputs[0]),), True, strict, "output")
    return outputs[0], grads


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function returning one element."""
    with enable_grad():
        inputs, inputs_tuple = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prepare(inputs, create_graph)
        output, grads = _scalar_and_gradient(func, inputs, "vhp", strict)
        v = _check_v(v, inputs, "vhp", of="input to the user-provided function is")
        result = _grads(grads, inputs, v, create_graph, strict, "jacobian")
    return (_finish((output,), create_graph)[0],
            _restore(_finish(result, create_graph), inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function returning one element, by the double-backward trick."""
    with enable_grad():
        inputs, inputs_tuple = _as_tuple(inputs, "inputs", "hvp")
        inputs = _prepare(inputs, create_graph)
        output, grads = _scalar_and_gradient(func, inputs, "hvp", strict)
        v = _check_v(v, inputs, "hvp", of="input to the user-provided function is")
        dummies = tuple(_C.zeros_like(x).requires_grad_(True) for x in inputs)
        back = _grads(grads, inputs, dummies, True, strict, "jacobian")
        result = _grads(back, dummies, v, create_graph, strict, "jacobian")
    return (_finish((output,), create_graph)[0],
            _restore(_finish(result, create_graph), inputs_tuple))
