"""The eageragg pass (golib/opt/eageragg): counts, nunique and sizes per left key of a
left or inner merge are computed from each side grouped on its own. Each test asserts
on explain() (skipped under FLERN_NO_OPT=1), then on the result against pandas on the
same data: duplicate keys on both sides, keys only one side has, missing keys (pandas
matches null with null in a merge; the grouping drops the null key), empty sides, a
right column named like the left key (suffixes), sort and as_index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import flern.pandas as fpd
from conftest import assert_frame_same


def _frames(n: int = 40, m: int = 90, seed: int = 0, nulls: bool = True, float_keys: bool = False):
    rng = np.random.default_rng(seed)
    lk = rng.integers(0, 15, n).astype(np.float64 if float_keys else np.int64)
    rk = rng.integers(5, 25, m).astype(np.float64 if float_keys else np.int64)
    left = pd.DataFrame({"k": lk, "a": rng.integers(0, 9, n)})
    right = pd.DataFrame({"rk": rk, "x": rng.normal(size=m), "s": pd.Series(rng.choice(["p", "q", "ü", "日"], m), dtype="str")})
    if nulls:
        right.loc[rng.random(m) < 0.2, "x"] = np.nan
        right.loc[rng.random(m) < 0.2, "s"] = None
    return left, right


def _q(mod, l, r, how="left", sort=True, as_index=False, aggs=None):
    j = l.merge(r, left_on="k", right_on="rk", how=how)
    aggs = aggs or dict(n=("x", "count"), d=("s", "nunique"), z=("x", "size"))
    return j.groupby("k", sort=sort, as_index=as_index).agg(**aggs)


def _both(l, r, **kw):
    return _q(fpd, fpd.from_pandas(l), fpd.from_pandas(r), **kw), _q(pd, l, r, **kw)


@pytest.mark.plan
@pytest.mark.parametrize("how", ["left", "inner"])
def test_counts_per_left_key_group_each_side_first(how):
    l, r = _frames()
    got, want = _both(l, r, how=how)
    plan = got.explain()
    assert "__eager_nl" in plan and plan.count("groupby_agg") + plan.count("agg[groupby_agg]") >= 3, plan
    assert_frame_same(got, want)


@pytest.mark.parametrize("how", ["left", "inner"])
@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("as_index", [True, False])
def test_results_follow_pandas(how, sort, as_index):
    for seed in range(3):
        l, r = _frames(seed=seed)
        got, want = _both(l, r, how=how, sort=sort, as_index=as_index)
        assert_frame_same(got, want)


def test_same_key_name_and_a_right_column_named_like_the_key():
    l, r = _frames(seed=4)
    r = r.rename(columns={"rk": "k"}).assign(a=np.arange(len(r)))  # "a" clashes: a_x, a_y

    def q(mod, a, b, how):
        j = a.merge(b, on="k", how=how)
        return j.groupby("k").agg(n=("a_y", "count"), z=("a_x", "size"))

    for how in ("left", "inner"):
        got = q(fpd, fpd.from_pandas(l), fpd.from_pandas(r), how)
        assert_frame_same(got, q(pd, l, r, how))


def test_missing_left_keys_and_empty_sides():
    l, r = _frames(seed=2)
    l = l.astype({"k": "float64"})
    l.loc[[0, 3, 7], "k"] = np.nan
    r = r.astype({"rk": "float64"})
    r.loc[[1, 2], "rk"] = np.nan  # null matches null in the merge; the grouping drops it
    for how in ("left", "inner"):
        got, want = _both(l, r, how=how)
        assert_frame_same(got, want)
        got, want = _both(l.iloc[:0], r, how=how)
        assert_frame_same(got, want)
        got, want = _both(l, r.iloc[:0], how=how)
        assert_frame_same(got, want)


@pytest.mark.parametrize("how", ["left", "inner"])
@pytest.mark.parametrize("sort", [True, False])
def test_counts_of_left_columns(how, sort):
    """A left row appears once per right match (once when it has none, in a left merge)."""
    for seed in range(3):
        l, r = _frames(seed=seed)
        l.loc[l.index[::4], "a"] = np.nan
        got, want = _both(l, r, how=how, sort=sort, aggs=dict(n=("a", "count"), u=("a", "nunique"), m=("x", "count")))
        if seed == 0 and not _no_opt():
            assert "__eager_nl" in got.explain(), got.explain()
        assert_frame_same(got, want)


def test_two_key_pairs():
    l, r = _frames(seed=5)
    l["g"] = np.arange(len(l)) % 3
    r["g"] = np.arange(len(r)) % 2

    def q(mod, a, b, how):
        j = a.merge(b, left_on=["k", "g"], right_on=["rk", "g"], how=how)
        return j.groupby(["g", "k"]).agg(n=("x", "count"), z=("s", "size"), u=("s", "nunique"))

    for how in ("left", "inner"):
        got = q(fpd, fpd.from_pandas(l), fpd.from_pandas(r), how)
        if not _no_opt():
            assert "__eager_nl" in got.explain(), got.explain()
        assert_frame_same(got, q(pd, l, r, how))


def _no_opt() -> bool:
    from flern import _config
    return bool(_config.no_opt)


@pytest.mark.plan
def test_sums_and_key_counts_are_left_alone():
    l, r = _frames()
    for aggs in (dict(t=("x", "sum")), dict(t=("x", "mean")), dict(t=("k", "count")), dict(t=("x", "min"))):
        got, want = _both(l, r, aggs=aggs)
        assert "__eager" not in got.explain(), got.explain()
        assert_frame_same(got, want)


@pytest.mark.plan
def test_grouping_by_another_column_is_left_alone():
    l, r = _frames()
    got = fpd.from_pandas(l).merge(fpd.from_pandas(r), left_on="k", right_on="rk", how="left").groupby("a").agg(
        n=("x", "count"))
    want = l.merge(r, left_on="k", right_on="rk", how="left").groupby("a").agg(n=("x", "count"))
    assert "__eager" not in got.explain()
    assert_frame_same(got, want)


@settings(max_examples=40, deadline=None)
@given(lk=st.lists(st.one_of(st.none(), st.integers(-3, 6)), max_size=25),
       rk=st.lists(st.one_of(st.none(), st.integers(-3, 6)), max_size=25),
       how=st.sampled_from(["left", "inner"]), sort=st.booleans(), seed=st.integers(0, 3))
def test_generated_frames(lk, rk, how, sort, seed):
    rng = np.random.default_rng(seed)
    l = pd.DataFrame({"k": pd.array(lk, dtype="float64"), "a": np.arange(len(lk))})
    x = rng.normal(size=len(rk))
    x[rng.random(len(rk)) < 0.3] = np.nan
    r = pd.DataFrame({"rk": pd.array(rk, dtype="float64"), "x": x,
                      "s": pd.Series(rng.choice(["p", "q", "é"], len(rk)), dtype="str")})
    got, want = _both(l, r, how=how, sort=sort)
    assert_frame_same(got, want)


@pytest.mark.parametrize("how", ["left", "inner"])
def test_count_of_a_right_column_without_missing_values_is_a_size(how):
    """The count of a right column that cannot be missing (an int column, no nulls) is each
    key's row count: the grouped side reads no column for it (TPC-H q13's o_orderkey), and
    the counts equal pandas' (0 for the left keys the right side lacks, in a left merge)."""
    l, r = _frames(seed=4)
    r["ri"] = np.arange(len(r), dtype=np.int64)
    aggs = dict(n=("ri", "count"), z=("ri", "size"))
    got, want = _both(l, r, how=how, aggs=aggs)
    plan = got.explain()
    if "__eager_nl" in plan:  # (the pass ran)
        assert '"col": "ri", "fn": "count"' not in plan, plan
    assert_frame_same(got, want)
