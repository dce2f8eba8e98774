"""Column-level API, differential against pandas: .str/.dt accessors and
where/mask/between (see test_columns.py for the rules)."""

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


from columns_common import *  # noqa: F401,F403 - shared frames and helpers
from columns_common import _compare, _materialize  # noqa: F401


# ------------------------------------------------------------------ str / dt

STR = pd.DataFrame({"s": pd.Series(
    ["aBc", None, "straße", "İstanbul", "", "ǅ ﬁ ΣΑΣ", "ß", "ı", "ŉ", "ΐ", "A1_b", "ꭰ", "Ǆ", "ǉ", "x\ny",
     "日本語", "ab ab", "a.c"], dtype="str")})


def test_str_lower_upper_len():
    same(lambda d: d["s"].str.lower(), STR)
    same(lambda d: d["s"].str.upper(), STR)
    same(lambda d: d["s"].str.len(), STR)
    same(lambda d: d["s"].fillna("").str.len(), STR)
    same(lambda d: d["s"].str.upper().str.lower(), STR)
    same(lambda d: d["s"].str.len(), FRAMES["empty"])
    # a filtered column is still typed "may hold NaN": pandas gives int64 when it holds none
    same(lambda d: d["s"].dropna().str.len(), STR)
    same(lambda d: d["s"].dropna(), STR)
    same(lambda d: d[d["s"].notna()]["s"].str.len(), STR)  # the filter proves "s" non-null
    same(lambda d: d["t"].str.len(), FRAMES["empty"])
    same(lambda d: d["i"].str.lower())  # AttributeError
    same(lambda d: d["f"].str.len())


def test_str_lower_upper_every_code_point():
    # pandas 3 lowers/uppers Arrow-backed strings with utf8proc's simple mappings
    cps = [c for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF]
    pdf = pd.DataFrame({"s": pd.Series(["".join(map(chr, cps[k:k + 64])) for k in range(0, len(cps), 64)],
                                       dtype="str")})
    same(lambda d: d["s"].str.upper(), pdf)
    same(lambda d: d["s"].str.lower(), pdf)


CONTAINS_PATS = ["a", "A", "ß", "SS", "^s", "S.R", "(?i)abc", "ı", "İ", "σ", "ς", "a|b", "", "ab$", "b$",
                 r"\.", "[a-c]+", r"\p{Greek}", r"a\Z", "c$", r"\x41", "(a)(b)?", "^$"]


@pytest.mark.parametrize("pat", CONTAINS_PATS)
def test_str_contains(pat):
    ascii_str = pd.DataFrame({"s": pd.Series(["abc", None, "ab ab", "A.c", "", "x\ny", "ss", "Ab"], dtype="str")})
    for pdf in (STR, ascii_str):
        fns = {}
        for case in (True, False):
            for regex in (True, False):
                for na in (None, True, False, np.nan):
                    fn = lambda d, case=case, regex=regex, na=na: d["s"].str.contains(  # noqa: E731
                        pat, case=case, regex=regex, na=na)
                    if regex and "$" in pat and pdf["s"].str.contains("\n", regex=False).any():
                        nie(fn, pdf)  # pandas uses Python's re where a row has a newline
                    else:
                        fns[f"{case}{regex}{na}"] = fn
        same_many(fns, pdf)


def test_str_contains_unicode_classes_fall_back():
    ascii_str = pd.DataFrame({"s": pd.Series(["ab1", None, "a_b", "x y"], dtype="str")})
    for pat in (r"\d", r"\w+", r"\bb", r"\B", r"[\d]", r"\W"):
        same(lambda d: d["s"].str.contains(pat), ascii_str)  # RE2 and re agree on ASCII
        nie(lambda d: d["s"].str.contains(pat), STR)  # not on "straße"
    for pat in (r"\s", r"(?=a)", r"(?<!a)b", r"(a)\1", r"\u00df", r"\N{LATIN SMALL LETTER SHARP S}"):
        nie(lambda d: d["s"].str.contains(pat), ascii_str)
    same(lambda d: d["s"].str.contains("["), ascii_str)  # invalid for both engines
    nie(lambda d: d["s"].str.contains("a", flags=2), ascii_str)


@pytest.mark.parametrize("pat", ["a", "A", "", "ß", "İ", "x\n", "日本", "ab ", "c"])
def test_str_startswith_endswith(pat):
    for na in (None, True, False, np.nan):
        same(lambda d: d["s"].str.startswith(pat, na=na), STR)
        same(lambda d: d["s"].str.endswith(pat, na=na), STR)
    nie(lambda d: d["s"].str.startswith((pat, "x")), STR)


def test_dt_fields_with_times():
    """Hours to seconds and calendar fields on timestamps with times of day, both units."""
    ts = pd.Series(pd.to_datetime(["2024-02-29 23:59:59", "1970-01-01 00:00:00", "1969-12-31 12:30:01",
                                   "2000-03-31 06:07:08", "2262-04-11 00:00:00", None]))
    for unit in ("us", "ns"):
        pdf = pd.DataFrame({"t": ts.astype(f"datetime64[{unit}]")})
        for field in ("hour", "minute", "second", "dayofweek", "dayofyear", "quarter"):
            same(lambda d: getattr(d["t"].dt, field), pdf)
            same(lambda d: getattr(d["t"].dropna().dt, field), pdf)


def test_dt_field_arithmetic_with_literals():
    """dt.hour / 23.0, dt.dayofweek / 6.0 and other literal arithmetic on a clock field (one pass,
    the operation once per hour or day of sorted times): equal to pandas for sorted and shuffled
    times before and after 1970, both units, and with a NaT (the general path)."""
    rs = np.random.RandomState(7)
    base = np.datetime64("2001-01-01T00:00:00", "us")
    t = base + np.sort(rs.randint(-10**15, 10**15, 100_000)).astype("timedelta64[us]")
    ops = [("hour", lambda s: s / 23.0), ("dayofweek", lambda s: s / 6.0), ("hour", lambda s: s * 2.5 - 1),
           ("dayofweek", lambda s: s + 0.5), ("hour", lambda s: 1.0 - s), ("minute", lambda s: s / 59.0)]
    for unit in ("us", "ns"):
        for order in ("sorted", "shuffled", "nat"):
            vals = pd.Series(t if order == "sorted" else rs.permutation(t)).astype(f"datetime64[{unit}]")
            if order == "nat":
                vals.iloc[5] = None
            pdf = pd.DataFrame({"t": vals})
            for field, op in ops:
                same(lambda d: op(getattr(d["t"].dt, field)), pdf)


def test_dt_fields():
    for c in ("d", "dn"):
        for field in ("year", "month", "day", "hour", "minute", "second", "dayofweek", "weekday",
                      "day_of_week", "dayofyear", "day_of_year", "quarter"):
            same(lambda d: getattr(d[c].dt, field))
            # filtering on notna / dropna(subset) proves the column holds no NaT: pandas gives int32
            same(lambda d: getattr(d[d[c].notna()][c].dt, field))
            same(lambda d: getattr(d[c].dropna().dt, field))
            same(lambda d: getattr(d.dropna(subset=[c])[c].dt, field))
            same(lambda d: getattr(d[c].dt, field), FRAMES["empty"])
            same(lambda d: getattr(d[c].dt, field), FRAMES["str_index"])
    same(lambda d: d["i"].dt.year)  # AttributeError
    nie(lambda d: d["d"].dt.nanosecond)


# ------------------------------------------------------------------ where / mask / between

WHERE_OTHERS = ["__default", 0, -1, 2.0, 1.5, 0.1, 1e300, 2**40, "z", None, np.nan, True, np.float32(2.5),
                pd.Timestamp("2001-01-01")]


def _where_unsupported(c: str, other) -> bool:
    t = DF[c].dtype
    if isinstance(other, str) and other == "__default" or other is None or (isinstance(other, float) and other != other):
        return t == bool  # pandas: object
    if isinstance(other, (bool, np.bool_)):
        return t != bool
    if isinstance(other, str):
        return c not in ("s", "t")
    if isinstance(other, pd.Timestamp):
        return c != "d"
    if c in ("s", "t", "d", "dn", "b"):
        return True
    if t.kind == "i":  # an int column holds integers in range
        return isinstance(other, int) and not np.iinfo(t).min <= other <= np.iinfo(t).max
    return False


def test_where_mask():
    cond = lambda d: d["i"] > 0  # noqa: E731
    ok = {}
    for c in DF.columns:
        for other in WHERE_OTHERS:
            if isinstance(other, str) and other == "__default":
                fns = [lambda d, c=c: d[c].where(cond(d)), lambda d, c=c: d[c].mask(cond(d))]
            else:
                fns = [lambda d, c=c, o=other: d[c].where(cond(d), o), lambda d, c=c, o=other: d[c].mask(cond(d), o)]
            for k, fn in enumerate(fns):
                if _where_unsupported(c, other):
                    nie(fn)
                else:
                    ok[f"{c}{other!r}{k}"] = fn
    same_many(ok)
    # where that replaces nothing keeps the column's dtype in pandas
    nie(lambda d: d["i"].where(d["i"] != 0))
    nie(lambda d: d["i"].where(d["i"] != 0, 1.5))
    same(lambda d: d["f"].where(d["i"] != 0, 1.5))
    nie(lambda d: d["j"].mask(d["i"] == 0))


def test_where_with_column_other():
    cond = lambda d: d["b"]  # noqa: E731
    ok = {("i", "j"), ("f", "i"), ("f", "j"), ("f", "g"), ("s", "t"), ("t", "s")}
    fns = {}
    for x in DF.columns:
        for y in DF.columns:
            fn = lambda d, x=x, y=y: d[x].where(cond(d), d[y])  # noqa: E731
            if x != y and (x, y) not in ok:
                nie(fn)
            else:
                fns[f"{x}{y}"] = fn
    same_many(fns)
    same(lambda d: d["f"].where(d["s"].isna(), -d["f"]))


def test_between():
    fns = {}
    for c in DF.columns:
        for lo, hi in [(0, 5), (-1.5, 2), ("a", "t"), (True, True), (pd.Timestamp("1970-01-01"), pd.Timestamp("2100-01-01"))]:
            for inclusive in ("both", "neither", "left", "right"):
                fn = lambda d, c=c, lo=lo, hi=hi, inc=inclusive: d[c].between(lo, hi, inclusive=inc)  # noqa: E731
                if c in ("d", "dn") and isinstance(lo, str):
                    nie(fn)  # pandas parses the strings as dates
                else:
                    fns[f"{c}{lo}{hi}{inclusive}"] = fn
    same_many(fns)


# ------------------------------------------------------------------ columns and rows

@pytest.mark.parametrize("name", list(FRAMES))
def test_rename_drop(name):
    pdf = FRAMES[name]
    same(lambda d: d.rename(columns={"i": "I", "zz": "q"}), pdf)
    same(lambda d: d.rename(columns=str.upper), pdf)
    same(lambda d: d.rename(columns={"i": "f", "f": "i"}), pdf)
    same(lambda d: d.rename({"i": "x"}, axis=1), pdf)
    same(lambda d: d.rename(columns={"i": "x"})["x"] + 1, pdf)
    same(lambda d: d["i"].rename("x"), pdf)
    same(lambda d: d.drop(columns=["i", "s"]), pdf)
    same(lambda d: d.drop(columns="i"), pdf)
    same(lambda d: d.drop("i", axis=1), pdf)
    same(lambda d: d.drop(["i", "j"], axis="columns"), pdf)
    same(lambda d: d.drop(columns=["zz"]), pdf)


@pytest.mark.parametrize("name", list(FRAMES))
def test_head_tail_iloc(name):
    pdf = FRAMES[name]
    for n in (0, 1, 6, 10, -2, -10):
        same(lambda d: d.head(n), pdf)
        same(lambda d: d.tail(n), pdf)
        same(lambda d: d["s"].head(n), pdf)
        same(lambda d: d["f"].tail(n), pdf)
    same(lambda d: d.head(), pdf)
    same(lambda d: d.tail(), pdf)
    for sl in (slice(None, 2), slice(-2, None), slice(1, -1), slice(10, 20), slice(-10, 2), slice(3, 1),
               slice(-100, -3)):
        same(lambda d: d.iloc[sl], pdf)
        same(lambda d: d[sl], pdf)
    same(lambda d: d.iloc[1:]["i"] * 2, pdf)
    nie(lambda d: d.iloc[::2], pdf)  # a step
    same(lambda d: d.iloc[1.5:], pdf)  # TypeError
    same(lambda d: d[d["i"] > 0].head(2), pdf)

    def head_mask(d):
        h = d.head(4)
        return h[h["b"]]
    same(head_mask, pdf)


def test_metadata():
    for pdf in (FRAMES["str_index"], FRAMES["empty"]):
        same(lambda d: d.dtypes, pdf)
        same(lambda d: d.columns, pdf)
        same(lambda d: d.shape, pdf)
        same(lambda d: len(d), pdf)
        same(lambda d: d[d["b"]].shape, pdf)
        same(lambda d: d.empty, pdf)
        same(lambda d: list(d), pdf)
        same(lambda d: "i" in d, pdf)
        for c in DF.columns:
            same(lambda d: d[c].dtype, pdf)
            same(lambda d: d[c].name, pdf)
            same(lambda d: len(d[c]), pdf)
            same(lambda d: d[c].shape, pdf)
            same(lambda d: d[c].size, pdf)
    same(lambda d: (d["i"] + d["g"]).dtype)
    same(lambda d: d.assign(x=d["j"] + 1, y=d["g"] * 2, z=d["s"] + "!", w=d["b"] & True).dtypes)


# ------------------------------------------------------------------ summaries

def test_describe():
    same(lambda d: d[["i", "j", "f", "g", "b", "s"]].describe())
    same(lambda d: d[["f", "g"]].describe(), FRAMES["empty"])
    same(lambda d: d[["f", "i"]].describe(), FRAMES["int_index"])
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"x": rng.normal(size=1000), "y": rng.integers(-5, 5, 1000), "z": rng.normal(size=1000).astype("float32")})
    big.loc[::7, "x"] = np.nan
    same(lambda d: d.describe(), big, rtol=1e-6)
    nie(lambda d: d.describe())  # a datetime column
    nie(lambda d: d[["s", "b"]].describe())  # no numeric column: pandas describes the objects


@pytest.mark.parametrize("c", list(DF.columns))
def test_value_counts_and_unique(c):
    pdf = pd.concat([DF, DF.iloc[[0, 2, 2, 5, 1]]], ignore_index=True)  # ties and repeats
    for normalize in (False, True):
        for dropna in (True, False):
            for ascending in (False, True):
                for sort in (True, False):
                    same(lambda d: d[c].value_counts(normalize=normalize, dropna=dropna, ascending=ascending,
                                                     sort=sort), pdf)
    same(lambda d: d[c].value_counts(), FRAMES["empty"])
    same(lambda d: d[c].value_counts(), FRAMES["str_index"])
    same(lambda d: d[c].unique(), pdf)
    same(lambda d: d[c].unique(), FRAMES["empty"])
    same(lambda d: d[c].nunique(), pdf)


def test_get_dummies():
    pdf = pd.DataFrame({
        "i": np.array([3, 1, 3, 1, 2, 2, 5], dtype=np.int64),
        "f": [1.5, np.nan, 1.5, 0.1, np.nan, -0.0, 0.0],
        "b": [True, False, True, False, True, False, True],
        "s": pd.Series(["b", None, "a", "b", "a", "日本", "ç"], dtype="str"),
        "t": pd.Series(["x", "y", "x", "y", "x", "y", "x"], dtype="str"),
        "d": pd.to_datetime(["2020-01-01", None, "2020-01-01", "2000-02-29", "1677-09-22", "2262-04-11",
                             "2000-02-29"]).astype("datetime64[us]"),
    })
    gd = lambda d, **kw: (fpd if isinstance(d, flern.DataFrame) else pd).get_dummies(d, **kw)  # noqa: E731
    same(lambda d: gd(d), pdf)
    same(lambda d: gd(d, columns=["s", "i"]), pdf)
    same(lambda d: gd(d, columns=["f", "b", "d"]), pdf)
    same(lambda d: gd(d, columns="t"), pdf)
    same(lambda d: gd(d, drop_first=True), pdf)
    same(lambda d: gd(d, dtype=int), pdf)
    same(lambda d: gd(d, dtype=float), pdf)
    same(lambda d: gd(d, dtype="int32"), pdf)
    same(lambda d: gd(d, columns=["t"], drop_first=True, dtype=int), pdf)
    same(lambda d: gd(d, prefix_sep="/"), pdf)
    same(lambda d: gd(d.iloc[:0]), pdf)
    same(lambda d: gd(d[["i", "f"]]), pdf)
    same(lambda d: gd(d, columns=["nope"]), pdf)
    same(lambda d: gd(d, columns=["t"]), pdf.set_axis(pd.Index(list("abcdefg"))))
    same(lambda d: gd(d, prefix="p"), pdf)
    same(lambda d: gd(d, columns=["t", "s"], prefix=["T", "S"], prefix_sep=""), pdf)
    same(lambda d: gd(d, columns=["s"], prefix={"s": ""}, prefix_sep="", dtype=float), pdf)
    same(lambda d: gd(d, prefix=["only one"]), pdf)  # pandas' ValueError: wrong prefix length
    for kw in ({"dummy_na": True}, {"columns": ["s", "s"]}, {"sparse": True}):
        nie(lambda d: gd(d, **kw), pdf)


REDUCTIONS = ["sum", "mean", "min", "max", "count", "std", "var", "median", "nunique"]


@pytest.mark.parametrize("fn", REDUCTIONS)
def test_series_reductions(fn):
    all_nan = pd.DataFrame({"f": [np.nan, np.nan], "g": np.array([np.nan, np.nan], dtype=np.float32),
                            "s": pd.Series([None, None], dtype="str"), "i": [1, 2]})
    one = DF.iloc[[0]]
    for pdf in (DF, FRAMES["empty"], all_nan, one, FRAMES["str_index"]):
        for c in pdf.columns:
            call = lambda d: getattr(d[c], fn)()  # noqa: E731
            if c in ("d", "dn") and fn in ("mean", "median", "std"):
                nie(call, pdf)
            elif c in ("s", "t") and fn == "sum":
                nie(call, pdf)
            else:
                same(call, pdf, rtol=1e-6)


def test_reductions_numeric_precision():
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame({"x": rng.normal(size=20000) * 1e6, "g": rng.normal(size=20000).astype(np.float32),
                        "i": rng.integers(-2**40, 2**40, 20000)})
    for fn in ("sum", "mean", "std", "var", "median", "min", "max"):
        for c in pdf.columns:
            same(lambda d: getattr(d[c], fn)(), pdf, rtol=1e-12 if c != "g" else 1e-6)
    nie(lambda d: d["f"].std(ddof=0))
    nie(lambda d: d["f"].nunique(dropna=False))


def test_drop_in_namespace():
    """The same pandas code with ``import flern.pandas as pd``."""
    def pipeline(m):
        df = m.DataFrame({"a": [3, 1, 2, 5], "s": ["x", None, "Ωmega", "x"], "f": [0.5, np.nan, 2.0, -1.0]})
        df["g"] = df["a"] * 2 + df["f"]
        df = df[m.notna(df["s"]) & (df["a"] > 1)]
        df = df.assign(u=df["s"].str.upper(), n=df["s"].fillna("").str.len())
        return df.rename(columns={"g": "G"}).drop(columns=["f"])

    assert_same(pipeline(fpd), pipeline(pd))
    assert_same(fpd.Series([1.5, None, 3.0], name="x"), pd.Series([1.5, None, 3.0], name="x"))
    assert_same(fpd.Series(["a", None]).str.upper(), pd.Series(["a", None]).str.upper())
    assert_same(fpd.isna(fpd.Series([1.0, np.nan])), pd.isna(pd.Series([1.0, np.nan])))
    assert fpd.isna(None) and not fpd.notna(np.nan)
    with pytest.raises(NotImplementedError):
        fpd.concat


def test_get_dummies_pins_its_columns(tmp_path):
    """get_dummies learns its indicator columns when recorded (later ops see them as a static
    schema); if the data changes before the run, the run fails instead of mislabeling."""
    path = tmp_path / "d.csv"
    path.write_text("k,x\na,1\nb,2\n")
    d = fpd.get_dummies(fpd.read_csv(str(path)), dtype=float)
    assert list(d.columns) == ["x", "k_a", "k_b"]
    pdt.assert_frame_equal(d[["k_b", "x"]].to_pandas(),
                           pd.get_dummies(pd.read_csv(str(path)), dtype=float)[["k_b", "x"]])
    path.write_text("k,x\na,1\nc,2\n")
    with pytest.raises(flern.errors.FlernValueError, match="categories changed"):
        d.to_pandas()


def test_mean_of_inf_and_minus_inf_is_a_numpy_nan():
    """A NaN computed from values (inf + -inf) is a numpy scalar in pandas; only a mean over
    nothing is a Python float NaN."""
    for vals in ([np.inf, -np.inf], [np.nan, np.nan], []):
        p = pd.Series(vals, dtype="float64")
        got, want = flern.DataFrame({"x": p})["x"].mean(), p.mean()
        assert type(got) is type(want) and np.isnan(got) and np.isnan(want)


def test_get_dummies_whose_indicators_nobody_reads_is_not_run(tmp_path):
    """A label read from the encoded frame (``y = get_dummies(df)[["x"]]``) does not encode:
    the optimizer makes get_dummies a projection of its passed-through columns (explain shows
    no get_dummies), so data whose categories changed since recording gives pandas' answer
    instead of the categories error (pandas computes categories from the data)."""
    path = tmp_path / "d.csv"
    path.write_text("k,x,z\na,1,u\nb,2,\n,3,w\n")
    d = fpd.get_dummies(fpd.read_csv(str(path)), columns=["k"], dtype=float)
    y = d[["x", "z"]]
    plan = y.explain()
    if not flern._config.no_opt:
        assert "= get_dummies(" not in plan
    want = pd.get_dummies(pd.read_csv(str(path)), columns=["k"], dtype=float)[["x", "z"]]
    pdt.assert_frame_equal(y.to_pandas(), want)
    path.write_text("k,x,z\na,1,u\nc,2,v\n")
    y = d[["x", "z"]]
    want = pd.get_dummies(pd.read_csv(str(path)), columns=["k"], dtype=float)[["x", "z"]]
    if not flern._config.no_opt:
        pdt.assert_frame_equal(y.to_pandas(), want)
    else:
        with pytest.raises(flern.errors.FlernValueError, match="categories changed"):
            y.to_pandas()
    assert "k_a" in d.columns  # the indicators stay readable
    with pytest.raises(flern.errors.FlernValueError, match="categories changed"):
        d[["k_a"]].to_pandas()
