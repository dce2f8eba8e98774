"""Arrow IPC (Feather v2): read_feather / read_ipc / to_feather against pandas and pyarrow on the same files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    df["t_ns"] = ns
    return df


def _same(path, **kwargs) -> pd.DataFrame:
    got = fpd.read_feather(path, **kwargs)
    assert isinstance(got, flern.DataFrame)
    got = got.to_pandas()
    expected = pd.read_feather(path, **kwargs)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type="equiv", check_column_type=False)
    return got


# ---- reading what pandas / pyarrow wrote ---------------------------------------------------

@pytest.mark.parametrize("compression", ["lz4", "zstd", "uncompressed"])
@pytest.mark.parametrize("chunksize", [None, 1, 7])
def test_all_dtypes_equal_pandas(tmp_path, compression, chunksize):
    df = _frame(120)
    p = tmp_path / "d.feather"
    df.to_feather(p, compression=compression, chunksize=chunksize)
    got = _same(p)
    assert dict(got.dtypes.astype(str)) == {"k": "str", "i": "int64", "f": "float64", "b": "bool", "i32": "int32",
                                           "f32": "float32", "t_us": "datetime64[us]", "t_ns": "datetime64[ns]"}


def test_unicode_and_nulls(tmp_path):
    df = pd.DataFrame({"s": pd.Series(["", None, "日本語", "a\u0000b", "é" * 1000, "🙂", None], dtype="str"),
                       "i": pd.array([1, None, 3, 4, None, 6, 7], dtype="float64")})
    p = tmp_path / "u.feather"
    df.to_feather(p)
    _same(p)


def test_integers_with_nulls_become_float64(tmp_path):
    # written by pyarrow directly: an int64 column with nulls (pandas shows float64 with NaN)
    t = pa.table({"a": pa.array([1, None, -(2**53)], pa.int64()), "b": pa.array([1, 2, 3], pa.int32())})
    p = tmp_path / "n.arrow"
    feather.write_feather(t, p)
    got = _same(p)
    assert str(got["a"].dtype) == "float64"


@pytest.mark.parametrize("index", [
    pd.Index([10, 20, 30, 40], name="k"),
    pd.Index([3, 1, 2, 0]),
    pd.Index(["x", "é", "z", "w"], dtype="str", name="lab"),
    pd.RangeIndex(5, 13, 2, name="r"),
    pd.RangeIndex(5, 9),
    pd.MultiIndex.from_arrays([[1, 1, 2, 2], ["a", "b", "a", "b"]], names=["n", None]),
])
def test_index_metadata_written_by_pandas(tmp_path, index):
    df = pd.DataFrame({"v": [1.5, 2.5, np.nan, 4.0], "w": ["a", None, "c", "d"]}, index=index)
    df["w"] = df["w"].astype("str")
    p = tmp_path / "i.feather"
    df.to_feather(p)
    _same(p)


@pytest.mark.parametrize("columns", [["f"], ["k", "i"], ["t_us", "b", "k"]])
def test_columns_selection(tmp_path, columns):
    df = _frame(50).set_index("i32")
    p = tmp_path / "c.feather"
    df.to_feather(p)
    _same(p, columns=columns)


def test_projection_and_query(tmp_path):
    df = _frame(300, seed=3)
    p = tmp_path / "q.feather"
    df.to_feather(p, compression="uncompressed")
    f = fpd.read_feather(p)
    got = f[f["i"] > 0].groupby("k")["f"].sum()
    exp = pd.read_feather(p)
    exp = exp[exp["i"] > 0].groupby("k")["f"].sum()
    pd.testing.assert_series_equal(got.to_pandas(), exp)


def test_empty_file(tmp_path):
    df = _frame(10).iloc[:0]
    p = tmp_path / "e.feather"
    df.to_feather(p)
    got = _same(p)
    assert len(got) == 0
    # a file with a schema and no record batch at all
    t = pa.table({"a": pa.array([], pa.int64()), "s": pa.array([], pa.large_string())})
    p2 = tmp_path / "e2.arrow"
    with ipc.new_file(p2, t.schema) as w:
        pass
    _same(p2)


def test_stream_format_read_ipc(tmp_path):
    t = pa.table({"a": [1, 2, 3], "s": ["x", None, "ü"], "f": [0.5, None, 2.0]})
    p = tmp_path / "s.arrows"
    with ipc.new_stream(p, t.schema) as w:
        w.write_table(t, max_chunksize=2)
    got = flern.read_ipc(p).to_pandas()
    exp = t.to_pandas()
    pd.testing.assert_frame_equal(got, exp, check_exact=True)
    got = flern.read_ipc(p, columns=["s"]).to_pandas()
    pd.testing.assert_frame_equal(got, exp[["s"]], check_exact=True)


def test_zero_copy_result_outlives_reader(tmp_path):
    df = pd.DataFrame({"a": np.arange(100_000, dtype=np.int64), "f": np.linspace(0, 1, 100_000)})
    p = tmp_path / "z.feather"
    df.to_feather(p, compression="uncompressed")
    f = fpd.read_feather(p)
    t = f.to_arrow()
    del f
    import gc
    gc.collect()
    assert t.column("a").to_pylist()[-3:] == [99_997, 99_998, 99_999]
    assert t.column("f")[50_000].as_py() == df["f"][50_000]


@pytest.mark.parametrize("table, what", [
    (pa.table({"c": pa.array(["a", "b", "a"]).dictionary_encode()}), "category"),
    (pa.table({"b": pa.array([True, None, False])}), "bools with missing values"),
    (pa.table({"u": pa.array([1, 2], pa.uint64())}), "uint64"),
    (pa.table({"t": pa.array([1, 2], pa.timestamp("ms"))}), r"timestamp\[ms\]"),
    (pa.table({"t": pa.array([1, 2], pa.timestamp("us", tz="UTC"))}), "time zone"),
    (pa.table({"l": pa.array([[1], [2, 3]])}), "list"),
])
def test_unsupported_types_raise_not_implemented(tmp_path, table, what):
    p = tmp_path / "x.feather"
    feather.write_feather(table, p)
    with pytest.raises(NotImplementedError, match=what):
        fpd.read_feather(p).to_pandas()


def test_unsupported_column_not_read_is_fine(tmp_path):
    t = pa.table({"c": pa.array(["a", "b"]).dictionary_encode(), "v": [1, 2]})
    p = tmp_path / "x.feather"
    feather.write_feather(t, p)
    got = fpd.read_feather(p, columns=["v"]).to_pandas()
    pd.testing.assert_frame_equal(got, pd.read_feather(p, columns=["v"]))


def test_missing_column_and_file(tmp_path):
    p = tmp_path / "m.feather"
    pd.DataFrame({"a": [1]}).to_feather(p)
    with pytest.raises(KeyError, match="nope"):
        fpd.read_feather(p, columns=["nope"])
    with pytest.raises(FileNotFoundError, match="No such file"):
        fpd.read_feather(tmp_path / "absent.feather")


# ---- writing: flern's to_feather read back by pandas --------------------------------------

@pytest.mark.parametrize("compression", ["lz4", "zstd", None])
def test_to_feather_read_by_pandas(tmp_path, compression):
    df = _frame(80, seed=5)
    p = tmp_path / "w.feather"
    fpd.from_pandas(df).to_feather(p, compression=compression)
    back = pd.read_feather(p)
    assert_frame_same(back, df, rtol=0)
    # the same Arrow types pandas itself writes
    ref = tmp_path / "ref.feather"
    df.to_feather(ref)
    assert feather.read_table(p).schema.types == feather.read_table(ref).schema.types


@pytest.mark.parametrize("index", [pd.Index([7, 8, 9], name="k"), pd.Index(["a", "b", "ç"], dtype="str"),
                                   pd.MultiIndex.from_arrays([[1, 2, 3], ["x", "y", "z"]], names=["n", "m"])])
def test_to_feather_index_round_trip(tmp_path, index):
    df = pd.DataFrame({"v": [1.0, np.nan, 3.0], "s": pd.Series(["p", None, "日"], dtype="str")}, index=index)
    p = tmp_path / "w.feather"
    fpd.from_pandas(df).to_feather(p)
    assert_frame_same(pd.read_feather(p), df, rtol=0)
    assert_frame_same(fpd.read_feather(p), df, rtol=0)


def test_to_feather_of_a_query(tmp_path):
    df = _frame(200, seed=7)
    f = fpd.from_pandas(df)
    q = f[f["i"] >= 0].groupby("k", as_index=False)["f"].mean()
    p = tmp_path / "q.feather"
    q.to_feather(p)
    exp = df[df["i"] >= 0].groupby("k", as_index=False)["f"].mean()
    assert_frame_same(pd.read_feather(p), exp)


def test_to_feather_bad_input(tmp_path):
    f = fpd.from_pandas(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="compression"):
        f.to_feather(tmp_path / "x.feather", compression="snappy")
    with pytest.raises(FileNotFoundError):
        f.to_feather(tmp_path / "no" / "dir" / "x.feather")
    assert not (tmp_path / "no").exists()
    with pytest.raises(NotImplementedError, match="chunksize"):
        f.to_feather(tmp_path / "x.feather", chunksize=10)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ints=st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=30),
       texts=st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30))
def test_round_trip_hypothesis(tmp_path, ints, texts):
    n = min(len(ints), len(texts))
    t = pa.table({"i": pa.array(ints[:n], pa.int64()),
                  "s": pa.array([None if s is None else s.replace("\x00", "") for s in texts[:n]], pa.large_string())})
    p = tmp_path / "h.feather"
    feather.write_feather(t, p)
    _same(p)
    f = fpd.read_feather(p)
    p2 = tmp_path / "h2.feather"
    f.to_feather(p2)
    pd.testing.assert_frame_equal(pd.read_feather(p2), pd.read_feather(p), check_exact=True)
