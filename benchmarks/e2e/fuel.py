"""End-to-end workload (a): the TensorFlow "fuel efficiency" tutorial pipeline on Auto MPG.

    PYTHONPATH=python python benchmarks/e2e/fuel.py                 # all variants, 3 timed runs
    PYTHONPATH=python python benchmarks/e2e/fuel.py --epochs 20 --runs 1 --variants pandas+torch
    PYTHONPATH=python python benchmarks/e2e/fuel.py --breakdown --runs 9    # flern-staged's phases

The pipeline (the tutorial's 2021 form): read ``cars.json`` (vega-datasets 3.2.1, bundled in
``python/flern/data``), keep the tutorial's columns, derive the model year from the date string,
``dropna``, one-hot ``Origin``, seeded 80/20 split (``sample(frac=0.8, random_state=0)`` +
``drop``), normalize the features with the training set's mean and (population) standard
deviation, a Dense 64-64-1 ReLU network, Adam(lr=1e-3), MAE loss, batch 32, ``--epochs`` epochs
(100), validation on the last 20% of the training rows (Keras' ``validation_split=0.2``),
training rows reshuffled every epoch from a seeded generator. The result is the test-set MAE.
``--form 2019`` runs the tutorial's older form instead: RMSprop(lr=1e-3), MSE loss, 1000 epochs.
``--mode infer --rows N`` is workload (c): the network (its initial weights, eval, no_grad) applied
after the ETL to N Auto MPG rows resampled with a seeded generator (default 1M; written once to
benchmarks/data/cars-N.parquet), normalized with the tutorial training split's statistics; the
result is the MAE over the N rows. Variants pandas+torch, flern (drop-ins, ``torch.from_numpy(
df.to_numpy())``) and flern-staged (``df.to_tensor()``).

Variants (each one process). Every variant starts from the same initial weights (drawn once with
numpy, ``initial_state``: torch's default Linear init distribution; flern's and torch's own
generators draw different numbers) and visits the same batches (epoch e uses the e-th
``numpy.random.default_rng(SEED).permutation`` of the training rows, the order ``flern.fit``
documents), so the test MAEs are comparable:

- ``pandas+torch``: pandas ETL, ``torch.tensor(df.to_numpy())``, a PyTorch eager loop.
- ``polars+torch``: the same ETL in polars, then the same PyTorch loop.
- ``flern``: the pandas+torch code with the two drop-in imports (``flern.pandas``,
  ``flern.torch``); the training loop is plain Python, recorded step by step.
- ``flern-staged``: flern ETL and ``flern.fit`` (the whole loop staged once in the Go core), when
  this flern has it.

Each variant runs in a fresh process (``common.run_child``), which reports its in-process
pipeline time (median of ``--runs`` after one warm-up), its first run, the whole-process time
(imports included), peak RSS and the test MAE. Ratios are against ``pandas+torch``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

CARS = os.path.join(common.REPO, "python", "flern", "data", "cars.json")
SEED = 0
FEATURES = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Model_Year"]
VARIANTS = ("pandas+torch", "polars+torch", "flern", "flern-staged")


# ---- phase timers (--breakdown) -------------------------------------------------------------------

_LAPS: list | None = None  # (phase, wall s, CPU s) while --breakdown measures a run; None otherwise
_LAP_T: list = [0.0, 0.0]


def _lap(phase: str | None) -> None:
    """End the current phase of a --breakdown run (None: start timing)."""
    if _LAPS is None:
        return
    now = (time.perf_counter(), time.process_time())
    if phase is not None:
        _LAPS.append((phase, now[0] - _LAP_T[0], now[1] - _LAP_T[1]))
    _LAP_T[:] = now


# ---- ETL ------------------------------------------------------------------------------------------

def etl_pandas_like(pd: Any, path: str = CARS) -> tuple[Any, Any, Any, Any]:
    """The tutorial's data preparation, for ``pd`` = pandas or flern.pandas (the same code)."""
    _lap(None)
    cars = pd.read_json(path)
    _lap("read_json")
    cars = cars[["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                 "Acceleration", "Year", "Origin"]]
    cars["Model_Year"] = cars["Year"].str.slice(0, 4).astype("int64") - 1900
    cars = cars.drop(columns=["Year"])
    cars = cars.dropna()
    cars = pd.get_dummies(cars, columns=["Origin"], dtype=float)
    _lap("select, Model_Year, dropna, get_dummies")
    train = cars.sample(frac=0.8, random_state=0)
    test = cars.drop(train.index)
    feats = FEATURES + ["Origin_Europe", "Origin_Japan", "Origin_USA"]
    x_train, x_test = train[feats], test[feats]
    mean, std = x_train.mean(), x_train.std(ddof=0)
    x_train = (x_train - mean) / std
    x_test = (x_test - mean) / std
    _lap("split, mean/std, normalize")
    return x_train, train[["Miles_per_Gallon"]], x_test, test[["Miles_per_Gallon"]]


def etl_polars(path: str = CARS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The same preparation in polars (the split reuses pandas' seeded draw: polars has no
    RandomState-compatible sample, and the rows must be the same for the MAEs to compare)."""
    import polars as pl
    cars = pl.read_json(path, infer_schema_length=None)  # else 31.9 mpg may be read as an int
    cars = cars.select(["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                        "Acceleration", "Year", "Origin"])
    cars = cars.with_columns((pl.col("Year").str.slice(0, 4).cast(pl.Int64) - 1900).alias("Model_Year"))
    cars = cars.drop("Year").drop_nulls()
    cars = cars.to_dummies(columns=["Origin"]).with_columns(pl.col("^Origin_.*$").cast(pl.Float64))
    n = cars.height
    rs = np.random.RandomState(0)
    train_idx = rs.permutation(n)[:round(0.8 * n)]  # what pandas' sample(frac=0.8, random_state=0) draws
    mask = np.zeros(n, dtype=bool)
    mask[train_idx] = True
    feats = FEATURES + ["Origin_Europe", "Origin_Japan", "Origin_USA"]
    train = cars[train_idx.tolist()]
    test = cars.filter(pl.Series(~mask))
    xtr = train.select(feats)
    mean = xtr.mean()
    std = xtr.select([pl.col(c).std(ddof=0) for c in feats])
    norm = [((pl.col(c) - mean[c][0]) / std[c][0]).alias(c) for c in feats]
    return (np.ascontiguousarray(train.select(norm).to_numpy()), train["Miles_per_Gallon"].to_numpy(),
            np.ascontiguousarray(test.select(norm).to_numpy()), test["Miles_per_Gallon"].to_numpy())


# ---- training -------------------------------------------------------------------------------------

def initial_state(d_in: int) -> dict[str, np.ndarray]:
    """The network's initial weights for every variant: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
    weights and biases (torch's nn.Linear default), from one seeded numpy generator."""
    rng = np.random.default_rng(SEED)
    out = {}
    for i, (fi, fo) in zip((0, 2, 4), ((d_in, 64), (64, 64), (64, 1))):
        b = 1 / np.sqrt(fi)
        out[f"{i}.weight"] = rng.uniform(-b, b, (fo, fi)).astype(np.float32)
        out[f"{i}.bias"] = rng.uniform(-b, b, fo).astype(np.float32)
    return out


def train_torch_like(torch: Any, x_train: Any, y_train: Any, x_test: Any, y_test: Any,
                     epochs: int, form: str) -> dict[str, Any]:
    """The tutorial's model and loop, for ``torch`` = torch or flern.torch (the same code)."""
    nn = torch.nn
    torch.manual_seed(SEED)
    x = torch.tensor(np.asarray(x_train, dtype=np.float32))
    y = torch.tensor(np.asarray(y_train, dtype=np.float32)).reshape(-1, 1)
    xt = torch.tensor(np.asarray(x_test, dtype=np.float32))
    yt = torch.tensor(np.asarray(y_test, dtype=np.float32)).reshape(-1, 1)
    n_fit = int(x.shape[0] * 0.8)  # Keras' validation_split=0.2 holds out the last 20%
    x_fit, y_fit, x_val, y_val = x[:n_fit], y[:n_fit], x[n_fit:], y[n_fit:]
    model = nn.Sequential(nn.Linear(x.shape[1], 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    model.load_state_dict({k: torch.tensor(v) for k, v in initial_state(x.shape[1]).items()})
    if form == "2019":
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
        loss_fn = nn.MSELoss()
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.L1Loss()
    rng = np.random.default_rng(SEED)  # flern.fit's batch order (shuffle=True, seed=SEED)
    batch = 32
    val_losses = []
    for _ in range(epochs):
        model.train()
        perm = torch.tensor(rng.permutation(n_fit))
        for i in range(0, n_fit, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x_fit[idx]), y_fit[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val_losses.append(float(loss_fn(model(x_val), y_val).item()))
    with torch.no_grad():
        mae = float((model(xt) - yt).abs().mean().item())
    return {"test_mae": mae, "final_val_loss": val_losses[-1] if val_losses else None}


def train_flern_staged(x_train: Any, y_train: Any, x_test: Any, y_test: Any, epochs: int,
                       form: str) -> dict[str, Any]:
    """flern's staged form: the loop runs in the Go core (``flern.fit``)."""
    import flern
    import flern.torch as torch
    if not hasattr(flern, "fit"):
        raise NotImplementedError("flern.fit (staged training) is not in this flern")
    nn = torch.nn
    torch.manual_seed(SEED)
    # X and y as to_tensor edges of the one lazy ETL plan: fit runs it once for both
    x = x_train.to_tensor(dtype="float32") if hasattr(x_train, "to_tensor") else torch.tensor(np.asarray(x_train, np.float32))
    y = y_train.to_tensor(dtype="float32") if hasattr(y_train, "to_tensor") else torch.tensor(np.asarray(y_train, np.float32)).reshape(-1, 1)
    d_in = len(x_train.columns) if hasattr(x_train, "columns") else x.shape[1]  # the tutorial's len(train_dataset.keys())
    model = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    model.load_state_dict({k: torch.tensor(v) for k, v in initial_state(d_in).items()})
    if form == "2019":
        opt, loss_fn = torch.optim.RMSprop(model.parameters(), lr=1e-3), nn.MSELoss()
    else:
        opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), nn.L1Loss()
    _lap("to_tensor edges, model, optimizer")
    hist = flern.fit(model, loss_fn, opt, x, y, epochs=epochs, batch_size=32, shuffle=True, seed=SEED,
                     validation_split=0.2)
    _lap("fit (ETL run, step set-up, epochs)")
    xt = x_test.to_tensor(dtype="float32") if hasattr(x_test, "to_tensor") else torch.tensor(np.asarray(x_test, np.float32))
    yt = y_test.to_tensor(dtype="float32") if hasattr(y_test, "to_tensor") else torch.tensor(np.asarray(y_test, np.float32)).reshape(-1, 1)
    with torch.no_grad():
        mae = float((model(xt) - yt).abs().mean().item())
    _lap("predict + test MAE")
    val = getattr(hist, "val_loss", None) or (hist.get("val_loss") if isinstance(hist, dict) else None)
    return {"test_mae": mae, "final_val_loss": val[-1] if val else None}


def run_variant(variant: str, epochs: int, form: str) -> dict[str, Any]:
    """One whole pipeline run of ``variant``: ETL, training, test MAE (or, with --mode infer,
    workload (c): ETL and prediction of E2E_INFER_ROWS rows, their MAE)."""
    if os.environ.get("E2E_INFER_ROWS"):
        return run_infer(variant, int(os.environ["E2E_INFER_ROWS"]))
    if variant == "pandas+torch":
        import pandas as pd
        import torch
        xtr, ytr, xte, yte = etl_pandas_like(pd)
        return train_torch_like(torch, xtr.to_numpy(), ytr.to_numpy(), xte.to_numpy(), yte.to_numpy(), epochs, form)
    if variant == "polars+torch":
        import torch
        return train_torch_like(torch, *etl_polars(), epochs, form)
    if variant == "flern":
        import flern.pandas as fpd
        import flern.torch as ftorch
        xtr, ytr, xte, yte = etl_pandas_like(fpd)
        return train_torch_like(ftorch, xtr.to_numpy(), ytr.to_numpy(), xte.to_numpy(), yte.to_numpy(), epochs, form)
    if variant == "flern-staged":
        import flern.pandas as fpd
        return train_flern_staged(*etl_pandas_like(fpd), epochs, form)
    raise ValueError(f"unknown variant {variant!r}")


# ---- workload (c): inference only (--mode infer) ---------------------------------------------------

FEATS9 = FEATURES + ["Origin_Europe", "Origin_Japan", "Origin_USA"]


def infer_data(rows: int) -> str:
    """Auto MPG rows resampled with a seeded generator to ``rows`` rows, written once (untimed)
    as Parquet under benchmarks/data; the columns and values of cars.json."""
    import pandas as pd
    path = os.path.join(common.REPO, "benchmarks", "data", f"cars-{rows}.parquet")
    if not os.path.exists(path):
        cars = pd.read_json(CARS)
        idx = np.random.default_rng(SEED).integers(0, len(cars), rows)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        cars.iloc[idx].reset_index(drop=True).to_parquet(tmp)
        os.replace(tmp, path)
    return path


def _prep(pd: Any, cars: Any) -> Any:
    """The tutorial's cleaning and one-hot encoding (as etl_pandas_like)."""
    cars = cars[["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                 "Acceleration", "Year", "Origin"]]
    cars["Model_Year"] = cars["Year"].str.slice(0, 4).astype("int64") - 1900
    cars = cars.drop(columns=["Year"])
    cars = cars.dropna()
    return pd.get_dummies(cars, columns=["Origin"], dtype=float)


def infer_pandas_like(pd: Any, torch: Any, path: str, lazy: bool = False) -> dict[str, Any]:
    """(c) for ``pd``/``torch`` = pandas/torch or the flern drop-ins (the same code): the
    normalization statistics of the tutorial's training split, the ETL of the big data, the
    network (initial_state weights, eval, no_grad) on every row, and the MAE. ``lazy`` hands
    the frames over with ``to_tensor()`` (flern only) instead of ``torch.from_numpy(to_numpy())``."""
    train = _prep(pd, pd.read_json(CARS)).sample(frac=0.8, random_state=0)[FEATS9]
    mean, std = train.mean(), train.std(ddof=0)
    big = _prep(pd, pd.read_parquet(path))
    x = (big[FEATS9] - mean) / std
    y = big[["Miles_per_Gallon"]]
    if lazy:
        xt, yt = x.to_tensor(dtype="float32"), y.to_tensor(dtype="float32")
    else:
        xt, yt = torch.from_numpy(x.to_numpy(dtype="float32")), torch.from_numpy(y.to_numpy(dtype="float32"))
    nn = torch.nn
    model = nn.Sequential(nn.Linear(len(FEATS9), 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in initial_state(len(FEATS9)).items()})
    model.eval()
    with torch.no_grad():
        mae = float((model(xt) - yt).abs().mean().item())
    return {"test_mae": mae, "final_val_loss": None}


def run_infer(variant: str, rows: int) -> dict[str, Any]:
    path = infer_data(rows)
    if variant == "pandas+torch":
        import pandas as pd
        import torch
        return infer_pandas_like(pd, torch, path)
    if variant in ("flern", "flern-staged"):
        import flern.pandas as fpd
        import flern.torch as ftorch
        return infer_pandas_like(fpd, ftorch, path, lazy=variant == "flern-staged")
    raise NotImplementedError(f"--mode infer has no {variant} variant")


# ---- driver ---------------------------------------------------------------------------------------

def set_torch_threads(variant: str) -> None:
    """PyTorch's intra-op threads for the torch baselines (``--torch-threads``, passed to the
    child as E2E_TORCH_THREADS; 0 keeps torch's default). On the shared, loaded 2-core machine
    torch's default 2 threads spin and collapse (benchmarks/RESULTS.md, training section)."""
    n = int(os.environ.get("E2E_TORCH_THREADS", "0") or 0)
    if n > 0 and variant.endswith("+torch"):
        import torch
        torch.set_num_threads(n)


def breakdown(epochs: int, form: str, runs: int) -> None:
    """--breakdown: flern-staged's phases in this process, medians over ``runs`` runs after
    one warm-up (wall and CPU ms; CPU includes the Go core's threads)."""
    global _LAPS
    import flern.pandas as fpd
    train_flern_staged(*etl_pandas_like(fpd), epochs, form)
    per_run = []
    for _ in range(runs):
        _LAPS = []
        res = train_flern_staged(*etl_pandas_like(fpd), epochs, form)
        per_run.append(_LAPS)
        _LAPS = None
    rows = []
    for j, (phase, _, _) in enumerate(per_run[0]):
        rows.append([phase, f"{statistics.median(r[j][1] for r in per_run) * 1e3:.2f}",
                     f"{statistics.median(r[j][2] for r in per_run) * 1e3:.2f}"])
    rows.append(["total (median of runs)", f"{statistics.median(sum(p[1] for p in r) for r in per_run) * 1e3:.2f}",
                 f"{statistics.median(sum(p[2] for p in r) for r in per_run) * 1e3:.2f}"])
    print(f"# flern-staged phases ({form} form, {epochs} epochs, median of {runs} runs), test MAE {res['test_mae']:.3f}")
    print(common.md_table(["phase", "wall ms", "CPU ms"], rows))


def child(variant: str, epochs: int, form: str, runs: int) -> None:
    """Measure one variant in this (fresh) process and print the JSON report line."""
    set_torch_threads(variant)
    t_first = time.perf_counter()
    res = run_variant(variant, epochs, form)
    first = time.perf_counter() - t_first
    walls, cpus = [], []
    for _ in range(runs):
        common.forget_results()
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_variant(variant, epochs, form)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    common.child_report({"variant": variant, "first": first, "median": statistics.median(walls) if walls else first,
                         "cpu_median": statistics.median(cpus) if cpus else None, "walls": walls, "test_mae": res["test_mae"], "final_val_loss": res["final_val_loss"],
                         "process_s": time.perf_counter() - START, "peak_rss_mib": common.peak_rss_mib()})


START = time.perf_counter()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default=None, help=f"default: {','.join(VARIANTS)} (infer: pandas+torch,flern,flern-staged)")
    ap.add_argument("--epochs", type=int, default=None, help="default: 100 (2021 form) / 1000 (2019 form)")
    ap.add_argument("--form", choices=("2021", "2019"), default="2021")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="PyTorch intra-op threads in the torch baselines (0: torch's default)")
    ap.add_argument("--mode", choices=("train", "infer"), default="train",
                    help="infer: workload (c), the network applied to --rows resampled Auto MPG rows after the ETL")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows for --mode infer")
    ap.add_argument("--breakdown", action="store_true",
                    help="time flern-staged's phases (read_json, ETL recording, fit, predict) in this process")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    epochs = a.epochs if a.epochs is not None else (1000 if a.form == "2019" else 100)
    os.environ["E2E_TORCH_THREADS"] = str(a.torch_threads)
    if a.mode == "infer" and not a.child:
        os.environ["E2E_INFER_ROWS"] = str(a.rows)
        infer_data(a.rows)  # written once, outside every timing
    if a.child:
        child(a.child, epochs, a.form, a.runs)
        return 0
    if a.breakdown:
        breakdown(epochs, a.form, a.runs)
        return 0
    what = f"inference, {a.rows} rows" if a.mode == "infer" else f"{a.form} form, {epochs} epochs"
    print(f"# fuel efficiency ({what}), {common.describe_machine()}")
    rows = []
    base = None
    variants = a.variants or ("pandas+torch,flern,flern-staged" if a.mode == "infer" else ",".join(VARIANTS))
    for v in variants.split(","):
        t0 = time.perf_counter()
        try:
            r = common.run_child([os.path.abspath(__file__), "--child", v, "--epochs", str(epochs),
                                  "--form", a.form, "--runs", str(a.runs)])
        except Exception as e:  # a variant this machine cannot run is reported, not hidden
            print(f"  {v}: failed: {str(e).strip().splitlines()[-1] if str(e).strip() else e}")
            continue
        whole = time.perf_counter() - t0
        if v == "pandas+torch":
            base = r
        rows.append((v, r, whole))
    table = []
    for v, r, whole in rows:
        ratio = f"{base['median'] / r['median']:.2f}" if base else "-"
        cpu = common.fmt_s(r["cpu_median"]) if r.get("cpu_median") is not None else "-"
        cratio = f"{base['cpu_median'] / r['cpu_median']:.2f}" if base and r.get("cpu_median") else "-"
        table.append([v, common.fmt_s(r["median"]), common.fmt_s(r["first"]), ratio, cpu, cratio,
                      f"{whole:.2f} s", f"{r['peak_rss_mib']:.0f}", f"{r['test_mae']:.3f}"])
    print(f"(torch baselines: --torch-threads {a.torch_threads})")
    print(common.md_table(["variant", "pipeline median", "first run", "pandas+torch / variant", "pipeline CPU",
                           "CPU ratio", "whole process", "peak RSS MiB", "test MAE"], table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
