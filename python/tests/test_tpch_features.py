"""Features the TPC-H queries need, each checked against pandas: Series.isin
with a list, isin with another frame's Series (semi / anti join), str.slice /
str[a:b], and date literals compared with datetime columns."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

import flern
from conftest import assert_frame_same, assert_series_same

DATA = {
    "i": [1, 2, 3, 4, 5],
    "f": [1.0, np.nan, 3.5, 2.0, np.nan],
    "s": ["ab", "cdé", None, "日本語テキスト", ""],
    "d": pd.to_datetime(["1994-01-01", "1995-06-30", "1993-12-31", "1996-02-29", "1994-12-31"]),
}


@pytest.fixture
def frames():
    p = pd.DataFrame(DATA)
    return flern.DataFrame(p), p


@pytest.mark.parametrize("col,values", [
    ("i", [1, 3]), ("i", [1.0, 5.5]), ("i", []), ("i", (2,)), ("i", {4, 5}), ("i", np.array([2, 3])),
    ("f", [1.0, 2]), ("f", [np.nan]), ("f", [None, 3.5]), ("f", []),
    ("s", ["ab", "日本語テキスト"]), ("s", [None]), ("s", [""]), ("s", []), ("s", ["x"]),
    ("d", [datetime(1994, 1, 1), datetime(1996, 2, 29)]),
])
def test_isin_list(frames, col, values):
    df, p = frames
    assert_series_same(df[col].isin(values), p[col].isin(values))
    assert_frame_same(df[df[col].isin(values)], p[p[col].isin(values)])
    assert_frame_same(df[~df[col].isin(values)], p[~p[col].isin(values)])


def test_isin_list_in_expression(frames):
    df, p = frames
    got = df[df["s"].isin(["ab", "cdé"]) & (df["i"] > 1)]
    assert_frame_same(got, p[p["s"].isin(["ab", "cdé"]) & (p["i"] > 1)])
    assert_series_same(df["i"].isin([2, 3]).astype("int64"), p["i"].isin([2, 3]).astype("int64"))


def test_isin_rejects_a_scalar(frames):
    df, _ = frames
    with pytest.raises(TypeError):
        df["i"].isin(3)
    with pytest.raises(TypeError):
        df["s"].isin("ab")


def test_isin_mixed_kinds_not_implemented(frames):
    df, _ = frames
    with pytest.raises(NotImplementedError):
        df["i"].isin(["1"]).to_pandas()


@pytest.mark.parametrize("col,other", [
    ("i", {"k": [3, 1, 3, 9]}),
    ("i", {"k": [3.0, np.nan]}),
    ("f", {"k": [np.nan, 2.0]}),
    ("f", {"k": [1, 7]}),
    ("s", {"k": ["cdé", None, "zz"]}),
    ("s", {"k": ["日本語テキスト", ""]}),
    ("i", {"k": pd.Series([], dtype="int64")}),
])
def test_semi_anti_join(frames, col, other):
    df, p = frames
    o, po = flern.DataFrame(pd.DataFrame(other)), pd.DataFrame(other)
    assert_frame_same(df[df[col].isin(o["k"])], p[p[col].isin(po["k"])])
    assert_frame_same(df[~df[col].isin(o["k"])], p[~p[col].isin(po["k"])])


def test_semi_join_on_filtered_and_computed_other(frames):
    df, p = frames
    o = pd.DataFrame({"k": [1, 2, 3, 4], "v": [1, 0, 1, 1]})
    fo = flern.DataFrame(o)
    got = df[df["i"].isin(fo[fo["v"] == 1]["k"] + 1)]
    assert_frame_same(got, p[p["i"].isin(o[o["v"] == 1]["k"] + 1)])
    # the same frame on both sides, and a filtered left side
    f2 = df[df["i"] > 1]
    p2 = p[p["i"] > 1]
    assert_frame_same(f2[f2["i"].isin(df["i"])], p2[p2["i"].isin(p["i"])])
    # the mask can be double-negated
    assert_frame_same(df[~~df["i"].isin(fo["k"])], p[~~p["i"].isin(o["k"])])


def test_semi_join_mask_other_uses_not_implemented(frames):
    df, _ = frames
    o = flern.DataFrame({"k": [1, 2]})
    m = df["i"].isin(o["k"])
    for f in (lambda: m.to_pandas(), lambda: m & (df["i"] > 1), lambda: (df["i"] > 1) | m,
              lambda: df.assign(x=m).to_pandas(), lambda: df["f"].where(m, 0.0).to_pandas(),
              lambda: df["i"][m]):
        with pytest.raises(NotImplementedError):
            f()


def test_semi_join_keeps_only_needed_columns(frames):
    df, _ = frames
    o = flern.DataFrame({"k": [1, 2], "junk": ["a", "b"]})
    plan = df[df["i"].isin(o["k"])][["s"]].explain()
    assert "semi_join" in plan


@pytest.mark.parametrize("a,b", [(0, 2), (1, 3), (None, 2), (2, None), (-2, None), (-3, -1), (5, 1), (0, 100),
                                 (None, None), (-100, 2)])
def test_str_slice(frames, a, b):
    df, p = frames
    assert_series_same(df["s"].str.slice(a, b), p["s"].str.slice(a, b))
    assert_series_same(df["s"].str[a:b], p["s"].str[a:b])


def test_str_slice_empty_and_step():
    p = pd.DataFrame({"s": pd.Series([], dtype="str")})
    df = flern.DataFrame(p)
    assert_series_same(df["s"].str.slice(0, 2), p["s"].str.slice(0, 2))
    with pytest.raises(NotImplementedError):
        df["s"].str.slice(0, 4, 2)


def test_date_literals_compare_with_datetime_columns(frames):
    df, p = frames
    lo, hi = datetime(1994, 1, 1), datetime(1995, 1, 1)
    assert_frame_same(df[(df["d"] >= lo) & (df["d"] < hi)], p[(p["d"] >= lo) & (p["d"] < hi)])
    assert_series_same(df["d"].dt.year, p["d"].dt.year)


def test_isin_with_missing_values_in_the_column():
    p = pd.DataFrame({"x": [1.5, np.nan, 2.5], "s": ["a", None, "b"]})
    df = flern.DataFrame(p)
    for vals in ([1.5], [np.nan, 2.5], [None]):
        assert_series_same(df["x"].isin(vals), p["x"].isin(vals))
    for vals in (["a"], [None, "b"], [np.nan]):
        assert_series_same(df["s"].isin(vals), p["s"].isin(vals))
