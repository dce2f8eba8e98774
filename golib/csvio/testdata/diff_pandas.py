"""Randomized differential check of csvio against pandas.read_csv.

    python3 testdata/diff_pandas.py [N] [seed] [clean]

"clean" leaves out integers beyond int64 and text after closing quotes
(which csvio often refuses), to exercise the ordinary paths more.

Writes N random CSV files (with random scan_csv attrs) to a temporary
directory, renders them with csvio (go test -run TestDiffDir) and with
pandas, and reports every difference. csvio's deliberate refusals
(NotImplemented, non-ISO dates) are counted, not reported.
"""

import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import warnings

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from gen_golden import render, to_kwargs  # noqa: E402

TOKENS = {
    "int": ["0", "1", "-1", "42", "+7", "007", " 3", "4 ", "9223372036854775807", "-9223372036854775808", "123456",
            "9223372036854775808", "-9223372036854775809", "18446744073709551616"],
    "float": ["1.5", "-0.25", ".5", "5.", "1e5", "1E-3", "inf", "-Infinity", "3.14159", "1e308", "2.5e-310", "-0.0", "0.1"],
    "bool": ["True", "False", "true", "FALSE", "tRuE"],
    "na": ["", "NA", "nan", "NaN", "NULL", "None", "#N/A", "n/a", "<NA>", "-nan", "null"],
    "str": ["x", "hello world", "a,b", 'say "hi"', "line1\nline2", "crlf\r\nin", "é", "名前", "😀", "  pad  ", "'q'", "1_000", "0x1f", "NAN", "1e", "-", "True ", "#", "a\tb"],
    "date": ["2020-01-02", "1999-12-31", "2000-02-29", "1970-01-01"],
    "datetime": ["2020-01-02 03:04:05", "1999-12-31 23:59:59", "2000-02-29 12:00:00", "2020-01-02T03:04:05",
                 "2020-01-02 03:04:05.25", "2020-01-02 03:04", "2021-02-29 00:00:00", "2020-01-02 03:04:05.123456789"],
}


CLEAN = False


def quote(v, sep, q):
    if not CLEAN and random.random() < 0.03:
        return q + v.replace(q, q + q) + q + "tail"  # text after the closing quote
    need = sep in v or "\n" in v or "\r" in v or q in v or v.startswith(" ") and random.random() < 0.5
    if need or random.random() < 0.1:
        return q + v.replace(q, q + q) + q
    return v


def gen(rng):
    ncols = rng.randint(1, 6)
    kinds = [rng.choice(["int", "float", "bool", "str", "date", "datetime", "mix"]) for _ in range(ncols)]
    sep = rng.choice([",", ",", ",", ";", "\t", "|"])
    q = '"'
    nl = rng.choice(["\n", "\n", "\r\n"])
    names = []
    for i in range(ncols):
        n = rng.choice(["a", "b", "col", "x y", "", "名", "a", 'q"n', "v,w"])
        names.append(n)
    lines = [sep.join(quote(n, sep, q) for n in names)]
    nrows = rng.randint(0, 30)
    for _ in range(nrows):
        if rng.random() < 0.05:
            lines.append(rng.choice(["", "  "]))
            continue
        row = []
        for k in kinds:
            if rng.random() < 0.15:
                v = rng.choice(TOKENS["na"])
            elif k == "mix":
                v = rng.choice(TOKENS[rng.choice(["int", "float", "bool", "str"])])
            else:
                v = rng.choice(TOKENS[k])
            row.append(quote(v, sep, q))
        if rng.random() < 0.05 and len(row) > 1:
            row = row[: rng.randint(1, len(row) - 1)]
        elif rng.random() < 0.01:
            row.append("extra")
        lines.append(sep.join(row))
    text = nl.join(lines) + (nl if rng.random() < 0.8 else "")
    attrs = {}
    if rng.random() < 0.1:
        attrs["names"] = ["n%d" % i for i in range(ncols + rng.choice([0, 0, 1]))]
        attrs["header"] = rng.choice([True, False])
        if not attrs["header"]:
            lines = lines[1:]
            text = nl.join(lines) + nl
    if sep != ",":
        attrs["sep"] = sep
    if rng.random() < 0.15:
        attrs["keep_default_na"] = False
    if rng.random() < 0.15:
        attrs["na_values"] = [rng.choice(["x", "-1", "1.5", "hello world", "True"])]
    cols = attrs.get("names") or dedup(names)
    dates = [n for n, k in zip(cols, kinds) if k in ("date", "datetime")]
    if dates and rng.random() < 0.7:
        attrs["parse_dates"] = dates
    if rng.random() < 0.15:
        attrs["usecols"] = rng.sample(cols, rng.randint(1, len(cols)))
        if "parse_dates" in attrs:
            attrs["parse_dates"] = [d for d in attrs["parse_dates"] if d in attrs["usecols"]]
    if rng.random() < 0.15:
        attrs["dtype"] = {rng.choice(cols): rng.choice(["int64", "float64", "str", "bool", "float32", "int32"])}
    return text.encode(), attrs


def dedup(names):
    # header names as pandas sees them (mangled)
    df = pd.read_csv(io.StringIO(",".join('"%s"' % n.replace('"', '""') for n in names) + "\n"))
    return [str(c) for c in df.columns]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    global CLEAN
    CLEAN = len(sys.argv) > 3 and sys.argv[3] == "clean"
    if CLEAN:
        TOKENS["int"] = [t for t in TOKENS["int"] if t not in ("9223372036854775808", "-9223372036854775809", "18446744073709551616")]
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="csvio_diff_")
    want = {}
    for i in range(n):
        data, attrs = gen(rng)
        base = os.path.join(d, "c%04d" % i)
        open(base + ".csv", "wb").write(data)
        open(base + ".json", "w").write(json.dumps(attrs))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = pd.read_csv(io.BytesIO(data), **to_kwargs(attrs))
            want[base] = render(df)
        except Exception as e:
            want[base] = "ERR " + type(e).__name__ + " " + str(e).strip()
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["go", "test", "-count=1", "-run", "TestDiffDir", "."], cwd=os.path.dirname(here),
                   env=dict(os.environ, CSVIO_DIFF_DIR=d), check=True)
    bad = refused = msgdiff = known = 0
    verbose = os.environ.get("VERBOSE")
    for base, w in sorted(want.items()):
        g = open(base + ".got").read()
        if g.startswith("ERR NotImplemented") or (g.startswith("ERR Parse") and "as a date" in g):
            refused += 1
            if verbose:
                print("REFUSED", base, "\n  want:", w[:300], "\n  got :", g[:300])
            continue
        ok = g == w or (g.startswith("ERR") and w.startswith("ERR"))
        if not ok and re.sub(r"datetime64\[s\]=\[((None, )*None)\]", r"datetime64[us]=[\1]", w) == g:
            known += 1  # all-NaT dates: pandas picks datetime64[s], csvio datetime64[us]
            continue
        if ok and g.startswith("ERR") and w.split(" ", 2)[2] not in g:
            msgdiff += 1
            print("MESSAGE", base, "\n  want:", w[:300], "\n  got :", g[:300])
        if not ok:
            bad += 1
            print("MISMATCH", base, json.dumps(json.load(open(base + ".json"))))
            print("  csv :", repr(open(base + ".csv", "rb").read())[:600])
            print("  want:", w[:600])
            print("  got :", g[:600])
    print("%d cases, %d mismatches, %d message differences, %d refused (NotImplemented / non-ISO date), "
          "%d known (all-NaT unit); dir %s" % (n, bad, msgdiff, refused, known, d))


if __name__ == "__main__":
    main()
