"""Property tests: hypothesis-generated small frames (0-30 rows) with nullable
str keys, int keys and float values with NaN; filter, groupby-agg, merge and
sort_values run through pandas and through flern must give the same frame."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flern
from conftest import assert_frame_same

# FLERN_HYPOTHESIS_EXAMPLES raises the example count for a longer local hunt.
SETTINGS = settings(max_examples=int(os.environ.get("FLERN_HYPOTHESIS_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

STRS = ["a", "b", "ç", "日本", "", "Z"]
INTS = [0, 1, 2, -3, 7, np.iinfo(np.int64).max, np.iinfo(np.int64).min]
FLOATS = [0.0, -0.0, 1.5, -2.25, 3.0, np.nan, np.inf, 1e-300]


@st.composite
def frames(draw, min_rows: int = 0, max_rows: int = 30) -> pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    s = draw(st.lists(st.sampled_from(STRS + [None]), min_size=n, max_size=n))
    i = draw(st.lists(st.sampled_from(INTS[:5]) if draw(st.booleans()) else st.sampled_from(INTS),
                      min_size=n, max_size=n))
    f = draw(st.lists(st.sampled_from(FLOATS) | st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n))
    b = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return pd.DataFrame({"s": pd.Series(s, dtype="str"), "i": np.array(i, dtype=np.int64),
                         "f": np.array(f, dtype=np.float64), "b": np.array(b, dtype=bool)})


def same(fn, *frames_):
    """fn on pandas and on flern copies gives the same frame (or both raise the same kind of error)."""
    try:
        exp, err = fn(*frames_), None
    except (KeyError, TypeError, ValueError) as e:
        exp, err = None, e
    fl = [flern.from_pandas(f) for f in frames_]
    if err is not None:
        kind = next(k for k in (KeyError, TypeError, ValueError) if isinstance(err, k))
        with pytest.raises(kind):
            fn(*fl).to_pandas()
        return
    got = fn(*fl)
    if isinstance(exp, pd.Series):
        pd.testing.assert_series_equal(got.to_pandas(), exp, check_index_type="equiv")
        assert len(got) == len(exp) and str(got.dtype) == str(exp.dtype)
        return
    assert_frame_same(got, exp)
    assert got.shape == exp.shape
    assert [str(t) for t in got.dtypes] == [str(t) for t in exp.dtypes], (got.dtypes, exp.dtypes)


# ---- filter ---------------------------------------------------------------------------

def _atoms():
    """Predicates on a frame, written once for pandas and flern."""
    cmp_ops = ["<", "<=", ">", ">=", "==", "!="]
    num = st.tuples(st.sampled_from(["i", "f"]), st.sampled_from(cmp_ops),
                    st.sampled_from([0, 1, -3, 1.5, np.nan, np.inf])).map(lambda t: ("cmp",) + t)
    strs = st.tuples(st.just("s"), st.sampled_from(["==", "!=", "<", ">="]),
                     st.sampled_from(STRS)).map(lambda t: ("cmp",) + t)
    nulls = st.tuples(st.sampled_from(["isna", "notna"]), st.sampled_from(["s", "f"]))
    cols = st.tuples(st.just("colcmp"), st.sampled_from(cmp_ops))
    return num | strs | nulls | cols | st.just(("bool",))


def _preds():
    return st.recursive(_atoms(), lambda inner: st.tuples(st.sampled_from(["&", "|", "^"]), inner, inner)
                        | st.tuples(st.just("~"), inner), max_leaves=4)


def _eval(p, d):
    op = p[0]
    if op == "cmp":
        _, c, o, v = p
        x = d[c]
        return {"<": x < v, "<=": x <= v, ">": x > v, ">=": x >= v, "==": x == v, "!=": x != v}[o]
    if op == "colcmp":
        x, y = d["i"], d["f"]
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y, "!=": x != y}[p[1]]
    if op in ("isna", "notna"):
        return getattr(d[p[1]], op)()
    if op == "bool":
        return d["b"]
    if op == "~":
        return ~_eval(p[1], d)
    a, b = _eval(p[1], d), _eval(p[2], d)
    return {"&": a & b, "|": a | b, "^": a ^ b}[op]


@SETTINGS
@given(df=frames(), pred=_preds())
def test_filter(df, pred):
    same(lambda d: d[_eval(pred, d)], df)
    same(lambda d: d[_eval(pred, d)].reset_index(drop=True), df)


# ---- groupby-agg ---------------------------------------------------------------------------

AGG_FUNCS = ["sum", "mean", "count", "min", "max", "std", "var", "median", "nunique", "first", "last", "size"]


@SETTINGS
@given(df=frames(), keys=st.sampled_from([["s"], ["i"], ["b"], ["f"], ["s", "i"], ["i", "s"], ["s", "b"], ["f", "s"]]),
       aggs=st.lists(st.tuples(st.sampled_from(["f", "i", "s", "b"]), st.sampled_from(AGG_FUNCS)),
                     min_size=1, max_size=4),
       dropna=st.booleans(), sort=st.booleans(), as_index=st.booleans())
def test_groupby_agg(df, keys, aggs, dropna, sort, as_index):
    ok = [(c, fn) for c, fn in aggs if not (c == "s" and fn in ("sum", "mean", "std", "var", "median"))]
    if not ok:
        ok = [("f", "sum")]
    named = {f"{fn}_{c}_{j}": (c, fn) for j, (c, fn) in enumerate(ok)}
    same(lambda d: d.groupby(keys, dropna=dropna, sort=sort, as_index=as_index).agg(**named), df)
    c, fn = ok[0]
    if c not in keys:
        same(lambda d: getattr(d.groupby(keys, dropna=dropna, sort=sort, as_index=as_index)[c], fn)(), df)


# ---- merge ---------------------------------------------------------------------------------

@SETTINGS
@given(left=frames(), right=frames(max_rows=12), on=st.sampled_from([["s"], ["i"], ["s", "i"], ["f"]]),
       how=st.sampled_from(["inner", "left"]), drop_bool=st.booleans())
def test_merge(left, right, on, how, drop_bool):
    if how == "left" and not drop_bool:
        # An unmatched left row leaves the right bool column with NaN, which flern shows
        # as None (python/flern/_collect.py; test_relational.py has the xfail): keep the
        # bool column only when every left row matches.
        hits = left[on].merge(right[on].drop_duplicates(), on=on, how="inner")
        drop_bool = len(hits) < len(left)
    r = right.drop(columns=["b"]) if drop_bool else right
    same(lambda l, r_: l.merge(r_, on=on, how=how), left, r)
    same(lambda l, r_: l.merge(r_, on=on, how=how, suffixes=("_l", "_r")).sort_values(
        on, **({"kind": "stable"} if isinstance(l, pd.DataFrame) else {})), left, r)


# ---- sort_values ---------------------------------------------------------------------------

@SETTINGS
@given(df=frames(), by=st.lists(st.sampled_from(["s", "i", "f", "b"]), min_size=1, max_size=3, unique=True),
       asc=st.lists(st.booleans(), min_size=3, max_size=3), na_position=st.sampled_from(["last", "first"]),
       head=st.integers(-3, 8))
def test_sort_values(df, by, asc, na_position, head):
    ascending = asc[:len(by)] if len(by) > 1 else asc[0]

    def q(d):
        return d.sort_values(by, ascending=ascending, na_position=na_position,
                             **({"kind": "stable"} if isinstance(d, pd.DataFrame) else {}))
    same(q, df)
    same(lambda d: q(d).head(head), df)
    same(lambda d: q(d).reset_index(), df)


# ---- a chained pipeline: filter -> assign -> groupby -> merge -> sort --------------------

@SETTINGS
@given(df=frames(), lookup=frames(max_rows=8), pred=_preds(), how=st.sampled_from(["inner", "left"]),
       key=st.sampled_from(["s", "i"]), fn=st.sampled_from(["sum", "mean", "max", "count", "nunique"]))
def test_pipeline(df, lookup, pred, how, key, fn):
    lk = lookup.drop(columns=["b"]).drop_duplicates(subset=[key])

    def run(d, l):
        d = d[_eval(pred, d)]
        d = d.assign(w=d["f"] * 2 - d["i"] % 5)
        g = d.groupby(key, as_index=False).agg(v=("w", fn), n=("f", "size"))
        m = g.merge(l, on=key, how=how)
        return m.sort_values(["v", key], ascending=[False, True], na_position="first",
                             **({"kind": "stable"} if isinstance(d, pd.DataFrame) else {}))
    same(run, df, lk)
