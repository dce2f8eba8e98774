"""``torch.optim.SGD`` as a fused ``sgd_update`` (golib/exec/interp/optim.go).

Per parameter p with gradient g (torch's formulas)::

    g = -g                                         (if maximize)
    g = g + weight_decay * p                       (if weight_decay != 0)
    if momentum != 0:
        buf = g                                    (first step)
        buf = momentum * buf + (1 - dampening) * g (later steps)
        g = g + momentum * buf if nesterov else buf
    p = p - lr * g
"""

from __future__ import annotations

from typing import Any, Iterable

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (momentum, dampening, nesterov, weight_decay, maximize)."""

    _op = "sgd_update"
    _buffers = ("momentum_buffer",)

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _attrs(self, group: dict) -> dict:
        return {"momentum": float(group["momentum"]), "dampening": float(group["dampening"]),
                "weight_decay": float(group["weight_decay"]), "nesterov": bool(group["nesterov"]),
                "maximize": bool(group["maximize"])}
