"""torch's module-level tensor functions over golib/tensor's indexing, join and reduction ops
(golib/tensor/index.go): gather, index_select, cat/stack, softmax/log_softmax, clamp, erf, var,
zeros_like/ones_like. They only record nodes, as tensor.py does, and are re-exported from there
(flern.tensor.cat is flern.tensor_ops.cat)."""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ._graph import Node
from .tensor import Tensor, _binary, _dims, _operand, ones, where, zeros


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``torch.gather``: ``out[i][j] = input[i][index[i][j]]`` (for dim=1)."""
    return Tensor._from_node(Node("gather", [input._node, _operand(index)[0]], {"dim": int(dim)}))


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``torch.index_select`` (a 1-D int64 index; negative indices are out of range, as torch)."""
    return Tensor._from_node(Node("index_select", [input._node, _operand(index)[0]], {"dim": int(dim)}))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """``torch.cat`` (dtypes promote as torch)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    return Tensor._from_node(Node("cat", [_operand(t)[0] for t in tensors], {"dim": int(dim)}))


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """``torch.stack``: unsqueeze each at dim, then cat."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        a, b = tensors[0].shape, next(t.shape for t in tensors if tuple(t.shape) != tuple(tensors[0].shape))
        i = next(i for i, t in enumerate(tensors) if tuple(t.shape) != tuple(a))
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(a)} at entry 0 and "
                           f"{list(b)} at entry {i}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def _softmax_dim(x: Tensor, dim: Any) -> int:
    if dim is None:
        warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=3)
        return 0 if x.dim() in (0, 1, 3) else 1
    return int(dim)


def softmax(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    """``torch.softmax``: ``exp(x - max) / sum(exp(x - max))`` along dim (one native op)."""
    d = _softmax_dim(input, dim)
    x = input if dtype is None else input.to(dtype)
    return Tensor._from_node(Node("softmax", [x._node], {"dim": d}))


def log_softmax(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    """``torch.log_softmax``: ``z - log(sum(exp(z)))`` with ``z = x - max`` along dim (one native op)."""
    d = _softmax_dim(input, dim)
    x = input if dtype is None else input.to(dtype)
    return Tensor._from_node(Node("log_softmax", [x._node], {"dim": d}))


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """``torch.clamp`` (``min(max(x, min), max)``; NaN stays NaN). As torch, the gradient
    flows to x where ``min < x < max`` strictly, and to tensor bounds where they apply."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    v = input.detach()
    if min is not None:
        v = where(_binary("lt", v, min), min, v)
    if max is not None:
        v = where(_binary("gt", v, max), max, v)
    out = input
    if max is not None:
        out = where(_binary("lt", input, max), out, v)
    if min is not None:
        out = where(_binary("gt", input, min), out, v)
    return out


clip = clamp


def erf(input: Tensor) -> Tensor:
    return input.erf()


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """``torch.var``: mean squared deviation times n / (n - correction) (correction 1 by default)."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = _dims(dim)
    mu = input.mean(dim=dims, keepdim=True)
    d = input - mu
    ss = (d * d).sum(dim=dims, keepdim=keepdim)
    shape = input.shape
    n = shape.numel() if dims is None else int(np.prod([shape[k] for k in dims], dtype=np.int64))
    return ss / float(max(n - correction, 0))


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
