"""Regenerates golden_test.go: runs pandas.read_csv on every case below and
records its result in the canonical rendering that csvio's tests compare.

    cd golib/csvio && python3 testdata/gen_golden.py > golden_test.go && gofmt -w golden_test.go

Each case is (name, csv text or bytes, attrs) where attrs uses scan_csv's
attribute spelling (JSON-like); to_kwargs maps it to read_csv arguments.
"""

import io
import json
import math
import sys
import warnings

import pandas as pd

CASES = [
    ("basic types", "a,b,c,d\n1,2.5,x,True\n3,4,y,False\n", {}),
    ("ints with missing become float", "a,b\n1,x\n,y\n3,z\n", {}),
    ("floats with missing", "a\n1.5\nNA\n-2.25\n", {}),
    ("bool any case", "a,b\ntRuE,FALSE\nfalse,true\nTRUE,False\n", {}),
    ("bool with missing is nullable", "a,b\nTrue,1\n,2\nFalse,3\n", {}),
    ("bool with whitespace is str", "a\n True\nFalse\n", {}),
    ("str with missing", "a,b\nx,1\n,2\nNULL,3\nz,4\n", {}),
    ("all missing column is float", "a,b\n,1\nNA,2\n", {}),
    ("header only", "a,b\n", {}),
    ("header only no newline", "a,b", {}),
    ("header only crlf", "a,b\r\n", {}),
    ("unicode", "名前,値,é\nこんにちは,1,ü\n😀,2,ß\n", {}),
    ("crlf", "a,b\r\n1,x\r\n2,y\r\n", {}),
    ("cr only", "a,b\r1,x\r2,y\r", {}),
    ("bom", "\ufeffa,b\n1,2\n", {}),
    ("bom not at start stays", b"a,b\n\xef\xbb\xbf1,2\n", {}),
    ("quoted fields", 'a,b\n"x,y",1\n"he said ""hi""",2\n"",3\n', {}),
    ("quoted numbers are numbers", 'a,b\n"1","2.5"\n" 3",4\n', {}),
    ("quoted NA is NA", 'a,b\n"NA",1\nx,2\n', {}),
    ("quoted newline", 'a,b\n"line1\nline2",1\n3,4\n', {}),
    ("quoted crlf", 'a,b\r\n"x\r\ny",1\r\n"z",2\r\n', {}),
    ("text after closing quote", 'a,b\n"ab"cd,1\nab"c,2\n"a"b"c",3\n', {}),
    ("quoted header", '"a,b","c""d"\n1,2\n', {}),
    ("blank lines skipped", "\n\na,b\n\n1,2\n\n\n3,4\n\n", {}),
    ("whitespace lines skipped", "a,b\n  \n1,2\n\t\n3,4\n   ", {}),
    ("row of separators is not blank", "a,b\n,\n1,2\n", {}),
    ("short rows padded", "a,b,c\n1\n2,3\n4,5,6\n", {}),
    ("trailing separator in header", "a,b,\n1,2,3\n", {}),
    ("empty header names", ",b,\n1,2,3\n", {}),
    ("duplicate names", "a,a,b,a.1\n1,2,3,4\n", {}),
    ("triple duplicate", "a,a,a\n1,2,3\n", {}),
    ("duplicate unnamed", "a,,a\n1,2,3\n", {}),
    ("int64 edges", "a\n9223372036854775807\n-9223372036854775808\n0\n", {}),
    ("int64 edges with missing", "a\n9223372036854775807\n\n-9223372036854775808\nNA\n", {}),
    ("nan and inf spellings", "a\ninf\n-inf\n+inf\nInf\nINF\ninfinity\n-Infinity\n+INFINITY\nnan\nNaN\n-NaN\n-nan\n1.#IND\n1.5\n", {}),
    ("NAN upper is text", "a\nNAN\n1\n", {}),
    ("inf with spaces is text", "a\n inf\n1\n", {}),
    ("float forms", "a\n1e5\n.5\n5.\n1E-3\n1.e5\n+.5e-3\n-0\n00.5\n0.1e-0010\n", {}),
    ("float range", "a\n1e400\n1e-400\n-1e400\n4.9e-324\n1e99999999999\n", {}),
    ("float rounding", "a\n0.1\n0.30000000000000004\n123456789012345678\n1.7976931348623157e308\n2.2250738585072014e-308\n9007199254740993\n", {}),
    ("many digits", "a\n3.14159265358979323846264338327950288419716939937510\n1.5\n", {}),
    ("ints with whitespace", "a,b\n 1, 2.5\n2 ,3.5 \n\t3,4\n", {}),
    ("not numbers", "a\n1e\n.\n-\n+\n1_000\n0x10\n1.5.2\n--1\n1e5e5\n", {}),
    ("sign only ints", "a\n+1\n-2\n+0\n00012\n", {}),
    ("keep_default_na false", "a,b,c\n1,,NA\n2,x,nan\n", {"keep_default_na": False}),
    ("keep_default_na false padded", "a,b\n1\n2,x\n", {"keep_default_na": False}),
    ("keep_default_na false with na_values", "a,b\n1,\n2,x\n", {"keep_default_na": False, "na_values": ["x"]}),
    ("na_values added", "a,b\n1,missing\n2,x\n-,NA\n", {"na_values": ["missing", "-"]}),
    ("na_values numeric", "a,b,c\n-999.0,1,x\n2,-999,-999\n-999.00,-0999,y\n", {"na_values": ["-999"]}),
    ("na_values float form", "a,b\n1,2\n3,4\n", {"na_values": ["1e0"]}),
    ("na_values per column", "a,b\n1,1\nNA,NA\n", {"na_values": {"a": ["1"]}}),
    ("na_values per column no defaults", "a,b\n1,1\nNA,NA\n", {"na_values": {"a": ["1"]}, "keep_default_na": False}),
    ("usecols", "a,b,c\n1,x,2.5\n3,y,4.5\n", {"usecols": ["c", "a"]}),
    ("usecols allows long rows", "a,b\n1,2\n3,4,5\n6,7,8,9\n", {"usecols": ["b"]}),
    ("usecols with duplicate header", "a,a\n1,2\n", {"usecols": ["a.1"]}),
    ("usecols skips bad utf8", b"a,b\n1,\xff\n", {"usecols": ["a"]}),
    ("usecols ignores quoted newline column", 'a,b\n"x\n",1\n', {"usecols": ["b"]}),
    ("sep semicolon", "a;b\n1,5;x\n2;y\n", {"sep": ";"}),
    ("sep tab", "a\tb\n1\t x\n\t\n2\ty\n", {"sep": "\t"}),
    ("sep space", "a b\n1 2\n3  4\n", {"sep": " "}),
    ("quotechar single", "a,b\n'x,y',1\n\"q\",2\n", {"quotechar": "'"}),
    ("names without header", "1,2\n3,4\n", {"names": ["a", "b"], "header": False}),
    ("names infer header", "1,2\n3,4\n", {"names": ["a", "b"]}),
    ("names replace header", "x,y\n1,2\n3,4\n", {"names": ["a", "b"], "header": True}),
    ("names longer than data", "1,2\n3,4\n", {"names": ["a", "b", "c"], "header": False}),
    ("names short rows", "1\n3,4\n", {"names": ["a", "b"], "header": False}),
    ("names empty file", "", {"names": ["a", "b"], "header": False}),
    ("names empty file header", "", {"names": ["a", "b"], "header": True}),
    ("names with usecols", "1,2,3\n4,5,6\n", {"names": ["a", "b", "c"], "header": False, "usecols": ["c"]}),
    ("dtype int64 from float text", "a,b\n1.0,1\n1e3,2\n", {"dtype": {"a": "int64"}}),
    ("dtype int64 from bool", "a,b\nTrue,1\nFalse,2\n", {"dtype": {"a": "int64"}}),
    ("dtype float64", "a,b\n1,2\n3,\n", {"dtype": {"a": "float64", "b": "float64"}}),
    ("dtype float32", "a,b\n0.1,2\n,3\n", {"dtype": {"a": "float32"}}),
    ("dtype int32", "a,b\n2147483647,2\n-2147483648,3\n", {"dtype": {"a": "int32"}}),
    ("dtype str", "a,b\n1.50,2\nNA,3\n007,4\n", {"dtype": {"a": "str"}}),
    ("dtype str all", "a,b\n1,2\n\n", {"dtype": "str"}),
    ("dtype bool from ints", "a,b\n1,2\n0,3\n", {"dtype": {"a": "bool"}}),
    ("dtype bool from floats", "a,b\n1.0,2\n0,3\n", {"dtype": {"a": "bool"}}),
    ("dtype bool", "a,b\nTrue,2\nfalse,3\n", {"dtype": {"a": "bool"}}),
    ("dtype float from bool with missing", "a,b\nTrue,2\n,3\nFalse,4\n", {"dtype": {"a": "float64"}}),
    ("dtype unknown column ignored", "a,b\n1,2\n", {"dtype": {"zz": "int64"}}),
    ("dtype follows mangled names", "a,a\n1,2\n0,3\n", {"dtype": {"a": "float64"}}),
    ("dtype with usecols", "a,b\n1,x\n", {"dtype": {"b": "str"}, "usecols": ["a"]}),
    ("dtype on header only", "a,b\n", {"dtype": {"a": "int64", "b": "float32"}}),
    ("dtype bool on header only", "a,b\n", {"dtype": {"a": "bool"}}),
    ("parse_dates date", "d,b\n2020-01-02,1\n2021-12-31,2\n1969-07-20,3\n", {"parse_dates": ["d"]}),
    ("parse_dates missing", "d,b\n2020-01-02,1\n,2\nNaT,3\nnat,4\n", {"parse_dates": ["d"]}),
    ("parse_dates seconds", "d\n2020-01-02 03:04:05\n1970-01-01 00:00:00\n", {"parse_dates": ["d"]}),
    ("parse_dates T", "d\n2020-01-02T03:04:05\n2000-02-29T23:59:59\n", {"parse_dates": ["d"]}),
    ("parse_dates minutes", "d\n2020-01-02 03:04\n2020-01-02 13:14\n", {"parse_dates": ["d"]}),
    ("parse_dates fraction", "d\n2020-01-02 03:04:05.5\n2020-01-02 03:04:05.123456\n", {"parse_dates": ["d"]}),
    ("parse_dates nanoseconds", "d\n2020-01-02 03:04:05.5\n2020-01-02 03:04:05.123456789\n", {"parse_dates": ["d"]}),
    ("parse_dates old dates", "d\n0001-01-01\n1677-01-01\n9999-12-31\n", {"parse_dates": ["d"]}),
    ("parse_dates mixed layouts stay str", "d\n2020-01-02\n2020-01-02 03:04:05\n", {"parse_dates": ["d"]}),
    ("parse_dates mixed fraction stay str", "d\n2020-01-02 03:04:05.5\n2020-01-02 03:04:05\n", {"parse_dates": ["d"]}),
    ("parse_dates mixed T stay str", "d\n2020-01-02T03:04:05\n2020-01-02 03:04:05\n", {"parse_dates": ["d"]}),
    ("parse_dates invalid date stays str", "d\n2020-02-30\n2020-01-01\n", {"parse_dates": ["d"]}),
    ("parse_dates invalid time stays str", "d,e\n2020-01-02 24:00:00,1\nNaT,2\n,3\n", {"parse_dates": ["d"]}),
    ("parse_dates ns out of range stays str", "d\n2300-01-02 00:00:00.123456789\n", {"parse_dates": ["d"]}),
    ("parse_dates later word stays str", "d\n2020-01-02\nbad\n2020-01-03\n", {"parse_dates": ["d"]}),
    ("parse_dates first NA word stays str", "d\nNA\n2020-01-02\n2020-01-03\n", {"parse_dates": ["d"], "keep_default_na": False}),
    ("parse_dates later NA word stays str", "d\n2020-01-02\n2020-01-03\nNULL\n", {"parse_dates": ["d"], "keep_default_na": False}),
    ("parse_dates overrides dtype", "d\n2020-01-02\n", {"parse_dates": ["d"], "dtype": {"d": "int64"}}),
    ("parse_dates keep_default_na false", "d,e\n2020-01-02,\n,x\n", {"parse_dates": ["d"], "keep_default_na": False}),
    ("parse_dates header only", "d,b\n", {"parse_dates": ["d"]}),
    ("parse_dates mangled", "d,d\n2020-01-02,2020-01-03\n", {"parse_dates": ["d.1"]}),
    ("padded trailing whitespace at eof", "a,b\n1,2\n  ", {}),
    ("last line without newline", "a,b\n1,2\n3,4", {}),
    ("trailing separator at eof", "a,b,c\n1,2,", {}),
    ("empty quoted at eof", 'a,b\n1,""', {}),
    ("overflow with text is str", "a\n9223372036854775808\nx\n", {}),
    ("overflow with float is float", "a\n1.5\n9223372036854775808\n", {"dtype": {"a": "float64"}}),
    # errors whose message csvio reproduces verbatim
    ("err ragged", "a,b\n1,2\n3,4,5\n", {}),
    ("err ragged after blank lines", "\n\na,b\n1,2\n\n\n3,4,5\n", {}),
    ("err ragged after quoted newline", 'a,b\n"x\ny",1\n"p""q",2\nz,3,4\n', {}),
    ("err ragged last line", "a,b\n1,2\n3,4,5", {}),
    ("err ragged crlf", "a,b\r\n1,2\r\n\r\n3,4,5\r\n", {}),
    ("err ragged names", "1\n2,3\n4,5,6\n", {"names": ["a", "b"], "header": False}),
    ("err sep space whitespace line", "a b\n1 2\n  \n3 4\n", {"sep": " "}),
    ("err eof in quote", 'a,b\n1,2\n"abc', {}),
    ("err eof in quote after quoted newline", 'a,b\n"x\ny",1\n"unterminated,2\n', {}),
    ("err eof in quote in header", '"a,b\n1,2\n', {}),
    ("err empty file", "", {}),
    ("err blank file", "\n\r\n  \n", {}),
    ("err usecols", "a,b\n1,2\n", {"usecols": ["x"]}),
    ("err parse_dates missing", "a,b\n1,2\n", {"parse_dates": ["x"]}),
    ("err parse_dates not in usecols", "d,b\n2020-01-01,2\n", {"parse_dates": ["d"], "usecols": ["b"]}),
    ("err duplicate names", "1,2\n", {"names": ["a", "a"], "header": False}),
    ("err bad utf8", b"a,b\n1,x\n2,\xffy\n", {}),
    ("err bad utf8 header", b"a,\xff\n1,2\n", {}),
    ("err bad utf8 continuation", b"a\nx\xc3(\n", {}),
    ("err bad utf8 truncated", b"a\nx\xe2\x82\n", {}),
    ("err dtype int text", "a,b\n1,2\nx,3\n", {"dtype": {"a": "int64"}}),
    ("err dtype int missing", "a,b\n1,2\n,3\n", {"dtype": {"a": "int64"}}),
    ("err dtype int missing later column", "a,b\n1,2\n\n4,3\n5,NA\n", {"dtype": {"b": "int64"}}),
    ("err dtype int fraction", "a,b\n1,2\n1.5,3\n", {"dtype": {"a": "int64"}}),
    ("err dtype int fraction and missing", "a,b\n1,1.5\n,\n", {"dtype": {"b": "int64"}}),
    ("err dtype int nan first", "a,b\n1,\n,x\n", {"dtype": {"b": "int64"}}),
    ("err dtype int bool missing", "a,b\n1,True\n,\n", {"dtype": {"b": "int64"}}),
    ("err dtype int big float", "a,b\n1,1e30\n,2\n", {"dtype": {"b": "int64"}}),
    ("err dtype int32 range", "a,b\n1,2147483648\n,1\n", {"dtype": {"b": "int32"}}),
    ("err dtype float text", "a,b\n1,2\nx,3\n", {"dtype": {"a": "float64"}}),
    ("err dtype float bool and text", "a,b\n1,True\n,x\n", {"dtype": {"b": "float64"}}),
    ("err dtype bool missing", "a,b\nTrue,2\n,3\n", {"dtype": {"a": "bool"}}),
    ("err dtype bool ints", "a,b\n1,2\n,2\n", {"dtype": {"b": "bool"}}),
    ("err dtype bool text", "a,b\nyes,2\n0,3\n", {"dtype": {"a": "bool"}}),
    ("err dtype datetime", "a,b\n1,2\n", {"dtype": {"a": "datetime64[ns]"}}),
    ("long field", "a,b\n" + "x" * 5000 + ",1\n", {}),
]


def to_kwargs(attrs):
    kw = {}
    for k, v in attrs.items():
        if k == "header":
            kw["header"] = 0 if v else None
        else:
            kw[k] = v
    return kw


def esc(s):
    return '"' + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"') + '"'


def is_null(v):
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def render(df):
    parts = []
    for c in df.columns:
        s = df[c]
        dt = str(s.dtype)
        vals = s.tolist()
        if dt == "object":
            nn = [v for v in vals if not is_null(v)]
            if nn and all(isinstance(v, bool) for v in nn):
                dt = "bool?"
            else:
                dt = "str"
        if dt.startswith("datetime64"):
            ints = s.values.astype("int64").tolist()
            out = ["None" if is_null(v) else str(i) for v, i in zip(vals, ints)]
        else:
            out = []
            for v in vals:
                if dt == "float64" or dt == "float32":
                    out.append(repr(float(v)))
                elif is_null(v):
                    out.append("None")
                elif dt in ("str", "bool?") and isinstance(v, str):
                    out.append(esc(v))
                else:
                    out.append(str(v))
        parts.append("%s:%s=[%s]" % (esc(c), dt, ", ".join(out)))
    return " | ".join(parts)


def go_str(b):
    if isinstance(b, str):
        b = b.encode()
    out = '"'
    for ch in b:
        c = chr(ch)
        if c == '"':
            out += '\\"'
        elif c == "\\":
            out += "\\\\"
        elif c == "\n":
            out += "\\n"
        elif c == "\r":
            out += "\\r"
        elif c == "\t":
            out += "\\t"
        elif 32 <= ch < 127:
            out += c
        else:
            out += "\\x%02x" % ch
    return out + '"'


def main():
    w = sys.stdout.write
    w("// Code generated by testdata/gen_golden.py from pandas %s; DO NOT EDIT.\n\n" % pd.__version__)
    w("package csvio\n\n")
    w("// goldenCases are pandas.read_csv results in the rendering of render().\n")
    w("var goldenCases = []goldenCase{\n")
    for name, text, attrs in CASES:
        data = text.encode() if isinstance(text, str) else text
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = pd.read_csv(io.BytesIO(data), **to_kwargs(attrs))
            want = render(df)
        except Exception as e:  # error cases: csvio's message must contain pandas'
            want = "ERR " + str(e).strip()
        w("\t{name: %s, csv: %s, attrs: %s,\n\t\twant: %s},\n" % (
            go_str(name), go_str(data), go_str(json.dumps(attrs, ensure_ascii=False)), go_str(want)))
    w("}\n")


if __name__ == "__main__":
    main()
