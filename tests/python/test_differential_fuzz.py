"""Differential fuzzing against PyTorch: random short programs replayed through Ember and torch.

A program is data: its inputs (shape, layout, requires_grad, seed of the values) and a list of
steps (op name, indices of the values it reads, parameters), generated once from a seeded NumPy
RNG (torch only tells the generator which candidate steps succeed and stay finite) and then
interpreted by each library. Value k is input k, then the result of each step in turn. The last
step sums every unused value to a scalar, and backward runs on it. Compared: every intermediate's
shape, dtype, requires_grad and values; the inputs' gradients; and where torch raises, Ember must
raise the same exception type with a message that names what torch's names (message_mismatch).

CI runs a fixed set of seeds. By hand:
    EMBER_FUZZ_PROGRAMS=3000 EMBER_FUZZ_SEED=1000 python3 -m pytest -q -x test_differential_fuzz.py
A failure prints the program; paste it into REGRESSIONS to keep it.

Every op in the table exists in Ember: none had to be left out. Left out of the generator on
purpose: Tensor.where(mask, python_scalar), which torch 1.13 refuses (TypeError) and Ember, like
torch 2, accepts; torch.where(mask, x, scalar) is in.

Two of Ember's departures from torch are allowed here, each pinned by its own test below:
- Strides are not compared: Ember's elementwise results are contiguous where torch's keep the
  input's layout. So a "view" step views a contiguous value and reshapes any other, in each
  library, and the values are compared whatever the layout.
- Ember's in-place ops save a copy of what their backward needs, so a later in-place write to
  their output does not invalidate the graph: where torch's backward raises "modified by an
  inplace operation", Ember's runs (its gradient is checked against the out-of-place program).
"""
import os
import re

import numpy as np
import pytest

import ember

PROGRAMS = int(os.environ.get("EMBER_FUZZ_PROGRAMS", "1000"))
FIRST_SEED = int(os.environ.get("EMBER_FUZZ_SEED", "0"))
SCALARS = [-1.5, -0.5, 0.25, 0.5, 2.0, 3.0]
MAX_NUMEL = 256
MAX_ABS = 1e4


# ---- interpretation -----------------------------------------------------------------------------

def index_of(items):
    """Index data -> a Python index: ("s", start, stop, step) a slice, "..." Ellipsis, an int or
    None (a new axis)."""
    def one(it):
        if isinstance(it, tuple):
            return slice(*it[1:])
        return Ellipsis if it == "..." else it
    return tuple(one(it) for it in items)


def pos(x):
    return x.abs() + 0.5  # keeps sqrt, log, a divisor and a base of pow in their domains


def unary(name):
    return lambda m, xs, p: getattr(m, name)(xs[0]) if p.get("fn") else getattr(xs[0], name)()


def binary(fn, op):
    return lambda m, xs, p: fn(m, *xs) if p.get("fn") else op(*xs)


def reduction(name):
    def run(m, xs, p):
        kw = {"unbiased": p["unbiased"]} if name == "var" else {}
        if p["dim"] is None:
            return getattr(xs[0], name)(**kw)
        return getattr(xs[0], name)(p["dim"], keepdim=p["keepdim"], **kw)
    return run


def softmax(name):
    def run(m, xs, p):
        if p["form"] == "F":
            return getattr(m.nn.functional, name)(xs[0], dim=p["dim"])
        return getattr(m, name)(xs[0], p["dim"]) if p["form"] == "fn" else \
            getattr(xs[0], name)(p["dim"])
    return run


def constant(m, kind, value):
    """A mixed-dtype operand: a float32 or int64 tensor, or a Python float or int."""
    if kind in ("f32", "i64"):
        return m.tensor(value, dtype=m.float32 if kind == "f32" else m.int64)
    return value


MIX = {"+": lambda x, c: x + c, "-": lambda x, c: x - c, "*": lambda x, c: x * c,
       "/": lambda x, c: x / c, "r-": lambda x, c: c - x, "r/": lambda x, c: c / pos(x)}


def run_mix(m, xs, p):
    return MIX[p["op"]](xs[0], constant(m, p["kind"], p["value"]))


def run_mix_inplace(m, xs, p):
    # The constant (float32 or int64) is written to: the result keeps the constant's dtype.
    c = constant(m, p["kind"], p["value"])
    return c.add_(xs[0]) if p["op"] == "add_" else c.mul_(xs[0])


def run_clone_inplace(m, xs, p):
    y = xs[0].clone()
    op, arg = p["op"], xs[1] if len(xs) > 1 else p.get("scalar")
    if op == "add_":
        y.add_(arg) if p.get("alpha") is None else y.add_(arg, alpha=p["alpha"])
    elif op == "mul_":
        y.mul_(arg)
    else:
        y.clamp_(p["lo"], p["hi"])
    return y


def run_view_write(m, xs, p):
    """y = x.clone(); y[index].<op>_(operand): a write through a view of the clone."""
    y = xs[0].clone()
    v = y[index_of(p["index"])]
    arg = xs[1] if len(xs) > 1 else p.get("scalar")
    if p["op"] == "clamp_":
        v.clamp_(p["lo"], p["hi"])
    else:
        getattr(v, p["op"])(arg)
    return y


def run_setitem(m, xs, p):
    y = xs[0].clone()
    y[index_of(p["index"])] = xs[1] if len(xs) > 1 else p["scalar"]
    return y


def run_raw_inplace(m, xs, p):
    # In place on the value itself (no clone): torch may refuse now, or later in backward.
    x = xs[0]
    return getattr(x, p["op"])(*p["args"])


def run_where(m, xs, p):
    a, b = xs[:2]
    mask = getattr(a, p["cmp"])(b)
    other = xs[2] if len(xs) > 2 else p["scalar"]
    return m.where(mask, b, other) if p["fn"] else b.where(mask, other)


def run_matmul(m, xs, p):
    a, b = xs
    if p["t"]:
        b = b.transpose(-1, -2)
    return m.matmul(a, b) if p["fn"] else a @ b


def run_loss(m, xs, p):
    total = 0
    for x, weighted in zip(xs, p["weighted"]):
        if weighted:
            w = np.linspace(-1, 1.5, x.numel()).reshape(tuple(x.shape))
            x = x * m.tensor(w)
        total = total + x.sum()
    return total


RUN = {
    "exp": unary("exp"), "tanh": unary("tanh"), "sigmoid": unary("sigmoid"), "sin": unary("sin"),
    "abs": unary("abs"), "relu": unary("relu"), "neg": unary("neg"), "square": unary("square"),
    "sqrt": lambda m, xs, p: m.sqrt(pos(xs[0])) if p.get("fn") else pos(xs[0]).sqrt(),
    "log": lambda m, xs, p: m.log(pos(xs[0])) if p.get("fn") else pos(xs[0]).log(),
    "add": binary(lambda m, a, b: m.add(a, b), lambda a, b: a + b),
    "sub": binary(lambda m, a, b: m.sub(a, b), lambda a, b: a - b),
    "mul": binary(lambda m, a, b: m.mul(a, b), lambda a, b: a * b),
    "div": binary(lambda m, a, b: m.div(a, pos(b)), lambda a, b: a / pos(b)),
    "maximum": binary(lambda m, a, b: m.maximum(a, b), lambda a, b: a.maximum(b)),
    "minimum": binary(lambda m, a, b: m.minimum(a, b), lambda a, b: a.minimum(b)),
    "pow": binary(lambda m, a, b: m.pow(pos(a), b), lambda a, b: pos(a) ** b),
    "pow_scalar": lambda m, xs, p: p["base"] ** xs[0] if "base" in p else xs[0] ** p["exp"],
    "sum": reduction("sum"), "mean": reduction("mean"), "amax": reduction("amax"),
    "prod": reduction("prod"), "logsumexp": reduction("logsumexp"), "var": reduction("var"),
    "softmax": softmax("softmax"), "log_softmax": softmax("log_softmax"),
    "transpose": lambda m, xs, p: xs[0].transpose(*p["dims"]),
    "permute": lambda m, xs, p: xs[0].permute(p["dims"]),
    "unsqueeze": lambda m, xs, p: xs[0].unsqueeze(p["dim"]),
    "squeeze": lambda m, xs, p: xs[0].squeeze() if p["dim"] is None else xs[0].squeeze(p["dim"]),
    "reshape": lambda m, xs, p: getattr(xs[0], p["form"] if xs[0].is_contiguous() else
                                        "reshape")(p["shape"]),
    "index": lambda m, xs, p: xs[0][index_of(p["index"])],
    "expand": lambda m, xs, p: xs[0].expand(p["shape"]),
    "flip": lambda m, xs, p: xs[0].flip(p["dims"]),
    "narrow": lambda m, xs, p: xs[0].narrow(*p["args"]),
    "select": lambda m, xs, p: xs[0].select(*p["args"]),
    "cat": lambda m, xs, p: m.cat(list(xs), p["dim"]),
    "stack": lambda m, xs, p: m.stack(list(xs), p["dim"]),
    "matmul": run_matmul,
    "where": run_where,
    "clamp": lambda m, xs, p: (m.clamp(xs[0], p["lo"], p["hi"]) if p["fn"]
                               else xs[0].clamp(min=p["lo"], max=p["hi"])),
    "clone_inplace": run_clone_inplace,
    "view_write": run_view_write,
    "setitem": run_setitem,
    "raw_inplace": run_raw_inplace,
    "mix": run_mix,
    "mix_inplace": run_mix_inplace,
    "double": lambda m, xs, p: xs[0].double() if p["fn"] else xs[0].to(m.float64),
    "loss": run_loss,
}


def input_array(spec):
    shape, layout, _, seed = spec
    base = list(shape)
    if layout and layout[0] == "t":
        base[layout[1]], base[layout[2]] = base[layout[2]], base[layout[1]]
    elif layout:
        base[layout[1]] *= 2
    return np.random.default_rng(seed).standard_normal(base)


def make_input(m, spec):
    """A leaf: contiguous, or a transposed or step-2 sliced view of a hidden base."""
    _, layout, requires_grad, _ = spec
    t = m.tensor(input_array(spec))
    if layout and layout[0] == "t":
        t = t.transpose(layout[1], layout[2])
    elif layout:
        t = t[(slice(None),) * layout[1] + (slice(None, None, 2),)]
    return t.requires_grad_(requires_grad)


def snapshot(t):
    return ("ok", tuple(t.shape), str(t.dtype), t.requires_grad,
            np.array(t.detach().clone().numpy(), copy=True))


def run_program(m, program, backward=True):
    """Interprets the program with library m: (trace, values, input gradients). The trace has one
    record per step: ("ok", shape, dtype, requires_grad, values) or ("error", type, message)."""
    xs = [make_input(m, spec) for spec in program["inputs"]]
    values, trace = list(xs), []
    for name, args, params in program["steps"]:
        try:
            out = RUN[name](m, [values[i] for i in args], params)
        except Exception as e:  # noqa: BLE001 - the exception is what is compared
            trace.append(("error", type(e).__name__, str(e)))
            return trace, values, None
        values.append(out)
        trace.append(snapshot(out))
    if not backward or not values[-1].requires_grad:
        return trace, values, None
    try:
        values[-1].backward()
    except Exception as e:  # noqa: BLE001
        trace.append(("error", type(e).__name__, str(e)))
        return trace, values, None
    return trace, values, [None if x.grad is None else x.grad.numpy().copy() for x in xs]


# ---- generation ---------------------------------------------------------------------------------

class Gen:
    """What an op's generator sees: the RNG, the values so far (torch tensors), and whether it
    may pick arguments that fail (`wild`)."""

    def __init__(self, rng, values, wild, torch):
        self.rng, self.values, self.wild, self.torch = rng, values, wild, torch
        # float32 results are read only by their "double" step: float32 math is not bit-exact.
        self.float64 = [i for i, v in enumerate(values) if v.dtype == torch.float64]

    def pick(self):
        n = len(self.float64)
        return self.float64[-1 if self.rng.random() < 0.5 else int(self.rng.integers(n))]

    def shape(self, i):
        return tuple(self.values[i].shape)

    def choice(self, options):
        return options[int(self.rng.integers(len(options)))]

    def dim(self, rank, extra=0):
        """A dim for a tensor of this rank (extra: a new dim's position), out of range if wild."""
        hi = max(rank + extra, 1)
        wide = 1 if self.wild and self.rng.random() < 0.5 else 0
        return int(self.rng.integers(-hi - wide, hi + wide))

    def partner(self, i, params, run):
        """A second argument j for which run(torch, [value i, value j], params) succeeds (any j if
        wild), or None."""
        order = self.rng.permutation(self.float64)
        if self.wild:
            return int(order[0])
        for j in order:
            try:
                run(self.torch, [self.values[i], self.values[int(j)]], params)
                return int(j)
            except Exception:  # noqa: BLE001
                pass
        return None

    def scalar_or_partner(self, i, params, run, chance):
        """(i,) with a scalar second argument in params (with the given chance), else (i, j) for
        j a partner of i (i itself if none)."""
        if self.rng.random() < chance:
            params["scalar"] = self.choice(SCALARS)
            return (i,), params
        j = self.partner(i, params, run)
        return (i, i if j is None else j), params

    def index(self, shape):
        """Index data for indexing a tensor of this shape: slices with steps, ints, None, ..."""
        rng, items = self.rng, []
        dims = list(shape)
        ellipsis = rng.random() < 0.3
        k = int(rng.integers(0, len(dims) + 1))
        chosen = dims[len(dims) - k:] if ellipsis else dims[:k]
        for n in chosen:
            r = rng.random()
            if r < 0.2 and n > 0:
                items.append(int(rng.integers(-n - self.wild, n + self.wild)))
                continue
            if r < 0.3:
                items.append(None)
            start = None if rng.random() < 0.3 else int(rng.integers(-n, n + 1))
            stop = None if rng.random() < 0.4 else int(rng.integers(-n, n + 1))
            step = self.choice([1, 1, 2, 3, -1] if self.wild else [1, 1, 2, 3])
            items.append(("s", start, stop, step))
        if self.wild and rng.random() < 0.2:
            items += [0] * (len(dims) - len(chosen) + 1)  # too many indices
        return ["..."] + items if ellipsis else items


def gen_unary(g):
    return (g.pick(),), {"fn": bool(g.rng.random() < 0.5)}


def gen_binary(run):
    def gen(g):
        i = g.pick()
        params = {"fn": bool(g.rng.random() < 0.5)}
        j = g.partner(i, params, run)
        return ((i, i) if j is None else (i, j)), params
    return gen


def gen_pow_scalar(g):
    if g.rng.random() < 0.5:
        return (g.pick(),), {"base": g.choice([0.5, 1.5, 2.0])}
    return (g.pick(),), {"exp": g.choice([2, 3, -1.0, 0.5]) if g.wild else g.choice([2, 3])}


def gen_reduction(name):
    def gen(g):
        i = g.pick()
        r = len(g.shape(i))
        dim = g.dim(r)
        u = g.rng.random()
        if u < 0.2 and name not in ("logsumexp",):
            dim = None
        elif u < 0.4 and r >= 2 and name != "prod":
            dim = tuple(int(d) for d in g.rng.choice(r, 2, replace=False))
        params = {"dim": dim, "keepdim": bool(g.rng.random() < 0.5)}
        if name == "var":
            params["unbiased"] = bool(g.rng.random() < 0.5)
        return (i,), params
    return gen


def gen_softmax(g):
    i = g.pick()
    return (i,), {"dim": g.dim(len(g.shape(i))), "form": g.choice(["fn", "method", "F"])}


def gen_transpose(g):
    i = g.pick()
    r = len(g.shape(i))
    return (i,), {"dims": (g.dim(r), g.dim(r))}


def gen_permute(g):
    i = g.pick()
    r = len(g.shape(i))
    dims = [int(d) for d in g.rng.permutation(r)]
    dims = [d - r if g.rng.random() < 0.3 else d for d in dims]
    if g.wild and r:
        dims[0] = dims[-1]
    return (i,), {"dims": tuple(dims)}


def gen_squeeze(g):
    i = g.pick()
    return (i,), {"dim": None if g.rng.random() < 0.3 else g.dim(len(g.shape(i)))}


def gen_reshape(g):
    i = g.pick()
    n = int(np.prod(g.shape(i)))
    factors = [d for d in range(2, n + 1) if n % d == 0]
    shape, rest = [], n
    while rest > 1 and len(shape) < 3:
        d = g.choice([d for d in factors if rest % d == 0])
        shape.append(d)
        rest //= d
    shape = [int(d) for d in g.rng.permutation(shape)] + [1] * int(g.rng.integers(0, 2))
    shape = [int(d) for d in g.rng.permutation(shape)]
    if shape and g.rng.random() < 0.3:
        shape[int(g.rng.integers(len(shape)))] = -1
    if g.wild and g.rng.random() < 0.5:
        shape.append(2)
    return (i,), {"shape": tuple(shape), "form": g.choice(["reshape", "view"])}


def gen_expand(g):
    i = g.pick()
    shape = [int(g.rng.integers(1, 4)) if d == 1 else d for d in g.shape(i)]
    shape = [-1 if g.rng.random() < 0.2 else d for d in shape]
    if g.rng.random() < 0.4:
        shape.insert(0, int(g.rng.integers(1, 3)))
    if g.wild and shape:
        shape[-1] += 1
    return (i,), {"shape": tuple(shape)}


def gen_flip(g):
    i = g.pick()
    r = len(g.shape(i))
    dims = sorted({g.dim(r) % max(r, 1) for _ in range(int(g.rng.integers(1, 3)))})
    return (i,), {"dims": tuple(dims) if r or g.wild else ()}


def gen_narrow(g):
    i = g.pick()
    shape = g.shape(i)
    d = g.dim(len(shape))
    n = shape[d] if -len(shape) <= d < len(shape) else 1
    start = int(g.rng.integers(-n, n + g.wild)) if n else 0
    length = int(g.rng.integers(0, n - start % max(n, 1) + 1 + g.wild))
    return (i,), {"args": (d, start, length)}


def gen_select(g):
    i = g.pick()
    shape = g.shape(i)
    d = g.dim(len(shape))
    n = shape[d] if -len(shape) <= d < len(shape) else 1
    return (i,), {"args": (d, int(g.rng.integers(-n - g.wild, n + g.wild)) if n else 0)}


def gen_join(name):
    def gen(g):
        i = g.pick()
        r = len(g.shape(i))
        params = {"dim": g.dim(r, extra=1 if name == "stack" else 0)}
        j = g.partner(i, params, RUN[name])
        return (i, i if j is None else j), params
    return gen


def gen_matmul(g):
    i = g.pick()
    params = {"t": bool(g.rng.random() < 0.3), "fn": bool(g.rng.random() < 0.5)}
    j = g.partner(i, params, run_matmul)
    if j is None:
        j, params["t"] = i, True
    return (i, j), params


def gen_where(g):
    i = g.pick()
    params = {"cmp": g.choice(["gt", "lt", "ge"]), "fn": bool(g.rng.random() < 0.5),
              "scalar": None}
    j = g.partner(i, params, lambda m, xs, p: getattr(xs[0], p["cmp"])(xs[1]))
    j = i if j is None else j
    if g.rng.random() < 0.3:  # torch 1.13's Tensor.where takes no scalar: the function does
        params["scalar"], params["fn"] = g.choice(SCALARS), True
        return (i, j), params
    k = g.partner(i, params, lambda m, xs, p: run_where(m, [xs[0], g.values[j], xs[1]], p))
    return (i, j, j if k is None else k), params


def bounds(g):
    lo, hi = g.choice([None, -1.0, -0.25, 0.0]), g.choice([None, 0.0, 0.5, 1.0])
    if lo is None and hi is None and not g.wild:
        lo = -0.5
    return lo, hi


def gen_clamp(g):
    lo, hi = bounds(g)
    return (g.pick(),), {"lo": lo, "hi": hi, "fn": bool(g.rng.random() < 0.5)}


def gen_clone_inplace(g):
    i = g.pick()
    op = g.choice(["add_", "mul_", "clamp_"])
    if op == "clamp_":
        lo, hi = bounds(g)
        return (i,), {"op": op, "lo": lo, "hi": hi}
    params = {"op": op}
    if op == "add_" and g.rng.random() < 0.3:
        params["alpha"] = g.choice(SCALARS)
    return g.scalar_or_partner(i, params, run_clone_inplace, 0.3)


def gen_view_write(g):
    i = g.pick()
    params = {"index": g.index(g.shape(i)), "op": g.choice(["mul_", "add_", "fill_", "copy_",
                                                            "clamp_"])}
    if params["op"] == "clamp_":
        params["lo"], params["hi"] = bounds(g)
        return (i,), params
    if params["op"] in ("mul_", "fill_") or params["op"] == "add_" and g.rng.random() < 0.5:
        params["scalar"] = g.choice(SCALARS)
        return (i,), params
    j = g.partner(i, params, run_view_write)
    return (i, i if j is None else j), params


def gen_setitem(g):
    i = g.pick()
    params = {"index": g.index(g.shape(i))}
    return g.scalar_or_partner(i, params, run_setitem, 0.4)


def gen_raw_inplace(g):
    op = g.choice(["mul_", "add_", "sigmoid_", "tanh_", "neg_"])
    args = (g.choice(SCALARS),) if op in ("mul_", "add_") else ()
    return (g.pick(),), {"op": op, "args": args}


def constant_value(g, kind, shape, nonzero):
    """Data of a float32 or int64 constant (exact in both dtypes), or a Python scalar."""
    if kind == "f32":
        v = np.asarray(g.rng.integers(-8, 9, shape) / 4)
    elif kind == "i64":
        v = np.asarray(g.rng.integers(-3, 4, shape))
    else:
        v = float(g.rng.integers(-8, 9) / 4) if kind == "float" else int(g.rng.integers(-3, 4))
        return type(v)(1) if nonzero and v == 0 else v
    if nonzero:
        v[v == 0] = 1
    return v.tolist()


def broadcastable_shape(g, shape):
    """A shape that broadcasts against (and not beyond) this one: a suffix with some dims 1."""
    suffix = shape[len(shape) - int(g.rng.integers(0, len(shape) + 1)):]
    return tuple(1 if g.rng.random() < 0.3 else d for d in suffix)


def gen_mix(g):
    i = g.pick()
    shape = g.shape(i)
    kind = g.choice(["f32", "f32", "i64", "float", "int"])
    op = g.choice(list(MIX))
    if not shape and kind in ("f32", "i64"):  # a 0-dim float64 tensor with a dim >= 1 tensor
        cshape = tuple(int(d) for d in g.rng.integers(1, 4, int(g.rng.integers(0, 3))))
    else:
        cshape = broadcastable_shape(g, shape)
    return (i,), {"op": op, "kind": kind, "value": constant_value(g, kind, cshape, op == "/")}


def gen_mix_inplace(g):
    i = g.pick()
    kind = "i64" if g.wild else "f32"  # an int64 tensor cannot take a float64 result
    shape = g.shape(i)
    if g.rng.random() < 0.4:
        shape = (int(g.rng.integers(1, 3)),) + shape
    return (i,), {"op": g.choice(["add_", "mul_"]), "kind": kind,
                  "value": constant_value(g, kind, shape, False)}


# name -> (weight, generator)
OPS = {
    "exp": (1, gen_unary), "tanh": (1, gen_unary), "sigmoid": (1, gen_unary),
    "sin": (1, gen_unary), "abs": (1, gen_unary), "relu": (1, gen_unary), "neg": (1, gen_unary),
    "square": (1, gen_unary), "sqrt": (1, gen_unary), "log": (1, gen_unary),
    "add": (2, gen_binary(RUN["add"])), "sub": (2, gen_binary(RUN["sub"])),
    "mul": (2, gen_binary(RUN["mul"])), "div": (2, gen_binary(RUN["div"])),
    "maximum": (1.5, gen_binary(RUN["maximum"])), "minimum": (1.5, gen_binary(RUN["minimum"])),
    "pow": (1, gen_binary(RUN["pow"])), "pow_scalar": (1, gen_pow_scalar),
    "sum": (1.5, gen_reduction("sum")), "mean": (1, gen_reduction("mean")),
    "amax": (1.5, gen_reduction("amax")), "prod": (1.5, gen_reduction("prod")),
    "logsumexp": (1, gen_reduction("logsumexp")), "var": (1, gen_reduction("var")),
    "softmax": (1, gen_softmax), "log_softmax": (1, gen_softmax),
    "transpose": (1.5, gen_transpose), "permute": (1.5, gen_permute),
    "unsqueeze": (1, lambda g: (lambda i: ((i,), {"dim": g.dim(len(g.shape(i)), 1)}))(g.pick())),
    "squeeze": (1, gen_squeeze), "reshape": (2, gen_reshape),
    "index": (2, lambda g: (lambda i: ((i,), {"index": g.index(g.shape(i))}))(g.pick())),
    "expand": (1.5, gen_expand), "flip": (1, gen_flip), "narrow": (1, gen_narrow),
    "select": (1, gen_select), "cat": (2, gen_join("cat")), "stack": (1.5, gen_join("stack")),
    "matmul": (2, gen_matmul), "where": (1.5, gen_where), "clamp": (1, gen_clamp),
    "clone_inplace": (2, gen_clone_inplace), "view_write": (2.5, gen_view_write),
    "setitem": (1.5, gen_setitem), "raw_inplace": (1.5, gen_raw_inplace),
    "mix": (3, gen_mix), "mix_inplace": (1, gen_mix_inplace),
}
NAMES = list(OPS)
WEIGHTS = np.array([OPS[n][0] for n in NAMES]) / sum(OPS[n][0] for n in NAMES)


def gen_inputs(rng):
    """1-3 inputs: shapes derived from one full shape (so they broadcast), some non-contiguous."""
    full = [int(d) for d in rng.integers(1, 5, int(rng.integers(0, 4)))]
    inputs = []
    for k in range(int(rng.integers(1, 4))):
        u = rng.random()
        if u < 0.5:
            shape = list(full)
        elif u < 0.85:
            suffix = full[int(rng.integers(len(full) + 1)):]
            shape = [1 if rng.random() < 0.3 else d for d in suffix]
        else:
            shape = [int(d) for d in rng.integers(1, 5, int(rng.integers(0, 4)))]
        r, layout = len(shape), ()
        if r >= 2 and rng.random() < 0.3:
            layout = ("t",) + tuple(sorted(int(d) for d in rng.choice(r, 2, replace=False)))
        elif r >= 1 and rng.random() < 0.25:
            layout = ("s", int(rng.integers(r)))
        inputs.append((tuple(shape), layout, bool(k == 0 or rng.random() < 0.7),
                       int(rng.integers(1 << 16))))
    return inputs


def acceptable(record):
    if record[0] != "ok":
        return False
    values = record[4]
    return values.size <= MAX_NUMEL and np.all(np.isfinite(values)) and \
        (values.size == 0 or np.abs(values).max() <= MAX_ABS)


def generate(seed, torch):
    """A program from this seed. torch only answers whether a candidate step runs (and stays
    finite); a program that may fail (one in seven) ends at the first step torch refuses."""
    rng = np.random.default_rng(seed)
    program = {"inputs": gen_inputs(rng), "steps": []}
    may_fail = rng.random() < 1 / 7
    n_steps = int(rng.integers(2, 7))
    while len(program["steps"]) < n_steps:
        _, values, _ = run_program(torch, program, backward=False)
        for _ in range(30):
            name = NAMES[rng.choice(len(NAMES), p=WEIGHTS)]
            g = Gen(rng, values, may_fail and rng.random() < 0.3, torch)
            args, params = OPS[name][1](g)
            candidate = {**program, "steps": program["steps"] + [(name, args, params)]}
            trace, _, _ = run_program(torch, candidate, backward=False)
            if trace[-1][0] == "error" and may_fail:
                return candidate
            if acceptable(trace[-1]):
                program = candidate
                if trace[-1][2] != "torch.float64":
                    k = len(values)
                    program["steps"].append(("double", (k,), {"fn": bool(rng.random() < 0.5)}))
                break
        else:
            program["steps"].append(("neg", (len(values) - 1,), {}))
    used = {i for _, args, _ in program["steps"] for i in args}
    n_values = len(program["inputs"]) + len(program["steps"])
    sinks = tuple(i for i in range(n_values) if i not in used)
    weighted = [bool(rng.random() < 0.6) for _ in sinks]
    program["steps"].append(("loss", sinks, {"weighted": weighted}))
    return program


# ---- comparison ---------------------------------------------------------------------------------

def format_program(program):
    lines = ["{'inputs': " + repr(program["inputs"]) + ",", " 'steps': ["]
    lines += [f"    {step!r}," for step in program["steps"]]
    return "\n".join(lines + [" ]}"])


# Parts of torch's messages that are not key: where the tensor sits in cat's list, and which
# node and version numbers the saved-tensor check names.
NOT_KEY = re.compile(r"\(at position \d+\)|"
                     r"output \d+ of \w+, is at version \d+; expected version \d+")
SHAPE = re.compile(r"\[[-\d, ]*\]")


def key_parts(message):
    """The shapes a message names ([2, 3], or mm's 2x3), or where it names none, its numbers."""
    message = re.sub(r"(\d+)x(\d+)", r"[\1, \2]", message)
    shapes = set(SHAPE.findall(message))
    return shapes or set(re.findall(r"(?<![A-Za-z_\d])-?\d+", message))  # not the 2 of mat2


def message_mismatch(expected, got):
    """Where Ember's message uses torch's wording, it must fill in the same numbers; otherwise
    it must name at least one of the shapes (or numbers) torch's names. None if it does."""
    expected = NOT_KEY.sub("", expected)
    template = re.escape(re.sub(r"-?\d+", "#", expected)).replace("\\#", r"-?\d+")
    if re.search(template, got):
        return None if expected in got else f"torch's wording, other numbers: {expected!r}"
    parts = key_parts(expected)
    shared = parts & (set(SHAPE.findall(re.sub(r"(\d+)x(\d+)", r"[\1, \2]", got)))
                      | key_parts(SHAPE.sub("", got)))
    return None if not parts or shared else f"none of torch's {sorted(parts)}"


def compare(program, torch):
    expected, _, expected_grads = run_program(torch, program)
    try:
        got, _, got_grads = run_program(ember, program)
    except Exception as e:  # noqa: BLE001 - a crash outside an op, e.g. making the inputs
        pytest.fail(f"Ember raised {type(e).__name__}: {e}\n{format_program(program)}")
    text = format_program(program)
    float32 = any(r[0] == "ok" and r[2] != "torch.float64" for r in expected)
    for k, (e, g) in enumerate(zip(expected, got)):
        where = f"step {k} {program['steps'][k] if k < len(program['steps']) else 'backward'}"
        message = f"{where}:\n torch: {e[:4]}\n ember: {g[:4]}\nprogram:\n{text}"
        if e[0] == "error":
            assert g[:2] == e[:2], message
            assert g[2], f"{where}: Ember's message is empty\nprogram:\n{text}"
            # torch's matmul messages name its internal operands (1x1 for a [1] vector).
            if k == len(program["steps"]) or program["steps"][k][0] != "matmul":
                mismatch = message_mismatch(e[2], g[2])
                assert not mismatch, f"{where}: Ember's message has {mismatch}\n{message}"
            continue
        assert g[:4] == e[:4], message
        rtol, atol = (1e-10, 1e-12) if e[2] == "torch.float64" else (1e-6, 1e-6)
        np.testing.assert_allclose(g[4], e[4], rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=f"values at {message}")
    if (len(expected) == len(got) + 1 and expected[-1][0] == "error"
            and "modified by an inplace operation" in expected[-1][2]):
        return  # Ember's in-place ops saved a copy (test_in_place_ops_save_a_copy)
    if len(got) != len(expected):  # one backward raised
        pytest.fail(f"backward: torch {expected[-1][:3]}\n ember {got[-1][:3]}\nprogram:\n{text}")
    assert (expected_grads is None) == (got_grads is None), f"backward ran in one only\n{text}"
    rtol, atol = (1e-5, 1e-6) if float32 else (1e-9, 1e-12)
    for k, (e, g) in enumerate(zip(expected_grads or [], got_grads or [])):
        assert (e is None) == (g is None), f"input {k}: grad torch {e}, Ember {g}\n{text}"
        if e is not None:
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"gradient of input {k}\nprogram:\n{text}")


# Mismatches the fuzzer found, each cut down to a small program: (name, program).
REGRESSIONS = [
    # sum/mean/prod (whole, or over dims without keepdim) returned a view made under no_grad, so
    # writing to the result in place raised; torch allows it.
    ("in_place_on_sum", {
        "inputs": [((2, 3), (), True, 1)],
        "steps": [("sum", (0,), {"dim": None, "keepdim": False}),
                  ("raw_inplace", (1,), {"op": "mul_", "args": (3.0,)}),
                  ("loss", (2,), {"weighted": [False]})]}),
    ("in_place_on_prod_dim", {
        "inputs": [((2, 3), (), True, 2)],
        "steps": [("prod", (0,), {"dim": 1, "keepdim": False}),
                  ("raw_inplace", (1,), {"op": "tanh_", "args": ()}),
                  ("loss", (2,), {"weighted": [True]})]}),
    # y[0] = src with src of shape [1] or [1, 3]: torch drops the source's leading 1s; Ember's
    # copy_ refused a source of more dims than the destination.
    ("setitem_source_with_leading_ones", {
        "inputs": [((2,), (), True, 4), ((1,), (), True, 5)],
        "steps": [("setitem", (0, 1), {"index": [0]}),
                  ("loss", (2,), {"weighted": [True]})]}),
    ("setitem_row_with_leading_ones", {
        "inputs": [((2, 3), (), True, 6), ((1, 3), (), True, 7)],
        "steps": [("setitem", (0, 1), {"index": [0]}),
                  ("loss", (2,), {"weighted": [True]})]}),
    # cat([2-d, 0-dim], dim=3): torch refuses the 0-dim tensor (RuntimeError) before it checks
    # the dim; Ember checked the dim first (IndexError).
    ("cat_zero_dim_and_bad_dim", {
        "inputs": [((2, 2), (), True, 8), ((), (), True, 9)],
        "steps": [("cat", (0, 1), {"dim": 3})]}),
    # In place through a view of a leaf that is itself a view (a strided input): torch refuses
    # (the view requires grad and its base is a leaf); Ember wrote, and the input stopped being a
    # leaf, so it got no .grad.
    ("in_place_on_view_of_strided_leaf", {
        "inputs": [((3, 4), ("s", 1), True, 12)],
        "steps": [("index", (0,), {"index": [0]}),
                  ("raw_inplace", (1,), {"op": "mul_", "args": (2.0,)})]}),
    # [2, 3] + [3, 2]: torch names the last mismatching dim (a (3), b (2), dimension 1); Ember
    # named the first.
    ("broadcast_error_names_last_dim", {
        "inputs": [((2, 3), (), True, 14), ((3, 2), (), True, 15)],
        "steps": [("add", (0, 1), {})]}),
    # cat of empty tensors that require grad: torch's result requires grad (CatBackward0);
    # Ember's did not, so backward through it raised.
    ("cat_of_empty_requires_grad", {
        "inputs": [((2,), (), True, 17)],
        "steps": [("index", (0,), {"index": [("s", 2, None, 1)]}),
                  ("cat", (1, 1), {"dim": 0}),
                  ("loss", (0, 2), {"weighted": [True, False]})]}),
    # cat skips a legacy empty [0] tensor, but torch still sends it a (zero) gradient: the input
    # behind it gets zeros; Ember's got None.
    ("cat_skipped_empty_gets_zero_grad", {
        "inputs": [((2,), (), True, 18), ((2, 2), (), True, 19)],
        "steps": [("index", (0,), {"index": [("s", 2, None, 1)]}),
                  ("cat", (2, 1), {"dim": -1}),
                  ("loss", (3,), {"weighted": [True]})]}),
    # int64.mul_(float64 of a larger broadcast shape): torch reports the shape; Ember reported
    # the dtype.
    ("in_place_shape_and_dtype_faults", {
        "inputs": [((2, 2), (), True, 20)],
        "steps": [("mix_inplace", (0,), {"op": "mul_", "kind": "i64", "value": [1, 2]})]}),
    # [1, 2, 0] @ [0, 3]: torch gives zeros of [1, 2, 3]; Ember's batch folding reshaped to
    # [-1, 0], which is ambiguous for 0 elements, and raised.
    ("matmul_batched_empty_inner_dim", {
        "inputs": [((1, 2, 2), (), True, 10), ((2, 3), (), True, 11)],
        "steps": [("index", (0,), {"index": ["...", ("s", 0, 0, 1)]}),
                  ("index", (1,), {"index": [("s", 0, 0, 1)]}),
                  ("matmul", (2, 3), {"t": False, "fn": False}),
                  ("loss", (4,), {"weighted": [True]})]}),
]


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + PROGRAMS))
def test_random_program_matches_torch(torch, seed):
    compare(generate(seed, torch), torch)


@pytest.mark.parametrize("name,program", REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_regression(torch, name, program):
    compare(program, torch)


def test_elementwise_results_are_contiguous(torch):
    """Ember's departure on layout: torch's neg of a transposed tensor keeps its strides, so
    view() cannot flatten it; Ember's result is contiguous and can be viewed."""
    theirs = torch.zeros(2, 3).t().neg()
    mine = ember.zeros(2, 3).t().neg()
    assert not theirs.is_contiguous() and mine.is_contiguous()
    assert mine.view(6).shape == (6,)


def test_in_place_ops_save_a_copy(torch):
    """Ember's departure on in-place versions: sigmoid_ saves a copy of its output, so writing to
    that output again does not spoil backward (torch raises); the gradient is the out-of-place
    program's."""
    values = np.array([0.3, -1.2])

    def run(lib, in_place):
        x = lib.tensor(values, requires_grad=True)
        y = x.neg()
        y = y.sigmoid_().sigmoid_() if in_place else y.sigmoid().sigmoid()
        y.sum().backward()
        return x.grad.numpy()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(torch, True)
    np.testing.assert_allclose(run(ember, True), run(torch, False), rtol=1e-12)


def test_index_faults_are_reported_in_torchs_order(torch):
    """With two faults in one index (too many indices, a non-positive step), the count is
    reported first (IndexError), as torch does; the step alone is a ValueError."""
    for lib in (torch, ember):
        with pytest.raises(IndexError, match="too many indices"):
            lib.zeros(1, 1, 4)[::-1, 0, 0, 0]
        with pytest.raises(IndexError, match="too many indices"):
            lib.zeros(1, 1, 4)[::-1, 0, 0, 0] = 1.0
        with pytest.raises(ValueError, match="step must be greater than zero"):
            lib.zeros(1, 1, 4)[::-1, 0]


def test_cat_of_only_skipped_empty_tensors_ignores_the_dim(torch):
    for lib in (torch, ember):
        x = lib.zeros(0, requires_grad=True)
        y = lib.cat([x, x], 1)
        assert y.shape == (0,) and y.grad_fn is not None


def test_in_place_on_a_dot_product_works_like_torch(torch):
    """matmul of two vectors was a view of an internal product made under no_grad, so an in-place
    op on it raised 'A view was created in no_grad mode' (found with seed 11 by hand)."""
    grads = []
    for lib in (torch, ember):
        a = lib.tensor([1., 2., 3.], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([.5, .1, .2], dtype=lib.float64, requires_grad=True)
        y = a @ b
        y.tanh_()
        y.backward()
        grads.append((a.grad.tolist(), b.grad.tolist(), y.item()))
    np.testing.assert_allclose(np.array(grads[1][0]), np.array(grads[0][0]), rtol=1e-12)
    np.testing.assert_allclose(np.array(grads[1][1]), np.array(grads[0][1]), rtol=1e-12)
    assert grads[1][2] == pytest.approx(grads[0][2], rel=1e-12)
