"""Inference rewrites across the frame -> tensor hand-off: ``foldnorm`` (a normalization
feeding a Linear folded into its weight and bias) and ``onehot_embed`` (a one-hot block
feeding a Linear read as a gather of the weight's columns).

Each test checks the optimized plan text (the rewrite is shown and switchable by name),
then the predictions: against PyTorch / pandas computing the same model on the same data,
and against the same flern plan with the pass switched off.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch

import flern
import flern.pandas as fpd
import flern.torch as ftorch
from flern import _config

OPT_ON = not _config.no_opt


def _rewrote(t, name: str) -> bool:
    """Whether optimizer pass ``name`` changed the plan of ``t`` (the verbose explain()'s pass
    table; fusion may absorb the rewritten nodes' markers into fused kernels)."""
    return re.search(rf"^\s*{name}\s+changed", t.explain(verbose=True), re.M) is not None


@pytest.fixture
def passes(monkeypatch):
    """Switch optimizer passes off for one test (restored afterwards)."""
    def disable(*names: str) -> None:
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | set(names))

    def enable(*names: str) -> None:
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) - set(names))
    return disable, enable


def _cars(n: int, seed: int = 0, nan: bool = False) -> pd.DataFrame:
    rs = np.random.RandomState(seed)
    df = pd.DataFrame({
        "cyl": rs.choice([4, 6, 8], n).astype(np.int64),
        "disp": rs.uniform(70, 455, n),
        "weight": rs.uniform(1600, 5200, n),
        "accel": rs.normal(15, 2.5, n),
        "origin": rs.choice(["USA", "Japan", "Europe"], n),
    })
    if nan:
        df.loc[df.index[::7], "accel"] = np.nan
    return df


def _models(k: int, hidden: int = 8):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(k, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    fm = ftorch.nn.Sequential(ftorch.nn.Linear(k, hidden), ftorch.nn.ReLU(), ftorch.nn.Linear(hidden, 1))
    fm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    tm.eval()
    fm.eval()
    return tm, fm


FEATS = ["cyl", "disp", "weight", "accel", "origin_Europe", "origin_Japan", "origin_USA"]


def _fuel_flern(data: pd.DataFrame, train: pd.DataFrame, fm, ddof: int = 0):
    """The tutorial's inference: normalization statistics from the training frame."""
    tr = fpd.get_dummies(fpd.DataFrame(train), columns=["origin"], dtype=float)[FEATS]
    x = fpd.get_dummies(fpd.DataFrame(data), columns=["origin"], dtype=float)[FEATS]
    mean, std = tr.mean(), tr.std(ddof=ddof)
    xt = ((x - mean) / std).to_tensor(dtype="float32")
    with ftorch.no_grad():
        return fm(xt)


def _fuel_reference(data: pd.DataFrame, train: pd.DataFrame, tm, ddof: int = 0) -> np.ndarray:
    tr = pd.get_dummies(train, columns=["origin"], dtype=float)[FEATS]
    x = pd.get_dummies(data, columns=["origin"], dtype=float)[FEATS]
    xn = ((x - tr.mean()) / tr.std(ddof=ddof)).to_numpy(dtype=np.float32)
    with torch.no_grad():
        return tm(torch.from_numpy(xn)).numpy()


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("ddof", [0, 1])
def test_foldnorm_frame_statistics(passes, nan, ddof):
    data, train = _cars(500, 1, nan=nan), _cars(300, 2)
    tm, fm = _models(len(FEATS))
    out = _fuel_flern(data, train, fm, ddof)
    if OPT_ON:
        assert _rewrote(out, "foldnorm")
    got = out.numpy()
    want = _fuel_reference(data, train, tm, ddof)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    disable, _ = passes
    disable("foldnorm")
    off = _fuel_flern(data, train, fm, ddof)
    assert "foldnorm" not in off.explain() and not _rewrote(off, "foldnorm")
    np.testing.assert_allclose(got, off.numpy(), rtol=1e-4, atol=1e-4)


def test_foldnorm_tensor_statistics(passes):
    """mean/std computed as tensors from the training tensor (subgraphs, not literals)."""
    rs = np.random.RandomState(3)
    a_train = rs.normal(5, 3, (200, 4)).astype(np.float32)
    a = rs.normal(5, 3, (300, 4)).astype(np.float32)
    tm, fm = _models(4)

    def run(lib, m):
        tr = lib.from_numpy(a_train)
        x = lib.from_numpy(a)
        mean, std = tr.mean(0), tr.std(0)
        with lib.no_grad():
            return m(((x - mean) / std) * 2.0 + 0.5)

    out = run(ftorch, fm)
    if OPT_ON:
        assert _rewrote(out, "foldnorm")
    want = run(torch, tm).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-4)
    disable, _ = passes
    disable("foldnorm")
    off = run(ftorch, fm)
    assert "foldnorm" not in off.explain() and not _rewrote(off, "foldnorm")
    np.testing.assert_allclose(off.numpy(), want, rtol=1e-4, atol=1e-4)


def test_foldnorm_literals_and_frame_columns():
    """Literal scale/shift in frame expressions (df["h"] / 23.0) mixed with row statistics."""
    rs = np.random.RandomState(4)
    pdf = pd.DataFrame({"h": rs.randint(0, 24, 400).astype(np.int64), "d": rs.uniform(0, 3000, 400)})
    tm, fm = _models(2)
    f = fpd.DataFrame(pdf)
    g = f.assign(h=f["h"] / 23.0 - 0.5, d=(f["d"] - f["d"].mean()) / f["d"].std())
    with ftorch.no_grad():
        out = fm(g[["h", "d"]].to_tensor())
    if OPT_ON:
        assert _rewrote(out, "foldnorm")
    p = pdf.assign(h=pdf["h"] / 23.0 - 0.5, d=(pdf["d"] - pdf["d"].mean()) / pdf["d"].std())
    with torch.no_grad():
        want = tm(torch.from_numpy(p[["h", "d"]].to_numpy(dtype=np.float32))).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-4)


def test_foldnorm_keeps_gradients():
    """With a gradient flowing through the normalized input, the plan is not folded and the
    gradients equal PyTorch's."""
    rs = np.random.RandomState(5)
    a = rs.normal(2, 4, (64, 3)).astype(np.float32)
    y = rs.normal(0, 1, (64, 1)).astype(np.float32)
    tm, fm = _models(3)
    tm.train()
    fm.train()

    def run(lib, m):
        x = lib.from_numpy(a)
        loss = ((m((x - x.mean(0)) / x.std(0)) - lib.from_numpy(y)) ** 2).mean()
        loss.backward()
        return m[0].weight.grad

    g_f = run(ftorch, fm)
    g_t = run(torch, tm)
    np.testing.assert_allclose(g_f.numpy(), g_t.numpy(), rtol=1e-4, atol=1e-5)


def test_foldnorm_empty_frame():
    data, train = _cars(0, 1), _cars(50, 2)
    data["origin"] = data["origin"].astype("str")
    tm, fm = _models(len(FEATS))
    tr = fpd.get_dummies(fpd.DataFrame(train), columns=["origin"], dtype=float)[FEATS]
    x = fpd.DataFrame({c: np.zeros(0) for c in FEATS})
    with ftorch.no_grad():
        out = fm(((x - tr.mean()) / tr.std(ddof=0)).to_tensor(dtype="float32"))
    assert out.numpy().shape == (0, 1)


# ---- onehot_embed ---------------------------------------------------------------------------------

def _cat_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rs = np.random.RandomState(seed)
    origin = rs.choice(["USA", "Japan", "Europe", "Ünïcode ✓"], n).astype(object)
    origin[rs.rand(n) < 0.1] = None  # missing: an all-zero one-hot row
    color = rs.choice(["red", "blue"], n)
    return pd.DataFrame({"w": rs.normal(3, 1, n), "origin": pd.Series(origin, dtype="str"),
                         "n": rs.randint(-5, 5, n).astype(np.int64), "color": pd.Series(color, dtype="str")})


@pytest.mark.parametrize("kw", [
    {"dtype": float},
    {"dtype": float, "drop_first": True},
    {},  # bool dummies
    {"dtype": "float32", "prefix": {"origin": "o", "color": "c"}, "prefix_sep": "/"},
])
def test_onehot_embed_matches_pandas_torch(passes, kw):
    pdf = _cat_frame(700, 7)
    dummies = pd.get_dummies(pdf, columns=["origin", "color"], **kw)
    cols = list(dummies.columns)
    # the model reads the columns in a shuffled order: rows of W follow the tensor's columns
    cols = [cols[i] for i in np.random.RandomState(1).permutation(len(cols))]
    tm, fm = _models(len(cols), hidden=5)

    def flern_out():
        x = fpd.get_dummies(fpd.DataFrame(pdf), columns=["origin", "color"], **kw)[cols].to_tensor()
        with ftorch.no_grad():
            return fm(x)

    out = flern_out()
    if OPT_ON:
        assert _rewrote(out, "onehot_embed")
    with torch.no_grad():
        want = tm(torch.from_numpy(dummies[cols].to_numpy(dtype=np.float32))).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)
    disable, _ = passes
    disable("onehot_embed")
    off = flern_out()
    assert not _rewrote(off, "onehot_embed")
    np.testing.assert_allclose(off.numpy(), want, rtol=1e-5, atol=1e-5)


def test_onehot_embed_subset_of_dummies():
    """The model reads only some dummies (a category it does not read contributes nothing)."""
    pdf = _cat_frame(300, 8)
    dummies = pd.get_dummies(pdf, columns=["origin"], dtype=float)
    cols = ["origin_USA", "w", "origin_Europe"]
    tm, fm = _models(len(cols), hidden=3)
    x = fpd.get_dummies(fpd.DataFrame(pdf), columns=["origin"], dtype=float)[cols].to_tensor()
    with ftorch.no_grad():
        out = fm(x)
    if OPT_ON:
        assert _rewrote(out, "onehot_embed")
    with torch.no_grad():
        want = tm(torch.from_numpy(dummies[cols].to_numpy(dtype=np.float32))).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)


def test_fuel_inference_both_passes(passes):
    """The tutorial's inference (normalized one-hot + numeric columns): foldnorm folds the
    statistics into the weights, then onehot_embed turns the one-hot block into a lookup."""
    data, train = _cars(400, 11), _cars(200, 12)
    data.loc[data.index[::5], "origin"] = None
    data["origin"] = data["origin"].astype("str")
    tm, fm = _models(len(FEATS))
    out = _fuel_flern(data, train, fm)
    if OPT_ON:
        assert _rewrote(out, "foldnorm") and _rewrote(out, "onehot_embed")
    want = _fuel_reference(data, train, tm)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-4)
    disable, _ = passes
    disable("foldnorm", "onehot_embed")
    np.testing.assert_allclose(_fuel_flern(data, train, fm).numpy(), want, rtol=1e-4, atol=1e-4)


def test_onehot_embed_then_the_label_from_the_encoded_frame_does_not_encode():
    """The tutorial's shape: X and the label y from one get_dummies frame. Once onehot_embed
    reads categories by code, no indicator is read, so the label's get_dummies becomes a
    projection (explain shows no get_dummies); the loss equals pandas + torch."""
    pdf = _cat_frame(300, 9)
    pdf["y"] = np.random.RandomState(3).rand(len(pdf))
    dummies = pd.get_dummies(pdf, columns=["origin"], dtype=float)
    cols = ["origin_USA", "w", "origin_Europe", "origin_Japan"]
    tm, fm = _models(len(cols), hidden=3)
    enc = fpd.get_dummies(fpd.DataFrame(pdf), columns=["origin"], dtype=float)
    x, y = enc[cols].to_tensor(dtype="float32"), enc[["y"]].to_tensor(dtype="float32")
    with ftorch.no_grad():
        loss = (fm(x) - y).abs().mean()
    if OPT_ON:
        assert _rewrote(loss, "onehot_embed")
        assert "= get_dummies(" not in loss.explain()
    with torch.no_grad():
        want = (tm(torch.from_numpy(dummies[cols].to_numpy(dtype=np.float32)))
                - torch.from_numpy(dummies[["y"]].to_numpy(dtype=np.float32))).abs().mean().item()
    assert loss.item() == pytest.approx(want, rel=1e-5)
