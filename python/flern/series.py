"""Series: a lazily recorded column expression over a frame node.

A Series is (frame node, expression, name). Operations build new expressions;
filters, sorts and reductions record frame nodes. Nothing runs until a result
is needed (to_pandas, to_numpy, a scalar reduction, repr, len).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import _lineage
from ._expr import Expr, call, col, is_scalar, lit
from ._graph import Node
from .errors import FlernTypeError, not_implemented

_VALUE = "__value__"


def pd_isna(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and v != v) or v is getattr(np, "nan", None)
_ARITH = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow"}
_CMP = {"eq", "ne", "lt", "le", "gt", "ge"}


def _is_missing_scalar(v: Any) -> bool:
    """None, NaN or NaT (pandas' missing-value scalars)."""
    if v is None:
        return True
    try:
        return bool(is_scalar(v) and not isinstance(v, str) and v != v)
    except (TypeError, ValueError):
        return False


def _operand(other: Any) -> tuple[Node | None, Expr]:
    if isinstance(other, _SemiMask):
        raise _SemiMask._unsupported()
    if isinstance(other, Series):
        return other._frame, other._expr
    if is_scalar(other):
        return None, lit(other)
    raise not_implemented(f"arithmetic with {type(other).__name__}")


class Series:
    """A one-dimensional labeled column, pandas-style, recorded lazily."""

    __array_priority__ = 1000  # numpy scalars defer to our reflected operators

    def __init__(self, frame: Node, expr: Expr, name: Any = None) -> None:
        self._frame = frame
        self._expr = expr
        self._name = name

    # ---- construction helpers ------------------------------------------
    def _new(self, expr: Expr, name: Any = "__same__", frame: Node | None = None) -> "Series":
        return Series(self._frame if frame is None else frame, expr, self._name if name == "__same__" else name)

    def _binop(self, other: Any, fn: str, reverse: bool = False) -> Any:
        from .frame import DataFrame
        if isinstance(other, DataFrame):  # Series <op> DataFrame: the frame's reflected op
            from . import _framewise
            return _framewise.binop(other, self, fn, reverse=not reverse)
        ofr, oe = _operand(other)
        frame, a, b = self._frame, self._expr, oe
        name = self._name
        opts: dict[str, Any] = {}
        if ofr is not None:
            frame, a, b = _lineage.common_frame(self._frame, self._expr, ofr, oe, f"'{fn}'")
            if other._name != self._name:
                name = None
        elif fn in _ARITH or (fn in _CMP and type(other) in (int, float, bool)):
            # pandas treats a scalar operand as "weak" (numpy's NEP 50): an
            # int32 column + 1 stays int32, a float32 column == 0.1 compares
            # with float32(0.1). Arithmetic unboxes numpy scalars too,
            # comparisons do not. The core types and evaluates it so.
            opts["scalar"] = 0 if reverse else 1
        if reverse:
            a, b = b, a
        return Series(frame, call(fn, a, b, **opts), name)

    def _node(self) -> Node:
        """A frame node holding just this Series' values (column __value__)."""
        return Node("project", [self._frame], {"exprs": [{"name": _VALUE, "expr": self._expr.wire()}]})

    # ---- arithmetic / comparison / logic --------------------------------
    def __add__(self, o): return self._binop(o, "add")
    def __radd__(self, o): return self._binop(o, "add", True)
    def __sub__(self, o): return self._binop(o, "sub")
    def __rsub__(self, o): return self._binop(o, "sub", True)
    def __mul__(self, o): return self._binop(o, "mul")
    def __rmul__(self, o): return self._binop(o, "mul", True)
    def __truediv__(self, o): return self._binop(o, "truediv")
    def __rtruediv__(self, o): return self._binop(o, "truediv", True)
    def __floordiv__(self, o): return self._binop(o, "floordiv")
    def __rfloordiv__(self, o): return self._binop(o, "floordiv", True)
    def __mod__(self, o): return self._binop(o, "mod")
    def __rmod__(self, o): return self._binop(o, "mod", True)
    def __pow__(self, o): return self._binop(o, "pow")
    def __rpow__(self, o): return self._binop(o, "pow", True)
    def __eq__(self, o): return self._binop(o, "eq")  # type: ignore[override]
    def __ne__(self, o): return self._binop(o, "ne")  # type: ignore[override]
    def __lt__(self, o): return self._binop(o, "lt")
    def __le__(self, o): return self._binop(o, "le")
    def __gt__(self, o): return self._binop(o, "gt")
    def __ge__(self, o): return self._binop(o, "ge")
    def __and__(self, o): return self._binop(o, "and")
    def __rand__(self, o): return self._binop(o, "and", True)
    def __or__(self, o): return self._binop(o, "or")
    def __ror__(self, o): return self._binop(o, "or", True)
    def __xor__(self, o): return self._binop(o, "xor")
    def __rxor__(self, o): return self._binop(o, "xor", True)
    def __invert__(self): return self._new(call("not", self._expr, user=True))
    def __neg__(self): return self._new(call("neg", self._expr))
    def __pos__(self): return self
    def __abs__(self): return self.abs()
    __hash__ = None  # type: ignore[assignment]

    def add(self, o): return self + o
    def sub(self, o): return self - o
    def mul(self, o): return self * o
    def div(self, o): return self / o
    truediv = div
    def eq(self, o): return self == o
    def ne(self, o): return self != o
    def lt(self, o): return self < o
    def le(self, o): return self <= o
    def gt(self, o): return self > o
    def ge(self, o): return self >= o

    def __bool__(self) -> bool:
        raise ValueError("The truth value of a Series is ambiguous. Use a.empty, a.bool(), a.item(), "
                         "a.any() or a.all().")

    def abs(self) -> "Series":
        """Absolute value."""
        return self._new(call("abs", self._expr))

    def isna(self) -> "Series":
        """True where the value is missing (NaN, None, NaT)."""
        return self._new(call("isna", self._expr))

    isnull = isna

    def notna(self) -> "Series":
        """True where the value is present."""
        return self._new(call("notna", self._expr))

    notnull = notna

    def dropna(self) -> "Series":
        """The non-missing values (typed as holding none, so str.len() is int64 as in pandas)."""
        return Series(Node("dropna", [self._node()], {"how": "any"}), col(_VALUE), self._name)

    def fillna(self, value: Any) -> "Series":
        """Replace missing values with a scalar."""
        if not is_scalar(value) or value is None:
            raise not_implemented("Series.fillna with a non-scalar value")
        return self._new(call("fillna", self._expr, lit(value)))

    def astype(self, dtype: Any) -> "Series":
        """Cast to another dtype (int64, int32, float64, float32, bool, str, datetime64[us|ns])."""
        return self._new(call("cast", self._expr, dtype=_dtype_name(dtype)))

    def where(self, cond: "Series", other: Any = np.nan) -> "Series":
        """Keep values where cond is True, else ``other`` (pandas Series.where)."""
        if not isinstance(cond, Series):
            raise not_implemented(f"Series.where with a {type(cond).__name__} condition")
        frame, c, x = _lineage.common_frame(cond._frame, cond._expr, self._frame, self._expr, "where")
        if _is_missing_scalar(other):
            other = None  # NaN, None and NaT all mean "missing" here
        ofr, oe = _operand(other)
        if ofr is not None:
            oe = _lineage.rebase_or_raise(oe, ofr, frame, "where")
        return Series(frame, call("where", c, x, oe), self._name)

    def mask(self, cond: "Series", other: Any = np.nan) -> "Series":
        """Replace values where cond is True with ``other``."""
        return self.where(~cond, other)

    def isin(self, values: Any) -> "Series":
        """Whether each value is in ``values``: a list-like of scalars, or another
        frame's Series (then usable only as ``df[mask]`` / ``df[~mask]``, recorded as
        a semi / anti join)."""
        if isinstance(values, Series):
            return _SemiMask(self, values, anti=False)
        if isinstance(values, (str, bytes)) or is_scalar(values) or isinstance(values, dict):
            raise FlernTypeError("only list-like objects are allowed to be passed to isin(), you passed a "
                                 f"`{type(values).__name__}`", kind="Type")
        try:
            items = list(values)
        except TypeError:
            raise not_implemented(f"Series.isin({type(values).__name__})") from None
        args = []
        for v in items:
            if not is_scalar(v):
                raise not_implemented(f"Series.isin with a {type(v).__name__} value")
            args.append(lit(v))
        return self._new(call("isin", self._expr, *args))

    def between(self, left: Any, right: Any, inclusive: str = "both") -> "Series":
        """left <= self <= right (inclusive: both, neither, left, right)."""
        lo = self >= left if inclusive in ("both", "left") else self > left
        hi = self <= right if inclusive in ("both", "right") else self < right
        return lo & hi

    def _value_type(self) -> str | None:
        """This Series' flern dtype name (None if the plan does not type-check yet)."""
        from . import _collect
        try:
            return _collect.schema(self._node())["fields"][0]["type"]
        except Exception:
            return None  # the error surfaces when the result is computed

    @property
    def str(self) -> "StringMethods":
        """Vectorized string functions."""
        if self._value_type() not in (None, "str"):
            raise AttributeError("Can only use .str accessor with string values!")
        return StringMethods(self)

    @property
    def dt(self) -> "DatetimeMethods":
        """Datetime field accessors."""
        t = self._value_type()
        if t is not None and not t.startswith("datetime"):
            raise AttributeError("Can only use .dt accessor with datetimelike values")
        return DatetimeMethods(self)

    # ---- row selection ---------------------------------------------------
    def __getitem__(self, key: Any) -> "Series":
        if isinstance(key, _SemiMask):
            raise _SemiMask._unsupported()
        if isinstance(key, Series):
            frame, pred, e = _lineage.common_frame(key._frame, key._expr, self._frame, self._expr, "boolean indexing")
            return Series(Node("filter", [frame], {"pred": pred.wire()}), e, self._name)
        if isinstance(key, slice):
            return Series(_slice_node(self._node(), key), col(_VALUE), self._name)
        raise not_implemented(f"Series[{type(key).__name__}]")

    def head(self, n: int = 5) -> "Series":
        return self[:n]

    def tail(self, n: int = 5) -> "Series":
        return self[-n:] if n else self[0:0]

    def sort_values(self, ascending: bool = True, na_position: str = "last", kind: str | None = None) -> "Series":
        """Sort by value (stable)."""
        node = Node("sort", [self._node()], {"by": [_VALUE], "ascending": [bool(ascending)], "na_position": na_position})
        return Series(node, col(_VALUE), self._name)

    def sort_index(self, ascending: bool = True) -> "Series":
        return Series(Node("sort_index", [self._node()], {"ascending": bool(ascending)}), col(_VALUE), self._name)

    def reset_index(self, drop: bool = False):
        """With drop=True a Series with a RangeIndex; otherwise a DataFrame."""
        node = Node("reset_index", [self._node()], {"drop": bool(drop)})
        if drop:
            return Series(node, col(_VALUE), self._name)
        from .frame import DataFrame, _check_names
        if self._name is None:
            raise not_implemented("Series.reset_index() of an unnamed Series (pandas labels the values "
                                  "column 0; flern's column labels are str: name the Series first)")
        _check_names([self._name], "Series.reset_index")
        return DataFrame._from_node(Node("rename", [node], {"mapping": {_VALUE: self._name}}))

    def rename(self, name: Any) -> "Series":
        return self._new(self._expr, name=name)

    def to_frame(self, name: Any = None) -> Any:
        """A one-column DataFrame (pandas.Series.to_frame): the column is ``name``, else the
        Series' name. flern's column labels are str: an unnamed Series (pandas labels it 0)
        or a non-str name raises NotImplementedError."""
        from .frame import DataFrame, _check_names
        label = self._name if name is None else name
        if label is None:
            raise not_implemented("Series.to_frame() of an unnamed Series (pandas labels its column 0; "
                                  "flern's column labels are str: pass name=...)")
        _check_names([label], "Series.to_frame")
        return DataFrame._from_node(Node("rename", [self._node()], {"mapping": {_VALUE: label}}))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if any(name in k.__dict__ for k in type(self).__mro__):
            return object.__getattribute__(self, name)  # a property's own AttributeError (.str of ints)
        from .frame import _raise_unsupported
        _raise_unsupported("Series", name)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def name(self) -> Any:
        return self._name

    @name.setter
    def name(self, value: Any) -> None:
        self._name = value

    # ---- reductions -------------------------------------------------------
    def _reduce(self, fn: str) -> Any:
        """A whole-column reduction, returned as pandas returns it.

        pandas' scalar types follow nanops: numpy scalars of the column's
        result dtype (int32 sums to int64, bool to int64, float32 stays
        float32), a Python float NaN for an empty column (and for the mean
        of an all-NaN one), a Python int for nunique.
        """
        from . import _collect
        node = Node("groupby_agg", [self._node()], {"keys": [], "aggs": [
            {"name": _VALUE, "col": _VALUE, "fn": fn}, {"name": "__n__", "col": "", "fn": "size"},
            {"name": "__valid__", "col": _VALUE, "fn": "count"}]})
        t = _collect.collect([node])[0]
        field = _collect.schema(self._node())["fields"][0]
        typ, nullable = field["type"], field["nullable"]
        if typ == "bool" and nullable and fn not in ("count", "nunique"):
            raise not_implemented(f"Series.{fn} of a bool column with missing values (pandas holds it as object)")
        if typ.startswith("datetime") and fn in ("mean", "median", "std", "var"):
            raise not_implemented(f"Series.{fn} of a datetime column")
        row = _collect.first_row(t, [_VALUE, "__n__", "__valid__"])
        if row is None:
            out = _collect.to_pandas(t)
            row = [out[_VALUE].iloc[0], out["__n__"].iloc[0], out["__valid__"].iloc[0]]
        v, n, valid = row[0], int(row[1]), int(row[2])
        if fn == "nunique":
            return int(v)
        if fn == "count":
            return np.int64(v)
        # pandas (nanops) returns a Python float NaN when nothing was counted: an empty
        # column, or a mean with no non-missing value; a NaN computed from values (inf - inf)
        # stays a numpy scalar.
        if pd_isna(v) and (n == 0 or (fn == "mean" and valid == 0 and typ not in ("str",))):
            if typ.startswith("datetime"):
                return v
            return float("nan")
        if typ == "str":
            return v if not pd_isna(v) else float("nan")
        if typ.startswith("datetime"):
            return v
        if fn == "sum":
            return np.float32(v) if typ == "float32" else (np.float64(v) if typ == "float64" else np.int64(v))
        if fn in ("min", "max"):
            return {"int64": np.int64, "int32": np.int32, "float64": np.float64, "float32": np.float32,
                    "bool": np.bool_}[typ](v)
        return np.float32(v) if typ == "float32" else np.float64(v)

    def sum(self) -> Any: return self._reduce("sum")
    def mean(self) -> Any: return self._reduce("mean")
    def min(self) -> Any: return self._reduce("min")
    def max(self) -> Any: return self._reduce("max")
    def count(self) -> Any: return self._reduce("count")
    def std(self, ddof: int = 1) -> Any:
        if ddof != 1:
            raise not_implemented("std(ddof != 1)")
        return self._reduce("std")
    def var(self, ddof: int = 1) -> Any:
        if ddof != 1:
            raise not_implemented("var(ddof != 1)")
        return self._reduce("var")
    def median(self) -> Any: return self._reduce("median")
    def nunique(self, dropna: bool = True) -> Any:
        if not dropna:
            raise not_implemented("nunique(dropna=False)")
        return self._reduce("nunique")

    def unique(self) -> np.ndarray:
        """Distinct values in order of appearance (a numpy array, as pandas)."""
        from . import _collect
        t = _collect.collect([Node("distinct", [self._node()], {"column": _VALUE})])[0]
        u = _collect.column_unique(t, _VALUE)
        return _collect.to_pandas(t)[_VALUE].unique() if u is None else u

    def value_counts(self, normalize: bool = False, sort: bool = True, ascending: bool = False,
                     dropna: bool = True) -> "Series":
        """Counts of distinct values, most frequent first."""
        name = self._name if self._name is not None else _VALUE
        base = Node("project", [self._frame], {"exprs": [{"name": str(name), "expr": self._expr.wire()}]})
        node = Node("value_counts", [base], {"column": str(name), "normalize": bool(normalize), "sort": bool(sort),
                                             "ascending": bool(ascending), "dropna": bool(dropna)})
        out = "proportion" if normalize else "count"
        return Series(node, col(out), out)

    # ---- materialization --------------------------------------------------
    def to_pandas(self):
        """Run the plan and return a pandas Series."""
        from . import _collect
        t = _collect.collect([self._node()])[0]
        s = _collect.to_pandas(t)[_VALUE]
        s.name = self._name
        return s

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        """The values as a numpy array (straight from Arrow for numeric and bool columns)."""
        from . import _collect
        node = self._node()
        t = _collect.collect([node])[0]
        out = _collect.to_numpy(t, dtype)
        if out is not None:
            from . import _handoff  # torch.tensor(this array) records the to_tensor edge
            return _handoff.handout(out[:, 0], node, t, 1)
        return _collect.to_pandas(t)[_VALUE].to_numpy(dtype=dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.to_numpy(), dtype=dtype)

    @property
    def values(self) -> np.ndarray:
        return self.to_numpy()

    def tolist(self) -> list:
        return self.to_pandas().tolist()

    to_list = tolist

    def to_arrow(self):
        """Run the plan and return a pyarrow Array."""
        from . import _collect
        t = _collect.collect([self._node()])[0]
        return _collect.to_arrow(t).column(_VALUE).combine_chunks()

    def __arrow_c_stream__(self, requested_schema: Any = None):
        import pyarrow as pa
        name = self._name if self._name is not None else _VALUE
        return pa.table({str(name): self.to_arrow()}).__arrow_c_stream__(requested_schema)

    def __len__(self) -> int:
        from .frame import _count_rows
        return _count_rows(self._frame)

    def __iter__(self):
        return iter(self.tolist())

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def size(self) -> int:
        return len(self)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    @property
    def dtype(self):
        from . import _collect
        f = _collect.schema(self._node())["fields"][0]
        return _collect.pandas_dtype(f["type"], f["nullable"])

    @property
    def index(self):
        from .index import Index
        return Index(self._node())

    def copy(self, deep: bool = True) -> "Series":
        return self._new(self._expr)

    def explain(self, verbose: bool = False) -> str:
        """The optimized plan that computes this Series."""
        from . import _collect
        return _collect.explain(self._node(), verbose)

    def __repr__(self) -> str:
        return repr(self.to_pandas())

    def apply(self, *args: Any, **kwargs: Any):
        raise not_implemented("Series.apply (arbitrary Python functions)")

    def map(self, *args: Any, **kwargs: Any):
        raise not_implemented("Series.map")


class StringMethods:
    """``Series.str``: vectorized string functions."""

    def __init__(self, s: Series) -> None:
        self._s = s

    def _f(self, fn: str, **opts: Any) -> Series:
        return self._s._new(call(fn, self._s._expr, **opts))

    def lower(self) -> Series: return self._f("str_lower")
    def upper(self) -> Series: return self._f("str_upper")
    def len(self) -> Series: return self._f("str_len")

    def contains(self, pat: str, case: bool = True, flags: int = 0, na: Any = None, regex: bool = True) -> Series:
        """pandas' str.contains on an Arrow-backed str column (RE2 regexes)."""
        if flags:
            raise not_implemented("str.contains(flags=...) (pandas uses Python's re module then)")
        if not isinstance(pat, str):
            raise not_implemented(f"str.contains with a {type(pat).__name__} pattern")
        opts: dict[str, Any] = {"pat": pat, "case": bool(case), "regex": bool(regex)}
        if regex:
            opts.update(_re2_pattern(pat))
        _na_opt(opts, na, "contains")
        return self._f("str_contains", **opts)

    def startswith(self, pat: str, na: Any = None) -> Series:
        if not isinstance(pat, str):
            raise not_implemented("str.startswith with a tuple of prefixes")
        opts: dict[str, Any] = {"pat": pat}
        _na_opt(opts, na, "startswith")
        return self._f("str_startswith", **opts)

    def endswith(self, pat: str, na: Any = None) -> Series:
        if not isinstance(pat, str):
            raise not_implemented("str.endswith with a tuple of suffixes")
        opts: dict[str, Any] = {"pat": pat}
        _na_opt(opts, na, "endswith")
        return self._f("str_endswith", **opts)

    def slice(self, start: Any = None, stop: Any = None, step: Any = None) -> Series:
        """Substrings by code-point position (Python slicing), as pandas' str.slice."""
        if step not in (None, 1):
            raise not_implemented("str.slice with a step")
        opts: dict[str, Any] = {}
        for k, v in (("start", start), ("stop", stop)):
            if v is None:
                continue
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise FlernTypeError("slice indices must be integers or None", kind="Type")
            opts[k] = int(v)
        return self._f("str_slice", **opts)

    def __getitem__(self, key: Any) -> Series:
        if isinstance(key, slice):
            return self.slice(key.start, key.stop, key.step)
        raise not_implemented(f"Series.str[{type(key).__name__}]")

    def __getattr__(self, name: str):
        raise not_implemented(f"Series.str.{name}")


class _SemiMask(Series):
    """``s.isin(other_series)`` where ``other_series`` may come from another frame:
    only ``df[mask]`` and ``df[~mask]`` are supported (a semi / anti join)."""

    def __init__(self, key: Series, values: Series, anti: bool) -> None:
        self._frame, self._name = key._frame, key._name
        self._key, self._values, self._anti = key, values, anti

    @property
    def _expr(self) -> Expr:  # every use of the mask as a plain column lands here
        raise self._unsupported()

    @staticmethod
    def _unsupported():
        return not_implemented("Series.isin(<Series>) other than as a row filter df[s.isin(t)] / "
                               "df[~s.isin(t)] (a semi / anti join)")

    def __invert__(self) -> "_SemiMask":
        return _SemiMask(self._key, self._values, not self._anti)

    def _binop(self, other: Any, fn: str, reverse: bool = False) -> "Series":
        raise self._unsupported()

    def _new(self, expr: Expr, name: Any = "__same__", frame: Node | None = None) -> "Series":
        raise self._unsupported()

    def _node(self) -> Node:
        raise self._unsupported()

    def semi_join(self, frame: Node) -> Node:
        """The semi_join node keeping the rows of ``frame`` this mask selects."""
        key = _lineage.rebase_or_raise(self._key._expr, self._key._frame, frame, "boolean indexing")
        if key.k != "col":
            raise not_implemented("Series.isin(<Series>) on a computed key (assign it to a column first)")
        v = self._values
        if v._expr.k == "col":
            right, rcol = v._frame, v._expr.name
        else:
            right, rcol = Series._node(v), _VALUE
        return Node("semi_join", [frame, right], {"left_on": key.name, "right_on": rcol, "anti": self._anti})


def _na_opt(opts: dict, na: Any, what: str) -> None:
    """str predicates' na=: missing (the default) reads as False, a bool is kept."""
    if _is_missing_scalar(na):
        return
    if isinstance(na, (bool, np.bool_)):
        opts["na"] = bool(na)
        return
    raise not_implemented(f"str.{what}(na={na!r})")


_END_ANCHOR = re.compile(r"(?<!\\)((?:\\\\)*)\\Z")


def _re2_pattern(pat: str) -> dict:
    """How pandas 3 runs regex ``pat`` on an Arrow str column, as options.

    pandas hands the pattern to RE2 (with ``\\Z`` spelled ``\\z``), except
    where RE2 and Python's ``re`` disagree: then it uses ``re``, always
    (lookarounds, backreferences, ``\\s``, ``\\u`` escapes) or for the rows
    that need it (``\\w \\d \\b`` on non-ASCII text, ``$`` on text with a
    newline). flern raises NotImplementedError instead of answering
    differently.
    """
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover (Python < 3.11)
        import sre_parse as sre  # type: ignore[no-redef]
    opts: dict[str, Any] = {}
    if re.search(r"(?<!\\)(?:\\\\)*\\[uUN]", pat):
        raise not_implemented(f"str.contains({pat!r}): \\u/\\U/\\N escapes (pandas uses Python's re)")
    try:
        tokens = sre.parse(pat)
    except re.error:
        return {"pat": _END_ANCHOR.sub(r"\1\\z", pat)}  # not Python syntax: RE2 decides
    c = sre  # the parser module re-exports the opcode constants
    nodes: list = []

    def walk(toks):
        for op, arg in toks:
            nodes.append((op, arg))
            if op == c.SUBPATTERN:
                walk(arg[3])
            elif op == c.BRANCH:
                for br in arg[1]:
                    walk(br)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                walk(arg[2])
            elif op in (getattr(c, "ATOMIC_GROUP", None), c.IN):
                walk(arg)
    walk(tokens)
    for op, arg in nodes:
        if op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF) or (
                op == c.CATEGORY and arg in (c.CATEGORY_SPACE, c.CATEGORY_NOT_SPACE)):
            raise not_implemented(f"str.contains({pat!r}): lookarounds, backreferences and \\s "
                                  "(pandas uses Python's re)")
        if (op == c.CATEGORY and arg in (c.CATEGORY_WORD, c.CATEGORY_NOT_WORD, c.CATEGORY_DIGIT,
                                         c.CATEGORY_NOT_DIGIT)) or (
                op == c.AT and arg in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY)):
            opts["ascii_only"] = True
        if op == c.AT and arg == c.AT_END:
            opts["no_newline"] = True
    opts["pat"] = _END_ANCHOR.sub(r"\1\\z", pat)
    return opts


class DatetimeMethods:
    """``Series.dt``: datetime fields."""

    def __init__(self, s: Series) -> None:
        self._s = s

    @property
    def year(self) -> Series: return self._s._new(call("dt_year", self._s._expr))

    @property
    def month(self) -> Series: return self._s._new(call("dt_month", self._s._expr))

    @property
    def day(self) -> Series: return self._s._new(call("dt_day", self._s._expr))

    @property
    def hour(self) -> Series: return self._s._new(call("dt_hour", self._s._expr))

    @property
    def minute(self) -> Series: return self._s._new(call("dt_minute", self._s._expr))

    @property
    def second(self) -> Series: return self._s._new(call("dt_second", self._s._expr))

    @property
    def dayofweek(self) -> Series:
        """Day of the week, Monday = 0 (also ``weekday`` and ``day_of_week``)."""
        return self._s._new(call("dt_dayofweek", self._s._expr))

    weekday = dayofweek
    day_of_week = dayofweek

    @property
    def dayofyear(self) -> Series: return self._s._new(call("dt_dayofyear", self._s._expr))

    day_of_year = dayofyear

    @property
    def quarter(self) -> Series: return self._s._new(call("dt_quarter", self._s._expr))

    def __getattr__(self, name: str):
        raise not_implemented(f"Series.dt.{name}")


def _dtype_name(dtype: Any) -> str:
    """Normalize a dtype spec (str, numpy dtype, Python type) to flern's name."""
    if dtype is str or (isinstance(dtype, str) and dtype == "str"):
        return "str"
    if type(dtype).__name__ == "StringDtype" and getattr(dtype, "na_value", None) is not None \
            and dtype.na_value != dtype.na_value:  # pd.StringDtype(na_value=np.nan): the "str" dtype
        return "str"
    if dtype is object or (isinstance(dtype, str) and dtype in ("object", "O", "string")):
        raise not_implemented(f"astype({dtype!r}) (pandas makes an object or a <NA>-string column)")
    if dtype is int:
        return "int64"
    if dtype is float:
        return "float64"
    if dtype is bool:
        return "bool"
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    names = {"int64": "int64", "int32": "int32", "float64": "float64", "float32": "float32", "bool": "bool",
             "datetime64[us]": "datetime64[us]", "datetime64[ns]": "datetime64[ns]"}
    if name not in names:
        raise not_implemented(f"dtype {dtype!r}")
    return names[name]


def _slice_node(node: Node, key: slice) -> Node:
    if key.step not in (None, 1):
        raise not_implemented("slices with a step")
    for v in (key.start, key.stop):
        if v is not None and not isinstance(v, (int, np.integer)):
            raise FlernTypeError("row slices take integer positions", kind="Type")
    attrs = {"start": None if key.start is None else int(key.start),
             "stop": None if key.stop is None else int(key.stop)}
    return Node("slice", [node], attrs)
