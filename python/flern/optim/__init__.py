"""``torch.optim`` for flern (v0 slice): SGD and Adam.

v0 drop-in path: ``step()`` materializes. It evaluates every parameter's
``.grad`` in ONE native run (one compiled plan for all grads), applies the
update in numpy with PyTorch's exact formulas (below), and swaps the new
values into each Parameter (same object; a fresh in-memory source node).
Optimizer state (momentum buffers, Adam moments) is numpy, per parameter.
Next step: keep parameters and optimizer state Go-resident and cache the
compiled forward/backward/update plan across steps, so a step does not
re-encode and re-compile the graph.

SGD (torch.optim.SGD, maximize=False), per parameter p with gradient g::

    g = g + weight_decay * p                       (if weight_decay != 0)
    if momentum != 0:
        buf = g                                    (first step)
        buf = momentum * buf + (1 - dampening) * g (later steps)
        g = g + momentum * buf if nesterov else buf
    p = p - lr * g

Adam (torch.optim.Adam, amsgrad=False; L2 weight decay, not AdamW), step t = 1, 2, ...::

    g = g + weight_decay * p                       (if weight_decay != 0)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .. import _collect
from ..tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Base class: ``param_groups`` (list of dicts with "params" and the
    hyper-parameters), ``state`` (parameter -> dict), ``zero_grad``, ``step``."""

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        group = dict(group)
        ps = group["params"]
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
        for p in group["params"]:
            if not isinstance(p, Tensor) or not hasattr(p, "_set_data"):
                from ..errors import not_implemented
                raise not_implemented("optimizing a tensor that is not an nn.Parameter")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        from ..nn.modules import _zero_grad
        for g in self.param_groups:
            for p in g["params"]:
                _zero_grad(p, set_to_none)

    def _grads(self) -> list[tuple[dict, Any, np.ndarray]]:
        """(group, param, grad as numpy) for every param with a grad; one native run."""
        items, nodes = [], []
        for g in self.param_groups:
            for p in g["params"]:
                gr = p.grad
                if gr is None:
                    continue
                items.append((g, p, gr))
                if gr._value is None:
                    nodes.append(gr._node)
        if nodes:
            tables = _collect.collect(nodes)
            it = iter(tables)
            for _, _, gr in items:
                if gr._value is None:
                    gr._value = _collect.tensor_to_numpy(next(it))
        return [(g, p, gr._value) for g, p, gr in items]

    def step(self, closure: Any = None):
        loss = None
        if closure is not None:
            from ..tensor import enable_grad
            with enable_grad():
                loss = closure()
        for group, p, grad in self._grads():
            st = self.state.setdefault(p, {})
            new = self._update(group, st, p._value, np.asarray(grad, dtype=p._value.dtype))
            p._set_data(new)
        return loss

    def _update(self, group: dict, state: dict, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def state_dict(self) -> dict:
        index = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({k: v for k, v in g.items() if k != "params"} | {"params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}


class SGD(Optimizer):
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

    def _update(self, group, state, p, g):
        if group["maximize"]:
            g = -g
        wd, mom = group["weight_decay"], group["momentum"]
        if wd != 0:
            g = g + wd * p
        if mom != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.copy()
            else:
                buf = mom * buf + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + mom * buf if group["nesterov"] else buf
        return p - group["lr"] * g


class Adam(Optimizer):
    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameters: {betas}")
        if amsgrad:
            from ..errors import not_implemented
            raise not_implemented("optim.Adam(amsgrad=True)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, group, state, p, g):
        if group["maximize"]:
            g = -g
        b1, b2 = group["betas"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        m = b1 * state["exp_avg"] + (1 - b1) * g
        v = b2 * state["exp_avg_sq"] + (1 - b2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        step_size = group["lr"] / (1 - b1 ** t)
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + group["eps"]
        return p - step_size * (m / denom)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ..errors import FlernNotImplementedError
    raise FlernNotImplementedError(f"torch.optim.{name} is not supported by flern (yet)", kind="NotImplemented")
