"""Dynamic join filters (the joinfilter pass, golib/opt/joinfilter and
golib/parquetio/keyfilter.go): a Parquet scan below a join's probe side reads
the build side's keys and keeps only the rows that can match. Asserted on
explain() and then on results, with the pass on and off, against pandas:
inner and left merges, isin and ~isin, chains of merges, datetime keys with
NaT (pandas' merge matches NaT with NaT), keys absent from the other side,
selective and unselective key sets, several row groups."""

from __future__ import annotations

import numpy as np
import pandas
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

import flern.pandas as fpd
from flern import _config

OPT_ON = not _config.no_opt and "joinfilter" not in _config.disabled_passes


@pytest.fixture
def passes(monkeypatch):
    def set_on(on: bool) -> None:
        cur = set(_config.disabled_passes)
        monkeypatch.setattr(_config, "disabled_passes", cur - {"joinfilter"} if on else cur | {"joinfilter"})
    return set_on


def _write(path, df: pandas.DataFrame, row_group_size: int) -> str:
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), str(path), row_group_size=row_group_size)
    return str(path)


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(11)
    n, m = 20_000, 500
    fact = pandas.DataFrame({
        "f_id": np.arange(n, dtype=np.int64),
        "f_c": rng.integers(0, 2 * m, n).astype(np.int64),  # half the keys have no customer
        "f_sorted": np.sort(rng.integers(0, 5 * n, n)).astype(np.int64),
        "f_t": pandas.to_datetime(rng.integers(0, 400, n), unit="D", origin="2000-01-01").astype("datetime64[us]"),
        "f_amt": rng.normal(size=n),
        "f_s": [f"ü{i % 13}" for i in range(n)],
    })
    fact.loc[fact.index % 97 == 0, "f_t"] = pandas.NaT
    cust = pandas.DataFrame({
        "c_id": np.arange(m, dtype=np.int64) * 2,
        "c_seg": [["A", "B", "C", "é"][i % 4] for i in range(m)],
        "c_t": pandas.to_datetime(np.arange(m) % 400, unit="D", origin="2000-01-01").astype("datetime64[us]"),
        "c_bal": rng.normal(size=m),
        "c_sk": fact["f_sorted"].to_numpy()[rng.integers(0, n, m)],  # keys of the sorted column
    })
    cust.loc[cust.index % 50 == 0, "c_t"] = pandas.NaT
    paths = {"fact": _write(tmp_path / "fact.parquet", fact, 1500), "cust": _write(tmp_path / "cust.parquet", cust, 100)}
    fact.to_csv(tmp_path / "fact.csv", index=False)
    cust.to_csv(tmp_path / "cust.csv", index=False)
    return paths, {"fact": fact, "cust": cust}


_DATES = {"fact": ["f_t"], "cust": ["c_t"]}


def _read(pd_, paths, fmt: str, name: str):
    """The table as pd_ reads it from Parquet or CSV (the same call for pandas and flern)."""
    if fmt == "csv":
        return pd_.read_csv(paths[name][:-len(".parquet")] + ".csv", parse_dates=_DATES[name])
    return pd_.read_parquet(paths[name])


def _queries():
    """(name, fn(pd, fact, cust) -> DataFrame, scan whose key filter the pass adds or None)."""
    def inner(pd, f, c):
        c = c[c["c_seg"] == "B"]
        j = f.merge(c, left_on="f_c", right_on="c_id")
        return j.groupby("c_seg", as_index=False).agg(n=("f_id", "count"), s=("f_amt", "sum"))

    def inner_rows(pd, f, c):
        c = c[c["c_bal"] > 1.5]
        return f.merge(c, left_on="f_c", right_on="c_id")[["f_id", "f_c", "f_amt", "c_seg", "f_s"]]

    def left(pd, f, c):
        f = f[f["f_id"] < 300]
        return c.merge(f, left_on="c_id", right_on="f_c", how="left")[["c_id", "f_id", "f_amt"]]

    def semi(pd, f, c):
        c = c[c["c_seg"] == "é"]
        return f[f["f_c"].isin(c["c_id"])][["f_id", "f_amt"]].reset_index(drop=True)

    def anti(pd, f, c):
        f = f[f["f_amt"] > 2.5]
        return c[~c["c_id"].isin(f["f_c"])][["c_id", "c_seg"]].reset_index(drop=True)

    def dates(pd, f, c):
        c = c[c["c_seg"] == "A"]
        j = f.merge(c, left_on="f_t", right_on="c_t")
        return j.groupby("c_seg", as_index=False).agg(n=("f_id", "count"), s=("f_amt", "sum"))

    def sorted_keys(pd, f, c):
        g = c[c["c_seg"] == "A"][["c_sk"]].rename(columns={"c_sk": "k"})
        j = f.merge(g, left_on="f_sorted", right_on="k")
        return j.groupby("f_s", as_index=False).agg(n=("f_id", "count"))

    def chain(pd, f, c):
        c = c[c["c_seg"] == "C"]
        j = c.merge(f, left_on="c_id", right_on="f_c")
        j2 = j[["f_id", "c_seg"]].merge(f[["f_id", "f_s"]], on="f_id")
        return j2.groupby("f_s", as_index=False).agg(n=("f_id", "count"))

    def all_keys(pd, f, c):
        j = f.merge(c, left_on="f_c", right_on="c_id")
        return j.groupby("c_seg", as_index=False).agg(n=("f_id", "count"))

    def no_match(pd, f, c):
        c = c[c["c_bal"] > 100.0]
        j = f.merge(c, left_on="f_c", right_on="c_id")
        return j[["f_id", "c_seg"]]

    def grouped(pd, f, c):  # TPC-H q20's shape: the key filter goes below the groupby on the key
        g = f[f["f_amt"] > -1.0].groupby(["f_c", "f_s"], as_index=False).agg(q=("f_amt", "sum"), n=("f_id", "count"))
        c = c[c["c_seg"] == "B"]
        return c.merge(g, left_on="c_id", right_on="f_c")[["c_id", "f_s", "q", "n"]]

    def grouped_dates(pd, f, c):  # NaT keys kept as a group, first-appearance order
        g = f.groupby("f_t", as_index=False, sort=False, dropna=False).agg(s=("f_amt", "sum"), n=("f_id", "size"))
        c = c[c["c_seg"] == "A"]
        return g.merge(c, left_on="f_t", right_on="c_t")[["f_t", "s", "n", "c_id"]]

    return [("grouped", grouped, "fact"), ("grouped_dates", grouped_dates, "fact"), ("inner", inner, "fact"), ("inner_rows", inner_rows, "fact"), ("left", left, "fact"),
            ("semi", semi, "fact"), ("anti", anti, "fact"), ("dates", dates, "fact"),
            ("sorted_keys", sorted_keys, "fact"), ("chain", chain, "cust"), ("all_keys", all_keys, "fact"),
            ("no_match", no_match, "fact")]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("name,fn,filtered", _queries(), ids=[q[0] for q in _queries()])
def test_key_filters_match_pandas(tables, passes, name, fn, filtered, fmt):
    paths, frames = tables
    want = fn(pandas, _read(pandas, paths, fmt, "fact"), _read(pandas, paths, fmt, "cust")).reset_index(drop=True)
    for on in (True, False):
        passes(on)
        f, c = _read(fpd, paths, fmt, "fact"), _read(fpd, paths, fmt, "cust")
        got = fn(fpd, f, c)
        plan = got.explain()
        if on and OPT_ON:
            path = paths[filtered] if fmt == "parquet" else paths[filtered][:-len(".parquet")] + ".csv"
            line = next(ln for ln in plan.splitlines() if path in ln)
            assert "key_filters=" in line, plan
        if not on:
            assert "key_filters=" not in plan
        pandas.testing.assert_frame_equal(got.to_pandas().reset_index(drop=True), want, check_exact=False, rtol=1e-9)


def test_observed_labels_keep_the_scan_whole(tables, passes):
    """isin keeps the left frame's index labels: when the user sees them, the left scan
    gets no key filter (a filtered scan numbers its rows afresh); the lookup side may."""
    paths, frames = tables
    passes(True)
    f, c = fpd.read_parquet(paths["fact"]), fpd.read_parquet(paths["cust"])
    got = f[f["f_c"].isin(c[c["c_seg"] == "B"]["c_id"])][["f_id"]]
    fact_line = next(ln for ln in got.explain().splitlines() if paths["fact"] in ln)
    assert "key_filters=" not in fact_line
    pf, pc = frames["fact"], frames["cust"]
    pandas.testing.assert_frame_equal(got.to_pandas(), pf[pf["f_c"].isin(pc[pc["c_seg"] == "B"]["c_id"])][["f_id"]])


@settings(max_examples=25, deadline=None)
@given(keys=st.lists(st.one_of(st.none(), st.integers(-3, 40)), min_size=0, max_size=30),
       probe=st.lists(st.integers(-5, 45), min_size=0, max_size=200),
       rg=st.integers(1, 64), how=st.sampled_from(["inner", "semi", "anti", "left"]))
def test_generated_keys(tmp_path_factory, keys, probe, rg, how):
    """Generated build keys (with missing ones, none, duplicates) against generated
    probe rows in row groups of 1..64 rows: the results equal pandas'."""
    d = tmp_path_factory.mktemp("jf")
    big = pandas.DataFrame({"k": np.array(probe, dtype=np.int64), "v": np.arange(len(probe), dtype=np.float64)})
    small = pandas.DataFrame({"b": pandas.array([k if k is not None else None for k in keys], dtype="Int64"),
                              "w": np.arange(len(keys), dtype=np.int64)})
    small = small.dropna().astype({"b": np.int64})
    pb, ps = _write(d / "big.parquet", big, rg), _write(d / "small.parquet", small, 7)

    def q(pd, b, s):
        s = s[s["w"] >= 0]
        if how == "inner":
            return b.merge(s, left_on="k", right_on="b")[["k", "v", "w"]]
        if how == "left":
            return s.merge(b, left_on="b", right_on="k", how="left")[["b", "w", "v"]]
        if how == "semi":
            return b[b["k"].isin(s["b"])][["v"]].reset_index(drop=True)
        return s[~s["b"].isin(b["k"])][["w"]].reset_index(drop=True)

    want = q(pandas, big, small).reset_index(drop=True)
    got = q(fpd, fpd.read_parquet(pb), fpd.read_parquet(ps)).to_pandas().reset_index(drop=True)
    pandas.testing.assert_frame_equal(got, want, check_dtype=False)
