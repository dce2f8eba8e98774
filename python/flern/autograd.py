"""``torch.autograd``: the functional form of reverse-mode gradients.

Like ``Tensor.backward()``, :func:`grad` only records: each result is a lazy
tensor backed by one ``grad`` node (loss, input); the Go core
(golib/autodiff) expands it into the backward graph at compile time, so
``explain()`` shows the gradient graph and the optimizer works on it.
"""

from __future__ import annotations

from typing import Any, Sequence

from ._graph import Node
from .tensor import (Tensor, _grad_leaves, _no_grad_fn_error, _seeded, enable_grad, is_grad_enabled, no_grad,
                     set_grad_enabled)

__all__ = ["grad", "backward", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled"]


def _as_list(x: Any) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: Any = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``sum(outputs)`` (each weighted by its grad_output)
    w.r.t. each of ``inputs``, as a tuple of lazy tensors. ``.grad`` is not touched."""
    if create_graph or is_grads_batched:
        from .errors import not_implemented
        raise not_implemented("autograd.grad(create_graph=True / is_grads_batched=True)")
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    gos = [None] * len(outs) if grad_outputs is None else _as_list(grad_outputs)
    if len(gos) != len(outs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(gos)} grad_outputs and {len(outs)} outputs")
    losses = []
    for o, go in zip(outs, gos):
        if not o.requires_grad:
            raise _no_grad_fn_error()
        losses.append(_seeded(o, go))
    loss = losses[0]
    for other in losses[1:]:
        loss = Node("add", [loss, other])
    reach = set()
    for o in outs:
        reach.update(id(n) for n in _grad_leaves(o._node))
    result = []
    for x in ins:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        if not x.is_leaf:
            from .errors import not_implemented
            raise not_implemented("autograd.grad with respect to a non-leaf tensor")
        if id(x._node) not in reach:
            if materialize_grads:
                from .tensor import zeros
                result.append(zeros(*x.shape, dtype=x.dtype))
                continue
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            result.append(None)
            continue
        result.append(Tensor._from_node(Node("grad", [loss, x._node]), track=False))
    return tuple(result)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: Any = None, create_graph: bool = False,
             inputs: Any = None) -> None:
    """``torch.autograd.backward``: ``t.backward(g)`` for each tensor."""
    ts = _as_list(tensors)
    gs = [None] * len(ts) if grad_tensors is None else _as_list(grad_tensors)
    for t, g in zip(ts, gs):
        t.backward(g, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
