"""Row-wise expressions carried by frame ops (filter predicates, projections).

An :class:`Expr` is a small immutable tree; ``wire()`` gives the JSON form of
the plan format (see _graph.py). Literal values travel as strings so int64
and NaN survive JSON exactly.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np

from .errors import FlernTypeError, not_implemented

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Expr:
    """A column reference, literal, or function call."""

    __slots__ = ("k", "name", "args", "t", "v", "opts")

    def __init__(self, k: str, name: str = "", args: tuple = (), t: str = "", v: str = "",
                 opts: dict | None = None) -> None:
        self.k, self.name, self.args, self.t, self.v, self.opts = k, name, args, t, v, opts

    def wire(self) -> dict:
        if self.k == "col":
            return {"k": "col", "name": self.name}
        if self.k == "lit":
            return {"k": "lit", "t": self.t, "v": self.v}
        d: dict[str, Any] = {"k": "call", "fn": self.name, "args": [a.wire() for a in self.args]}
        if self.opts:
            d["opts"] = self.opts
        return d

    def columns(self, out: set | None = None) -> set:
        """Names of the columns this expression reads."""
        out = set() if out is None else out
        if self.k == "col":
            out.add(self.name)
        for a in self.args:
            a.columns(out)
        return out

    def __repr__(self) -> str:
        if self.k == "col":
            return f"col({self.name!r})"
        if self.k == "lit":
            return f"lit({self.v}:{self.t})"
        return f"{self.name}({', '.join(map(repr, self.args))})"


def col(name: str) -> Expr:
    return Expr("col", name=name)


def call(fn: str, *args: Expr, **opts: Any) -> Expr:
    return Expr("call", name=fn, args=args, opts=opts or None)


def lit(value: Any) -> Expr:
    """A literal from a Python/numpy scalar, typed as pandas would type it."""
    if value is None:
        return Expr("lit", t="null")
    if isinstance(value, (bool, np.bool_)):
        return Expr("lit", t="bool", v="true" if value else "false")
    if isinstance(value, (int, np.integer)):
        iv = int(value)
        if not INT64_MIN <= iv <= INT64_MAX:
            raise not_implemented(f"integer literal {iv} outside int64")
        if isinstance(value, np.int32):
            return Expr("lit", t="int32", v=str(iv))
        return Expr("lit", t="int64", v=str(iv))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            s = "nan"
        elif math.isinf(f):
            s = "inf" if f > 0 else "-inf"
        else:
            s = repr(f)
        return Expr("lit", t="float32" if isinstance(value, np.float32) else "float64", v=s)
    if isinstance(value, str):
        return Expr("lit", t="str", v=value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise not_implemented("NaT as an operand (use isna/notna)")
        unit = np.datetime_data(value.dtype)[0]
        if unit == "ns":
            return Expr("lit", t="datetime64[ns]", v=str(value.astype("int64")))
        return Expr("lit", t="datetime64[us]", v=str(value.astype("datetime64[us]").astype("int64")))
    if isinstance(value, _dt.datetime):
        if value != value:  # pd.NaT
            raise not_implemented("NaT as an operand (use isna/notna)")
        if value.tzinfo is not None:
            raise not_implemented("timezone-aware datetime literals")
        if getattr(value, "nanosecond", 0):  # a pandas Timestamp with nanoseconds
            return Expr("lit", t="datetime64[ns]", v=str(value.value))
        us = (value - _dt.datetime(1970, 1, 1)) // _dt.timedelta(microseconds=1)
        return Expr("lit", t="datetime64[us]", v=str(us))
    if isinstance(value, _dt.date):
        us = (value - _dt.date(1970, 1, 1)) // _dt.timedelta(microseconds=1)
        return Expr("lit", t="datetime64[us]", v=str(us))
    raise FlernTypeError(f"unsupported literal of type {type(value).__name__}: {value!r}", kind="Type")


def is_scalar(value: Any) -> bool:
    """True for values :func:`lit` accepts."""
    return value is None or isinstance(
        value, (bool, int, float, str, np.bool_, np.integer, np.floating, np.datetime64, _dt.date))
