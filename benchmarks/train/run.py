"""Training benchmarks: flern vs PyTorch CPU, side by side in one run.

    python benchmarks/train/run.py            # (a) 3 repeats, (b) 1 repeat (medians)
    python benchmarks/train/run.py --quick    # 1 repeat, fewer rows for (b)

(a) the fuel-efficiency MLP 9-64-64-1, batch 32, 800 Adam steps (MSE):
    flern staged (flern.fit: the whole loop in the Go core), flern @staged (a
    Python loop calling a @flern.staged step function), flern drop-in
    (a plain Python loop over flern.torch), PyTorch eager, torch.compile
    (when it works here). Reported: wall time of the 800 steps and us/step.
(b) a 256-512-512-10 classifier, 200k synthetic rows, batch 256, one epoch of
    Adam (cross entropy): flern staged vs PyTorch eager; rows/s.

Every system starts from the same initial weights and visits the same
batches; the final losses are printed so a reader can see they agree.
"CPU s" is the process's user+system time over all its threads (on a shared,
loaded machine it is steadier than wall time).
flern's numbers include tracing and compiling the step (its one-time cost).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

import flern  # noqa: E402
import flern.torch as ft  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # (microseconds; os.times() ticks are 10 ms)
    return r.ru_utime + r.ru_stime


def _median(f, repeats):
    """(median wall s, median process CPU s of all threads, last result of f)."""
    times, cpus, out = [], [], None
    for _ in range(repeats):
        c = _cpu()
        t, out = f()
        times.append(t)
        cpus.append(_cpu() - c)
    return statistics.median(times), statistics.median(cpus), out


# ---- (a) the small MLP -----------------------------------------------------------------
def mlp_data(steps, bs, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((steps * bs, 9)).astype(np.float32)
    y = (X[:, :1] * 0.5 + np.sin(X[:, 1:2]) + 0.1 * rng.standard_normal((steps * bs, 1))).astype(np.float32)
    return X, y


def flern_mlp(seed=0):
    ft.manual_seed(seed)
    return ft.nn.Sequential(ft.nn.Linear(9, 64), ft.nn.ReLU(), ft.nn.Linear(64, 64), ft.nn.ReLU(), ft.nn.Linear(64, 1))


def torch_from(fm, layers):
    import torch
    tm = torch.nn.Sequential(*layers)
    tm.load_state_dict({k: torch.as_tensor(v.numpy().copy()) for k, v in fm.state_dict().items()})
    return tm


def bench_a(repeats, steps=800, bs=32):
    import torch
    X, y = mlp_data(steps, bs)
    perm = np.random.default_rng(123).permutation(len(X))
    results = {}

    def staged():
        fm = flern_mlp()
        opt = ft.optim.Adam(fm.parameters(), lr=1e-3)
        t = time.perf_counter()
        h = flern.fit(fm, ft.nn.MSELoss(), opt, X, y, epochs=1, batch_size=bs, shuffle=True, seed=123,
                      log_every=100)
        return time.perf_counter() - t, h.loss[-1]

    def staged_fn():
        fm = flern_mlp()
        opt = ft.optim.Adam(fm.parameters(), lr=1e-3)
        crit = ft.nn.MSELoss()

        @flern.staged
        def step(xb, yb):
            opt.zero_grad()
            loss = crit(fm(xb), yb)
            loss.backward()
            opt.step()
            return loss

        t = time.perf_counter()
        for i in range(steps):
            idx = perm[i * bs:(i + 1) * bs]
            loss = step(X[idx], y[idx])
        last = loss.item()
        return time.perf_counter() - t, last

    def dropin():
        fm = flern_mlp()
        opt = ft.optim.Adam(fm.parameters(), lr=1e-3)
        crit = ft.nn.MSELoss()
        t = time.perf_counter()
        for i in range(steps):
            idx = perm[i * bs:(i + 1) * bs]
            opt.zero_grad()
            loss = crit(fm(ft.from_numpy(X[idx])), ft.from_numpy(y[idx]))
            loss.backward()
            opt.step()
        last = loss.item()
        return time.perf_counter() - t, last

    def eager(compiled=False, threads=None):
        prev = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            return _eager(compiled)
        finally:
            torch.set_num_threads(prev)

    def _eager(compiled):
        fm = flern_mlp()
        tm = torch_from(fm, [torch.nn.Linear(9, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                             torch.nn.Linear(64, 1)])
        opt = torch.optim.Adam(tm.parameters(), lr=1e-3)
        crit = torch.nn.MSELoss()
        Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
        pt = torch.as_tensor(perm)

        def step(xb, yb):
            opt.zero_grad()
            loss = crit(tm(xb), yb)
            loss.backward()
            opt.step()
            return loss

        if compiled:
            step = torch.compile(step)
            step(Xt[pt[:bs]], yt[pt[:bs]])  # compile outside the timing
        t = time.perf_counter()
        for i in range(steps):
            idx = pt[i * bs:(i + 1) * bs]
            loss = step(Xt[idx], yt[idx])
        last = loss.item()
        return time.perf_counter() - t, last

    results["flern staged (fit)"] = _median(staged, repeats)
    results["flern @staged step"] = _median(staged_fn, repeats)
    results["flern drop-in loop"] = _median(dropin, repeats)
    results["PyTorch eager"] = _median(eager, repeats)
    if torch.get_num_threads() > 1:
        results["PyTorch eager, 1 thread"] = _median(lambda: eager(threads=1), repeats)
    try:
        results["torch.compile"] = _median(lambda: eager(True), repeats)
    except Exception as e:  # noqa: BLE001 (report why it does not work here)
        results["torch.compile"] = (None, None, f"failed: {type(e).__name__}: {str(e).splitlines()[0][:80]}")
    base = min(t for name, (t, _, _) in results.items() if name.startswith("PyTorch eager"))
    print(f"\n(a) MLP 9-64-64-1, batch {bs}, {steps} Adam steps ({repeats} repeats, medians)")
    print("ratios are against the faster PyTorch eager row")
    cbase = min(c for name, (_, c, _) in results.items() if name.startswith("PyTorch eager"))
    print(f"{'system':24} {'wall s':>9} {'us/step':>9} {'vs eager':>9} {'CPU s':>8} {'CPU us/step':>12} "
          f"{'CPU vs eager':>13}  final loss")
    for name, (t, cpu, last) in results.items():
        if t is None:
            print(f"{name:24} {'-':>9} {'-':>9} {'-':>9} {'-':>8} {'-':>12} {'-':>13}  {last}")
            continue
        print(f"{name:24} {t:9.3f} {t / steps * 1e6:9.1f} {base / t:8.2f}x {cpu:8.3f} {cpu / steps * 1e6:12.1f} "
              f"{cbase / cpu:12.2f}x  {last:.6f}")
    return results


# ---- (b) the classifier ------------------------------------------------------------------
def bench_b(repeats, rows=200_000, bs=256):
    import torch
    rng = np.random.default_rng(1)
    X = rng.standard_normal((rows, 256)).astype(np.float32)
    W = rng.standard_normal((256, 10)).astype(np.float32)
    labels = np.argmax(X @ W + rng.standard_normal((rows, 10)).astype(np.float32), axis=1).astype(np.int64)
    perm = np.random.default_rng(5).permutation(rows)
    results = {}

    def fmodel():
        ft.manual_seed(0)
        return ft.nn.Sequential(ft.nn.Linear(256, 512), ft.nn.ReLU(), ft.nn.Linear(512, 512), ft.nn.ReLU(),
                                ft.nn.Linear(512, 10))

    def staged():
        fm = fmodel()
        opt = ft.optim.Adam(fm.parameters(), lr=1e-3)
        t = time.perf_counter()
        h = flern.fit(fm, ft.nn.CrossEntropyLoss(), opt, X, labels, epochs=1, batch_size=bs, shuffle=True, seed=5,
                      log_every=1)
        return time.perf_counter() - t, h.loss[-1]

    def eager(threads=None):
        prev = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            return _eager()
        finally:
            torch.set_num_threads(prev)

    def _eager():
        fm = fmodel()
        tm = torch_from(fm, [torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                             torch.nn.Linear(512, 10)])
        opt = torch.optim.Adam(tm.parameters(), lr=1e-3)
        crit = torch.nn.CrossEntropyLoss()
        Xt, yt, pt = torch.as_tensor(X), torch.as_tensor(labels), torch.as_tensor(perm)
        t = time.perf_counter()
        for i in range(0, rows, bs):
            idx = pt[i:i + bs]
            opt.zero_grad()
            loss = crit(tm(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        last = loss.item()
        return time.perf_counter() - t, last

    results["flern staged (fit)"] = _median(staged, repeats)
    results["PyTorch eager"] = _median(eager, repeats)
    if torch.get_num_threads() > 1:
        results["PyTorch eager, 1 thread"] = _median(lambda: eager(threads=1), repeats)
    base = min(t for name, (t, _, _) in results.items() if name.startswith("PyTorch eager"))
    print(f"\n(b) classifier 256-512-512-10, {rows} rows, batch {bs}, one epoch of Adam ({repeats} repeats, medians)")
    print("ratios are against the faster PyTorch eager row")
    cbase = min(c for name, (_, c, _) in results.items() if name.startswith("PyTorch eager"))
    print(f"{'system':24} {'wall s':>9} {'rows/s':>11} {'vs eager':>9} {'CPU s':>8} {'CPU vs eager':>13}  "
          "final batch loss")
    for name, (t, cpu, last) in results.items():
        print(f"{name:24} {t:9.3f} {rows / t:11.0f} {base / t:8.2f}x {cpu:8.2f} {cbase / cpu:12.2f}x  {last:.6f}")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 repeat, 20k rows for (b)")
    ap.add_argument("--only", choices=["a", "b"], help="run one benchmark")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of (a)")
    ap.add_argument("--repeats-b", type=int, default=1, help="repeats of (b) (minutes each on 2 cores)")
    args = ap.parse_args()
    import torch
    from flern import _native
    repeats = 1 if args.quick else args.repeats
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {cpu}, {os.cpu_count()} cores, load average {load:.1f}; torch {torch.__version__} "
          f"({torch.get_num_threads()} threads); flern GEMM: {_native.blas_backend()}")
    if args.only in (None, "a"):
        bench_a(repeats)
    if args.only in (None, "b"):
        bench_b(1 if args.quick else args.repeats_b, rows=20_000 if args.quick else 200_000)


if __name__ == "__main__":
    main()
