"""nn.SyncBatchNorm: batch normalization whose statistics cover the whole global batch, summed
across the ranks of a process group while training (on CPU, over gloo, where torch's needs GPUs)."""
from .. import _C
from .._grad_mode import no_grad
from ..autograd.function import Function
from .modules import BatchNorm1d, BatchNorm2d, _BatchNorm
from .normalization import BatchNorm3d


class _AllReduceSum(Function):
    """A sum over the group that autograd sees through: the gradient of every rank's share is the
    sum of every rank's upstream gradient."""

    @staticmethod
    def forward(ctx, tensor, group):
        from .. import distributed as dist
        ctx.group = group
        total = tensor.clone()
        dist.all_reduce(total, group=group)
        return total

    @staticmethod
    def backward(ctx, grad):
        return _AllReduceSum.apply(grad.contiguous(), ctx.group), None


class SyncBatchNorm(_BatchNorm):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _group_size(self):
        from .. import distributed as dist
        if not (dist.is_available() and dist.is_initialized()):
            return 1
        return dist.get_world_size(self.process_group)

    def forward(self, input):
        self._check_input_dim(input)
        if input.size(1) != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected {self.num_features} channels at dim 1, "
                             f"got input of size {tuple(input.shape)}")
        use_batch_stats = self.training or self.running_mean is None
        if not (use_batch_stats and self.training and self._group_size() > 1):
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        return self._synced(input, factor)

    def _synced(self, input, factor):
        # Two sums over the group (mean first, then the squared deviations from it) keep the
        # variance as accurate as the single-process one.
        dims = [0] + list(range(2, input.dim()))
        count = _C.tensor([float(input.numel() // input.size(1))], dtype=input.dtype)
        totals = _AllReduceSum.apply(_C.cat([input.sum(dims), count]), self.process_group)
        n = float(totals[-1])
        mean = totals[:-1] / n
        shape = [1, -1] + [1] * (input.dim() - 2)
        centered = input - mean.reshape(shape)
        var = _AllReduceSum.apply((centered * centered).sum(dims), self.process_group) / n
        if self.running_mean is not None:
            with no_grad():
                self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
                unbiased = var.detach() * (n / max(n - 1, 1))
                self.running_var.mul_(1 - factor).add_(unbiased * factor)
        out = centered * (var + self.eps).rsqrt().reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """module with every BatchNorm*d replaced, recursively, by a SyncBatchNorm sharing its
        parameters and buffers."""
        converted = module
        if isinstance(module, (BatchNorm1d, BatchNorm2d, BatchNorm3d)):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
