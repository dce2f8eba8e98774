"""``python -m flern demo``: a small real pipeline on the bundled Auto MPG data.

Part two (demo_model.py) trains the TensorFlow fuel-efficiency tutorial's network with the
whole loop staged in the native core, and the same network in PyTorch when it is installed.

The pipeline is written once, against a pandas-shaped module, and run twice: with
``flern.pandas`` (recorded lazily, optimized and executed by the native core) and, when
pandas is installed, with pandas itself. The demo prints flern's results and the optimized
plan, checks that both engines give the same answers (pandas.testing) and prints the
timings of both (median of a few runs, JSON file to results) and their ratio.

It takes a few seconds; ``--runs`` sets the number of timed runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable

CARS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cars.json")
KPL_PER_MPG = 0.425144  # 1 US mile per gallon = 0.425144 km per litre
MIN_HP = 75

# The small lookup frame merged into the report.
REGIONS = {"Origin": ["USA", "Europe", "Japan"], "Region": ["North America", "Western Europe", "East Asia"]}

RESULTS = ("report", "train", "test", "scored")


def pipeline(pd: Any, path: str = CARS) -> dict[str, Any]:
    """The demo pipeline, for ``pd`` = ``flern.pandas`` or ``pandas``: the same code for both.

    Returns the result frames by name (lazy, unevaluated frames under flern).
    """
    cars = pd.read_json(path)
    cars = cars.dropna()  # 8 cars lack mpg and 6 horsepower
    cars["kpl"] = cars["Miles_per_Gallon"] * KPL_PER_MPG

    # Fuel economy by origin and cylinder count, for cars with at least MIN_HP horsepower.
    powerful = cars[cars["Horsepower"] >= MIN_HP]
    by_group = powerful.groupby(["Origin", "Cylinders"], as_index=False).agg(
        cars=("Name", "count"), mean_kpl=("kpl", "mean"), max_hp=("Horsepower", "max"),
        mean_weight_lbs=("Weight_in_lbs", "mean"))
    regions = pd.DataFrame(REGIONS)
    report = by_group.merge(regions, on="Origin", how="left").sort_values(
        ["mean_kpl", "Origin"], ascending=[False, True])

    # The usual seeded 80/20 split, and a baseline model: predict a test car's km/l by the
    # mean of its (Origin, Cylinders) group in the training set.
    train = cars.sample(frac=0.8, random_state=0)
    test = cars.drop(train.index)
    model = train.groupby(["Origin", "Cylinders"], as_index=False).agg(predicted_kpl=("kpl", "mean"))
    scored = test.merge(model, on=["Origin", "Cylinders"], how="left")
    scored["abs_error"] = (scored["kpl"] - scored["predicted_kpl"]).abs()
    return {"report": report, "train": train, "test": test, "scored": scored}


def materialize(results: dict[str, Any], to_table: Callable[[Any], Any]) -> dict[str, Any]:
    """Evaluate every result (``to_table`` turns a frame into a concrete table) and the MAE."""
    out = {name: to_table(results[name]) for name in RESULTS}
    if type(out["scored"]).__module__.startswith("pyarrow"):
        # Without pandas: flern's Series reductions (Series.mean) convert through pandas
        # today, so take the mean of the evaluated Arrow column, skipping nulls and NaN.
        import pyarrow.compute as pc
        col = out["scored"].column("abs_error")
        col = col.filter(pc.and_(pc.is_valid(col), pc.invert(pc.is_nan(col))))
        out["mae"] = float(pc.mean(col).as_py())
    else:
        out["mae"] = float(results["scored"]["abs_error"].mean())
    return out


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1e3:8.1f} ms"


def _arrow_text(table: Any) -> str:
    """A pyarrow Table as an aligned text table (what the demo prints without pandas)."""
    def cell(v: Any) -> str:
        return f"{v:.6f}" if isinstance(v, float) else str(v)
    rows = [[cell(v) for v in row.values()] for row in table.to_pylist()]
    cols = list(zip(*([table.column_names] + rows)))
    widths = [max(len(c) for c in col) for col in cols]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [table.column_names] + rows)


def _pruning_note(verbose_plan: str) -> list[str]:
    """The source columns the optimized plan stops carrying right after loading (nothing
    downstream reads them)."""
    try:
        optimized = verbose_plan.split("== optimized plan ==", 1)[1]
    except IndexError:
        return []
    source: list[str] = []
    used: set[str] = set()
    for line in optimized.splitlines():
        if not line.startswith("%") or "  :: " not in line:
            continue
        body, schema = line.rsplit("  :: ", 1)
        op = body.split(" = ", 1)[1].split("(", 1)[0]
        cols = [f.rsplit(":", 1)[0] for f in schema.split(", ")]
        if op == "source" and not source:
            source = cols
        elif op not in ("source", "dropna"):
            used.update(cols)
            used.update(c for c in source if f'"{c}"' in body)  # read by an expression or key
    gone = [c for c in source if c not in used]
    return [f"  {', '.join(gone)}"] if gone else []


def _passes(verbose_plan: str) -> str:
    try:
        section = verbose_plan.split("== optimizer passes ==", 1)[1].split("-- after", 1)[0]
    except IndexError:
        return ""
    return ", ".join(" ".join(line.split()[:2]) for line in section.strip().splitlines() if line.strip())


def run(runs: int = 5, out: Any = None, epochs: int | None = None) -> int:
    """Run the demo; returns the process exit status (1 if flern and pandas disagree)."""
    import flern
    import flern.pandas as fpd

    out = out or sys.stdout

    def say(*parts: Any) -> None:
        print(*parts, file=out)

    try:
        import pandas
    except ImportError:
        pandas = None

    to_table = (lambda df: df.to_pandas()) if pandas is not None else (lambda df: df.to_arrow())

    def run_flern() -> dict[str, Any]:
        return materialize(pipeline(fpd), to_table)

    t_first, got = _timed(run_flern)
    lazy = pipeline(fpd)
    n_cars = len(flern.read_json(CARS))

    say(f"flern {flern.__version__} demo: the Auto MPG data set ({n_cars} cars) from {CARS}")
    say()
    say(f"== Fuel economy by origin and cylinders, cars with >= {MIN_HP} hp (km/l = mpg * {KPL_PER_MPG}) ==")
    say(got["report"].to_string() if pandas is not None else _arrow_text(got["report"]))
    say()
    say("== Train/test split: train = df.sample(frac=0.8, random_state=0); test = df.drop(train.index) ==")
    say(f"train: {got['train'].shape[0]} rows, test: {got['test'].shape[0]} rows")
    say(f"baseline model (train mean km/l of the car's origin and cylinders), "
        f"mean absolute error on test: {got['mae']:.4f} km/l")
    say()
    say("== report.explain(): the optimized plan ==")
    say(lazy["report"].explain().rstrip())
    verbose = lazy["report"].explain(verbose=True)
    passes = _passes(verbose)
    if passes:
        say(f"optimizer passes: {passes}")
    notes = _pruning_note(verbose)
    if notes:
        say("source columns the plan stops carrying after dropna because nothing downstream reads them "
            "(an in-memory source is already loaded; a read_csv scan would not parse them):")
        for line in notes:
            say(line)
    say()

    if pandas is None:
        say("pandas is not installed: skipping the comparison with pandas.")
        say(f"flern run time (first run, loading the native library included): {_fmt_s(t_first).strip()}")
        say()
        return _model(say, epochs)

    import pandas.testing as pdt

    def run_pandas() -> dict[str, Any]:
        return materialize(pipeline(pandas), lambda df: df)

    expected = run_pandas()  # also the pandas warm-up (flern's first run above was its warm-up)
    agree = []
    for name in RESULTS:
        try:
            pdt.assert_frame_equal(got[name], expected[name], check_exact=False, rtol=1e-9,
                                   check_index_type="equiv")
            agree.append(name)
        except AssertionError as e:
            say(f"MISMATCH in {name!r} between flern and pandas:\n{e}")
            return 1
    if not abs(got["mae"] - expected["mae"]) <= 1e-9 * abs(expected["mae"]):
        say(f"MISMATCH in the MAE: flern {got['mae']!r}, pandas {expected['mae']!r}")
        return 1
    say(f"== The same pipeline in pandas {pandas.__version__} ==")
    say(f"answers agree: {', '.join(agree)} and the MAE (pandas.testing, rtol=1e-9)")

    times: dict[str, list[float]] = {"flern": [], "pandas": []}
    for _ in range(runs):  # interleaved, so drift on a noisy machine hits both
        times["flern"].append(_timed(run_flern)[0])
        times["pandas"].append(_timed(run_pandas)[0])
    tf, tp = statistics.median(times["flern"]), statistics.median(times["pandas"])
    say(f"timing, JSON file to results, median of {runs} interleaved runs after a warm-up:")
    say(f"  flern  {_fmt_s(tf)}   (first run, loading the native library included: {_fmt_s(t_first).strip()})")
    say(f"  pandas {_fmt_s(tp)}")
    verdict = "flern is faster" if tp > tf else "flern is slower"
    say(f"  ratio pandas/flern: {tp / tf:.2f}x ({verdict} on this {n_cars}-row input)")
    say()
    return _model(say, epochs)


def _model(say: Callable[..., None], epochs: int | None) -> int:
    """The demo's second part: the tutorial's network trained by flern (and PyTorch)."""
    from . import demo_model
    return demo_model.run(say, demo_model.EPOCHS if epochs is None else epochs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flern demo", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per engine (default 5)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs of the network (default 100)")
    args = p.parse_args(argv)
    return run(max(1, args.runs), epochs=args.epochs)
