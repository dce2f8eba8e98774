"""Side-by-side benchmark: a groupby and a join + aggregate, flern vs pandas (+ polars, DuckDB).

    PYTHONPATH=python python benchmarks/groupby_join.py            # 10M rows, 5 timed runs
    PYTHONPATH=python python benchmarks/groupby_join.py --rows 1000000 --runs 7

Workloads (data from numpy, fixed seed; the same pandas frames feed every engine):

- groupby: ``rows`` rows; ``key`` int64 with ``rows // 100`` distinct values (100k at 10M),
  ``x`` and ``y`` float64 normal. ``groupby("key").agg(x_sum=sum(x), y_mean=mean(y))``, sorted
  by key (pandas' default, so polars and DuckDB sort too).
- join: a fact frame of ``rows`` rows (``key`` int64 drawn from 1.1x the dimension's keys, so
  ~9% find no match; ``value`` float64) joined (inner) to a dimension frame of ``rows // 10``
  rows (unique shuffled ``key``, ``category`` int64 with 100 values, ``weight`` float64), then
  ``w = value * weight`` and ``groupby("category").agg(total=sum(w), n=count(value))``.

Method (BENCHMARKS.md): flern reads the pandas frames through ``flern.from_pandas`` and polars
through ``polars.from_pandas``; DuckDB scans the pandas frames in place. Those conversions are
timed on their own and not counted in the query times. Each engine runs once as warm-up (its
"first run": for flern that includes compiling the plan in a fresh process), then ``--runs``
rounds interleaved, and the table gives medians. Every engine's warm-up answer is checked against
pandas' (keys and counts exactly, floats with rtol=1e-9, atol=1e-8); a timing whose answer
differs is flagged and the script exits 1. Peak RSS and whole-process times come from a fresh
process per engine and workload (``resource.getrusage``), next to a data-only process.
The query result is materialized in each engine's own form: a pandas frame (pandas, and
flern's ``to_pandas()``, the drop-in path), a polars frame, an Arrow table (DuckDB).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import sys
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ENGINES = ("flern", "pandas", "polars", "duckdb")
WORKLOADS = ("groupby", "join")
SEED = 42
RTOL, ATOL = 1e-9, 1e-8


# ---- data -------------------------------------------------------------------------------------

def make_data(workload: str, rows: int, seed: int = SEED) -> dict[str, Any]:
    """The pandas input frames of one workload (the same for every call with the same rows)."""
    import pandas as pd
    rng = np.random.default_rng([seed, WORKLOADS.index(workload)])
    if workload == "groupby":
        n_keys = max(1, rows // 100)
        return {"gb": pd.DataFrame({"key": rng.integers(0, n_keys, rows, dtype=np.int64),
                                    "x": rng.standard_normal(rows), "y": rng.standard_normal(rows)})}
    n_dim = max(1, rows // 10)
    fact = pd.DataFrame({"key": rng.integers(0, n_dim + n_dim // 10, rows, dtype=np.int64),
                         "value": rng.standard_normal(rows)})
    dim = pd.DataFrame({"key": rng.permutation(n_dim).astype(np.int64),
                        "category": rng.integers(0, 100, n_dim, dtype=np.int64),
                        "weight": rng.random(n_dim)})
    return {"fact": fact, "dim": dim}


def data_bytes(data: dict[str, Any]) -> int:
    return int(sum(df.memory_usage(index=False).sum() for df in data.values()))


# ---- the queries, per engine ------------------------------------------------------------------

def pandas_like_groupby(gb: Any) -> Any:
    """pandas code; flern runs the very same code on flern frames."""
    return gb.groupby("key", as_index=False).agg(x_sum=("x", "sum"), y_mean=("y", "mean"))


def pandas_like_join(fact: Any, dim: Any) -> Any:
    m = fact.merge(dim, on="key")
    m["w"] = m["value"] * m["weight"]
    return m.groupby("category", as_index=False).agg(total=("w", "sum"), n=("value", "count"))


GROUPBY_SQL = "SELECT key, sum(x) AS x_sum, avg(y) AS y_mean FROM gb GROUP BY key ORDER BY key"
JOIN_SQL = ("SELECT category, sum(value * weight) AS total, count(value) AS n "
            "FROM fact JOIN dim USING (key) GROUP BY category ORDER BY category")


class Engine:
    """prepare(data) converts the pandas inputs (timed apart); query(workload) runs one query."""
    name = ""
    module = ""

    def threads(self) -> str:
        raise NotImplementedError

    def prepare(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def query(self, workload: str) -> Any:
        raise NotImplementedError

    def to_pandas(self, result: Any) -> Any:
        return result

    def release(self) -> None:
        """Drop the converted inputs."""
        self.d = {}


class PandasEngine(Engine):
    name = module = "pandas"

    def threads(self) -> str:
        return "1"

    def prepare(self, data: dict[str, Any]) -> None:
        self.d = data

    def query(self, workload: str) -> Any:
        if workload == "groupby":
            return pandas_like_groupby(self.d["gb"])
        return pandas_like_join(self.d["fact"], self.d["dim"])


class FlernEngine(PandasEngine):
    name = module = "flern"

    def threads(self) -> str:
        g = os.environ.get("GOMAXPROCS")
        return f"GOMAXPROCS={g}" if g else f"GOMAXPROCS unset ({os.cpu_count()})"

    def prepare(self, data: dict[str, Any]) -> None:
        import flern
        self.d = {k: flern.from_pandas(v) for k, v in data.items()}

    def query(self, workload: str) -> Any:
        return super().query(workload).to_pandas()


class PolarsEngine(Engine):
    name = module = "polars"

    def threads(self) -> str:
        import polars as pl
        return str(pl.thread_pool_size())

    def prepare(self, data: dict[str, Any]) -> None:
        import polars as pl
        self.d = {k: pl.from_pandas(v) for k, v in data.items()}

    def query(self, workload: str) -> Any:
        import polars as pl
        if workload == "groupby":
            return (self.d["gb"].group_by("key")
                    .agg(pl.col("x").sum().alias("x_sum"), pl.col("y").mean().alias("y_mean")).sort("key"))
        return (self.d["fact"].join(self.d["dim"], on="key")
                .with_columns((pl.col("value") * pl.col("weight")).alias("w"))
                .group_by("category")
                .agg(pl.col("w").sum().alias("total"), pl.col("value").count().alias("n"))
                .sort("category"))

    def to_pandas(self, result: Any) -> Any:
        return result.to_pandas()


class DuckDBEngine(Engine):
    name = module = "duckdb"

    def __init__(self) -> None:
        import duckdb
        self.con = duckdb.connect()

    def threads(self) -> str:
        return str(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])

    def prepare(self, data: dict[str, Any]) -> None:
        for k, v in data.items():
            self.con.register(k, v)  # scans the pandas frame in place

    def release(self) -> None:
        for k in [r[0] for r in self.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]:
            self.con.unregister(k)

    def query(self, workload: str) -> Any:
        return self.con.sql(GROUPBY_SQL if workload == "groupby" else JOIN_SQL).to_arrow_table()

    def to_pandas(self, result: Any) -> Any:
        return result.to_pandas()


ENGINE_CLASSES = {"flern": FlernEngine, "pandas": PandasEngine, "polars": PolarsEngine, "duckdb": DuckDBEngine}


# ---- answers ------------------------------------------------------------------------------------

def check(workload: str, got: Any, expected: Any) -> str | None:
    """None if ``got`` equals pandas' answer (sorted by key), else what differs."""
    key = "key" if workload == "groupby" else "category"
    exact = [key] if workload == "groupby" else [key, "n"]
    floats = ["x_sum", "y_mean"] if workload == "groupby" else ["total"]
    got = got.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    if list(got.columns) != list(expected.columns):
        return f"columns {list(got.columns)} != {list(expected.columns)}"
    if len(got) != len(expected):
        return f"{len(got)} rows != {len(expected)}"
    for c in exact:
        if not np.array_equal(got[c].to_numpy(np.int64), expected[c].to_numpy(np.int64)):
            return f"column {c} differs"
    for c in floats:
        a, b = got[c].to_numpy(np.float64), expected[c].to_numpy(np.float64)
        if not np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True):
            i = int(np.argmax(~np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)))
            return f"column {c} differs at row {i}: {a[i]!r} vs {b[i]!r}"
    return None


# ---- one engine in a fresh process (peak RSS, whole-process time) ------------------------------

def child_main(engine: str, workload: str, rows: int) -> None:
    import importlib
    t0 = time.perf_counter()
    import pandas  # noqa: F401  (every child makes its data with pandas)
    t_pd = time.perf_counter()
    data = make_data(workload, rows)
    t_data = time.perf_counter()
    values: dict[str, Any] = {"engine": engine, "workload": workload, "data_s": t_data - t_pd,
                              "process_peak_with_data_mib": common.peak_rss_mib()}
    gc.collect()
    # From here on the peak is the data (resident) plus what the engine needs; making the data
    # had a larger transient peak (numpy temporaries) that would hide the engine's own.
    values["peak_reset"] = common.reset_peak_rss()
    values["data_rss_mib"] = common.current_rss_mib()
    if engine != "none":
        t = time.perf_counter()
        importlib.import_module(ENGINE_CLASSES[engine].module)
        e = ENGINE_CLASSES[engine]()
        # pandas was imported first, for the data: its import time is that one
        values["import_s"] = time.perf_counter() - t if engine != "pandas" else t_pd - t0
        values["convert_s"] = common.timed(lambda: e.prepare(data))[0]
        values["first_run_s"] = common.timed(lambda: e.query(workload))[0]
    values["child_s"] = time.perf_counter() - t0
    common.child_report(values)


# ---- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000, help="rows of the groupby frame and the fact frame")
    p.add_argument("--runs", type=int, default=5, help="timed runs per engine after the warm-up (>= 5 to report)")
    p.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ",".join(ENGINES))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--no-rss", action="store_true", help="skip the per-engine processes (peak RSS)")
    p.add_argument("--child", nargs=2, metavar=("ENGINE", "WORKLOAD"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child_main(args.child[0], args.child[1], args.rows)
        return 0

    def say(*a: Any) -> None:
        print(*a, flush=True)

    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    engines = [e for e in wanted if e in ("flern", "pandas") or common.module_version(e) is not None]
    skipped = [e for e in wanted if e not in engines]
    if "pandas" not in engines:
        engines.append("pandas")  # the reference answer
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    import pandas as pd  # noqa: F401
    vers = common.versions(["flern", "numpy", "pandas", "pyarrow", "polars", "duckdb"])
    import flern
    libflern = os.environ.get("FLERN_LIBRARY") or os.path.join(os.path.dirname(flern.__file__), "libflern.so")
    m = common.machine()

    say(f"# groupby_join benchmark, {datetime.date.today().isoformat()}")
    say(f"machine: {common.describe_machine(m)}")
    say("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items() if v)
        + f"; libflern built with {common.go_version_of(libflern) or '?'} ({libflern}, sha256 "
        f"{common.sha256_prefix(libflern)}); commit {common.git_commit()}")
    say(f"command: {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    say(f"rows: {args.rows:,}; timed runs: {args.runs} after 1 warm-up; engines: {', '.join(engines)}"
        + (f" (not installed: {', '.join(skipped)})" if skipped else ""))
    say(f"env: {common.blas_env_note()}; load average at start: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    say()

    status = 0
    objs = {e: ENGINE_CLASSES[e]() for e in engines}
    threads = {e: objs[e].threads() for e in engines}
    for w in workloads:
        say(f"## {w}")
        t = time.perf_counter()
        data = make_data(w, args.rows)
        nbytes = data_bytes(data)
        say(f"data: {', '.join(f'{k} {len(v):,} rows' for k, v in data.items())}; "
            f"{nbytes / 2**20:.0f} MiB; generated in {time.perf_counter() - t:.1f} s")
        convert = {}
        for e in engines:
            convert[e] = common.timed(lambda e=e: objs[e].prepare(data))[0]
        load = common.MachineLoad()
        runs = common.interleave({e: (lambda e=e: objs[e].query(w)) for e in engines}, args.runs, log=say)
        load_note = load.report()
        expected = runs["pandas"].result
        wrong = {}
        for e in engines:
            problem = check(w, objs[e].to_pandas(runs[e].result), expected)
            if problem:
                wrong[e] = problem
                status = 1
        copy_s = common.copy_seconds(nbytes)
        fl = runs["flern"].median if "flern" in runs else None
        rows = []
        for e in engines:
            r = runs[e]
            ratio = f"{r.median / fl:.2f}" if fl else "-"
            rows.append([e, vers.get(e) or "?", threads[e], common.fmt_s(convert[e]), common.fmt_s(r.first),
                         common.fmt_s(r.median), f"{common.fmt_s(min(r.walls))}-{common.fmt_s(max(r.walls))}",
                         common.fmt_s(r.median_cpu), f"{r.cpu_per_wall:.2f}", ratio,
                         "WRONG: " + wrong[e] if e in wrong else "ok"])
        say()
        say(common.md_table(["engine", "version", "threads", "convert (s)", "first run (s)", "median (s)",
                             "min-max (s)", "median CPU (s)", "cpu/wall", "median / flern's", "answer"], rows))
        say(load_note)
        say(f"limit: a single-thread numpy copy of the {nbytes / 2**20:.0f} MiB input takes {copy_s:.3f} s")
        if fl:
            ratio = runs["pandas"].median / fl
            verdict = (f"flern is faster than pandas on {w}, by {(ratio - 1) * 100:.0f}%" if ratio > 1 else
                       f"flern is SLOWER than pandas on {w}: it takes {(1 / ratio - 1) * 100:.0f}% longer")
            say(f"pandas/flern = {ratio:.2f} ({verdict})")
            cpu_ratio = runs["pandas"].median_cpu / runs["flern"].median_cpu
            say(f"pandas/flern in CPU seconds = {cpu_ratio:.2f} (less sensitive to other load on the machine; "
                "a multi-threaded engine spends more CPU than wall time)")
        say()
        for e in engines:
            objs[e].release()
        del data, runs
    say(f"load average at the end of the timed runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    say()

    if not args.no_rss:
        say("## peak RSS and whole-process time (one fresh process per engine and workload)")
        say("Each process imports numpy and pandas, makes the workload's data, imports the engine, "
            "converts, and runs the query once (cold). 'data RSS' is the process's RSS once the data "
            "is made; 'peak' is the highest RSS after that (the peak was reset there, so the larger "
            "transient peak of making the data does not hide the engine's); 'engine extra' = peak - "
            "data RSS (importing the engine included). 'whole process' includes interpreter start, "
            "imports and making the data.")
        rows = []
        script = os.path.abspath(__file__)
        for w in workloads:
            for e in ["none"] + engines:
                r = common.run_child([script, "--rows", str(args.rows), "--child", e, w])
                peak, data_rss = r["peak_rss_mib"], r.get("data_rss_mib")
                reset = r.get("peak_reset") and data_rss is not None
                rows.append([w, e if e != "none" else "(data only)", common.fmt_s(r.get("import_s")),
                             common.fmt_s(r.get("convert_s")), common.fmt_s(r.get("first_run_s")),
                             common.fmt_s(r["process_s"]), f"{data_rss:.0f}" if data_rss else "-",
                             f"{peak:.0f}" + ("" if reset else " (not reset)"),
                             f"{peak - data_rss:+.0f}" if reset and e != "none" else "-"])
        say(common.md_table(["workload", "engine", "import (s)", "convert (s)", "cold run (s)",
                             "whole process (s)", "data RSS (MiB)", "peak (MiB)", "engine extra (MiB)"], rows))
    return status


if __name__ == "__main__":
    sys.exit(main())
