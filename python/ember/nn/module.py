"""nn.Module: parameters, buffers and submodules registered by attribute assignment, as in torch."""

import collections
import itertools
from collections import OrderedDict

from .. import _C
from .._grad_mode import no_grad
from .._params import zero_grads
from .parameter import Parameter, is_lazy


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys",
                                               ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it could not match, either way."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, " \
               f"unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _parse_to(args, kwargs):
    """Module.to's arguments as torch's _parse_to reads them, (device, dtype, non_blocking,
    memory_format), from to(device, dtype, non_blocking), to(dtype, non_blocking) or
    to(tensor, non_blocking), each with copy after non_blocking."""
    names = ("device", "dtype", "non_blocking", "copy", "memory_format")
    unknown = [k for k in kwargs if k not in names]
    if unknown:
        raise TypeError(f"to() got an unexpected keyword argument '{unknown[0]}'")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    args = list(args)
    if args and isinstance(args[0], _C.Tensor):
        tensor = args.pop(0)
        device, dtype = tensor.device, tensor.dtype
    else:
        if args and not isinstance(args[0], (_C.dtype, bool)):
            device = args.pop(0)
        if args and isinstance(args[0], _C.dtype):
            dtype = args.pop(0)
    non_blocking = args.pop(0) if args else kwargs.get("non_blocking", False)
    if len(args) > 1:  # copy may follow non_blocking; nothing else may
        raise TypeError(f"to() takes at most 4 positional arguments but {len(args) + 3} were "
                        "given")
    return device, dtype, non_blocking, kwargs.get("memory_format")


class RemovableHandle:
    """What the register_*_hook methods return: remove() takes the hook off again."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self.hooks, self.id = hooks, next(RemovableHandle._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class of every layer and model; subclasses define ``forward``."""

    training = True

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        # Read from __dict__: modules pickled before hooks existed have no hook tables.
        pre_hooks = self.__dict__.get("_forward_pre_hooks")
        hooks = self.__dict__.get("_forward_hooks")
        if not pre_hooks and not hooks:
            return self.forward(*args, **kwargs)
        for hook in list(pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before forward; a value it returns replaces the args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after forward; a value it returns replaces output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def _register_load_state_dict_pre_hook(self, hook):
        """hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs) runs before load_state_dict checks this module's entries."""
        hooks = self.__dict__.setdefault("_load_state_dict_pre_hooks", OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # ---- Registration ----
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            # Plain attributes may come before Module.__init__(), as in torch.
            if isinstance(value, Parameter):
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            if isinstance(value, Module):
                raise AttributeError("cannot assign module before Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        if isinstance(value, (Parameter, Module)):
            # A plain attribute of that name (bias = None) would hide the registered value.
            self.__dict__.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                # A deleted buffer's name is free again: a later assignment is a plain attribute.
                self.__dict__.get("_buffer_names", set()).discard(name)
                self.__dict__.get("_non_persistent_buffers_set", set()).discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        transient = self.__dict__.setdefault("_non_persistent_buffers_set", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        self._modules[name] = module

    register_module = add_module

    # ---- Traversal ----
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name,
                                                remove_duplicate)

    def get_submodule(self, target):
        """The submodule at a dotted path ("" is the module itself)."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        yield from ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, store, recurse=True, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(remove_duplicate=remove_duplicate) if recurse else \
            [("", self)]
        for prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield prefix + ("." if prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        for name, p in self._named_members("_parameters", recurse, remove_duplicate):
            yield prefix + ("." if prefix and name else "") + name, p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        for name, b in self._named_members("_buffers", recurse, remove_duplicate):
            yield prefix + ("." if prefix and name else "") + name, b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- Modes and devices ----
    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=False):
        zero_grads(self.parameters(), set_to_none)

    def _apply(self, fn):
        for module in self.modules():
            # Parameters keep their identity (optimizers may hold them): only their data moves,
            # and their gradients' with it, as in torch.
            for p in module._parameters.values():
                if p is not None:
                    with no_grad():
                        p.data = fn(p)
                        if p.grad is not None:
                            p.grad.data = fn(p.grad)
            for name, b in module._buffers.items():
                if b is not None:
                    module._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """Moves and casts parameters and buffers as torch does: a dtype applies to the floating
        ones only (integer buffers such as num_batches_tracked stay int64), and must itself be
        floating; a memory format applies to the 4-D and 5-D ones."""
        device, dtype, non_blocking, memory_format = _parse_to(args, kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype}")

        def convert(t):
            options = dict(device=device, non_blocking=non_blocking)
            if dtype is not None and t.is_floating_point():
                options["dtype"] = dtype
            if memory_format is not None and t.dim() in (4, 5):
                options["memory_format"] = memory_format
            return t.to(**options)
        return self._apply(convert)

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def apply(self, fn):
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- Checkpoints ----
    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name, module by module as torch orders
        them (a module's own entries, then each child's); a tensor shared by two modules appears
        under both names."""
        out = OrderedDict() if destination is None else destination
        transient = self.__dict__.get("_non_persistent_buffers_set", ())
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            if value is not None and name not in transient:
                # An uninitialized tensor has nothing to detach: it is saved as it is.
                out[prefix + name] = value if keep_vars or is_lazy(value) else value.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=out, prefix=prefix + name + ".", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True):
        missing, unexpected, errors = [], [], []
        # Pre-hooks first: a lazy module gives its tensors the checkpoint's shapes.
        for name, module in self.named_modules():
            hooks = module.__dict__.get("_load_state_dict_pre_hooks", {})
            for hook in list(hooks.values()):
                hook(state_dict, name + "." if name else "", {}, strict, missing, unexpected,
                     errors)
        copies = []

        def load(module, prefix):
            # As torch's _load_from_state_dict, module by module: this module's own entries,
            # then the keys under its prefix that name none of its entries or children
            # (a key under an entry's name, "bias.x", is not reported), then each child.
            transient = module.__dict__.get("_non_persistent_buffers_set", ())
            local = OrderedDict(
                (name, value) for name, value in itertools.chain(module._parameters.items(),
                                                                 module._buffers.items())
                if value is not None and name not in transient)
            for name, own in local.items():
                key = prefix + name
                if key not in state_dict:
                    missing.append(key)
                    continue
                value = state_dict[key]
                if not isinstance(value, _C.Tensor):
                    errors.append(f'While copying the parameter named "{key}", expected '
                                  "torch.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(value)}")
                    continue
                if not is_lazy(own):
                    if own.dim() == 0 and value.dim() == 1:  # torch's old 0-dim checkpoints
                        value = value[0]
                    if tuple(own.shape) != tuple(value.shape):
                        errors.append(f"size mismatch for {key}: copying a param with shape "
                                      f"{value.shape} from checkpoint, the shape in current "
                                      f"model is {own.shape}.")
                        continue
                copies.append((own, value))
            for key in state_dict:
                if key.startswith(prefix):
                    entry = key[len(prefix):].split(".", 1)[0]
                    if entry not in module._modules and entry not in local:
                        unexpected.append(key)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")

        load(self, "")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        # Nothing is copied unless everything checks out (torch copies as it goes).
        with no_grad():
            for own, value in copies:
                own.copy_(value)
        return _IncompatibleKeys(missing, unexpected)

    # ---- Printing ----
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                return main + lines[0] + ")"
            main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._modules)

