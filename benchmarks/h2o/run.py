"""db-benchmark (h2o): groupby questions q1-q10 and join questions q1-q5, flern vs pandas, polars, DuckDB.

    python benchmarks/h2o/gen.py --n 1e7                         # once: numpy-generated parquet
    PYTHONPATH=python python benchmarks/h2o/run.py --n 1e7 --runs 2

As db-benchmark does, each system first loads the tables into memory (untimed: pandas and polars
DataFrames, flern frames over the Arrow tables (zero-copy), DuckDB in-memory tables), then every
question runs once as a warm-up ("first": flern's includes plan compilation), then --runs timed
times; the median is reported.
Every system materializes the whole answer in its own memory (flern: the engine's Arrow
result; pandas/polars: a DataFrame; DuckDB: a table) and computes the checksum natively.
Each (system, task) runs in a fresh process; its peak RSS (ru_maxrss, data included) is
reported per task. Answers are checked as db-benchmark does, by a checksum: the row count and
the sum of every measure column (rtol 1e-6), against pandas'. A question flern cannot express
yet is skipped with a printed note (the NotImplementedError it raises), never faked.
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

SYSTEMS = ("flern", "pandas", "polars", "duckdb")
GROUPBY = [f"q{i}" for i in range(1, 11)]
JOIN = [f"q{i}" for i in range(1, 6)]

# ---- the questions ------------------------------------------------------------------------------
# Each is a function of the loaded tables returning a pandas DataFrame (or, for DuckDB, SQL text).


def pandas_like_groupby(pd, x):
    """The groupby questions for pandas and flern.pandas (``x`` the frame)."""
    def q8():
        s = x[["id6", "v3"]].sort_values("v3", ascending=False)
        return s.groupby("id6").head(2)

    def q9():
        if pd.__name__ != "pandas":
            raise NotImplementedError("q9 (r^2 of v1 ~ v2 per id2, id4) needs a per-group correlation")
        r = x.groupby(["id2", "id4"])[["v1", "v2"]].corr().xs("v1", level=2)["v2"] ** 2
        return r.rename("r2").reset_index()

    return {
        "q1": lambda: x.groupby("id1", as_index=False).agg(v1=("v1", "sum")),
        "q2": lambda: x.groupby(["id1", "id2"], as_index=False).agg(v1=("v1", "sum")),
        "q3": lambda: x.groupby("id3", as_index=False).agg(v1=("v1", "sum"), v3=("v3", "mean")),
        "q4": lambda: x.groupby("id4", as_index=False).agg(v1=("v1", "mean"), v2=("v2", "mean"), v3=("v3", "mean")),
        "q5": lambda: x.groupby("id6", as_index=False).agg(v1=("v1", "sum"), v2=("v2", "sum"), v3=("v3", "sum")),
        "q6": lambda: x.groupby(["id4", "id5"], as_index=False).agg(median_v3=("v3", "median"), sd_v3=("v3", "std")),
        "q7": lambda: (lambda g: g.assign(range_v1_v2=g["v1"] - g["v2"])[["id3", "range_v1_v2"]])(
            x.groupby("id3", as_index=False).agg(v1=("v1", "max"), v2=("v2", "min"))),
        "q8": q8,
        "q9": q9,
        "q10": lambda: x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"], as_index=False).agg(
            v3=("v3", "sum"), count=("v1", "size")),
    }


def pandas_like_join(pd, t):
    x, small, medium, big = t["x"], t["small"], t["medium"], t["big"]
    return {
        "q1": lambda: x.merge(small, on="id1"),
        "q2": lambda: x.merge(medium, on="id2"),
        "q3": lambda: x.merge(medium, on="id2", how="left"),
        "q4": lambda: x.merge(medium, on="id5"),
        "q5": lambda: x.merge(big, on="id3"),
    }


def polars_groupby(pl, x):
    c = pl.col
    return {
        "q1": lambda: x.group_by("id1").agg(c("v1").sum()),
        "q2": lambda: x.group_by("id1", "id2").agg(c("v1").sum()),
        "q3": lambda: x.group_by("id3").agg(c("v1").sum(), c("v3").mean()),
        "q4": lambda: x.group_by("id4").agg(c("v1").mean(), c("v2").mean(), c("v3").mean()),
        "q5": lambda: x.group_by("id6").agg(c("v1").sum(), c("v2").sum(), c("v3").sum()),
        "q6": lambda: x.group_by("id4", "id5").agg(median_v3=c("v3").median(), sd_v3=c("v3").std()),
        "q7": lambda: x.group_by("id3").agg(range_v1_v2=c("v1").max() - c("v2").min()),
        "q8": lambda: x.drop_nulls("v3").group_by("id6").agg(c("v3").top_k(2)).explode("v3"),
        "q9": lambda: x.group_by("id2", "id4").agg(r2=pl.corr("v1", "v2") ** 2),
        "q10": lambda: x.group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(v3=c("v3").sum(), count=pl.len()),
    }


def polars_join(pl, t):
    x, small, medium, big = t["x"], t["small"], t["medium"], t["big"]
    return {
        "q1": lambda: x.join(small, on="id1"),
        "q2": lambda: x.join(medium, on="id2"),
        "q3": lambda: x.join(medium, on="id2", how="left"),
        "q4": lambda: x.join(medium, on="id5"),
        "q5": lambda: x.join(big, on="id3"),
    }


DUCKDB_GROUPBY = {
    "q1": "select id1, sum(v1) as v1 from x group by id1",
    "q2": "select id1, id2, sum(v1) as v1 from x group by id1, id2",
    "q3": "select id3, sum(v1) as v1, avg(v3) as v3 from x group by id3",
    "q4": "select id4, avg(v1) as v1, avg(v2) as v2, avg(v3) as v3 from x group by id4",
    "q5": "select id6, sum(v1) as v1, sum(v2) as v2, sum(v3) as v3 from x group by id6",
    "q6": "select id4, id5, quantile_cont(v3, 0.5) as median_v3, stddev(v3) as sd_v3 from x group by id4, id5",
    "q7": "select id3, max(v1) - min(v2) as range_v1_v2 from x group by id3",
    "q8": ("select id6, v3 from (select id6, v3, row_number() over (partition by id6 order by v3 desc) as r "
           "from x where v3 is not null) where r <= 2"),
    "q9": "select id2, id4, pow(corr(v1, v2), 2) as r2 from x group by id2, id4",
    "q10": ("select id1, id2, id3, id4, id5, id6, sum(v3) as v3, count(*) as count from x "
            "group by id1, id2, id3, id4, id5, id6"),
}

DUCKDB_JOIN = {
    "q1": "select x.*, small.id4 as id4_r, small.v2 from x join small using (id1)",
    "q2": "select x.*, medium.id1 as id1_r, medium.id4 as id4_r, medium.id5 as id5_r, medium.v2 from x join medium using (id2)",
    "q3": "select x.*, medium.id1 as id1_r, medium.id4 as id4_r, medium.id5 as id5_r, medium.v2 from x left join medium using (id2)",
    "q4": "select x.*, medium.id1 as id1_r, medium.id2 as id2_r, medium.id4 as id4_r, medium.v2 from x join medium using (id5)",
    "q5": ("select x.*, big.id1 as id1_r, big.id2 as id2_r, big.id4 as id4_r, big.id5 as id5_r, big.id6 as id6_r, big.v2 "
           "from x join big using (id3)"),
}

MEASURES = {"groupby": ["v1", "v2", "v3", "median_v3", "sd_v3", "range_v1_v2", "r2", "count"], "join": ["v1", "v2"]}


def checksum(task: str, df) -> list[float]:
    """db-benchmark's check: row count and the sum of each measure column present."""
    out = [float(len(df))]
    for m in MEASURES[task]:
        if m in df.columns:
            out.append(float(df[m].astype("float64").sum()))
    return out


def load(system: str, task: str, n: int):
    """The tables in ``system``'s memory, and {question: run-once function returning a checksum}."""
    import pyarrow.parquet as pq
    p = gen.paths(n)
    names = ["groupby"] if task == "groupby" else ["x", "small", "medium", "big"]
    arrow = {k: pq.read_table(p[k]) for k in names}
    if system == "duckdb":
        import duckdb
        con = duckdb.connect()
        for k, t in arrow.items():
            con.register("t_arrow", t)
            con.execute(f"create table {'x' if k == 'groupby' else k} as select * from t_arrow")
            con.unregister("t_arrow")
        del arrow
        sqls = DUCKDB_GROUPBY if task == "groupby" else DUCKDB_JOIN

        def run_sql(sql):
            con.execute(f"create or replace table ans as {sql}")
            cols = [r[0] for r in con.execute("describe ans").fetchall()]
            # NaN skipped as pandas' sum skips it (corr of a constant group is NaN)
            aggs = ["count(*)"] + [f"sum(case when isnan({m}::double) then null else {m}::double end)"
                                   for m in MEASURES[task] if m in cols]
            r = con.execute(f"select {', '.join(aggs)} from ans").fetchone()
            con.execute("drop table ans")
            return [float(v) if v is not None else 0.0 for v in r]
        return {q: (lambda s=s: run_sql(s)) for q, s in sqls.items()}
    if system == "polars":
        import polars as pl
        t = {k: pl.from_arrow(v) for k, v in arrow.items()}
        del arrow
        qs = polars_groupby(pl, t["groupby"]) if task == "groupby" else polars_join(pl, t)
        def run_polars(f):
            r = f()  # materialized in polars' memory; checksum in polars
            return [float(r.height)] + [float(r[m].cast(pl.Float64).fill_nan(None).sum() or 0.0)
                                        for m in MEASURES[task] if m in r.columns]
        return {q: (lambda f=f: run_polars(f)) for q, f in qs.items()}
    if system == "pandas":
        import pandas as pd
        t = {k: v.to_pandas() for k, v in arrow.items()}
        del arrow
        qs = pandas_like_groupby(pd, t["groupby"]) if task == "groupby" else pandas_like_join(pd, t)
        return {q: (lambda f=f: checksum(task, f())) for q, f in qs.items()}
    import flern
    import flern.pandas as fpd
    t = {k: flern.from_arrow(v) for k, v in arrow.items()}
    qs = pandas_like_groupby(fpd, t["groupby"]) if task == "groupby" else pandas_like_join(fpd, t)

    import pyarrow.compute as pc

    def run_flern(f):
        t = f()._run()  # the whole answer materialized (an Arrow table from the engine); checksum in pyarrow
        out = [float(t.num_rows)]
        for m in MEASURES[task]:
            if m in t.column_names:
                c = pc.cast(t.column(m), "float64")
                out.append(float(pc.sum(pc.if_else(pc.is_nan(c), None, c)).as_py() or 0.0))
        return out
    return {q: (lambda f=f: run_flern(f)) for q, f in qs.items()}


def child(system: str, task: str, n: int, runs: int) -> None:
    qs = load(system, task, n)
    out = {}
    for q, fn in qs.items():
        try:
            t0 = time.perf_counter()
            chk = fn()
            first = time.perf_counter() - t0
            walls = []
            for _ in range(runs):
                wall, _, _ = common.timed(fn)
                walls.append(wall)
            out[q] = {"first": first, "walls": walls, "chk": chk}
        except NotImplementedError as e:
            out[q] = {"error": f"NotImplementedError: {str(e).splitlines()[0]}"}
        except Exception as e:  # reported, not hidden; the other questions still run
            out[q] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]}
    common.child_report({"questions": out})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=float, default=1e7)
    ap.add_argument("--runs", type=int, default=2, help="timed runs per question, after a first (warm-up) run")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--tasks", default="groupby,join")
    ap.add_argument("--child", nargs=2, metavar=("SYSTEM", "TASK"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    n = int(a.n)
    if a.child:
        child(a.child[0], a.child[1], n, a.runs)
        return
    gen.generate(n)
    systems = a.systems.split(",")
    print(common.describe_machine())
    print(f"versions: {common.versions(['flern', 'pandas', 'numpy', 'pyarrow', 'polars', 'duckdb'])}, "
          f"commit {common.git_commit()}")
    load_ = common.MachineLoad()
    for task in a.tasks.split(","):
        res = {}
        for s in systems:
            try:
                res[s] = common.run_child([__file__, "--n", str(n), "--runs", str(a.runs), "--child", s, task],
                                          timeout=3600)
            except Exception as e:
                res[s] = {"error": str(e).strip().splitlines()[-1][:200]}
            print(f"  {task} {s}: done ({res[s].get('peak_rss_mib', 0):.0f} MiB peak)", flush=True)
        questions = GROUPBY if task == "groupby" else JOIN
        rows, notes = [], []
        ratios = {p: [] for p in systems if p != "flern"} if "flern" in systems else {}
        for q in questions:
            ref = res.get("pandas", {}).get("questions", {}).get(q, {}).get("chk")
            row = [q]
            med = {}
            for s in systems:
                r = res[s].get("questions", {}).get(q) if "questions" in res[s] else {"error": res[s].get("error")}
                if r is None or "error" in r:
                    notes.append(f"- {task} {q} {s}: skipped: {r.get('error') if r else 'not run'}")
                    row.append("-")
                    continue
                ok = ref is None or s == "pandas" or (len(r["chk"]) == len(ref) and all(
                    math.isclose(u, v, rel_tol=1e-6, abs_tol=1e-6) for u, v in zip(r["chk"], ref)))
                if not ok:
                    notes.append(f"- {task} {q} {s}: checksum {r['chk']} differs from pandas' {ref}")
                    row.append("WRONG")
                    continue
                med[s] = statistics.median(r["walls"])
                row.append(f"{med[s]:.3f}")
            for p in ratios:
                if "flern" in med and p in med:
                    ratios[p].append(med[p] / med["flern"])
                    row.append(f"{med[p] / med['flern']:.2f}")
                elif "flern" in systems:
                    row.append("-")
            rows.append(row)
        print()
        print(f"h2o {task}, {n:.0e} rows, median of {a.runs} runs after a warm-up (s); data in memory before timing")
        print(common.md_table(["question"] + systems + [f"{p}/flern" for p in ratios], rows))
        for p, xs in ratios.items():
            if xs:
                print(f"geomean {p}/flern over {len(xs)} questions: {math.exp(sum(map(math.log, xs)) / len(xs)):.2f}")
        print("peak RSS (MiB, whole process, data included): " +
              ", ".join(f"{s} {res[s].get('peak_rss_mib', float('nan')):.0f}" for s in systems))
        for line in notes:
            print(line)
    print(load_.report())


if __name__ == "__main__":
    main()
