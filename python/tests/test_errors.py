"""Bad input gets a clear flern error naming the user's line; the process survives."""

from __future__ import annotations

import multiprocessing as mp
import os
import select
import sys

import pandas as pd
import pytest

import flern
from flern import errors
from flern._graph import Node


def _line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return i
    raise AssertionError(marker)


def test_unknown_column_names_the_users_line():
    df = flern.from_dict({"a": [1, 2, 3]})
    x = df["a"] + 1
    df["b"] = df["nope"] * 2  # MARK-unknown-col
    with pytest.raises(errors.ColumnNotFoundError) as ei:
        df.to_pandas()
    e = ei.value
    assert "nope" in str(e)
    assert e.loc.endswith(f"test_errors.py:{_line_of('MARK-unknown-col')}")
    assert f"test_errors.py:{_line_of('MARK-unknown-col')}" in str(e)
    assert isinstance(e, KeyError)  # pandas raises KeyError here
    assert x.tolist() == [2, 3, 4]  # the process and library keep working


def test_string_plus_int_is_a_type_error():
    df = flern.from_dict({"s": ["a", "b"], "i": [1, 2]})
    bad = df.assign(t=df["s"] + df["i"])  # MARK-str-int
    with pytest.raises(errors.FlernTypeError) as ei:
        bad.to_pandas()
    assert isinstance(ei.value, TypeError)
    assert "str" in str(ei.value) and "int64" in str(ei.value)
    assert ei.value.loc.endswith(f":{_line_of('MARK-str-int')}")


def test_merge_on_mismatched_key_types():
    left = flern.from_dict({"k": [1, 2], "v": [1.0, 2.0]})
    right = flern.from_dict({"k": ["1", "2"], "w": [3, 4]})
    m = left.merge(right, on="k")  # MARK-merge
    with pytest.raises(errors.FlernValueError) as ei:  # pandas raises ValueError here
        m.to_pandas()
    assert "merge" in str(ei.value).lower() or "k" in str(ei.value)
    assert ei.value.loc.endswith(f":{_line_of('MARK-merge')}")


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        flern.read_csv("/definitely/not/here.csv")


@pytest.mark.parametrize("text, needle", [
    ("a,b\n1,2\n3,4,5\n", "line 3"),            # ragged row
    ('a,b\n1,"unterminated\n', "eof inside string"),  # bad quoting
])
def test_malformed_csv(tmp_csv, text, needle):
    df = flern.read_csv(tmp_csv(text))  # MARK-csv
    with pytest.raises(errors.ParseError) as ei:
        df.to_pandas()
    assert needle in str(ei.value).lower()
    assert ei.value.loc.endswith(f":{_line_of('MARK-csv')}")


def test_invalid_utf8_csv(tmp_csv):
    df = flern.read_csv(tmp_csv(b"a,b\n1,\xff\xfe\n"))
    with pytest.raises(errors.ParseError) as ei:
        df.to_pandas()
    assert "utf-8" in str(ei.value).lower()


def test_text_in_int_column(tmp_csv):
    df = flern.read_csv(tmp_csv("a,b\n1,2\nx,3\n"), dtype={"a": "int64"})
    with pytest.raises(errors.FlernValueError) as ei:
        df.to_pandas()
    assert "x" in str(ei.value)


def test_go_panic_becomes_exception_and_process_lives():
    from flern.frame import DataFrame
    boom = DataFrame._from_node(Node("test_panic"))
    with pytest.raises(errors.InternalError) as ei:
        boom.to_pandas()
    assert "panic" in str(ei.value).lower() or "internal error" in str(ei.value).lower()
    # still alive and working
    assert len(flern.from_dict({"a": [1, 2, 3]})) == 3


def _child_uses_flern(df, w):
    try:
        len(df)
        msg = "no error"
    except errors.ForkError:
        msg = "ForkError"
    except BaseException as e:  # noqa: BLE001 - report anything unexpected
        msg = repr(e)
    os.write(w, msg.encode())
    os._exit(0)


@pytest.mark.skipif(sys.platform != "linux", reason="fork semantics tested on Linux")
def test_forked_child_gets_clear_error_not_a_hang():
    df = flern.from_dict({"a": [1, 2, 3]})
    assert len(df) == 3  # the Go runtime is now running in this process
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child_uses_flern(df, w)
    os.close(w)
    ready, _, _ = select.select([r], [], [], 60)
    assert ready, "forked child hung"
    msg = os.read(r, 1000).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert msg == "ForkError"
    assert len(df) == 3  # parent unaffected


def _spawned_len(q):
    import flern as f
    q.put(len(f.from_dict({"a": [1, 2, 3, 4]})))


def test_spawn_children_work():
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_spawned_len, args=(q,))
    p.start()
    p.join(120)
    assert p.exitcode == 0
    assert q.get(timeout=5) == 4


def test_unsupported_pandas_api_raises_not_implemented():
    import flern.pandas as fpd
    with pytest.raises(NotImplementedError, match="pandas.pivot_table"):
        fpd.pivot_table
    df = fpd.DataFrame({"a": [1, 2]})
    with pytest.raises(NotImplementedError, match="DataFrame.pivot"):
        df.pivot(columns="a")
    with pytest.raises(NotImplementedError):
        df["a"].apply(lambda x: x)


EXIT_SCRIPT = r"""
import atexit, gc, sys
import numpy as np, pandas as pd
import flern
from flern import _native
df = flern.from_pandas(pd.DataFrame({"a": np.arange(50_000), "b": np.random.default_rng(0).random(50_000)}))
first = float(df["b"].sum())
# what the exit handler does, called early: imported pyarrow buffers are no longer released
# from Go finalizers; everything keeps working (and leaks until the process ends)
_native.lib().flern_shutdown()
for _ in range(3):
    df = flern.from_pandas(pd.DataFrame({"a": np.arange(50_000), "b": np.random.default_rng(0).random(50_000)}))
    assert float(df["b"].sum()) == first
    gc.collect()
print("ok", flush=True)
"""


def test_exit_handler_stops_releases_and_the_process_exits_cleanly():
    """flern registers flern_shutdown at interpreter exit (golib/arrowio Shutdown: imported Arrow
    arrays are no longer released from Go finalizers while pyarrow's C++ library tears down); after
    it, frames built from pandas still compute, and the process ends with status 0."""
    import subprocess
    run = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", (run.returncode, run.stdout, run.stderr[-2000:])
    assert "terminate called" not in run.stderr


FORK_EXIT_SCRIPT = r"""
import os, sys
import flern
assert len(flern.from_dict({"a": [1, 2, 3]})) == 3  # the Go runtime is running
pid = os.fork()
if pid == 0:
    sys.exit(0)  # the child runs the exit handlers
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork semantics tested on Linux")
def test_forked_child_exits_through_atexit_without_calling_go():
    """A child forked after the Go runtime started and leaving through sys.exit runs flern's exit
    handler, which must not call into Go there (it may hang): the child ends at once, status 0."""
    import subprocess
    run = subprocess.run([sys.executable, "-c", FORK_EXIT_SCRIPT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "0", (run.returncode, run.stdout, run.stderr[-2000:])
