"""Bad input (issue 3): corrupt or truncated Parquet / CSV / Arrow IPC files, unsupported multi-file reads
and type errors inside a query. Each must raise a flern error that names the problem and the user's line
(the call that recorded the failing op), return nothing partial, and leave the process working."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pandas as pd
import pytest

import flern
import flern.pandas as fpd
from flern.errors import FlernError

HERE = os.path.basename(__file__)


def _line() -> int:
    """The line after the caller's line (where the failing call is written)."""
    return inspect.currentframe().f_back.f_lineno + 1


def _check(err: pytest.ExceptionInfo, line: int, *words: str) -> None:
    e = err.value
    assert isinstance(e, FlernError), type(e)
    text = str(e)
    assert f"{HERE}:{line}" in text, text
    for w in words:
        assert w in text, (w, text)


def _still_works() -> None:
    """The process survives: a fresh plan still runs after the error."""
    df = fpd.from_pandas(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "é"]}))
    got = df[df["a"] > 1].to_pandas()
    assert got["b"].tolist() == ["y", "é"]


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 20_000
    return pd.DataFrame({"i": rng.integers(0, 1000, n), "f": rng.normal(size=n),
                         "s": pd.Series(rng.choice(["a", "bé", "日本"], n), dtype="str")})


# ---- Parquet -------------------------------------------------------------------------------

def _corrupt_middle(data: bytes, frac: float = 0.4, size: int = 64) -> bytes:
    at = int(len(data) * frac)
    junk = bytes((i * 151 + 7) % 256 for i in range(size))
    return data[:at] + junk + data[at + size:]


@pytest.mark.parametrize("how", ["truncated", "footer garbage", "empty", "not parquet"])
def test_parquet_corrupt_file(tmp_path, frame, how):
    p = tmp_path / "t.parquet"
    frame.to_parquet(p)
    data = p.read_bytes()
    bad = {"truncated": data[: len(data) // 2], "footer garbage": data[:-40] + b"\x00" * 36 + b"PAR1",
           "empty": b"", "not parquet": b"i,f\n1,2\n"}[how]
    p.write_bytes(bad)
    with pytest.raises(FlernError) as err:
        line = _line()
        fpd.read_parquet(p).to_pandas()
    _check(err, line, str(p))
    assert err.value.kind in ("Parse", "IO"), err.value.kind
    _still_works()


def _differential(read_flern, read_pandas, line: int) -> None:
    """Corrupt data pages: Parquet and Arrow IPC have no mandatory checksums, so damage inside
    compressed values can go unnoticed by any reader. flern must never return where pyarrow
    raises, and what it returns must be what pyarrow returns; when it raises, the error names
    the user's line."""
    try:
        exp = read_pandas()
    except Exception:
        exp = None
    try:
        got = read_flern()
    except FlernError as e:
        assert f"{HERE}:{line}" in str(e), str(e)
        return
    assert exp is not None, "flern returned data where pyarrow raised"
    pd.testing.assert_frame_equal(got, exp, check_exact=True)


@pytest.mark.parametrize("frac", [0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("compression", ["zstd", "snappy", "gzip", None])
def test_parquet_corrupt_pages(tmp_path, frame, compression, frac):
    p = tmp_path / "t.parquet"
    frame.to_parquet(p, compression=compression, row_group_size=5000)
    p.write_bytes(_corrupt_middle(p.read_bytes(), frac))
    line = _line()
    _differential(lambda: fpd.read_parquet(p).to_pandas(), lambda: pd.read_parquet(p), line)
    _still_works()


def test_parquet_directory_or_list_is_not_implemented(tmp_path, frame):
    d = tmp_path / "ds"
    d.mkdir()
    frame.iloc[:10].to_parquet(d / "a.parquet")
    frame.iloc[10:20].astype({"i": "float64"}).to_parquet(d / "b.parquet")
    with pytest.raises(NotImplementedError, match="directory"):
        fpd.read_parquet(d)
    with pytest.raises(NotImplementedError, match="file object|path"):
        fpd.read_parquet([d / "a.parquet", d / "b.parquet"])
    _still_works()


# ---- CSV -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words, pandas_exc", [
    ('a,b\n1,"x\n2,y\n', ["EOF inside string"], "ParserError"),
    ("a,b\n1,2\n3,4,5\n", ["Expected 2 fields in line 3, saw 3"], "ParserError"),
    (b"a,b\n1,\xff\xfe\n", ["utf-8", "line"], "UnicodeDecodeError"),
])
def test_csv_malformed(tmp_csv, text, words, pandas_exc):
    p = tmp_csv(text)
    with pytest.raises(Exception) as perr:
        pd.read_csv(p)
    assert type(perr.value).__name__ == pandas_exc
    with pytest.raises(FlernError) as err:
        line = _line()
        fpd.read_csv(p).to_pandas()
    _check(err, line, *words)
    assert isinstance(err.value, ValueError)  # pandas' errors are ValueErrors too
    _still_works()


def test_csv_truncated_inside_quotes(tmp_path, frame):
    p = tmp_path / "t.csv"
    frame.assign(q='say "hi", twice').to_csv(p, index=False)
    data = p.read_bytes()
    cut = data.rindex(b'"hi""', 0, len(data) // 2) + 1  # ends inside the quoted field
    p.write_bytes(data[:cut])
    with pytest.raises(pd.errors.ParserError, match="EOF inside string"):
        pd.read_csv(p)
    with pytest.raises(FlernError) as err:
        line = _line()
        fpd.read_csv(p).to_pandas()
    _check(err, line, "EOF inside string")
    _still_works()


def test_csv_deleted_after_planning(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("a,b\n1,x\n2,y\n")
    line = _line()
    df = fpd.read_csv(p)
    assert list(df.dtypes.astype(str)) == ["int64", "str"]
    p.unlink()
    with pytest.raises(FileNotFoundError) as err:
        df["a"].sum()
    _check(err, line, "No such file", str(p))
    _still_works()


# ---- Arrow IPC -----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["truncated", "tail cut", "garbage", "empty", "csv text"])
def test_ipc_corrupt_file(tmp_path, frame, how):
    p = tmp_path / "t.feather"
    frame.to_feather(p, compression="uncompressed")
    data = p.read_bytes()
    bad = {"truncated": data[: len(data) // 2], "tail cut": data[:-5], "garbage": b"ARROW1\x00\x00" + bytes(range(256)) * 4,
           "empty": b"", "csv text": b"a,b\n1,2\n"}[how]
    p.write_bytes(bad)
    with pytest.raises(FlernError) as err:
        line = _line()
        fpd.read_feather(p).to_pandas()
    _check(err, line, str(p))
    assert err.value.kind == "Parse"
    _still_works()


@pytest.mark.parametrize("frac", [0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("compression", ["lz4", "zstd", "uncompressed"])
def test_ipc_corrupt_body(tmp_path, frame, compression, frac):
    p = tmp_path / "t.feather"
    frame.to_feather(p, compression=compression, chunksize=4000)
    p.write_bytes(_corrupt_middle(p.read_bytes(), frac, 256))
    line = _line()
    _differential(lambda: fpd.read_feather(p).to_pandas(), lambda: pd.read_feather(p), line)
    _still_works()


# ---- type errors inside a query ------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda df: df["s"] + 1,
    lambda df: df[df["s"] > 1],
    lambda df: df.assign(x=df["s"] * df["f"]),
])
def test_type_error_in_query(tmp_path, frame, make):
    p = tmp_path / "t.feather"
    frame.to_feather(p)
    df = fpd.read_feather(p)
    with pytest.raises(TypeError) as err:
        line = _line()
        make(df).to_pandas()
    assert isinstance(err.value, FlernError)
    assert f"{HERE}:" in str(err.value) and "str" in str(err.value)
    _still_works()


def test_errors_do_not_leak_between_plans(tmp_path, frame):
    good = tmp_path / "g.parquet"
    bad = tmp_path / "b.parquet"
    frame.to_parquet(good)
    bad.write_bytes(good.read_bytes()[:100])
    for _ in range(3):
        with pytest.raises(FlernError):
            fpd.read_parquet(bad)
        got = fpd.read_parquet(good)["i"].sum()
        assert got == frame["i"].sum()


# ---- files changed between planning and running; errors inside multi-table queries ---------

def test_parquet_schema_changed_after_planning(tmp_path, frame):
    """The plan was typed from the file as it was; a file now holding another type is an error, not data."""
    p = tmp_path / "t.parquet"
    frame.to_parquet(p)
    df = fpd.read_parquet(p)
    line = _line()
    q = df[df["i"] > 10]
    frame.assign(i=frame["s"]).to_parquet(p)  # i: int64 -> str
    with pytest.raises(FlernError) as err:
        q.to_pandas()
    _check(err, line, "str")
    _still_works()


def test_csv_schema_changed_after_planning(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("a,b\n1,x\n2,y\n")
    df = fpd.read_csv(p)
    line = _line()
    q = df[df["a"] > 0]
    p.write_text("a,b\n1,x\nnot a number,y\n3,z\n")  # a: int64 -> str
    with pytest.raises(FlernError) as err:
        q.to_pandas()
    _check(err, line, "str")
    _still_works()


def test_corrupt_parquet_inside_a_join_chain(tmp_path, frame):
    """A corrupt table among several joined ones: the error names that file and its read_parquet line."""
    paths = {}
    for name, cols in {"a": ["i", "f"], "b": ["i", "s"], "c": ["i"]}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame[cols].rename(columns={c: f"{name}_{c}" for c in cols}).iloc[: 100 * len(cols)].to_parquet(paths[name])
    a = fpd.read_parquet(paths["a"])
    b = fpd.read_parquet(paths["b"])
    line = _line()
    c = fpd.read_parquet(paths["c"])
    paths["c"].write_bytes(paths["c"].read_bytes()[:-20])
    j = a.merge(b, left_on="a_i", right_on="b_i").merge(c, left_on="b_i", right_on="c_i")
    with pytest.raises(FlernError) as err:
        j.groupby("b_s", as_index=False).agg(n=("a_f", "size")).to_pandas()
    _check(err, line, str(paths["c"]))
    _still_works()


def test_merge_key_type_mismatch(tmp_path, frame):
    """Joining an int key to a str key fails like pandas (ValueError), at the merge's line."""
    p = tmp_path / "t.parquet"
    frame.to_parquet(p)
    df = fpd.read_parquet(p)
    with pytest.raises(ValueError, match="merge on int64 and str"):
        frame.merge(frame, left_on="i", right_on="s")
    with pytest.raises(ValueError) as err:
        line = _line()
        df.merge(df, left_on="i", right_on="s").to_pandas()
    _check(err, line, "int64", "str")
    _still_works()
