"""Native code generation, side by side in one run (issue 5's "must show").

1. chain   a 10-op elementwise chain over 10M float32: flern (fused, native),
           flern with FLERN_CODEGEN=0 (fused, Go evaluator), numpy, and three
           memory-bandwidth references: numpy's ``a.copy()`` (read 40 MB,
           write a fresh 40 MB), ``np.copyto`` into a preallocated array (the
           bandwidth alone) and the same through flern (a 2-op chain
           ``x * 1.0 + 0.0``: allocation, kernel, export, all the fixed costs).
   crossover: the chain at 4K..4M elements, Go evaluator vs cached kernel.
2. tpch    TPC-H Q1 and Q6 (benchmarks/tpch/queries.py) at SF1 on lineitem in
           memory: pandas, flern native, flern FLERN_CODEGEN=0, flern FLERN_FUSE=0.
   select  df[df.a > 0].assign(c=..., e=...) over 5M rows (no aggregate):
           pandas, flern fused (one compacting loop), flern FLERN_FUSE=0.
3. mlp     one training step (forward, backward, SGD update) of a 64-256-256-1
           MLP on a 16384-row batch (GEMM-heavy) and of a 16-64-64-1 MLP on a
           65536-row batch (elementwise-heavy): fused vs FLERN_FUSE=0.
3b. scatter embedding backward (the weight's gradient: the upstream rows times a
           tensor, scatter-added at the indices): 1M indices into a
           [1000, 64] float32 table, 3M into [300, 8] (flights-like) and
           1024 into [300, 8] (one staged training batch): flern fused
           native, fused on the Go evaluator, unfused (FLERN_FUSE=0: the
           mul loop, then the exec/interp index_add kernel), and PyTorch's
           embedding backward (aten.embedding_dense_backward; torch threads =
           the usable cores).
4. cache   the first call of a pipeline in a fresh process with an empty kernel
           cache (compiles) vs in a second process (cache hit, no compile).

Usage (repository root; tpch needs ``python benchmarks/tpch/gen.py --sf 1 --formats parquet``):

    PYTHONPATH=python python benchmarks/codegen/run.py [--runs 7] [--only chain,crossover,tpch,select,mlp,scatter,cache]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tpch"))

import common  # noqa: E402

import flern  # noqa: E402
import flern.pandas as fpd  # noqa: E402
import flern.torch as ftorch  # noqa: E402
from flern import _config  # noqa: E402

_config.codegen_sync = True  # measure compiled kernels from the first large run on


class setting:
    """Temporarily set flern compile options (_config attributes)."""

    def __init__(self, **kw):
        self.kw, self.old = kw, {}

    def __enter__(self):
        for k, v in self.kw.items():
            self.old[k] = getattr(_config, k)
            setattr(_config, k, v)

    def __exit__(self, *exc):
        for k, v in self.old.items():
            setattr(_config, k, v)


def with_options(fn, **kw):
    def run():
        with setting(**kw):
            return fn()
    return run


def report(title: str, res: dict, base: str, note: str = "") -> str:
    rows = []
    for name, r in res.items():
        ratio = res[base].median / r.median if r.median > 0 else float("nan")
        rows.append([name, f"{r.first * 1e3:.1f}", f"{r.median * 1e3:.1f}", f"{min(r.walls) * 1e3:.1f}",
                     f"{r.median_cpu * 1e3:.1f}", f"{r.cpu_per_wall:.2f}", f"{ratio:.2f}x"])
    out = f"### {title}\n\n" + common.md_table(
        ["engine", "first ms", "median ms", "best ms", "median CPU ms", "cpu/wall", f"speed vs {base}"], rows)
    return out + ("\n\n" + note if note else "") + "\n"


# ---- 1. elementwise chain ----------------------------------------------------------------------

def bench_chain(runs: int) -> str:
    n = 10_000_000
    a = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    x = ftorch.tensor(a)
    f32 = np.float32

    def np_chain():
        return np.abs(np.maximum(a * f32(1.5) + f32(0.5), 0) * f32(2.0) - f32(1.0)) / f32(3.0) + a * f32(0.25) - f32(0.125)

    def fl_chain():  # mul add relu mul sub abs div, mul add sub: 10 ops
        return (((x * 1.5 + 0.5).relu() * 2.0 - 1.0).abs() / 3.0 + x * 0.25 - 0.125).numpy()

    def fl_copy():
        return (x * 1.0 + 0.0).numpy()

    np.testing.assert_allclose(fl_chain(), np_chain(), rtol=1e-6, atol=1e-6)
    out = np.empty_like(a)
    res = common.interleave({
        "flern native": fl_chain,
        "flern go-eval": with_options(fl_chain, codegen=False),
        "numpy": np_chain,
        "copy numpy": lambda: a.copy(),
        "copy numpy into": lambda: np.copyto(out, a),
        "copy flern": fl_copy,
    }, runs)
    nat, npy = res["flern native"], res["numpy"]
    lines = [
        f"native vs numpy: {npy.median / nat.median:.2f}x faster (median), {min(npy.walls) / min(nat.walls):.2f}x (best)",
        f"native vs the numpy copy bound: {nat.median / res['copy numpy'].median:.2f}x its time (median), "
        f"{min(nat.walls) / min(res['copy numpy'].walls):.2f}x (best)",
        f"native vs flern's own copy kernel: {nat.median / res['copy flern'].median:.2f}x (median), "
        f"{min(nat.walls) / min(res['copy flern'].walls):.2f}x (best)",
        f"native vs a copy into a preallocated array (no allocation, no page faults): "
        f"{nat.median / res['copy numpy into'].median:.2f}x (median), {min(nat.walls) / min(res['copy numpy into'].walls):.2f}x (best)",
    ]
    return report("10-op float32 chain, 10M elements (40 MB in, 40 MB out)", res, "numpy", "\n".join("- " + s for s in lines))


# ---- 1b. crossover: Go evaluator vs native kernel by size ------------------------------------

def bench_crossover(runs: int) -> str:
    rows = []
    for n in (4096, 16384, 65536, 262144, 1 << 20, 1 << 22):
        x = ftorch.tensor(np.random.default_rng(1).standard_normal(n).astype(np.float32))

        def chain():
            return (((x * 1.5 + 0.5).relu() * 2.0 - 1.0).abs() / 3.0 + x * 0.25 - 0.125).numpy()

        res = common.interleave({"go": with_options(chain, codegen=False),
                                 "native": with_options(chain, codegen_min_rows=1)}, runs)
        g, nat = res["go"].median, res["native"].median
        rows.append([f"{n:,}", f"{g * 1e3:.2f}", f"{nat * 1e3:.2f}", f"{g / nat:.1f}x",
                     f"{0.075 / (g - nat):.0f}" if g > nat else "never"])
    return ("### Crossover: the same 10-op chain on the Go evaluator vs a cached native kernel\n\n"
            + common.md_table(["elements", "go ms", "native ms", "native speed-up", "runs to repay a 75 ms compile"], rows)
            + "\n\n- the engine uses a cached kernel at once; otherwise a run with rows x instructions >= 2^25 compiles "
              "first and smaller runs compile in the background while the Go evaluator answers (DefaultCodegenMinRows = 65536)\n")


# ---- 2. TPC-H Q1 / Q6 --------------------------------------------------------------------------

def lineitem_sf1():
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = HERE.parent / "tpch" / "data" / "sf1" / "parquet" / "lineitem.parquet"
    if not path.exists():
        raise SystemExit("missing " + str(path) + ": python benchmarks/tpch/gen.py --sf 1 --formats parquet")
    cols = ["l_orderkey", "l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag",
            "l_linestatus", "l_shipdate"]
    t = pq.read_table(path, columns=cols)
    # the CSV types pandas/flern read: int64 quantity, float64 money, datetime64[us], str
    t = t.set_column(1, "l_quantity", t["l_quantity"].cast(pa.int64()))
    for name in ("l_extendedprice", "l_discount", "l_tax"):
        t = t.set_column(t.schema.get_field_index(name), name, t[name].cast(pa.float64()))
    t = t.set_column(t.schema.get_field_index("l_shipdate"), "l_shipdate", t["l_shipdate"].cast(pa.timestamp("us")))
    return t.to_pandas()


def bench_tpch(runs: int) -> str:
    import pandas as pd
    import queries
    p = lineitem_sf1()
    f = flern.DataFrame(p)
    out = [f"lineitem SF1: {len(p):,} rows, in memory (Arrow import, zero-copy) before timing\n"]
    for q in ("q1", "q6"):
        fn = getattr(queries, q)
        want = fn({"lineitem": p}, pd)

        def run_fl(fn=fn):
            r = fn({"lineitem": f}, fpd)
            return r.to_pandas() if hasattr(r, "to_pandas") else r

        res = common.interleave({
            "pandas": lambda fn=fn: fn({"lineitem": p}, pd),
            "flern native": run_fl,
            "flern go-eval": with_options(run_fl, codegen=False),
            "flern unfused": with_options(run_fl, fuse=False),
        }, runs)
        for name, r in res.items():
            pd.testing.assert_frame_equal(r.result.reset_index(drop=True), want.reset_index(drop=True), rtol=1e-9)
        un, nat = res["flern unfused"], res["flern native"]
        note = (f"- fused+native vs unfused flern: {un.median / nat.median:.2f}x; "
                f"fused Go evaluator vs unfused: {un.median / res['flern go-eval'].median:.2f}x; all answers equal pandas (rtol 1e-9)")
        out.append(report(f"TPC-H {q.upper()} SF1", res, "flern unfused", note))
    return "\n".join(out)


# ---- 2b. filter -> assign without an aggregate ------------------------------------------------

def bench_select(runs: int) -> str:
    import pandas as pd
    n = 5_000_000
    r = np.random.default_rng(0)
    p = pd.DataFrame({"a": r.standard_normal(n), "b": r.integers(-5, 5, n), "s": r.choice(["x", "y"], n)})
    df = flern.DataFrame(p)

    def query(d):
        f = d[d["a"] > 0]
        return f.assign(c=f["a"] * 2 + f["b"], e=f["a"] * f["a"] - 1)[["c", "e", "b"]]

    want = query(p)

    def fl():
        return query(df).to_pandas()

    res = common.interleave({"pandas": lambda: query(p), "flern fused": fl,
                             "flern unfused": with_options(fl, fuse=False)}, runs)
    for r_ in res.values():
        pd.testing.assert_frame_equal(r_.result, want)
    f, u = res["flern fused"], res["flern unfused"]
    return report(f"filter -> assign (no aggregate), {n:,} rows: one compacting loop vs filter + project", res, "pandas",
                  f"- fused vs unfused flern: {u.median / f.median:.2f}x wall, {u.median_cpu / f.median_cpu:.2f}x CPU (medians); "
                  "flern times include to_pandas()")


# ---- 3. MLP training step ----------------------------------------------------------------------

def bench_mlp(runs: int) -> str:
    # (input, hidden, batch): the first is GEMM-heavy (most time in the three
    # GEMMs of each layer); the second has narrow layers and a large batch, so
    # bias + tanh/sigmoid and their gradients are a large share of the step
    shapes = [(64, 256, 16384), (16, 64, 65536)]
    return "\n".join(_bench_mlp_shape(runs, d, h, b) for d, h, b in shapes)


def _bench_mlp_shape(runs: int, d: int, h: int, batch: int) -> str:
    from flern import nn, optim
    r = np.random.default_rng(0)
    xa = r.standard_normal((batch, d)).astype(np.float32)
    ya = r.standard_normal((batch, 1)).astype(np.float32)
    ftorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(d, h), nn.Tanh(), nn.Linear(h, h), nn.Sigmoid(), nn.Linear(h, 1))
    opt = optim.SGD(model.parameters(), lr=1e-3)
    x, y = ftorch.tensor(xa), ftorch.tensor(ya)
    lossf = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    res = common.interleave({"fused": step, "unfused": with_options(step, fuse=False)}, runs)
    f, u = res["fused"], res["unfused"]
    return report(f"MLP training step ({d}-{h}-{h}-1, tanh/sigmoid, batch {batch}, SGD)", res, "unfused",
                  f"- fused vs unfused: {u.median / f.median:.2f}x wall (median), {u.median_cpu / f.median_cpu:.2f}x CPU (median)")


# ---- 3b. embedding backward: the scatter-add loop --------------------------------------------

def bench_scatter(runs: int) -> str:
    import torch
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    from flern import nn
    out = []
    for n, v, d in [(1_000_000, 1000, 64), (3_000_000, 300, 8), (1024, 300, 8)]:
        r = np.random.default_rng(n + d)
        ia = r.integers(0, v, n)
        ga = r.standard_normal((n, d)).astype(np.float32)
        sa = r.standard_normal((n, d)).astype(np.float32)
        emb = nn.Embedding.from_pretrained(np.zeros((v, d), dtype=np.float32), freeze=False)
        idx, s = ftorch.tensor(ia), ftorch.tensor(sa)

        def fl_grad():  # d/dW sum(emb(idx) * s): index_add(ones * s, idx) along dim 0
            emb.weight.grad = None
            (emb(idx) * s).sum().backward()
            return emb.weight.grad.numpy()

        ti, tg = torch.from_numpy(ia), torch.from_numpy(ga)

        def torch_backward():
            return torch.ops.aten.embedding_dense_backward(tg, ti, v, -1, False)

        want = np.zeros((v, d), dtype=np.float32)
        np.add.at(want, ia, sa)  # index order, float32 after every addition
        got = fl_grad()
        np.testing.assert_array_equal(got, want)
        with setting(codegen=False):
            np.testing.assert_array_equal(fl_grad(), want)
        with setting(fuse=False):
            np.testing.assert_array_equal(fl_grad(), want)
        tgot = torch.ops.aten.embedding_dense_backward(torch.from_numpy(sa), ti, v, -1, False).numpy()
        np.testing.assert_allclose(tgot, want, rtol=1e-4, atol=1e-3)  # torch adds in its own order
        text = flern._collect.explain(emb.weight.grad._node)
        kernel = text.split("kernel=", 1)[1].split(")  ::", 1)[0] if "kernel=" in text else "(not fused)"
        runs_n = runs if n > 10_000 else runs * 20
        res = common.interleave({
            "flern native": fl_grad,
            "flern go-eval": with_options(fl_grad, codegen=False),
            "flern unfused": with_options(fl_grad, fuse=False),
            "torch embedding backward": torch_backward,
        }, runs_n)
        nat = res["flern native"]
        note = [f"fused kernel: `{kernel}`",
                "flern equals np.add.at (index order, float32 sums) bit for bit in all three flern modes; "
                "torch within 1e-4 (its own order)",
                f"native vs torch: {res['torch embedding backward'].median / nat.median:.2f}x (median wall); "
                f"native vs unfused: {res['flern unfused'].median / nat.median:.2f}x; "
                f"native vs go-eval: {res['flern go-eval'].median / nat.median:.2f}x",
                "flern's times include building the gradient graph (plan cache hit) and handing the result to numpy; "
                "torch's are the backward kernel alone"]
        out.append(report(f"Embedding backward: {n:,} indices into [{v}, {d}] float32 ({runs_n} rounds)", res,
                          "torch embedding backward", "\n".join("- " + x for x in note)))
    return "\n".join(out)


# ---- 4. compile cache --------------------------------------------------------------------------

CACHE_CHILD = """
import time, numpy as np, flern.torch as torch
# warm the process up (library load, plan decoder JIT) on another, tiny pipeline
(torch.tensor(np.ones(8, dtype=np.float32)) * 2.0 + 1.0).numpy()
x = torch.tensor(np.linspace(-3, 3, 1_000_000, dtype=np.float32))
t = time.perf_counter()
(((x * 1.5 + 0.5).relu() * 2.0 - 1.0).abs() / 3.0 + x * 0.25 - 0.125).numpy()
first = time.perf_counter() - t
t = time.perf_counter()
(((x * 1.5 + 0.5).relu() * 2.0 - 1.0).abs() / 3.0 + x * 0.25 - 0.125).numpy()
print("RESULT", first, time.perf_counter() - t)
"""


def bench_cache(pairs: int = 3) -> str:
    runs = {1: [], 2: []}
    for _ in range(pairs):
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, XDG_CACHE_HOME=d, FLERN_CODEGEN_SYNC="1")  # process 1 waits for its compile
            env.pop("FLERN_KERNEL_CACHE", None)
            for proc in (1, 2):
                out = subprocess.run([sys.executable, "-c", CACHE_CHILD], env=env, check=True, capture_output=True, text=True).stdout
                runs[proc].append([float(v) for v in out.split("RESULT", 1)[1].split()])
            n = len(list(pathlib.Path(d, "flern", "kernels").glob("*.so")))
    med = lambda xs: statistics.median(xs) * 1e3
    rows = [[label, f"{med([r[0] for r in runs[p]]):.1f}", f"{med([r[1] for r in runs[p]]):.1f}"]
            for p, label in ((1, "process 1 (empty cache: compiles)"), (2, "process 2 (same cache: loads)"))]
    return (f"### Compile cache: a 10-op chain over 1M floats, first and second call in a fresh process ({pairs} pairs, medians)\n\n"
            + common.md_table(["process", "first call ms", "second call ms"], rows)
            + f"\n\n- kernels in the cache after both processes: {n} (compiled by process 1 only); process 2's first call "
              "pays no compile, only the cached kernel's load (checksum + dlopen) and first-run warm-up\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", default="chain,crossover,tpch,select,mlp,scatter,cache")
    args = ap.parse_args()
    only = set(args.only.split(","))
    load = common.MachineLoad()
    print(f"**Machine.** {common.describe_machine()}\n\n**Commit.** {common.git_commit()}\n", flush=True)
    sections = [("chain", lambda: bench_chain(args.runs)), ("crossover", lambda: bench_crossover(args.runs)),
                ("tpch", lambda: bench_tpch(max(3, args.runs // 2))), ("select", lambda: bench_select(args.runs)),
                ("mlp", lambda: bench_mlp(args.runs)), ("scatter", lambda: bench_scatter(args.runs)),
                ("cache", bench_cache)]
    for name, fn in sections:
        if name in only:
            print(fn(), flush=True)
    print(f"**Load.** {load.report()}", flush=True)


if __name__ == "__main__":
    main()
