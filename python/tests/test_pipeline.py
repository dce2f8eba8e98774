"""The foundation's end-to-end claim: a pandas pipeline run by flern equals pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flern
import flern.pandas as fpd
from conftest import assert_frame_same

CSV = """id,name,city,amount,qty,when,flag
1,Ann,Oslo,10.5,3,2021-01-05,True
2,Bob,Bergen,7.25,1,2021-02-11,False
3,Çelik,Oslo,,2,2021-02-28,True
4,Dana,Trondheim,99.0,10,,False
5,Eve,Bergen,12.0,4,2022-03-01,True
6,Finn,,5.5,2,2022-07-14,True
7,Gro,Oslo,3.0,7,2023-12-31,False
8,日本,Bergen,42.0,1,2023-01-01,True
"""

CITIES = """city,country,pop
Oslo,NO,700000
Bergen,NO,285000
Stockholm,SE,975000
"""


def _pipeline(pd_mod, data_path, cities_path):
    df = pd_mod.read_csv(data_path, parse_dates=["when"])
    df = df[(df["qty"] > 1) & df["city"].notna()]
    df["total"] = df["amount"] * df["qty"]
    df["upper"] = df["name"].str.upper()
    g = df.groupby("city", as_index=False).agg(n=("id", "count"), total=("total", "sum"),
                                                 mean_qty=("qty", "mean"), first_year=("when", "min"))
    cities = pd_mod.read_csv(cities_path)
    m = g.merge(cities, on="city", how="left")
    return m.sort_values(["total", "city"], ascending=[False, True])


def test_pipeline_equals_pandas(tmp_csv):
    data, cities = tmp_csv(CSV, "data.csv"), tmp_csv(CITIES, "cities.csv")
    got = _pipeline(fpd, data, cities)
    expected = _pipeline(pd, data, cities)
    assert isinstance(got, flern.DataFrame)
    assert_frame_same(got.to_pandas(), expected)


@pytest.mark.plan
def test_explain_shows_scan_reading_only_used_columns(tmp_csv):
    data = tmp_csv(CSV, "data.csv")
    df = flern.read_csv(data)
    q = df[df["qty"] > 1].groupby("city").agg({"amount": "sum"})
    plan = q.explain()
    scan = next(line for line in plan.splitlines() if "scan_csv" in line)
    assert 'columns=["city", "amount", "qty"]' in scan, plan
    assert "name" not in scan.split("::")[1] and "when" not in scan
    expected = pd.read_csv(data)
    expected = expected[expected["qty"] > 1].groupby("city").agg({"amount": "sum"})
    assert_frame_same(q, expected)


@pytest.mark.plan
def test_len_reads_no_columns(tmp_csv):
    data = tmp_csv(CSV, "data.csv")
    df = flern.read_csv(data)
    assert len(df) == 8
    plan = flern.frame.DataFrame._from_node(
        flern._graph.Node("groupby_agg", [df._node], {"keys": [], "aggs": [{"name": "n", "col": "", "fn": "size"}]})
    ).explain()
    assert "columns=[]" in plan


def test_train_test_split_idiom_matches_pandas():
    rng = np.random.default_rng(3)
    pdf = pd.DataFrame({"x": rng.normal(size=97), "y": rng.integers(0, 5, 97)})
    df = flern.from_pandas(pdf)
    train = df.sample(frac=0.8, random_state=0)
    test = df.drop(train.index)
    ptrain = pdf.sample(frac=0.8, random_state=0)
    ptest = pdf.drop(ptrain.index)
    assert_frame_same(train, ptrain)
    assert_frame_same(test, ptest)


def test_arrow_pycapsule_stream_is_readable_by_peers():
    import polars as pl
    import duckdb
    import pyarrow as pa

    df = flern.from_dict({"a": [1, 2, 3], "s": ["x", None, "z"]})
    df = df[df["a"] > 1]
    t = pa.table(df)
    assert t.column("a").to_pylist() == [2, 3]
    p = pl.DataFrame(df)
    assert p["s"].to_list() == [None, "z"]
    rel = duckdb.sql("select sum(a) as s from df")
    assert rel.fetchall()[0][0] == 5


def test_repr_shows_head():
    df = flern.from_dict({"a": list(range(100)), "b": [str(i) for i in range(100)]})
    r = repr(df)
    assert "[100 rows x 2 columns]" in r
    assert "99" not in r.splitlines()[1]
