"""ember.func: function transforms with torch.func's names (functorch's in torch 1.13). The
transforms are C++'s ember::func; this module flattens arguments and results (tensors in nested
tuples, lists and dicts) into the tensor lists they work on, and handles has_aux."""

from . import _C, is_tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]

_transforms = _C._func


# ---- Pytrees: nested tuples, lists and dicts whose leaves are tensors (or other values) ----

def _flatten(tree):
    """(leaves, spec): the leaves in order, and what rebuilds the tree from them."""
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = _flatten(item)
            leaves += item_leaves
            specs.append((len(item_leaves), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, tuple):  # a namedtuple
        leaves, spec = _flatten(tuple(tree))
        return leaves, ("namedtuple", type(tree), spec)
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, spec = _flatten([tree[k] for k in keys])
        return leaves, (dict, keys, spec)
    return [tree], None


def _unflatten(leaves, spec):
    if spec is None:
        return leaves[0]
    if spec[0] == "namedtuple":
        return spec[1](*_unflatten(leaves, spec[2]))
    if spec[0] is dict:
        return dict(zip(spec[1], _unflatten(leaves, spec[2])))
    kind, specs = spec
    items, at = [], 0
    for count, item_spec in specs:
        items.append(_unflatten(leaves[at:at + count], item_spec))
        at += count
    return kind(items) if kind in (tuple, list) else kind(*items)


def _tensor_leaves(tree, what, transform):
    leaves, spec = _flatten(tree)
    for leaf in leaves:
        if not is_tensor(leaf):
            raise ValueError(f"{transform}: Expected {what} to be a tensor or a (nested) "
                             f"tuple/list/dict of tensors, got a leaf of type {type(leaf)}")
    return leaves, spec


def _argnums_tuple(argnums, count, transform):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{transform}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"{transform}: argnums must be int or Tuple[int, ...], got: "
                               f"{type(a)}")
        if not -count <= a < count:
            raise RuntimeError(f"{transform}: Got argnum={a}, but only {count} positional "
                               f"inputs")
    return tuple(a % count for a in nums)


class _Staged:
    """f with the arguments at argnums taken from a flat list of tensors: what the C++
    transforms call. It remembers the output's structure and the auxiliary value."""

    def __init__(self, f, args, kwargs, argnums, has_aux, transform):
        self.f, self.args, self.kwargs = f, list(args), kwargs
        self.argnums, self.has_aux, self.transform = argnums, has_aux, transform
        self.specs, self.counts, leaves = [], [], []
        for a in argnums:
            arg_leaves, spec = _tensor_leaves(args[a], "inputs", transform)
            self.specs.append(spec)
            self.counts.append(len(arg_leaves))
            leaves += arg_leaves
        self.leaves = leaves
        self.out_spec = None
        self._aux = None

    @property
    def aux(self):
        """The auxiliary value, its tensors detached unless something outside can
        differentiate them (an enclosing transform, or inputs that require grad)."""
        if _transforms.depth() > 0 or any(x.requires_grad for x in self.leaves):
            return self._aux
        leaves, spec = _flatten(self._aux)
        return _unflatten([x.detach() if is_tensor(x) else x for x in leaves], spec)

    def rebuild(self, flat):
        """Per argnum, its tree rebuilt from a flat list of leaves."""
        out, at = [], 0
        for count, spec in zip(self.counts, self.specs):
            out.append(_unflatten(list(flat[at:at + count]), spec))
            at += count
        return out

    def __call__(self, flat):
        args = list(self.args)
        for a, value in zip(self.argnums, self.rebuild(flat)):
            args[a] = value
        out = self.f(*args, **self.kwargs)
        if self.has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{self.transform}(f, ...)(*args): output of function f "
                                   f"should be a tuple: (output, aux) if has_aux is True")
            out, self._aux = out
        leaves, self.out_spec = _tensor_leaves(out, "f(*args)", self.transform)
        return leaves


def _wrap(result, argnum_spec):
    return result[0] if isinstance(argnum_spec, int) else tuple(result)


def grad_and_value(func, argnums=0, has_aux=False):
    """The function returning (gradient of func with respect to argnums, value of func)."""
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad_and_value")
        staged = _Staged(func, args, kwargs, nums, has_aux, "grad_and_value")
        grads, value = _transforms.grad_and_value(staged, staged.leaves,
                                                  list(range(len(staged.leaves))))
        grads = _wrap(staged.rebuild(grads), argnums)
        value = _unflatten([value], staged.out_spec)
        return (grads, (value, staged.aux)) if has_aux else (grads, value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The function returning the gradient of func (returning one-element tensor) with respect
    to the arguments at argnums."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        grads, value = gv(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn), where vjp_fn(cotangents) gives the cotangents of primals."""
    staged = _Staged(func, primals, {}, tuple(range(len(primals))), has_aux, "vjp")
    outputs, vjp_flat = _transforms.vjp(staged, staged.leaves)
    out_spec = staged.out_spec

    def vjp_fn(cotangents):
        flat, _ = _tensor_leaves(cotangents, "cotangents", "vjp")
        return tuple(staged.rebuild(vjp_flat(flat)))

    out = _unflatten(list(outputs), out_spec)
    return (out, vjp_fn, staged.aux) if has_aux else (out, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), the Jacobian-vector product of func at primals with tangents)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                           "tuples. E.g. jvp(f, (x,), (t,))")
    staged = _Staged(func, primals, {}, tuple(range(len(primals))), has_aux, "jvp")
    flat_tangents, _ = _tensor_leaves(list(tangents), "tangents", "jvp")
    outputs, products = _transforms.jvp(staged, staged.leaves, flat_tangents)
    out = _unflatten(list(outputs), staged.out_spec)
    tangent_out = _unflatten(list(products), staged.out_spec)
    return (out, tangent_out, staged.aux) if has_aux else (out, tangent_out)


def _jacobian(transform, name):
    def make(func, argnums=0, has_aux=False, **options):
        def wrapper(*args):
            nums = _argnums_tuple(argnums, len(args), name)
            staged = _Staged(func, args, {}, nums, has_aux, name)
            rows = transform(staged, staged.leaves, list(range(len(staged.leaves))))
            # rows[i][j]: output leaf i by input leaf j; group j by argnum, i by output tree.
            per_output = [_wrap(staged.rebuild(row), argnums) for row in rows]
            jac = _unflatten(per_output, staged.out_spec)
            return (jac, staged.aux) if has_aux else jac
        return wrapper
    make.__name__ = name
    return make


jacrev = _jacobian(_transforms.jacrev, "jacrev")
jacfwd = _jacobian(_transforms.jacfwd, "jacfwd")


def hessian(func, argnums=0):
    """The Hessian of func: the Jacobian (jacfwd) of its gradient (jacrev)."""
    return jacfwd(jacrev(func, argnums), argnums)


def _dims_per_leaf(dims, tree, what):
    """One mapped dim (or None) per leaf of tree, from an int/None or a matching tree of them."""
    if dims is None or isinstance(dims, int):
        leaves, _ = _flatten(tree)
        return [dims] * len(leaves)
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(f"vmap: {what} is not compatible with the structure of `inputs`. "
                             f"{what} has structure of length {len(dims)} but inputs has "
                             f"length {len(tree)}")
        return [d for sub_dims, sub in zip(dims, tree) for d in _dims_per_leaf(sub_dims, sub,
                                                                              what)]
    if isinstance(dims, dict) and isinstance(tree, dict):
        return [d for k in tree for d in _dims_per_leaf(dims[k], tree[k], what)]
    raise ValueError(f"vmap: {what} must be an int, None or a (nested) tuple of them matching "
                     f"the inputs, got {dims!r}")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a dimension of its inputs (in_dims; None for an input shared by all),
    with the results stacked along out_dims."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    def wrapper(*args, **kwargs):
        if not isinstance(in_dims, (int, tuple)) and in_dims is not None:
            raise ValueError(f"vmap(in_dims={in_dims!r}): expected `in_dims` to be int or a "
                             f"(potentially nested) tuple matching the structure of inputs")
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f"vmap(in_dims={in_dims!r}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has "
                             f"structure of length {len(in_dims)} but inputs has length "
                             f"{len(args)}")
        leaves, spec = _flatten(list(args))
        dims = _dims_per_leaf(in_dims if isinstance(in_dims, tuple) else
                              [in_dims] * len(args), list(args), "in_dims")
        tensors, tensor_dims, positions = [], [], []
        for i, (leaf, d) in enumerate(zip(leaves, dims)):
            if is_tensor(leaf):
                tensors.append(leaf)
                tensor_dims.append(d)
                positions.append(i)
            elif d is not None:
                raise ValueError(f"vmap: Got in_dim={d} for an input but the input is of type "
                                 f"{type(leaf)}. We cannot vmap over non-Tensor arguments, "
                                 f"please use None as the respective in_dim")
        if all(d is None for d in tensor_dims):
            raise ValueError("vmap: at least one input must be a Tensor mapped over (got "
                             "in_dims with every entry None or no Tensor inputs)")
        out_spec = []

        def flat_fn(xs):
            call_leaves = list(leaves)
            for pos, x in zip(positions, xs):
                call_leaves[pos] = x
            out = func(*_unflatten(call_leaves, spec), **kwargs)
            out_leaves, s = _flatten(out)
            for leaf in out_leaves:
                if not is_tensor(leaf):
                    raise ValueError(f"vmap: `func` must only return Tensors, got type "
                                     f"{type(leaf)}")
            if not out_spec:
                out_spec.append((s, out))
            return out_leaves

        per_leaf = None
        if isinstance(out_dims, int):
            per_leaf = [out_dims]
        results = _transforms.vmap(flat_fn, tensors, tensor_dims,
                                   per_leaf if per_leaf else [0], randomness)
        if per_leaf is None:
            # out_dims given as a tree: stacked along 0 above, moved to their dims here.
            out_dims_leaves = _dims_per_leaf(out_dims, out_spec[0][1], "out_dims")
            results = [r.movedim(0, d) for r, d in zip(results, out_dims_leaves)]
        return _unflatten(list(results), out_spec[0][0])
    return wrapper


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *,
                    tie_weights=True, strict=False):
    """Calls module(*args, **kwargs) with its parameters and buffers replaced, for the call only,
    by the tensors named in parameter_and_buffer_dicts (a dict, or a tuple of dicts)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        dicts = (dicts,)
    replacements = {}
    for d in dicts:
        for name, value in d.items():
            if name in replacements:
                raise ValueError(f"{name} appeared in multiple dictionaries; behavior of "
                                 f"functional call is ambiguous")
            replacements[name] = value
    # Every parameter and buffer slot by its full name, in one walk over the modules.
    slots = {}
    for prefix, owner in module.named_modules(remove_duplicate=False):
        for store in (owner._parameters, owner._buffers):
            for leaf, value in store.items():
                if value is not None:
                    slots[prefix + ("." if prefix else "") + leaf] = (store, leaf, value)
    if strict:
        missing = sorted(set(slots) - set(replacements))
        unexpected = sorted(set(replacements) - set(slots))
        if missing or unexpected:
            problems = [f"Unexpected key(s): {', '.join(repr(k) for k in unexpected)}."] * \
                bool(unexpected) + [f"Missing key(s): {', '.join(repr(k) for k in missing)}."] * \
                bool(missing)
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                type(module).__name__, "\n\t".join(problems)))
    if tie_weights and len({id(v) for _, _, v in slots.values()}) < len(slots):
        # A tensor shared under several names is replaced under all of them.
        by_identity = {}
        for name, (_, _, value) in slots.items():
            by_identity.setdefault(id(value), []).append(name)
        for names in by_identity.values():
            given = [n for n in names if n in replacements]
            for n in names:
                if given and n not in replacements:
                    replacements[n] = replacements[given[0]]
    saved = []
    try:
        for name, value in replacements.items():
            if name in slots:
                store, leaf, old = slots[name]
                saved.append((store, leaf, old))
                store[leaf] = value
            else:
                owner_name, _, leaf = name.rpartition(".")
                target = module.get_submodule(owner_name) if owner_name else module
                saved.append((target, leaf, None))
                object.__setattr__(target, leaf, value)
        if not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for target, leaf, old in reversed(saved):
            if old is None:
                object.__delattr__(target, leaf)
            else:
                target[leaf] = old
