"""The parallel runtime (golib/exec) end to end: results equal pandas on inputs of several
morsels (64K rows each), and the memory limit fails a run cleanly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flern
from flern import _config
from flern.errors import FlernMemoryError

from conftest import assert_frame_same

N = 150_000  # three morsels


def _data(n: int = N, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["a", "b", "é", "日本", "zz", "Ω"], dtype=object)
    f = rng.standard_normal(n)
    f[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "k": rng.integers(0, 5000, n, dtype=np.int64),
        "s": pd.array(words[rng.integers(0, len(words), n)], dtype="str"),
        "f": f,
        "i": rng.integers(-(2**62), 2**62, n, dtype=np.int64),
    })


def _dim(seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = rng.permutation(5500).astype(np.int64)
    return pd.DataFrame({"k": keys, "cat": rng.integers(0, 10, len(keys), dtype=np.int64),
                         "w": rng.random(len(keys))})


def test_filter_project_many_morsels():
    pdf = _data()
    got = flern.from_pandas(pdf)
    got = got[(got["f"] > 0.5) | (got["s"] == "é")]
    got["g"] = got["f"] * 2 + got["k"]
    exp = pdf[(pdf["f"] > 0.5) | (pdf["s"] == "é")].copy()
    exp["g"] = exp["f"] * 2 + exp["k"]
    assert_frame_same(got, exp)


@pytest.mark.parametrize("keys", [["k"], ["s"], ["s", "k"]])
@pytest.mark.parametrize("sort", [True, False])
def test_groupby_many_morsels(keys, sort):
    pdf = _data()
    fdf = flern.from_pandas(pdf)

    def q(df):
        return df.groupby(keys, sort=sort).agg(fs=("f", "sum"), fm=("f", "mean"), n=("i", "count"),
                                               mx=("i", "max"), sd=("f", "std"))
    assert_frame_same(q(fdf), q(pdf))


@pytest.mark.parametrize("how", ["inner", "left"])
def test_join_many_morsels(how):
    pdf, dim = _data(), _dim()
    got = flern.from_pandas(pdf).merge(flern.from_pandas(dim), on="k", how=how)
    exp = pdf.merge(dim, on="k", how=how)
    assert_frame_same(got, exp)


def test_join_small_left_builds_on_left():
    pdf, dim = _data(), _dim()
    small = dim.head(100)
    got = flern.from_pandas(small).merge(flern.from_pandas(pdf), on="k")
    assert_frame_same(got, small.merge(pdf, on="k"))


def test_semi_anti_join_many_morsels():
    pdf, dim = _data(), _dim().head(2000)
    fdf, fdim = flern.from_pandas(pdf), flern.from_pandas(dim)
    assert_frame_same(fdf[fdf["k"].isin(fdim["k"])], pdf[pdf["k"].isin(dim["k"])])
    assert_frame_same(fdf[~fdf["k"].isin(fdim["k"])], pdf[~pdf["k"].isin(dim["k"])])


@pytest.mark.parametrize("by,asc", [(["f"], True), (["s", "k"], [False, True]), (["k"], False)])
@pytest.mark.parametrize("na", ["last", "first"])
def test_sort_many_morsels(by, asc, na):
    pdf = _data()
    got = flern.from_pandas(pdf).sort_values(by, ascending=asc, na_position=na, kind="stable")
    assert_frame_same(got, pdf.sort_values(by, ascending=asc, na_position=na, kind="stable"))


def test_unique_many_morsels():
    pdf = _data()
    got = flern.from_pandas(pdf)["s"].unique()
    exp = pdf["s"].unique()
    got = got.to_pandas() if hasattr(got, "to_pandas") else got
    assert list(got) == list(exp)


def test_memory_limit_fails_cleanly(monkeypatch):
    """A join whose output would pass the limit raises FlernMemoryError naming the op and the
    user's line; the process survives and later queries run."""
    if _config.executor == "interp":
        pytest.skip("the reference interpreter does not check the memory limit")
    rng = np.random.default_rng(0)
    n = 200_000
    left = pd.DataFrame({"k": np.zeros(n, dtype=np.int64), "v": rng.random(n)})
    right = pd.DataFrame({"k": np.zeros(50, dtype=np.int64), "w": rng.random(50)})
    monkeypatch.setattr(_config, "memory_limit", "64MB")
    fl, fr = flern.from_pandas(left), flern.from_pandas(right)
    joined = fl.merge(fr, on="k")  # 10M rows x 3 columns: ~240 MB
    with pytest.raises(FlernMemoryError) as info:
        joined.to_pandas()
    err = info.value
    assert isinstance(err, MemoryError)
    assert err.op == "join"
    assert "test_runtime.py" in err.loc
    assert "memory limit exceeded" in str(err) and "64.0 MiB" in str(err)
    # the same plan shape under the limit works, and so does the big one without a limit
    small = fl.head(1000).merge(fr, on="k")
    assert len(small.to_pandas()) == 1000 * 50
    monkeypatch.setattr(_config, "memory_limit", "")
    assert len(fl.head(20_000).merge(fr, on="k").to_pandas()) == 20_000 * 50


def test_memory_limit_bad_value(monkeypatch):
    monkeypatch.setattr(_config, "memory_limit", "lots")
    with pytest.raises(ValueError, match="bad memory limit"):
        flern.from_pandas(pd.DataFrame({"a": [1]})).to_pandas()
