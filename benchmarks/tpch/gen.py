"""Generate TPC-H tables offline with tpchgen-cli (pip install tpchgen-cli).

    python benchmarks/tpch/gen.py --sf 0.1            # CSV and parquet
    python benchmarks/tpch/gen.py --sf 1 --formats csv

Writes benchmarks/tpch/data/sf<N>/{csv,parquet}/<table>.<ext> (git-ignored).
Existing files are kept unless --overwrite is given.

The CSV files are tpchgen-cli's as written. The Parquet files are tpchgen-cli's Parquet
re-typed (pyarrow, one output row group per input row group, snappy, statistics kept) so that
every system reads the same values with the same types it gets from the CSV files:

- money and quantities (``decimal128(15, 2)``) become ``float64``: pandas would read a decimal
  as an object column of ``decimal.Decimal`` (which flern refuses with NotImplementedError),
  while polars and DuckDB keep exact decimals; float64 is what every system reads from the CSV;
- dates (``date32``, which pandas reads as an object column of ``datetime.date``) become
  ``timestamp[us]``, which pandas (and flern) read as ``datetime64[us]``, the dtype
  ``read_csv(parse_dates=...)`` gives; polars and DuckDB read it as a datetime;
- ``int32`` keys (``l_linenumber``) become ``int64`` and ``string_view`` becomes ``string``,
  as the CSV readers type them.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import tempfile

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
HERE = pathlib.Path(__file__).resolve().parent


def sf_name(sf: float) -> str:
    return f"sf{sf:g}"


def retype_schema(schema):
    """The schema ``retype_parquet`` writes: decimals -> float64, dates -> timestamp[us], ..."""
    import pyarrow as pa

    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_decimal(t):
            t = pa.float64()
        elif pa.types.is_date(t):
            t = pa.timestamp("us")
        elif pa.types.is_integer(t):
            t = pa.int64()
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or str(t) == "string_view":
            t = pa.string()
        fields.append(pa.field(f.name, t, f.nullable))
    return pa.schema(fields)


def retype_parquet(src: pathlib.Path, dst: pathlib.Path) -> None:
    """Rewrite tpchgen-cli's Parquet file ``src`` as ``dst`` with the types stated above."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(src)
    schema = retype_schema(f.schema_arrow)
    tmp = dst.with_name(dst.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as w:
        for i in range(f.metadata.num_row_groups):
            w.write_table(f.read_row_group(i).cast(schema), row_group_size=1 << 30)
    tmp.replace(dst)


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
        if fmt == "parquet":
            with tempfile.TemporaryDirectory(prefix="tpchgen-", dir=out) as raw:
                subprocess.run([exe, fmt, "-s", f"{sf:g}", "-o", raw, "--quiet"], check=True)
                for t in TABLES:
                    retype_parquet(pathlib.Path(raw) / f"{t}.parquet", d / f"{t}.parquet")
            continue
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
