"""Generate TPC-H tables offline with tpchgen-cli (pip install tpchgen-cli).

    python benchmarks/tpch/gen.py --sf 0.1            # CSV and parquet
    python benchmarks/tpch/gen.py --sf 1 --formats csv

Writes benchmarks/tpch/data/sf<N>/{csv,parquet}/<table>.<ext> (git-ignored).
Existing files are kept unless --overwrite is given.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
HERE = pathlib.Path(__file__).resolve().parent


def sf_name(sf: float) -> str:
    return f"sf{sf:g}"


def generate(sf: float, out: pathlib.Path | None = None, formats=("csv", "parquet"), overwrite=False) -> pathlib.Path:
    """Generate every table at scale factor ``sf`` under ``out`` (default data/sf<N>); returns it."""
    exe = shutil.which("tpchgen-cli")
    if exe is None:
        raise RuntimeError("tpchgen-cli not found: pip install tpchgen-cli")
    out = out or HERE / "data" / sf_name(sf)
    for fmt in formats:
        d = out / fmt
        if not overwrite and all((d / f"{t}.{fmt}").exists() for t in TABLES):
            continue
        d.mkdir(parents=True, exist_ok=True)
        cmd = [exe, fmt, "-s", f"{sf:g}", "-o", str(d), "--quiet"]
        if overwrite:
            cmd.append("--overwrite")
        subprocess.run(cmd, check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=0.1, help="scale factor (default 0.1)")
    ap.add_argument("--formats", default="csv,parquet", help="comma-separated: csv, parquet")
    ap.add_argument("--out", type=pathlib.Path, default=None)
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args()
    print(generate(a.sf, a.out, tuple(a.formats.split(",")), a.overwrite))


if __name__ == "__main__":
    main()
