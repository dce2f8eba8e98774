"""dropna over a Parquet scan's lookup columns (golib/exec/dropna.go: a missing value is a float's
NaN entry, tested by code; the kept rows' codes gathered) and a memoized model numbered by those
codes (golib/exec/splitcodes.go: the produced input's rows packed from their columns' codes, the
model run on the distinct rows). The Auto MPG inference shape of benchmarks/e2e/fuel.py --mode
infer: get_dummies' probe keeps the dropna frame (lookups), the model's producers read it. Each
result against pandas / PyTorch, and against the same plan with the stages off."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flern.pandas as fpd
from flern import _config

N = 70_000
FEATS = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Model_Year",
         "Origin_Europe", "Origin_Japan", "Origin_USA"]


def _cars(seed: int = 0, distinct: int = 300) -> pd.DataFrame:
    """Resampled cars: ``distinct`` records drawn N times; NaN in two float columns, -0.0 too."""
    rng = np.random.default_rng(seed)
    mpg = rng.integers(9, 47, distinct).astype(np.float64) + rng.choice([0.0, 0.5], distinct)
    mpg[rng.random(distinct) < 0.05] = np.nan
    hp = rng.integers(46, 230, distinct).astype(np.float64)
    hp[rng.random(distinct) < 0.05] = np.nan
    pool = pd.DataFrame({
        "Name": [f"car {i}" for i in range(distinct)],
        "Miles_per_Gallon": mpg,
        "Cylinders": rng.choice(np.array([3, 4, 5, 6, 8], dtype=np.int64), distinct),
        "Displacement": rng.integers(68, 455, distinct).astype(np.float64),
        "Horsepower": hp,
        "Weight_in_lbs": rng.integers(1613, 5140, distinct).astype(np.int64),
        "Acceleration": np.round(rng.uniform(8, 24.8, distinct), 1),
        "Year": [f"{y}-01-01" for y in rng.integers(1970, 1983, distinct)],
        "Origin": rng.choice(np.array(["USA", "Europe", "Japan"], dtype=object), distinct),
    })
    pool.loc[3, "Acceleration"] = -0.0
    return pool.iloc[rng.integers(0, distinct, N)].reset_index(drop=True)


def _write(df: pd.DataFrame, tmp_path) -> str:
    path = str(tmp_path / "cars.parquet")
    # two row groups: their dictionaries differ (a value's codes differ between them)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=N // 2 + 123)
    return path


def _prep(pd_, cars):
    cars = cars[["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                 "Acceleration", "Year", "Origin"]]
    cars["Model_Year"] = cars["Year"].str.slice(0, 4).astype("int64") - 1900
    cars = cars.drop(columns=["Year"])
    cars = cars.dropna()
    return pd_.get_dummies(cars, columns=["Origin"], dtype=float)


@pytest.fixture
def disable(monkeypatch):
    def off(*names):
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | set(names))
    return off


@pytest.mark.parametrize("off", [(), ("scan_lookups",), ("scan_dropna",)])
def test_dropna_of_lookup_columns(tmp_path, disable, off):
    """The kept dropna frame (lookups when the stage is on) read back whole, its int64 columns'
    statistics, and dropna's other forms (how="all", a subset): pandas' rows, values and index."""
    disable(*off)
    df = _cars()
    path = _write(df, tmp_path)
    got = _prep(fpd, fpd.read_parquet(path))
    want = _prep(pd, df.copy())
    pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)
    for c in ("Cylinders", "Weight_in_lbs"):
        d = fpd.read_parquet(path).dropna()
        assert d[c].mean() == df.dropna()[c].mean() and d[c].std() == df.dropna()[c].std(), c
    for kw in ({"how": "all"}, {"subset": ["Horsepower"]}, {"subset": ["Cylinders", "Weight_in_lbs"]}):
        d = fpd.read_parquet(path).dropna(**kw)
        d = fpd.get_dummies(d, columns=["Origin"], dtype=float)
        pdt.assert_frame_equal(d.to_pandas(), pd.get_dummies(df.dropna(**kw), columns=["Origin"], dtype=float),
                               check_exact=True)


def _model(lib, state=None):
    lib.manual_seed(0)
    nn = lib.nn
    m = nn.Sequential(nn.Linear(len(FEATS), 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    if state is not None:
        m.load_state_dict({k: lib.from_numpy(v) for k, v in state.items()})
    return m.eval()


def _infer(pd_, lib, model, path, lazy):
    big = _prep(pd_, pd_.read_parquet(path))
    train = big.head(400)[FEATS]
    mean, std = train.mean(), train.std(ddof=0)
    x = (big[FEATS] - mean) / std
    y = big[["Miles_per_Gallon"]]
    if lazy:
        xt, yt = x.to_tensor(dtype="float32"), y.to_tensor(dtype="float32")
    else:
        xt, yt = lib.from_numpy(x.to_numpy(dtype="float32")), lib.from_numpy(y.to_numpy(dtype="float32"))
    with lib.no_grad():
        return (model(xt) - yt).abs().mean()


@pytest.mark.parametrize("distinct", [300, 20_000])
def test_memoized_model_numbered_by_codes(tmp_path, disable, distinct):
    """fuel (c)'s shape: the mean |prediction - label| equals PyTorch's, and bit for bit the
    plan's with its rows numbered by their bytes (scan_lookups off) and unmemoized (split_dedup
    off); rows that do not repeat enough (20K distinct records: no memoizing) too."""
    torch = pytest.importorskip("torch")
    import flern.torch as ftorch
    df = _cars(1, distinct)
    path = _write(df, tmp_path)
    tm = _model(torch)
    state = {k: v.detach().numpy().copy() for k, v in tm.state_dict().items()}
    want = float(_infer(pd, torch, tm, path, lazy=False))
    fm = _model(ftorch, state)
    acc = _infer(fpd, ftorch, fm, path, lazy=True)
    got = float(acc.item())
    if not _config.no_opt and _config.executor != "interp":
        assert "memoized: [" in acc.explain()
    assert got == pytest.approx(want, rel=1e-5)
    disable("scan_lookups")
    assert float(_infer(fpd, ftorch, fm, path, lazy=True).item()) == got
    disable("split_dedup")
    assert float(_infer(fpd, ftorch, fm, path, lazy=True).item()) == got


SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[2])
import torch, flern.pandas as fpd, flern.torch as ftorch
import test_lookup_dropna as t
fm = t._model(ftorch, {k: v.detach().numpy().copy() for k, v in t._model(torch).state_dict().items()})
print(float(t._infer(fpd, ftorch, fm, sys.argv[1], lazy=True).item()))
"""


def test_fuel_shape_numbered_by_codes(tmp_path):
    """The trace (FLERN_EXEC_TRACE, read when the library loads: a child process) shows the
    memoized model numbered by codes, and the result equals the in-process run's."""
    pytest.importorskip("torch")
    if _config.no_opt or _config.executor == "interp" or "scan_lookups" in _config.disabled_passes:
        pytest.skip("the stages are off")
    path = _write(_cars(2), tmp_path)
    env = dict(os.environ, FLERN_EXEC_TRACE="1")
    run = subprocess.run([sys.executable, "-c", SCRIPT, path, os.path.dirname(__file__)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "numbered by codes" in run.stderr, run.stderr[-3000:]
    import torch
    import flern.torch as ftorch
    fm = _model(ftorch, {k: v.detach().numpy().copy() for k, v in _model(torch).state_dict().items()})
    assert float(run.stdout.split()[-1]) == float(_infer(fpd, ftorch, fm, path, lazy=True).item())
