"""The pre-0.4 tensor types (torch.FloatTensor and friends), kept because old tutorials use them:
``torch.FloatTensor(2, 3)``, ``torch.FloatTensor([1, 2])``, ``x.type(torch.FloatTensor)`` and
``isinstance(x, torch.FloatTensor)``."""

from . import _C


class _LegacyTensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args, **kwargs):
        return _C.Tensor(*args, dtype=cls.dtype, **kwargs)

    def __repr__(cls):
        return "<class 'torch." + cls.__name__ + "'>"


def _legacy(name, dtype):
    return _LegacyTensorType(name, (), {"dtype": dtype, "is_cuda": False})


FloatTensor = _legacy("FloatTensor", _C.float32)
DoubleTensor = _legacy("DoubleTensor", _C.float64)
LongTensor = _legacy("LongTensor", _C.int64)
IntTensor = _legacy("IntTensor", _C.int32)
BoolTensor = _legacy("BoolTensor", _C.bool)
