"""SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD and LBFGS, with
torch's update rules and defaults."""

from .. import _C
from .optimizer import Optimizer


def _refuse_differentiable(differentiable):
    """For the optimizers whose torch 1.13 groups have no 'differentiable' key (torch 2 adds
    it): the flag is taken, refused when set, and kept out of the groups."""
    if differentiable:
        raise NotImplementedError("differentiable, capturable and fused optimizer steps are not "
                                  "supported by Ember")


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable))

    def _update(self, group, p, grad, state):
        buf = _C._optim._fused_sgd_(p, grad, state.get("momentum_buffer"), group["lr"],
                                    group["momentum"], group["dampening"],
                                    group["weight_decay"], group["nesterov"], group["maximize"])
        state["momentum_buffer"] = buf  # None without momentum, as torch keeps it


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
        beta1, beta2 = group["betas"]
        _C._optim._fused_adam_(p, grad, state["exp_avg"], state["exp_avg_sq"],
                               state.get("max_exp_avg_sq"), group["lr"], beta1, beta2,
                               group["eps"], state["step"], group["weight_decay"],
                               self._decoupled, group["maximize"])


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
        state["step"] = state.get("step", 0) + 1
        state["square_avg"], buf, grad_avg = _C._optim._fused_rmsprop_(
            p, grad, state.get("square_avg"), state.get("momentum_buffer"),
            state.get("grad_avg"), group["lr"], group["alpha"], group["eps"],
            group["weight_decay"], group["momentum"], group["centered"], group["maximize"])
        if buf is not None:
            state["momentum_buffer"] = buf
        if grad_avg is not None:
            state["grad_avg"] = grad_avg


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize))
        # torch creates every parameter's state here, from the constructor's value (not the
        # group's); parameters added later start in _update.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[id(p)] = {"step": 0,
                                     "sum": _C.full_like(p, initial_accumulator_value)}

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["sum"] = _C.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        _C._optim._fused_adagrad_(p, grad, state["sum"], group["lr"], group["lr_decay"],
                                  group["weight_decay"], group["eps"], state["step"],
                                  group["maximize"])


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _update(self, group, p, grad, state):
        state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        state["exp_avg"], state["exp_inf"] = _C._optim._fused_adamax_(
            p, grad, state.get("exp_avg"), state.get("exp_inf"), group["lr"], beta1, beta2,
            group["eps"], group["weight_decay"], state["step"], group["maximize"])


class NAdam(Optimizer):
    """NAdam with torch 2's momentum schedule (torch 1.13 multiplied mu into the next product
    twice)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, foreach=None, *, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, foreach=foreach))

    def _update(self, group, p, grad, state):
        state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        state["exp_avg"], state["exp_avg_sq"], state["mu_product"] = _C._optim._fused_nadam_(
            p, grad, state.get("exp_avg"), state.get("exp_avg_sq"), state.get("mu_product", 1.0),
            group["lr"], beta1, beta2, group["eps"], group["weight_decay"],
            group["momentum_decay"], state["step"])


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach))

    def _update(self, group, p, grad, state):
        state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        state["exp_avg"], state["exp_avg_sq"] = _C._optim._fused_radam_(
            p, grad, state.get("exp_avg"), state.get("exp_avg_sq"), group["lr"], beta1, beta2,
            group["eps"], group["weight_decay"], state["step"])


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _update(self, group, p, grad, state):
        state["step"] = state.get("step", 0) + 1
        state["square_avg"], state["acc_delta"] = _C._optim._fused_adadelta_(
            p, grad, state.get("square_avg"), state.get("acc_delta"), group["lr"], group["rho"],
            group["eps"], group["weight_decay"], group["maximize"])


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), foreach=None,
                 maximize=False, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["prev"] = _C.zeros_like(p)
            state["step_size"] = _C.full_like(p, group["lr"])
        state["step"] += 1
        eta_minus, eta_plus = group["etas"]
        smallest, largest = group["step_sizes"]
        _C._optim._fused_rprop_(p, grad, state["prev"], state["step_size"], eta_minus, eta_plus,
                                smallest, largest, group["maximize"])


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False):
        _refuse_differentiable(differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = 0
            state["eta"] = group["lr"]
            state["mu"] = 1.0
        state["step"] += 1
        state["ax"], state["eta"], state["mu"] = _C._optim._fused_asgd_(
            p, grad, state.get("ax"), state["eta"], state["mu"], group["lr"], group["lambd"],
            group["alpha"], group["t0"], group["weight_decay"], state["step"], group["maximize"])


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def step(self, closure):
        """Re-evaluates the model through closure up to max_iter times (C++'s LBFGS step);
        returns the closure's first loss."""
        state = self.state.setdefault(id(self._params[0]), {})
        loss = _C._optim._lbfgs_step(self._params, self.param_groups[0], state, closure)
        if state.get("al") is None:  # torch makes 'al' only once the history is first used
            state.pop("al", None)
        return loss

