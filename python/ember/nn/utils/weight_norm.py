"""torch.nn.utils.weight_norm (torch 1.13's hook-based form): a weight w is re-expressed as
w = g * v / ||v||, with g and v the parameters and w recomputed before every forward."""

from ..parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dimension but dim, shaped to broadcast against v. dim == -1
    means the norm of the whole tensor (a 0-dim tensor), as torch 1.13's norm_except_dim reads
    it; that is also how weight_norm spells dim=None."""
    if dim == -1:
        return v.norm()
    size = v.size(dim)  # raises torch's IndexError for a dim out of range
    dim = dim + v.dim() if dim < 0 else dim
    # Moving dim first and flattening the rest also covers 1-D v, where no other dim exists.
    norms = v.movedim(dim, 0).reshape(size, -1).norm(2, 1)
    shape = [1] * v.dim()
    shape[dim] = size
    return norms.reshape(shape)


def _find_hook(module, hook_type, name):
    """The key and hook of module's forward pre-hook of hook_type for the parameter name."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, hook_type) and hook.name == name:
            return key, hook
    return None, None


class WeightNorm:
    """The forward pre-hook that recomputes module.<name> from <name>_g and <name>_v."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name, dim):
        if _find_hook(module, WeightNorm, name)[1] is not None:
            raise RuntimeError(
                f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        # w leaves the parameters; g then v are appended after the others, as in torch.
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        # A plain attribute, so that state_dict and parameters() leave it out.
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        # The computed weight lives in __dict__, where it would shadow a registered parameter.
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Replaces module.<name> by <name>_g (its norm over every dim but dim; the whole tensor's
    norm when dim is None or -1) and <name>_v (its direction), and returns module."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undoes weight_norm: <name> becomes a parameter again, holding g * v / ||v||."""
    key, hook = _find_hook(module, WeightNorm, name)
    if hook is None:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    hook.remove(module)
    del module._forward_pre_hooks[key]
    return module
