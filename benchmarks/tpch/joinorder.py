"""The join-ordering pass on and off, side by side, on the TPC-H queries with join chains.

    PYTHONPATH=python python benchmarks/tpch/joinorder.py --sf 1 --runs 3

For each query, in one process: one warm-up per setting, then --runs alternating runs with the
pass on and off (FLERN_DISABLE_PASSES=joinorder, set through flern._config per run); medians of
wall and CPU (user+sys of the whole process) time; the two answers are checked to be equal.
Reads the Parquet files gen.py writes.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
import queries  # noqa: E402

CHAINS = ("q2", "q5", "q7", "q8", "q9", "q10", "q21")


def main() -> None:
    import pandas.testing as pdt

    import flern._config as cfg
    import flern.pandas as fpd

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default=",".join(CHAINS))
    a = ap.parse_args()
    root = gen.generate(a.sf, formats=("parquet",))
    base = set(cfg.disabled_passes)

    def run(name: str, on: bool):
        cfg.disabled_passes = base - {"joinorder"} if on else base | {"joinorder"}
        t = queries.load_tables(fpd, root, "parquet")
        w0, c0 = time.perf_counter(), time.process_time()
        r = queries.QUERIES[name](t, fpd).to_pandas()
        return r, time.perf_counter() - w0, time.process_time() - c0

    print("| query | on wall ms | off wall ms | on CPU ms | off CPU ms | off/on CPU | plan changed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in a.queries.split(","):
        cfg.disabled_passes = base - {"joinorder"}
        plan_on = queries.QUERIES[name](queries.load_tables(fpd, root, "parquet"), fpd).explain()
        cfg.disabled_passes = base | {"joinorder"}
        plan_off = queries.QUERIES[name](queries.load_tables(fpd, root, "parquet"), fpd).explain()
        r_on, _, _ = run(name, True)
        r_off, _, _ = run(name, False)
        pdt.assert_frame_equal(r_on, r_off, rtol=1e-9, check_index_type="equiv")
        t = {True: ([], []), False: ([], [])}
        for _ in range(a.runs):
            for on in (True, False):
                _, w, c = run(name, on)
                t[on][0].append(w)
                t[on][1].append(c)
        m = {k: (statistics.median(v[0]) * 1e3, statistics.median(v[1]) * 1e3) for k, v in t.items()}
        print(f"| {name} | {m[True][0]:.0f} | {m[False][0]:.0f} | {m[True][1]:.0f} | {m[False][1]:.0f} | "
              f"{m[False][1] / m[True][1]:.2f} | {'yes' if plan_on != plan_off else 'no'} |", flush=True)
    cfg.disabled_passes = base


if __name__ == "__main__":
    main()
