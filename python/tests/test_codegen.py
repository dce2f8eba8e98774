"""Native code generation (golib/lower + golib/codegen): fused loops shown in
explain() and equal to numpy / pandas / torch, with native kernels forced
(every run compiled) and with codegen off (the Go evaluator of the loop IR).
The reference path (FLERN_EXECUTOR=interp or FLERN_NO_OPT=1) does not fuse."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

import flern
import flern.torch as torch
from flern import _collect, _config
from conftest import assert_frame_same

FUSING = _config.executor != "interp" and not _config.no_opt


@pytest.fixture(params=["native", "go"])
def mode(request, monkeypatch):
    """Run each test with every loop compiled natively, then on the Go evaluator."""
    if request.param == "native":
        monkeypatch.setattr(_config, "codegen", True)
        monkeypatch.setattr(_config, "codegen_min_rows", 1)
        monkeypatch.setattr(_config, "codegen_sync", True)
    else:
        monkeypatch.setattr(_config, "codegen", False)
    return request.param


def plan(t) -> str:
    node = t._node if hasattr(t, "_node") and not callable(t._node) else t._node()
    return _collect.explain(node)


def check_fused(text: str, mode: str, what: str) -> None:
    if not FUSING:
        assert "fused(" not in text
        return
    assert "fused(" in text and what in text, text
    if mode == "go":
        assert 'exec="go (FLERN_CODEGEN=0)"' in text, text
    else:
        assert 'exec="native' in text or 'exec="go (0 rows' in text or 'exec="go (no C compiler' in text, text


def rng_data(n: int, dtype, seed: int = 0) -> np.ndarray:
    r = np.random.default_rng(seed)
    a = (r.standard_normal(n) * 3).astype(dtype)
    if n >= 8 and np.issubdtype(dtype, np.floating):
        a[:7] = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1.0], dtype=dtype)
        a[7::97] = np.nan
    return a


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 70001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_chain(mode, n, dtype):
    a, b = rng_data(n, dtype, 1), rng_data(n, dtype, 2)
    x, y = torch.tensor(a), torch.tensor(b)
    got = ((x * 2.0 + 1.0).relu() - y.abs()).maximum(x / 3.0) * 0.5 + y
    text = plan(got)
    with np.errstate(all="ignore"):
        t = lambda v: dtype(v)
        want = np.maximum(np.maximum(a * t(2.0) + t(1.0), 0) - np.abs(b), a / t(3.0)) * t(0.5) + b
        want = np.where(np.isnan(a * t(2.0) + t(1.0)), np.nan, want).astype(dtype)  # relu keeps NaN (torch)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6 if dtype == np.float32 else 1e-12, equal_nan=True)
    check_fused(text, mode, "tensor[mul add relu abs sub div maximum mul add]")


def test_int_chain_wraps(mode):
    a = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min, -5, 0, 7] * 20000, dtype=np.int64)
    x = torch.tensor(a)
    got = (x * 3 + 1 - x).abs()
    with np.errstate(over="ignore"):
        want = np.abs(a * 3 + 1 - a)
    np.testing.assert_array_equal(got.numpy(), want)
    check_fused(plan(got), mode, "tensor[mul add sub abs]")


def test_compare_where_and_transcendentals(mode):
    a, b = rng_data(5000, np.float32, 3), rng_data(5000, np.float32, 4)
    x, y = torch.tensor(a), torch.tensor(b)
    got = torch.where(x > y, (x.sigmoid() + 1.0).log(), y.tanh().exp())
    import torch as real_torch
    ta, tb = real_torch.tensor(a), real_torch.tensor(b)
    want = real_torch.where(ta > tb, (ta.sigmoid() + 1.0).log(), tb.tanh().exp()).numpy()
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-6, atol=1e-7, equal_nan=True)
    check_fused(plan(got), mode, "tensor[")


def test_gradient_chain_matches_torch(mode):
    import torch as real_torch
    r = np.random.default_rng(5)
    xa, wa = r.standard_normal((300, 8)).astype(np.float32), r.standard_normal((8, 4)).astype(np.float32)
    x, w = torch.tensor(xa), torch.tensor(wa, requires_grad=True)
    loss = ((x @ w).tanh() * 3.0 - 1.0).relu().sum()
    loss.backward()
    g = w.grad
    text = plan(g)
    tx, tw = real_torch.tensor(xa), real_torch.tensor(wa, requires_grad=True)
    ((tx @ tw).tanh() * 3.0 - 1.0).relu().sum().backward()
    np.testing.assert_allclose(g.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-4)
    check_fused(text, mode, "fused(")


def lineitem(n: int = 20000, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    disc = r.integers(0, 11, n) / 100
    disc[::97] = np.nan
    return pd.DataFrame({
        "l_returnflag": r.choice(["A", "N", "R"], n),
        "l_linestatus": r.choice(["F", "O"], n),
        "l_quantity": r.integers(1, 51, n),
        "l_extendedprice": r.integers(100, 10_000_000, n) / 100,
        "l_discount": disc,
        "l_tax": r.integers(0, 9, n) / 100,
        "l_shipdate": pd.to_datetime("1992-01-01") + pd.to_timedelta(r.integers(0, 2500, n), unit="D"),
    })


def q6(li):
    f = li[(li["l_shipdate"] >= datetime(1994, 1, 1)) & (li["l_shipdate"] < datetime(1995, 1, 1))
           & (li["l_discount"] >= 0.05) & (li["l_discount"] <= 0.07) & (li["l_quantity"] < 24)]
    return (f["l_extendedprice"] * f["l_discount"]).sum()


def q1(li):
    f = li[li["l_shipdate"] <= datetime(1998, 9, 2)]
    f = f.assign(disc_price=f["l_extendedprice"] * (1 - f["l_discount"]))
    f = f.assign(charge=f["disc_price"] * (1 + f["l_tax"]))
    return f.groupby(["l_returnflag", "l_linestatus"], as_index=False).agg(
        sum_qty=("l_quantity", "sum"), sum_disc_price=("disc_price", "sum"), sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"), avg_disc=("l_discount", "mean"), min_disc=("l_discount", "min"),
        count_order=("l_quantity", "size"), n_disc=("l_discount", "count"))


@pytest.mark.parametrize("n", [0, 1, 20000])
def test_q6_filter_sum_of_products(mode, n):
    p = lineitem(n)
    df = flern.DataFrame(p)
    got, want = q6(df), q6(p)
    assert got == pytest.approx(want, rel=1e-12, nan_ok=True)
    # Series.sum records a whole-frame groupby_agg; explain the same
    # pipeline written as a grouped aggregation
    f = df[(df["l_shipdate"] >= datetime(1994, 1, 1)) & (df["l_quantity"] < 24)]
    agg = f.assign(r=f["l_extendedprice"] * f["l_discount"]).groupby(["l_returnflag"], as_index=False).agg(r=("r", "sum"))
    check_fused(agg.explain(), mode, "groupby_agg] loop(")
    assert_frame_same(agg, p[(p["l_shipdate"] >= datetime(1994, 1, 1)) & (p["l_quantity"] < 24)].assign(
        r=lambda d: d["l_extendedprice"] * d["l_discount"]).groupby(["l_returnflag"], as_index=False).agg(r=("r", "sum")),
        rtol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 20000])
def test_q1_groupby_two_string_keys(mode, n):
    p = lineitem(n, seed=n)
    got = q1(flern.DataFrame(p))
    check_fused(got.explain(), mode, "agg[filter project project groupby_agg]")
    assert_frame_same(got, q1(p), rtol=1e-12)


def test_null_keys_dropped_and_as_index(mode):
    p = lineitem(5000, seed=9)
    p["l_returnflag"] = p["l_returnflag"].where(np.arange(len(p)) % 5 != 0, None).astype("str")
    p.loc[np.arange(len(p)) % 5 == 0, "l_returnflag"] = None
    df = flern.DataFrame(p)
    got = df[df["l_quantity"] > 10].groupby("l_returnflag").agg(s=("l_tax", "sum"), m=("l_quantity", "mean"))
    want = p[p["l_quantity"] > 10].groupby("l_returnflag").agg(s=("l_tax", "sum"), m=("l_quantity", "mean"))
    assert_frame_same(got, want, rtol=1e-12)


HOSTILE = ['a"b', "c\\d", "e*/f/*", "g\nh", "#define x", "ü€😀", "i'j", "k\x01l"]


def test_hostile_names_never_reach_the_c(mode, monkeypatch):
    monkeypatch.setattr(_config, "show_c", True)
    r = np.random.default_rng(1)
    p = pd.DataFrame({name: r.integers(0, 100, 3000).astype(np.float64) for name in HOSTILE})
    p["key"] = r.choice(['q"*/', "ü\n#"], 3000)
    df = flern.DataFrame(p)
    a, b = HOSTILE[0], HOSTILE[1]

    def query(d):
        f = d[(d[a] > 20) & (d[HOSTILE[3]] <= 70)]
        f = f.assign(**{HOSTILE[2]: f[a] * f[b] - f[HOSTILE[5]]})
        return f.groupby("key", as_index=False).agg(**{HOSTILE[6]: (HOSTILE[2], "sum"), HOSTILE[7]: (HOSTILE[4], "mean")})

    got = query(df)
    verbose = got.explain(verbose=True)
    if FUSING and mode == "native" and "void flern_kernel" in verbose:
        c_src = verbose.split("== fusion ==", 1)[1].split("== optimized plan ==", 1)[0]
        for name in HOSTILE + ['q"*/', "ü\n#"]:
            assert name not in c_src
    assert_frame_same(got, query(p), rtol=1e-12)


def test_show_c_in_verbose_explain(monkeypatch):
    monkeypatch.setattr(_config, "show_c", True)
    x = torch.tensor(np.arange(10, dtype=np.float32))
    y = (x * 2.0 + 1.0).relu()
    text = _collect.explain(y._node, verbose=True)
    assert "== fusion ==" in text
    if FUSING:
        assert "1 fused kernels replace 3 ops" in text
        if "go (no C compiler" not in text:
            assert "void flern_kernel(const uintptr_t *in, const uintptr_t *out, int64_t begin, int64_t end)" in text
    else:
        assert "off (FLERN_FUSE=0, or the reference path)" in text


def test_reference_path_does_not_fuse(monkeypatch):
    monkeypatch.setattr(_config, "executor", "interp")
    x = torch.tensor(np.arange(10, dtype=np.float32))
    assert "fused(" not in plan((x * 2.0 + 1.0).relu())
    monkeypatch.setattr(_config, "executor", "runtime")
    monkeypatch.setattr(_config, "no_opt", True)
    assert "fused(" not in plan((x * 2.0 + 1.0).relu())
    monkeypatch.setattr(_config, "no_opt", False)
    monkeypatch.setattr(_config, "fuse", False)
    assert "fused(" not in plan((x * 2.0 + 1.0).relu())


SCRIPT = """
import numpy as np, time, flern.torch as torch
x = torch.tensor(np.linspace(-3, 3, 200_000, dtype=np.float32))
t = time.perf_counter()
y = ((x * 1.25 - 0.5).relu() * x + 3.5).numpy()
print(time.perf_counter() - t)
"""


@pytest.mark.skipif(not FUSING, reason="the reference path does not fuse")
def test_second_process_pays_no_compile(tmp_path):
    """The kernel compiled by a first process is found in the disk cache by
    a second one: no new file, the cached object not rewritten."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), FLERN_CODEGEN="1", FLERN_CODEGEN_MIN_ROWS="1",
               FLERN_CODEGEN_SYNC="1")
    env.pop("FLERN_KERNEL_CACHE", None)
    run = lambda: subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True, capture_output=True, text=True)
    run()
    kernels = pathlib.Path(tmp_path) / "flern" / "kernels"
    objs = sorted(kernels.glob("*.so"))
    if not objs:
        pytest.skip("no C compiler: kernels run on the Go evaluator")
    before = {o: o.stat().st_mtime_ns for o in objs}
    run()
    assert sorted(kernels.glob("*.so")) == objs
    assert {o: o.stat().st_mtime_ns for o in objs} == before


@pytest.mark.parametrize("dtype", [None, "float64"])
def test_computed_columns_written_into_the_tensor(mode, dtype):
    """to_tensor of computed columns: one loop writes each feature straight
    into its column of the tensor (the frame -> tensor boundary)."""
    p = lineitem(3001, seed=4)
    df = flern.DataFrame(p)

    def feats(d):
        return d.assign(net=d["l_extendedprice"] * (1 - d["l_discount"]), heavy=d["l_quantity"] > 25,
                        qq=d["l_quantity"] * d["l_quantity"])[["net", "heavy", "qq", "l_tax"]]

    t = feats(df).to_tensor(dtype)
    want = feats(p).to_numpy(dtype=np.float64).astype(np.float32 if dtype is None else np.float64)
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-12, equal_nan=True)
    check_fused(plan(t), mode, "to_tensor[")


@pytest.mark.parametrize("n", [0, 1, 5000])
def test_filter_then_assign_is_one_compacting_loop(mode, n):
    """df[df.a > 0].assign(c=...) with no aggregate: one loop selects the rows
    and writes the computed columns of the selected rows only; unchanged
    columns (strings with missing values too) and the index are gathered."""
    r = np.random.default_rng(n)
    p = pd.DataFrame({"a": r.standard_normal(n), "b": r.integers(-5, 5, n),
                      "s": r.choice(["x", "ü€", None], n).astype("str"),
                      "f": r.standard_normal(n).astype(np.float32)},
                     index=pd.Index(r.permutation(n) * 3, name="id"))
    if n:
        p.loc[p.index[::7], "a"] = np.nan
    df = flern.DataFrame(p)

    def query(d):
        f = d[(d["a"] > 0) & (d["b"] != 2)]
        return f.assign(c=f["a"] * 2 + f["b"], g=f["f"] * 1.5 + f["f"], big=f["a"] > 1)[["s", "c", "g", "big", "b"]]

    got = query(df)
    check_fused(got.explain(), mode, "select[filter project")
    assert_frame_same(got, query(p))


def test_float32_columns_in_fused_frame_loops(mode):
    """float32 frame columns are computed in float32 (numpy's weak scalars),
    in a select loop and in the filter of an aggregate pipeline."""
    r = np.random.default_rng(3)
    p = pd.DataFrame({"k": r.choice(["a", "b"], 4000), "g": r.standard_normal(4000).astype(np.float32),
                      "v": r.standard_normal(4000)})
    p.loc[::11, "g"] = np.nan
    df = flern.DataFrame(p)

    def sel(d):
        f = d[d["g"] > 0.1]
        return f.assign(h=f["g"] * 2.7 - 0.3, m=-f["g"], w=f["g"] * f["v"])

    def agg(d):
        f = d[d["g"] <= 0.1]
        return f.groupby("k", as_index=False).agg(s=("v", "sum"), n=("v", "size"))

    got = sel(df)
    check_fused(got.explain(), mode, "select[filter project]")
    assert_frame_same(got, sel(p))
    got = agg(df)
    check_fused(got.explain(), mode, "agg[filter groupby_agg]")
    assert_frame_same(got, agg(p), rtol=1e-12)


def test_hostile_names_in_a_select_loop(mode, monkeypatch):
    monkeypatch.setattr(_config, "show_c", True)
    r = np.random.default_rng(2)
    p = pd.DataFrame({name: r.integers(0, 100, 3000).astype(np.float64) for name in HOSTILE})
    p[HOSTILE[7] + "s"] = r.choice(['q"*/', "ü\n#"], 3000)
    df = flern.DataFrame(p)

    def query(d):
        f = d[d[HOSTILE[0]] > 30]
        return f.assign(**{HOSTILE[2]: f[HOSTILE[1]] * 2 - f[HOSTILE[3]]})

    got = query(df)
    verbose = got.explain(verbose=True)
    if FUSING and mode == "native" and "void flern_kernel" in verbose:
        c_src = verbose.split("== fusion ==", 1)[1].split("== optimized plan ==", 1)[0]
        for name in HOSTILE + ['q"*/', "ü\n#"]:
            assert name not in c_src
    assert_frame_same(got, query(p))


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_bias_and_activation_fuse_with_their_gradient(mode, act):
    """x @ w + b (b broadcast over the rows, read at i % W) and the activation
    are one loop; the activation's gradient chain is another; values and
    gradients equal torch's."""
    import torch as real_torch
    r = np.random.default_rng(6)
    xa, wa, ba = (r.standard_normal((513, 7)).astype(np.float32), r.standard_normal((7, 33)).astype(np.float32),
                  r.standard_normal(33).astype(np.float32))
    x, w, b = torch.tensor(xa), torch.tensor(wa, requires_grad=True), torch.tensor(ba, requires_grad=True)
    y = getattr(x @ w + b, act)()
    loss = (y * y).sum()
    loss.backward()
    check_fused(plan(y), mode, "f32[i%33]")
    tx, tw, tb = real_torch.tensor(xa), real_torch.tensor(wa, requires_grad=True), real_torch.tensor(ba, requires_grad=True)
    ty = getattr(tx @ tw + tb, act)()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_filtered_features_written_into_the_tensor(mode):
    """filter -> computed features -> to_tensor: the selected rows' features go
    straight into the tensor (one compacting loop)."""
    p = lineitem(4001, seed=8)
    df = flern.DataFrame(p)

    def feats(d):
        f = d[d["l_discount"] > 0.03]
        return f.assign(net=f["l_extendedprice"] * (1 - f["l_discount"]), heavy=f["l_quantity"] > 25)[["net", "heavy", "l_tax"]]

    t = feats(df).to_tensor()
    want = feats(p).to_numpy(dtype=np.float64).astype(np.float32)
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-12)
    check_fused(plan(t), mode, "filter project to_tensor]")
