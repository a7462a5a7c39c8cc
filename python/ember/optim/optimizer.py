"""optim.Optimizer: parameter groups with their options, per-parameter state, zero_grad."""

from .. import _C
from .._grad_mode import no_grad
from .._params import zero_grads


class Optimizer:
    """Base of the optimizers: subclasses implement ``_update(group, param, grad, state)``, which
    calls the algorithm's C++ step (``_C._optim``)."""

    def __init__(self, params, defaults):
        if defaults.get("differentiable") or defaults.get("capturable") or defaults.get("fused"):
            raise NotImplementedError("differentiable, capturable and fused optimizer steps are "
                                      "not supported by Ember")
        # The hyper-parameters are checked by the C++ optimizer's options, with torch's messages.
        check = _C._optim._validators.get(type(self).__name__)
        if check is not None:
            check(defaults)
        # foreach picks one of torch's CPU implementations; Ember has one, so it is only kept.
        self.defaults = dict(defaults)
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
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if hasattr(params, "grad") else list(params)
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        for p in group["params"]:
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=False):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

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

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"
