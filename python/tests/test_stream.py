"""Streaming a Parquet scan into its aggregation (the stream stage,
golib/exec/stream.go): a fused filter/project/groupby_agg or reduction whose
input is a scan_parquet read by it alone reads the file a row group at a
time and never holds the scan. Asserted on explain() and then on results:
the same bits as the materializing path (the stage off), the reference
interpreter and pandas within the fused tests' tolerance (1e-12: the loops
sum in row order, pandas pairwise); empty results, every row group skipped by
its statistics, nulls, a sorted key, a corrupt row group in the middle of
the file, the memory limit."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flern
import flern.pandas as fpd
from flern import _config
from flern.errors import FlernMemoryError
from conftest import assert_frame_same

# (the tests switch the stage on and off themselves, whatever FLERN_DISABLE_PASSES says)
STREAMING = _config.executor != "interp" and not _config.no_opt and _config.fuse


def _lineitem(n: int, seed: int = 0) -> pandas.DataFrame:
    r = np.random.default_rng(seed)
    disc = r.integers(0, 11, n) / 100
    disc[::97] = np.nan
    flag = r.choice(["A", "N", "R"], n).astype(object)
    flag[::31] = None
    return pandas.DataFrame({
        "l_orderkey": np.cumsum(r.integers(0, 3, n)).astype(np.int64),  # sorted, like TPC-H's
        "l_returnflag": flag,
        "l_linestatus": r.choice(["F", "O"], n),
        "l_quantity": r.integers(1, 51, n).astype(np.float64),
        "l_extendedprice": r.integers(100, 10_000_000, n) / 100,
        "l_discount": disc,
        "l_tax": r.integers(0, 9, n) / 100,
        "l_shipdate": (pandas.to_datetime("1992-01-01") + pandas.to_timedelta(r.integers(0, 2500, n), unit="D")
                       ).astype("datetime64[us]"),
    })


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    out = {}
    for name, n, rg in [("small", 30_000, 2_000), ("big", 200_000, 10_000)]:
        df = _lineitem(n, seed=n)
        path = str(d / f"{name}.parquet")
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=rg)
        out[name] = (path, df)
    return out


def q1(li):
    f = li[li["l_shipdate"] <= datetime(1998, 9, 2)]
    f = f.assign(disc_price=f["l_extendedprice"] * (1 - f["l_discount"]))
    f = f.assign(charge=f["disc_price"] * (1 + f["l_tax"]))
    return f.groupby(["l_returnflag", "l_linestatus"], as_index=False).agg(
        sum_qty=("l_quantity", "sum"), sum_disc_price=("disc_price", "sum"), sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"), avg_disc=("l_discount", "mean"), min_disc=("l_discount", "min"),
        count_order=("l_quantity", "size"), n_disc=("l_discount", "count"))


def q1_keep_null_keys(li):
    f = li[li["l_quantity"] > 5]
    return f.groupby(["l_returnflag"], as_index=False, dropna=False).agg(
        s=("l_extendedprice", "sum"), m=("l_discount", "mean"), n=("l_tax", "size"))


def q6(li):
    f = li[(li["l_shipdate"] >= datetime(1994, 1, 1)) & (li["l_shipdate"] < datetime(1995, 1, 1))
           & (li["l_discount"] >= 0.05) & (li["l_discount"] <= 0.07) & (li["l_quantity"] < 24)]
    g = f.assign(r=f["l_extendedprice"] * f["l_discount"])
    return g.groupby(["l_linestatus"], as_index=False).agg(revenue=("r", "sum"), n=("r", "size"))


def q18(li):
    return li.groupby("l_orderkey", as_index=False).agg(sum_quantity=("l_quantity", "sum"), n=("l_tax", "size"))


def nothing(li):  # every row group ruled out by its statistics
    f = li[li["l_shipdate"] > datetime(2100, 1, 1)]
    return f.groupby(["l_linestatus"], as_index=False).agg(s=("l_tax", "sum"), n=("l_tax", "size"))


def nothing_whole(li):
    f = li[li["l_shipdate"] > datetime(2100, 1, 1)]
    return f.assign(r=f["l_tax"] * 2).groupby(["l_linestatus"], as_index=False).agg(r=("r", "sum"))


QUERIES = {"q1": q1, "q1_keep_null_keys": q1_keep_null_keys, "q6": q6, "q18": q18, "nothing": nothing,
           "nothing_whole": nothing_whole}


def _run(monkeypatch, path, query, *, stream=True, interp=False):
    cur, executor = set(_config.disabled_passes), _config.executor
    monkeypatch.setattr(_config, "disabled_passes", cur - {"stream"} if stream else cur | {"stream"})
    if interp:
        monkeypatch.setattr(_config, "executor", "interp")
    r = query(fpd.read_parquet(path))
    text = r.explain()
    got = r.to_pandas()
    monkeypatch.setattr(_config, "disabled_passes", cur)
    monkeypatch.setattr(_config, "executor", executor)
    return text, got


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("size", ["small", "big"])
def test_streamed_aggregation_matches(monkeypatch, files, name, size):
    path, df = files[size]
    query = QUERIES[name]
    text, got = _run(monkeypatch, path, query)
    # (by default a scan with a pushed filter -- q6's, which holds only the kept rows -- is not streamed;
    # nothing's date bound, which the file's statistics say keeps no row, moves into the scan too)
    if STREAMING and name not in ("q6", "nothing", "nothing_whole"):
        assert 'stream="reads %0 1 row groups at a time"' in text, text
    else:
        assert "stream=" not in text, text
    # the materializing path's bits
    off_text, off = _run(monkeypatch, path, query, stream=False)
    assert "stream=" not in off_text
    assert_frame_same(got, off, rtol=0)
    # the reference interpreter and pandas
    _, ref = _run(monkeypatch, path, query, interp=True)
    assert_frame_same(got, ref, rtol=1e-12)
    assert_frame_same(got, query(df), rtol=1e-12)


def test_corrupt_row_group_mid_stream_raises_naming_the_file(tmp_path):
    df = _lineitem(20_000, seed=5)
    path = tmp_path / "damaged.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), str(path), row_group_size=2_000,
                   compression="none")
    md = pq.ParquetFile(str(path)).metadata
    col = md.schema.names.index("l_quantity")
    at = md.row_group(7).column(col).data_page_offset
    data = bytearray(path.read_bytes())
    data[at:at + 48] = b"\xff" * 48  # the page header of row group 7's quantities
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged.parquet") as ei:
        q18(fpd.read_parquet(str(path))).to_pandas()
    assert isinstance(ei.value, flern.errors.ParseError)


def test_memory_limit_fails_cleanly(monkeypatch, files):
    if _config.executor == "interp":
        pytest.skip("the reference interpreter does not check the memory limit")
    path, df = files["big"]
    monkeypatch.setattr(_config, "memory_limit", "64KB")
    with pytest.raises(FlernMemoryError) as ei:
        q18(fpd.read_parquet(path)).to_pandas()
    assert "memory limit exceeded" in str(ei.value) and "test_stream.py" in ei.value.loc
    monkeypatch.setattr(_config, "memory_limit", "")
    assert_frame_same(q18(fpd.read_parquet(path)), q18(df), rtol=1e-12)
