"""The frame -> tensor hand-off under the drop-ins.

``torch.tensor(df.values)``, ``torch.tensor(df.to_numpy())``,
``torch.from_numpy(df.to_numpy())`` and ``torch.as_tensor(...)`` (with
``import flern.pandas as pd; import flern.torch as torch``) record the same
``to_tensor`` edge as ``df.to_tensor()``, so the plan from the data source to
the model is one graph, instead of a tensor built from an anonymous copy.

How it stays exact: ``to_numpy()`` still runs the frame's plan and returns a
real ndarray with pandas' values (numpy code sees nothing different). The
array is remembered here, weakly, by identity, with the frame node it came
from. ``torch.tensor(a)`` records the edge only when ``a`` is that very array
and it cannot have changed since:

- arrays pandas 3 hands out read-only (every column of one dtype, and every
  Series) are returned over a read-only buffer, so numpy refuses to make them
  writeable again: identity is enough;
- writable arrays (mixed column dtypes, as pandas) are fingerprinted (crc32)
  when they are small enough (``_FINGERPRINT_MAX_BYTES``); the hand-off checks
  the fingerprint again, and a mutated array is copied as any other ndarray.
  Large writable arrays are never handed off as edges.

The edge's dtype is the array's (torch keeps a numpy array's dtype), so the
tensor has exactly torch's dtype; a ``dtype=`` argument adds a cast on top, as
torch converts the array. Columns that numpy and ``to_tensor`` would convert
differently (int64 magnitudes above 2**53 converted to float32, floats
converted to int64) are not handed off.

The array's values are known (the frame ran for ``to_numpy``), so the tensor
carries them: reading it does not run the frame again, and a plan that uses
the tensor reads them as a ``source_tensor`` instead of re-running the ETL on
every training step (``_graph.KNOWN``). ``explain()`` shows the recorded edge.
The same holds for ``df.to_tensor()`` once its value was read, and for the X and
y that ``flern.fit`` receives as lazy tensors: :func:`materialize` runs them in
one plan (their shared ETL once) and remembers the values.
"""

from __future__ import annotations

import weakref
import zlib
from typing import Any

import numpy as np

from ._graph import KNOWN, Node

_FINGERPRINT_MAX_BYTES = 8 << 20
_TENSOR_DTYPES = ("float32", "float64", "int64", "bool")


class _Entry:
    __slots__ = ("ref", "frame", "ndim", "crc")

    def __init__(self, ref: "weakref.ref", frame: Node, ndim: int, crc: int | None) -> None:
        self.ref, self.frame, self.ndim, self.crc = ref, frame, ndim, crc


_ENTRIES: dict[int, _Entry] = {}


def _drop(key: int):
    def cb(_ref: Any) -> None:
        e = _ENTRIES.get(key)
        if e is not None and e.ref() is None:
            del _ENTRIES[key]
    return cb


def freeze(a: np.ndarray) -> np.ndarray:
    """The same array over a read-only buffer: numpy refuses to make it writeable again."""
    return np.asarray(memoryview(a).toreadonly())


def _convertible(table: Any, first: int, target: np.dtype) -> bool:
    """Does to_tensor convert every data column of ``table`` (from column
    ``first`` on) to target exactly as numpy's assignment did?"""
    import pyarrow as pa
    import pyarrow.compute as pc
    for i in range(first, table.num_columns):
        c = table.column(i)
        ty = c.type
        if target.kind in "iu" and not (pa.types.is_integer(ty) or pa.types.is_boolean(ty)):
            return False  # float -> int: NaN/inf/out-of-range casts differ
        if target == np.float32 and pa.types.is_integer(ty) and len(c):
            mm = pc.min_max(c).as_py()
            if max(abs(mm["min"] or 0), abs(mm["max"] or 0)) > 2 ** 53:
                return False  # int -> float64 -> float32 would round twice
    return True


def handout(a: np.ndarray, frame: Node, table: Any, ndim: int) -> np.ndarray:
    """The array ``to_numpy`` returns for ``frame`` (computed as ``table``, built
    into ``a`` from its Arrow columns), remembered for the hand-off.

    Read-only, as pandas 3 gives it, when every data column has one dtype (and
    for a Series, ndim 1); writable otherwise.
    """
    from ._collect import index_names
    names = index_names(table)
    first = 0 if names is None else len(names)
    types = {table.schema.field(i).type for i in range(first, table.num_columns)}
    if ndim == 1 or len(types) == 1:
        a = freeze(a)
    register(a, frame, ndim, _convertible(table, first, a.dtype))
    return a


def register(a: np.ndarray, frame: Node, ndim: int, convertible: bool = True) -> None:
    """Remember that ``a`` holds the values of ``frame`` (ndim 1: a Series' array,
    the frame's one column)."""
    if a.dtype.name not in _TENSOR_DTYPES or not convertible:
        return
    crc = None
    if a.flags.writeable:
        if a.nbytes > _FINGERPRINT_MAX_BYTES:
            return
        crc = _crc(a)
    key = id(a)
    _ENTRIES[key] = _Entry(weakref.ref(a, _drop(key)), frame, ndim, crc)


def _crc(a: np.ndarray) -> int:
    return zlib.crc32(np.ravel(a, order="K"))  # a view for C- or F-contiguous arrays


def lookup(a: Any) -> _Entry | None:
    """The entry of an array handed out by to_numpy and unchanged since, else None."""
    if not isinstance(a, np.ndarray):
        return None
    e = _ENTRIES.get(id(a))
    if e is None or e.ref() is not a:
        return None
    if e.crc is not None and _crc(a) != e.crc:
        return None
    if e.crc is None and a.flags.writeable:
        return None
    return e


def tensor_node(a: np.ndarray) -> Node | None:
    """The to_tensor edge (plus a reshape for a Series) for an array handed out by
    to_numpy, with its values attached, or None when ``a`` is not one."""
    e = lookup(a)
    if e is None:
        return None
    node = Node("to_tensor", [e.frame], {"dtype": a.dtype.name})
    if e.ndim == 1:
        node = Node("reshape", [node], {"shape": [-1]})
    if a.flags.writeable:  # the tensor must not see later writes to the array
        value = freeze(np.array(a, order="C", copy=True))
    else:
        value = a if a.flags.c_contiguous else freeze(np.ascontiguousarray(a))
    KNOWN[node] = value
    return node


def materialize(*values: Any) -> None:
    """Run the lazy flern tensors among ``values`` that have no value yet in ONE
    plan (their common ETL runs once: ``flern.fit(model, ..., X, y)`` with X and y
    from the same frame), and remember each value, so plans that read the tensor
    later (prediction after training) use it instead of re-running the ETL."""
    from . import _collect
    from .tensor import Tensor
    todo = [v for v in values if isinstance(v, Tensor) and v._value is None and v._node.op != "source_tensor"]
    if not todo:
        return
    nodes = list({id(t._node): t._node for t in todo}.values())
    tables = _collect.collect(nodes)
    got = {id(n): _collect.tensor_to_numpy(t) for n, t in zip(nodes, tables)}
    from ._graph import topo_order
    for t in todo:
        t._value = got[id(t._node)]
        if not any(n.op in ("state", "state_write") for n in topo_order([t._node])):
            KNOWN[t._node] = t._value  # data, not parameters: later plans may read the value
