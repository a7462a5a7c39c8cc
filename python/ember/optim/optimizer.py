"""optim.Optimizer: parameter groups with their options, per-parameter state, zero_grad."""

import functools
import warnings
from copy import deepcopy

from .. import _C
from .._grad_mode import no_grad
from .._params import zero_grads


def _typename(obj):
    """torch.typename: a tensor's type() (torch.DoubleTensor), else the qualified class name."""
    if isinstance(obj, _C.Tensor):
        return obj.type()
    module = getattr(obj, "__module__", None)
    prefix = module + "." if module not in (None, "builtins") else ""
    return prefix + getattr(obj, "__qualname__", type(obj).__name__)


def _as_passed(message, options):
    """The C++ check sees every option as a double and prints -1 as -1.0; torch prints the value
    as the user passed it."""
    for value in options.values():
        if (isinstance(value, int) and not isinstance(value, bool)
                and message.endswith(f": {float(value)!r}")):
            return message[:-len(repr(float(value)))] + repr(value)
    return message


def _profiled(method, kind=None):
    """Runs an optimizer's step or zero_grad inside torch's profiler range
    "Optimizer.step#SGD.step" while the profiler is on (once, when an override calls super())."""
    kind = kind or method.__name__

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        flag = "_profiling_" + kind
        if not _C._profiler._profiler_enabled() or getattr(self, flag, False):
            return method(self, *args, **kwargs)
        from ..autograd.profiler import record_function
        setattr(self, flag, True)
        try:
            with record_function("Optimizer.{0}#{1}.{0}".format(kind, type(self).__name__)):
                return method(self, *args, **kwargs)
        finally:
            setattr(self, flag, False)
    return wrapped


class Optimizer:
    """Base of the optimizers: subclasses implement ``_update(group, param, grad, state)``, which
    calls the algorithm's C++ step (``_C._optim``)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for kind in ("step", "zero_grad"):
            if kind in cls.__dict__:
                setattr(cls, kind, _profiled(cls.__dict__[kind], kind))

    def __init__(self, params, defaults):
        if defaults.get("differentiable") or defaults.get("capturable") or defaults.get("fused"):
            raise NotImplementedError("differentiable, capturable and fused optimizer steps are "
                                      "not supported by Ember")
        # The hyper-parameters are checked by the C++ optimizer's options, with torch's messages.
        check = _C._optim._validators.get(type(self).__name__)
        if check is not None:
            try:
                check(defaults)
            except ValueError as e:
                raise ValueError(_as_passed(str(e), defaults)) from None
        # foreach picks one of torch's CPU implementations; Ember has one, so it is only kept.
        self.defaults = dict(defaults)
        if isinstance(params, _C.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = {}
        self.param_groups = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, group):
        assert isinstance(group, dict), "param group must be a dict"
        group = dict(group)
        params = group["params"]
        if isinstance(params, _C.Tensor):
            group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, _C.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        ids = [id(p) for p in group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if not taken.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    @_profiled
    def zero_grad(self, set_to_none=False):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    @_profiled
    def step(self, closure=None):
        loss = None
        if closure is not None:
            from .._grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    self._update(group, p, p.grad, self.state.setdefault(id(p), {}))
        return loss

    def _update(self, group, param, grad, state):
        raise NotImplementedError

    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append(dict({k: v for k, v in group.items() if k != "params"}, params=ids))
        state = {index[k]: v for k, v in self.state.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Takes a copy of state_dict's state and groups (torch's checks and messages); tensors
        in the state take their parameter's floating dtype, except step."""
        state_dict = deepcopy(state_dict)
        groups, saved = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        params = {i: p for g, s in zip(groups, saved) for i, p in zip(s["params"], g["params"])}

        def cast(param, value, key=None):
            if isinstance(value, _C.Tensor):
                if key != "step" and param.is_floating_point():
                    value = value.to(param.dtype)
                return value
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        self.state = {id(params[k]) if k in params else k:
                      cast(params[k], v) if k in params else v
                      for k, v in state_dict["state"].items()}
        for group, new in zip(groups, saved):
            new["params"] = group["params"]
        self.param_groups = list(saved)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"
