"""SGD, Adam, AdamW, RMSprop and Adagrad, with torch's update rules and defaults."""

from .. import _C
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable))

    def _update(self, group, p, grad, state):
        d = grad
        if group["weight_decay"]:
            d = d.add(p, alpha=group["weight_decay"])
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.clone()
            else:
                buf.mul_(momentum).add_(d, alpha=1 - group["dampening"])
            d = d.add(buf, alpha=momentum) if group["nesterov"] else buf
        p.add_(d, alpha=-group["lr"])


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused))

    _decoupled = False

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["exp_avg"] = _C.zeros_like(p)
            state["exp_avg_sq"] = _C.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _C.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            if self._decoupled:
                p.mul_(1 - group["lr"] * group["weight_decay"])
            else:
                grad = grad.add(p, alpha=group["weight_decay"])
        beta1, beta2 = group["betas"]
        _C._nn._fused_adam_(p, grad, state["exp_avg"], state["exp_avg_sq"],
                            state.get("max_exp_avg_sq"), group["lr"], beta1, beta2, group["eps"],
                            state["step"])


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False):
        Optimizer.__init__(self, params, dict(lr=lr, betas=betas, eps=eps,
                                              weight_decay=weight_decay, amsgrad=amsgrad,
                                              foreach=foreach, maximize=maximize,
                                              capturable=capturable))

    _decoupled = True


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, foreach=None, maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["square_avg"] = _C.zeros_like(p)
            if group["momentum"]:
                state["momentum_buffer"] = _C.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = _C.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad.add(p, alpha=group["weight_decay"])
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg.mul_(alpha).add_(grad * grad, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.mul_(alpha).add_(grad, alpha=1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt().add_(group["eps"])
        else:
            avg = square_avg.sqrt().add_(group["eps"])
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf.mul_(group["momentum"]).add_(grad / avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.add_(grad / avg, alpha=-group["lr"])


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["sum"] = _C.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad.add(p, alpha=group["weight_decay"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"].add_(grad * grad)
        p.add_(grad / state["sum"].sqrt().add_(group["eps"]), alpha=-clr)
