"""The compiled-plan cache and the result cache (golib/exec/resultcache.go) across collects.

Differential: every pipeline gives the same answers with the result cache on and off
(FLERN_DISABLE_PASSES=result_cache) and as pandas; a rewritten file invalidates; the byte
budget evicts; random ops and in-memory data are never cached; an entry goes when the node it
was kept for does.
"""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import pandas as pd
import pytest

import flern.pandas as fpd
from flern import _collect, _config, _native
from conftest import assert_frame_same, sample_frame

CACHE_ACTIVE = not (_config.no_opt or _config.executor == "interp" or "result_cache" in _config.disabled_passes)
needs_cache = pytest.mark.skipif(not CACHE_ACTIVE, reason="the result cache is off on the reference path")


@pytest.fixture(autouse=True)
def fresh_cache():
    _native.result_cache("clear")
    yield
    _native.result_cache("budget", budget=1 << 30)
    _native.result_cache("clear")


@pytest.fixture
def cache_switch(monkeypatch):
    def set_on(on: bool) -> None:
        names = set(_config.disabled_passes)
        monkeypatch.setattr(_config, "disabled_passes", names - {"result_cache"} if on else names | {"result_cache"})
    return set_on


def flights_like(pd_, path: str):
    df = pd_.read_parquet(path)
    df["g"] = df["i"] * 2 + 1
    df["fz"] = (df["f"] - df["f"].mean()) / df["f"].std()
    keys = sorted(x for x in set(df["k"].unique()) if isinstance(x, str))
    codes = pd_.DataFrame({"k": keys, "code": np.arange(len(keys), dtype=np.int64)})
    df = df.merge(codes, on="k", how="left")
    return df[["g", "fz", "code", "b"]]


def fuel_like(pd_, path: str):
    df = pd_.read_parquet(path)
    df = df[["k", "i", "f", "s"]]
    df["head"] = df["s"].str.slice(0, 2)
    df = df.drop(columns=["s"]).dropna()
    return pd_.get_dummies(df, columns=["head"], dtype=float)


@pytest.fixture
def data_path(tmp_path):
    def write(n: int = 300, seed: int = 0, name: str = "d.parquet") -> str:
        df = sample_frame(n, seed)
        df["i"] = df["i"].clip(-1000, 1000)
        rng = np.random.default_rng(seed)
        df["s"] = pd.Series(np.array(["ab-1", "cd-2", "日本語", "ab-3"], dtype=object)[rng.integers(0, 4, n)], dtype="str")
        p = str(tmp_path / name)
        df.to_parquet(p)
        return p
    return write


@pytest.mark.parametrize("pipeline", [flights_like, fuel_like])
def test_same_answers_on_off_and_pandas(pipeline, data_path, cache_switch):
    path = data_path()
    want = pipeline(pd, path)
    for on in (True, False, True):
        cache_switch(on)
        assert_frame_same(pipeline(fpd, path), want)
    if CACHE_ACTIVE:
        assert _native.result_cache()["stores"] >= 1


def _keep_after(width: int) -> int:
    """golib/engine KeepAfter: probes of a subplan before one keeps it."""
    return max(2, (width + 3) // 4)


def probe_until_kept(df, col: str) -> None:
    """Run ``df[col].sum()`` as often as the keep-after rule needs for ``df`` to be kept."""
    for _ in range(_keep_after(len(df.columns))):
        df[col].sum()


@needs_cache
def test_probe_input_is_read_from_the_cache(data_path):
    path = data_path()
    df = fpd.read_parquet(path)
    df["g"] = df["i"] * 2
    m = df["f"].mean()
    assert m == pytest.approx(pd.read_parquet(path)["f"].mean())
    # one reduction keeps nothing: it may be the query's last (TPC-H q6), and keeping its
    # input frame would compute every column where the sum reads one
    assert _native.result_cache()["entries"] == 0
    assert "cached_result=" not in (df["f"] - m).explain()
    need = _keep_after(len(df.columns))
    for i in range(need - 1):  # mean, std, ...: probed often enough, the next probe keeps it
        assert _native.result_cache()["entries"] == 0
        df["f"].std() if i % 2 == 0 else df["i"].max()
    s = _native.result_cache()
    assert s["entries"] == 1 and s["stores"] == 1
    df["z"] = df["f"] - m
    ex = df.explain()
    assert "cached_result=" in ex and "scan_parquet" not in ex
    want = pd.read_parquet(path)
    want["g"] = want["i"] * 2
    want["z"] = want["f"] - want["f"].mean()
    assert_frame_same(df, want)


@needs_cache
def test_one_final_reduction_keeps_nothing(data_path):
    """q6's shape: a filtered frame's one sum is the answer; its plan stays the narrow fused
    reduction (no extra output of the whole filtered frame)."""
    path = data_path()
    df = fpd.read_parquet(path)
    f = df[(df["i"] > 0) & (df["f"] < 0.5)]
    v = f["f"] * f["i"]
    want_df = pd.read_parquet(path)
    wf = want_df[(want_df["i"] > 0) & (want_df["f"] < 0.5)]
    assert v.sum() == pytest.approx((wf["f"] * wf["i"]).sum())
    s = _native.result_cache()
    assert s["entries"] == 0 and s["stores"] == 0


@needs_cache
def test_get_dummies_probe_keeps_at_once(data_path):
    path = data_path()
    want = fuel_like(pd, path)
    got = fuel_like(fpd, path)
    assert _native.result_cache()["stores"] >= 1
    assert_frame_same(got, want)


@needs_cache
def test_rewritten_file_invalidates(data_path):
    path = data_path(seed=1)
    df = fpd.read_parquet(path)
    df["g"] = df["i"] + 1
    assert df["g"].sum() == (pd.read_parquet(path)["i"] + 1).sum()
    probe_until_kept(df, "g")
    assert _native.result_cache()["entries"] == 1
    time.sleep(0.01)
    data_path(n=500, seed=2)  # same path, new contents
    df2 = fpd.read_parquet(path)
    df2["g"] = df2["i"] + 1
    want = pd.read_parquet(path)
    assert df2["g"].sum() == (want["i"] + 1).sum()
    want["g"] = want["i"] + 1
    assert_frame_same(df2, want)
    probe_until_kept(df2, "g")  # keeping the new file's frame drops the old file's entry
    assert _native.result_cache()["dropped"] >= 1
    assert_frame_same(df2, want)


@needs_cache
def test_budget_evicts_and_answers_stay_right(data_path):
    path = data_path()
    _native.result_cache("budget", budget=1)
    want = fuel_like(pd, path)
    assert_frame_same(fuel_like(fpd, path), want)
    s = _native.result_cache()
    assert s["entries"] == 0 and s["too_big"] >= 1
    _native.result_cache("budget", budget=1 << 30)
    got = fuel_like(fpd, path)  # alive: its probe's entry stays (dropped once got is gone)
    assert_frame_same(got, want)
    full = _native.result_cache()["bytes"]
    assert full > 0
    _native.result_cache("budget", budget=full - 1)
    s = _native.result_cache()
    assert s["bytes"] <= full - 1 and s["evictions"] >= 1
    assert_frame_same(fuel_like(fpd, path), want)


@needs_cache
def test_len_keeps_nothing(data_path):
    path = data_path()
    df = fpd.read_parquet(path)
    df = df[df["i"] > 0]
    assert len(df) == int((pd.read_parquet(path)["i"] > 0).sum())
    assert _native.result_cache()["stores"] == 0
    assert df["f"].count() == pd.read_parquet(path).query("i > 0")["f"].count()
    probe_until_kept(df, "f")
    assert _native.result_cache()["stores"] == 1


def test_random_and_in_memory_plans_are_never_cached(data_path):
    path = data_path()
    df = fpd.read_parquet(path).sample(frac=0.5, random_state=3)
    df["g"] = df["i"] * 3
    want = pd.read_parquet(path).sample(frac=0.5, random_state=3)
    want["g"] = want["i"] * 3
    assert df["g"].sum() == want["g"].sum()
    mem = fpd.DataFrame(pd.read_parquet(path))
    mem["g"] = mem["i"] * 3
    assert mem["g"].mean() == pytest.approx((pd.read_parquet(path)["i"] * 3).mean())
    assert _native.result_cache()["stores"] == 0


@needs_cache
def test_entry_dropped_when_its_node_is_gone(data_path):
    path = data_path()
    df = fpd.read_parquet(path)
    df["g"] = df["i"] * 2
    df["g"].max()
    assert _native.result_cache()["entries"] == 0
    probe_until_kept(df, "g")
    assert _native.result_cache()["entries"] == 1
    df["h"] = df["g"] + 1
    assert "cached_result" in df.explain()
    assert _held_frames() >= 1 or not _collect._PLAN_CACHE_ON  # the plans that read the entry hold its frame
    del df
    gc.collect()
    assert _native.result_cache()["entries"] == 0
    fpd.DataFrame({"a": [1]}).to_pandas()  # the next compile lets go of the dropped frame
    assert _held_frames() == 0


def _held_frames() -> int:
    """Frames of result-cache entries the compiled plans in the plan cache hold."""
    return sum(p.info(memo=False)["cached_held"] for variants in _collect._PLAN_CACHE.values() for p in variants)


def _forget() -> None:
    """What a benchmark does between runs (benchmarks/common.py forget_results)."""
    gc.collect()
    _native.result_cache("clear")


@needs_cache
@pytest.mark.skipif(not _collect._PLAN_CACHE_ON, reason="FLERN_PLAN_CACHE=0")
@pytest.mark.parametrize("pipeline", [flights_like, fuel_like])
def test_pipeline_run_again_compiles_nothing(pipeline, data_path):
    """A pipeline run again after its kept frames were dropped (its nodes gone, the result
    cache cleared) compiles nothing: its plans read, compute and keep the same subplans again
    (the plans that read a dropped entry were kept without its frame; the same bytes compiled
    in two cache states, computing then reading a probed frame, are two variants of one key);
    a changed pipeline compiles."""
    path = data_path()
    want = pipeline(pd, path)
    _collect.clear_plan_cache()
    misses = []
    for _ in range(4):
        _forget()
        before = _collect.PLAN_CACHE_STATS["misses"]
        assert_frame_same(pipeline(fpd, path), want)
        misses.append(_collect.PLAN_CACHE_STATS["misses"] - before)
    assert misses[0] > 0 and misses[1:] == [0, 0, 0], misses
    assert _native.result_cache()["stores"] > 0  # the runs did keep (and then read) frames
    _forget()
    fpd.DataFrame({"a": [1]}).to_pandas()
    assert _held_frames() == 0  # the kept plans hold no dropped frame

    def changed(pd_, p):
        df = pipeline(pd_, p)
        return df[df[df.columns[1]] > 0.25]
    before = _collect.PLAN_CACHE_STATS["misses"]
    assert_frame_same(changed(fpd, path), changed(pd, path))
    assert _collect.PLAN_CACHE_STATS["misses"] > before


@needs_cache
@pytest.mark.skipif(not _collect._PLAN_CACHE_ON, reason="FLERN_PLAN_CACHE=0")
def test_plan_without_dropped_frame_runs_on_the_new_entry(data_path):
    """A plan kept without a dropped entry's frame is reused once the same subplan is kept
    again, and reads the new entry (the file rewritten in between: a new entry, new answers)."""
    path = data_path()

    def q():
        df = fpd.read_parquet(path)
        df["g"] = df["i"] * 2
        probe_until_kept(df, "g")
        df["h"] = df["g"] + df["f"]
        return df[["h"]].to_pandas()

    def want():
        df = pd.read_parquet(path)
        return (df["i"] * 2 + df["f"]).to_frame("h")
    _collect.clear_plan_cache()
    assert_frame_same(q(), want())
    gc.collect()
    assert _native.result_cache()["entries"] == 0
    before = _collect.PLAN_CACHE_STATS["misses"]
    assert_frame_same(q(), want())
    assert _collect.PLAN_CACHE_STATS["misses"] == before
    time.sleep(0.01)
    data_path(n=200, seed=5)  # the same path, other rows
    gc.collect()
    assert_frame_same(q(), want())


def test_plan_cache_reuses_compilation_on_new_data(tmp_csv):
    def run(d):
        df = fpd.DataFrame(d)
        df = df[df["y"] > 1]
        df["z"] = df["x"] * 2.0
        return df.groupby("k").agg({"z": "sum"})
    rng = np.random.default_rng(0)
    before = dict(_collect.PLAN_CACHE_STATS)
    for _ in range(5):
        d = {"k": rng.choice(["a", "b"], 20), "x": rng.normal(size=20), "y": rng.integers(0, 4, 20)}
        p = pd.DataFrame(d)
        p = p[p["y"] > 1]
        p["z"] = p["x"] * 2.0
        assert_frame_same(run(d), p.groupby("k").agg({"z": "sum"}))
    if _collect._PLAN_CACHE_ON:
        assert _collect.PLAN_CACHE_STATS["hits"] - before["hits"] >= 4


def test_plan_cache_recompiles_when_the_file_changes(tmp_csv):
    path = tmp_csv("a,b\n1,2\n3,4\n")
    q = lambda: fpd.read_csv(path).assign(c=lambda d: d["a"] + d["b"])  # noqa: E731
    assert_frame_same(q(), pd.read_csv(path).assign(c=lambda d: d["a"] + d["b"]))
    time.sleep(0.01)
    with open(path, "w") as f:
        f.write("a,b\n1.5,2\n3,x\n")  # new types: a float64, b str
    with pytest.raises(Exception):
        pd.read_csv(path).assign(c=lambda d: d["a"] + d["b"])
    with pytest.raises(Exception):
        q().to_pandas()
    with open(path, "w") as f:
        f.write("a,b\n1.5,2\n3,7\n9,1\n")
    os.utime(path, None)
    assert_frame_same(q(), pd.read_csv(path).assign(c=lambda d: d["a"] + d["b"]))


# ---- random pipelines: probe, then final, with the cache on and off ------------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_STEPS = {
    "filter_i": lambda d, c: d[d["i"] > c],
    "assign_g": lambda d, c: d.assign(g=d["i"] * c + 1),
    "dropna": lambda d, c: d.dropna(),
    "sort_f": lambda d, c: d.sort_values("f"),
    "select": lambda d, c: d[["k", "i", "f"]],
    "head": lambda d, c: d.head(abs(c) * 7 + 1),
}
_PROBES = {
    "mean": lambda d: d["i"].mean(),
    "unique": lambda d: sorted(x for x in d["k"].unique() if isinstance(x, str)),
    "len": lambda d: len(d),
    "max": lambda d: d["f"].max(),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(sorted(_STEPS)), st.integers(-3, 3)), max_size=4),
       probes=st.lists(st.sampled_from(sorted(_PROBES)), min_size=1, max_size=3))
def test_random_pipelines_same_with_cache_on_and_off(steps, probes, data_path, monkeypatch):
    path = data_path(n=120, seed=5, name="h.parquet")

    def run(pd_, on: bool):
        names = set(_config.disabled_passes)
        monkeypatch.setattr(_config, "disabled_passes", names - {"result_cache"} if on else names | {"result_cache"})
        d = pd_.read_parquet(path)
        for name, c in steps:
            d = _STEPS[name](d, c)
        got = [_PROBES[p](d) for p in probes]
        final = d.assign(h=d["i"] - 1)
        return got, (final.to_pandas() if pd_ is fpd else final)

    want_p, want_f = run(pd, True)
    for on in (True, False):
        got_p, got_f = run(fpd, on)
        for g, w in zip(got_p, want_p):
            assert (g == w) or (g != g and w != w) or g == pytest.approx(w), (g, w)
        assert_frame_same(got_f, want_f)


@needs_cache
def test_mixed_kept_and_pending_probes_in_one_plan_drop_when_gone(data_path):
    """One plan with two probes: one frame probed often enough (kept), one seen for the first
    time (not kept yet). The kept entry still belongs to its own node and goes with it."""
    from flern._graph import Node

    def sum_node(s):
        return Node("groupby_agg", [s._node()], {"keys": [], "aggs": [{"name": "__value__", "col": "__value__", "fn": "sum"}]})

    path = data_path()
    a = fpd.read_parquet(path)
    a["g"] = a["i"] * 2
    b = fpd.read_parquet(path)
    b["h"] = b["i"] * 3
    for _ in range(_keep_after(len(a.columns)) - 1):
        a["g"].sum()
    assert _native.result_cache()["entries"] == 0
    ta, tb = _collect.collect([sum_node(a["g"]), sum_node(b["h"])])
    want = pd.read_parquet(path)
    assert ta.column(0)[0].as_py() == (want["i"] * 2).sum() and tb.column(0)[0].as_py() == (want["i"] * 3).sum()
    assert _native.result_cache()["entries"] == 1  # a's frame; b's is pending
    del b
    gc.collect()
    assert _native.result_cache()["entries"] == 1
    del a
    gc.collect()
    assert _native.result_cache()["entries"] == 0


@needs_cache
@pytest.mark.parametrize("all_match", [True, False])
def test_merge_matched_probe_reads_a_kept_frame(data_path, all_match):
    """A left merge's matched-keys probe (int64 vs float64 for the right column) takes the
    distinct keys from a frame an earlier probe kept in the result cache instead of
    rescanning its source (the flights pipeline: after mean/std of a column, two merges of
    airport codes); the answers are pandas'."""
    path = data_path()

    def pipeline(lib):
        df = lib.read_parquet(path)
        df["j"] = df["i"] * 2
        m, sd = df["f"].mean(), df["f"].std()
        df["z"] = (df["f"] - m) / sd
        keys = sorted(set(df["s"].unique()))
        if not all_match:
            keys = keys[:-1]
        codes = lib.DataFrame({"s": keys, "code": np.arange(len(keys), dtype=np.int64)})
        return df.merge(codes, on="s", how="left")[["s", "z", "code"]]

    want = pipeline(pd)
    got = pipeline(fpd)
    assert str(got["code"].dtype) == str(want["code"].dtype)
    assert_frame_same(got, want)


def q15_like(pd_, path: str):
    """TPC-H Q15's shape: an aggregated frame probed for its max, then filtered by it and
    joined back to the data."""
    df = pd_.read_parquet(path)
    rev = df[df["f"] > 0].groupby("s", as_index=False).agg(tot=("i", "sum"))
    top = rev["tot"].max()
    j = df.merge(rev[rev["tot"] == top], on="s")
    return j[["s", "i", "tot"]].reset_index(drop=True)


def test_small_aggregate_probe_keeps_at_once(data_path, cache_switch):
    """A keyed groupby of one aggregated column probed by a reduction is kept at once (it is
    one row per group and the query goes on to use it): the final plan reads it from the cache
    instead of scanning and grouping again; answers equal pandas' with the cache on and off."""
    path = data_path(n=2000)
    want = q15_like(pd, path)
    for on in (True, False):
        cache_switch(on)
        _native.result_cache("clear")
        df = fpd.read_parquet(path)
        rev = df[df["f"] > 0].groupby("s", as_index=False).agg(tot=("i", "sum"))
        top = rev["tot"].max()
        j = df.merge(rev[rev["tot"] == top], on="s")
        got = j[["s", "i", "tot"]].reset_index(drop=True)
        if on and CACHE_ACTIVE:
            assert _native.result_cache()["stores"] == 1
            assert "cached_result=" in got.explain()
        else:
            assert "cached_result=" not in got.explain()
        assert_frame_same(got, want)


def promo_share(pd_, path: str, keys_path: str, lo: float = -0.5):
    """TPC-H q14's shape: two sums over one filtered join, the first probed (float())
    before the second is recorded."""
    j = pd_.read_parquet(path).merge(pd_.read_parquet(keys_path), on="k")
    j = j[(j["f"] >= lo) & (j["f"] < 1.5)]
    rev = j["f"] * (1 - j["f"] * 0.1)
    promo = rev.where(j["tag"].str.startswith("p"), 0.0).sum()
    return float(promo), float(rev.sum()), float(rev.mean())


@pytest.fixture
def keys_path(tmp_path):
    p = str(tmp_path / "keys.parquet")
    pd.DataFrame({"k": pd.Series(["a", "b", "ç", "z"], dtype="str"),
                  "tag": pd.Series(["promo", "x", "pq", None], dtype="str")}).to_parquet(p)
    return p


@pytest.mark.parametrize("lo", [-0.5, 99.0])  # some rows, none
def test_narrowed_probe_frame_serves_the_next_plan(data_path, keys_path, cache_switch, lo):
    """The first sum's plan keeps the columns it reads of the filtered join (narrowed, no
    labels: golib/engine/narrow.go); the second and third read them instead of scanning and
    joining again. Answers equal pandas' with the cache on and off."""
    path = data_path()
    want = promo_share(pd, path, keys_path, lo)
    for on in (True, False):
        cache_switch(on)
        _native.result_cache("clear")
        got = promo_share(fpd, path, keys_path, lo)
        for g, w in zip(got, want):
            assert g == pytest.approx(w, nan_ok=True), (got, want)
        if on and CACHE_ACTIVE:
            s = _native.result_cache()
            assert s["stores"] == 1 and s["hits"] >= 2, s
    gc.collect()
    assert _native.result_cache()["entries"] == 0  # dropped with the join's node


@needs_cache
def test_probe_count_forgotten_when_its_frame_is_gone(data_path):
    """A loop probing a new frame per iteration (a benchmark repeating a query) never reaches
    the keep-after count: the count goes with the frame's node, dropped at the next compile
    once no node it was counted for is alive (TPC-H q22 kept a frame it never read from the
    third run on). The same frame probed again still reaches it."""
    path = data_path()
    want = pd.read_parquet(path)
    want = want[want["i"] > 0]["f"].mean()
    for _ in range(_keep_after(3) + 2):
        df = fpd.read_parquet(path)
        df = df[df["i"] > 0]
        assert df["f"].mean() == pytest.approx(want)
        del df
        gc.collect()
    assert _native.result_cache()["stores"] == 0
    df = fpd.read_parquet(path)
    df = df[df["i"] > 0]
    for _ in range(_keep_after(3) + 1):
        assert df["f"].mean() == pytest.approx(want)
    assert _native.result_cache()["stores"] == 1


@pytest.mark.skipif(not _collect._PLAN_CACHE_ON, reason="FLERN_PLAN_CACHE=0")
def test_plan_cache_bounds_keys_and_programs(monkeypatch):
    """The plan cache keeps at most _PLAN_CACHE_SIZE keys and _PLAN_CACHE_PROGRAMS compiled
    programs, dropping the least recently used keys; a key used again is kept."""
    monkeypatch.setattr(_collect, "_PLAN_CACHE_SIZE", 5)
    monkeypatch.setattr(_collect, "_PLAN_CACHE_PROGRAMS", 5)
    _collect.clear_plan_cache()
    first = fpd.DataFrame({"a": [1, 2]})
    plus = lambda: (first["a"] + 100).to_pandas().tolist()  # noqa: E731 (one recorded location)
    times = lambda i: (fpd.DataFrame({"a": [1, 2]})["a"] * i).to_pandas().tolist()  # noqa: E731
    for i in range(2, 14):
        assert plus() == [101, 102]  # used again: stays
        assert times(i) == [i, 2 * i]
        assert len(_collect._PLAN_CACHE) <= 5
        assert sum(map(len, _collect._PLAN_CACHE.values())) <= 5
    before = _collect.PLAN_CACHE_STATS["misses"]
    assert plus() == [101, 102]
    assert _collect.PLAN_CACHE_STATS["misses"] == before
    assert times(2) == [2, 4]  # evicted long ago: compiled again
    assert _collect.PLAN_CACHE_STATS["misses"] > before
