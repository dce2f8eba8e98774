"""db-benchmark (h2o) data with numpy: the groupby table G1_<N>_1e2_0_0 and the join tables
J1_<N>_NA_0_0 (x) with its small / medium / big right-hand sides, as parquet.

    python benchmarks/h2o/gen.py --n 1e7        # writes benchmarks/h2o/data/ (git-ignored)

Layouts follow db-benchmark's generators (groupby-datagen.R, join-datagen.R), reimplemented with
numpy (seeded, so every run writes the same data; not bit-identical to the R generator):

- groupby, K = 100: id1, id2 ("id001".."id100"), id3 ("id0000000001".., N/K values), id4, id5
  (ints 1..K), id6 (ints 1..N/K), v1 (1..5), v2 (1..15), v3 (uniform 0..100, 6 decimals).
- join: x has N rows: id1 (1..N/1e6), id2 (1..N/1e3), id3 (1..N) ints, id4..id6 the same as
  strings ("id" + value), v1 float; small (N/1e6 rows: id1, id4, v2), medium (N/1e3: id1, id2,
  id4, id5, v2), big (N: id1..id6, v2). About 90% of x's keys match (the R generator's share).
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent


def _ids(values: np.ndarray, width: int) -> pa.Array:
    """'id' + zero-padded value, as a large_string array (built from a small lookup table)."""
    uniq, inv = np.unique(values, return_inverse=True)
    table = np.array([f"id{v:0{width}d}" for v in uniq], dtype=object)
    return pa.array(table[inv], type=pa.large_string())


def _sid(values: np.ndarray) -> pa.Array:
    uniq, inv = np.unique(values, return_inverse=True)
    table = np.array([f"id{v}" for v in uniq], dtype=object)
    return pa.array(table[inv], type=pa.large_string())


def groupby_table(n: int, k: int = 100, seed: int = 108) -> pa.Table:
    rng = np.random.default_rng(seed)
    nk = max(n // k, 1)
    return pa.table({
        "id1": _ids(rng.integers(1, k + 1, n), 3),
        "id2": _ids(rng.integers(1, k + 1, n), 3),
        "id3": _ids(rng.integers(1, nk + 1, n), 10),
        "id4": rng.integers(1, k + 1, n),
        "id5": rng.integers(1, k + 1, n),
        "id6": rng.integers(1, nk + 1, n),
        "v1": rng.integers(1, 6, n),
        "v2": rng.integers(1, 16, n),
        "v3": np.round(rng.uniform(0, 100, n), 6),
    })


def join_tables(n: int, seed: int = 108) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    n1, n2 = max(n // 1_000_000, 1), max(n // 1_000, 1)

    def keys(m: int, size: int) -> np.ndarray:
        # ~90% of the draws hit keys 1..m that the right side has; the rest miss (m+1..1.1m)
        hit = rng.random(size) < 0.9
        return np.where(hit, rng.integers(1, m + 1, size), rng.integers(m + 1, int(m * 1.1) + 2, size))

    x1, x2, x3 = keys(n1, n), keys(n2, n), keys(n, n)
    x = pa.table({"id1": x1, "id2": x2, "id3": x3, "id4": _sid(x1), "id5": _sid(x2), "id6": _sid(x3),
                  "v1": np.round(rng.uniform(0, 100, n), 6)})

    def right(m: int, cols: list[str]) -> pa.Table:
        ids = {"id1": rng.permutation(np.arange(1, n1 + 1)) if m == n1 else rng.integers(1, n1 + 1, m),
               "id2": rng.permutation(np.arange(1, n2 + 1)) if m == n2 else rng.integers(1, n2 + 1, m),
               "id3": rng.permutation(np.arange(1, m + 1))}
        out = {}
        for c in cols:
            if c in ids:
                out[c] = ids[c]
            else:
                out[c] = _sid(ids[{"id4": "id1", "id5": "id2", "id6": "id3"}[c]])
        out["v2"] = np.round(rng.uniform(0, 100, m), 6)
        return pa.table(out)

    return {"x": x, "small": right(n1, ["id1", "id4"]), "medium": right(n2, ["id1", "id2", "id4", "id5"]),
            "big": right(n, ["id1", "id2", "id3", "id4", "id5", "id6"])}


def paths(n: int) -> dict[str, pathlib.Path]:
    d = HERE / "data"
    tag = f"{n:.0e}".replace("+0", "").replace("+", "")
    return {"groupby": d / f"G1_{tag}_1e2_0_0.parquet", "x": d / f"J1_{tag}_NA_0_0.parquet",
            "small": d / f"J1_{tag}_small.parquet", "medium": d / f"J1_{tag}_medium.parquet",
            "big": d / f"J1_{tag}_big.parquet"}


def generate(n: int, overwrite: bool = False) -> dict[str, pathlib.Path]:
    """Write the tables for ``n`` rows (kept if present); returns their paths."""
    p = paths(n)
    p["groupby"].parent.mkdir(parents=True, exist_ok=True)
    if overwrite or not p["groupby"].exists():
        pq.write_table(groupby_table(n), p["groupby"])
    if overwrite or not all(p[k].exists() for k in ("x", "small", "medium", "big")):
        for k, t in join_tables(n).items():
            pq.write_table(t, p[k])
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=float, default=1e7)
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args()
    for k, v in generate(int(a.n), a.overwrite).items():
        print(k, v)


if __name__ == "__main__":
    main()
