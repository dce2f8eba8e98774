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


def compile_options(dump: bool = False) -> dict:
    """The options dict sent with every compile."""
    return {"disable": sorted(disabled_passes), "no_opt": no_opt, "dump": dump, "executor": executor}
