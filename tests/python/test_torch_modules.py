"""Modules programs import at the top (torch.backends, torch.onnx, torch.accelerator): importing
them must work, and what they report must be true of this build."""
import pytest

import ember


def test_top_level_imports_as_programs_write_them():
    import ember.backends.cudnn  # noqa: F401
    import ember.onnx  # noqa: F401
    from ember.backends import mps  # noqa: F401
    assert ember.backends.cudnn is not None and ember.onnx is not None


def test_backends_report_what_torch_reports_on_a_cpu_build(torch):
    assert ember.backends.cudnn.is_available() == torch.backends.cudnn.is_available() == False  # noqa: E712
    assert ember.backends.mps.is_available() == torch.backends.mps.is_available() == False  # noqa: E712
    # Programs set these flags before training; they keep the value set.
    ember.backends.cudnn.benchmark = True
    ember.backends.cudnn.deterministic = True
    assert ember.backends.cudnn.benchmark and ember.backends.cudnn.deterministic
    ember.backends.cudnn.benchmark = ember.backends.cudnn.deterministic = False


def test_accelerator_follows_cuda():
    # torch.accelerator is torch 2.x (1.13 lacks it): on a machine without CUDA it reports none.
    assert ember.accelerator.is_available() == ember.cuda.is_available()
    if not ember.cuda.is_available():
        assert ember.accelerator.current_accelerator() is None
        assert ember.accelerator.device_count() == 0
    else:
        assert ember.accelerator.current_accelerator() == ember.device("cuda")


def test_onnx_export_says_it_is_not_supported():
    with pytest.raises(NotImplementedError, match="ONNX export is not supported"):
        ember.onnx.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),), "model.onnx")
    assert ember.onnx.is_in_onnx_export() is False
