"""read_parquet against pandas.read_parquet (engine pyarrow) on the same files."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flern
import flern.pandas as fpd
from conftest import assert_frame_same, sample_frame


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Every supported dtype, with missing values where the dtype allows them."""
    rng = np.random.default_rng(seed)
    df = sample_frame(n, seed)
    df["i32"] = rng.integers(-1000, 1000, n).astype(np.int32)
    f32 = rng.normal(size=n).astype(np.float32)
    f32[rng.random(n) < 0.2] = np.nan
    df["f32"] = f32
    us = pd.Series(pd.to_datetime(rng.integers(0, 2_000_000_000, n), unit="s")).astype("datetime64[us]")
    us[rng.random(n) < 0.2] = pd.NaT
    df["t_us"] = us
    ns = pd.Series(pd.to_datetime(rng.integers(0, 2_000_000_000_000_000_000, n), unit="ns")).astype("datetime64[ns]")
    ns[rng.random(n) < 0.2] = pd.NaT
    df["t_ns"] = ns
    return df


def _write(df: pd.DataFrame, tmp_path, name: str = "data.parquet", **kwargs) -> str:
    p = tmp_path / name
    df.to_parquet(p, **kwargs)
    return str(p)


def _same(path, **kwargs) -> pd.DataFrame:
    got = flern.read_parquet(path, **kwargs)
    assert isinstance(got, flern.DataFrame)
    got = got.to_pandas()
    expected = pd.read_parquet(path, **kwargs)
    assert_frame_same(got, expected, rtol=0)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type="equiv",
                                  check_column_type=False)
    return got


# ---- dtypes, row groups, codecs ----------------------------------------------------------

@pytest.mark.parametrize("row_group_size", [None, 1, 7, 1000])
@pytest.mark.parametrize("compression", ["snappy", "zstd", "gzip", None])
def test_all_dtypes_equal_pandas(tmp_path, row_group_size, compression):
    df = _frame(200)
    p = _write(df, tmp_path, row_group_size=row_group_size, compression=compression)
    got = _same(p)
    assert dict(got.dtypes.astype(str)) == {"k": "str", "i": "int64", "f": "float64", "b": "bool", "i32": "int32",
                                            "f32": "float32", "t_us": "datetime64[us]", "t_ns": "datetime64[ns]"}


@pytest.mark.parametrize("seed", range(5))
def test_random_frames_many_row_groups(tmp_path, seed):
    df = _frame(5000, seed)
    p = _write(df, tmp_path, row_group_size=int(np.random.default_rng(seed).integers(50, 2000)))
    _same(p)


def test_flern_pandas_namespace_and_pathlib(tmp_path):
    p = pathlib.Path(_write(_frame(20), tmp_path))
    assert fpd.read_parquet is flern.read_parquet
    assert_frame_same(fpd.read_parquet(p), pd.read_parquet(p))
    assert_frame_same(flern.read_parquet(p, engine="pyarrow"), pd.read_parquet(p, engine="pyarrow"))


def test_dictionary_and_plain_encoded_strings(tmp_path):
    df = pd.DataFrame({"low": pd.Series(np.array(["x", "yy", None, "zzz"] * 500, dtype=object), dtype="str"),
                       "high": pd.Series([f"v{i}é" if i % 7 else None for i in range(2000)], dtype="str")})
    for use_dictionary in (True, False):
        p = _write(df, tmp_path, f"d{use_dictionary}.parquet", use_dictionary=use_dictionary, row_group_size=333)
        _same(p)


def test_pyarrow_written_file_without_pandas_metadata(tmp_path):
    """Nullable ints become float64 (pyarrow's to_pandas); large_string and int32 map as pandas does."""
    t = pa.table({
        "a": pa.array([1, None, 3, 4], pa.int64()),
        "b": pa.array([None, 2, 3, 4], pa.int32()),
        "c": pa.array([1, 2, 3, 4], pa.int32()),
        "s": pa.array(["x", None, "y", "日本"], pa.large_string()),
        "t": pa.array([0, None, 2, 3], pa.timestamp("us")),
    })
    p = str(tmp_path / "t.parquet")
    pq.write_table(t, p, row_group_size=2)
    got = _same(p)
    assert dict(got.dtypes.astype(str)) == {"a": "float64", "b": "float64", "c": "int32", "s": "str",
                                            "t": "datetime64[us]"}
    # nulls only in a later row group, and a file without statistics
    p2 = str(tmp_path / "nostats.parquet")
    pq.write_table(t, p2, row_group_size=1, write_statistics=False)
    _same(p2)


def test_legacy_int96_timestamps(tmp_path):
    t = pa.table({"t": pa.array([1609804800000000001, None, -1000], pa.timestamp("ns")), "x": [1, 2, 3]})
    for store_schema in (True, False):
        p = str(tmp_path / f"i96_{store_schema}.parquet")
        pq.write_table(t, p, use_deprecated_int96_timestamps=True, store_schema=store_schema, row_group_size=2)
        assert str(_same(p).dtypes["t"]) == "datetime64[ns]"


def test_empty_frame(tmp_path):
    df = _frame(10).iloc[:0].reset_index(drop=True)
    got = _same(_write(df, tmp_path))
    assert len(got) == 0


# ---- the index pandas stores -------------------------------------------------------------

def test_stored_index_column(tmp_path):
    df = _frame(50).sort_values("i32")  # not a range: stored as __index_level_0__
    _same(_write(df, tmp_path, row_group_size=9))
    _same(_write(df, tmp_path, "cols.parquet", row_group_size=9), columns=["k", "t_ns"])


def test_named_and_multi_index(tmp_path):
    df = _frame(30)
    _same(_write(df.set_index("k"), tmp_path, "named.parquet"))
    _same(_write(df.set_index(["k", "i32"]), tmp_path, "multi.parquet"), columns=["f"])


def test_range_index_variants(tmp_path):
    df = _frame(30)
    _same(_write(df.iloc[5:], tmp_path, "start.parquet"))  # RangeIndex(5, 30)
    named = df.copy()
    named.index.name = "row"
    _same(_write(named, tmp_path, "named_range.parquet"))
    _same(_write(df.iloc[::3], tmp_path, "step.parquet"))
    _same(_write(df, tmp_path, "noindex.parquet", index=False))


def test_index_survives_row_ops(tmp_path):
    df = _frame(40).sort_values("f")
    p = _write(df, tmp_path)
    got = flern.read_parquet(p)
    exp = pd.read_parquet(p)
    assert_frame_same(got[got["i32"] > 0].sort_index(), exp[exp["i32"] > 0].sort_index())


# ---- columns= ----------------------------------------------------------------------------

def test_columns_order_and_subset(tmp_path):
    p = _write(_frame(40), tmp_path, row_group_size=6)
    got = _same(p, columns=["t_us", "k", "i"])
    assert list(got.columns) == ["t_us", "k", "i"]
    _same(p, columns=["b"])


def test_columns_missing_is_value_error(tmp_path):
    p = _write(_frame(5), tmp_path)
    with pytest.raises(ValueError):
        pd.read_parquet(p, columns=["i", "nope"])
    with pytest.raises(ValueError, match="nope"):
        flern.read_parquet(p, columns=["i", "nope"])


def test_columns_not_implemented(tmp_path):
    p = _write(_frame(5), tmp_path)
    with pytest.raises(NotImplementedError, match="twice"):
        flern.read_parquet(p, columns=["i", "i"])  # pandas makes duplicate columns
    with pytest.raises(NotImplementedError):
        flern.read_parquet(p, columns=[])
    with pytest.raises(NotImplementedError):
        flern.read_parquet(p, columns="i")


# ---- projection pushdown -----------------------------------------------------------------

@pytest.mark.plan
def test_explain_shows_parquet_scan_reading_only_used_columns(tmp_path):
    p = _write(_frame(40), tmp_path, row_group_size=8)
    df = flern.read_parquet(p)
    q = df[df["i32"] > 0].groupby("k").agg({"f": "sum"})
    plan = q.explain()
    scan = next(line for line in plan.splitlines() if "scan_parquet" in line)
    # i32 is read for the filter: returned by the scan, or tested in it (the filter moved in)
    assert ('columns=["k", "f", "i32"]' in scan
            or ('columns=["k", "f"]' in scan and 'filter=gt(col("i32")' in scan)), plan
    assert "t_us" not in scan and "b:" not in scan.split("::")[1]
    exp = pd.read_parquet(p)
    assert_frame_same(q, exp[exp["i32"] > 0].groupby("k").agg({"f": "sum"}))


@pytest.mark.plan
def test_explain_projection_within_user_columns(tmp_path):
    p = _write(_frame(40).sort_values("f"), tmp_path)
    df = flern.read_parquet(p, columns=["t_ns", "i", "k"])
    q = df[["k", "i"]]
    scan = next(line for line in q.explain().splitlines() if "scan_parquet" in line)
    assert 'columns=["i", "k"]' in scan and 'usecols=["t_ns", "i", "k"]' in scan
    assert_frame_same(q, pd.read_parquet(p, columns=["t_ns", "i", "k"])[["k", "i"]])


# ---- a pipeline --------------------------------------------------------------------------

def _pipeline(m, data_path, cities_path):
    df = m.read_parquet(data_path)
    df = df[(df["qty"] > 1) & df["city"].notna()]
    df["total"] = df["amount"] * df["qty"]
    g = df.groupby("city", as_index=False).agg(n=("id", "count"), total=("total", "sum"),
                                                 first=("when", "min"))
    cities = m.read_parquet(cities_path, columns=["city", "pop"])
    return g.merge(cities, on="city", how="left").sort_values(["total", "city"], ascending=[False, True])


def test_pipeline_read_filter_groupby_merge_equals_pandas(tmp_path):
    rng = np.random.default_rng(7)
    n = 3000
    cities = np.array(["Oslo", "Bergen", "Tromsø", "日本", None], dtype=object)
    data = pd.DataFrame({
        "id": np.arange(n),
        "city": pd.Series(cities[rng.integers(0, len(cities), n)], dtype="str"),
        "amount": np.where(rng.random(n) < 0.1, np.nan, rng.normal(50, 10, n)),
        "qty": rng.integers(0, 6, n).astype(np.int32),
        "when": pd.to_datetime(rng.integers(1_500_000_000, 1_700_000_000, n), unit="s").as_unit("us"),
    })
    cities_df = pd.DataFrame({"city": pd.Series(["Oslo", "Bergen", "Paris"], dtype="str"),
                              "country": pd.Series(["NO", "NO", "FR"], dtype="str"),
                              "pop": [700000, 285000, 2100000]})
    dp = _write(data, tmp_path, "data.parquet", row_group_size=400)
    cp = _write(cities_df, tmp_path, "cities.parquet")
    got = _pipeline(fpd, dp, cp)
    assert isinstance(got, flern.DataFrame)
    assert_frame_same(got, _pipeline(pd, dp, cp))


# ---- what is refused, and errors ---------------------------------------------------------

@pytest.mark.parametrize("make, column", [
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.array([1, None], dtype="Int64")}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.array(["a", None], dtype="string")}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.Categorical(["a", "b"])}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": np.array([1, 2], dtype=np.int16)}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": np.array([1, 2], dtype=np.uint64)}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.to_datetime(["2020-01-01", None]).tz_localize("UTC")}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.to_datetime(["2020-01-01", None]).as_unit("ms")}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.Series([True, None], dtype=object)}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.Series([None, None], dtype=object)}), "x"),
    (lambda: pd.DataFrame({"ok": [1, 2], "x": pd.to_timedelta([1, 2], unit="s")}), "x"),
])
def test_unsupported_columns_raise_at_call_naming_the_column(tmp_path, make, column):
    df = make()
    p = _write(df, tmp_path)
    pd.read_parquet(p)  # pandas reads it ...
    with pytest.raises(NotImplementedError, match=f'"{column}"'):
        flern.read_parquet(p)  # ... flern refuses at the call, naming the column
    assert_frame_same(flern.read_parquet(p, columns=["ok"]), pd.read_parquet(p, columns=["ok"]))


def test_missing_file_raises_at_call(tmp_path):
    p = str(tmp_path / "nope.parquet")
    with pytest.raises(FileNotFoundError):
        pd.read_parquet(p)
    with pytest.raises(FileNotFoundError, match="nope.parquet"):
        flern.read_parquet(p)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_file_is_value_error_naming_it(tmp_path, damage):
    good = _write(_frame(100), tmp_path, "good.parquet")
    data = pathlib.Path(good).read_bytes()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes({"garbage": b"this is not parquet" * 10, "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with pytest.raises(ValueError):
        pd.read_parquet(bad)
    with pytest.raises(ValueError, match="bad.parquet") as ei:
        flern.read_parquet(bad)
    assert isinstance(ei.value, flern.errors.ParseError)


def test_unsupported_arguments(tmp_path):
    p = _write(_frame(5), tmp_path)
    with pytest.raises(NotImplementedError, match="filters"):
        flern.read_parquet(p, filters=[("i", ">", 0)])
    with pytest.raises(NotImplementedError, match="dtype_backend"):
        flern.read_parquet(p, dtype_backend="pyarrow")
    with pytest.raises(NotImplementedError, match="fastparquet"):
        flern.read_parquet(p, engine="fastparquet")
    with pytest.raises(NotImplementedError):
        flern.read_parquet(open(p, "rb"))
    with pytest.raises(NotImplementedError):
        flern.read_parquet(str(tmp_path))  # a directory (partitioned dataset)
    assert_frame_same(flern.read_parquet(p, filters=None, storage_options=None), pd.read_parquet(p))


def test_file_rewritten_between_reads(tmp_path):
    p = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(p)
    assert_frame_same(flern.read_parquet(p), pd.read_parquet(p))
    pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "z"]}).astype({"b": "str"}).to_parquet(p)
    assert_frame_same(flern.read_parquet(p), pd.read_parquet(p))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_len_of_a_filter_pushed_into_the_scan(tmp_path, fmt):
    """len() reads no column: the scan returns none, and the pushed filter's kept rows must
    still be counted (the Parquet reader summed its row groups' first column: 0 rows)."""
    df = pd.DataFrame({"i": np.arange(-60, 120, dtype=np.int64) % 9, "f": np.linspace(0, 1, 180)})
    path = str(tmp_path / f"d.{fmt}")
    df.to_parquet(path) if fmt == "parquet" else df.to_csv(path, index=False)
    for lo in (0, 7, 99):  # some rows, few, none
        d = fpd.read_parquet(path) if fmt == "parquet" else fpd.read_csv(path)
        d = d[d["i"] > lo]
        d = d[d["i"] > lo + 1]
        assert len(d) == int((df["i"] > lo + 1).sum())


@pytest.mark.parametrize("dict_limit", [None, 2_000])
def test_string_filter_pushed_into_the_scan_drops_its_column(tmp_path, dict_limit):
    """A filter that keeps most rows moves into the scan when it tests a string column the
    readers do not use (TPC-H q13's ~o_comment.str.contains): the scan tests the column row
    group by row group and returns only the other columns. With a small dictionary page limit
    the writer falls back to PLAIN pages after the first ones (the page statistics say so),
    and the column is decoded once, not tried per dictionary entry first."""
    rng = np.random.default_rng(3)
    n = 20_000
    words = np.array(["special", "requests", "pending", "deposits", "quickly", "blithely"])
    comment = [" ".join(rng.choice(words, 4)) + f" {i}" for i in range(n)]
    df = pd.DataFrame({"k": np.arange(n, dtype=np.int64), "c": rng.integers(0, 50, n).astype(np.int64),
                       "comment": pd.array(comment, dtype="str")})
    path = str(tmp_path / "o.parquet")
    kw = {} if dict_limit is None else {"dictionary_pagesize_limit": dict_limit}
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=3_000, **kw)

    def query(o, pd_):
        o = o[~o["comment"].str.contains("special.*requests")]
        return o.groupby("c", as_index=False).agg(n=("k", "count"), s=("k", "sum"))

    r = query(fpd.read_parquet(path), fpd)
    if not flern._config.no_opt and "predicate" not in flern._config.disabled_passes:
        text = r.explain()
        scan = [line for line in text.splitlines() if "scan_parquet" in line][0]
        assert "filter=not(str_contains(" in scan and '"comment"' not in scan.split("filter=")[0], text
    assert_frame_same(r.to_pandas(), query(df, pd), rtol=0)


@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 250, 10_000])
@pytest.mark.parametrize("index", [False, True])
def test_head_reads_only_the_row_groups_it_needs(tmp_path, n, index):
    """read_parquet(...).head(n): the limit pass gives the scan a limit (explain), the reader
    stops after the row groups that hold n rows, and the frame is pandas' (stored index
    labels, a RangeIndex, a head past the end, head(0)); a filter between keeps every row
    group (the first n rows that pass may lie anywhere)."""
    pdf = _frame(1000, seed=n)
    if index:
        pdf.index = pd.Index(np.arange(1000) * 3 + 7, name="k")
    path = _write(pdf, tmp_path, row_group_size=100)
    got = fpd.read_parquet(path).head(n)
    if not flern._config.no_opt:
        assert f"limit={n}" in got.explain(), got.explain()
    assert_frame_same(got, pd.read_parquet(path).head(n))
    sub = fpd.read_parquet(path, columns=["i", "k"]).head(n)
    assert_frame_same(sub, pd.read_parquet(path, columns=["i", "k"]).head(n))
    fdf = fpd.read_parquet(path)
    filtered = fdf[fdf["i"] > 0].head(n)
    assert "limit=" not in filtered.explain(), filtered.explain()
    want = pd.read_parquet(path)
    assert_frame_same(filtered, want[want["i"] > 0].head(n))


@pytest.mark.parametrize("bad", [None, "x970-01-01"])
def test_string_function_of_a_dictionary_column_equals_pandas(tmp_path, bad):
    """A row-local function of one string column read from dictionary pages (the fuel
    workload's ``Year.str.slice(0, 4).astype(int) - 1900``) is evaluated once per distinct
    value and equals pandas row by row, nulls included: the scan computes the int result per
    dictionary entry when the column is read only so (explain: derive=[...]), and numbers the
    column from its dictionary when a string result is kept (codes=[...]); a value the cast
    rejects raises as pandas does (pandas' message, at the astype line)."""
    rng = np.random.default_rng(5)
    n = 70_000  # over the runtime's smallest memoized column
    years = np.array([f"{y}-01-01" for y in range(1970, 1983)], dtype=object)
    year = years[rng.integers(0, len(years), n)]
    if bad is not None:
        year[n - 7] = bad
    df = pd.DataFrame({"Year": pd.array(year, dtype="str"), "Name": pd.array(year, dtype="str"),
                       "x": rng.normal(size=n)})
    df.loc[rng.random(n) < 0.05, "Name"] = None
    path = _write(df, tmp_path, row_group_size=20_000)

    def query(d):
        d = d[["Year", "Name", "x"]]
        d["Model_Year"] = d["Year"].str.slice(0, 4).astype("int64") - 1900
        d["Up"] = d["Name"].str.upper()
        d["Is70"] = d["Name"] == "1970-01-01"
        return d.drop(columns=["Year"])

    got = query(fpd.read_parquet(path))
    if bad is not None:
        with pytest.raises(Exception) as want:
            query(pd.read_parquet(path))
        with pytest.raises(Exception) as e:
            got.to_pandas()
        assert str(want.value) in str(e.value)
        assert getattr(e.value, "loc", None) is None or "test_read_parquet.py" in str(e.value.loc), e.value.loc
        return
    disabled = flern._config.disabled_passes
    if not flern._config.no_opt and "scan_codes" not in disabled:
        scan = [line for line in got.explain().splitlines() if "scan_parquet" in line][0]
        if "scan_derive" in disabled:
            assert 'codes=["Name", "Year"]' in scan, scan
        else:
            assert 'codes=["Name"]' in scan and 'derive=["__derived_0__": sub(cast(str_slice(col("Year")' in scan, scan
    assert_frame_same(got.to_pandas(), query(pd.read_parquet(path)), rtol=0)
