"""Staging: recording a training step once so the native core can run it many times.

A staged step (``flern.fit``, :func:`staged`) is recorded once and replayed
per mini-batch with nothing returning to Python, so whatever changes between
steps must live in the native store and be written by the step itself:

- random ops (dropout masks) read their seed from a store entry that the
  native loop refreshes before every step (golib/exec/train.go ``StepSeed``:
  reproducible from the loop's seed; the same distribution as torch, not the
  same bits);
- BatchNorm running statistics are store entries; the step writes their
  updated values (torch's momentum rule with the unbiased batch variance).

While a step is being recorded, :func:`current` returns the active
:class:`Stage`; layers ask it for these entries instead of recording Python
constants. Outside staging it returns None and nothing changes.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from . import _state
from ._graph import Node

__all__ = ["Stage", "current"]

_current: "Stage | None" = None


def current() -> "Stage | None":
    """The stage recording a step now, or None."""
    return _current


class Stage:
    """What a staged step needs besides its graph: seed entries of its random
    ops and state writes of its running statistics."""

    def __init__(self) -> None:
        self.seeds: list[_state.StateEntry] = []
        self.writes: list[Node] = []
        self._next_seed = 0
        # id(module) -> (module, {buffer name: StateEntry}) for BatchNorm running statistics
        self.stats: dict[int, tuple[Any, dict[str, _state.StateEntry]]] = {}

    @contextlib.contextmanager
    def recording(self) -> Iterator["Stage"]:
        """Record one step (or the validation plan) under this stage. The
        random ops of every recording reuse the same seed entries, in order."""
        global _current
        prev, _current = _current, self
        self._next_seed, self.writes = 0, []
        try:
            yield self
        finally:
            _current = prev

    def seed_node(self) -> Node:
        """The state node a random op reads its seed from."""
        if self._next_seed == len(self.seeds):
            self.seeds.append(_state.StateEntry(np.array(0, np.int64)))
        e = self.seeds[self._next_seed]
        self._next_seed += 1
        return e.node

    def attach_stats(self, model: Any) -> None:
        """Move the running statistics of model's BatchNorm layers into store
        entries for the staged run (their buffers read the entries)."""
        from . import tensor as _t
        from .nn.layers import _BatchNorm
        for m in model.modules():
            if isinstance(m, _BatchNorm) and m.track_running_stats and id(m) not in self.stats:
                entries = {}
                for name in ("running_mean", "running_var"):
                    e = _state.StateEntry(np.array(m._buffers[name].numpy(), copy=True))
                    entries[name] = e
                    m._buffers[name] = _t.Tensor._from_node(e.node, track=False)
                self.stats[id(m)] = (m, entries)

    def stats_entry(self, module: Any, name: str) -> _state.StateEntry | None:
        got = self.stats.get(id(module))
        return None if got is None else got[1][name]

    def write_stat(self, module: Any, name: str, value: Any) -> None:
        """Record the step's write of a running statistic (value: the lazy new
        tensor); the module's buffer goes back to reading the entry."""
        e = self.stats_entry(module, name)
        if e is None:
            return
        from . import tensor as _t
        self.writes.append(e.write_node(value._node))  # (batch_norm kept the buffer's dtype)
        module._buffers[name] = _t.Tensor._from_node(e.node, track=False)

    def detach_stats(self, steps: int) -> None:
        """Put the current values back into the modules' buffers (plain tensors)
        and count ``steps`` more tracked batches."""
        from . import tensor as _t
        for m, entries in self.stats.values():
            for name, e in entries.items():
                m._buffers[name] = _t.from_numpy(e.read())
            if m._buffers.get("num_batches_tracked") is not None:
                n = int(m._buffers["num_batches_tracked"].item()) + steps
                m._buffers["num_batches_tracked"] = _t.from_numpy(np.array(n, np.int64))
        self.stats.clear()
