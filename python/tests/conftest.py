"""Shared helpers: every flern result is checked against pandas on the same data."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import flern


def assert_frame_same(got, expected: pd.DataFrame, *, check_dtype: bool = True, rtol: float = 1e-9,
                      check_like: bool = False) -> None:
    """flern DataFrame (or pandas) vs pandas: same values, dtypes, index and columns."""
    if isinstance(got, flern.DataFrame):
        got = got.to_pandas()
    pdt.assert_frame_equal(got, expected, check_dtype=check_dtype, rtol=rtol, check_like=check_like,
                           check_index_type="equiv", check_column_type=False)


def assert_series_same(got, expected: pd.Series, *, check_dtype: bool = True, rtol: float = 1e-9) -> None:
    if isinstance(got, flern.Series):
        got = got.to_pandas()
    pdt.assert_series_equal(got, expected, check_dtype=check_dtype, rtol=rtol, check_index_type="equiv")


@pytest.fixture
def tmp_csv(tmp_path):
    """Write text to a CSV file and return its path."""
    def make(text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
        p = tmp_path / name
        p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return str(p)
    return make


@pytest.fixture
def cars_path() -> str:
    return os.path.join(os.path.dirname(flern.__file__), "data", "cars.json")


def sample_frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    """A mixed-type frame with nulls, NaN, unicode and int64 edges."""
    rng = np.random.default_rng(seed)
    keys = np.array(["a", "b", "ç", "日本", "z"], dtype=object)
    s = keys[rng.integers(0, len(keys), n)].astype(object)
    s[rng.random(n) < 0.1] = None
    f = rng.normal(size=n)
    f[rng.random(n) < 0.1] = np.nan
    i = rng.integers(-5, 5, n).astype(np.int64)
    if n >= 2:
        i[0], i[1] = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    return pd.DataFrame({"k": pd.Series(s, dtype="str"), "i": i, "f": f, "b": rng.random(n) < 0.5})


def pytest_configure(config):
    config.addinivalue_line("markers", "plan: asserts on optimized plan text (skipped when the optimizer is off)")


def pytest_collection_modifyitems(config, items):
    from flern import _config
    if _config.no_opt:
        skip = pytest.mark.skip(reason="asserts on optimizer output; FLERN_NO_OPT=1")
        for item in items:
            if "plan" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def passes(monkeypatch):
    """Switch optimizer passes off by name for one test (restored afterwards): passes("a", "b")."""
    from flern import _config

    def disable(*names: str) -> None:
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | set(names))
    return disable
