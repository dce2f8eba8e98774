"""Projection pushdown into Arrow IPC (Feather) scans: the plan reads only the columns it uses
(explain() shows scan_ipc(columns=[...])), with the same result as pandas, the pass on or off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import flern
import flern.pandas as fpd
from conftest import assert_frame_same


def _frame(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    f = rng.normal(size=n)
    f[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({
        "a": rng.integers(-5, 5, n).astype(np.int64),
        "b": f,
        "s": pd.Series(rng.choice(["x", "ü", "日本", ""], n), dtype="str"),
        "t": pd.Series(pd.to_datetime(rng.integers(0, 10**9, n), unit="s")).astype("datetime64[us]"),
        "unused": rng.integers(0, 3, n).astype(np.int64),
    })


def _scan_line(plan: str) -> str:
    return next(ln for ln in plan.splitlines() if "scan_ipc(" in ln)


def _query(mod, path):
    df = mod.read_feather(path)
    df = df[df["a"] > 0]
    return df.groupby("s", as_index=False).agg(m=("b", "mean"), n=("a", "size"))


@pytest.fixture
def feather(tmp_path):
    p = tmp_path / "f.feather"
    _frame().to_feather(p)
    return str(p)


@pytest.mark.plan
def test_ipc_scan_reads_only_used_columns(feather, monkeypatch):
    from flern import _config
    got = _query(fpd, feather)
    line = _scan_line(got.explain())
    assert 'columns=["a", "b", "s"]' in line, line
    assert_frame_same(got, _query(pd, feather))
    monkeypatch.setattr(_config, "disabled_passes", _config.disabled_passes | {"pushdown"})
    off = _query(fpd, feather)
    assert "columns=" not in _scan_line(off.explain())
    assert_frame_same(off, _query(pd, feather))


def test_ipc_stream_and_file_projection(tmp_path):
    """read_ipc of a stream and of a file (several record batches) with a projection."""
    df = _frame(70)
    table = pa.Table.from_pandas(df, preserve_index=False)
    for kind in ["stream", "file"]:
        p = tmp_path / f"x.{kind}"
        with pa.OSFile(str(p), "wb") as sink:
            w = ipc.new_stream(sink, table.schema) if kind == "stream" else ipc.new_file(sink, table.schema)
            for batch in table.to_batches(max_chunksize=16):
                w.write_batch(batch)
            w.close()
        got = flern.read_ipc(str(p))[["t", "a"]]
        assert_frame_same(got, df[["t", "a"]])


def test_ipc_only_length_used(feather):
    """No column read at all (len only): the scan still knows its row count."""
    got = fpd.read_feather(feather)
    assert len(got) == 50
    df = fpd.read_feather(feather)
    n = df.assign(one=1).groupby("one", as_index=False).agg(n=("one", "size"))
    assert_frame_same(n, pd.read_feather(feather).assign(one=1).groupby("one", as_index=False).agg(n=("one", "size")))


def test_ipc_projection_keeps_the_index(tmp_path):
    """A stored index survives a pushed-down column selection, as pandas restores it."""
    df = _frame(20).set_index("a")
    p = tmp_path / "i.feather"
    df.reset_index().to_feather(p)
    got = fpd.read_feather(str(p))[["s", "a"]]
    assert_frame_same(got, pd.read_feather(p)[["s", "a"]])
    q = tmp_path / "j.parquet"
    df.to_parquet(q)
    got = fpd.read_parquet(str(q))[["s"]]
    assert_frame_same(got, pd.read_parquet(q)[["s"]])
