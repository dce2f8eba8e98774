"""``Tensor.__getitem__``: torch/numpy indexing recorded as golib/tensor's
indexing ops.

Supported keys (any mix, in a tuple): ints (``tensor_select``), slices with
positive steps (``tensor_slice``), ``None`` (unsqueeze), ``...``, one integer
index tensor / list / numpy array (``index_select`` along that dim, then a
reshape to the index's shape), and a bool mask tensor over the leading dims
(``mask_select``; the row count is known only at run time). Several index
tensors, or an index tensor with ints separated from it by slices (where numpy
moves the indexed dims to the front), raise NotImplementedError.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._graph import Node


def _is_index_array(k: Any) -> bool:
    from .tensor import Tensor
    return isinstance(k, (Tensor, np.ndarray, list))


def _as_index_tensor(k: Any):
    from .tensor import Tensor, tensor
    if isinstance(k, Tensor):
        return k
    a = np.asarray(k)
    if a.dtype.kind not in "iub":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return tensor(a.astype(np.bool_ if a.dtype.kind == "b" else np.int64))


def _slice_source(x: Any, items: list) -> Any:
    """Basic indexing (ints, slices, None) of a tensor over known data (a source_tensor
    without requires_grad): the numpy view, as a new source tensor. A training loop's
    ``X[i:i + bs]`` then records the same plan every step (a source of the batch's shape)
    instead of a slice whose bounds change the plan, so the step is compiled once. None when
    the indexing stays in the graph (other tensors, bool data, an int out of range: the
    recorded op raises torch's error)."""
    from .tensor import _source_value, from_numpy
    if x._node.op != "source_tensor" or x.requires_grad:
        return None
    a = _source_value(x._node)
    if a is None:
        return None
    d = 0
    for k in items:
        if isinstance(k, numbers.Integral):
            if not -a.shape[d] <= int(k) < a.shape[d]:
                return None
            d += 1
        elif isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                return None  # torch: "step must be greater than zero"
            d += 1
    return from_numpy(np.asarray(a[tuple(int(k) if isinstance(k, numbers.Integral) else k for k in items)]))


def getitem(x: Any, key: Any):
    """x[key] (see the module docstring)."""
    from .errors import not_implemented
    from .tensor import Tensor, bool_, int64

    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if isinstance(k, (bool, np.bool_)):
            raise not_implemented("indexing a tensor with a Python bool")
        if _is_index_array(k):
            k = _as_index_tensor(k)
            if k.dtype not in (int64, bool_):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif not (k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral))):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                             f"are valid indices (got {type(k).__name__})")
        items.append(k)
    if sum(1 for k in items if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")

    def consumed(k: Any) -> int:
        if k is None or k is Ellipsis:
            return 0
        if isinstance(k, Tensor) and k.dtype is bool_:
            return k.dim()
        return 1

    ndim = x.dim()
    used = sum(consumed(k) for k in items)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if Ellipsis in [k for k in items if not isinstance(k, Tensor)]:
        at = next(i for i, k in enumerate(items) if k is Ellipsis and not isinstance(k, Tensor))
        items = items[:at] + [slice(None)] * (ndim - used) + items[at + 1:]

    tensors = [i for i, k in enumerate(items) if isinstance(k, Tensor)]
    if not tensors:
        sliced = _slice_source(x, items)
        if sliced is not None:
            return sliced
    if len(tensors) > 1:
        raise not_implemented("indexing with more than one index tensor")
    if tensors:
        adv = [i for i, k in enumerate(items) if isinstance(k, Tensor) or isinstance(k, numbers.Integral)]
        if adv != list(range(adv[0], adv[-1] + 1)):
            raise not_implemented("indexing with an index tensor and ints separated by slices")

    out, d = x, 0
    for k in items:
        if k is None:
            out = Tensor._from_node(Node("unsqueeze", [out._node], {"dim": d}))
            d += 1
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            if not (k.start is None and k.stop is None and step == 1):
                out = Tensor._from_node(Node("tensor_slice", [out._node], {
                    "dim": d, "start": None if k.start is None else int(k.start),
                    "end": None if k.stop is None else int(k.stop), "step": step}))
            d += 1
        elif isinstance(k, numbers.Integral):
            out = Tensor._from_node(Node("tensor_select", [out._node], {"dim": d, "index": int(k)}))
        elif k.dtype is bool_:
            if d != 0:
                raise not_implemented("a boolean mask index after other indices")
            out = Tensor._from_node(Node("mask_select", [out._node, k._node]))
            d += 1
        else:
            ishape = tuple(k.shape)
            flat = k if len(ishape) == 1 else k.reshape(-1)
            out = Tensor._from_node(Node("index_select", [out._node, flat._node], {"dim": d, "wrap": True}))
            if len(ishape) != 1:
                oshape = list(out.shape)
                out = out.reshape(oshape[:d] + list(ishape) + oshape[d + 1:])
            d += len(ishape)
    return out
