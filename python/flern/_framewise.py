"""DataFrame-wide reductions and arithmetic (``df.mean()``, ``df - df.mean()``, ``df * 2``).

Only records nodes (like frame.py). A reduction is a one-row ``groupby_agg`` with no keys;
the Series pandas returns (labeled by column name) is that row through ``transpose_row``.
Arithmetic between a frame and such a Series aligns labels with columns, as pandas does;
flern supports the case where both have the same labels in the same order (the
normalization idiom ``(df - df.mean()) / df.std()``), and raises NotImplementedError for
anything else. The Series' expression (``std + 1e-8``, ``1 / std``) is moved onto the row,
the row is broadcast over the frame (``attach_row``), and each column is combined with its
value by the ordinary column arithmetic, so dtypes and null rules are the column rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._expr import Expr, call, col, is_scalar, lit
from ._graph import Node
from .errors import not_implemented

if TYPE_CHECKING:
    from .frame import DataFrame
    from .series import Series

_NUMERIC = {"int64", "int32", "float64", "float32", "bool"}
_VALUE = "__value__"
REDUCTIONS = ("sum", "mean", "min", "max", "std", "var", "count", "median")


def _fields(df: "DataFrame") -> list[dict]:
    return df._schema()["fields"]


def reduce(df: "DataFrame", fn: str, *, axis: Any = 0, skipna: bool = True, numeric_only: bool = False,
           ddof: int = 1) -> "Series":
    """``df.<fn>()`` over the rows: a Series indexed by column name."""
    from .series import Series
    if axis not in (0, "index", None):
        raise not_implemented(f"DataFrame.{fn}(axis={axis!r})")
    if skipna is not True:
        raise not_implemented(f"DataFrame.{fn}(skipna=False)")
    if not isinstance(ddof, int) or isinstance(ddof, bool):
        raise not_implemented(f"DataFrame.{fn}(ddof={ddof!r})")
    fields = _fields(df)
    if numeric_only:
        fields = [f for f in fields if f["type"] in _NUMERIC]
    elif fn != "count":
        bad = [f"{f['name']!r} ({f['type']})" for f in fields if f["type"] not in _NUMERIC]
        if bad:
            raise not_implemented(f"DataFrame.{fn} over non-numeric columns {', '.join(bad)}; "
                                  "select the numeric columns or pass numeric_only=True")
    for f in fields:
        if f["type"] == "bool" and f["nullable"] and fn != "count":
            raise not_implemented(f"DataFrame.{fn} of a bool column with missing values (pandas holds it as object)")
    names = [f["name"] for f in fields]
    aggs: list[dict] = []
    for c in names:
        if fn in ("std", "var") and ddof != 1:
            aggs.append({"name": c, "col": c, "fn": "var"})
            aggs.append({"name": "__n__" + c, "col": c, "fn": "count"})
        else:
            aggs.append({"name": c, "col": c, "fn": fn})
    tattrs: dict[str, Any] = {}
    if fn in ("min", "max") and any(f["type"] in ("int64", "int32", "bool") for f in fields):
        aggs.append({"name": "__size__", "col": "", "fn": "size"})
        tattrs = {"size_col": "__size__", "empty_error":
                  f"DataFrame.{fn} of an empty frame with int or bool columns is not supported by flern "
                  "(pandas returns float NaN, a dtype known only after running)"}
    row = Node("groupby_agg", [df._node], {"keys": [], "aggs": aggs})
    if fn in ("std", "var") and ddof != 1:
        exprs = []
        for c in names:
            n = call("cast", col("__n__" + c), dtype="float64")
            var1 = col(c)
            # var with ddof d from the ddof=1 variance: var1 * (n - 1) / (n - d); one value
            # has variance 0 when d == 0; n - d <= 0 gives NaN (pandas' nanvar).
            scaled = call("truediv", call("mul", var1, call("sub", n, lit(1.0))), call("sub", n, lit(float(ddof))))
            one = call("eq", n, lit(1.0), scalar=1)
            v = call("where", call("gt", n, lit(float(ddof)), scalar=1),
                     call("where", one, lit(0.0), scaled), lit(float("nan")))
            if fn == "std":
                v = call("pow", v, lit(0.5), scalar=1)
            exprs.append({"name": c, "expr": v.wire()})
        row = Node("project", [row], {"exprs": exprs})
    return Series(Node("transpose_row", [row], tattrs), col(_VALUE), None)


def _row_of(s: "Series") -> tuple[Node, list[str]] | None:
    """The one-row frame behind a reduction Series and its labels, or None."""
    node = s._frame
    if node.op != "transpose_row":
        return None
    from . import _collect
    size_col = node.attrs.get("size_col")
    labels = [f["name"] for f in _collect.schema(node.inputs[0])["fields"] if f["name"] != size_col]
    return node.inputs[0], labels


def _substitute(e: Expr, name: str, by: Expr) -> Expr:
    """``e`` with every reference to column ``name`` replaced by ``by``."""
    if e.k == "col":
        return by if e.name == name else e
    if e.k == "lit":
        return e
    return Expr("call", name=e.name, args=tuple(_substitute(a, name, by) for a in e.args), opts=e.opts)


def binop(df: "DataFrame", other: Any, fn: str, reverse: bool = False) -> "DataFrame":
    """``df <fn> other`` for a scalar or a reduction Series with df's labels."""
    from .frame import DataFrame
    from .series import Series
    names = [f["name"] for f in _fields(df)]
    if is_scalar(other) and other is not None and not isinstance(other, str):
        exprs = []
        for c in names:
            a, b = col(c), lit(other)
            if reverse:
                a, b = b, a
            exprs.append({"name": c, "expr": call(fn, a, b, scalar=0 if reverse else 1).wire()})
        return DataFrame._from_node(Node("project", [df._node], {"exprs": exprs}))
    if isinstance(other, Series):
        found = _row_of(other)
        if found is None:
            raise not_implemented(f"DataFrame {fn} a Series that is not a DataFrame reduction "
                                  "(pandas aligns its index with the columns)")
        row, labels = found
        if labels != names:
            raise not_implemented(f"DataFrame {fn} a Series whose labels {labels} differ from the columns "
                                  f"{names} (pandas would align them, making NaN columns)")
        from . import _collect
        vtype = _collect.schema(other._frame)["fields"][0]["type"]
        row_names = [f"__row_{i}__" for i in range(len(names))]
        # The Series' own expression, evaluated on the row: __value__ is column c cast to
        # the Series' dtype, as transpose_row would have made it.
        row_exprs = [{"name": rn, "expr": _substitute(other._expr, _VALUE, call("cast", col(c), dtype=vtype)).wire()}
                     for rn, c in zip(row_names, labels)]
        attach: dict[str, Any] = {"names": row_names}
        size_col = other._frame.attrs.get("size_col")
        if size_col:
            row_exprs.append({"name": size_col, "expr": col(size_col).wire()})
            attach.update(size_col=size_col, empty_error=other._frame.attrs["empty_error"])
        row = Node("project", [row], {"exprs": row_exprs})
        wide = Node("attach_row", [df._node, row], attach)
        exprs = []
        for c, rn in zip(names, row_names):
            a, b = col(c), col(rn)
            if reverse:
                a, b = b, a
            exprs.append({"name": c, "expr": call(fn, a, b).wire()})
        return DataFrame._from_node(Node("project", [wide], {"exprs": exprs}))
    if isinstance(other, DataFrame):
        raise not_implemented(f"DataFrame {fn} DataFrame (pandas aligns both axes)")
    raise not_implemented(f"DataFrame {fn} {type(other).__name__}")
