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

:func:`staged` is the decorator form for a define-by-run training step::

    @flern.staged
    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for xb, yb in batches:
        loss = step(xb, yb)      # runs the cached native step; no Python recording

The first call with given argument shapes and dtypes traces the body once
(``opt.step()`` records its fused update instead of running it) and compiles
one plan; every call then copies the arguments into their store entries and
runs that plan in the native core (golib/exec's prepared step executor), with
parameters, optimizer state and running statistics resident there. New
shapes or dtypes (a last partial batch), a new Python scalar argument, or a
module of the step switched between train() and eval() trace and compile
once more (each trace is kept).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from . import _state
from ._graph import Node
from .errors import FlernNotImplementedError, FlernTypeError, FlernValueError

__all__ = ["Stage", "current", "staged", "StagedFunction"]

_current: "Stage | None" = None


def current() -> "Stage | None":
    """The stage recording a step now, or None."""
    return _current


@contextlib.contextmanager
def _suspended() -> Iterator[None]:
    """Values may be read (the stage's own bookkeeping)."""
    global _current
    prev, _current = _current, None
    try:
        yield
    finally:
        _current = prev


def read_error() -> FlernValueError:
    """The error for reading a tensor's values while a step is being recorded."""
    from ._graph import user_location
    return FlernValueError(
        "reading a tensor's values (.item(), .numpy(), .tolist(), print, bool/if on a tensor) inside a staged "
        "step (flern.fit, @flern.staged): the step is recorded once and replayed natively, so a value read "
        "while recording would be frozen into every step; return the tensor from the step instead",
        kind="Value", loc=user_location())


class Stage:
    """What a staged step needs besides its graph: seed entries of its random
    ops and state writes of its running statistics."""

    def __init__(self) -> None:
        self.seeds: list[_state.StateEntry] = []
        self.writes: list[Node] = []
        self._next_seed = 0
        # id(module) -> (module, {buffer name: StateEntry}) for BatchNorm running statistics
        self.stats: dict[int, tuple[Any, dict[str, _state.StateEntry]]] = {}
        # id(module) -> module for the layers whose statistics the recorded step updates
        self.tracked: dict[int, Any] = {}
        # (optimizer, state_write nodes, commit) of each optimizer.step() recorded
        self.updates: list[tuple[Any, list[Node], Any]] = []
        # id(module) -> (module, its training flag) for every module called while recording
        self.modes: dict[int, tuple[Any, bool]] = {}
        # id(parameter) of every gradient zero_grad() cleared while recording
        self.zeroed: set[int] = set()

    @contextlib.contextmanager
    def recording(self) -> Iterator["Stage"]:
        """Record one step (or the validation plan) under this stage. The
        random ops of every recording reuse the same seed entries, in order."""
        global _current
        prev, _current = _current, self
        self._next_seed, self.writes, self.updates = 0, [], []
        self.zeroed = set()
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
        from .nn.layers import _BatchNorm
        for m in model.modules():
            if isinstance(m, _BatchNorm) and m.track_running_stats:
                self.attach_module(m)

    def attach_module(self, m: Any) -> None:
        """Move one BatchNorm layer's running statistics into store entries."""
        from . import tensor as _t
        if id(m) in self.stats:
            return
        entries = {}
        for name in ("running_mean", "running_var"):
            with _suspended():
                e = _state.StateEntry(np.array(m._buffers[name].numpy(), copy=True))
            entries[name] = e
            m._buffers[name] = _t.Tensor._from_node(e.node, track=False)
        self.stats[id(m)] = (m, entries)

    def sync_stats(self) -> None:
        """Before a staged run: a buffer replaced from Python since (a plain
        training-mode forward, load_state_dict) is copied into its entry."""
        from . import tensor as _t
        for m, entries in self.stats.values():
            for name, e in entries.items():
                b = m._buffers.get(name)
                if b is None or b._node is not e.node:
                    if b is not None:
                        e.write(np.asarray(b.numpy(), dtype=e.dtype))
                    e.node = e._new_node()
                    m._buffers[name] = _t.Tensor._from_node(e.node, track=False)

    def count_batches(self, steps: int) -> None:
        """num_batches_tracked += steps for each layer whose statistics the step updates."""
        for m in self.tracked.values():
            b = m._buffers.get("num_batches_tracked")
            if steps and b is not None:  # (a value-known tensor: the next count reads no plan)
                m._buffers["num_batches_tracked"] = _result(np.array(int(b.numpy()) + steps, np.int64))

    def note_mode(self, module: Any) -> None:
        """A module ran while recording: the step is valid for its current train/eval mode."""
        self.modes.setdefault(id(module), (module, bool(module.training)))

    def modes_match(self) -> bool:
        """Whether every module the step called is still in its recorded mode."""
        return all(bool(m.training) == t for m, t in self.modes.values())

    def add_update(self, optimizer: Any, outs: list[Node], commit: Any) -> None:
        """Record an optimizer step taken inside the staged body."""
        self.updates.append((optimizer, outs, commit))

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
        self.tracked[id(module)] = module
        module._buffers[name] = _t.Tensor._from_node(e.node, track=False)

    def detach_stats(self, steps: int) -> None:
        """Put the current values back into the modules' buffers (plain tensors)
        and count ``steps`` more tracked batches."""
        from . import tensor as _t
        for m, entries in self.stats.values():
            for name, e in entries.items():
                m._buffers[name] = _t.from_numpy(e.read())
        self.count_batches(steps)
        self.stats.clear()


# ---- the @flern.staged decorator ----------------------------------------------------------
def _as_array(a: Any) -> np.ndarray | None:
    """An argument's values as a C-contiguous numpy array (None: not array-like)."""
    from . import tensor as _t
    if isinstance(a, _t.Tensor):
        return np.ascontiguousarray(a.numpy())
    if isinstance(a, np.ndarray):
        return np.ascontiguousarray(a)
    if type(a).__module__.split(".")[0] == "torch" and hasattr(a, "numpy"):
        return np.ascontiguousarray(a.detach().cpu().numpy())
    return None


def _signature(args: tuple) -> tuple:
    sig = []
    for a in args:
        arr = _as_array(a)
        if arr is not None:
            sig.append(("tensor", arr.shape, arr.dtype.str))
        elif isinstance(a, (bool, int, float, str, type(None))):
            sig.append(("const", type(a).__name__, a))  # baked into the trace: a new value retraces
        else:
            raise FlernTypeError(f"a staged step takes tensors, arrays and Python scalars, got {type(a).__name__}",
                                 kind="Type")
    return tuple(sig)


def _flatten(out: Any) -> tuple[list, Any]:
    """The tensors of a step's return value and a function rebuilding it."""
    from . import tensor as _t
    if out is None:
        return [], lambda vals: None
    if isinstance(out, _t.Tensor):
        return [out], lambda vals: vals[0]
    if isinstance(out, (tuple, list)) and all(isinstance(o, _t.Tensor) for o in out):
        kind = type(out)
        return list(out), lambda vals: kind(vals)
    if isinstance(out, dict) and all(isinstance(o, _t.Tensor) for o in out.values()):
        keys = list(out)
        return [out[k] for k in keys], lambda vals: dict(zip(keys, vals))
    raise FlernTypeError("a staged step must return a tensor, a tuple/list/dict of tensors or None, got "
                         f"{type(out).__name__}", kind="Type")


def _result(a: np.ndarray) -> Any:
    """A computed tensor with its value known (no plan runs to read it)."""
    import pyarrow as pa

    from . import tensor as _t
    node = Node("source_tensor", [], {"dtype": a.dtype.name, "shape": list(a.shape)},
                data=pa.table({"data": pa.array(a.reshape(-1))}), loc="")
    t = _t.Tensor._from_node(node, track=False)
    t._value = a
    return t


class _Compiled:
    """One trace of the body for one argument signature."""

    def __init__(self, fn: Any, args: tuple, sig: tuple) -> None:
        from . import _collect
        from . import tensor as _t
        self.stage = Stage()
        self.entries: list[_state.StateEntry | None] = []
        targs = []
        for a, s in zip(args, sig):
            if s[0] == "tensor":
                e = _state.StateEntry(_as_array(a))
                self.entries.append(e)
                targs.append(_t.Tensor._from_node(e.node, track=False))
            else:
                self.entries.append(None)
                targs.append(a)
        with self.stage.recording():
            out = fn(*targs)
            writes, updates = self.stage.writes, self.stage.updates
        results, self.rebuild = _flatten(out)
        for o, _, c in updates:
            kept = [p for p in getattr(c, "params", []) if id(p) not in self.stage.zeroed]
            if kept:
                raise FlernNotImplementedError(
                    f"{getattr(fn, '__name__', 'staged')}: a staged step that steps {type(o).__name__} without "
                    f"zero_grad() (of the optimizer or the model) in its body: PyTorch would accumulate .grad "
                    f"across calls, a staged step keeps no gradients between calls; call zero_grad() before "
                    f"backward() (or after step()) in the step ({len(kept)} parameter(s) not cleared)", kind="NotImplemented")
        upd = [n for _, outs, _ in updates for n in outs]
        if not results and not upd and not writes:
            raise FlernValueError("a staged step must return a tensor or take an optimizer step", kind="Value")
        self.optimizers = list({id(o): o for o, _, _ in updates}.values())
        self.commits = [c for _, _, c in updates]
        # per call only the parameters get a new version (lazy tensors read from the old
        # values then fail clearly); the optimizer's own entries are read directly
        self.params = [p for c in self.commits for p in getattr(c, "params", [])]
        self.first = True
        self.plan, self.inputs = _collect.cached_plan([r._node for r in results] + upd + writes,
                                                      _collect.STEP_OPTIONS)
        self.n_results = len(results)
        self.trainer = self._trainer(results)

    def _trainer(self, results: list) -> Any:
        """The common ``step(xb, yb) -> loss`` runs as a one-step epoch of the native
        Trainer (golib/exec/train.go: seeds refreshed natively, the loss returned in
        a float64 buffer, no Arrow crossing); None for other steps."""
        from . import _native
        from .tensor_random import default_generator
        tens = [e for e in self.entries if e is not None]
        if (len(self.entries) != 2 or len(tens) != 2 or self.inputs or len(results) != 1
                or results[0].dtype.name not in ("float32", "float64") or list(results[0].shape) != []
                or not tens[0].shape or not tens[1].shape or tens[0].shape[0] != tens[1].shape[0]):
            return None
        x, y = tens
        spec = {"x": x.key, "y": y.key, "xb": x.key, "yb": y.key, "batch_size": x.shape[0], "check_finite": False,
                "seeds": [e.key for e in self.stage.seeds], "seed": default_generator._next_seed()}
        self.perm = np.arange(x.shape[0], dtype=np.int64)  # the batch entry is its own data: rows in place
        self.loss_buf = np.zeros(1, np.float64)
        self.loss_dtype = np.dtype(results[0].dtype.name)
        return _native.Trainer(self.plan, None, spec)

    def run(self, args: tuple) -> Any:
        from . import _collect, _native
        from . import tensor as _t
        from .tensor_random import default_generator
        st = self.stage
        st.sync_stats()
        if self.trainer is not None:
            for e, a in zip(self.entries, args):
                _native.state_write(e.key, _as_array(a))
            for o in self.optimizers:
                o._sync_lr()
            done, err = self.trainer.epoch(self.perm, self.loss_buf)
            if err is not None:
                raise err
            self._commit()
            st.count_batches(1)
            return self.rebuild([_result(np.array(self.loss_buf[0], self.loss_dtype))])
        for e, a in zip(self.entries, args):
            if e is not None:
                _native.state_write(e.key, _as_array(a))
        for e in st.seeds:  # a fresh mask per call, reproducible with flern.torch.manual_seed
            _native.state_write(e.key, np.array(default_generator._next_seed(), np.int64))
        for o in self.optimizers:
            o._sync_lr()
        tables = _native.run_step(self.plan, self.inputs, self.n_results)
        self._commit()
        st.count_batches(1)
        return self.rebuild([_result(np.array(_collect.tensor_to_numpy(t))) for t in tables])

    def _commit(self) -> None:
        """Python-side bookkeeping after a run: the full commit once (optimizer
        entries get their new versions, grads are cleared), then new parameter versions."""
        if self.first:
            self.first = False
            for c in self.commits:
                c()
            return
        for p in self.params:
            p._after_write()


class StagedFunction:
    """A training step traced once per argument signature and run natively; see :func:`staged`."""

    def __init__(self, fn: Any, check_finite: bool = False) -> None:
        self.fn = fn
        self.check_finite = check_finite
        self.calls = 0
        # argument signature -> the traces for it (one per train/eval configuration of the modules)
        self._cache: dict[tuple, list[_Compiled]] = {}
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "staged")
        self.__wrapped__ = fn

    def __call__(self, *args: Any) -> Any:
        if current() is not None:
            raise FlernValueError(f"{self.__name__}: a staged step cannot be called inside another staged step",
                                  kind="Value")
        out = self._compiled(args).run(args)
        self.calls += 1
        if self.check_finite:
            self._check_finite(out)
        return out

    def _check_finite(self, out: Any) -> None:
        """check_finite: a ValueError naming the call when a returned floating tensor has a NaN/inf."""
        vals = out.values() if isinstance(out, dict) else out if isinstance(out, (tuple, list)) else [out]
        for v in vals:
            a = getattr(v, "_value", None)
            if a is not None and a.dtype.kind == "f" and not np.isfinite(a).all():
                bad = a.reshape(-1)[~np.isfinite(a.reshape(-1))][0]
                raise FlernValueError(f"{self.__name__}: the step returned {bad} at call {self.calls} "
                                      "(check_finite=True); the update of that call was applied", kind="Value")

    def _compiled(self, args: tuple) -> "_Compiled":
        """The trace for these arguments and the modules' current train/eval modes."""
        sig = _signature(args)
        traces = self._cache.setdefault(sig, [])
        for c in traces:
            if c.stage.modes_match():
                return c
        c = _Compiled(self.fn, args, sig)
        traces.append(c)
        return c

    @property
    def traces(self) -> int:
        """How many times the body was traced and compiled (argument signatures x module modes)."""
        return sum(len(v) for v in self._cache.values())

    def explain(self, *args: Any) -> str:
        """The optimized plan of the step traced for these arguments."""
        return self._compiled(args).plan.explain()


def staged(fn: Any = None, *, check_finite: bool = False) -> Any:
    """Decorate a define-by-run training step so it is traced on its first call,
    compiled once and then run in the native core on every call.

    The body is ordinary flern.torch code: forward, ``loss.backward()``,
    ``optimizer.step()``, returning the loss (or a tuple/dict of tensors, or
    None). Arguments are tensors, numpy or torch arrays (copied into store
    entries each call) and Python scalars (baked in; a new value retraces).
    Each call returns computed tensors; the parameters, optimizer state and
    BatchNorm statistics stay in the native store between calls. Dropout draws
    a fresh mask per call (seeded from flern.torch's default generator when the
    step is traced). A module switched between train() and eval() retraces.

    Not stageable, with a clear error while tracing: reading a value in the
    body (``.item()``, ``.numpy()``, ``print(t)``, ``if t > 0``), nesting
    staged steps, BatchNorm with ``momentum=None``. Gradients are not kept
    across calls: a body that calls ``backward()`` without ``optimizer.step()``
    accumulates nothing (step inside the body), and a body that steps an
    optimizer without calling ``zero_grad()`` on its parameters (where PyTorch
    would sum ``.grad`` over calls) raises NotImplementedError while tracing.

    ``@flern.staged(check_finite=True)`` raises a ValueError naming the call
    when a returned floating tensor (the loss) holds a NaN or inf (the
    parameters then hold that call's update, as fit's check_finite).
    """
    if fn is None:  # @flern.staged(check_finite=True)
        return lambda f: StagedFunction(f, check_finite)
    return StagedFunction(fn, check_finite)
