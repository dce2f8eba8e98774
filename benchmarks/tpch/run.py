"""TPC-H: flern vs pandas, side by side (rules: /work/shared/BENCHMARKS.md).

    python benchmarks/tpch/gen.py --sf 0.1
    PYTHONPATH=python python benchmarks/tpch/run.py --sf 0.1 --runs 5 [--queries q1,q6]

Both engines run the same functions (queries.py) with ``pd`` = pandas or
flern.pandas. What is timed: reading the CSV tables the query uses plus the
query, to a pandas DataFrame (flern reads lazily inside its plan, so reading is
timed for pandas too: each run opens the tables afresh). Engines interleave
after a warm-up run ("first": flern's first run includes plan compilation);
medians of --runs; every answer is checked against pandas' (rtol 1e-6) before
its time counts. Ratio = pandas median / flern median (> 1: flern is faster).
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402
import gen  # noqa: E402
import queries  # noqa: E402


class LazyTables(dict):
    """{table: frame}, each table read on first use (so only the tables a query names are read)."""

    def __init__(self, pd, root, fmt):
        super().__init__()
        self.pd, self.root, self.fmt = pd, pathlib.Path(root) / fmt, fmt

    def __missing__(self, t):
        if self.fmt == "csv":
            v = self.pd.read_csv(str(self.root / f"{t}.csv"), parse_dates=queries.DATES.get(t) or None)
        else:
            v = self.pd.read_parquet(str(self.root / f"{t}.parquet"))
        self[t] = v
        return v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=0.1)
    ap.add_argument("--queries", default="all", help="comma-separated, e.g. q1,q6 (default all 22)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    import pandas
    import pandas.testing as pdt
    import flern.pandas as fpd

    root = gen.generate(a.sf, formats=("csv",))
    names = list(queries.QUERIES) if a.queries == "all" else a.queries.split(",")
    print(common.describe_machine())
    print(f"versions: {common.versions(['flern', 'pandas', 'numpy', 'pyarrow'])}, commit {common.git_commit()}")
    print(f"threads: pandas 1; flern GOMAXPROCS={os.environ.get('GOMAXPROCS', 'unset')}")
    load = common.MachineLoad()
    rows, ratios = [], []
    for name in names:
        q = queries.QUERIES[name]

        def run_pandas(q=q):
            return q(LazyTables(pandas, root, "csv"), pandas)

        def run_flern(q=q):
            r = q(LazyTables(fpd, root, "csv"), fpd)
            return r.to_pandas() if hasattr(r, "to_pandas") else r

        print(name)
        try:
            res = common.interleave({"pandas": run_pandas, "flern": run_flern}, a.runs, log=print)
        except NotImplementedError as e:
            rows.append([name, "-", "-", "-", "-", f"NotImplementedError: {e}"])
            continue
        exp, got = res["pandas"].result, res["flern"].result
        if name in ("q11",):
            exp, got = queries.canonical(exp), queries.canonical(got)
        try:
            pdt.assert_frame_equal(got, exp, rtol=1e-6, check_index_type="equiv", check_column_type=False)
            ok = "ok"
        except AssertionError as e:
            ok = "WRONG: " + str(e).splitlines()[0]
        mp, mf = statistics.median(res["pandas"].walls), statistics.median(res["flern"].walls)
        ratio = mp / mf
        if ok == "ok":
            ratios.append(ratio)
        rows.append([name, f"{mp * 1e3:.1f}", f"{mf * 1e3:.1f}", f"{res['flern'].first * 1e3:.1f}",
                     f"{ratio:.2f}" if ok == "ok" else "-", ok])
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else float("nan")
    print()
    print(f"TPC-H SF {a.sf:g}, CSV, medians of {a.runs} interleaved runs (ms)")
    print(common.md_table(["query", "pandas", "flern", "flern first", "pandas/flern", "answer"], rows))
    print(f"\ngeomean pandas/flern over {len(ratios)} checked queries: {geo:.2f}")
    print(load.report())


if __name__ == "__main__":
    main()
