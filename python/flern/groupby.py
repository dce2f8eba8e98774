"""groupby(): DataFrameGroupBy and SeriesGroupBy, recorded as groupby_agg nodes."""

from __future__ import annotations

from typing import Any

from ._expr import col
from ._graph import Node
from .errors import FlernTypeError, FlernValueError, not_implemented
from .frame import DataFrame
from .series import Series

_FUNCS = ("sum", "mean", "count", "min", "max", "std", "var", "nunique", "first", "last", "median")


def _callables() -> dict:
    """Functions pandas 3 applies to each group with the result of the named
    aggregation. Others differ: np.std/np.var use ddof=0, np.median and the
    builtin sum propagate NaN, and so on."""
    import numpy as np
    table = {np.sum: "sum", np.nansum: "sum", np.mean: "mean", np.nanmean: "mean", np.min: "min",
             np.max: "max", np.amin: "min", np.amax: "max", len: "size", np.size: "size"}
    return table


def _fn_name(f: Any) -> str:
    if isinstance(f, str):
        if f == "size" or f in _FUNCS:
            return f
    else:
        try:
            name = _callables().get(f)
        except TypeError:  # unhashable
            name = None
        if name is not None:
            return name
    raise not_implemented(f"groupby aggregation {f!r}")


def _named_spec(out: str, spec: Any) -> tuple[Any, Any]:
    """(column, func) of a named aggregation: a pair or a pandas NamedAgg."""
    if hasattr(spec, "column") and hasattr(spec, "aggfunc"):  # pd.NamedAgg (pandas 3 adds args/kwargs)
        if getattr(spec, "args", ()) or getattr(spec, "kwargs", {}):
            raise not_implemented("NamedAgg with args/kwargs")
        return spec.column, spec.aggfunc
    if isinstance(spec, tuple) and len(spec) == 2:
        return spec[0], spec[1]
    raise FlernTypeError(f"Must provide 'func' or named aggregation **kwargs. ({out}={spec!r})", kind="Type")


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
                c, f = _named_spec(out, spec)
                aggs.append({"name": out, "col": c, "fn": _fn_name(f)})
        elif isinstance(arg, dict):
            if not arg:
                raise not_implemented("agg({}) (pandas returns a frame without columns)")
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

    def _all(self, fn: str, numeric_only: bool = False) -> DataFrame:
        cols = self._value_columns()
        if numeric_only:
            types = {f["name"]: f["type"] for f in self._df._schema()["fields"]}
            cols = [c for c in cols if types.get(c) in _NUMERIC]
        if not cols:
            raise not_implemented(f"groupby {fn}() without value columns (pandas returns a frame without columns)")
        return DataFrame._from_node(self._node([{"name": c, "col": c, "fn": fn} for c in cols]))

    def sum(self, numeric_only: bool = False, min_count: int = 0) -> DataFrame:
        _check_min_count(min_count)
        return self._all("sum", numeric_only)

    def mean(self, numeric_only: bool = False) -> DataFrame: return self._all("mean", numeric_only)
    def count(self) -> DataFrame: return self._all("count")

    def min(self, numeric_only: bool = False, min_count: int = -1) -> DataFrame:
        _check_min_count(min_count, -1)
        return self._all("min", numeric_only)

    def max(self, numeric_only: bool = False, min_count: int = -1) -> DataFrame:
        _check_min_count(min_count, -1)
        return self._all("max", numeric_only)

    def std(self, ddof: int = 1, numeric_only: bool = False) -> DataFrame:
        _check_ddof(ddof)
        return self._all("std", numeric_only)

    def var(self, ddof: int = 1, numeric_only: bool = False) -> DataFrame:
        _check_ddof(ddof)
        return self._all("var", numeric_only)

    def median(self, numeric_only: bool = False) -> DataFrame: return self._all("median", numeric_only)

    def nunique(self, dropna: bool = True) -> DataFrame:
        _check_dropna(dropna)
        return self._all("nunique")

    def first(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True) -> DataFrame:
        _check_min_count(min_count, -1)
        _check_skipna(skipna)
        return self._all("first", numeric_only)

    def last(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True) -> DataFrame:
        _check_min_count(min_count, -1)
        _check_skipna(skipna)
        return self._all("last", numeric_only)

    def size(self):
        """Rows per group: a Series (or a DataFrame with column 'size' when as_index=False)."""
        node = self._node([{"name": "size", "col": "", "fn": "size"}])
        if self._as_index:
            return Series(node, col("size"), None)
        return DataFrame._from_node(node)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            names = self._df._column_names()
        except Exception:
            names = []
        if name in names:  # gb.col, as pandas allows
            return self[name]
        _raise_unsupported("DataFrameGroupBy", name)

    def __iter__(self):
        raise not_implemented("iterating over groups")


class SeriesGroupBy:
    """Result of df.groupby(keys)[column]."""

    def __init__(self, gb: DataFrameGroupBy, column: str) -> None:
        self._gb, self._col = gb, column

    def _one(self, fn: str, out: str | None = None):
        name = self._col if out is None else out
        node = self._gb._node([{"name": name, "col": self._col, "fn": fn}])
        if self._gb._as_index:
            return Series(node, col(name), self._col)
        return DataFrame._from_node(node)

    def sum(self, numeric_only: bool = False, min_count: int = 0):
        _check_min_count(min_count)
        return self._one("sum")

    def mean(self, numeric_only: bool = False): return self._one("mean")
    def count(self): return self._one("count")

    def min(self, numeric_only: bool = False, min_count: int = -1):
        _check_min_count(min_count, -1)
        return self._one("min")

    def max(self, numeric_only: bool = False, min_count: int = -1):
        _check_min_count(min_count, -1)
        return self._one("max")

    def std(self, ddof: int = 1, numeric_only: bool = False):
        _check_ddof(ddof)
        return self._one("std")

    def var(self, ddof: int = 1, numeric_only: bool = False):
        _check_ddof(ddof)
        return self._one("var")

    def median(self, numeric_only: bool = False): return self._one("median")

    def nunique(self, dropna: bool = True):
        _check_dropna(dropna)
        return self._one("nunique")

    def first(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True):
        _check_min_count(min_count, -1)
        _check_skipna(skipna)
        return self._one("first")

    def last(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True):
        _check_min_count(min_count, -1)
        _check_skipna(skipna)
        return self._one("last")

    def size(self):
        """Rows per group: a Series named after the column (a DataFrame with
        column 'size' when as_index=False), as pandas."""
        node = self._gb._node([{"name": "size", "col": "", "fn": "size"}])
        if self._gb._as_index:
            return Series(node, col("size"), self._col)
        return DataFrame._from_node(node)

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
        _raise_unsupported("SeriesGroupBy", name)

    def __iter__(self):
        raise not_implemented("iterating over groups")


def _raise_unsupported(cls: str, name: str) -> None:
    """NotImplementedError for a pandas attribute flern lacks, AttributeError otherwise."""
    try:
        from pandas.core.groupby import generic
        known = hasattr(getattr(generic, cls), name)
    except ImportError:
        known = True
    if known:
        from .errors import unsupported_attribute
        raise unsupported_attribute(f"{cls}.{name}")
    raise AttributeError(f"'{cls}' object has no attribute {name!r}")


_NUMERIC = ("int64", "int32", "float64", "float32", "bool")


def _check_ddof(ddof: Any) -> None:
    if ddof != 1:
        raise not_implemented("groupby std/var with ddof != 1")


def _check_min_count(min_count: Any, default: int = 0) -> None:
    if min_count != default:
        raise not_implemented("groupby aggregation with min_count")


def _check_skipna(skipna: Any) -> None:
    if not skipna:
        raise not_implemented("groupby first/last(skipna=False)")


def _check_dropna(dropna: Any) -> None:
    if not dropna:
        raise not_implemented("groupby nunique(dropna=False)")
