"""A filter evaluated inside the CSV reader vs above the scan, side by side, on TPC-H queries.

    PYTHONPATH=python python benchmarks/tpch/csvfilter.py --sf 1 --runs 3

For each query (CSV files, read inside the query), in one process: a warm-up per setting, then
--runs alternating runs with the predicate pass on (the lineitem filter moves into scan_csv) and
off (FLERN_DISABLE_PASSES=predicate: the filter runs above a scan that parses every needed column
of every row; these queries read one file, so no other rewrite of that pass applies); medians of
wall and process CPU time (user+sys, all threads); the answers are checked to be equal.
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

SINGLE_TABLE = ("q1", "q6")


def main() -> None:
    import pandas.testing as pdt

    import flern._config as cfg
    import flern.pandas as fpd

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default=",".join(SINGLE_TABLE))
    a = ap.parse_args()
    root = gen.generate(a.sf, formats=("csv",))
    base = set(cfg.disabled_passes)

    def run(name: str, on: bool):
        cfg.disabled_passes = base - {"predicate"} if on else base | {"predicate"}
        t = queries.load_tables(fpd, root, "csv")
        w0, c0 = time.perf_counter(), time.process_time()
        r = queries.QUERIES[name](t, fpd)
        r = r.to_pandas() if hasattr(r, "to_pandas") else r
        return r, time.perf_counter() - w0, time.process_time() - c0

    print("| query | pushed wall ms | above wall ms | pushed CPU ms | above CPU ms | above/pushed CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in a.queries.split(","):
        r_on, _, _ = run(name, True)
        r_off, _, _ = run(name, False)
        pdt.assert_frame_equal(r_on, r_off, rtol=1e-9)
        t = {True: ([], []), False: ([], [])}
        for _ in range(a.runs):
            for on in (True, False):
                _, w, c = run(name, on)
                t[on][0].append(w)
                t[on][1].append(c)
        m = {k: (statistics.median(v[0]) * 1e3, statistics.median(v[1]) * 1e3) for k, v in t.items()}
        print(f"| {name} | {m[True][0]:.0f} | {m[False][0]:.0f} | {m[True][1]:.0f} | {m[False][1]:.0f} | "
              f"{m[False][1] / m[True][1]:.2f} |", flush=True)
    cfg.disabled_passes = base


if __name__ == "__main__":
    main()
