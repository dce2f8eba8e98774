"""Per-collect overhead: a small pipeline collected N times on new data.

A loop that calls the same pipeline on fresh in-memory data (serving, a data loader, the
drop-in training loop) pays flern's fixed cost per collect: record the calls, encode the plan
in Python, cross the C ABI, compile it in Go (optimizer passes + fusion), run, convert the
result back. The compiled-plan cache (python/flern/_collect.py) reuses the compilation when the
plan's structure repeats. This measures microseconds per iteration (wall and CPU, median of
--repeats blocks of --iters iterations) for:

- ``pandas``: the same pipeline in pandas;
- ``flern``: flern.pandas (record + collect), the plan cache on;
- ``flern-nocache``: the same with the plan cache off (FLERN_PLAN_CACHE=0 equivalent).

The pipeline: a 200-row frame (two numeric columns, one string key), a filter, an assigned
column, a groupby mean, back to pandas.

    PYTHONPATH=python python benchmarks/overhead.py --iters 1000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def make_data(rng: np.random.Generator, n: int) -> dict:
    return {"k": rng.choice(["a", "b", "c", "d"], n), "x": rng.normal(size=n), "y": rng.integers(0, 100, n)}


def pipeline(pd, data: dict):
    df = pd.DataFrame(data)
    df = df[df["y"] > 10]
    df["z"] = df["x"] * 2.0 + df["y"]
    out = df.groupby("k").agg({"z": "mean", "x": "sum"})
    return out.to_pandas() if pd.__name__.startswith("flern") else out


def time_block(fn, datas) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    for d in datas:
        fn(d)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rows", type=int, default=200)
    a = ap.parse_args()
    import pandas
    import flern.pandas as fpd
    from flern import _collect

    rng = np.random.default_rng(0)
    datas = [make_data(rng, a.rows) for _ in range(a.iters)]
    # same answers first
    got = pipeline(fpd, datas[0]).sort_index()
    want = pipeline(pandas, datas[0]).sort_index()
    pandas.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)

    def flern_on(d):
        _collect._PLAN_CACHE_ON = True
        return pipeline(fpd, d)

    def flern_off(d):
        _collect._PLAN_CACHE_ON = False
        return pipeline(fpd, d)

    variants = {"pandas": lambda d: pipeline(pandas, d), "flern": flern_on, "flern-nocache": flern_off}
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for name, fn in variants.items():  # warm-up
        time_block(fn, datas[:50])
    for r in range(a.repeats):
        names = list(variants)
        names = names[r % len(names):] + names[:r % len(names)]
        for name in names:
            res[name].append(time_block(variants[name], datas))
    _collect._PLAN_CACHE_ON = True
    rows = []
    for name, xs in res.items():
        w = statistics.median(x[0] for x in xs) / a.iters * 1e6
        c = statistics.median(x[1] for x in xs) / a.iters * 1e6
        rows.append([name, f"{w:.0f}", f"{c:.0f}"])
    print(f"{a.iters} iterations x {a.repeats} blocks, {a.rows} rows; load {os.getloadavg()[0]:.2f}")
    print(common.md_table(["variant", "wall us/iter", "CPU us/iter"], rows))
    print("plan cache:", _collect.PLAN_CACHE_STATS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
