"""Fast paths of the parallel runtime (golib/exec) vs pandas on inputs of several morsels:
parallel groupby nunique, several integer keys packed into one, filtered aggregations grouped
in parallel, join matches bucketed by key, string/column comparisons in filters and the
str.contains literal-chain shortcut (text with and without newlines)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flern
import flern.pandas as fpd

from conftest import assert_frame_same

N = 200_000  # four morsels


def _data(n: int = N, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["AIR", "AIR REG", "MAIL", "", "é", "日本"], dtype=object)
    comments = np.array(["special requests", "special\nrequests", "requests special", "specialrequests!",
                         "nothing", "sp\u00e9cial requests", "a special deposit requests"], dtype=object)
    v = rng.integers(0, 40, n).astype(np.float64)
    v[rng.random(n) < 0.05] = np.nan
    d0 = np.datetime64("1994-01-01", "us")
    return pd.DataFrame({
        "k": rng.integers(0, 30_000, n, dtype=np.int64),
        "k2": rng.integers(-5, 20, n, dtype=np.int64),
        "supp": rng.integers(0, 50, n, dtype=np.int64),
        "v": v,
        "s": pd.array(words[rng.integers(0, len(words), n)], dtype="str"),
        "c": pd.array(comments[rng.integers(0, len(comments), n)], dtype="str"),
        "d1": d0 + rng.integers(0, 400, n).astype("timedelta64[D]"),
        "d2": d0 + rng.integers(0, 400, n).astype("timedelta64[D]"),
        "x": rng.standard_normal(n),
    })


@pytest.mark.parametrize("col", ["supp", "v", "s", "d1"])
def test_groupby_nunique_many_groups(col):
    pdf = _data()
    fdf = flern.from_pandas(pdf)

    def q(df):
        return df.groupby("k", as_index=False).agg(n=(col, "nunique"), m=("x", "sum"))
    assert_frame_same(q(fdf), q(pdf))


@pytest.mark.parametrize("dropna", [True, False])
def test_groupby_packed_int_keys(dropna):
    pdf = _data()
    fdf = flern.from_pandas(pdf)

    def q(df):
        f = df[df["d1"] < df["d2"]]
        return f.groupby(["k2", "k"], as_index=False, dropna=dropna).agg(sx=("x", "sum"), n=("x", "size"))
    assert_frame_same(q(fdf), q(pdf))


def test_join_many_matches_per_key():
    pdf = _data()
    dim = pd.DataFrame({"supp": np.arange(0, 60, dtype=np.int64), "w": np.arange(60) * 0.5})
    got = flern.from_pandas(dim).merge(flern.from_pandas(pdf), on="supp")
    assert_frame_same(got, dim.merge(pdf, on="supp"))
    got = flern.from_pandas(dim).merge(flern.from_pandas(pdf), on="supp", how="left")
    assert_frame_same(got, dim.merge(pdf, on="supp", how="left"))


def test_filter_string_and_column_comparisons():
    pdf = _data()
    fdf = flern.from_pandas(pdf)

    def q(df):
        m = df["s"].isin(["AIR", "AIR REG", "日本"]) & (df["s"] != "") & (df["d1"] <= df["d2"])
        return df[m | (df["s"] == "é")]
    assert_frame_same(q(fdf), q(pdf))


@pytest.mark.parametrize("pat", ["special.*requests", "special.*", "re.*ts.*", "sp.*é"])
def test_str_contains_literal_chain(pat):
    pdf = _data()
    fdf = flern.from_pandas(pdf)
    assert_frame_same(fdf[~fdf["c"].str.contains(pat)], pdf[~pdf["c"].str.contains(pat)])


def _texts(n: int = N, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tokens = np.array(["special", "requests", "spec", "req", " ", "\n", "é", "日本", "q", "ab", "ba", ""], dtype=object)
    k = rng.integers(0, 7, n)
    picks = rng.integers(0, len(tokens), (n, 6))
    c = ["".join(tokens[picks[i, :k[i]]]) for i in range(n)]
    c = pd.array(c, dtype="str")
    c[rng.random(n) < 0.03] = None
    return pd.DataFrame({"c": c, "i": np.arange(n, dtype=np.int64)})


@pytest.mark.parametrize("pat", ["special.*requests", "q.*日本", ".*req", "é", "requests", "ab\nba", "", ".*"])
@pytest.mark.parametrize("regex", [True, False])
def test_str_contains_literal_scan(pat, regex):
    """The substring scan behind str.contains of literals (lit, lit.*lit) on text of several
    morsels with newlines, unicode, empty strings and nulls: pandas' answers for each na."""
    pdf = _texts()
    fdf = flern.from_pandas(pdf)
    assert_frame_same(fdf[~fdf["c"].str.contains(pat, regex=regex, na=False)],
                      pdf[~pdf["c"].str.contains(pat, regex=regex, na=False)])
    for na in (True, False):
        got = fdf["c"].str.contains(pat, regex=regex, na=na).to_pandas()
        exp = pdf["c"].str.contains(pat, regex=regex, na=na)
        pd.testing.assert_series_equal(got, exp, check_names=False)



@pytest.mark.parametrize("rows", [100, 38_120, 200_001])
def test_whole_column_float_sum_and_mean_equal_pandas_exactly(rows):
    """Series.sum()/.mean() of floats (a column, a filtered column, an expression, with NaN) and
    the mean of ints are numpy's pairwise sums, bit for bit: the fused aggregation loop (row
    order, morsel by morsel) is not used for them."""
    rs = np.random.RandomState(rows)
    pdf = pd.DataFrame({"x": rs.normal(1000, 300, rows), "k": rs.randint(0, 5, rows),
                        "i": rs.randint(-1000, 1000, rows)})
    pdf.loc[::17, "x"] = np.nan
    f = fpd.DataFrame(pdf)
    cases = [
        (f["x"].sum(), pdf["x"].sum()),
        (f["x"].mean(), pdf["x"].mean()),
        (f[f["k"] > 1]["x"].sum(), pdf[pdf["k"] > 1]["x"].sum()),
        ((f[f["k"] > 1]["x"] * 2.5).mean(), (pdf[pdf["k"] > 1]["x"] * 2.5).mean()),
        (f["i"].mean(), pdf["i"].mean()),
        (f[f["k"] > 2]["i"].mean(), pdf[pdf["k"] > 2]["i"].mean()),
        (f["i"].sum(), pdf["i"].sum()),
    ]
    for k, (got, want) in enumerate(cases):
        assert float(got) == float(want), (k, float(got), float(want))


@pytest.mark.parametrize("off", [False, True])
def test_parquet_string_codes_unique_merge_dummies(tmp_path, monkeypatch, off):
    """A scanned short-string column numbered from its Parquet dictionaries (the scan_codes
    stage; row groups with different dictionaries, nulls, empty and unicode strings) gives
    pandas' unique(), merge and get_dummies, with the stage on and off."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from flern import _config
    if off:
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | {"scan_codes"})
    rng = np.random.default_rng(5)
    n = 150_000
    words = np.array(["SFO", "JFK", "", "é", "日本", "ORD8byte"], dtype=object)
    # later row groups see more words
    k = np.minimum(rng.integers(0, len(words), n), 2 + np.arange(n) * len(words) // n)
    s = words[k].copy()
    s[rng.random(n) < 0.03] = None
    path = tmp_path / "codes.parquet"
    pq.write_table(pa.table({"s": pa.array(s, type=pa.string()), "x": np.arange(n)}), path, row_group_size=40_000)
    pdf = pd.read_parquet(path)
    fdf = fpd.read_parquet(str(path))
    assert list(fdf["s"].unique()) == list(pdf["s"].unique())
    codes = pd.DataFrame({"s": sorted(w for w in words), "code": np.arange(len(words))})
    got = fdf.merge(fpd.DataFrame(codes), on="s", how="left")[["x", "code"]].to_pandas()
    want = pdf.merge(codes, on="s", how="left")[["x", "code"]]
    assert_frame_same(got, want)
    got = fpd.get_dummies(fdf, columns=["s"], dtype=float).sum().to_pandas()
    want = pd.get_dummies(pdf, columns=["s"], dtype=float).sum()
    pd.testing.assert_series_equal(got, want, check_dtype=False)
