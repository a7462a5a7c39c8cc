"""The parity oracle is present: every parity test compares with Debian's PyTorch, so a machine
without it must fail here rather than pass with those comparisons skipped."""
import importlib

import pytest


@pytest.mark.parametrize("module", ["torch", "numpy", "functorch", "torch.distributed"])
def test_oracle_imports(module):
    importlib.import_module(module)


def test_oracle_is_a_real_torch_with_autograd_and_gloo():
    torch = importlib.import_module("torch")
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (x ** 3).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert torch.distributed.is_available() and torch.distributed.is_gloo_available()
