"""``torch.optim.RMSprop`` as a fused ``rmsprop_update``.

Per parameter p with gradient g (torch's formulas)::

    g = -g                                          (if maximize)
    g = g + weight_decay * p                        (if weight_decay != 0)
    square_avg = alpha * square_avg + (1 - alpha) * g * g
    if centered:
        grad_avg = alpha * grad_avg + (1 - alpha) * g
        avg = sqrt(square_avg - grad_avg**2) + eps
    else:
        avg = sqrt(square_avg) + eps
    if momentum > 0:
        buf = momentum * buf + g / avg
        p = p - lr * buf
    else:
        p = p - lr * g / avg
"""

from __future__ import annotations

from typing import Any, Iterable

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (alpha, eps, weight_decay, momentum, centered, maximize)."""

    _op = "rmsprop_update"
    _buffers = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _attrs(self, group: dict) -> dict:
        return {"alpha": float(group["alpha"]), "eps": float(group["eps"]),
                "weight_decay": float(group["weight_decay"]), "momentum": float(group["momentum"]),
                "centered": bool(group["centered"]), "maximize": bool(group["maximize"])}
