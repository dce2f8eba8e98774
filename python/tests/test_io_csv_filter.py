"""A filter over read_csv evaluated inside the parallel CSV reader (predicate pass): explain() shows
scan_csv(filter=...), and the results equal pandas and the plan with the filter above the scan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flern.pandas as fpd
from conftest import assert_frame_same


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """~2 MB (several parallel chunks): ints, floats with NaN, unicode and quoted-newline strings,
    nullable strings, dates."""
    rng = np.random.default_rng(11)
    n = 40_000
    f = np.round(rng.normal(10, 5, n), 3)
    f[rng.random(n) < 0.1] = np.nan
    s = rng.choice(np.array(["north", "süd", "東京", "a,b", "line\nbreak", 'say "x"'], dtype=object), n)
    s[rng.random(n) < 0.05] = None
    df = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "k": rng.integers(-3, 20, n).astype(np.int64),
        "f": f,
        "s": s,
        "d": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "note": rng.choice(["", "x" * 30, "yz"], n),
    })
    p = tmp_path_factory.mktemp("csvf") / "big.csv"
    df.to_csv(p, index=False)
    return str(p)


def _read(mod, p):
    return mod.read_csv(p, parse_dates=["d"])


# name -> (query, pushed into the scan: estimated to keep at most a fifth of the rows)
QUERIES = {
    "int range": (lambda df: df[(df["k"] > 5) & (df["k"] <= 12)], True),
    "date range": (lambda df: df[(df["d"] >= pd.Timestamp("2021-03-01")) & (df["d"] < pd.Timestamp("2021-06-01"))], True),
    "float range, NaN never matches": (lambda df: df[(df["f"] > 12.5) & (df["f"] < 14)], True),
    "unicode string": (lambda df: df[df["s"] == "東京"], True),
    "three columns": (lambda df: df[(df["k"] > 2) & (df["s"] == "a,b") & (df["f"] < 11)], True),
    "nothing kept": (lambda df: df[(df["k"] > 100) & (df["k"] < 200)], True),
    "one-sided bound stays above": (lambda df: df[df["k"] > -100], False),
    "isin or range stays above": (lambda df: df[df["k"].isin([1, 2, 3]) | (df["f"] < 2)], False),
}


def _agg(df):
    return df.groupby("k", as_index=False).agg(n=("id", "size"), f=("f", "sum"), last=("d", "max"),
                                                notes=("note", "nunique"))


@pytest.mark.parametrize("name", list(QUERIES))
def test_pushed_filter_equals_pandas(big_csv, monkeypatch, name):
    from flern import _config
    q, pushed = QUERIES[name]
    expected = _agg(q(_read(pd, big_csv)))
    got = _agg(q(_read(fpd, big_csv)))
    if not _config.no_opt:
        plan = got.explain()
        scan = next(ln for ln in plan.splitlines() if "scan_csv(" in ln)
        assert ("filter=" in scan) == pushed, plan
    assert_frame_same(got, expected)
    monkeypatch.setattr(_config, "disabled_passes", _config.disabled_passes | {"predicate"})
    off = _agg(q(_read(fpd, big_csv)))
    assert "filter=" not in next(ln for ln in off.explain().splitlines() if "scan_csv(" in ln)
    assert_frame_same(off, expected)


def test_rows_and_strings_of_kept_rows(big_csv):
    """The kept rows' values (quoted newlines, nulls, unicode) in file order, index unobserved."""
    def q(mod):
        df = _read(mod, big_csv)
        return df[df["k"] == 7].reset_index(drop=True)
    assert_frame_same(q(fpd), q(pd))


def test_observed_labels_keep_the_filter(big_csv):
    """The filter's row labels reach the result: it stays above the scan (pandas' labels)."""
    q = QUERIES["int range"][0]
    got = q(_read(fpd, big_csv))
    plan = got.explain()
    assert "filter=" not in plan.splitlines()[0], plan
    assert_frame_same(got, q(_read(pd, big_csv)))


def test_raising_conjunct_is_not_pushed(tmp_path):
    """A condition that can raise (a str -> int cast) is not evaluated on rows the user's filter
    never showed it: the filter stays, and the error is pandas'."""
    p = tmp_path / "c.csv"
    pd.DataFrame({"a": [1, 2, 3], "s": ["1", "x", "3"]}).to_csv(p, index=False)

    def q(mod):
        df = mod.read_csv(str(p))
        df = df[df["a"] != 2]
        df = df[df["s"].astype("int64") > 0]
        return df.groupby("a", as_index=False).agg(n=("s", "size"))
    assert_frame_same(q(fpd), q(pd))
