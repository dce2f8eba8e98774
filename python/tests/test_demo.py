"""``python -m flern demo`` runs end to end, agrees with pandas, and prints its plan and timings."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pandas as pd
import pytest

import flern
import flern.pandas as fpd
from flern import demo
from conftest import assert_frame_same

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(flern.__file__)))


def _run(args: list[str], extra_path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    paths = [p for p in (extra_path, PYTHON_DIR, env.get("PYTHONPATH")) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run([sys.executable, "-m", "flern", *args], capture_output=True, text=True, env=env,
                          timeout=120)


_DEMO_OUT: list[str] = []


def _demo_output() -> str:
    """``python -m flern demo --runs 3``'s output (run once per test session)."""
    if not _DEMO_OUT:
        r = _run(["demo", "--runs", "3", "--epochs", "20"])
        assert r.returncode == 0, r.stdout + r.stderr
        _DEMO_OUT.append(r.stdout)
    return _DEMO_OUT[0]


def test_demo_runs_and_agrees_with_pandas():
    out = _demo_output()
    assert "Auto MPG data set (406 cars)" in out
    assert "train: 314 rows, test: 78 rows" in out
    assert "answers agree: report, train, test, scored and the MAE" in out
    assert "MISMATCH" not in out
    # the optimized plan of the report
    assert "== report.explain(): the optimized plan ==" in out
    for op in ("source(", "dropna(", "filter(", "groupby_agg(", "join(", "sort("):
        # a filter fused with its projects shows in its kernel: kernel=select[project filter ...]
        fused = op == "filter(" and re.search(r"kernel=\w+\[[^\]]*\bfilter\b", out)
        assert op in out or fused, op
    # timings of both engines and their ratio
    assert "median of 3 interleaved runs" in out
    assert "  flern " in out and "  pandas " in out and "ratio pandas/flern:" in out
    # the report lists every (origin, cylinders) group with its region name
    assert "North America" in out and "East Asia" in out and "Western Europe" in out


def test_demo_trains_the_network_like_pytorch():
    out = _demo_output()
    assert "== The fuel-efficiency network: Dense 64-64-1, Adam, MAE loss, batch 32, 20 epochs ==" in out
    flern_mae = float(out.split("flern.fit, the loop staged in the native core): test MAE ")[1].split()[0])
    assert 1.0 < flern_mae < 20.0
    pytest.importorskip("torch")
    torch_mae = float(out.split("same batch order): test MAE ")[1].split()[0])
    assert abs(torch_mae - flern_mae) < 0.05, out
    assert "ratio (pandas + PyTorch) / flern:" in out


@pytest.mark.plan
def test_demo_explain_shows_dead_columns_dropped():
    out = _demo_output()
    # the optimizer stops carrying the columns nothing downstream reads, right after dropna
    assert 'project(%1, exprs=["Name", ' in out
    assert "nothing downstream reads them" in out and "\n  Displacement, Acceleration, Year\n" in out


def test_demo_without_pandas(tmp_path):
    # A package named pandas that fails to import hides the real one from the demo.
    fake = tmp_path / "pandas"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise ImportError("pandas hidden for this test")\n')
    r = _run(["demo"], extra_path=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pandas is not installed: skipping the comparison with pandas." in r.stdout
    assert "train: 314 rows, test: 78 rows" in r.stdout
    assert "groupby_agg(" in r.stdout


def test_pipeline_is_the_same_code_for_both_engines():
    got = demo.materialize(demo.pipeline(fpd), lambda df: df.to_pandas())
    expected = demo.materialize(demo.pipeline(pd), lambda df: df)
    for name in demo.RESULTS:
        assert_frame_same(got[name], expected[name])
    assert abs(got["mae"] - expected["mae"]) < 1e-9


def test_usage_and_unknown_command():
    r = _run([])
    assert r.returncode == 2 and "usage: python -m flern" in r.stdout
    r = _run(["nope"])
    assert r.returncode == 2 and "unknown command 'nope'" in r.stderr
