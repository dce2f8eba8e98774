"""groupby(): DataFrameGroupBy and SeriesGroupBy, recorded as groupby_agg nodes."""

from __future__ import annotations

from typing import Any

from ._expr import col
from ._graph import Node
from .errors import FlernValueError, not_implemented
from .frame import DataFrame
from .series import Series

_FUNCS = ("sum", "mean", "count", "min", "max", "std", "var", "nunique", "first", "last", "median")


def _fn_name(f: Any) -> str:
    if isinstance(f, str):
        name = f
    else:
        name = getattr(f, "__name__", repr(f))
        name = {"amin": "min", "amax": "max", "nanmean": "mean", "nansum": "sum"}.get(name, name)
    if name == "size" or name in _FUNCS:
        return name
    raise not_implemented(f"groupby aggregation {f!r}")


class DataFrameGroupBy:
    """Result of DataFrame.groupby(keys)."""

    def __init__(self, df: DataFrame, keys: list[str], as_index: bool, sort: bool, dropna: bool,
                 selection: list[str] | None = None) -> None:
        self._df, self._keys, self._as_index, self._sort, self._dropna = df, keys, as_index, sort, dropna
        self._selection = selection

    def _node(self, aggs: list[dict]) -> Node:
        return Node("groupby_agg", [self._df._node], {"keys": self._keys, "aggs": aggs, "as_index": self._as_index,
                                                       "sort": self._sort, "dropna": self._dropna})

    def _value_columns(self) -> list[str]:
        if self._selection is not None:
            return self._selection
        return [c for c in self._df._column_names() if c not in self._keys]

    def __getitem__(self, key: Any):
        if isinstance(key, str):
            return SeriesGroupBy(self, key)
        if isinstance(key, (list, tuple)):
            return DataFrameGroupBy(self._df, self._keys, self._as_index, self._sort, self._dropna, list(key))
        raise not_implemented(f"groupby()[{type(key).__name__}]")

    def agg(self, arg: Any = None, **named: Any) -> DataFrame:
        """Aggregate: a function name for every column, a {column: func} dict,
        or named aggregations ``out=(column, func)``."""
        aggs: list[dict] = []
        if named:
            if arg is not None:
                raise not_implemented("agg with both a spec and named aggregations")
            for out, spec in named.items():
                if not (isinstance(spec, tuple) and len(spec) == 2):
                    raise FlernValueError(f"named aggregation {out!r} must be (column, func)", kind="Value")
                aggs.append({"name": out, "col": spec[0], "fn": _fn_name(spec[1])})
        elif isinstance(arg, dict):
            for c, f in arg.items():
                if isinstance(f, (list, tuple)):
                    raise not_implemented("agg with a list of functions per column (MultiIndex columns)")
                aggs.append({"name": c, "col": c, "fn": _fn_name(f)})
        elif isinstance(arg, (list, tuple)):
            raise not_implemented("DataFrameGroupBy.agg with a list of functions (MultiIndex columns)")
        elif arg is not None:
            fn = _fn_name(arg)
            if fn == "size":
                return self.size()
            aggs = [{"name": c, "col": c, "fn": fn} for c in self._value_columns()]
        else:
            raise FlernValueError("agg needs a function, a dict, or named aggregations", kind="Value")
        return DataFrame._from_node(self._node(aggs))

    aggregate = agg

    def _all(self, fn: str) -> DataFrame:
        return DataFrame._from_node(self._node([{"name": c, "col": c, "fn": fn} for c in self._value_columns()]))

    def sum(self) -> DataFrame: return self._all("sum")
    def mean(self) -> DataFrame: return self._all("mean")
    def count(self) -> DataFrame: return self._all("count")
    def min(self) -> DataFrame: return self._all("min")
    def max(self) -> DataFrame: return self._all("max")
    def std(self) -> DataFrame: return self._all("std")
    def var(self) -> DataFrame: return self._all("var")
    def median(self) -> DataFrame: return self._all("median")
    def nunique(self) -> DataFrame: return self._all("nunique")
    def first(self) -> DataFrame: return self._all("first")
    def last(self) -> DataFrame: return self._all("last")

    def size(self):
        """Rows per group: a Series (or a DataFrame with column 'size' when as_index=False)."""
        node = self._node([{"name": "size", "col": "", "fn": "size"}])
        if self._as_index:
            return Series(node, col("size"), None)
        return DataFrame._from_node(node)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_implemented(f"DataFrameGroupBy.{name}")


class SeriesGroupBy:
    """Result of df.groupby(keys)[column]."""

    def __init__(self, gb: DataFrameGroupBy, column: str) -> None:
        self._gb, self._col = gb, column

    def _one(self, fn: str):
        node = self._gb._node([{"name": self._col, "col": self._col, "fn": fn}])
        if self._gb._as_index:
            return Series(node, col(self._col), self._col)
        return DataFrame._from_node(node)

    def sum(self): return self._one("sum")
    def mean(self): return self._one("mean")
    def count(self): return self._one("count")
    def min(self): return self._one("min")
    def max(self): return self._one("max")
    def std(self): return self._one("std")
    def var(self): return self._one("var")
    def median(self): return self._one("median")
    def nunique(self): return self._one("nunique")
    def first(self): return self._one("first")
    def last(self): return self._one("last")

    def size(self):
        return self._gb.size()

    def agg(self, arg: Any = None, **named: Any):
        """One function name (a Series), a list of names, or named aggregations (a DataFrame)."""
        if named:
            aggs = [{"name": out, "col": self._col, "fn": _fn_name(f)} for out, f in named.items()]
            return DataFrame._from_node(self._gb._node(aggs))
        if isinstance(arg, (list, tuple)):
            aggs = [{"name": _fn_name(f), "col": self._col, "fn": _fn_name(f)} for f in arg]
            return DataFrame._from_node(self._gb._node(aggs))
        fn = _fn_name(arg)
        if fn == "size":
            return self.size()
        return self._one(fn)

    aggregate = agg

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_implemented(f"SeriesGroupBy.{name}")
