"""read_json against pandas.read_json on the same files: values, dtypes and float bits."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import flern
import flern.pandas as fpd
from conftest import assert_frame_same


def _write(tmp_path, text: str, name: str = "data.json") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _same_as_pandas(path: str) -> pd.DataFrame:
    got = flern.read_json(path)
    assert isinstance(got, flern.DataFrame)
    got = got.to_pandas()
    expected = pd.read_json(path)
    assert_frame_same(got, expected, rtol=0)
    # exact, not within tolerance: the float parser repeats pandas' ujson arithmetic
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    return got


def test_cars_json_equals_pandas(cars_path):
    got = _same_as_pandas(cars_path)
    assert got.shape == (406, 9)
    assert dict(got.dtypes.astype(str)) == {
        "Name": "str", "Miles_per_Gallon": "float64", "Cylinders": "int64", "Displacement": "float64",
        "Horsepower": "float64", "Weight_in_lbs": "int64", "Acceleration": "float64", "Year": "str",
        "Origin": "str"}
    assert got["Miles_per_Gallon"].isna().sum() == 8 and got["Horsepower"].isna().sum() == 6
    assert got["Year"].iloc[0] == "1970-01-01"  # stays a string: the column is not date-named


def test_flern_pandas_namespace_and_lazy_ops(cars_path):
    df = fpd.read_json(cars_path)
    q = df.dropna()[["Origin", "Horsepower"]]
    exp = pd.read_json(cars_path).dropna()[["Origin", "Horsepower"]]
    assert_frame_same(q, exp)


RECORDS = {
    "ints": [{"a": 1}, {"a": -2}],
    "int_null": [{"a": 1}, {"a": None}],
    "integral_floats_become_int64": [{"a": 1.0}, {"a": 2.0}, {"a": -0.0}],
    "floats": [{"a": 1.5}, {"a": 2}],
    "float_null": [{"a": 1.5}, {"a": None}],
    "bools": [{"a": True}, {"a": False}],
    "bool_null": [{"a": True}, {"a": None}, {"a": False}],
    "all_null": [{"a": None, "b": "x"}, {"a": None, "b": "y"}],
    "str_null": [{"a": "x"}, {"a": None}],
    "unicode": [{"名前": "日本", "ç": "ß\u00e9\U0001F600"}, {"名前": "a\"b\\c\n", "ç": ""}],
    "missing_keys": [{"b": 1, "a": "x"}, {"c": 2.5, "a": "y"}, {"a": "z"}],
    "big_ints_exact": [{"a": 9007199254740993}, {"a": 2}],
    "big_int_null_rounds": [{"a": 9007199254740993}, {"a": None}],
    "int64_edges": [{"a": 9223372036854775807}, {"a": -9223372036854775808}],
    "float_beyond_int64": [{"a": 1e19}, {"a": 1}],
    "mixed_numeric_strings": [{"a": "1"}, {"a": "x"}],
    "date_like_strings": [{"Year": "1970-01-01"}, {"Year": None}],
    "duplicate_key_last_wins": None,  # written as raw text below
    "nan_and_infinity": None,
    "imprecise_floats": None,
    "single_row": [{"x": 0.1, "y": "z", "z": True}],
}

RAW = {
    "duplicate_key_last_wins": '[{"a": 1, "a": 2, "b": "x"}]',
    "nan_and_infinity": '[{"a": NaN}, {"a": Infinity}, {"a": -Infinity}, {"a": 1.5}]',
    "imprecise_floats": ("[" + ", ".join(
        '{"v": %s}' % s for s in ["0.1234567890123456789", "1.7976931348623157e308", "1E400", "-1e-400",
                                  "5e-324", "123456789012345678.25", "0.30000000000000004", "9.9e-5",
                                  "18446744073709551615.5", "2.5E+3"]) + "]"),
}


@pytest.mark.parametrize("case", sorted(RECORDS))
def test_edge_cases_equal_pandas(tmp_path, case):
    text = RAW.get(case) or json.dumps(RECORDS[case], ensure_ascii=(case != "unicode"))
    _same_as_pandas(_write(tmp_path, text))


def test_random_floats_bit_exact(tmp_path):
    rng = np.random.default_rng(7)
    vals = rng.normal(size=3000) * 10.0 ** rng.integers(-300, 300, 3000)
    rounded = np.round(rng.normal(size=3000) * 100, 3)
    recs = [{"a": float(a), "b": float(b), "k": str(i % 7)} for i, (a, b) in enumerate(zip(vals, rounded))]
    recs[5]["k"] = "x"  # so "k" stays a string column
    got = _same_as_pandas(_write(tmp_path, json.dumps(recs)))
    assert got["b"].dtype == np.float64


def test_file_object_and_pathlike(tmp_path, cars_path):
    import pathlib
    exp = pd.read_json(cars_path)
    assert_frame_same(flern.read_json(pathlib.Path(cars_path)), exp)
    with open(cars_path, "rb") as f:
        assert_frame_same(flern.read_json(f), exp)
    assert_frame_same(flern.read_json(io.StringIO(open(cars_path, encoding="utf-8").read()),
                                      orient="records"), exp)


@pytest.mark.parametrize("text, what", [
    ("[]", "empty"),
    ("[{}, {}]", "empty"),
    ('{"a": [1, 2]}', "JSON dict"),
    ("[[1, 2], [3, 4]]", "list"),
    ('[{"a": [1]}, {"a": 2}]', "object dtype"),
    ('[{"a": "x"}, {"a": 2}]', "object dtype"),
    ('[{"a": true}, {"a": 2}]', "object dtype"),
    ('[{"a": 9223372036854775808}, {"a": 1}]', "uint64"),
    ('[{"a": "1"}, {"a": "2.5"}, {"b": "x"}]', "look like numbers"),
    ('[{"1": 1, "2": 2}]', "column labels"),
    ('[{"2020-01-01": 1}]', "column labels"),
    ('[{"name": "x", "created_at": "2020-01-01"}]', "dates"),
    ('[{"Date": 1}, {"Date": 2}]', "dates"),
])
def test_unsupported_inputs_raise_not_implemented(tmp_path, text, what):
    path = _write(tmp_path, text)
    with pytest.raises(NotImplementedError, match=what) as ei:
        flern.read_json(path)
    assert isinstance(ei.value, flern.errors.FlernNotImplementedError)


def test_unsupported_arguments(cars_path):
    with pytest.raises(flern.errors.FlernNotImplementedError, match="orient='split'"):
        flern.read_json(cars_path, orient="split")
    with pytest.raises(flern.errors.FlernNotImplementedError, match="lines="):
        flern.read_json(cars_path, lines=True)


@pytest.mark.parametrize("text", ['[{"a": 18446744073709551616}]', '[{"a": -9223372036854775809}]',
                                  '[{"a": 1', '[{"a": 1} {"a": 2}]'])
def test_invalid_json_raises_value_error_like_pandas(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError):
        pd.read_json(path)
    with pytest.raises(ValueError):
        flern.read_json(path)


def test_trailing_comma_is_an_error_though_pandas_accepts_it(tmp_path):
    # pandas' ujson tolerates '[{"a": 1,}]'; flern parses strict JSON (documented in jsonio).
    path = _write(tmp_path, '[{"a": 1,}]')
    with pytest.raises(ValueError, match="strict JSON"):
        flern.read_json(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        flern.read_json(str(tmp_path / "nope.json"))


@pytest.mark.parametrize("text", [
    '[{"a": 1, "b": 18446744073709551616}]',  # in an otherwise int column ...
    '[{"a": 1.5, "b": [1, 18446744073709551616]}]',  # ... nested in a list (pandas: ValueError first)
    '[{"a": "x"}, {"a": {"c": -9223372036854775809}}]',
    '[1, 2, 18446744073709551617]',  # an array of numbers, not records
    '{"a": -99999999999999999999}',
])
def test_integers_outside_ujson_range_raise_value_error_first(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError):
        pd.read_json(path)
    with pytest.raises(ValueError, match="too (big|small)") as ei:
        flern.read_json(path)
    assert not isinstance(ei.value, NotImplementedError)


def test_key_order_and_decimal_forms_equal_pandas(tmp_path):
    # same keys in another order (the zipped fast path must not apply), repeated values
    # (memoized floats), negative zero, 18-19 digit integer parts, long fractions
    recs = ['{"a": 1.5, "b": -0.0, "c": "x"}', '{"b": 2.25, "a": -0.5, "c": "y"}',
            '{"a": 1.5, "b": 123456789012345678.5, "c": "z"}', '{"a": -1234567890123456789.5, "b": 0.1, "c": "w"}',
            '{"c": "v", "a": 0.12345678901234567890123456789, "b": 1.5}']
    _same_as_pandas(_write(tmp_path, "[" + ", ".join(recs) + "]"))
    rng = np.random.default_rng(3)
    vals = rng.normal(size=2000) * 10.0 ** rng.integers(0, 12, 2000)
    digits = rng.integers(0, 18, 2000)
    text = "[" + ", ".join('{"v": %.*f, "w": %d}' % (int(d), v, i) for i, (v, d) in enumerate(zip(vals, digits))) + "]"
    got = _same_as_pandas(_write(tmp_path, text, "many.json"))
    assert got["w"].dtype == np.int64
