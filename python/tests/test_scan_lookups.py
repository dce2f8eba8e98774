"""Dictionary-coded Parquet columns read as lookups (golib/parquetio/lookup.go, the scan_lookups
stage in golib/exec/scanlookups.go): each against pandas on the same file, and against the plan
with the stage off. The scan keeps an int64, float64 or datetime column as its dictionary indices
and values where every reader takes that (a row-local project of it alone, an int64 column's
mean/var/std/count, a row_split's producers, a kept frame); the readers compute from the codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flern
import flern.pandas as fpd
from flern import _config

N = 90_000


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.choice(np.array([0.5, -1.25, 3.0, 1e300, -0.0]), N)
    f[rng.random(N) < 0.1] = np.nan
    times = pd.date_range("2001-01-01", periods=5000, freq="7min").values.astype("datetime64[us]")
    return pd.DataFrame({
        "i": rng.integers(-50, 3000, N).astype(np.int64),
        "big": rng.choice(np.array([2**62, -(2**62) + 7, 5], dtype=np.int64), N),
        "f": f,
        "t": times[rng.integers(0, len(times), N)],
        "s": rng.choice(np.array(["ab", "cd", "éf"], dtype=object), N),
    })


@pytest.fixture
def lookups_off(monkeypatch):
    def off():
        monkeypatch.setattr(_config, "disabled_passes", set(_config.disabled_passes) | {"scan_lookups"})
    return off


def _stage_on() -> bool:
    return not _config.no_opt and _config.executor != "interp" and "scan_lookups" not in _config.disabled_passes


def _write(df: pd.DataFrame, tmp_path, **kw) -> str:
    path = str(tmp_path / "lk.parquet")
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=kw.pop("row_group_size", 25_000), **kw)
    return path


@pytest.mark.parametrize("off", [False, True])
def test_lookup_statistics_and_row_local_columns(tmp_path, lookups_off, off):
    """Whole-column statistics of int64 lookups equal pandas' bit for bit (an exact integer sum
    when every partial sum is exact, numpy's pairwise order otherwise: `big`), and row-local
    functions of one column, evaluated once per dictionary entry, equal pandas' row by row."""
    if off:
        lookups_off()
    df = _frame()
    path = _write(df, tmp_path)
    got = fpd.read_parquet(path)
    for c in ("i", "big"):
        for fn in ("mean", "std", "var", "count"):
            assert getattr(got[c], fn)() == getattr(df[c], fn)(), (c, fn)
    assert got["f"].mean() == df["f"].mean() and got["f"].count() == df["f"].count()

    def feats(d, m, s):
        d["h"] = d["t"].dt.hour / 23.0
        d["wd"] = d["t"].dt.day_of_week
        d["iz"] = (d["i"] - m) / s
        d["late"] = (d["i"] > 15).astype("float32")
        d["f2"] = d["f"] * 2.0 + 1.0
        d["neg"] = -d["big"]
        return d

    m, s = df["i"].mean(), df["i"].std()
    want = feats(df.copy(), m, s)
    g = feats(fpd.read_parquet(path), got["i"].mean(), got["i"].std())
    pdt.assert_frame_equal(g.to_pandas(), want, check_exact=True)
    pdt.assert_series_equal(g["h"].to_pandas(), want["h"], check_exact=True)


def test_lookup_readers_that_take_values(tmp_path):
    """Readers that do not take lookups (a filter, a groupby with keys, a sort, a join on the
    column, an expression of two columns) get the values: results equal pandas'."""
    df = _frame(1)
    path = _write(df, tmp_path)
    d = fpd.read_parquet(path)
    d["h"] = d["t"].dt.hour * 1.0
    kept = d[d["i"] > 100]
    want_d = df.copy()
    want_d["h"] = want_d["t"].dt.hour * 1.0
    pdt.assert_frame_equal(kept.to_pandas().reset_index(drop=True),
                           want_d[want_d["i"] > 100].reset_index(drop=True), check_exact=True)
    grp = d.groupby("s")[["i", "h"]].sum()
    pdt.assert_frame_equal(grp.to_pandas(), want_d.groupby("s")[["i", "h"]].sum(), check_exact=True)
    two = (d["i"] * d["h"]).to_pandas()
    pdt.assert_series_equal(two, want_d["i"] * want_d["h"], check_exact=True, check_names=False)
    srt = d.sort_values(["i", "t"]).head(50).to_pandas()
    pdt.assert_frame_equal(srt.reset_index(drop=True),
                           want_d.sort_values(["i", "t"]).head(50).reset_index(drop=True), check_exact=True)


def test_lookup_value_that_raises_but_no_row_holds(tmp_path):
    """A float column's lookup has a NaN entry (its nulls' code) even without a null: astype(int64)
    raises on it, so the column is evaluated row by row, where no row raises (pandas' result).
    With a real NaN row, pandas' error is raised at the user's line."""
    df = pd.DataFrame({"f": np.tile([1.0, 2.5, 7.0], N // 3)})
    path = _write(df, tmp_path)
    d = fpd.read_parquet(path)
    d["k"] = d["f"].astype("int64") * 3
    pdt.assert_frame_equal(d.to_pandas(), df.assign(k=df["f"].astype("int64") * 3), check_exact=True)
    df.loc[5, "f"] = np.nan
    path = _write(df, tmp_path)
    d = fpd.read_parquet(path)
    with pytest.raises(Exception) as want:
        df["f"].astype("int64")
    with pytest.raises(Exception) as e:
        d["k"] = d["f"].astype("int64") * 3
        d.to_pandas()
    assert str(want.value).split(".")[0] in str(e.value) and "test_scan_lookups.py" in str(e.value)


def test_lookup_plain_fallback(tmp_path):
    """A writer that stops dictionary-coding mid-chunk (the dictionary outgrew its page limit)
    leaves plain pages: that row group is decoded as values and the column is materialized whole;
    row groups written plain from the start (use_dictionary off for the file) are read as values."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"i": rng.integers(0, 1 << 40, N).astype(np.int64),
                       "j": rng.integers(0, 40, N).astype(np.int64)})
    for kw in ({"dictionary_pagesize_limit": 4096}, {"use_dictionary": False}):
        path = _write(df, tmp_path, **kw)
        d = fpd.read_parquet(path)
        assert d["i"].mean() == df["i"].mean() and d["i"].std() == df["i"].std()
        assert d["j"].mean() == df["j"].mean()
        d["z"] = d["i"] % 7 + d["j"].astype("float64")
        d["y"] = d["j"] * 2
        pdt.assert_frame_equal(d.to_pandas(), df.assign(z=df["i"] % 7 + df["j"].astype("float64"), y=df["j"] * 2),
                               check_exact=True)


def test_lookup_in_the_flights_shape(tmp_path, lookups_off):
    """The flights (c) shape: statistics probed, then a kept frame whose int64 and datetime columns
    are lookups read by the model's producers. explain() shows the scan's lookups; the mean |logit -
    label| equals pandas + torch's and the plan's with the stage off."""
    torch = pytest.importorskip("torch")
    import flern.torch as ftorch
    rng = np.random.default_rng(7)
    times = pd.date_range("2001-01-01", periods=4000, freq="5min").values.astype("datetime64[us]")
    pdf = pd.DataFrame({"date": times[np.sort(rng.integers(0, len(times), N))],
                        "delay": rng.integers(-30, 200, N).astype(np.int64),
                        "distance": rng.integers(50, 3000, N).astype(np.int64)})
    path = _write(pdf, tmp_path)

    def etl(d):
        d["hour_f"] = d["date"].dt.hour / 23.0
        d["weekday_f"] = d["date"].dt.day_of_week / 6.0
        d["distance_z"] = (d["distance"] - d["distance"].mean()) / d["distance"].std()
        d["late"] = (d["delay"] > 15).astype("float32")
        return d

    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)).eval()
    w = etl(pdf.copy())
    with torch.no_grad():
        want = float((tm(torch.from_numpy(w[["hour_f", "weekday_f", "distance_z"]].to_numpy("float32")))
                      - torch.from_numpy(w[["late"]].to_numpy("float32"))).abs().mean())
    fm = ftorch.nn.Sequential(ftorch.nn.Linear(3, 16), ftorch.nn.ReLU(), ftorch.nn.Linear(16, 1))
    fm.load_state_dict({k: ftorch.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    fm.eval()

    def run():
        d = etl(fpd.read_parquet(path))
        x = d[["hour_f", "weekday_f", "distance_z"]].to_tensor(dtype="float32")
        y = d[["late"]].to_tensor(dtype="float32")
        with ftorch.no_grad():
            return (fm(x) - y).abs().mean()

    acc = run()
    got = float(acc.item())
    if _stage_on():
        plan = fpd.read_parquet(path)[["distance", "delay"]].mean().explain()
        assert 'lookups=["delay", "distance"]' in plan, plan
    assert got == pytest.approx(want, rel=1e-5)
    lookups_off()
    acc2 = run()
    assert "lookups=" not in acc2.explain()
    assert float(acc2.item()) == pytest.approx(got, rel=1e-6)


@pytest.mark.parametrize("off", [False, True])
def test_string_lookups(tmp_path, lookups_off, off):
    """A numbered string column (unique() then merges: the flights airports) kept as value numbers
    and each number's string: unique() gives pandas' order (first occurrence, row groups with
    different dictionaries), the merges probe it by number, a row-local function of it is evaluated
    once per value, and the frame read back whole has pandas' strings."""
    if off:
        lookups_off()
    rng = np.random.default_rng(11)
    names = np.array(["SFO", "JFK", "ORD", "LAX", "SEA", "BOS", "ATL", "a much longer airport name", "Zürich"], dtype=object)
    # the first row groups hold only some of the names: the dictionaries differ
    o = np.where(np.arange(N) < 30_000, rng.integers(0, 3, N), rng.integers(0, len(names), N))
    pdf = pd.DataFrame({"origin": names[o], "dest": names[rng.integers(0, len(names), N)],
                        "v": rng.integers(0, 100, N).astype(np.int64)})
    path = _write(pdf, tmp_path)

    def etl(pd_, d):
        airports = sorted(set(d["origin"].unique()) | set(d["dest"].unique()))
        codes = pd_.DataFrame({"a": airports, "code": np.arange(len(airports), dtype=np.int64)})
        d = d.merge(codes.rename(columns={"a": "origin", "code": "oc"}), on="origin", how="left")
        d = d.merge(codes.rename(columns={"a": "dest", "code": "dc"}), on="dest", how="left")
        d["olen"] = d["origin"].str.len()
        d["up"] = d["dest"].str.upper()
        return d

    d = fpd.read_parquet(path)
    assert list(d["origin"].unique()) == list(pdf["origin"].unique())
    assert list(d["dest"].unique()) == list(pdf["dest"].unique())
    got = etl(fpd, fpd.read_parquet(path))
    want = etl(pd, pdf.copy())
    pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)


def test_string_lookup_joins_that_take_values(tmp_path):
    """A string lookup key joined where the lookup join does not apply (duplicate right keys, an
    inner join dropping rows, a right side holding nulls): the join's general path gets the strings
    materialized; results equal pandas'."""
    rng = np.random.default_rng(12)
    names = np.array(["SFO", "JFK", "ORD", "LAX", "SEA"], dtype=object)
    pdf = pd.DataFrame({"k": names[rng.integers(0, len(names), N)], "v": rng.integers(0, 9, N).astype(np.int64)})
    path = _write(pdf, tmp_path)
    rights = [
        pd.DataFrame({"k": ["SFO", "SFO", "JFK", "LAX"], "w": [1, 2, 3, 4]}),      # duplicate keys
        pd.DataFrame({"k": ["SFO", "ORD"], "w": [5, 6]}),                          # unmatched rows
        pd.DataFrame({"k": ["SFO", None, "SEA"], "w": [7, 8, 9]}),                 # a null key
    ]
    for how in ("left", "inner"):
        for right in rights:
            d = fpd.read_parquet(path)
            keys = d["k"].unique()  # numbers the column (a distinct reads it)
            assert list(keys) == list(pdf["k"].unique())
            got = d.merge(fpd.DataFrame(right), on="k", how=how)
            want = pdf.merge(right, on="k", how=how)
            # read by lookup readers only (the scan's k and v are lookups), then whole
            assert list(got["k"].unique()) == list(want["k"].unique())
            assert got["v"].mean() == want["v"].mean()
            pdt.assert_frame_equal(got.to_pandas().reset_index(drop=True), want.reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("off", [False, True])
def test_derived_lookup(tmp_path, lookups_off, off):
    """A column the scan derives from a string column's dictionary (scan_derive: fuel's Model_Year
    from Year) is itself a lookup when its readers take one: the derived values once per
    dictionary entry, the rows' codes from the string indices. Results equal pandas' and the
    plan's with the stage off; explain() shows the derived column among the scan's lookups."""
    if off:
        lookups_off()
    rng = np.random.default_rng(13)
    years = np.array([f"{y}-01-01" for y in range(1970, 1983)], dtype=object)
    pdf = pd.DataFrame({"Year": years[rng.integers(0, len(years), N)],
                        "w": np.where(rng.random(N) < 0.1, np.nan, rng.integers(1500, 5000, N).astype(np.float64))})
    path = _write(pdf, tmp_path)

    def prep(d):
        d = d[["Year", "w"]]
        d["Model_Year"] = d["Year"].str.slice(0, 4).astype("int64") - 1900
        d = d.drop(columns=["Year"])
        return d.dropna()

    if _stage_on() and not off:  # (before the probes below keep the frame: the plan would read that)
        plan = prep(fpd.read_parquet(path))[["Model_Year"]].mean().explain()
        scan = [line for line in plan.splitlines() if "scan_parquet" in line][0]
        assert "derive=" in scan and 'lookups=["__derived_0__"' in scan, scan
    got, want = prep(fpd.read_parquet(path)), prep(pdf.copy())
    assert got["Model_Year"].mean() == want["Model_Year"].mean()
    assert got["Model_Year"].std() == want["Model_Year"].std()
    pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)


def test_string_lookup_of_a_kept_frame_after_dropna(tmp_path):
    """A kept frame's string lookup read after a dropna that removes every row of some values:
    unique() and a merge on it see only the rows left (the gathered lookup is not numbered: its
    values are not its distinct values)."""
    rng = np.random.default_rng(14)
    names = np.array(["SFO", "JFK", "ORD", "ZZZ"], dtype=object)
    k = names[rng.integers(0, len(names), N)]
    x = rng.normal(size=N)
    x[k == "ZZZ"] = np.nan  # dropna removes every ZZZ row
    x[rng.random(N) < 0.05] = np.nan
    pdf = pd.DataFrame({"k": k, "x": x, "v": rng.integers(0, 50, N).astype(np.int64)})
    path = _write(pdf, tmp_path)
    codes = pd.DataFrame({"k": ["SFO", "JFK", "ORD", "ZZZ"], "c": [0, 1, 2, 3]})

    def steps(pd_, d):
        d["y"] = d["v"] * 2
        out = [d["v"].mean(), d["v"].std(), list(d["k"].unique())]  # probed: d kept
        e = d.dropna()
        out.append(list(e["k"].unique()))
        m = e.merge(pd_.DataFrame(codes), on="k", how="left")
        out.append(m["c"].sum())
        out.append(m.to_pandas() if hasattr(m, "to_pandas") else m)
        return out

    got, want = steps(fpd, fpd.read_parquet(path)), steps(pd, pdf.copy())
    assert got[:5] == want[:5]
    assert "ZZZ" not in got[3]
    pdt.assert_frame_equal(got[5], want[5], check_exact=True)


@pytest.mark.parametrize("off", [False, True])
def test_string_lookup_get_dummies(tmp_path, lookups_off, off):
    """fuel's Origin: a string column read as a lookup through dropna into get_dummies, whose
    categories and indicator columns come from the codes (lookupDummyCodes) -- a category whose
    rows dropna removed gets no column, as in pandas; drop_first, a prefix and the default
    (every string column) too. Equal to pandas and to the plan with the stage off."""
    if off:
        lookups_off()
    rng = np.random.default_rng(15)
    origin = np.array(["USA", "Japan", "Europe", "Mars"], dtype=object)[rng.integers(0, 4, N)]
    w = rng.integers(1500, 5000, N).astype(np.float64)
    w[origin == "Mars"] = np.nan  # dropna removes every Mars row
    w[rng.random(N) < 0.05] = np.nan
    pdf = pd.DataFrame({"Origin": origin, "w": w, "c": rng.integers(3, 9, N).astype(np.int64)})
    path = _write(pdf, tmp_path)
    for kw in ({"columns": ["Origin"], "dtype": float}, {"columns": ["Origin"], "drop_first": True, "prefix": {"Origin": "o"}},
               {}):
        def prep(pd_, d):
            return pd_.get_dummies(d.dropna(), **kw)
        got, want = prep(fpd, fpd.read_parquet(path)), prep(pd, pdf.copy())
        assert "Origin_Mars" not in list(got.columns)
        pdt.assert_frame_equal(got.to_pandas(), want, check_exact=True)
