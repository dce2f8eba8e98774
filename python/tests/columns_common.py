"""Shared cases and comparison helpers of the column-level differential tests
(test_columns*.py): one pandas frame, the flern frame built from it, and
``same``/``nie`` which run the same code on both."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

import flern
import flern.pandas as fpd

I64MAX, I64MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min
I32MAX, I32MIN = np.iinfo(np.int32).max, np.iinfo(np.int32).min


# ---------------------------------------------------------------- helpers

def _frame() -> pd.DataFrame:
    """Every dtype flern holds, with NaN/None/NaT, unicode and int64/int32 edges."""
    return pd.DataFrame({
        "i": np.array([1, -2, 3, I64MAX, I64MIN, 7], dtype=np.int64),
        "j": np.array([1, -2, 0, I32MAX, I32MIN, 7], dtype=np.int32),
        "f": [1.5, np.nan, -0.0, np.inf, -2.25, 0.1],
        "g": np.array([1.5, np.nan, -0.5, 3.25, 0.1, 1e10], dtype=np.float32),
        "b": [True, False, True, False, True, False],
        "s": pd.Series(["aBc", None, "straße", "İstanbul", "", "日本"], dtype="str"),
        "t": pd.Series(["x", "y", "x", "ß", "Z", "x"], dtype="str"),
        "d": pd.to_datetime(["2020-01-01", None, "1969-12-31 23:59:59", "2000-02-29", "1677-09-22",
                             "2262-04-11"], format="ISO8601").astype("datetime64[us]"),
        "dn": pd.to_datetime(["2020-01-01", None, "1969-12-31 23:59:59.5", "2000-02-29", "1970-01-01",
                              "2262-04-11 23:47:16.854775807"], format="ISO8601").astype("datetime64[ns]"),
    })


DF = _frame()
NUMERIC = ["i", "j", "f", "g", "b"]
FRAMES = {
    "default": DF,
    "int_index": DF.set_axis(pd.Index([10, 20, 30, 40, 50, 60], name="k")),
    "str_index": DF.set_axis(pd.Index(list("uvwxyz"), dtype="str")),
    "empty": DF.iloc[:0],
}


def _materialize(x):
    if isinstance(x, (flern.DataFrame, flern.Series)):
        return x.to_pandas()
    return x


_ERROR_KINDS = (NotImplementedError, KeyError, AttributeError, OverflowError, TypeError, ValueError, IndexError)


def _compare(got, exp, rtol: float) -> None:
    if isinstance(exp, pd.DataFrame):
        assert isinstance(got, pd.DataFrame), type(got)
        pdt.assert_frame_equal(got, exp, rtol=rtol, check_index_type="equiv", check_column_type=False)
    elif isinstance(exp, pd.Series):
        assert isinstance(got, pd.Series), type(got)
        pdt.assert_series_equal(got, exp, rtol=rtol, check_index_type="equiv")
    elif isinstance(exp, pd.Index):
        pdt.assert_index_equal(got, exp, exact="equiv")
    elif isinstance(exp, pd.api.extensions.ExtensionArray):
        pdt.assert_extension_array_equal(got, exp)
    elif isinstance(exp, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == exp.dtype and got.shape == exp.shape, (got, exp)
        na = pd.isna(exp)
        assert (pd.isna(got) == na).all(), (got, exp)
        if exp.dtype.kind == "f":
            np.testing.assert_allclose(got[~na], exp[~na], rtol=rtol)
        else:
            assert (got[~na] == exp[~na]).all(), (got, exp)
    elif isinstance(exp, (tuple, list)):
        assert type(got) is type(exp) and len(got) == len(exp), (got, exp)
        for g, e in zip(got, exp):
            _compare(g, e, rtol)
    else:
        assert type(got) is type(exp), (type(got), type(exp), got, exp)
        if exp is pd.NaT or got is pd.NaT:
            assert exp is got, (got, exp)
        elif isinstance(exp, (float, np.floating)) and (math.isnan(exp) or math.isnan(got)):
            assert math.isnan(exp) and math.isnan(got), (got, exp)
        elif isinstance(exp, (float, np.floating)):
            assert got == pytest.approx(exp, rel=rtol), (got, exp)
        else:
            assert got == exp, (got, exp)


def same(fn, pdf: pd.DataFrame = DF, *, rtol: float = 1e-9) -> None:
    """fn(flern frame) gives fn(pandas frame); or raises an error of the same kind."""
    fdf = flern.from_pandas(pdf)
    try:
        expected = fn(pdf)
    except Exception as e:  # noqa: BLE001 - pandas' error is the reference
        kind = next((k for k in _ERROR_KINDS if isinstance(e, k)), Exception)
        with pytest.raises(_ERROR_KINDS) as info:
            _materialize(fn(fdf))
        # flern may also say it does not support what pandas rejects
        assert isinstance(info.value, (kind, NotImplementedError)), (e, info.value)
        return
    _compare(_materialize(fn(fdf)), expected, rtol)


def same_many(fns: dict, pdf: pd.DataFrame = DF, *, rtol: float = 1e-9) -> None:
    """Like ``same`` for many Series-valued functions, run as one plan.

    The results pandas computes become columns of one ``assign``; flern runs
    that as a single plan (fast), and each function is checked on its own
    only when pandas raises or the combined frames differ.
    """
    ok = {}
    for label, fn in fns.items():
        try:
            r = fn(pdf)
        except Exception:  # noqa: BLE001
            same(fn, pdf, rtol=rtol)
            continue
        assert isinstance(r, pd.Series), (label, type(r))
        ok[f"c{len(ok)}"] = (label, fn)
    if not ok:
        return
    build = lambda d: d.assign(**{k: fn(d) for k, (_, fn) in ok.items()})[list(ok)]  # noqa: E731
    try:
        same(build, pdf, rtol=rtol)
    except (AssertionError, NotImplementedError, pytest.fail.Exception):
        for label, fn in ok.values():
            try:
                same(fn, pdf, rtol=rtol)
            except BaseException as e:
                raise AssertionError(f"{label}: {e}") from e
        raise


def nie(fn, pdf: pd.DataFrame = DF) -> None:
    """flern raises NotImplementedError where it cannot give pandas' answer."""
    fdf = flern.from_pandas(pdf)
    with pytest.raises(NotImplementedError):
        _materialize(fn(fdf))


def assert_same(got, expected, rtol=1e-9):
    _compare(_materialize(got), expected, rtol)
