"""Shared helpers for flern's side-by-side benchmarks (see /work/shared/BENCHMARKS.md).

- :func:`machine` and :func:`versions` describe what ran (CPU model, cores, memory, library
  versions, the Go toolchain that built libflern, the git commit).
- :func:`interleave` times several engines A B C A B C ... after a warm-up round, rotating the
  order each round, and keeps wall and CPU time of every run (CPU/wall shows how many cores an
  engine really kept busy).
- :func:`run_child` runs a measurement in a fresh process (peak RSS per engine, whole-process
  time with imports) and reads back the JSON line it prints; :func:`child_report` prints it.
- :func:`md_table` formats a Markdown table (readable in a terminal, pasted into RESULTS.md).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- what ran -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    """CPU model, logical cores (and those this process may use), memory, OS and Python."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = int(line.split()[1]) / 2**20
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cores": os.cpu_count(), "usable_cores": usable,
            "memory_gib": None if mem_gib is None else round(mem_gib, 1),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def describe_machine(m: dict[str, Any] | None = None) -> str:
    m = m or machine()
    mem = f"{m['memory_gib']} GiB" if m["memory_gib"] is not None else "unknown memory"
    return (f"{m['cpu']}, {m['cores']} logical cores ({m['usable_cores']} usable by this process), "
            f"{mem} RAM, {m['os']}, Python {m['python']}")


def module_version(name: str) -> str | None:
    """The version of an importable module, or None if it is not installed."""
    try:
        mod = __import__(name)
    except ImportError:
        return None
    return getattr(mod, "__version__", "?")


def go_version_of(binary: str) -> str | None:
    """The Go toolchain that built a Go binary or c-shared library (``go version FILE``)."""
    go = shutil.which("go")
    if go is None or not os.path.exists(binary):
        return None
    try:
        out = subprocess.run([go, "version", binary], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().rsplit(": ", 1)[-1] or None


def sha256_prefix(path: str, n: int = 12) -> str:
    """The first ``n`` hex digits of a file's sha256 (which build of a library ran)."""
    import hashlib
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:n]
    except OSError:
        return "?"


def git_commit() -> str:
    """The repository commit, with ``+dirty`` when the working tree has changes."""
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain"], capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def versions(modules: Sequence[str]) -> dict[str, str | None]:
    return {m: module_version(m) for m in modules}


def blas_env_note() -> str:
    """BENCHMARKS.md: say whether OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were set."""
    set_vars = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    return ", ".join(set_vars) if set_vars else "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE not set"


# ---- timing -------------------------------------------------------------------------------------

def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float | None:
    """Resident set size of this process now, MiB (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux >= 4.0: /proc/self/clear_refs "5").

    Lets a child measure the peak of one step (the engine's work) apart from the transient
    peak of an earlier one (making the input data). Returns False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def forget_results() -> None:
    """Untimed, before a timed run: drop what flern's result cache kept from earlier runs (the
    same subplan over the same files would otherwise be read back instead of recomputed, which
    no peer does); its compiled plans stay, as a prepared statement's would."""
    gc.collect()
    native = sys.modules.get("flern._native")
    if native is not None:
        native.result_cache("clear")


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, result) of one call; garbage is collected and flern's
    result cache cleared first (forget_results), untimed."""
    forget_results()
    c0, t0 = cpu_seconds(), time.perf_counter()
    result = fn()
    t1, c1 = time.perf_counter(), cpu_seconds()
    return t1 - t0, c1 - c0, result


@dataclass
class Runs:
    """Timings of one engine on one workload."""
    first: float = 0.0                                   # the warm-up run (cold: first in process)
    walls: list[float] = field(default_factory=list)     # timed runs
    cpus: list[float] = field(default_factory=list)
    result: Any = None                                   # the warm-up run's answer (checked)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def cpu_per_wall(self) -> float:
        return sum(self.cpus) / sum(self.walls) if sum(self.walls) > 0 else float("nan")


def interleave(fns: dict[str, Callable[[], Any]], runs: int, log: Callable[[str], None] | None = None) -> dict[str, Runs]:
    """Run every engine once as warm-up, then ``runs`` rounds, each engine once per round.

    The order rotates every round (A B C, B C A, C A B, ...) so that no engine always runs
    right after the same neighbour on a noisy machine.
    """
    names = list(fns)
    out = {n: Runs() for n in names}
    for n in names:
        wall, _, result = timed(fns[n])
        out[n].first, out[n].result = wall, result
        if log:
            log(f"  warm-up {n:8s} {wall:8.3f} s")
    for r in range(runs):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            wall, cpu, _ = timed(fns[n])
            out[n].walls.append(wall)
            out[n].cpus.append(cpu)
        if log:
            log(f"  round {r + 1}/{runs}: " + "  ".join(f"{n} {out[n].walls[-1]:.3f}s" for n in names))
    return out


class MachineLoad:
    """How busy the rest of the machine was between start() and report() (Linux /proc/stat):
    CPU used by other processes and time stolen by the hypervisor, as shares of all cores."""

    def __init__(self) -> None:
        self.t0 = self._stat()
        self.c0 = cpu_seconds()

    @staticmethod
    def _stat() -> list[int] | None:
        try:
            with open("/proc/stat") as f:
                return [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None

    def report(self) -> str:
        t1, c1 = self._stat(), cpu_seconds()
        if self.t0 is None or t1 is None:
            return "machine load: unknown"
        d = [b - a for a, b in zip(self.t0, t1)]
        total = sum(d[:8]) or 1  # user nice system idle iowait irq softirq steal
        busy = total - d[3] - d[4]
        hz = os.sysconf("SC_CLK_TCK")
        ours = (c1 - self.c0) * hz
        other = max(0.0, busy - d[7] - ours)
        return (f"while timing, other processes used {100 * other / total:.0f}% and hypervisor steal took "
                f"{100 * d[7] / total:.0f}% of the machine's CPU time")


# ---- child processes ----------------------------------------------------------------------------

CHILD_MARK = "BENCH_CHILD_RESULT "


def child_report(values: dict[str, Any]) -> None:
    """Print a child's measurements (one marked JSON line), adding its peak RSS (since the
    last :func:`reset_peak_rss`, if any)."""
    values = dict(values, peak_rss_mib=peak_rss_mib())
    print(CHILD_MARK + json.dumps(values), flush=True)


def run_child(argv: list[str], timeout: float = 1800, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python argv...`` in a fresh process; its measurements plus ``process_s`` (whole-process
    wall time, interpreter start and imports included). Raises RuntimeError if it fails.

    Linux keeps a process's peak RSS across fork and execve (getrusage(2)), so a child forked
    straight from this (large) process would report at least our own peak. A small shell sits
    in between: it forks the Python child (``; exit`` keeps it from exec'ing it in place).
    """
    t0 = time.perf_counter()
    cmd = ["/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, *argv]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ))
    wall = time.perf_counter() - t0
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(CHILD_MARK):
            values = json.loads(line[len(CHILD_MARK):])
            values["process_s"] = wall
            return values
    raise RuntimeError(f"child {argv} failed (rc={p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")


# ---- physical reference -------------------------------------------------------------------------

def copy_seconds(nbytes: int, repeats: int = 3) -> float:
    """Best time of a single-thread numpy copy of ``nbytes`` (a memory-bandwidth reference)."""
    import numpy as np
    src = np.ones(nbytes // 8, dtype=np.float64)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return best


# ---- output -------------------------------------------------------------------------------------

def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table with columns padded to equal width."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    sep = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.3f}" if seconds >= 0.01 else f"{seconds:.4f}"
