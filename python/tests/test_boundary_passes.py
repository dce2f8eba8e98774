"""Optimizer rewrites across the frame -> tensor boundary, each asserted on explain()
and then on results, with the pass on and off: model-driven pruning (tensorprune, then
dce/pushdown into the scan), filters pushed below feature computation (predicate), and
common subexpressions across the frame and tensor parts (cse)."""

from __future__ import annotations

import re

import numpy as np
import pandas
import pytest
import torch as T

import flern.pandas as fpd
import flern.torch as ftorch
from flern import _config

OPT_ON = not _config.no_opt


@pytest.fixture
def passes(monkeypatch):
    def disable(*names):
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | set(names))

    def enable(*names):
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) - set(names))
    return disable, enable


def _data(n: int = 200) -> pandas.DataFrame:
    rng = np.random.default_rng(7)
    a = rng.normal(size=n)
    a[::17] = np.nan
    return pandas.DataFrame({"a": a, "b": rng.integers(-5, 5, n).astype(np.int64), "c": rng.normal(size=n) * 100,
                             "s": [f"ünï-{i % 7}" for i in range(n)], "d": rng.integers(0, 2, n).astype(bool)})


@pytest.fixture(params=["parquet", "csv"])
def source(request, tmp_path):
    df = _data()
    path = tmp_path / f"d.{request.param}"
    if request.param == "parquet":
        df.to_parquet(path, index=False)
        return request.param, str(path), (lambda m: m.read_parquet(str(path))), df
    df.to_csv(path, index=False)
    return request.param, str(path), (lambda m: m.read_csv(str(path))), df


def _scan_columns(text: str) -> list[str]:
    m = re.search(r"scan_(?:parquet|csv)\([^\n]*?columns=\[([^\]]*)\]", text)
    assert m, text
    return [c.strip().strip('"') for c in m.group(1).split(",") if c.strip()]


def _model_input(m, read):
    df = read(m)
    df["z"] = df["c"] * 2.0 + 1.0
    df["e"] = df["b"] * 3
    return df[["a", "b", "z", "e"]]


@pytest.mark.parametrize("on", [True, False])
def test_model_driven_pruning(source, passes, on):
    """The model reads columns 0 and 2 of the hand-off (x[:, 0], x[:, 2:3]): b and e are never
    computed, and the scan never parses b."""
    kind, path, read, pdf = source
    disable, enable = passes
    if not on:
        disable("tensorprune")
    x = _model_input(fpd, read).to_tensor(dtype="float64")
    out = x[:, 0] * 2.0 + x[:, 2:3].reshape(-1)
    text = out.explain()
    cols = _scan_columns(text) if OPT_ON else []
    if OPT_ON and on:
        assert "b" not in cols and set(cols) == {"a", "c"}, text
        assert "mul(col(\"b\")" not in text
    elif OPT_ON:
        assert "b" in cols, text
    want_df = pandas.read_parquet(path) if kind == "parquet" else pandas.read_csv(path)
    want_df["z"] = want_df["c"] * 2.0 + 1.0
    want_df["e"] = want_df["b"] * 3
    xt = T.tensor(want_df[["a", "b", "z", "e"]].to_numpy(dtype=np.float64))
    want = xt[:, 0] * 2.0 + xt[:, 2:3].reshape(-1)
    np.testing.assert_array_equal(out.numpy(), want.numpy())


@pytest.mark.parametrize("on", [True, False])
def test_model_driven_pruning_through_get_dummies_and_merge(passes, on):
    """Columns the model skips, behind get_dummies and a left merge."""
    disable, _ = passes
    if not on:
        disable("tensorprune")
    left = {"k": [1, 2, 3, 1, 2], "v": [0.5, 1.5, np.nan, 2.0, -1.0], "o": ["x", "y", "x", "z", "y"]}
    right = {"k": [1, 2, 3], "w": [10.0, 20.0, 30.0], "u": [7, 8, 9]}

    def prep(m):
        df = m.merge(m.DataFrame(left), m.DataFrame(right), on="k", how="left")
        df = m.get_dummies(df, columns=["o"], dtype=float)
        return df[["v", "w", "u", "o_x", "o_y", "o_z"]]

    x = prep(fpd).to_tensor(dtype="float64")
    out = x[:, 1] + x[:, 4]
    text = out.explain()
    if OPT_ON and on:
        assert "tensor_select" in text and '"u"' not in text.split("to_tensor")[0].split("\n")[-2], text
    xt = T.tensor(prep(pandas).to_numpy(dtype=np.float64))
    np.testing.assert_array_equal(out.numpy(), (xt[:, 1] + xt[:, 4]).numpy())


@pytest.mark.parametrize("on", [True, False])
def test_filter_below_features_across_to_tensor(source, passes, on):
    """A filter recorded after the features moves below them to the scan."""
    kind, path, read, _ = source
    disable, _ = passes
    if not on:
        disable("predicate")

    def prep(m, df):
        df["z"] = (df["c"] - 3.0) * 0.5
        df["q"] = df["b"] * df["b"]
        df = df[df["b"] > 0]
        return df[["z", "q"]]

    x = prep(fpd, read(fpd)).to_tensor(dtype="float64")
    text = x.explain()
    lines = text.splitlines()
    scan = next(i for i, ln in enumerate(lines) if "scan_" in ln)
    filt = [i for i, ln in enumerate(lines) if "filter(" in ln or "stats_filter" in ln]
    if OPT_ON and on:
        # the filter reads the scan directly (or is folded into a fused loop over the scan)
        assert any(f"filter(%{scan}" in ln for ln in lines) or "stats_filter" in lines[scan] or \
            any(f"(%{scan}" in ln and "filter" in ln for ln in lines), text
    pdf = pandas.read_parquet(path) if kind == "parquet" else pandas.read_csv(path)
    want = T.tensor(prep(pandas, pdf).to_numpy(dtype=np.float64))
    np.testing.assert_array_equal(x.numpy(), want.numpy())
    del filt


def _count(text: str, op: str) -> int:
    return len(re.findall(rf"= {op}\(", text))


@pytest.mark.parametrize("on", [True, False])
def test_cse_tensor_subgraphs(passes, on):
    """The same features and statistics recorded twice (once per use) are computed once."""
    disable, _ = passes
    if not on:
        disable("cse")
    pdf = _data(50)

    def feats(df):
        return df[["c", "b"]]

    fd = fpd.DataFrame(pdf)

    def norm(t):
        return (t - t.mean(0, keepdim=True)) / t.std(0, keepdim=True)

    x1 = norm(feats(fd).to_tensor(dtype="float64"))
    x2 = norm(feats(fd).to_tensor(dtype="float64"))
    out = (x1 * 2.0 + x2).sum(1)
    text = out.explain()
    if OPT_ON:
        n = _count(text, "to_tensor") + len(re.findall(r"kernel=to_tensor", text))
        assert n == (1 if on else 2), text
    xt = T.tensor(pdf[["c", "b"]].to_numpy(dtype=np.float64))
    want = (norm(xt) * 2.0 + norm(xt)).sum(1)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("on", [True, False])
def test_cse_frame_statistics_shared_by_tensor_and_frame_parts(passes, on):
    """The training set's mean/std (a frame subplan) recorded for the model input and again for
    a second input is computed once."""
    disable, _ = passes
    if not on:
        disable("cse")
    pdf = _data(60)[["a", "c"]].fillna(0.0)

    def normalized(m, df):
        return (df - df.mean()) / df.std(ddof=0)

    fd = fpd.DataFrame(pdf)
    x = normalized(fpd, fd).to_tensor(dtype="float64")
    y = normalized(fpd, fd).to_tensor(dtype="float64")
    out = x + y
    text = out.explain()
    if OPT_ON:
        aggs = _count(text, "groupby_agg") + len(re.findall(r"kernel=agg\[", text))
        assert aggs == (2 if on else 4), text  # mean and var once each
    want_np = normalized(pandas, pdf).to_numpy(dtype=np.float64)
    np.testing.assert_allclose(out.numpy(), want_np * 2, rtol=1e-12)


@pytest.mark.parametrize("case", ["all match", "second unmatched", "null keys", "null key unmatched", "first unmatched"])
def test_chained_left_merges_probe_like_pandas(case):
    """The ETL's code lookups (two left merges): the matched probe reads the distinct keys below
    the first merge, and the result (dtypes, NaN codes) equals pandas."""
    o = ["a", "b", "c", "a", "b"]
    d = ["b", "c", "a", "c", "a"]
    codes = {"k": ["a", "b", "c"], "code": [0, 1, 2]}
    if case == "second unmatched":
        d[3] = "zz"
    if case == "first unmatched":
        o[0] = "zz"
    if case == "null keys":
        o[1] = None
        codes = {"k": ["a", "b", "c", None], "code": [0, 1, 2, 3]}
    if case == "null key unmatched":
        d[2] = None

    def prep(m):
        df = m.DataFrame({"o": o, "d": d, "v": [1.0, 2.0, 3.0, 4.0, 5.0]})
        c = m.DataFrame(codes)
        df = df.merge(c.rename(columns={"k": "o", "code": "o_code"}), on="o", how="left")
        df = df.merge(c.rename(columns={"k": "d", "code": "d_code"}), on="d", how="left")
        return df

    got, want = prep(fpd).to_pandas(), prep(pandas)
    assert list(got.dtypes.astype(str)) == list(want.dtypes.astype(str))
    pandas.testing.assert_frame_equal(got, want, check_dtype=True)


@pytest.mark.parametrize("disabled", [(), ("dce", "pushdown")])
def test_pruning_through_get_dummies_and_normalization(tmp_path, passes, disabled):
    """The fuel pipeline's shape from a CSV: one-hot, normalization with the frame's mean/std,
    to_tensor. The scan parses only what the tensor reads (not the name or the unused columns)."""
    disable, _ = passes
    if disabled:
        disable(*disabled)
    path = tmp_path / "cars.csv"
    pandas.DataFrame({"name": [f"car ü{i}" for i in range(40)], "mpg": np.linspace(10, 40, 40),
                      "hp": np.arange(40) * 3 + 50, "weight": np.arange(40) * 7.5 + 1000,
                      "unused": np.arange(40), "origin": ["eu", "us", "jp", "us"] * 10}).to_csv(path, index=False)

    def prep(m):
        df = m.read_csv(str(path))
        df = m.get_dummies(df, columns=["origin"], dtype=float)
        x = df[["hp", "weight", "origin_eu", "origin_jp", "origin_us"]]
        return (x - x.mean()) / x.std(ddof=0)

    t = prep(fpd).to_tensor(dtype="float64")
    text = t.explain()
    if OPT_ON and not disabled:
        assert set(_scan_columns(text)) == {"hp", "weight", "origin"}, text
    want = T.tensor(prep(pandas).to_numpy(dtype=np.float64))
    np.testing.assert_allclose(t.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("on", [True, False])
@pytest.mark.parametrize("how", ["left", "inner"])
def test_late_project_features_after_merges(passes, on, how):
    """late_project: feature columns computed before two code merges (a z-score, a float32
    flag, a bool cast to int) are computed after them, inside the to_tensor loops that read
    them (explain shows the late project; the features are never a column), and the tensors
    equal pandas' on the same code, including unmatched keys (NaN codes, left merge) and a
    right table with a column named like a feature input (that feature stays put)."""
    disable, _ = passes
    if not on:
        disable("late_project")
    rng = np.random.default_rng(3)
    n = 70_000
    words = np.array(["SFO", "JFK", "é", "日本", "", "ORD"], dtype=object)
    pdf = pandas.DataFrame({"o": words[rng.integers(0, 6, n)], "d": words[rng.integers(0, 6, n)],
                            "dist": rng.integers(50, 3000, n).astype(np.int64), "delay": rng.integers(-20, 90, n),
                            "w": rng.normal(size=n)})
    codes = pandas.DataFrame({"airport": ["SFO", "JFK", "é", "日本", ""], "code": np.arange(5, dtype=np.int64),
                              "w": np.arange(5.0)})

    def etl(pd, df, codes):
        df["dz"] = (df["dist"] - 1500.5) / 700.25
        df["late"] = (df["delay"] > 15).astype("float32")
        df["early"] = (df["delay"] < 0).astype("int64")
        df["w2"] = df["w"] * 2.0  # the codes table has a "w": stays below the merges
        df = df.merge(codes.rename(columns={"airport": "o", "code": "oc"}), on="o", how=how)
        df = df.merge(codes[["airport", "code"]].rename(columns={"airport": "d", "code": "dc"}), on="d", how=how)
        return df

    want = etl(pandas, pdf.copy(), codes)
    got = etl(fpd, fpd.DataFrame(pdf), fpd.DataFrame(codes))
    cols = ["dz", "oc", "dc", "early", "w2"]
    x = got[cols].to_tensor(dtype="float32")
    y = got[["late"]].to_tensor(dtype="float32")
    if OPT_ON and on:
        plan = x.explain()
        assert "late=true" in plan, plan
    np.testing.assert_array_equal(x.numpy(), want[cols].to_numpy(dtype="float32"))
    np.testing.assert_array_equal(y.numpy(), want[["late"]].to_numpy(dtype="float32"))
