"""What Module.zero_grad and Optimizer.zero_grad share."""


def zero_grads(params, set_to_none):
    """Resets each parameter's gradient: to None, or to zeros in place (cut from any graph)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_().zero_()
