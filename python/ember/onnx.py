"""torch.onnx: importable, so programs that import it at the top run; exporting is not
supported yet and says so."""


def export(model, args, f=None, *a, **kw):
    raise NotImplementedError(
        "torch.onnx.export: ONNX export is not supported by Ember yet; save the weights with "
        "torch.save(model.state_dict(), path) instead")


def is_in_onnx_export():
    return False
