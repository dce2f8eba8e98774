"""``torch.optim.Adam`` and ``AdamW`` as fused ``adam_update``/``adamw_update``.

Per parameter p with gradient g, step t = 1, 2, ... (torch's formulas, amsgrad=False)::

    g = -g                                         (if maximize)
    Adam:  g = g + weight_decay * p                (L2 penalty, if weight_decay != 0)
    AdamW: p = p * (1 - lr * weight_decay)         (decoupled weight decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
"""

from __future__ import annotations

from typing import Any, Iterable

from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (betas, eps, weight_decay as an L2 penalty, maximize)."""

    _op = "adam_update"
    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameters: {betas}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if amsgrad:
            from ..errors import not_implemented
            raise not_implemented(f"optim.{type(self).__name__}(amsgrad=True)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=False, maximize=maximize))

    def _attrs(self, group: dict) -> dict:
        b1, b2 = group["betas"]
        return {"beta1": float(b1), "beta2": float(b2), "eps": float(group["eps"]),
                "weight_decay": float(group["weight_decay"]), "maximize": bool(group["maximize"])}


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (default 1e-2)."""

    _op = "adamw_update"

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
