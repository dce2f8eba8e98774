"""The relational optimizer passes (predicate pushdown, cse, limit/topk): each test
asserts on the optimized plan (explain(), skipped under FLERN_NO_OPT=1) and then
on the result against pandas on the same data."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import flern
import flern.pandas as fpd
from conftest import assert_frame_same


def _lines(plan: str) -> list[str]:
    return [ln for ln in plan.splitlines() if ln.startswith("%")]


def _ops(plan: str) -> list[str]:
    """The op of every node line, in order: ["source", "filter", ...]; a fused
    node counts as the ops its loop runs (kernel=select[project filter])."""
    out = []
    for ln in _lines(plan):
        op = ln.split("= ", 1)[1].split("(", 1)[0]
        kernel = re.search(r"kernel=\w+\[([^\]]*)\]", ln) if op == "fused" else None
        out.extend(kernel.group(1).split() if kernel else [op])
    return out


def _frames(n: int = 60, seed: int = 1):
    rng = np.random.default_rng(seed)
    left = pd.DataFrame({
        "k": rng.integers(0, 12, n).astype(np.int64),
        "v": rng.integers(-50, 50, n).astype(np.int64),
        "f": np.where(rng.random(n) < 0.15, np.nan, rng.normal(size=n)),
        "s": pd.Series(rng.choice(["a", "b", "ç", "日本"], n), dtype="str"),
    })
    right = pd.DataFrame({
        "k": np.arange(0, 10, dtype=np.int64),
        "v": rng.normal(size=10),
        "name": pd.Series([f"n{i}" for i in range(10)], dtype="str"),
    })
    return left, right


def _merge_filter(mod, l, r):
    j = l.merge(r, on="k")
    j = j[(j["v_x"] > 0) & (j["name"] != "n3") & (j["k"] < 9) & (j["f"].notna())]
    return j.groupby("s", as_index=False).agg(n=("v_x", "size"), t=("v_y", "sum"))


@pytest.mark.plan
def test_filters_move_below_the_join_into_both_sides():
    l, r = _frames()
    got = _merge_filter(fpd, fpd.from_pandas(l), fpd.from_pandas(r))
    ops = _ops(got.explain())
    # every filter now runs before the join; k < 9 runs on both sides
    assert ops.index("join") > max(i for i, op in enumerate(ops) if op == "filter"), got.explain()
    assert ops.count("filter") == 2, got.explain()
    plan = got.explain()
    assert plan.count('lt(col("k"), 9') == 2, plan
    assert_frame_same(got, _merge_filter(pd, l, r))


def test_merge_filter_results():
    for seed in range(5):
        l, r = _frames(80, seed)
        assert_frame_same(_merge_filter(fpd, fpd.from_pandas(l), fpd.from_pandas(r)), _merge_filter(pd, l, r))


@pytest.mark.plan
def test_filter_stays_above_join_when_labels_are_shown():
    l, r = _frames()
    j = fpd.from_pandas(l).merge(fpd.from_pandas(r), on="k")
    got = j[j["v_x"] > 0]
    ops = _ops(got.explain())
    assert ops[-1] == "filter" and ops.index("join") < ops.index("filter"), got.explain()
    pj = l.merge(r, on="k")
    assert_frame_same(got, pj[pj["v_x"] > 0])  # labels 0..n-1 of the merge, with gaps


@pytest.mark.plan
def test_left_join_keeps_right_side_conditions_above():
    l, r = _frames()
    def q(mod, a, b):
        j = a.merge(b, on="k", how="left")
        j = j[(j["v_x"] > -10) & (j["v_y"] > 0)]
        return j.reset_index(drop=True)
    got = q(fpd, fpd.from_pandas(l), fpd.from_pandas(r))
    plan = got.explain()
    ops = _ops(plan)
    assert ops.count("filter") == 2, plan
    first = next(ln for ln in _lines(plan) if " filter(" in ln)
    assert 'gt(col("v"), -10' in first, plan
    assert_frame_same(got, q(pd, l, r))


def test_a_raising_condition_is_not_moved_below_the_join():
    # pandas never parses "x": its row finds no partner in the merge
    l = pd.DataFrame({"k": [1, 2, 3], "s": pd.Series(["10", "x", "30"], dtype="str")})
    r = pd.DataFrame({"k": [1, 3], "w": [0.5, 1.5]})
    def q(mod, a, b):
        j = a.merge(b, on="k")
        j = j[j["s"].astype("int64") > 15]
        return j.reset_index(drop=True)
    assert_frame_same(q(fpd, fpd.from_pandas(l), fpd.from_pandas(r)), q(pd, l, r))


@pytest.mark.plan
def test_filter_on_a_computed_column_moves_below_the_projection(tmp_path):
    l, _ = _frames()
    p = tmp_path / "l.csv"
    l.to_csv(p, index=False)
    def q(mod):
        df = mod.read_csv(str(p))
        df["w"] = df["v"] * 2 + 1
        df = df.sort_values(["w", "s"], kind="stable")
        return df[df["w"] > 3]
    got = q(fpd)
    ops = _ops(got.explain())
    assert ops.index("filter") < ops.index("sort"), got.explain()
    assert_frame_same(got, q(pd))


def _topk_frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array(["b", "a", "ç", "Z"], dtype=object), n)
    s[rng.random(n) < 0.2] = None
    f = rng.integers(0, 4, n).astype(float)
    f[rng.random(n) < 0.2] = np.nan
    f[0] = -0.0
    return pd.DataFrame({"i": rng.integers(-3, 3, n).astype(np.int64), "f": f,
                         "s": pd.Series(s, dtype="str"), "x": np.arange(n, dtype=np.int64)})


@pytest.mark.plan
def test_sort_then_head_is_topk():
    pdf = _topk_frame()
    got = fpd.from_pandas(pdf).sort_values("f", ascending=False, kind="stable").head(7)
    assert "topk" in _ops(got.explain()) and "sort" not in _ops(got.explain()), got.explain()
    assert_frame_same(got, pdf.sort_values("f", ascending=False, kind="stable").head(7))


@pytest.mark.parametrize("by,asc", [("f", True), ("f", False), ("s", True), ("s", False), ("i", False),
                                    (["i", "f"], [True, False]), (["s", "f"], [False, True]), (["f", "s", "i"], True)])
@pytest.mark.parametrize("na", ["last", "first"])
@pytest.mark.parametrize("n", [0, 1, 5, 40, 100])
def test_topk_equals_pandas_sort_head(by, asc, na, n):
    pdf = _topk_frame()
    got = fpd.from_pandas(pdf).sort_values(by, ascending=asc, na_position=na, kind="stable").head(n)
    assert_frame_same(got, pdf.sort_values(by, ascending=asc, na_position=na, kind="stable").head(n))


@pytest.mark.plan
def test_limit_moves_below_a_projection():
    pdf = _topk_frame()
    def q(mod, df):
        df = df.sort_values(["i", "x"], ascending=[False, True])
        df = df.assign(y=df["x"] * 10)
        return df[["y", "s"]].head(4)
    got = q(fpd, fpd.from_pandas(pdf))
    ops = _ops(got.explain())
    assert "topk" in ops and "slice" not in ops and ops.index("topk") < ops.index("project"), got.explain()
    assert_frame_same(got, q(pd, pdf))


@pytest.mark.plan
def test_identical_subqueries_are_computed_once(tmp_path):
    l, _ = _frames()
    p = tmp_path / "l.csv"
    l.to_csv(p, index=False)
    def q(mod):
        a = mod.read_csv(str(p))
        a = a[a["v"] > 0].groupby("k", as_index=False).agg(m=("f", "mean"))
        b = mod.read_csv(str(p))
        b = b[b["v"] > 0].groupby("k", as_index=False).agg(m=("f", "mean"))
        c = mod.read_csv(str(p))
        return a.merge(b, on="k").merge(c[["k", "s"]], on="k").sort_values(["k", "s"], kind="stable").reset_index(drop=True)
    got = q(fpd)
    plan = got.explain()
    assert _ops(plan).count("scan_csv") == 1, plan
    # a and b are one node: the first join reads it twice
    join = next(ln for ln in _lines(plan) if " join(" in ln)
    ins = join.split("join(", 1)[1].split(",")[:2]
    assert ins[0].strip() == ins[1].strip(), plan
    assert_frame_same(got, q(pd))


def _parquet(tmp_path, n=2000, per=100):
    rng = np.random.default_rng(7)
    pdf = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "f": np.where(rng.random(n) < 0.1, np.nan, np.arange(n) / 10.0),
        "s": pd.Series([None if i % 13 == 0 else f"k{i:05d}" for i in range(n)], dtype="str"),
        "d": pd.Series(pd.date_range("2020-01-01", periods=n, freq="h")).astype("datetime64[us]"),
        "g": rng.integers(0, 5, n).astype(np.int64),
    })
    p = tmp_path / "t.parquet"
    pdf.to_parquet(p, row_group_size=per, index=False)
    return pdf, str(p)


PREDS = [
    lambda df: df["id"] >= 1500,
    lambda df: (df["id"] > 310) & (df["id"] <= 420),
    lambda df: df["f"] < 12.5,
    lambda df: 50 > df["f"],
    lambda df: df["s"] == "k00777",
    lambda df: df["s"] > "k01900",
    lambda df: df["d"] < pd.Timestamp("2020-01-05"),
    lambda df: (df["d"] >= pd.Timestamp("2020-03-01")) & (df["g"] == 2),
    lambda df: df["id"] > 10**9,
]


@pytest.mark.parametrize("k", range(len(PREDS)))
def test_parquet_row_group_skipping_matches_pandas(tmp_path, k):
    pdf, p = _parquet(tmp_path)
    def q(mod, df):
        df = df[PREDS[k](df)]
        return df.groupby("g", as_index=False).agg(n=("id", "size"), m=("f", "max"), lo=("id", "min"))
    got = q(fpd, fpd.read_parquet(p))
    assert_frame_same(got, q(pd, pd.read_parquet(p)))


@pytest.mark.plan
def test_parquet_scan_gets_the_stats_filter(tmp_path):
    pdf, p = _parquet(tmp_path)
    df = fpd.read_parquet(p)
    got = df[(df["id"] >= 1500) & df["s"].str.startswith("k01")].groupby("g").agg(n=("id", "size"))
    plan = got.explain()
    scan = next(ln for ln in _lines(plan) if "scan_parquet(" in ln)
    assert 'stats_filter=ge(col("id"), 1500' in scan, plan
    exp = pdf[(pdf["id"] >= 1500) & pdf["s"].str.startswith("k01", na=False)].groupby("g").agg(n=("id", "size"))
    assert_frame_same(got, exp)


@pytest.mark.plan
def test_parquet_keeps_labels_when_they_are_shown(tmp_path):
    pdf, p = _parquet(tmp_path)
    df = fpd.read_parquet(p)
    got = df[df["id"] >= 1990]
    assert "stats_filter" not in got.explain()
    assert_frame_same(got, pdf[pdf["id"] >= 1990])


def _q19_like(mod, li, part):
    j = li.merge(part, on="k")
    common = j["mode"].isin(["AIR", "REG"])
    c1 = (j["brand"] == "B1") & (j["qty"] >= 1) & (j["qty"] <= 11) & (j["size"] <= 5)
    c2 = (j["brand"] == "B2") & j["cont"].isin(["SM", "MED"]) & (j["qty"] >= 10) & (j["qty"] <= 20)
    j = j[common & (c1 | c2)]
    j = j.assign(r=j["price"] * (1 - j["disc"]))
    return j.groupby("brand", as_index=False).agg(r=("r", "sum"), n=("r", "size"))


def _q19_frames(n=400, seed=3):
    rng = np.random.default_rng(seed)
    li = pd.DataFrame({"k": rng.integers(0, 50, n).astype(np.int64), "qty": rng.integers(0, 25, n).astype(np.int64),
                       "mode": pd.Series(rng.choice(["AIR", "REG", "SHIP"], n), dtype="str"),
                       "price": rng.random(n) * 100, "disc": rng.random(n) / 10})
    part = pd.DataFrame({"k": np.arange(50, dtype=np.int64),
                         "brand": pd.Series(rng.choice(["B1", "B2", "B3"], 50), dtype="str"),
                         "cont": pd.Series(rng.choice(["SM", "MED", "LG"], 50), dtype="str"),
                         "size": rng.integers(0, 10, 50).astype(np.int64)})
    return li, part


@pytest.mark.plan
def test_or_of_conjunctions_filters_both_join_sides_first():
    li, part = _q19_frames()
    got = _q19_like(fpd, fpd.from_pandas(li), fpd.from_pandas(part))
    plan = got.explain()
    lines = _lines(plan)
    join_at = next(i for i, ln in enumerate(lines) if " join(" in ln)
    below = "\n".join(lines[:join_at])
    # the lineitem side is filtered on mode and the qty ranges, the part side on brand/cont/size
    assert 'isin(col("mode")' in below and 'ge(col("qty"), 1' in below and 'eq(col("brand"), "B1")' in below, plan
    assert_frame_same(got, _q19_like(pd, li, part))


@pytest.mark.parametrize("seed", range(4))
def test_or_of_conjunctions_results(seed):
    li, part = _q19_frames(300, seed)
    assert_frame_same(_q19_like(fpd, fpd.from_pandas(li), fpd.from_pandas(part)), _q19_like(pd, li, part))


def _random_pipeline(mod, l, r, rng_seed):
    """A merge, filters on either side or both, optional sort + head: recorded the
    same way for pandas and flern (the choices come from the seed)."""
    rng = np.random.default_rng(rng_seed)
    how = ["inner", "left"][rng.integers(0, 2)]
    j = l.merge(r, on="k", how=how)
    conds = [j["v_x"] > int(rng.integers(-30, 30)), j["k"] != int(rng.integers(0, 12)),
             j["s"].isin(["a", "ç"]), j["f"].notna(), j["k"] <= int(rng.integers(3, 12))]
    if how == "inner":
        conds += [j["v_y"] < float(rng.normal()), j["name"] != "n2", (j["v_x"] > 0) | (j["v_y"] > 0)]
    pick = rng.choice(len(conds), size=int(rng.integers(1, 4)), replace=False)
    m = conds[pick[0]]
    for i in pick[1:]:
        m = m & conds[i]
    j = j[m]
    if rng.integers(0, 2):
        j = j.assign(w=j["v_x"] * 2)
        j = j.sort_values(["w", "k", "s"], ascending=[bool(rng.integers(0, 2)), True, False], kind="stable")
        return j.head(int(rng.integers(0, 15))).reset_index(drop=True)
    return j.groupby("s", as_index=False).agg(n=("v_x", "size"), t=("v_x", "sum"), k=("k", "max"))


@pytest.mark.parametrize("seed", range(40))
def test_random_pipelines_equal_pandas(seed):
    l, r = _frames(50, seed)
    got = _random_pipeline(fpd, fpd.from_pandas(l), fpd.from_pandas(r), seed)
    assert_frame_same(got, _random_pipeline(pd, l, r, seed))


# --- join ordering (golib/opt/joinorder) ---------------------------------------------------


def _star_tables(tmp_path, fmt: str):
    """A fact table and three dimensions written as files (the pass needs row counts)."""
    rng = np.random.default_rng(7)
    n = 3000
    sales = pd.DataFrame({
        "s_id": np.arange(n, dtype=np.int64),
        "s_cust": rng.integers(0, 300, n).astype(np.int64),
        "s_prod": rng.integers(0, 100, n).astype(np.int64),
        "s_amount": np.round(rng.normal(100, 30, n), 2),
        "s_note": pd.Series(rng.choice(["", "ü", "日本", "x y"], n), dtype="str"),
    })
    cust = pd.DataFrame({"c_id": np.arange(300, dtype=np.int64),
                         "c_region": rng.integers(0, 5, 300).astype(np.int64),
                         "c_name": pd.Series([f"c{i}" for i in range(300)], dtype="str")})
    region = pd.DataFrame({"r_id": np.arange(5, dtype=np.int64),
                           "r_name": pd.Series(["north", "south", "east", "west", "ünter"], dtype="str")})
    prod = pd.DataFrame({"p_id": np.arange(100, dtype=np.int64),
                         "p_cat": pd.Series(rng.choice(["a", "b", "c"], 100), dtype="str")})
    out = {}
    for name, df in {"sales": sales, "cust": cust, "region": region, "prod": prod}.items():
        p = tmp_path / f"{name}.{fmt}"
        df.to_parquet(p, index=False) if fmt == "parquet" else df.to_csv(p, index=False)
        out[name] = str(p)
    return out


def _read(mod, paths, fmt):
    return {k: (mod.read_parquet(p) if fmt == "parquet" else mod.read_csv(p)) for k, p in paths.items()}


def _star_query(t, pd_):
    """Written with the selective region join last; only sorted groups are observed."""
    j = (t["sales"].merge(t["prod"], left_on="s_prod", right_on="p_id")
         .merge(t["cust"], left_on="s_cust", right_on="c_id")
         .merge(t["region"], left_on="c_region", right_on="r_id"))
    j = j[(j["r_name"] == "north") & (j["s_amount"] > 80)]
    return j.groupby(["p_cat", "c_name"], as_index=False).agg(total=("s_amount", "sum"), n=("s_id", "size"),
                                                               hi=("s_amount", "max"))


def _join_lines(plan: str) -> list[str]:
    return [ln for ln in _lines(plan) if "= join(" in ln]


@pytest.mark.plan
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_joinorder_moves_the_selective_join_first(tmp_path, monkeypatch, fmt):
    from flern import _config
    paths = _star_tables(tmp_path, fmt)
    expected = _star_query(_read(pd, paths, fmt), pd)
    got = _star_query(_read(fpd, paths, fmt), fpd)
    plan = got.explain()
    first = _join_lines(plan)[0]
    # the filtered region joins customers first; the fact table comes last
    assert 'left_on=["c_region"], right_on=["r_id"]' in first, plan
    assert "s_cust" in _join_lines(plan)[-1] or "s_prod" in _join_lines(plan)[-1], plan
    assert_frame_same(got, expected)
    # switched off: the joins run as written, same answer
    monkeypatch.setattr(_config, "disabled_passes", _config.disabled_passes | {"joinorder"})
    off = _star_query(_read(fpd, paths, fmt), fpd)
    assert 'left_on=["s_prod"], right_on=["p_id"]' in _join_lines(off.explain())[0], off.explain()
    assert_frame_same(off, expected)


def _observed_order(t, pd_):
    """The same chain whose row order reaches the result (no sort, no groupby)."""
    j = (t["sales"].merge(t["cust"], left_on="s_cust", right_on="c_id")
         .merge(t["region"], left_on="c_region", right_on="r_id"))
    return j[j["r_name"] == "north"][["s_id", "c_name", "s_amount", "s_note"]]


def _first_agg(t, pd_):
    """A groupby whose "first" sees the row order."""
    j = (t["sales"].merge(t["cust"], left_on="s_cust", right_on="c_id")
         .merge(t["region"], left_on="c_region", right_on="r_id"))
    j = j[j["r_name"] == "north"]
    return j.groupby("c_name", as_index=False).agg(first_id=("s_id", "first"), n=("s_id", "size"))


@pytest.mark.parametrize("query", [_observed_order, _first_agg])
def test_joinorder_keeps_an_observed_row_order(tmp_path, monkeypatch, query):
    from flern import _config
    paths = _star_tables(tmp_path, "parquet")
    expected = query(_read(pd, paths, "parquet"), pd)
    got = query(_read(fpd, paths, "parquet"), fpd)
    if not _config.no_opt:
        plan = got.explain()
        monkeypatch.setattr(_config, "disabled_passes", _config.disabled_passes | {"joinorder"})
        assert _join_lines(query(_read(fpd, paths, "parquet"), fpd).explain()) == _join_lines(plan), plan
    assert_frame_same(got, expected)


def test_joinorder_results_on_empty_and_unmatched(tmp_path):
    """A filter that keeps nothing and keys that match nothing: same (empty) answer as pandas."""
    paths = _star_tables(tmp_path, "parquet")

    def q(t, pd_, name):
        j = (t["sales"].merge(t["cust"], left_on="s_cust", right_on="c_id")
             .merge(t["region"], left_on="c_region", right_on="r_id"))
        j = j[j["r_name"] == name]
        return j.groupby("c_name", as_index=False).agg(total=("s_amount", "sum"))

    for name in ["nowhere", "ünter"]:
        assert_frame_same(q(_read(fpd, paths, "parquet"), fpd, name), q(_read(pd, paths, "parquet"), pd, name))
