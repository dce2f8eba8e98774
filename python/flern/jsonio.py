"""read_json: a JSON array of records -> a flern DataFrame, with pandas.read_json's answer.

Supported: a file (path or open file) holding a JSON array of objects (``orient=None`` or
``"records"``), the layout of the bundled ``data/cars.json``. The result equals
``pandas.read_json(path)`` exactly, dtypes and float bits included. What pandas does, and
what this module therefore does, step by step:

1. Parse. pandas uses its vendored ujson with ``precise_float=False``, whose float parser
   is *not* correctly rounded (``0.1234567890123456789`` keeps 15 fraction digits; an
   exponent multiplies by ``pow(10, e)``); :func:`_ujson_float` repeats its arithmetic
   operation for operation, so values agree to the last bit (Python's own parser would
   differ in the last bit for roughly 1 in 5 random floats). ``NaN`` becomes null,
   ``Infinity`` stays infinite; integers >= 2**64 or < -2**63 are errors (ValueError, as
   in pandas). The text must be strict JSON: ujson also accepts trailing commas
   (``[{"a": 1,}]``), flern raises ValueError for them.
2. Build columns: keys in order of first appearance; a key missing from a record is null.
3. Infer each column's dtype as ``DataFrame(records)`` and then ``read_json``'s
   ``_try_convert_data`` do:

   ======================================  ===============================================
   non-null values                         dtype
   ======================================  ===============================================
   none at all                             float64 (all NaN)
   bool, no nulls                          bool
   bool with nulls                         float64 (1.0 / 0.0 / NaN)
   int, no nulls                           int64
   int/float                               float64, then int64 if there are no nulls and
                                           every value is integral and fits int64
                                           (so ``1.0, 2.0`` -> int64 ``1, 2``)
   str                                     str (nulls as NaN), Year stays a string
   ======================================  ===============================================

Everything else raises :func:`flern.errors.not_implemented`: other orients and layouts,
other keyword arguments, an empty result (no columns), columns pandas would hold as
object (mixed types, nested lists/objects) or uint64 (ints >= 2**63), columns whose
strings all look like numbers (pandas converts those), column names pandas would parse
as dates (``created_at``, ``date``, ``timestamp...``: pandas tries to convert their
values), and column labels that all look like numbers or dates (pandas converts the
labels). These checks are conservative: they may refuse a file pandas reads as plain
strings, never accept one whose pandas result differs.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import pyarrow as pa

from .errors import FlernFileNotFoundError, FlernNotImplementedError, FlernValueError, not_implemented

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

# ---- 1. parsing, bit-compatible with pandas' vendored ujson ---------------------------------

# g_pow10 of ultrajsondec.c's createDouble: the doubles nearest to 10**-k.
_NEG_POW10 = [1.0, 0.1, 0.01, 0.001, 0.0001, 0.00001, 0.000001, 0.0000001, 0.00000001, 0.000000001,
              0.0000000001, 0.00000000001, 0.000000000001, 0.0000000000001, 0.00000000000001,
              0.000000000000001]
_MAX_DECIMALS = 15  # JSON_DOUBLE_MAX_DECIMALS: later fraction digits are ignored
_NUMBER = re.compile(r"(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?)(\d+))?\Z")


def _check_int_part(neg: bool, value: int) -> None:
    if not neg and value >= 1 << 64:
        raise FlernValueError("Value is too big!", kind="Value")
    if neg and value > 1 << 63:
        raise FlernValueError("Value is too small", kind="Value")


def _ujson_float(text: str) -> float:
    """A JSON number with a fraction or exponent, computed as ujson's decode_numeric does."""
    m = _NUMBER.match(text)
    if m is None:  # the json module only hands over valid JSON numbers
        raise FlernValueError(f"invalid JSON number {text!r}", kind="Value")
    sign, int_digits, frac_digits, exp_sign, exp_digits = m.groups()
    int_value = int(int_digits)
    _check_int_part(sign == "-", int_value)
    frac, n = 0.0, 0
    for ch in (frac_digits or "")[:_MAX_DECIMALS]:
        frac = frac * 10.0 + float(ord(ch) - 48)
        n += 1
    value = (float(int_value) + frac * _NEG_POW10[n]) * (-1.0 if sign == "-" else 1.0)
    if exp_digits is not None:
        e = 0.0
        for ch in exp_digits:
            e = e * 10.0 + float(ord(ch) - 48)
        try:
            scale = math.pow(10.0, e * (-1.0 if exp_sign == "-" else 1.0))
        except OverflowError:
            scale = math.inf
        value = value * scale
    return value


def _ujson_constant(name: str) -> float | None:
    # ujson decodes NaN as null; Infinity / -Infinity as floats.
    return {"NaN": None, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _check_ints(obj: Any) -> None:
    """Raise ujson's ValueError for an integer anywhere in ``obj`` outside its range."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if type(o) is int:
            _check_int_part(o < 0, abs(o))
        elif isinstance(o, list):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())


def _float_parser():
    """A parse_float hook equal to :func:`_ujson_float`, memoized per file (values repeat).
    A plain decimal (no exponent) is computed with _ujson_float's arithmetic without its
    regex: the fraction's first 15 digits as an integer are exact in a double, so
    ``float(int(digits))`` is the digit loop's result. Numbers whose integer part may
    be outside ujson's range (19 digits or more) take _ujson_float, which checks it."""
    memo: dict[str, float] = {}

    def parse(text: str) -> float:
        v = memo.get(text)
        if v is not None:
            return v
        if "e" in text or "E" in text or len(text) > 36:
            v = _ujson_float(text)
        else:
            int_part, _, frac_digits = text.partition(".")
            neg = int_part.startswith("-")
            if len(int_part) > 18 + neg:
                v = memo[text] = _ujson_float(text)
                return v
            frac_digits = frac_digits[:_MAX_DECIMALS]
            v = (float(int(int_part[1:] if neg else int_part)) + float(int(frac_digits)) * _NEG_POW10[len(frac_digits)]
                 ) * (-1.0 if neg else 1.0)
        memo[text] = v
        return v

    return parse


def _load(text: str) -> Any:
    """The parsed document. Integers are not range-checked here (a hook per integer costs
    more than the parse): ints outside int64 always end in a NotImplementedError, and
    read_json then checks ujson's range with :func:`_check_ints` first."""
    try:
        return json.loads(text, parse_float=_float_parser(), parse_constant=_ujson_constant)
    except json.JSONDecodeError as e:
        raise FlernValueError(f"Expected object or value: not strict JSON ({e})", kind="Value") from None


# ---- 3. dtype inference, as DataFrame(records) + read_json's _try_convert_data -------------

# Words dateutil (and pandas.to_datetime) understand in a date string, plus what float()
# accepts. A label containing any other word cannot be parsed as a number or a date.
_DATE_WORDS = {
    "at", "on", "and", "ad", "m", "t", "of", "st", "nd", "rd", "th", "h", "hour", "hours", "minute",
    "minutes", "s", "second", "seconds", "am", "a", "pm", "p", "utc", "gmt", "z", "e",
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday",
    "fri", "friday", "sat", "saturday", "sun", "sunday",
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
    "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
    "december", "nan", "inf", "infinity", "now", "today", "tomorrow", "yesterday",
}
_WORD = re.compile(r"[^\W\d_]+")


# Digit-free strings that still parse as a number, a date or NaT.
_SPECIAL_LABELS = {"", "now", "today", "tomorrow", "yesterday", "nat", "nan", "+nan", "-nan", "inf", "+inf",
                   "-inf", "infinity", "+infinity", "-infinity", "none", "null", "na", "n/a", "<na>"}


def _label_cannot_convert(label: str) -> bool:
    """True if ``label`` surely parses neither as a number nor as a date.

    Without a digit, a date string can only get its year from dateutil's default (year 1),
    which read_json rejects; with digits, any word dateutil does not know rules a date out.
    """
    if not any(c.isdigit() for c in label) and label.strip().lower() not in _SPECIAL_LABELS:
        return True
    for w in _WORD.findall(label):
        if w.lower() in _DATE_WORDS:
            continue
        if len(w) <= 5 and w.isascii() and w.isupper():  # dateutil may take it for a time zone name
            continue
        return True
    return False


def _date_named(name: str) -> bool:
    """read_json's keep_default_dates rule: columns whose values pandas tries to parse as dates."""
    low = name.lower()
    return low.endswith(("_at", "_time")) or low in {"modified", "date", "datetime"} or low.startswith("timestamp")


def _looks_numeric(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _column(name: str, values: list) -> pa.Array:
    """The Arrow array holding what pandas.read_json makes of one column (nulls for NaN)."""
    kinds = set(map(type, values))
    nulls = values.count(None)
    kinds.discard(type(None))
    if not kinds:
        return pa.array(values, type=pa.float64())
    if kinds == {bool}:
        if nulls == 0:
            return pa.array(values, type=pa.bool_())
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if kinds == {str}:
        if all(_looks_numeric(v) for v in values if v is not None):
            raise not_implemented(f"read_json of column {name!r} whose strings all look like numbers "
                                  "(pandas converts them)")
        return pa.array(values, type=pa.string())
    if kinds <= {int, float}:
        if int in kinds and any(v is not None and type(v) is int and not _INT64_MIN <= v <= _INT64_MAX
                                for v in values):
            raise not_implemented(f"read_json of column {name!r} with integers beyond int64 (pandas: uint64)")
        if kinds == {int}:
            if nulls == 0:
                return pa.array(values, type=pa.int64())
            return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
        floats = [None if v is None else float(v) for v in values]
        if nulls == 0 and all(math.isfinite(f) and f == math.floor(f) and -9.223372036854775808e18 <= f < 9.223372036854775808e18
                              for f in floats):
            return pa.array([int(f) for f in floats], type=pa.int64())
        return pa.array(floats, type=pa.float64())
    shown = sorted(t.__name__ for t in kinds)
    raise not_implemented(f"read_json of column {name!r} holding {'/'.join(shown)} values (pandas: object dtype)")


# ---- entry point ------------------------------------------------------------------------------

def _read_text(path_or_buf: Any) -> str:
    if hasattr(path_or_buf, "read"):
        data = path_or_buf.read()
        return data.decode("utf-8") if isinstance(data, bytes) else data
    if not isinstance(path_or_buf, (str, os.PathLike)):
        raise not_implemented(f"read_json({type(path_or_buf).__name__})")
    path = os.fspath(path_or_buf)
    if not os.path.exists(path):
        raise FlernFileNotFoundError(f"File {path} does not exist", kind="IO")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _uniform_columns(data: list) -> dict[str, list] | None:
    """The columns of records that all hold the same keys in the same order (zipped in C),
    else None."""
    if not data or type(data[0]) is not dict or not data[0]:
        return None
    keys = list(data[0])
    rows = []
    for rec in data:
        if type(rec) is not dict or len(rec) != len(keys):
            return None
        rows.append(tuple(rec.values()))
    if not all(list(rec) == keys for rec in data):
        return None
    return {k: list(c) for k, c in zip(keys, zip(*rows))}


def _ragged_columns(data: list) -> dict[str, list]:
    """The columns of records: keys in order of first appearance, a missing key is null."""
    columns: dict[str, list] = {}
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise not_implemented(f"read_json of an array holding a {type(rec).__name__} (only records)")
        for k, v in rec.items():
            if k not in columns:
                columns[k] = [None] * i
            columns[k].append(v)
        for k, vals in columns.items():  # keys missing from this record
            if len(vals) == i:
                vals.append(None)
    return columns


def read_json(path_or_buf: Any, orient: str | None = None, **kwargs: Any):
    """Read a JSON array of records into a DataFrame (pandas.read_json semantics; see module doc)."""
    for k in kwargs:
        raise not_implemented(f"read_json({k}=...)")
    if orient not in (None, "records"):
        raise not_implemented(f"read_json(orient={orient!r})")
    data = _load(_read_text(path_or_buf))
    try:
        return _frame(data)
    except FlernNotImplementedError:
        _check_ints(data)  # pandas' ujson refuses such an integer while parsing, before the rest
        raise


def _frame(data: Any):
    """read_json's frame from the parsed document."""
    from .io import from_arrow

    if not isinstance(data, list):
        raise not_implemented(f"read_json of a JSON {type(data).__name__} (only an array of records)")
    columns = _uniform_columns(data)
    if columns is None:
        columns = _ragged_columns(data)
    if not columns:
        raise not_implemented("read_json of an empty array or of empty records (a frame without columns)")
    if not any(_label_cannot_convert(k) for k in columns):
        raise not_implemented("read_json with column labels that all look like numbers or dates "
                              "(pandas converts the labels)")
    for k in columns:
        if _date_named(k):
            raise not_implemented(f"read_json of column {k!r} (pandas parses columns with this name as dates)")
    arrays = [_column(k, v) for k, v in columns.items()]
    return from_arrow(pa.table(arrays, names=list(columns)))
