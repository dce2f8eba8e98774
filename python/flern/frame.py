"""DataFrame: a pandas-style table whose every operation is recorded lazily.

Methods only record :class:`~flern._graph.Node` objects; results are computed
by the native core when needed (``to_pandas``, ``to_arrow``, ``len``, repr,
the Arrow PyCapsule stream).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from . import _lineage
from ._expr import call, col, is_scalar, lit
from ._graph import Node
from .errors import FlernValueError, not_implemented
from .series import Series, _dtype_name, _slice_node


def _count_rows(node: Node) -> int:
    from . import _collect
    agg = Node("groupby_agg", [node], {"keys": [], "aggs": [{"name": "n", "col": "", "fn": "size"}]})
    t = _collect.collect([agg])[0]
    return int(t.column(t.num_columns - 1)[0].as_py())


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _check_names(names: Iterable[Any], what: str) -> list[str]:
    out = []
    for n in names:
        if not isinstance(n, str):
            raise not_implemented(f"{what} with non-string column label {n!r}")
        out.append(n)
    return out


class DataFrame:
    """A two-dimensional table with labeled columns and a pandas-style index."""

    def __init__(self, data: Any = None, columns: Sequence[str] | None = None) -> None:
        from . import io
        if data is None:
            data = {}
        if isinstance(data, DataFrame):
            node = data._node
        elif isinstance(data, dict):
            node = io.from_dict(data)._node
        elif isinstance(data, np.ndarray):
            node = io.from_numpy(data, columns=columns)._node
        elif type(data).__module__.startswith("pandas"):
            node = io.from_pandas(data)._node
        elif hasattr(data, "__arrow_c_stream__"):
            node = io.from_arrow(data)._node
        else:
            raise not_implemented(f"DataFrame({type(data).__name__})")
        if columns is not None and not isinstance(data, np.ndarray):
            node = Node("select", [node], {"columns": _check_names(columns, "DataFrame")})
        self._node = node

    @classmethod
    def _from_node(cls, node: Node) -> "DataFrame":
        df = cls.__new__(cls)
        df._node = node
        return df

    def _schema(self) -> dict:
        from . import _collect
        return _collect.schema(self._node)

    def _column_names(self) -> list[str]:
        return [f["name"] for f in self._schema()["fields"]]

    # ---- column access ------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return Series(self._node, col(key), key)
        if isinstance(key, (list, tuple)):
            return DataFrame._from_node(Node("select", [self._node], {"columns": _check_names(key, "df[[...]]")}))
        if isinstance(key, Series):
            pred = _lineage.rebase_or_raise(key._expr, key._frame, self._node, "boolean indexing")
            return DataFrame._from_node(Node("filter", [self._node], {"pred": pred.wire()}))
        if isinstance(key, slice):
            return DataFrame._from_node(_slice_node(self._node, key))
        raise not_implemented(f"DataFrame[{type(key).__name__}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        if not isinstance(key, str):
            raise not_implemented("assigning to several columns at once")
        self._node = Node("assign", [self._node], {"exprs": [{"name": key, "expr": self._value_expr(value, key).wire()}]})

    def __delitem__(self, key: str) -> None:
        self._node = Node("drop_columns", [self._node], {"columns": [key]})

    def _value_expr(self, value: Any, what: str):
        if isinstance(value, Series):
            return _lineage.rebase_or_raise(value._expr, value._frame, self._node, f"setting column {what!r}")
        if is_scalar(value):
            return lit(value)
        raise not_implemented(f"setting a column from {type(value).__name__}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            names = self._column_names()
        except Exception:
            names = []
        if name in names:
            return self[name]
        _raise_unsupported("DataFrame", name)

    def assign(self, **kwargs: Any) -> "DataFrame":
        """New columns from Series, scalars or callables taking the frame."""
        out = self
        for name, value in kwargs.items():
            if callable(value):
                value = value(out)
            out = DataFrame._from_node(Node("assign", [out._node], {"exprs": [{"name": name, "expr": out._value_expr(value, name).wire()}]}))
        return out

    def rename(self, mapper: Any = None, *, columns: Any = None, index: Any = None, axis: Any = None) -> "DataFrame":
        """Rename columns with a dict (index renaming is not supported)."""
        if index is not None or (mapper is not None and axis not in (1, "columns")):
            raise not_implemented("DataFrame.rename of index labels")
        m = columns if columns is not None else mapper
        if callable(m):
            m = {c: m(c) for c in self._column_names()}
        if not isinstance(m, dict):
            raise not_implemented("DataFrame.rename without a dict or function")
        return DataFrame._from_node(Node("rename", [self._node], {"mapping": {str(k): str(v) for k, v in m.items()}}))

    def drop(self, labels: Any = None, *, axis: Any = 0, index: Any = None, columns: Any = None,
             errors: str = "raise") -> "DataFrame":
        """Drop columns (columns=, axis=1) or rows by index label (index=, labels)."""
        if errors != "raise":
            raise not_implemented("DataFrame.drop(errors='ignore')")
        if labels is not None:
            if axis in (1, "columns"):
                columns = labels
            else:
                index = labels
        out = self._node
        if columns is not None:
            out = Node("drop_columns", [out], {"columns": _check_names(_as_list(columns), "drop")})
        if index is not None:
            from .index import Index, labels_node
            lab = index._node if isinstance(index, Index) else labels_node(_as_list(index))
            out = Node("drop_rows", [out, lab])
        return DataFrame._from_node(out)

    def astype(self, dtype: Any) -> "DataFrame":
        """Cast columns: one dtype for all, or a {column: dtype} dict."""
        spec = dtype if isinstance(dtype, dict) else {c: dtype for c in self._column_names()}
        exprs = [{"name": c, "expr": call("cast", col(c), dtype=_dtype_name(t)).wire()} for c, t in spec.items()]
        return DataFrame._from_node(Node("assign", [self._node], {"exprs": exprs}))

    def isna(self) -> "DataFrame":
        exprs = [{"name": c, "expr": call("isna", col(c)).wire()} for c in self._column_names()]
        return DataFrame._from_node(Node("project", [self._node], {"exprs": exprs}))

    isnull = isna

    def notna(self) -> "DataFrame":
        exprs = [{"name": c, "expr": call("notna", col(c)).wire()} for c in self._column_names()]
        return DataFrame._from_node(Node("project", [self._node], {"exprs": exprs}))

    notnull = notna

    def fillna(self, value: Any) -> "DataFrame":
        """Fill missing values with a scalar, or per column with a dict."""
        if isinstance(value, dict):
            spec = value
        elif is_scalar(value) and value is not None:
            spec = {f["name"]: value for f in self._schema()["fields"]
                    if f["nullable"] or f["type"] in ("float64", "float32")}
        else:
            raise not_implemented("fillna with this value")
        exprs = [{"name": c, "expr": call("fillna", col(c), lit(v)).wire()} for c, v in spec.items()]
        if not exprs:
            return self
        return DataFrame._from_node(Node("assign", [self._node], {"exprs": exprs}))

    def dropna(self, *, how: str = "any", subset: Any = None, axis: Any = 0) -> "DataFrame":
        """Drop rows with missing values."""
        if axis not in (0, "index"):
            raise not_implemented("dropna(axis=1)")
        if how not in ("any", "all"):
            raise FlernValueError(f"invalid how option: {how}", kind="Value")
        attrs: dict[str, Any] = {"how": how}
        if subset is not None:
            attrs["subset"] = _check_names(_as_list(subset), "dropna")
        return DataFrame._from_node(Node("dropna", [self._node], attrs))

    # ---- rows ----------------------------------------------------------------
    def head(self, n: int = 5) -> "DataFrame":
        return self[:n]

    def tail(self, n: int = 5) -> "DataFrame":
        return self[-n:] if n else self[0:0]

    @property
    def iloc(self) -> "_ILoc":
        return _ILoc(self)

    def sort_values(self, by: Any, *, ascending: Any = True, na_position: str = "last", kind: str | None = None,
                    ignore_index: bool = False) -> "DataFrame":
        """Sort rows by columns (stable)."""
        keys = _check_names(_as_list(by), "sort_values")
        asc = [bool(a) for a in ascending] if isinstance(ascending, (list, tuple)) else [bool(ascending)] * len(keys)
        if len(asc) != len(keys):
            raise FlernValueError(f"Length of ascending ({len(asc)}) != length of by ({len(keys)})", kind="Value")
        if na_position not in ("last", "first"):
            raise FlernValueError(f"invalid na_position: {na_position}", kind="Value")
        out = Node("sort", [self._node], {"by": keys, "ascending": asc, "na_position": na_position})
        if ignore_index:
            out = Node("reset_index", [out], {"drop": True})
        return DataFrame._from_node(out)

    def sort_index(self, *, ascending: bool = True, na_position: str = "last") -> "DataFrame":
        return DataFrame._from_node(Node("sort_index", [self._node], {"ascending": bool(ascending), "na_position": na_position}))

    def sample(self, n: int | None = None, frac: float | None = None, replace: bool = False,
               random_state: Any = None) -> "DataFrame":
        """Random rows, identical to pandas for an integer random_state."""
        if replace:
            raise not_implemented("sample(replace=True)")
        if n is not None and frac is not None:
            raise FlernValueError("Please enter a value for `frac` OR `n`, not both", kind="Value")
        attrs: dict[str, Any] = {}
        if frac is not None:
            if frac > 1:
                raise FlernValueError("Replace has to be set to `True` when upsampling the population `frac` > 1.", kind="Value")
            attrs["frac"] = float(frac)
        else:
            attrs["n"] = 1 if n is None else int(n)
        if random_state is not None:
            if not isinstance(random_state, (int, np.integer)):
                raise not_implemented("sample(random_state=<not an int>)")
            attrs["seed"] = int(random_state)
        return DataFrame._from_node(Node("sample", [self._node], attrs))

    def set_index(self, keys: Any, *, drop: bool = True) -> "DataFrame":
        return DataFrame._from_node(Node("set_index", [self._node], {"keys": _check_names(_as_list(keys), "set_index"), "drop": bool(drop)}))

    def reset_index(self, *, drop: bool = False) -> "DataFrame":
        return DataFrame._from_node(Node("reset_index", [self._node], {"drop": bool(drop)}))

    @property
    def index(self):
        """The row labels (lazy)."""
        from .index import Index
        return Index(self._node)

    # ---- relational ---------------------------------------------------------
    def groupby(self, by: Any, *, as_index: bool = True, sort: bool = True, dropna: bool = True):
        """Group rows by one or more columns."""
        from .groupby import DataFrameGroupBy
        if isinstance(by, Series):
            raise not_implemented("groupby by a Series (use a column name)")
        return DataFrameGroupBy(self, _check_names(_as_list(by), "groupby"), as_index, sort, dropna)

    def merge(self, right: "DataFrame", how: str = "inner", on: Any = None, left_on: Any = None,
              right_on: Any = None, suffixes: Sequence[str] = ("_x", "_y"), sort: bool = False) -> "DataFrame":
        """Database-style join (how='inner' or 'left')."""
        return merge(self, right, how=how, on=on, left_on=left_on, right_on=right_on, suffixes=suffixes, sort=sort)

    def describe(self) -> "DataFrame":
        """count, mean, std, min, quartiles and max of the numeric columns."""
        return DataFrame._from_node(Node("describe", [self._node]))

    # ---- metadata -------------------------------------------------------------
    @property
    def columns(self):
        """The column labels (a pandas Index when pandas is installed)."""
        names = self._column_names()
        try:
            import pandas as pd
        except ImportError:
            return names
        return pd.Index(names)

    @property
    def dtypes(self):
        """The column dtypes (a pandas Series, as pandas)."""
        import pandas as pd
        from . import _collect
        fields = self._schema()["fields"]
        return pd.Series([_collect.pandas_dtype(f["type"], f["nullable"]) for f in fields],
                         index=[f["name"] for f in fields], dtype=object)

    def __len__(self) -> int:
        return _count_rows(self._node)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), len(self._column_names()))

    @property
    def empty(self) -> bool:
        return len(self) == 0 or not self._column_names()

    def copy(self, deep: bool = True) -> "DataFrame":
        return DataFrame._from_node(self._node)

    # ---- results ----------------------------------------------------------------
    def collect(self) -> "DataFrame":
        """Run the plan now; the returned frame reads the materialized result."""
        from . import io
        return io.from_arrow_result(self._run())

    def _run(self):
        from . import _collect
        return _collect.collect([self._node])[0]

    def to_pandas(self):
        """Run the plan and return a pandas DataFrame."""
        from . import _collect
        return _collect.to_pandas(self._run())

    def to_arrow(self):
        """Run the plan and return a pyarrow Table (index levels as leading columns)."""
        from . import _collect
        return _collect.to_arrow(self._run())

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        return self.to_pandas().to_numpy(dtype=dtype)

    @property
    def values(self) -> np.ndarray:
        return self.to_numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.to_numpy(dtype=dtype)

    def __arrow_c_stream__(self, requested_schema: Any = None):
        """Arrow PyCapsule stream protocol (polars, duckdb, pyarrow read flern frames)."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def explain(self, verbose: bool = False) -> str:
        """The optimized plan; verbose adds the recorded plan and the optimizer passes."""
        from . import _collect
        return _collect.explain(self._node, verbose)

    def __repr__(self) -> str:
        n = len(self)
        if n <= 60:
            return repr(self.to_pandas())
        head = self.head(10).to_pandas()
        return f"{head!r}\n...\n[{n} rows x {head.shape[1]} columns]"

    def __iter__(self):
        return iter(self._column_names())

    def __contains__(self, key: Any) -> bool:
        return key in self._column_names()

    def __eq__(self, other: Any):  # type: ignore[override]
        raise not_implemented("comparing whole DataFrames")

    __hash__ = None  # type: ignore[assignment]


class _ILoc:
    def __init__(self, df: DataFrame) -> None:
        self._df = df

    def __getitem__(self, key: Any) -> DataFrame:
        if isinstance(key, slice):
            return DataFrame._from_node(_slice_node(self._df._node, key))
        raise not_implemented(f"iloc[{type(key).__name__}]")


def merge(left: DataFrame, right: DataFrame, how: str = "inner", on: Any = None, left_on: Any = None,
          right_on: Any = None, suffixes: Sequence[str] = ("_x", "_y"), sort: bool = False) -> DataFrame:
    """Join two frames on key columns (pandas.merge; how='inner' or 'left')."""
    if not isinstance(right, DataFrame):
        raise not_implemented(f"merge with {type(right).__name__}")
    if sort:
        raise not_implemented("merge(sort=True)")
    if how not in ("inner", "left"):
        raise not_implemented(f"merge(how={how!r})")
    if on is not None:
        if left_on is not None or right_on is not None:
            raise FlernValueError('Can only pass argument "on" OR "left_on" and "right_on", not a combination of both.', kind="Value")
        left_on = right_on = on
    if left_on is None and right_on is None:
        lnames, rnames = left._column_names(), set(right._column_names())
        left_on = right_on = [c for c in lnames if c in rnames]
        if not left_on:
            raise FlernValueError("No common columns to perform merge on.", kind="Value")
    lk, rk = _check_names(_as_list(left_on), "merge"), _check_names(_as_list(right_on), "merge")
    if len(lk) != len(rk):
        raise FlernValueError("len(right_on) must equal len(left_on)", kind="Value")
    suffixes = list(suffixes)
    if len(suffixes) != 2 or not all(isinstance(s, str) for s in suffixes):
        raise not_implemented("merge suffixes other than two strings")
    return DataFrame._from_node(Node("join", [left._node, right._node],
                                     {"how": how, "left_on": lk, "right_on": rk, "suffixes": suffixes}))


def get_dummies(data: DataFrame, columns: Any = None, prefix: Any = None, prefix_sep: str = "_",
                drop_first: bool = False, dtype: Any = None) -> DataFrame:
    """One-hot encode string columns (pandas.get_dummies)."""
    if not isinstance(data, DataFrame):
        raise not_implemented(f"get_dummies of {type(data).__name__}")
    if prefix is not None:
        raise not_implemented("get_dummies(prefix=...)")
    attrs: dict[str, Any] = {"prefix_sep": prefix_sep, "drop_first": bool(drop_first),
                             "dtype": "bool" if dtype is None else _dtype_name(dtype)}
    if columns is not None:
        attrs["columns"] = _check_names(_as_list(columns), "get_dummies")
    return DataFrame._from_node(Node("get_dummies", [data._node], attrs))


def _raise_unsupported(cls: str, name: str) -> None:
    try:
        import pandas as pd
        known = hasattr(getattr(pd, cls), name)
    except ImportError:
        known = False
    if known:
        raise not_implemented(f"{cls}.{name}")
    raise AttributeError(f"'{cls}' object has no attribute {name!r}")


