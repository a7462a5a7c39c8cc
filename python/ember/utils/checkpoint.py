"""ember.utils.checkpoint: activation checkpointing (torch.utils.checkpoint). The mechanism is
C++'s ember::utils::checkpoint; this module maps Python calls onto it."""

from .. import _C, is_tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """Returns ``function(*args, **kwargs)`` keeping none of its intermediate tensors for
    backward: backward calls ``function`` again, under the random state this call saw, to get
    them. Both ``use_reentrant`` settings run the non-reentrant scheme, which supports
    ``autograd.grad`` and keyword arguments."""
    if context_fn is not None:
        raise ValueError("checkpoint: context_fn is not supported by Ember")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    result = []
    _C._checkpoint(lambda: result.append(function(*args, **kwargs)),
                   lambda: function(*args, **kwargs),
                   [a for a in args if is_tensor(a)], preserve_rng_state)
    return result[0]


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs the modules (or functions) in ``functions`` one after another on ``input``,
    checkpointing each of the first ``segments - 1`` runs of about ``len(functions) // segments``
    of them; the last run is not checkpointed, as its outputs are needed right away."""
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for fn in functions[start:end]:
                x = fn(x)
            return x
        return forward

    size = len(functions) // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end, len(functions))(input)
