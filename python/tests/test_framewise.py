"""Whole-frame reductions and arithmetic (df.mean(), df - df.mean(), df * 2) against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flern
from conftest import assert_frame_same, assert_series_same

REDUCTIONS = ["sum", "mean", "min", "max", "std", "var", "count", "median"]


def numeric_frame(n: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    f[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({"i": rng.integers(-50, 50, n).astype(np.int64), "f": f,
                         "g": rng.normal(size=n) * 1e3})


@pytest.mark.parametrize("fn", REDUCTIONS)
@pytest.mark.parametrize("n", [0, 1, 2, 20])
def test_reductions_match_pandas(fn, n):
    p = numeric_frame(n)
    got = getattr(flern.DataFrame(p), fn)()
    if n == 0 and fn in ("min", "max"):  # pandas: float NaN for the int column, known only at run time
        with pytest.raises(NotImplementedError, match="empty frame"):
            got.to_pandas()
        with pytest.raises(NotImplementedError, match="empty frame"):
            (flern.DataFrame(p) - got).to_pandas()
        assert_series_same(getattr(flern.DataFrame(p[["f", "g"]]), fn)(), getattr(p[["f", "g"]], fn)())
        return
    assert_series_same(got, getattr(p, fn)(), rtol=1e-12)


@pytest.mark.parametrize("fn", ["std", "var"])
@pytest.mark.parametrize("ddof", [0, 1, 2, 5])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 20])
def test_ddof(fn, ddof, n):
    p = numeric_frame(n, seed=1)
    assert_series_same(getattr(flern.DataFrame(p), fn)(ddof=ddof), getattr(p, fn)(ddof=ddof), rtol=1e-12)


def test_bool_and_int_columns():
    p = pd.DataFrame({"a": [1, 2, 3], "b": [True, False, True]})
    f = flern.DataFrame(p)
    for fn in ["sum", "mean", "std", "count", "median"]:
        assert_series_same(getattr(f, fn)(), getattr(p, fn)())
    with pytest.raises(NotImplementedError, match="object"):
        f.min().to_pandas()  # pandas makes an object Series of int and bool


def test_non_numeric_columns():
    p = pd.DataFrame({"a": [1.0, 2.0], "s": ["x", "y"]})
    f = flern.DataFrame(p)
    with pytest.raises(NotImplementedError, match="numeric_only"):
        f.mean()
    assert_series_same(f.mean(numeric_only=True), p.mean(numeric_only=True))
    assert_series_same(f.count(), p.count())


def test_unsupported_arguments():
    f = flern.DataFrame(numeric_frame())
    with pytest.raises(NotImplementedError):
        f.mean(axis=1)
    with pytest.raises(NotImplementedError):
        f.sum(skipna=False)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "floordiv", "pow"])
@pytest.mark.parametrize("scalar", [2, 2.5, -1, 0])
def test_scalar_arithmetic(op, scalar):
    p = numeric_frame(10)
    f = flern.DataFrame(p)
    import operator
    fn = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
          "floordiv": operator.floordiv, "pow": operator.pow}[op]
    if op in ("floordiv", "pow") and scalar in (0, -1):
        p = p[["f", "g"]]
        f = flern.DataFrame(p)
    assert_frame_same(fn(f, scalar), fn(p, scalar))
    if op != "pow":
        assert_frame_same(fn(scalar, f), fn(scalar, p))


def test_normalization_idiom_keeps_index():
    p = numeric_frame(30, seed=3)
    f = flern.DataFrame(p)
    tr_p = p.sample(frac=0.8, random_state=0)
    tr_f = f.sample(frac=0.8, random_state=0)
    te_p, te_f = p.drop(tr_p.index), f.drop(tr_f.index)
    mean_p, std_p = tr_p.mean(), tr_p.std(ddof=0)
    mean_f, std_f = tr_f.mean(), tr_f.std(ddof=0)
    assert_frame_same((tr_f - mean_f) / std_f, (tr_p - mean_p) / std_p, rtol=1e-12)
    assert_frame_same((te_f - mean_f) / std_f, (te_p - mean_p) / std_p, rtol=1e-12)
    # The Series' own expression is kept: (x - m) / (s + eps), and reversed operands.
    assert_frame_same((te_f - mean_f) / (std_f + 1e-8), (te_p - mean_p) / (std_p + 1e-8), rtol=1e-12)
    assert_frame_same(mean_f - te_f, mean_p - te_p, rtol=1e-12)


def test_int_frame_minus_float_series_promotes():
    p = pd.DataFrame({"a": [1, 2, 4], "b": [3, 5, 9]})
    f = flern.DataFrame(p)
    assert_frame_same(f - f.mean(), p - p.mean())
    assert_frame_same(f - f.sum(), p - p.sum())


def test_mismatched_labels_raise():
    p = numeric_frame(5)
    f = flern.DataFrame(p)
    with pytest.raises(NotImplementedError, match="labels"):
        f[["i", "f"]] - f.mean()
    with pytest.raises(NotImplementedError):
        f - f["i"]
    with pytest.raises(NotImplementedError):
        f - f


@pytest.mark.plan
def test_explain_shows_the_broadcast_row():
    f = flern.DataFrame(numeric_frame(5))
    plan = (f - f.mean()).explain()
    assert "attach_row" in plan and "groupby_agg" in plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.integers(-2**40, 2**40),
                               st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))), max_size=12),
       fn=st.sampled_from(REDUCTIONS), ddof=st.integers(0, 2))
def test_reductions_hypothesis(rows, fn, ddof):
    p = pd.DataFrame({"i": pd.Series([r[0] for r in rows], dtype="int64"),
                      "f": pd.Series([np.nan if r[1] is None else r[1] for r in rows], dtype="float64")})
    f = flern.DataFrame(p)
    kw = {"ddof": ddof} if fn in ("std", "var") else {}
    if not rows and fn in ("min", "max"):
        return  # covered by test_reductions_match_pandas
    assert_series_same(getattr(f, fn)(**kw), getattr(p, fn)(**kw), rtol=1e-7)
    if fn in ("mean", "std") and len(rows) > 0:
        assert_frame_same((f - f.mean()) / getattr(f, fn)(**kw), (p - p.mean()) / getattr(p, fn)(**kw), rtol=1e-7)


@pytest.mark.parametrize("cols", [["i"], ["f"], ["i", "f"], ["i", "g", "f"], ["b"], ["i", "b"], ["s"], ["i", "s"],
                                  ["i32", "f32"], ["f32"]])
def test_to_numpy_matches_pandas(cols):
    rng = np.random.default_rng(5)
    p = pd.DataFrame({"i": rng.integers(-9, 9, 7), "f": [1.5, np.nan, 0.0, -2.0, 3.0, np.inf, 1e300],
                      "g": rng.normal(size=7), "b": rng.random(7) < 0.5,
                      "s": pd.Series(list("abcdefg"), dtype="str"), "i32": np.arange(7, dtype=np.int32),
                      "f32": np.linspace(0, 1, 7, dtype=np.float32)}).iloc[[6, 0, 2, 4, 1, 3, 5]]
    f = flern.DataFrame(p)[cols]
    got, want = f.to_numpy(), p[cols].to_numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(f.to_numpy(dtype="float32"), p[cols].to_numpy(dtype="float32")) \
        if "s" not in cols else None
    got_s, want_s = flern.DataFrame(p)[cols[0]].to_numpy(), p[cols[0]].to_numpy()
    assert got_s.dtype == want_s.dtype
    np.testing.assert_array_equal(got_s, want_s)
