"""nn.Parameter: a tensor that a Module registers as one of its parameters."""

from .. import _C


class Parameter(_C.Tensor):
    """A leaf tensor sharing data's memory, requiring grad unless told otherwise."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        super().__init__(_alias=data, requires_grad=requires_grad)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach(), self.requires_grad))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
