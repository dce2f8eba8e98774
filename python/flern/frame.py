"""DataFrame: a pandas-style table whose every operation is recorded lazily.

Methods only record :class:`~flern._graph.Node` objects; results are computed
by the native core when needed (``to_pandas``, ``to_arrow``, ``len``, repr,
the Arrow PyCapsule stream).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Sequence

import numpy as np

from . import _framewise, _lineage
from ._expr import call, col, is_scalar, lit
from ._graph import Node, PlanView
from .errors import FlernTypeError, FlernValueError, not_implemented
from .series import Series, _SemiMask, _dtype_name, _slice_node


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
            if len(set(key)) != len(key):
                raise not_implemented("selecting a column twice (pandas makes duplicate column labels)")
            return DataFrame._from_node(Node("select", [self._node], {"columns": _check_names(key, "df[[...]]")}))
        if isinstance(key, _SemiMask):
            return DataFrame._from_node(key.semi_join(self._node))
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
        if value is None:
            raise not_implemented(f"setting column {what!r} to None (pandas makes an object column)")
        if isinstance(value, np.datetime64) and np.datetime_data(value.dtype)[0] not in ("us", "ns"):
            raise not_implemented(f"setting column {what!r} to a datetime64[{np.datetime_data(value.dtype)[0]}] "
                                  "scalar (pandas keeps that unit)")
        if type(value) is _dt.date:
            raise not_implemented(f"setting column {what!r} to a datetime.date (pandas makes an object column)")
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
             level: Any = None, inplace: bool = False, errors: str = "raise") -> "DataFrame":
        """Drop columns (columns=, axis=1) or rows by index label (index=, labels)."""
        if errors != "raise":
            raise not_implemented("DataFrame.drop(errors='ignore')")
        if level is not None:
            raise not_implemented("DataFrame.drop(level=...)")
        if inplace:
            raise not_implemented("DataFrame.drop(inplace=True)")
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
            if isinstance(index, Index):
                out = Node("drop_rows", [out, index._node])
            elif _as_list(index):  # dropping no labels keeps every row (and a RangeIndex)
                out = Node("drop_rows", [out, labels_node(_as_list(index))])
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
        """The first n rows (all but the last -n when n < 0)."""
        return self[:n]

    def tail(self, n: int = 5) -> "DataFrame":
        """The last n rows (all but the first -n when n < 0)."""
        return self[-n:] if n else self[0:0]

    @property
    def iloc(self) -> "_ILoc":
        return _ILoc(self)

    def sort_values(self, by: Any, *, axis: Any = 0, ascending: Any = True, inplace: bool = False,
                    kind: str | None = None, na_position: str = "last", ignore_index: bool = False,
                    key: Any = None) -> "DataFrame":
        """Sort rows by columns (or index levels). Always stable: ties keep their order,
        as pandas' kind="stable" (pandas' default quicksort may reorder ties)."""
        _check_rows_axis(axis, "sort_values")
        if inplace:
            raise not_implemented("sort_values(inplace=True)")
        if key is not None:
            raise not_implemented("sort_values(key=...)")
        keys = _check_names(_as_list(by), "sort_values")
        asc = _ascending_list(ascending, len(keys))
        if na_position not in ("last", "first"):
            raise FlernValueError(f"invalid na_position: {na_position}", kind="Value")
        out = Node("sort", [self._node], {"by": keys, "ascending": asc, "na_position": na_position})
        if ignore_index:
            out = Node("reset_index", [out], {"drop": True})
        return DataFrame._from_node(out)

    def sort_index(self, *, axis: Any = 0, level: Any = None, ascending: Any = True, inplace: bool = False,
                   kind: str | None = None, na_position: str = "last", sort_remaining: bool = True,
                   ignore_index: bool = False, key: Any = None) -> "DataFrame":
        """Sort rows by their index labels (stable, as pandas' kind="stable")."""
        _check_rows_axis(axis, "sort_index")
        if level is not None:
            raise not_implemented("sort_index(level=...)")
        if inplace:
            raise not_implemented("sort_index(inplace=True)")
        if key is not None:
            raise not_implemented("sort_index(key=...)")
        if na_position not in ("last", "first"):
            raise FlernValueError(f"invalid na_position: {na_position}", kind="Value")
        asc: Any = bool(ascending)
        if isinstance(ascending, (list, tuple)):
            asc = [bool(a) for a in ascending]
        out = Node("sort_index", [self._node], {"ascending": asc, "na_position": na_position})
        if ignore_index:
            out = Node("reset_index", [out], {"drop": True})
        return DataFrame._from_node(out)

    def sample(self, n: Any = None, frac: Any = None, replace: bool = False, weights: Any = None,
               random_state: Any = None, axis: Any = None, ignore_index: bool = False) -> "DataFrame":
        """Random rows, the same rows as pandas: for an integer random_state, a
        numpy RandomState, or none (numpy's global generator, advanced as pandas does)."""
        if replace:
            raise not_implemented("sample(replace=True)")
        if weights is not None:
            raise not_implemented("sample(weights=...)")
        if axis is not None:
            _check_rows_axis(axis, "sample")
        if n is not None and frac is not None:
            raise FlernValueError("Please enter a value for `frac` OR `n`, not both", kind="Value")
        attrs: dict[str, Any] = {}
        if frac is not None:
            frac = float(frac)
            if frac > 1:
                raise FlernValueError("Replace has to be set to `True` when upsampling the population `frac` > 1.", kind="Value")
            attrs["frac"] = frac
        elif n is None:
            attrs["n"] = 1
        elif isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)):
            attrs["n"] = int(n)
        elif isinstance(n, (float, np.floating)) and n % 1 != 0:
            raise FlernValueError("Only integers accepted as `n` values", kind="Value")
        else:  # numpy's error for an integral float or a bool
            raise FlernTypeError(f"expected a sequence of integers or a single integer, got '{n!r}'", kind="Type")
        rs = None
        if random_state is None:
            rs = np.random.mtrand._rand  # pandas draws from numpy's global RandomState
        elif isinstance(random_state, np.random.RandomState):
            rs = random_state
        elif isinstance(random_state, (int, np.integer)) and not isinstance(random_state, (bool, np.bool_)):
            attrs["seed"] = int(random_state)
        elif isinstance(random_state, (bool, np.bool_, float, np.floating, str)):
            raise FlernValueError("random_state must be an integer, array-like, a BitGenerator, Generator, "
                                  "a numpy RandomState, or None", kind="Value")
        else:
            raise not_implemented(f"sample(random_state=<{type(random_state).__name__}>)")
        if rs is not None:
            attrs["state"] = _draw_like_pandas(self, rs, attrs)
        out = Node("sample", [self._node], attrs)
        if ignore_index:
            out = Node("reset_index", [out], {"drop": True})
        return DataFrame._from_node(out)

    def set_index(self, keys: Any, *, drop: bool = True, append: bool = False, inplace: bool = False,
                  verify_integrity: bool = False) -> "DataFrame":
        """Make columns the index (the old index is discarded, as pandas' append=False)."""
        if append:
            raise not_implemented("set_index(append=True)")
        if inplace:
            raise not_implemented("set_index(inplace=True)")
        if verify_integrity:
            raise not_implemented("set_index(verify_integrity=True)")
        names = _check_names(_as_list(keys), "set_index")
        if not names:
            raise FlernValueError("Must pass non-zero number of levels/codes", kind="Value")
        return DataFrame._from_node(Node("set_index", [self._node], {"keys": names, "drop": bool(drop)}))

    def reset_index(self, level: Any = None, *, drop: bool = False, inplace: bool = False, col_level: Any = 0,
                    col_fill: Any = "", allow_duplicates: bool = False, names: Any = None) -> "DataFrame":
        """Index levels become the leading columns (or are dropped); the result has a RangeIndex."""
        if level is not None:
            raise not_implemented("reset_index(level=...)")
        if inplace:
            raise not_implemented("reset_index(inplace=True)")
        if allow_duplicates or names is not None:
            raise not_implemented("reset_index(allow_duplicates=/names=)")
        return DataFrame._from_node(Node("reset_index", [self._node], {"drop": bool(drop)}))

    @property
    def index(self):
        """The row labels (lazy)."""
        from .index import Index
        return Index(self._node)

    # ---- relational ---------------------------------------------------------
    def groupby(self, by: Any = None, *, level: Any = None, as_index: bool = True, sort: bool = True,
                group_keys: bool = True, observed: Any = True, dropna: bool = True):
        """Group rows by one or more columns."""
        from .groupby import DataFrameGroupBy
        if level is not None:
            raise not_implemented("groupby(level=...)")
        if by is None:
            raise FlernTypeError("You have to supply one of 'by' and 'level'", kind="Type")
        if isinstance(by, Series):
            raise not_implemented("groupby by a Series (use a column name)")
        if callable(by) or isinstance(by, dict):
            raise not_implemented("groupby by a function or mapping")
        keys = _check_names(_as_list(by), "groupby")
        if not keys:
            raise FlernValueError("No group keys passed!", kind="Value")
        return DataFrameGroupBy(self, keys, bool(as_index), bool(sort), bool(dropna))

    def merge(self, right: "DataFrame", how: str = "inner", on: Any = None, left_on: Any = None,
              right_on: Any = None, left_index: bool = False, right_index: bool = False, sort: bool = False,
              suffixes: Sequence[str] = ("_x", "_y"), copy: Any = None, indicator: Any = False,
              validate: Any = None) -> "DataFrame":
        """Database-style join (how='inner' or 'left')."""
        return merge(self, right, how=how, on=on, left_on=left_on, right_on=right_on, left_index=left_index,
                     right_index=right_index, sort=sort, suffixes=suffixes, indicator=indicator, validate=validate)

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

    def to_feather(self, path: Any, **kwargs: Any) -> None:
        """Write the frame as an Arrow IPC (Feather v2) file, as pandas' to_feather (see io.to_feather)."""
        from . import io
        io.to_feather(self, path, **kwargs)

    def to_arrow(self):
        """Run the plan and return a pyarrow Table (index levels as leading columns)."""
        from . import _collect
        return _collect.to_arrow(self._run())

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        """The values as a 2-D numpy array (pandas' DataFrame.to_numpy)."""
        from . import _collect
        t = self._run()
        out = _collect.to_numpy(t, dtype)
        if out is None:
            return _collect.to_pandas(t).to_numpy(dtype=dtype)
        from . import _handoff  # torch.tensor(this array) records the to_tensor edge
        return _handoff.handout(out, self._node, t, 2)

    @property
    def values(self) -> np.ndarray:
        return self.to_numpy()

    def to_tensor(self, dtype: Any = None):
        """The frame's columns as an [n_rows, n_columns] tensor (default float32),
        recorded in the same graph: the frame -> tensor hand-off (to_tensor op)."""
        from .tensor import frame_to_tensor
        return frame_to_tensor(self._node, dtype)

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

    # ---- whole-frame reductions and arithmetic (_framewise.py) -------------
    def sum(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Series:
        """Column sums, as a Series labeled by column name."""
        return _framewise.reduce(self, "sum", axis=axis, skipna=skipna, numeric_only=numeric_only)

    def mean(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Series:
        """Column means, as a Series labeled by column name."""
        return _framewise.reduce(self, "mean", axis=axis, skipna=skipna, numeric_only=numeric_only)

    def median(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Series:
        """Column medians, as a Series labeled by column name."""
        return _framewise.reduce(self, "median", axis=axis, skipna=skipna, numeric_only=numeric_only)

    def min(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Series:
        """Column minimums, as a Series labeled by column name."""
        return _framewise.reduce(self, "min", axis=axis, skipna=skipna, numeric_only=numeric_only)

    def max(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Series:
        """Column maximums, as a Series labeled by column name."""
        return _framewise.reduce(self, "max", axis=axis, skipna=skipna, numeric_only=numeric_only)

    def std(self, axis: Any = 0, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> Series:
        """Column standard deviations (``ddof`` as pandas), labeled by column name."""
        return _framewise.reduce(self, "std", axis=axis, skipna=skipna, numeric_only=numeric_only, ddof=ddof)

    def var(self, axis: Any = 0, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> Series:
        """Column variances (``ddof`` as pandas), labeled by column name."""
        return _framewise.reduce(self, "var", axis=axis, skipna=skipna, numeric_only=numeric_only, ddof=ddof)

    def count(self, axis: Any = 0, numeric_only: bool = False) -> Series:
        """Non-missing values per column, labeled by column name."""
        return _framewise.reduce(self, "count", axis=axis, numeric_only=numeric_only)

    def __add__(self, o): return _framewise.binop(self, o, "add")
    def __radd__(self, o): return _framewise.binop(self, o, "add", True)
    def __sub__(self, o): return _framewise.binop(self, o, "sub")
    def __rsub__(self, o): return _framewise.binop(self, o, "sub", True)
    def __mul__(self, o): return _framewise.binop(self, o, "mul")
    def __rmul__(self, o): return _framewise.binop(self, o, "mul", True)
    def __truediv__(self, o): return _framewise.binop(self, o, "truediv")
    def __rtruediv__(self, o): return _framewise.binop(self, o, "truediv", True)
    def __floordiv__(self, o): return _framewise.binop(self, o, "floordiv")
    def __rfloordiv__(self, o): return _framewise.binop(self, o, "floordiv", True)
    def __mod__(self, o): return _framewise.binop(self, o, "mod")
    def __pow__(self, o): return _framewise.binop(self, o, "pow")

    def add(self, o): return self + o
    def sub(self, o): return self - o
    def mul(self, o): return self * o
    def div(self, o): return self / o
    truediv = div


class _ILoc:
    def __init__(self, df: DataFrame) -> None:
        self._df = df

    def __getitem__(self, key: Any) -> DataFrame:
        if isinstance(key, slice):
            return DataFrame._from_node(_slice_node(self._df._node, key))
        raise not_implemented(f"iloc[{type(key).__name__}]")


def merge(left: DataFrame, right: DataFrame, how: str = "inner", on: Any = None, left_on: Any = None,
          right_on: Any = None, left_index: bool = False, right_index: bool = False, sort: bool = False,
          suffixes: Sequence[str] = ("_x", "_y"), copy: Any = None, indicator: Any = False,
          validate: Any = None) -> DataFrame:
    """Join two frames on key columns (pandas.merge; how='inner' or 'left').

    In pandas the dtypes of a left join's right-side int and bool columns depend
    on the data (float64 / object only when some left row has no match); flern
    finds out by probing the key columns when the plan is first compiled.
    """
    if not isinstance(left, DataFrame):
        raise not_implemented(f"merge of {type(left).__name__}")
    if not isinstance(right, DataFrame):
        raise not_implemented(f"merge with {type(right).__name__}")
    if sort:
        raise not_implemented("merge(sort=True)")
    if how not in ("inner", "left"):
        raise not_implemented(f"merge(how={how!r})")
    if left_index or right_index:
        raise not_implemented("merge(left_index=/right_index=) (join on the index)")
    if indicator is not False:
        raise not_implemented("merge(indicator=...)")
    if validate is not None:
        raise not_implemented("merge(validate=...)")
    if on is not None:
        if left_on is not None or right_on is not None:
            raise FlernValueError('Can only pass argument "on" OR "left_on" and "right_on", not a combination of both.', kind="Value")
        left_on = right_on = on
    if (left_on is None) != (right_on is None):
        raise FlernValueError('Must pass "right_on" OR "right_index".' if right_on is None
                              else 'Must pass "left_on" OR "left_index".', kind="Value")
    if left_on is None and right_on is None:
        lnames, rnames = left._column_names(), set(right._column_names())
        left_on = right_on = [c for c in lnames if c in rnames]
        if not left_on:
            raise FlernValueError("No common columns to perform merge on. Merge options: left_on=None, "
                                  "right_on=None, left_index=False, right_index=False", kind="Value")
    lk, rk = _check_names(_as_list(left_on), "merge"), _check_names(_as_list(right_on), "merge")
    if len(lk) != len(rk):
        raise FlernValueError("len(right_on) must equal len(left_on)", kind="Value")
    suffixes = list(suffixes)
    if len(suffixes) != 2 or not all(isinstance(s, str) for s in suffixes):
        raise not_implemented("merge suffixes other than two strings")
    attrs = {"how": how, "left_on": lk, "right_on": rk, "suffixes": suffixes}
    cls = _LeftJoinNode if how == "left" else Node
    return DataFrame._from_node(cls("join", [left._node, right._node], attrs))


# Right-side dtypes a left join changes when some left row has no match.
_MATCH_DEPENDENT = ("int64", "int32", "bool")
_PROBE_MARK = "__flern_matched__"


class _LeftJoinNode(Node):
    """A left join node whose "matched" attribute (does every left row find a
    match?) is probed from the data the first time the plan is encoded, and
    only when a right-side column's dtype depends on it (golib/frame/frame.go)."""

    __slots__ = ("_probed",)

    @property  # type: ignore[override]
    def attrs(self) -> dict:
        a = Node.attrs.__get__(self, Node)
        if not getattr(self, "_probed", False):
            matched = _probe_matched(self, a)
            if matched is not None:
                a["matched"] = matched
            self._probed = True
        return a

    @attrs.setter
    def attrs(self, value: dict) -> None:
        Node.attrs.__set__(self, value)

    def encode_attrs(self, plan: PlanView) -> dict:
        # A plan whose readers never observe the types "matched" decides (TPC-H q13 counts
        # the right side's rows per customer) is encoded without it, as when some left row
        # has no match: the probe, which runs the right side's whole plan, is skipped.
        if not getattr(self, "_probed", False):
            a = Node.attrs.__get__(self, Node)
            if "matched" not in a and _match_unobserved(self, a, plan):
                return a
        return self.attrs


def _probe_matched(join: Node, a: dict) -> bool | None:
    """Whether every left row of the join has a match, or None when no output
    column's dtype depends on it. Runs the inputs' plans for the key columns."""
    from . import _collect
    left, right = join.inputs
    lk, rk = a["left_on"], a["right_on"]
    shared = {l for l, r in zip(lk, rk) if l == r}
    rfields = _collect.schema(right)["fields"]
    if not any(f["type"] in _MATCH_DEPENDENT for f in rfields if f["name"] not in shared):
        return None
    lnames = {f["name"] for f in _collect.schema(left)["fields"]}
    if not set(lk) <= lnames or not set(rk) <= {f["name"] for f in rfields}:
        return None  # the join itself reports the missing key
    loc = join.loc
    if len(set(lk)) == 1:
        # One key: every left row matches iff every distinct left key value does
        # (the same join decides), so probe the distinct values, taken below the
        # nodes that keep the key's set of values (an earlier left merge).
        lsel = Node("distinct", [_key_values_source(left, lk[0])], {"column": lk[0]}, loc=loc)
    else:
        lsel = Node("select", [left], {"columns": list(dict.fromkeys(lk))}, loc=loc)
    rsel = Node("select", [right], {"columns": list(dict.fromkeys(rk))}, loc=loc)
    rsel = Node("assign", [rsel], {"exprs": [{"name": _PROBE_MARK, "expr": lit(1).wire()}]}, loc=loc)
    j = Node("join", [lsel, rsel], {"how": "left", "left_on": lk, "right_on": rk,
                                    "suffixes": ["__flern_l", "__flern_r"]}, loc=loc)
    agg = Node("groupby_agg", [j], {"keys": [], "aggs": [{"name": "rows", "col": "", "fn": "size"},
                                                         {"name": "hits", "col": _PROBE_MARK, "fn": "count"}]},
               loc=loc)
    t = _collect.collect([agg])[0]
    return t.column("rows")[0].as_py() == t.column("hits")[0].as_py()


# Aggregations whose result is the same whatever the type of the column they read
# (int64, or float64 with NaN where a left join found no match).
_TYPE_BLIND_AGGS = ("count", "size")


def _match_unobserved(join: Node, a: dict, plan: PlanView) -> bool:
    """Whether no output of ``plan`` depends on the join's "matched" attribute: every
    right-side column whose type it decides is, on each path from the join to an output,
    dropped by a select/drop_columns or read only by count/size of a groupby_agg."""
    from . import _collect
    left, right = join.inputs
    lk, rk = a["left_on"], a["right_on"]
    if not isinstance(a.get("suffixes"), list) or len(a["suffixes"]) != 2:
        return False
    shared = {l for l, r in zip(lk, rk) if l == r}
    lnames = {f["name"] for f in _collect.schema(left)["fields"]}
    rfields = _collect.schema(right)["fields"]
    cols = {f["name"] + (a["suffixes"][1] if f["name"] in lnames else "")
            for f in rfields if f["name"] not in shared and f["type"] in _MATCH_DEPENDENT}
    todo = [(join, cols)]
    while todo:
        node, cols = todo.pop()
        if not cols:
            continue
        if id(node) in plan.outputs:
            return False
        for r in plan.readers(node):
            ra = r.attrs
            if r.op == "select" and isinstance(ra.get("columns"), list):
                todo.append((r, cols & set(ra["columns"])))
            elif r.op == "drop_columns" and isinstance(ra.get("columns"), list):
                todo.append((r, cols - set(ra["columns"])))
            elif r.op == "groupby_agg" and isinstance(ra.get("keys"), list) and isinstance(ra.get("aggs"), list):
                if cols & set(ra["keys"]) or any(g.get("col") in cols and g.get("fn") not in _TYPE_BLIND_AGGS
                                                 for g in ra["aggs"]):
                    return False
            else:
                return False
    return True


def _key_values_source(node: Node, key: str) -> Node:
    """The lowest node below ``node`` whose column ``key`` holds the same set of
    values: through column-only ops that pass it unchanged, and through left
    joins where it is a left column (every left row is kept, unchanged); a node
    whose result an earlier probe kept in the result cache ends the walk."""
    from . import _collect
    while True:
        if _collect._KEPT.get(node):  # its result is in the native result cache: read it, not its inputs
            return node
        if node.op in _lineage._COLUMN_ONLY and node.inputs and _lineage._survives(node, {key}):
            node = node.inputs[0]
            continue
        if node.op == "join" and node.attrs.get("how") == "left":
            a = node.attrs
            lnames = {f["name"] for f in _collect.schema(node.inputs[0])["fields"]}
            rnames = {f["name"] for f in _collect.schema(node.inputs[1])["fields"]}
            shared = {l for l, r in zip(a["left_on"], a["right_on"]) if l == r}
            if key in lnames and (key not in rnames or key in shared):
                node = node.inputs[0]
                continue
        return node


def _check_rows_axis(axis: Any, what: str) -> None:
    if axis not in (0, "index", "rows"):
        raise not_implemented(f"{what}(axis={axis!r})")


def _ascending_list(ascending: Any, n: int) -> list[bool]:
    if isinstance(ascending, (list, tuple)):
        asc = [bool(a) for a in ascending]
        if len(asc) != n:
            raise FlernValueError(f"Length of ascending ({len(asc)}) != length of by ({n})", kind="Value")
        return asc
    return [bool(ascending)] * n


def _draw_like_pandas(df: DataFrame, rs: np.random.RandomState, attrs: dict) -> dict:
    """The generator state a sample from ``rs`` starts from; advances ``rs``
    as pandas' draw would (RandomState.choice(len(df), k, replace=False)).
    Counts the rows now: how far the draw advances ``rs`` depends on it."""
    st = rs.get_state(legacy=True)
    if st[0] != "MT19937":
        raise not_implemented(f"sample with a {st[0]} RandomState")
    rows = len(df)
    if "n" in attrs:
        k = attrs["n"]
        if k < 0:
            raise FlernValueError("A negative number of rows requested. Please provide `n` >= 0.", kind="Value")
    else:
        if attrs["frac"] < 0 or attrs["frac"] != attrs["frac"]:
            raise FlernValueError("A negative number of rows requested. Please provide `frac` >= 0.", kind="Value")
        k = round(attrs["frac"] * rows)
    rs.choice(rows, size=k, replace=False)  # raises numpy's errors, as pandas does
    return {"key": [int(x) for x in st[1]], "pos": int(st[2])}


def get_dummies(data: DataFrame, prefix: Any = None, prefix_sep: str = "_", dummy_na: bool = False,
                columns: Any = None, sparse: bool = False, drop_first: bool = False,
                dtype: Any = None) -> DataFrame:
    """One-hot encode string columns (pandas.get_dummies)."""
    if not isinstance(data, DataFrame):
        raise not_implemented(f"get_dummies of {type(data).__name__}")
    if dummy_na or sparse:
        raise not_implemented("get_dummies(dummy_na=True / sparse=True)")
    if not isinstance(prefix_sep, str):
        raise not_implemented("get_dummies(prefix_sep=<not a str>)")
    if columns is not None and not isinstance(columns, (list, tuple)):
        raise FlernTypeError("Input must be a list-like for parameter `columns`", kind="Type")
    if columns is not None and len(set(_as_list(columns))) != len(_as_list(columns)):
        raise not_implemented("get_dummies with a column listed twice")
    attrs: dict[str, Any] = {"prefix_sep": prefix_sep, "drop_first": bool(drop_first),
                             "dtype": "bool" if dtype is None else _dtype_name(dtype)}
    if columns is not None:
        attrs["columns"] = _check_names(_as_list(columns), "get_dummies")
    if prefix is not None:
        attrs["prefix"] = _dummy_prefixes(data, prefix, attrs.get("columns"))
    return DataFrame._from_node(_pin_dummies(Node("get_dummies", [data._node], attrs), data))


def _dummy_prefixes(data: DataFrame, prefix: Any, columns: list[str] | None) -> dict[str, str]:
    """pandas' prefix argument (a str, a list in encoded-column order, or a dict) as {column: prefix}."""
    if columns is None:
        columns = [f["name"] for f in data._schema()["fields"] if f["type"] == "str"
                   or (f["type"] == "bool" and f["nullable"])]
    if isinstance(prefix, str):
        return {c: prefix for c in columns}
    if isinstance(prefix, dict):
        bad = [k for k in prefix if not isinstance(prefix[k], str)]
        if bad:
            raise not_implemented("get_dummies(prefix={...}) with non-str prefixes")
        missing = [c for c in columns if c not in prefix]
        if missing:
            raise FlernValueError(f"Length of 'prefix' ({len(prefix)}) did not match the length of the columns "
                                  f"being encoded ({len(columns)}).", kind="Value")
        return {c: prefix[c] for c in columns}
    if isinstance(prefix, (list, tuple)):
        if len(prefix) != len(columns):
            raise FlernValueError(f"Length of 'prefix' ({len(prefix)}) did not match the length of the columns "
                                  f"being encoded ({len(columns)}).", kind="Value")
        if not all(isinstance(p, str) for p in prefix):
            raise not_implemented("get_dummies(prefix=[...]) with non-str prefixes")
        return dict(zip(columns, prefix))
    raise not_implemented(f"get_dummies(prefix={type(prefix).__name__})")


def _pin_dummies(node: Node, data: DataFrame) -> Node:
    """Give get_dummies a static schema: run its input once to learn the indicator columns
    (pandas is eager, so it knows them too), and record them with the encoded columns; the
    run checks the data still gives exactly those columns. Left dynamic when the input's
    columns are not known before running."""
    from . import _collect
    try:
        in_names = [f["name"] for f in data._schema()["fields"]]
    except Exception:
        return node
    probe = Node("get_dummies", node.inputs, dict(node.attrs, schema_only=True), loc=node.loc)
    out_names = [str(n) for n in _collect.collect([probe])[0].schema.names]
    out_names = [n for n in out_names if not n.startswith("__index_level_")]
    m, j = 0, 0
    while m < len(out_names):  # the kept (not encoded) columns come first, in input order
        while j < len(in_names) and in_names[j] != out_names[m]:
            j += 1
        if j == len(in_names):
            break
        m, j = m + 1, j + 1
    kept = set(out_names[:m])
    dummies = out_names[m:]
    if len(set(out_names)) != len(out_names) or kept & set(dummies):
        return node
    encoded = node.attrs.get("columns") or [c for c in in_names if c not in kept]
    node.attrs = dict(node.attrs, columns=encoded, dummies=dummies)
    return node


def _raise_unsupported(cls: str, name: str) -> None:
    try:
        import pandas as pd
        known = hasattr(getattr(pd, cls), name)
    except ImportError:
        known = False
    if known:
        from .errors import unsupported_attribute
        raise unsupported_attribute(f"{cls}.{name}")
    raise AttributeError(f"'{cls}' object has no attribute {name!r}")


