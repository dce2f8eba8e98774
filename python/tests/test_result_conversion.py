"""Results read without building a pandas frame (_collect.first_row for whole-column
reductions, _collect.column_unique for Series.unique) give what the pandas conversion gives:
the same values and the same Python/numpy types, missing values included; and the user-facing
reductions and unique() match pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import flern.pandas as fpd
from flern import _collect

ARRAYS = {
    "i64": pa.array([3, -1, 3], pa.int64()),
    "i64_null": pa.array([None, 2, 2], pa.int64()),
    "i64_null_later": pa.array([5, None, 5], pa.int64()),
    "i32": pa.array([7, 1, 7], pa.int32()),
    "f64": pa.array([1.5, float("nan"), 1.5], pa.float64()),
    "f64_null": pa.array([None, 2.5, None], pa.float64()),
    "f32": pa.array([0.25, -3.0, 0.25], pa.float32()),
    "f32_null": pa.array([None, 1.0, 1.0], pa.float32()),
    "b": pa.array([True, False, True]),
    "b_null": pa.array([None, True, True]),
    "b_null_later": pa.array([False, None, False]),
    "s": pa.array(["x", "y", "x"]),
    "s_null": pa.array([None, "y", None]),
    "ls": pa.array(["a", None, "a"], pa.large_string()),
}


def same_scalar(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) or isinstance(a, np.floating):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


@pytest.mark.parametrize("name", list(ARRAYS))
def test_first_row_is_the_pandas_conversion(name):
    t = pa.table({"v": ARRAYS[name], "n": pa.array([3, 3, 3])})
    got = _collect.first_row(t, ["v", "n"])
    df = _collect.to_pandas(t)
    want = [df["v"].iloc[0], df["n"].iloc[0]]
    assert got is not None
    assert all(same_scalar(g, w) for g, w in zip(got, want)), (got, want, [type(x) for x in got], [type(x) for x in want])


@pytest.mark.parametrize("name", list(ARRAYS))
def test_column_unique_is_the_pandas_conversion(name):
    t = pa.table({"v": ARRAYS[name]})
    want = _collect.to_pandas(t)["v"].unique()
    got = _collect.column_unique(t, "v")
    if got is None:  # left to pandas: only bool or int columns with missing values
        assert name in ("i64_null", "i64_null_later", "b_null", "b_null_later")
        return
    assert type(got) is type(want) and got.dtype == want.dtype
    assert pd.Series(got).equals(pd.Series(want))


def test_other_types_and_index_levels_go_through_pandas():
    ts = pa.table({"v": pa.array([np.datetime64("2020-01-01T00:00:00", "us")])})
    assert _collect.first_row(ts, ["v"]) is None and _collect.column_unique(ts, "v") is None
    idx = pa.table({"k": pa.array([1]), "v": pa.array([2.0])}).replace_schema_metadata(
        {b"flern.index_names": b'["k"]'})
    assert _collect.first_row(idx, ["v"]) is None and _collect.column_unique(idx, "v") is None


COLUMNS = {
    "i": [3, 1, 3, 2],
    "f": [1.5, np.nan, -2.0, 1.5],
    "b": [True, False, True, True],
    "s": ["x", None, "y", "x"],
}


@pytest.mark.parametrize("col", list(COLUMNS))
@pytest.mark.parametrize("fn", ["sum", "mean", "min", "max", "std", "count", "nunique", "unique"])
def test_series_reductions_and_unique_match_pandas(col, fn):
    p = pd.DataFrame(COLUMNS)
    p["s"] = p["s"].astype("str")
    f = fpd.DataFrame(p)
    if col == "s" and fn in ("sum", "mean", "std"):
        return
    if col == "b" and fn in ("std",):
        return
    want = getattr(p[col], fn)()
    got = getattr(f[col], fn)()
    if fn == "unique":
        assert type(got) is type(want) and got.dtype == want.dtype
        assert pd.Series(got).equals(pd.Series(want))
        return
    assert type(got) is type(want), (type(got), type(want))
    assert same_scalar(got, want) or (isinstance(got, float) and got == pytest.approx(want))
