"""Stochastic weight averaging, as torch.optim.swa_utils: AveragedModel keeps a running average
of a model's parameters, SWALR anneals the lr to a constant SWA lr, and update_bn recomputes
batch-norm statistics for the averaged weights."""

import copy
import itertools
import math

from .. import _C
from .._grad_mode import no_grad
from ..nn.module import Module
from ..nn.modules import _BatchNorm
from .lr_scheduler import LRScheduler


class AveragedModel(Module):
    """A copy of model whose parameters (and with use_buffers, buffers) are the average of the
    model's at each update_parameters call, or avg_fn's combination of them."""

    def __init__(self, model, device=None, avg_fn=None, use_buffers=False):
        super().__init__()
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _C.tensor(0, dtype=_C.int64))
        if avg_fn is None:
            def avg_fn(averaged, current, num_averaged):
                return averaged + (current - averaged) / (num_averaged + 1)
        self.avg_fn, self.use_buffers = avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        mine = (itertools.chain(self.module.parameters(), self.module.buffers())
                if self.use_buffers else self.parameters())
        theirs = (itertools.chain(model.parameters(), model.buffers())
                  if self.use_buffers else model.parameters())
        with no_grad():
            for averaged, current in zip(mine, theirs):
                current = current.detach().to(averaged.device)
                if int(self.n_averaged) == 0:
                    averaged.detach().copy_(current)
                else:
                    averaged.detach().copy_(self.avg_fn(averaged.detach(), current,
                                                        self.n_averaged.to(averaged.device)))
        self.n_averaged += 1


class SWALR(LRScheduler):
    """Anneals each group's lr to swa_lr over anneal_epochs (cosine or linear), then keeps it."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(optimizer.param_groups):
                raise ValueError("swa_lr must have the same length as optimizer.param_groups: "
                                 f"swa_lr has {len(swa_lr)}, optimizer.param_groups has "
                                 f"{len(optimizer.param_groups)}")
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(optimizer.param_groups)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must by one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self.anneal_func = ((lambda t: (1 - math.cos(math.pi * t)) / 2)
                            if anneal_strategy == "cos" else (lambda t: t))
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # The lr before annealing, recovered from the current one, then moved alpha of the way
        # to swa_lr.
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        lrs = []
        for group in self.optimizer.param_groups:
            start = (group["swa_lr"] if prev_alpha == 1
                     else (group["lr"] - prev_alpha * group["swa_lr"]) / (1 - prev_alpha))
            lrs.append(group["swa_lr"] * alpha + start * (1 - alpha))
        return lrs

    def state_dict(self):
        state = super().state_dict()
        state.pop("anneal_func", None)
        return state


def update_bn(loader, model, device=None):
    """Recomputes every batch norm's running statistics with one pass over loader (averaging
    all batches equally)."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = _C.zeros_like(module.running_mean)
            module.running_var = _C.ones_like(module.running_var)
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
        module.num_batches_tracked *= 0
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)
