"""DistributedDataParallel: gradients averaged across the ranks of a group, bucket by bucket,
while backward runs (the Reducer in C++ does the work; see ember/nn/parallel/distributed.h)."""
from contextlib import contextmanager

from ... import _C
from ..module import Module

_D = _C._distributed


def _tensors(value, out):
    """The tensors inside a forward's output (tensors, lists, tuples, dicts)."""
    from ... import Tensor
    if isinstance(value, Tensor):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _tensors(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _tensors(v, out)
    return out


class DistributedDataParallel(Module):
    """Wraps module; each rank runs it on its share of the batch, and backward leaves every
    rank's .grad holding the average over the ranks."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if device_ids is not None and any(d not in ("cpu", None) for d in device_ids):
            raise ValueError(f"DistributedDataParallel device_ids={device_ids}: the gloo backend "
                             "here averages CPU tensors; pass device_ids=None")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.process_group = process_group if process_group is not None else _D.default_group()
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        named = [(n, p) for n, p in module.named_parameters()]
        _D.sync_module_states([n for n, _ in named], [p for _, p in named],
                              list(module.buffers()), self.process_group)
        self._trained = [p for _, p in named if p.requires_grad]
        self.reducer = _D.Reducer(self._trained, self.process_group, self.bucket_bytes_cap,
                                  min(1024 * 1024, self.bucket_bytes_cap), find_unused_parameters)
        self.require_backward_grad_sync = True

    def forward(self, *inputs, **kwargs):
        self.reducer.prepare_for_forward()
        if self.broadcast_buffers:
            _D.broadcast_buffers(list(self.module.buffers()), self.process_group)
        output = self.module(*inputs, **kwargs)
        if _C.is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.set_require_sync(True)
            self.reducer.prepare_for_backward(_tensors(output, []))
        else:
            self.reducer.set_require_sync(False)
        return output

    @contextmanager
    def no_sync(self):
        """Backward inside accumulates .grad locally; the first backward after it averages all
        that was accumulated."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self):
        return ""
