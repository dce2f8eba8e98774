"""A dropna done by its Parquet scan (the scan_dropna stage, golib/exec/scandropna.go; the reader's
compaction in golib/parquetio/dropna.go): where a dropna reads a scan's columns through projects of
plain columns, the scan drops the rows as it reads. Each result against pandas on the same file
(rows, values, dtypes and index labels) and against the plan with the stage off; explain() shows
the scan's `dropna`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flern.pandas as fpd
from flern import _config

N = 20_000


def _frame(seed: int = 0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.choice(np.array([0.5, -1.25, 3.0, 1e300, -0.0]), n)
    f[rng.random(n) < 0.08] = np.nan
    i = rng.integers(-50, 3000, n).astype(np.float64)  # an int column with nulls (pandas: float64)
    i[rng.random(n) < 0.05] = np.nan
    s = rng.choice(np.array(["ab", "cd", "éf", "a string over eight bytes", ""], dtype=object), n)
    s[rng.random(n) < 0.06] = None
    t = pd.date_range("2001-01-01", periods=700, freq="7min").values.astype("datetime64[us]")[rng.integers(0, 700, n)]
    t[rng.random(n) < 0.04] = np.datetime64("NaT")
    return pd.DataFrame({
        "f": f, "i": i, "s": s, "t": t,
        "k": rng.integers(0, 9, n).astype(np.int64),
        "b": rng.random(n) < 0.5,
    })


def _write(df: pd.DataFrame, tmp_path, name="d.parquet", preserve_index=False, nan_values=False, **kw) -> str:
    path = str(tmp_path / name)
    table = pa.Table.from_pandas(df, preserve_index=preserve_index)
    if nan_values:  # NaN kept as a float value, not written as a null
        cols = [pa.array(df[c].to_numpy(), from_pandas=False) if df[c].dtype.kind == "f" else table.column(c)
                for c in df.columns]
        table = pa.Table.from_arrays(cols, names=list(df.columns)).replace_schema_metadata(table.schema.metadata)
    pq.write_table(table, path, row_group_size=kw.pop("row_group_size", 6_000), **kw)
    return path


@pytest.fixture
def stage_off(monkeypatch):
    def off():
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | {"scan_dropna"})
    return off


def _stage_on() -> bool:
    return not _config.no_opt and _config.executor != "interp" and "scan_dropna" not in _config.disabled_passes


CASES = [
    {},
    {"how": "all"},
    {"subset": ["f"]},
    {"subset": ["s", "t"]},
    {"subset": ["f", "i"], "how": "all"},
    {"subset": ["k", "b"]},          # never missing: every row kept
    {"subset": ["i"], "how": "all"},
]


@pytest.mark.parametrize("off", [False, True])
@pytest.mark.parametrize("kw", CASES)
def test_scan_dropna_against_pandas(tmp_path, stage_off, off, kw):
    """dropna's forms over a scan of floats, ints with nulls, strings (unicode, empty, long) with
    nulls, datetimes with NaT, ints and bools, in row groups: pandas' rows, values and positions as
    labels; then readers that depend on which columns can still be missing."""
    if off:
        stage_off()
    df = _frame()
    path = _write(df, tmp_path)
    got, want = fpd.read_parquet(path).dropna(**kw), df.dropna(**kw)
    if _stage_on():
        scan = [line for line in got.explain().splitlines() if "scan_parquet" in line][0]
        assert "dropna=" in scan and "dropna(" not in got.explain(), got.explain()
    pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)
    pdt.assert_series_equal(got["s"].str.len().to_pandas(), want["s"].str.len(), check_exact=True)
    assert got["f"].sum() == want["f"].sum() and got["i"].count() == want["i"].count()
    assert int(got["s"].isna().sum()) == int(want["s"].isna().sum())


@pytest.mark.parametrize("off", [False, True])
def test_scan_dropna_through_projects_and_lookups(tmp_path, stage_off, off):
    """The fuel shape: columns selected and renamed, a column derived from a string column's
    dictionary (scan_derive), dropna, get_dummies of a string lookup, statistics of int lookups;
    the dropna frame kept by get_dummies' probe and read again. NaN values (not nulls) too."""
    if off:
        stage_off()
    rng = np.random.default_rng(3)
    years = np.array([f"{y}-01-01" for y in range(1970, 1983)], dtype=object)
    pool = pd.DataFrame({
        "mpg": np.where(rng.random(300) < 0.05, np.nan, rng.integers(9, 47, 300).astype(np.float64)),
        "cyl": rng.choice(np.array([3, 4, 6, 8], dtype=np.int64), 300),
        "hp": np.where(rng.random(300) < 0.05, np.nan, rng.integers(46, 230, 300).astype(np.float64)),
        "Year": years[rng.integers(0, len(years), 300)],
        "Origin": rng.choice(np.array(["USA", "Europe", "Japan"], dtype=object), 300),
    })
    df = pool.iloc[rng.integers(0, 300, N)].reset_index(drop=True)
    for nan_values in (False, True):
        path = _write(df, tmp_path, name=f"c{nan_values}.parquet", nan_values=nan_values)

        def clean(d):
            d = d[["mpg", "cyl", "hp", "Year", "Origin"]].rename(columns={"hp": "power"})
            d["Model_Year"] = d["Year"].str.slice(0, 4).astype("int64") - 1900
            d = d.drop(columns=["Year"])
            return d.dropna()

        got, want = clean(fpd.read_parquet(path)), clean(df.copy())
        if _stage_on():  # (before get_dummies' probe keeps the frame: the plan would read that)
            plan = got.explain()
            assert "dropna(" not in plan and any("scan_parquet" in line and "dropna=" in line
                                                for line in plan.splitlines()), plan
        got, want = fpd.get_dummies(got, columns=["Origin"], dtype=float), pd.get_dummies(want, columns=["Origin"], dtype=float)
        pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)
        assert got["cyl"].mean() == want["cyl"].mean() and got["Model_Year"].std() == want["Model_Year"].std()
        pdt.assert_index_equal(got.index.to_pandas() if hasattr(got.index, "to_pandas") else pd.Index(got.index),
                               want.index, exact=False)


@pytest.mark.parametrize("off", [False, True])
def test_scan_dropna_stored_index(tmp_path, stage_off, off):
    """A file with stored index labels (a named index, a RangeIndex that is not the default) keeps
    the labels of the rows left, as pandas does."""
    if off:
        stage_off()
    df = _frame(5, 3000)
    for idx in (pd.Index(np.arange(3000)[::-1] * 3, name="id"), pd.RangeIndex(10, 10 + 2 * 3000, 2),
                pd.Index([f"r{j}é" for j in range(3000)], name="key")):
        d = df.set_axis(idx)
        path = _write(d, tmp_path, name=f"ix{type(idx).__name__}{idx.name}.parquet", preserve_index=True)
        for kw in ({}, {"subset": ["f", "s"], "how": "all"}):
            pdt.assert_frame_equal(fpd.read_parquet(path).dropna(**kw).to_pandas(), pd.read_parquet(path).dropna(**kw),
                                   check_exact=True)


@pytest.mark.parametrize("off", [False, True])
def test_scan_dropna_edges(tmp_path, stage_off, off):
    """Plain (not dictionary-coded) pages, an empty file, every row dropped, no row dropped, and
    a file the plan reads twice (the merge's probes run the dropna side alone first; which plans
    keep the dropna a node is golib/exec's TestScanDropna)."""
    if off:
        stage_off()
    df = _frame(7, 5000)
    plain = _write(df, tmp_path, name="plain.parquet", use_dictionary=False)
    pdt.assert_frame_equal(fpd.read_parquet(plain).dropna().to_pandas(), df.dropna(), check_exact=True)
    empty = _write(df.iloc[:0], tmp_path, name="empty.parquet")
    pdt.assert_frame_equal(fpd.read_parquet(empty).dropna().to_pandas(), df.iloc[:0].dropna(), check_exact=True)
    gone = df.assign(f=np.nan)
    p = _write(gone, tmp_path, name="gone.parquet")
    pdt.assert_frame_equal(fpd.read_parquet(p).dropna().to_pandas(), gone.dropna(), check_exact=True)
    full = df.dropna().reset_index(drop=True)
    p = _write(full, tmp_path, name="full.parquet")
    pdt.assert_frame_equal(fpd.read_parquet(p).dropna().to_pandas(), full.dropna(), check_exact=True)
    def both(d):  # one plan reading the scan twice
        g = d.groupby("k", as_index=False).agg(n=("b", "size"))
        return d.dropna()[["k", "f"]].merge(g, on="k", how="left")

    got = both(fpd.read_parquet(_write(df, tmp_path, name="twice.parquet")))  # (no result cached from above)
    pdt.assert_frame_equal(got.to_pandas(), both(df), check_exact=True)
