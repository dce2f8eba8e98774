"""Tensors that live in the native core across plan runs (Go-resident state).

A :class:`StateEntry` owns one entry of libflern's state store (capi/flern.h:
``flern_state_*``): a parameter, a gradient, an optimizer buffer, a learning
rate, a training batch. Plans read it through a ``state`` node and replace it
through ``state_write`` (golib/tensor/optim.go); nothing crosses to Python per
step. ``read()`` copies the values out on demand.

Versions: the graph is lazy, so a tensor recorded before an optimizer step
must not silently read the values written by that step. Each entry hands out
one ``state`` node per version (:attr:`StateEntry.node`); when the entry is
overwritten the old node is marked stale, and running a plan that still reads
a stale node raises a clear error (see ``_collect.check_stale``) instead of
computing with the new values.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import _native
from ._graph import Node

# state nodes whose entry has been overwritten since they were recorded
STALE: "weakref.WeakSet[Node]" = weakref.WeakSet()


class StateEntry:
    """One native store entry (released when garbage collected)."""

    __slots__ = ("key", "dtype", "shape", "node", "borrowed", "__weakref__")

    def __init__(self, value: np.ndarray, borrow: bool = False) -> None:
        """borrow: the entry reads the array's buffer in place (no copy; the entry keeps the
        array alive) -- for inputs that plans only read (fit's X and y); never written."""
        a = np.asarray(value, order="C")  # (ascontiguousarray would make 0-dim arrays 1-dim)
        self.key = 0
        self.borrowed = None
        key = _native.state_borrow(a) if borrow and a.size and a.dtype.name in (
            "float32", "float64", "int64", "bool") else None
        if key is not None:
            self.key, self.borrowed = key, a
        else:
            self.key = _native.state_new(a)
        self.dtype = a.dtype.name
        self.shape = tuple(int(s) for s in a.shape)
        self.node = self._new_node()

    def _new_node(self) -> Node:
        return Node("state", [], {"key": self.key, "dtype": self.dtype, "shape": list(self.shape)}, loc="")

    def bump(self) -> Node:
        """Mark the current version's node stale (the plan just run replaced the
        values) and return the node of the new version."""
        STALE.add(self.node)
        self.node = self._new_node()
        return self.node

    def write(self, value: np.ndarray) -> Node:
        """Replace the values (same dtype and shape) from Python; returns the new node."""
        if self.borrowed is not None:
            raise RuntimeError("flern: a borrowed state entry (an input read in place) cannot be written")
        a = np.asarray(value, dtype=self.dtype, order="C")
        if tuple(a.shape) != self.shape:
            raise ValueError(f"state entry of shape {self.shape} cannot take values of shape {tuple(a.shape)}")
        _native.state_write(self.key, a)
        return self.bump()

    def read(self) -> np.ndarray:
        """A numpy copy of the current values."""
        return _native.state_read(self.key)

    def write_node(self, value: Node) -> Node:
        """A ``state_write`` node storing ``value`` into this entry when a plan runs."""
        return Node("state_write", [value], {"key": self.key}, loc=value.loc)

    def __del__(self) -> None:
        if getattr(self, "key", 0):
            _native.state_release(self.key)


def zeros_like(a: Any, dtype: Any = None) -> StateEntry:
    return StateEntry(np.zeros(np.shape(a), dtype=dtype or np.asarray(a).dtype))


def scalar(value: Any, dtype: str) -> StateEntry:
    return StateEntry(np.asarray(value, dtype=dtype))
