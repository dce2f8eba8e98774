"""End-to-end workloads (b) and (c): flight delays on flights-3m.parquet (3M real rows).

    bash benchmarks/fetch_data.sh                                     # once: the parquet file
    PYTHONPATH=python python benchmarks/e2e/flights.py                # training, all variants
    PYTHONPATH=python python benchmarks/e2e/flights.py --mode infer   # (c) inference only
    PYTHONPATH=python python benchmarks/e2e/flights.py --rows 300000 --runs 1 --variants pandas+torch

The pipeline: read ``date, delay, distance, origin, destination``; derive the departure hour and
the weekday; encode origin and destination as integer codes (airports sorted by name, joined
back with a left merge); normalize distance with its mean and standard deviation; the label is
``delay > 15``. Model (its input one float32 matrix of the five features): an embedding of 8 per airport for
origin and destination, concatenated
with (hour / 23, weekday / 6, distance z-score) into a 19-64-1 ReLU MLP; BCE-with-logits loss,
Adam(lr=1e-3), batch ``--batch`` (1024), one epoch over seeded shuffled batches; then the model
predicts every row (delayed when the logit > 0) and the result is the accuracy over all rows.

``--mode infer`` (workload c) skips training: the model keeps its seeded initial weights, and
the timed pipeline is ETL + prediction of every row + accuracy.

Variants (each in a fresh process; the same seeds):

- ``pandas+torch``: pandas ETL, ``torch.from_numpy(df[cols].to_numpy(dtype="float32"))`` (the
  model input and the label), a PyTorch eager loop.
- ``polars+torch`` and ``duckdb+torch``: the ETL in polars / DuckDB SQL, then the same loop.
- ``flern``: the pandas+torch code with the drop-in imports (``flern.pandas``, ``flern.torch``).
- ``flern-staged``: flern ETL, ``df[cols].to_tensor()`` for the model input and the label (one
  plan, run once by ``flern.fit``), and ``flern.fit`` (the epoch staged in the Go core; its own
  seeded batch order).

Every variant reports its pipeline time (median of ``--runs`` after a warm-up), first run,
whole-process time (imports included), peak RSS and accuracy; ratios are against pandas+torch.
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

DATA = os.path.join(common.REPO, "benchmarks", "data", "flights-3m.parquet")
SEED = 0
EMB = 8
VARIANTS = ("pandas+torch", "polars+torch", "duckdb+torch", "flern", "flern-staged")
NUM = ["hour_f", "weekday_f", "distance_z"]


# ---- ETL ------------------------------------------------------------------------------------------

def etl_pandas_like(pd: Any, rows: int | None) -> tuple[Any, int]:
    """The preparation, for ``pd`` = pandas or flern.pandas (the same code): a frame with the
    numeric features, the two airport codes and the label, and the number of airports."""
    df = pd.read_parquet(DATA, columns=["date", "delay", "distance", "origin", "destination"])
    if rows is not None:
        df = df.head(rows)
    df["hour_f"] = df["date"].dt.hour / 23.0
    df["weekday_f"] = df["date"].dt.dayofweek / 6.0
    df["distance_z"] = (df["distance"] - df["distance"].mean()) / df["distance"].std()
    df["late"] = (df["delay"] > 15).astype("float32")
    airports = sorted(set(df["origin"].unique()) | set(df["destination"].unique()))
    codes = pd.DataFrame({"airport": airports, "code": np.arange(len(airports), dtype=np.int64)})
    df = df.merge(codes.rename(columns={"airport": "origin", "code": "origin_code"}), on="origin", how="left")
    df = df.merge(codes.rename(columns={"airport": "destination", "code": "dest_code"}), on="destination",
                  how="left")
    return df[NUM + ["origin_code", "dest_code", "late"]], len(airports)


def etl_polars(rows: int | None) -> tuple[dict[str, np.ndarray], int]:
    import polars as pl
    df = pl.read_parquet(DATA, columns=["date", "delay", "distance", "origin", "destination"])
    if rows is not None:
        df = df.head(rows)
    airports = sorted(set(df["origin"].unique().to_list()) | set(df["destination"].unique().to_list()))
    codes = pl.DataFrame({"airport": airports, "code": np.arange(len(airports), dtype=np.int64)})
    df = df.with_columns(
        (pl.col("date").dt.hour().cast(pl.Float64) / 23.0).alias("hour_f"),
        ((pl.col("date").dt.weekday() - 1).cast(pl.Float64) / 6.0).alias("weekday_f"),  # polars: Monday = 1
        ((pl.col("distance") - pl.col("distance").mean()) / pl.col("distance").std()).alias("distance_z"),
        (pl.col("delay") > 15).cast(pl.Float32).alias("late"),
    )
    df = df.join(codes.rename({"airport": "origin", "code": "origin_code"}), on="origin", how="left",
                 maintain_order="left")
    df = df.join(codes.rename({"airport": "destination", "code": "dest_code"}), on="destination", how="left",
                 maintain_order="left")
    return {"num": df.select(NUM).to_numpy(), "o": df["origin_code"].to_numpy(), "d": df["dest_code"].to_numpy(),
            "y": df["late"].to_numpy()}, len(airports)


def etl_duckdb(rows: int | None) -> tuple[dict[str, np.ndarray], int]:
    import duckdb
    con = duckdb.connect()
    limit = f"LIMIT {int(rows)}" if rows is not None else ""
    con.execute(f"CREATE TEMP VIEW f AS SELECT row_number() OVER () AS rn, * FROM "
                f"(SELECT date, delay, distance, origin, destination FROM read_parquet('{DATA}') {limit})")
    airports = sorted(r[0] for r in con.execute(
        "SELECT origin FROM f UNION SELECT destination FROM f").fetchall())
    con.execute("CREATE TEMP TABLE codes (airport VARCHAR, code BIGINT)")
    con.executemany("INSERT INTO codes VALUES (?, ?)", [(a, i) for i, a in enumerate(airports)])
    t = con.execute("""
        SELECT hour(date) / 23.0 AS hour_f, isodow(date) - 1 AS wd, (distance - avg(distance) OVER ())
               / stddev_samp(distance) OVER () AS distance_z, o.code AS origin_code, d.code AS dest_code,
               CAST(delay > 15 AS FLOAT) AS late
        FROM f LEFT JOIN codes o ON f.origin = o.airport LEFT JOIN codes d ON f.destination = d.airport
        ORDER BY rn""").fetchnumpy()
    num = np.stack([t["hour_f"].astype(np.float64), t["wd"].astype(np.float64) / 6.0,
                    t["distance_z"].astype(np.float64)], axis=1)
    return {"num": num, "o": t["origin_code"].astype(np.int64), "d": t["dest_code"].astype(np.int64),
            "y": t["late"].astype(np.float32)}, len(airports)


# ---- model and loop -------------------------------------------------------------------------------

def make_model(torch: Any, n_airports: int) -> Any:
    """The network; its input is one float32 matrix [hour_f, weekday_f, distance_z, origin_code,
    dest_code] so that a staged loop (one X, one y) can train it too."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb_o = nn.Embedding(n_airports, EMB)
            self.emb_d = nn.Embedding(n_airports, EMB)
            self.mlp = nn.Sequential(nn.Linear(len(NUM) + 2 * EMB, 64), nn.ReLU(), nn.Linear(64, 1))

        def forward(self, x: Any) -> Any:
            k = len(NUM)
            o, d = x[:, k].long(), x[:, k + 1].long()
            return self.mlp(torch.cat([x[:, :k], self.emb_o(o), self.emb_d(d)], dim=1))

    torch.manual_seed(SEED)
    net = Net()
    # every variant starts from the same weights (flern's and torch's generators differ):
    # N(0, 1) embeddings and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) Linear weights and biases
    rng = np.random.default_rng(SEED)
    state = {}
    for name, p in net.state_dict().items():
        shape = tuple(p.shape)
        if name.startswith("emb_"):
            state[name] = rng.standard_normal(shape).astype(np.float32)
        else:
            fan_in = shape[1] if len(shape) == 2 else net.state_dict()[name[:-4] + "weight"].shape[1]
            state[name] = rng.uniform(-1, 1, shape).astype(np.float32) / np.float32(np.sqrt(fan_in))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return net


def _xy(arrays: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    x = np.empty((len(arrays["y"]), len(NUM) + 2), dtype=np.float32)
    x[:, :len(NUM)] = arrays["num"]
    x[:, len(NUM)] = arrays["o"]
    x[:, len(NUM) + 1] = arrays["d"]
    return x, np.array(arrays["y"], dtype=np.float32).reshape(-1, 1)  # a writable copy


def train_and_predict(torch: Any, arrays: dict[str, Any], n_airports: int, batch: int, mode: str) -> dict[str, Any]:
    """The loop on the arrays of the polars/DuckDB ETL (one float32 input matrix, as the others)."""
    xa, ya = _xy(arrays)
    return train_loop(torch, torch.from_numpy(xa), torch.from_numpy(ya), n_airports, batch, mode)


def _accuracy(torch: Any, model: Any, x: Any, y: Any) -> float:
    with torch.no_grad():
        model.eval()
        pred = (model(x) > 0).float()
        return float((pred == y).float().mean().item())


def train_staged(arrays: dict[str, Any], n_airports: int, batch: int, mode: str) -> dict[str, Any]:
    """flern's staged form: the epoch runs in the Go core (flern.fit)."""
    import flern
    import flern.torch as torch
    xa, ya = _xy(arrays)
    model = make_model(torch, n_airports)
    losses = []
    if mode == "train":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        hist = flern.fit(model, torch.nn.BCEWithLogitsLoss(), opt, xa, ya, epochs=1, batch_size=batch,
                         shuffle=True, seed=SEED, log_every=500)
        losses = list(hist.loss)
    return {"accuracy": _accuracy(torch, model, torch.from_numpy(xa), torch.from_numpy(ya)), "losses": losses}


def frame_tensors(torch: Any, df: Any) -> tuple[Any, Any]:
    """The model input [hour_f, weekday_f, distance_z, origin_code, dest_code] and the label
    from a pandas-like frame, handed to ``torch`` as pandas + PyTorch code does it (under the
    flern drop-ins the two hand-offs are to_tensor edges of the ETL plan)."""
    x = torch.from_numpy(df[NUM + ["origin_code", "dest_code"]].to_numpy(dtype="float32"))
    y = torch.from_numpy(df[["late"]].to_numpy(dtype="float32"))
    return x, y


def train_loop(torch: Any, x: Any, y: Any, n_airports: int, batch: int, mode: str) -> dict[str, Any]:
    """The loop on model-input tensors, for ``torch`` = torch or flern.torch (the same code)."""
    model = make_model(torch, n_airports)
    losses = []
    if mode == "train":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        gen = torch.Generator().manual_seed(SEED)
        n = x.shape[0]
        perm = torch.randperm(n, generator=gen)
        for step, i in enumerate(range(0, n, batch)):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if step % 500 == 0:
                losses.append(float(loss.item()))
    return {"accuracy": _accuracy(torch, model, x, y), "losses": losses}


def train_staged_lazy(df: Any, n_airports: int, batch: int) -> dict[str, Any]:
    """flern's staged form from the lazy ETL plan: X and y are to_tensor edges of the one
    frame plan; flern.fit runs that plan once for both (the features come out of one fused
    to_tensor loop, no pandas/numpy intermediate), trains in the Go core, and prediction
    reads the same X."""
    import flern
    import flern.torch as torch
    x = df[NUM + ["origin_code", "dest_code"]].to_tensor(dtype="float32")
    y = df[["late"]].to_tensor(dtype="float32")
    model = make_model(torch, n_airports)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    hist = flern.fit(model, torch.nn.BCEWithLogitsLoss(), opt, x, y, epochs=1, batch_size=batch,
                     shuffle=True, seed=SEED, log_every=500)
    return {"accuracy": _accuracy(torch, model, x, y), "losses": list(hist.loss)}


def infer_lazy(df: Any, n_airports: int) -> dict[str, Any]:
    """flern-staged (c): X and y are to_tensor edges of the lazy ETL plan, so the ETL, the
    model on every row (the split stage runs it in chunks over the cores) and the accuracy are
    one plan, run once."""
    import flern.torch as torch
    x = df[NUM + ["origin_code", "dest_code"]].to_tensor(dtype="float32")
    y = df[["late"]].to_tensor(dtype="float32")
    return {"accuracy": _accuracy(torch, make_model(torch, n_airports), x, y), "losses": []}


def frame_arrays(df: Any) -> dict[str, Any]:
    """The model inputs from a pandas-like frame (pandas, or flern under the drop-in)."""
    return {"num": df[NUM].to_numpy(dtype="float32"), "o": df["origin_code"].to_numpy(),
            "d": df["dest_code"].to_numpy(), "y": df["late"].to_numpy()}


def run_variant(variant: str, rows: int | None, batch: int, mode: str) -> dict[str, Any]:
    if variant == "pandas+torch":
        import pandas as pd
        import torch
        df, n_air = etl_pandas_like(pd, rows)
        return train_loop(torch, *frame_tensors(torch, df), n_air, batch, mode)
    if variant == "polars+torch":
        import torch
        arrays, n_air = etl_polars(rows)
        return train_and_predict(torch, arrays, n_air, batch, mode)
    if variant == "duckdb+torch":
        import torch
        arrays, n_air = etl_duckdb(rows)
        return train_and_predict(torch, arrays, n_air, batch, mode)
    if variant == "flern":
        import flern.pandas as fpd
        import flern.torch as ftorch
        df, n_air = etl_pandas_like(fpd, rows)
        return train_loop(ftorch, *frame_tensors(ftorch, df), n_air, batch, mode)
    if variant == "flern-staged":
        import flern.pandas as fpd
        df, n_air = etl_pandas_like(fpd, rows)
        if mode == "train":
            return train_staged_lazy(df, n_air, batch)
        return infer_lazy(df, n_air)
    raise ValueError(f"unknown variant {variant!r}")


# ---- driver ---------------------------------------------------------------------------------------

START = time.perf_counter()


def set_torch_threads(variant: str) -> None:
    """PyTorch's intra-op threads for the torch baselines (``--torch-threads``, passed to the
    child as E2E_TORCH_THREADS; 0 keeps torch's default). On the shared, loaded 2-core machine
    torch's default 2 threads spin and collapse (benchmarks/RESULTS.md, training section)."""
    n = int(os.environ.get("E2E_TORCH_THREADS", "0") or 0)
    if n > 0 and variant.endswith("+torch"):
        import torch
        torch.set_num_threads(n)


def child(variant: str, rows: int | None, batch: int, mode: str, runs: int) -> None:
    set_torch_threads(variant)
    t0 = time.perf_counter()
    res = run_variant(variant, rows, batch, mode)
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(runs):
        common.forget_results()
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_variant(variant, rows, batch, mode)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    common.child_report({"variant": variant, "first": first, "median": statistics.median(walls) if walls else first,
                         "cpu_median": statistics.median(cpus) if cpus else None, "walls": walls, "accuracy": res["accuracy"], "losses": res["losses"],
                         "peak_rss_mib": common.peak_rss_mib()})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--mode", choices=("train", "infer"), default="train")
    ap.add_argument("--rows", type=int, default=None, help="first N rows only (default: all 3M)")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="PyTorch intra-op threads in the torch baselines (0: torch's default)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if not os.path.exists(DATA):
        print(f"{DATA} is missing: run `bash benchmarks/fetch_data.sh` first", file=sys.stderr)
        return 2
    os.environ["E2E_TORCH_THREADS"] = str(a.torch_threads)
    if a.child:
        child(a.child, a.rows, a.batch, a.mode, a.runs)
        return 0
    print(f"# flights ({a.mode}, rows={a.rows or 'all'}, batch {a.batch}), {common.describe_machine()}")
    rows, base = [], None
    for v in a.variants.split(","):
        argv = [os.path.abspath(__file__), "--child", v, "--mode", a.mode, "--batch", str(a.batch), "--runs", str(a.runs)]
        if a.rows:
            argv += ["--rows", str(a.rows)]
        try:
            r = common.run_child(argv)
        except Exception as e:  # a variant this machine cannot run is reported, not hidden
            print(f"  {v}: failed: {str(e).strip().splitlines()[-1] if str(e).strip() else e}")
            continue
        if v == "pandas+torch":
            base = r
        rows.append((v, r))
    table = []
    for v, r in rows:
        ratio = f"{base['median'] / r['median']:.2f}" if base else "-"
        rss = f"{r['peak_rss_mib'] / base['peak_rss_mib']:.2f}" if base else "-"
        cpu = common.fmt_s(r["cpu_median"]) if r.get("cpu_median") is not None else "-"
        cratio = f"{base['cpu_median'] / r['cpu_median']:.2f}" if base and r.get("cpu_median") else "-"
        table.append([v, common.fmt_s(r["median"]), common.fmt_s(r["first"]), ratio, cpu, cratio,
                      f"{r['process_s']:.2f} s", f"{r['peak_rss_mib']:.0f}", rss, f"{r['accuracy']:.4f}"])
    print(f"(torch baselines: --torch-threads {a.torch_threads})")
    print(common.md_table(["variant", "pipeline median", "first run", "pandas+torch / variant", "pipeline CPU",
                           "CPU ratio", "whole process", "peak RSS MiB", "RSS / pandas+torch", "accuracy"], table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
