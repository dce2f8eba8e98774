"""In-memory frames whose Arrow columns come in several chunks (pandas' Arrow-backed strings,
a multi-batch Arrow table): the source table is joined into one chunk per column once, at
construction, and every query gives pandas' answer, with nulls and unicode."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import flern
from conftest import assert_frame_same


def _chunked_frame(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["a", "bé", "日本", "", "zz"], dtype=object)[rng.integers(0, 5, n)]
    s = pd.Series(words, dtype="str")
    s[rng.random(n) < 0.1] = np.nan
    df = pd.DataFrame({"k": s, "x": rng.standard_normal(n), "i": rng.integers(-5, 5, n)})
    return df


def test_pandas_strings_in_chunks_join_once_and_match_pandas():
    df = _chunked_frame()
    chunked = pa.chunked_array([pa.array(df["k"].iloc[:2000], pa.large_string()),
                                pa.array(df["k"].iloc[2000:], pa.large_string())])
    t = pa.table({"k": chunked, "x": df["x"].to_numpy(), "i": df["i"].to_numpy()})
    assert t.column("k").num_chunks == 2
    for f in (flern.from_arrow(t), flern.DataFrame(df)):
        assert all(c.num_chunks <= 1 for c in f._node.data.columns)
        g = f[f["x"] > 0].groupby("k").agg(s=("i", "sum"), m=("x", "max"))
        want = df[df["x"] > 0].groupby("k").agg(s=("i", "sum"), m=("x", "max"))
        assert_frame_same(g, want)


@pytest.mark.parametrize("batches", [1, 3])
def test_multi_batch_arrow_table(batches):
    df = _chunked_frame(3000, seed=batches)
    t = pa.Table.from_pandas(df, preserve_index=False)
    rb = t.to_batches(max_chunksize=max(1, 3000 // batches))
    t = pa.Table.from_batches(rb)
    f = flern.from_arrow(t)
    assert_frame_same(f.assign(y=f["x"] * 2)[["k", "y"]], df.assign(y=df["x"] * 2)[["k", "y"]])
