"""TPC-H: flern, pandas, polars and DuckDB side by side (rules: /work/shared/BENCHMARKS.md).

    python benchmarks/tpch/gen.py --sf 1 --formats parquet          # once (offline)
    PYTHONPATH=python python benchmarks/tpch/run.py                 # SF 1, all 22 queries, Parquet
    PYTHONPATH=python python benchmarks/tpch/run.py --sf 0.1        # quick mode
    PYTHONPATH=python python benchmarks/tpch/run.py --format csv    # the CSV files instead
    PYTHONPATH=python python benchmarks/tpch/run.py --queries q1,q6 --runs 5 --pandas-runs 1

What each system runs: flern and pandas the same functions (queries.py, ``pd`` = flern.pandas
or pandas), polars its lazy API (polars_queries.py), DuckDB the spec's SQL text
(duckdb_queries.py), all with the same substitution parameters. What is timed: reading the
tables the query uses (Parquet by default, typed alike for every system: see gen.py; or CSV with
--format csv) plus the query, to an in-memory result (flern and polars read lazily inside their
plans, DuckDB through views over read_parquet/read_csv, pandas with read_parquet/read_csv):
every run reads the files afresh.

Method: every (system, query) runs in its own fresh Python process: one warm-up run ("first";
flern's includes plan compilation), then the timed runs (--runs; pandas --pandas-runs since it
is slow at SF 1); the median is reported. Peak RSS is that process's ru_maxrss (getrusage
RUSAGE_SELF in the child: the interpreter and imported libraries included, the whole warm-up
and timed runs). Answers are checked against pandas' (flern: pandas.testing.assert_frame_equal,
rtol 1e-6; polars and DuckDB by position: same shape, numbers within rtol 1e-6, dates and
strings equal) before a time counts. Ratios are peer median / flern median (> 1: flern is
faster); geomeans over the queries where both answers were checked.
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import pickle
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402
import gen  # noqa: E402

SYSTEMS = ("flern", "pandas", "polars", "duckdb")


class LazyTables(dict):
    """{table: frame}, each table read on first use (so only the tables a query names are read)."""

    def __init__(self, pd, root, fmt):
        super().__init__()
        self.pd, self.root, self.fmt = pd, pathlib.Path(root) / fmt, fmt

    def __missing__(self, t):
        import queries
        if self.fmt == "csv":
            v = self.pd.read_csv(str(self.root / f"{t}.csv"), parse_dates=queries.DATES.get(t) or None)
        else:
            v = self.pd.read_parquet(str(self.root / f"{t}.parquet"))
        self[t] = v
        return v


def runner(system: str, name: str, root, fmt: str):
    """A function running query ``name`` once with ``system`` and returning a pandas DataFrame."""
    if system in ("flern", "pandas"):
        import queries
        q = queries.QUERIES[name]
        if system == "pandas":
            import pandas as pd
            return lambda: q(LazyTables(pd, root, fmt), pd)
        import flern.pandas as fpd

        def run_flern():
            r = q(LazyTables(fpd, root, fmt), fpd)
            return r.to_pandas() if hasattr(r, "to_pandas") else r
        return run_flern
    if system == "polars":
        import polars_queries as pq
        q = pq.QUERIES[name]
        return lambda: q(pq.scan_tables(root, fmt)).collect().to_pandas()
    if system == "duckdb":
        import duckdb_queries as dq
        sql = dq.SQL[name]

        def run_duckdb():
            con = dq.connect(root, fmt)
            try:
                return con.execute(sql).df()
            finally:
                con.close()
        return run_duckdb
    raise ValueError(system)


def child(system: str, name: str, root: str, fmt: str, runs: int, out: str) -> None:
    """In the fresh process: warm-up, ``runs`` timed runs, the answer pickled to ``out``."""
    fn = runner(system, name, root, fmt)
    t0 = time.perf_counter()
    try:
        result = fn()
    except NotImplementedError as e:
        common.child_report({"error": f"NotImplementedError: {str(e).splitlines()[0]}"})
        return
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, _ = common.timed(fn)
        walls.append(wall)
        cpus.append(cpu)
    if runs == 0:  # the warm-up run is the only measurement (slow systems at SF 1)
        walls, cpus = [first], [float("nan")]
    with open(out, "wb") as f:
        pickle.dump(result, f)
    common.child_report({"first": first, "walls": walls, "cpus": cpus})


def same_values(got, exp, rtol: float = 1e-6) -> str:
    """"ok", or what differs, comparing two answers by position (names and dtypes aside)."""
    import numpy as np
    import pandas as pd

    if got.shape != exp.shape:
        return f"shape {got.shape} != {exp.shape}"
    for i in range(exp.shape[1]):
        a, b = got.iloc[:, i], exp.iloc[:, i]
        name = exp.columns[i]
        if pd.api.types.is_datetime64_any_dtype(b) or pd.api.types.is_datetime64_any_dtype(a):
            if not (pd.to_datetime(a).astype("datetime64[ns]").to_numpy() == pd.to_datetime(b).astype("datetime64[ns]").to_numpy()).all():
                return f"column {name}: dates differ"
        elif pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a):
            if not np.allclose(a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64"), rtol=rtol, atol=0, equal_nan=True):
                return f"column {name}: numbers differ"
        elif a.astype(str).tolist() != b.astype(str).tolist():
            return f"column {name}: values differ"
    return "ok"


def check(system: str, name: str, got, exp, ref: str = "pandas") -> str:
    """flern against pandas: the same frame (dtypes, index); anything else, or flern against
    DuckDB when pandas did not run (its year and date columns are typed differently): by position."""
    import pandas.testing as pdt
    import queries

    if name in ("q11",):  # ties in ORDER BY value: compare in a canonical order
        exp, got = queries.canonical(exp), queries.canonical(got)
    if system == "flern" and ref == "pandas":
        try:
            pdt.assert_frame_equal(got, exp, rtol=1e-6, check_index_type="equiv", check_column_type=False)
            return "ok"
        except AssertionError as e:
            return "WRONG: " + str(e).splitlines()[0]
    r = same_values(got.reset_index(drop=True), exp.reset_index(drop=True))
    return r if r == "ok" else "WRONG: " + r


def geomean(xs: list[float]) -> float:
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--queries", default="all", help="comma-separated, e.g. q1,q6 (default all 22)")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--runs", type=int, default=3, help="timed runs per query (after one warm-up)")
    ap.add_argument("--pandas-runs", type=int, default=None,
                    help="timed runs for pandas (default --runs; 0: its first, cold run is its time)")
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per (system, query) process")
    ap.add_argument("--child", nargs=5, metavar=("SYSTEM", "QUERY", "ROOT", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        s, q, root, fmt, out = a.child
        child(s, q, root, fmt, a.runs, out)
        return

    root = gen.generate(a.sf, formats=(a.format,))
    names = [f"q{i}" for i in range(1, 23)] if a.queries == "all" else a.queries.split(",")
    systems = a.systems.split(",")
    print(common.describe_machine())
    print(f"versions: {common.versions(['flern', 'pandas', 'numpy', 'pyarrow', 'polars', 'duckdb'])}, "
          f"commit {common.git_commit()}")
    print(f"threads: pandas 1; polars, DuckDB: all cores; flern GOMAXPROCS={os.environ.get('GOMAXPROCS', 'unset')}")
    load = common.MachineLoad()
    tmp = tempfile.mkdtemp(prefix="tpch-answers-")
    res: dict[tuple[str, str], dict] = {}
    t_start = time.perf_counter()
    for name in names:
        answers = {}
        for s in systems:
            runs = a.pandas_runs if (s == "pandas" and a.pandas_runs is not None) else a.runs
            out = os.path.join(tmp, f"{s}-{name}.pkl")
            try:
                r = common.run_child([__file__, "--runs", str(runs), "--child", s, name, str(root), a.format, out],
                                     timeout=a.timeout)
            except Exception as e:  # a crash or timeout of one system does not stop the others
                r = {"error": str(e).strip().splitlines()[-1][:200] if str(e).strip() else type(e).__name__}
            if "error" not in r:
                with open(out, "rb") as f:
                    answers[s] = pickle.load(f)
                os.remove(out)
            res[(s, name)] = r
        ref = "pandas" if "pandas" in answers else ("duckdb" if "duckdb" in answers else None)
        line = [name]
        for s in systems:
            r = res[(s, name)]
            if "error" in r:
                r["answer"] = r["error"]
            elif ref is None or s == ref:
                r["answer"] = "ok" if s == ref else "unchecked"
            else:
                r["answer"] = check(s, name, answers[s], answers[ref], ref)
            if "walls" in r:
                r["median"] = statistics.median(r["walls"])
                line.append(f"{s} {r['median']:.3f}s ({r['answer']}, {r['peak_rss_mib']:.0f} MiB)")
            else:
                line.append(f"{s} - ({r['answer']})")
        print("  ".join(line), flush=True)
    total = time.perf_counter() - t_start

    def cell(s, name):
        r = res[(s, name)]
        return f"{r['median'] * 1e3:.0f}" if "median" in r and r["answer"] in ("ok", "unchecked") else "-"

    peers = [s for s in systems if s != "flern"]
    headers = ["query"] + [f"{s} ms" for s in systems]
    if "flern" in systems:
        headers += [f"{p}/flern" for p in peers] + ["flern first ms"]
    rows, ratios = [], {p: [] for p in peers}
    for name in names:
        row = [name] + [cell(s, name) for s in systems]
        if "flern" in systems:
            f = res[("flern", name)]
            for p in peers:
                r = res[(p, name)]
                if "median" in f and "median" in r and f["answer"] == "ok" and r["answer"] in ("ok", "unchecked"):
                    x = r["median"] / f["median"]
                    ratios[p].append(x)
                    row.append(f"{x:.2f}")
                else:
                    row.append("-")
            row.append(f"{f['first'] * 1e3:.0f}" if "first" in f else "-")
        rows.append(row)
    print()
    print(f"TPC-H SF {a.sf:g}, {a.format.upper()} read inside each query, medians of {a.runs} runs "
          f"(pandas {a.pandas_runs if a.pandas_runs is not None else a.runs}) after a warm-up, each system and query "
          f"in a fresh process (ms)")
    print(common.md_table(headers, rows))
    if "flern" in systems:
        for p in peers:
            print(f"geomean {p}/flern over {len(ratios[p])} queries: {geomean(ratios[p]):.2f}")
    print()
    print("Peak RSS per query (MiB, ru_maxrss of each system's process: interpreter and libraries included)")
    print(common.md_table(["query"] + systems,
                          [[n] + [f"{res[(s, n)]['peak_rss_mib']:.0f}" if "peak_rss_mib" in res[(s, n)] else "-"
                                  for s in systems] for n in names]))
    bad = [(s, n, res[(s, n)]["answer"]) for n in names for s in systems if res[(s, n)]["answer"] not in ("ok", "unchecked")]
    if bad:
        print("\nNot counted:")
        for s, n, why in bad:
            print(f"- {n} {s}: {why}")
    print(f"\ntotal wall time {total:.0f} s")
    print(load.report())


if __name__ == "__main__":
    main()
