"""nn.DataParallel: torch splits a batch across the GPUs of one process. Ember has no GPUs to
split across, so, as torch does on a machine without CUDA, the wrapper runs the module as is
(use DistributedDataParallel to spread work over cores or machines)."""
from ... import cuda
from ..module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.dim = dim
        if not cuda.is_available():
            self.device_ids, self.output_device, self.src_device_obj = [], None, None
            return
        raise RuntimeError("DataParallel: this build has no CUDA backend to split the batch over")

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional form: module(*inputs) on the one device there is."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
