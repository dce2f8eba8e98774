"""Process-wide options (what pandas keeps in pd.options)."""

from __future__ import annotations

import os

#: Optimizer passes to switch off, by name (see golib/opt/opt.go's Passes table).
disabled_passes: set[str] = {p for p in os.environ.get("FLERN_DISABLE_PASSES", "").split(",") if p}

#: Skip every optional optimizer pass.
no_opt: bool = os.environ.get("FLERN_NO_OPT", "") not in ("", "0")


#: Which executor runs plans: "runtime" (golib/exec, the default) or "interp"
#: (the reference interpreter, the spec the runtime is tested against).
executor: str = os.environ.get("FLERN_EXECUTOR", "") or "runtime"


#: Compile fused loops to native code (golib/codegen); FLERN_CODEGEN=0 runs
#: them on the Go evaluator of the loop IR instead.
codegen: bool = os.environ.get("FLERN_CODEGEN", "1") not in ("0", "false", "off")

#: Smallest loop run compiled natively (0: the engine's default); smaller
#: runs use the Go evaluator, as a compile (~75 ms) would dominate.
codegen_min_rows: int = int(os.environ.get("FLERN_CODEGEN_MIN_ROWS", "0") or 0)

#: Fuse elementwise chains and filter/project/aggregate pipelines into loops
#: (golib/lower); FLERN_FUSE=0 runs every op on its own.
fuse: bool = os.environ.get("FLERN_FUSE", "1") not in ("0", "false", "off")

#: Compile a kernel before its first native-sized run (FLERN_CODEGEN_SYNC=1)
#: instead of in the background while the Go evaluator runs (the default for
#: runs the Go evaluator finishes sooner than a compile).
codegen_sync: bool = os.environ.get("FLERN_CODEGEN_SYNC", "") not in ("", "0")

#: Show each fused kernel's generated C in ``explain(verbose=True)``.
show_c: bool = os.environ.get("FLERN_SHOW_C", "") not in ("", "0")

#: Memory limit of one run, e.g. "2GB" or "512MiB" ("" = none): a run that
#: would hold more (live intermediate results, join outputs, hash tables)
#: fails with :class:`flern.errors.FlernMemoryError` instead of being killed.
#: Checked by the runtime executor (not by FLERN_EXECUTOR=interp).
memory_limit: str = os.environ.get("FLERN_MEMORY_LIMIT", "")


def compile_options(dump: bool = False) -> dict:
    """The options dict sent with every compile."""
    return {"disable": sorted(disabled_passes), "no_opt": no_opt, "dump": dump, "executor": executor,
            "codegen": codegen, "codegen_min_rows": codegen_min_rows, "show_c": show_c, "fuse": fuse,
            "codegen_sync": codegen_sync,
            "memory_limit": str(memory_limit or "")}
