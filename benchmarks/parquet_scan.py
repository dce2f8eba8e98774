"""Parquet scan: files read into memory, flern vs pyarrow, polars and DuckDB.

    python benchmarks/tpch/gen.py --sf 1 --formats parquet    # lineitem.parquet (if not there)
    PYTHONPATH=python python benchmarks/parquet_scan.py --runs 5
    PYTHONPATH=python python benchmarks/parquet_scan.py --cases flights --systems flern,pyarrow

Cases (each the same file and the same columns for every system):

- ``lineitem``: TPC-H SF1 lineitem (``--sf``), all 16 columns;
- ``lineitem-q1``: the 7 columns TPC-H Q1 reads;
- ``flights``: benchmarks/data/flights-3m.parquet (3M rows; dictionary-encoded string columns
  origin/destination), all columns;
- ``cars``: benchmarks/data/cars-1000000.parquet, all columns.

Readers: flern ``read_parquet(path, columns=...)`` collected to an Arrow table inside the engine
(``_run()``: what a query sees, no pandas conversion), ``pyarrow.parquet.read_table``,
``polars.read_parquet`` and DuckDB ``CREATE TABLE t AS SELECT cols FROM read_parquet(...)``
(materialized in DuckDB's own format). Each system and case runs in its own fresh process (the
OS page cache is warm for all): one warm-up read, then ``--runs`` timed reads. Reported: the
median wall and CPU (user+sys of the process) seconds, MB/s of the compressed column chunks
read (from the footer) and million rows/s on the wall median, and the child's peak RSS
(getrusage ru_maxrss after resetting it post-import: the readers' working memory plus what
they keep), beside the output size (the Arrow size of pyarrow's table). Before timing a case,
flern's table is checked to equal pyarrow's, column by column (``--no-check`` skips it).
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

SYSTEMS = ("flern", "pyarrow", "polars", "duckdb")
Q1 = ["l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_shipdate"]


def cases(sf: float) -> dict[str, tuple[str, list[str] | None]]:
    """name -> (path, columns or None for all)."""
    li = str(HERE / "tpch" / "data" / f"sf{sf:g}" / "parquet" / "lineitem.parquet")
    return {
        "lineitem": (li, None),
        "lineitem-q1": (li, Q1),
        "flights": (str(HERE / "data" / "flights-3m.parquet"), None),
        "cars": (str(HERE / "data" / "cars-1000000.parquet"), None),
    }


def reader(system: str, path: str, cols: list[str] | None):
    """A function reading ``cols`` of ``path`` fully once with ``system`` (returns the row count)."""
    if system == "flern":
        import flern.pandas as fpd

        def run():
            return fpd.read_parquet(path, columns=cols)._run().num_rows
        return run
    if system == "pyarrow":
        import pyarrow.parquet as pq

        def run():
            return pq.read_table(path, columns=cols).num_rows
        return run
    if system == "polars":
        import polars as pl

        def run():
            return pl.read_parquet(path, columns=cols).height
        return run
    if system == "duckdb":
        import duckdb
        sel = "*" if cols is None else ", ".join(f'"{c}"' for c in cols)

        def run():
            con = duckdb.connect()
            con.execute(f"CREATE TABLE t AS SELECT {sel} FROM read_parquet('{path}')")
            n = con.execute("SELECT count(*) FROM t").fetchone()[0]
            con.close()
            return n
        return run
    raise ValueError(system)


def child(system: str, path: str, cols: list[str] | None, runs: int) -> None:
    """Runs in the fresh process: warm-up, ``runs`` timed reads, report."""
    fn = reader(system, path, cols)
    common.reset_peak_rss()
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


def check(path: str, cols: list[str] | None) -> None:
    """Runs in a fresh process: flern's table equals pyarrow's, column by column (strings
    compared as large_string, floats with NaN equal to NaN, nulls included)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import flern.pandas as fpd
    a = fpd.read_parquet(path, columns=cols)._run()
    b = pq.read_table(path, columns=cols)
    bad = []
    for name in b.column_names:
        x, y = a.column(name).combine_chunks(), b.column(name).combine_chunks()
        if pa.types.is_string(y.type) or pa.types.is_large_string(y.type):
            x, y = x.cast(pa.large_string()), y.cast(pa.large_string())
        if pa.types.is_floating(y.type):
            ok = np.array_equal(x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False), equal_nan=True)
        else:
            ok = x.null_count == y.null_count and x.cast(y.type).equals(y)
        if not ok:
            bad.append(name)
    common.child_report({"rows": a.num_rows, "rows_pyarrow": b.num_rows, "bad": bad})


def sizes(path: str, cols: list[str] | None) -> tuple[int, int]:
    """(compressed bytes of the column chunks read, Arrow bytes of the table)."""
    import pyarrow.parquet as pq
    md = pq.ParquetFile(path).metadata
    comp = 0
    for rg in range(md.num_row_groups):
        g = md.row_group(rg)
        for c in range(g.num_columns):
            cc = g.column(c)
            if cols is None or cc.path_in_schema in cols:
                comp += cc.total_compressed_size
    return comp, pq.read_table(path, columns=cols).nbytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--cases", default="lineitem,lineitem-q1,flights,cars")
    ap.add_argument("--no-check", action="store_true", help="skip comparing flern's table with pyarrow's")
    ap.add_argument("--child", nargs=3, metavar=("SYSTEM", "PATH", "COLS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        cols = None if a.child[2] == "*" else a.child[2].split(",")
        if a.child[0] == "check":
            check(a.child[1], cols)
        else:
            child(a.child[0], a.child[1], cols, a.runs)
        return
    print(common.describe_machine())
    print(f"versions: {common.versions(['flern', 'pyarrow', 'polars', 'duckdb'])}, commit {common.git_commit()}")
    print(f"load average before: {os.getloadavg()}")
    load = common.MachineLoad()
    all_cases = cases(a.sf)
    tables = []
    for name in a.cases.split(","):
        path, cols = all_cases[name]
        if not os.path.exists(path):
            print(f"{name}: {path} missing, skipped")
            continue
        comp, out = sizes(path, cols)
        if "flern" in a.systems.split(",") and not a.no_check:
            c = common.run_child([__file__, "--child", "check", path, "*" if cols is None else ",".join(cols)], timeout=3600)
            if c["bad"] or c["rows"] != c["rows_pyarrow"]:
                raise SystemExit(f"{name}: flern's table differs from pyarrow's: rows {c['rows']} vs "
                                 f"{c['rows_pyarrow']}, columns {c['bad']}")
            print(f"  {name:12s} flern's table equals pyarrow's ({c['rows']} rows)")
        res = {}
        for s in a.systems.split(","):
            r = common.run_child([__file__, "--runs", str(a.runs), "--child", s, path,
                                  "*" if cols is None else ",".join(cols)], timeout=3600)
            res[s] = r
            print(f"  {name:12s} {s:8s} first {r['first']:.3f}s  runs {' '.join(f'{w:.3f}' for w in r['walls'])}  "
                  f"cpu {' '.join(f'{c:.3f}' for c in r['cpus'])}  rows {r['rows']}  peak {r['peak_rss_mib']:.0f} MiB",
                  flush=True)
        rows = {r["rows"] for r in res.values()}
        base = statistics.median(res["flern"]["walls"]) if "flern" in res else None
        table = []
        for s, r in res.items():
            med, cpu = statistics.median(r["walls"]), statistics.median(r["cpus"])
            n = r["rows"]
            table.append([s, f"{med:.3f}", f"{cpu:.3f}", f"{comp / 1e6 / med:.0f}", f"{n / 1e6 / med:.1f}",
                          f"{med / base:.2f}" if base else "-", f"{r['peak_rss_mib']:.0f}"])
        head = (f"{name}: {os.path.basename(path)}, {'all' if cols is None else len(cols)} columns, "
                f"{next(iter(rows)) if len(rows) == 1 else rows} rows, {comp / 1e6:.0f} MB compressed read, "
                f"{out / 2**20:.0f} MiB as Arrow; median of {a.runs} runs after a warm-up, fresh process each")
        tab = common.md_table(["system", "wall s", "CPU s", "MB/s", "Mrows/s", "wall / flern's", "peak RSS MiB"], table)
        print()
        print(head)
        print(tab)
        print(flush=True)
        if len(rows) != 1:
            print(f"ROW COUNTS DIFFER: {rows}")
        tables.append((head, tab))
    print(load.report())
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
