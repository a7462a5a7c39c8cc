"""What Module.zero_grad and Optimizer.zero_grad share."""


def zero_grads(params, set_to_none):
    """Resets each parameter's gradient: to None, or to zeros in place (cut from any graph)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            # As torch: a gradient with history (create_graph) is cut from it; one without is
            # only marked as not requiring grad (it may be a view, which detach_ refuses).
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()
