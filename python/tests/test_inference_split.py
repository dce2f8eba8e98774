"""The split stage: a row-local model subgraph (Linear layers, activations, comparisons,
embedding lookups) runs in chunks of rows over the workers (a ``row_split`` node in
explain()). Results must equal PyTorch's and the same plan with the stage switched off
(``FLERN_DISABLE_PASSES=split``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import flern.pandas as fpd
import flern.torch as ftorch
from flern import _config

SPLITS = not _config.no_opt and _config.executor != "interp"


@pytest.fixture
def no_split(monkeypatch):
    def off() -> None:
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | {"split"})
    return off


def _mlp(lib, k: int, state=None):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(k, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3), lib.nn.Sigmoid())
    if state is not None:
        m.load_state_dict(state)
    m.eval()
    return m


def _state(m) -> dict:
    return {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("rows", [5, 40_000, 70_001])
def test_split_mlp_and_postprocessing(no_split, rows):
    rs = np.random.RandomState(rows)
    a = rs.normal(0, 2, (rows, 4)).astype(np.float32)
    a[::97, 1] = np.nan
    labels = rs.randint(0, 3, rows).astype(np.int64)
    tm = _mlp(torch, 4)
    fm = _mlp(ftorch, 4, {k: v for k, v in _state(tm).items()})

    def run(lib, m):
        with lib.no_grad():
            p = m(lib.from_numpy(a))
            hit = (p.argmax(1) == lib.from_numpy(labels)).float()
            return p * 2.0 - 1.0, hit

    p_f, hit_f = run(ftorch, fm)
    plan = p_f.explain()
    if SPLITS and rows > 20_000:
        assert "row_split" in plan
    else:
        assert "row_split" not in plan
    p_t, hit_t = run(torch, tm)
    np.testing.assert_allclose(p_f.numpy(), p_t.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(hit_f.numpy(), hit_t.numpy())
    no_split()
    p_o, _ = run(ftorch, fm)
    assert "row_split" not in p_o.explain()
    np.testing.assert_array_equal(p_o.numpy(), p_f.numpy())


def test_split_embedding_model_from_frame(no_split):
    """The flights model: columns of a frame hand-off, two embedding lookups, cat, MLP,
    threshold and accuracy against the label (rows only known at run time)."""
    rs = np.random.RandomState(1)
    n, n_air = 50_000, 37
    pdf = pd.DataFrame({"h": rs.rand(n), "d": rs.normal(0, 1, n), "o": rs.randint(0, n_air, n).astype(np.int64),
                        "t": rs.randint(0, n_air, n).astype(np.int64), "y": (rs.rand(n) < 0.3).astype(np.float32)})

    def model(lib):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.emb_o = nn.Embedding(n_air, 4)
                self.emb_d = nn.Embedding(n_air, 4)
                self.mlp = nn.Sequential(nn.Linear(2 + 8, 8), nn.ReLU(), nn.Linear(8, 1))

            def forward(self, x):
                o, d = x[:, 2].long(), x[:, 3].long()
                return self.mlp(lib.cat([x[:, :2], self.emb_o(o), self.emb_d(d)], dim=1))
        lib.manual_seed(0)
        return Net()

    tm = model(torch)
    fm = model(ftorch)
    fm.load_state_dict(_state(tm))
    tm.eval()
    fm.eval()

    def flern_acc():
        f = fpd.DataFrame(pdf)
        x = f[["h", "d", "o", "t"]].to_tensor(dtype="float32")
        y = f[["y"]].to_tensor(dtype="float32")
        with ftorch.no_grad():
            return ((fm(x) > 0).float() == y).float().mean()

    acc = flern_acc()
    if SPLITS:
        assert "row_split" in acc.explain()
    with torch.no_grad():
        x = torch.from_numpy(pdf[["h", "d", "o", "t"]].to_numpy(dtype=np.float32).copy())
        y = torch.from_numpy(pdf[["y"]].to_numpy(dtype=np.float32).copy())
        want = ((tm(x) > 0).float() == y).float().mean().item()
    assert acc.item() == pytest.approx(want, abs=1e-6)
    no_split()
    assert flern_acc().item() == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("rows", [5, 40_000, 70_001])
@pytest.mark.parametrize("op", ["mean", "sum"])
@pytest.mark.parametrize("double", [False, True])
def test_split_whole_reduction_folded(no_split, rows, op, double):
    """A sum or mean of every element of a split region's result is folded into the
    row_split (explain(): "then the mean of every element"): each chunk is summed as it is
    made. The value equals torch's (within float rounding), NaN propagates, and the plan
    with the stage off agrees."""
    rs = np.random.RandomState(rows)
    a = rs.normal(0, 2, (rows, 4)).astype(np.float32)
    tm = _mlp(torch, 4)
    fm = _mlp(ftorch, 4, _state(tm))

    def run(lib, m, x):
        with lib.no_grad():
            p = m(lib.from_numpy(x)) * 3.0
            return getattr(p.double() if double else p, op)()

    got = run(ftorch, fm, a)
    plan = got.explain()
    if SPLITS and rows > 20_000:
        assert f"then the {op} of every element" in plan, plan
    else:
        assert "of every element" not in plan
    want = run(torch, tm, a)
    assert got.numpy().dtype == want.numpy().dtype
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    b = a.copy()
    b[rows // 2, 0] = np.nan
    assert np.isnan(run(ftorch, fm, b).item()) and np.isnan(run(torch, tm, b).item())
    no_split()
    off = run(ftorch, fm, a)
    assert "row_split" not in off.explain()
    assert off.item() == pytest.approx(got.item(), rel=1e-6)


def test_split_not_across_a_row_reduction():
    """x - x.mean(0) depends on every row: the subtraction is outside any chunked region
    (the mean is computed first, from all rows), and the result equals torch."""
    rs = np.random.RandomState(2)
    a = rs.normal(3, 1, (40_000, 4)).astype(np.float32)
    tm = _mlp(torch, 4)
    fm = _mlp(ftorch, 4, _state(tm))
    with ftorch.no_grad():
        x = ftorch.from_numpy(a)
        out = fm(x - x.mean(0))
    with torch.no_grad():
        x = torch.from_numpy(a)
        want = tm(x - x.mean(0)).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)


def test_embedding_of_rows_known_at_run_time_records_without_running(monkeypatch):
    """nn.Embedding over a 1-D index tensor whose row count is known only at run time
    (a column of a frame hand-off) records the lookup without running the plan to learn
    the shape (each lookup ran the whole ETL before); same values as torch."""
    from flern import _collect
    rs = np.random.RandomState(2)
    pdf = pd.DataFrame({"o": rs.randint(0, 9, 1000).astype(np.float32), "v": rs.rand(1000)})
    ftorch.manual_seed(0)
    emb = ftorch.nn.Embedding(9, 3)
    temb = torch.nn.Embedding(9, 3)
    temb.load_state_dict({k: torch.from_numpy(v) for k, v in _state(emb).items()})
    x = fpd.DataFrame(pdf)[["o", "v"]].to_tensor(dtype="float32")
    runs = []
    real = _collect.collect
    monkeypatch.setattr(_collect, "collect", lambda *a, **k: runs.append(1) or real(*a, **k))
    out = emb(x[:, 0].long())
    assert runs == []  # recorded only
    want = temb(torch.from_numpy(pdf["o"].to_numpy().astype(np.int64))).detach().numpy()
    np.testing.assert_array_equal(out.numpy(), want)
    assert tuple(out.shape) == (1000, 3)


@pytest.mark.parametrize("distinct", [150, None])
def test_split_memoized_on_repeated_feature_rows(monkeypatch, distinct):
    """Scoring rows that repeat (records resampled, flights of one route at one hour): the
    model part of a split region runs on the distinct feature rows only and each row's
    prediction is gathered (explain: ``memoized``). Predictions and the label comparison equal
    PyTorch's, and equal bit for bit the same plan with ``split_dedup`` switched off; rows that
    do not repeat run unmemoized with the same plan. NaN features and signed zeros included."""
    rs = np.random.RandomState(7)
    n = 80_000
    if distinct is None:
        feats = rs.normal(0, 1, (n, 4)).astype(np.float32)
    else:
        pool = rs.normal(0, 1, (distinct, 4)).astype(np.float32)
        pool[0, 1], pool[1, 2], pool[2, 2] = np.nan, -0.0, 0.0
        feats = pool[rs.randint(0, distinct, n)]
    labels = rs.randint(0, 3, n).astype(np.int64)

    def mlp(lib, state=None):  # 4*64 + 64*32 + 32*3 multiply-adds a row: worth memoizing
        lib.manual_seed(0)
        nn = lib.nn
        m = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
        if state is not None:
            m.load_state_dict(state)
        return m.eval()

    tm = mlp(torch)
    fm = mlp(ftorch, _state(tm))

    def run(lib, m):
        with lib.no_grad():
            p = m(lib.from_numpy(feats.copy()))
            hit = (p.argmax(1) == lib.from_numpy(labels)).float().mean()
            return p, hit

    p_f, hit_f = run(ftorch, fm)
    plan = p_f.explain() + hit_f.explain()
    if SPLITS:
        assert "memoized: [" in plan
    p_t, hit_t = run(torch, tm)
    np.testing.assert_allclose(p_f.numpy(), p_t.numpy(), rtol=1e-5, atol=1e-6)
    assert hit_f.item() == pytest.approx(hit_t.item(), abs=1e-6)
    monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | {"split_dedup"})
    p_o, hit_o = run(ftorch, fm)
    assert "memoized" not in p_o.explain()
    np.testing.assert_array_equal(p_o.numpy(), p_f.numpy())
    assert hit_o.item() == hit_f.item()


@pytest.mark.parametrize("rows", [30_000, 70_001])
def test_model_input_produced_chunk_by_chunk(no_split, rows):
    """The model input and the label, to_tensor loops over a frame's computed features read by
    the split region alone, are produced chunk by chunk (explain() says so; the [rows, k]
    tensor never exists in full): predictions and the accuracy equal PyTorch's on the same
    features (pandas + torch.from_numpy), NaN and null inputs included, and the plan with the
    stage off."""
    rs = np.random.RandomState(rows)
    keys = np.array(["SFO", "JFK", "ORD", "XXX"], dtype=object)
    pdf = pd.DataFrame({"a": rs.normal(0, 2, rows), "k": keys[rs.randint(0, 4, rows)],
                        "c": rs.normal(5, 1, rows).astype(np.float32), "y": rs.randint(0, 3, rows).astype(np.int64)})
    pdf.loc[::89, "a"] = np.nan
    codes = pd.DataFrame({"k": ["SFO", "JFK", "ORD"], "b": np.array([3, -1, 7], dtype=np.int64)})

    def feats(pd_, df, codes):
        df["z"] = (df["a"] - 0.25) / 2.0
        df["flag"] = (df["c"] > 5.0).astype("float32")
        return df.merge(codes, on="k", how="left")  # "XXX" rows: a null code (NaN in the tensor)

    tm = _mlp(torch, 4)
    fm = _mlp(ftorch, 4, {k: v for k, v in _state(tm).items()})
    want_df = feats(pd, pdf.copy(), codes)
    wx = torch.from_numpy(want_df[["z", "flag", "c", "b"]].to_numpy(dtype="float32", na_value=np.nan))
    wy = torch.from_numpy(want_df[["y"]].to_numpy(dtype="float32").copy())
    with torch.no_grad():
        wp = tm(wx)
        wacc = float((wp.argmax(1, keepdim=True).float() == wy).float().mean())

    def run():
        df = feats(fpd, fpd.DataFrame(pdf), fpd.DataFrame(codes))
        x = df[["z", "flag", "c", "b"]].to_tensor(dtype="float32")
        y = df[["y"]].to_tensor(dtype="float32")
        with ftorch.no_grad():
            p = fm(x)
            acc = (p.argmax(1, keepdim=True).float() == y).float().mean()
        return p, acc

    p, acc = run()
    if SPLITS:
        assert "produced chunk by chunk" in acc.explain(), acc.explain()
    np.testing.assert_allclose(p.numpy(), wp.numpy(), rtol=1e-5, atol=1e-6)
    assert float(acc.item()) == pytest.approx(wacc, abs=1e-6)
    no_split()
    p2, acc2 = run()
    assert "row_split" not in acc2.explain()
    np.testing.assert_allclose(p2.numpy(), p.numpy(), rtol=1e-5, atol=1e-6)
    assert float(acc2.item()) == float(acc.item())


@pytest.mark.parametrize("rows,distinct", [(70_000, None), (10_000, None), (70_000, 50)])
def test_lookup_join_columns_gathered_chunk_by_chunk(no_split, tmp_path, rows, distinct):
    """The flights shape: a Parquet file's airports numbered (scan codes) and merged back twice, the merged
    frame read only by the model's producers. The merges are marked lookup_by_chunk in
    explain() and leave their code columns ungathered; the producers gather each chunk's
    rows. The mean |logit - label| equals pandas + torch's and the plan's with the stage off: many
    chunks, under two chunks (the input produced whole) and repeated rows (memoized). (Value
    numbers are kept for columns of at least 65,536 rows: the 10,000-row case takes the
    marked joins' general path.)"""
    rs = np.random.RandomState(rows)
    names = np.array(["SFO", "JFK", "ORD", "LAX", "SEA", "BOS", "ATL"], dtype=object)
    pick = rs.randint(0, len(names), (rows, 2)) if distinct is None else \
        rs.randint(0, len(names), (distinct, 2))[rs.randint(0, distinct, rows)]
    dist = rs.randint(100, 3000, rows) if distinct is None else (pick[:, 0] * 100 + 250)
    pdf = pd.DataFrame({"origin": names[pick[:, 0]], "dest": names[pick[:, 1]], "dist": dist.astype(np.int64),
                        "y": (rs.rand(rows) < 0.4).astype(np.float32)})
    hidden = 16 if distinct is None else 1024  # 2048 multiply-adds a row after embed_fold: memoized when rows repeat

    def net(lib):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.eo, self.ed = nn.Embedding(len(names), 4), nn.Embedding(len(names), 4)
                self.mlp = nn.Sequential(nn.Linear(9, hidden), nn.ReLU(), nn.Linear(hidden, 1))

            def forward(self, x):
                return self.mlp(lib.cat([x[:, :1], self.eo(x[:, 1].long()), self.ed(x[:, 2].long())], dim=1))

        return Net()

    def etl(pd_, df):
        df["z"] = (df["dist"] - 1500.0) / 800.0
        airports = sorted(set(df["origin"].unique()) | set(df["dest"].unique()))
        codes = pd_.DataFrame({"a": airports, "code": np.arange(len(airports), dtype=np.int64)})
        df = df.merge(codes.rename(columns={"a": "origin", "code": "oc"}), on="origin", how="left")
        df = df.merge(codes.rename(columns={"a": "dest", "code": "dc"}), on="dest", how="left")
        return df

    torch.manual_seed(0)
    tm = net(torch)
    tm.eval()
    want_df = etl(pd, pdf.copy())
    wx = torch.from_numpy(want_df[["z", "oc", "dc"]].to_numpy(dtype="float32"))
    wy = torch.from_numpy(want_df[["y"]].to_numpy(dtype="float32").copy())
    with torch.no_grad():
        want = float((tm(wx) - wy).abs().mean())  # every row's logit counts

    fm = net(ftorch)
    fm.load_state_dict({k: ftorch.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    fm.eval()

    path = str(tmp_path / "f.parquet")
    pdf.to_parquet(path)

    def run():
        df = etl(fpd, fpd.read_parquet(path))
        x = df[["z", "oc", "dc"]].to_tensor(dtype="float32")
        y = df[["y"]].to_tensor(dtype="float32")
        with ftorch.no_grad():
            return (fm(x) - y).abs().mean()

    acc = run()
    if SPLITS:
        assert acc.explain().count("lookup_by_chunk=true") == 2, acc.explain()
    assert float(acc.item()) == pytest.approx(want, rel=1e-5)
    no_split()
    acc2 = run()
    assert "lookup_by_chunk" not in acc2.explain()
    assert float(acc2.item()) == pytest.approx(float(acc.item()), rel=1e-5)
