"""CSV ingest: TPC-H lineitem read into memory, flern vs pandas (pyarrow and C engines), polars, DuckDB.

    python benchmarks/tpch/gen.py --sf 1 --formats csv          # ~766 MB lineitem.csv
    PYTHONPATH=python python benchmarks/csv_ingest.py --sf 1 --runs 3

Every reader parses all 16 columns of the same file, the three dates as dates, into its own
in-memory table: flern ``read_csv(...)`` collected to an Arrow table inside the engine (what a
query sees; ``collect()`` to Arrow, no pandas conversion), pandas ``read_csv(engine="pyarrow")``
and ``read_csv(engine="c")`` to a DataFrame, ``polars.read_csv`` to a DataFrame, DuckDB
``read_csv`` materialized as an in-memory table (``CREATE TABLE ... AS``). Each system runs in
its own fresh process (so the OS page cache is warm for all, but no reader reuses another's
memory): one warm-up read, then ``--runs`` timed reads; the median is reported as MB/s of file
bytes, with the ratio to flern and the child's peak RSS (getrusage ru_maxrss of that process).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "tpch"))

import common  # noqa: E402

DATES = ["l_shipdate", "l_commitdate", "l_receiptdate"]
SYSTEMS = ("flern", "pandas-pyarrow", "pandas-c", "polars", "duckdb")


def reader(system: str, path: str):
    """A function reading ``path`` fully once with ``system`` (returns the row count)."""
    if system == "flern":
        import flern.pandas as fpd

        def run():
            t = fpd.read_csv(path, parse_dates=DATES)._run()
            return t.num_rows
        return run
    if system.startswith("pandas"):
        import pandas as pd
        engine = system.split("-")[1]

        def run():
            return len(pd.read_csv(path, parse_dates=DATES, engine=engine))
        return run
    if system == "polars":
        import polars as pl

        def run():
            return pl.read_csv(path, try_parse_dates=True).height
        return run
    if system == "duckdb":
        import duckdb

        def run():
            con = duckdb.connect()
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true)")
            n = con.execute("SELECT count(*) FROM t").fetchone()[0]
            con.close()
            return n
        return run
    raise ValueError(system)


def child(system: str, path: str, runs: int) -> None:
    """Runs in the fresh process: warm-up, ``runs`` timed reads, report."""
    common.reset_peak_rss()
    fn = reader(system, path)
    t0 = time.perf_counter()
    rows = fn()
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, n = common.timed(fn)
        assert n == rows, (n, rows)
        walls.append(wall)
        cpus.append(cpu)
    common.child_report({"rows": rows, "first": first, "walls": walls, "cpus": cpus})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--child", nargs=2, metavar=("SYSTEM", "PATH"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], a.runs)
        return
    import gen
    path = str(gen.generate(a.sf, formats=("csv",)) / "csv" / "lineitem.csv")
    size = os.path.getsize(path)
    print(common.describe_machine())
    print(f"versions: {common.versions(['flern', 'pandas', 'pyarrow', 'polars', 'duckdb'])}, commit {common.git_commit()}")
    print(f"file: {path} ({size / 1e6:.0f} MB)")
    load = common.MachineLoad()
    res = {}
    for s in a.systems.split(","):
        r = common.run_child([__file__, "--runs", str(a.runs), "--child", s, path], timeout=3600)
        res[s] = r
        print(f"  {s:15s} first {r['first']:.2f}s  runs {' '.join(f'{w:.2f}' for w in r['walls'])}  "
              f"rows {r['rows']}  peak {r['peak_rss_mib']:.0f} MiB", flush=True)
    rows_seen = {r["rows"] for r in res.values()}
    base = statistics.median(res["flern"]["walls"]) if "flern" in res else None
    table = []
    for s, r in res.items():
        med = statistics.median(r["walls"])
        cpu = statistics.median(r["cpus"])
        table.append([s, f"{med:.3f}", f"{size / 1e6 / med:.0f}", f"{size / 1e6 / cpu:.0f}",
                      f"{med / base:.2f}" if base else "-", f"{r['peak_rss_mib']:.0f}"])
    print()
    print(f"CSV ingest of lineitem SF {a.sf:g} ({size / 1e6:.0f} MB, {next(iter(rows_seen)) if len(rows_seen) == 1 else rows_seen} rows), "
          f"median of {a.runs} runs after a warm-up, each system in a fresh process")
    print(common.md_table(["system", "median s", "MB/s", "MB per CPU-s", "time / flern's", "peak RSS MiB"], table))
    if len(rows_seen) != 1:
        print(f"ROW COUNTS DIFFER: {rows_seen}")
    print(load.report())


if __name__ == "__main__":
    main()
