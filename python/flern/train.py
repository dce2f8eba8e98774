"""Staged training: a whole training loop runs in the native core.

``fit`` is the Keras-style entry point for a PyTorch model::

    history = flern.fit(model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=1e-3),
                        X, y, epochs=20, batch_size=32, shuffle=True, seed=0,
                        validation_split=0.2, log_every=10, progress=True)

The step is still written define-by-run: ``fit`` calls ``loss_fn(model(xb), yb)``,
``loss.backward()`` and the optimizer's fused update ONCE, on a batch that
lives in the native store, and compiles that graph (plus one for a last partial
batch). Then each epoch is one native call (golib/exec/train.go) that, for
every mini-batch, copies the batch rows in and runs the compiled step; Python
is not involved per step. Without a ``scheduler`` or ``progress`` bar nothing
runs in Python between epochs either: all the epochs, each followed by its
validation, run in one native call (exec.Trainer.Run, golib/exec/train_run.go)
and the parameters are committed once at the end. Row order: with ``shuffle=True`` epoch e visits the
rows in the order of the e-th ``numpy.random.default_rng(seed).permutation``
call (so a PyTorch run can replay the same batches); otherwise in order. The
last partial batch is used (torch DataLoader's ``drop_last=False``).

Validation (``validation=(X_val, y_val)`` or ``validation_split=f``, the last
fraction f of the rows as Keras does) is one compiled no-grad plan run after
each epoch, with the model in eval mode. An lr scheduler passed as
``scheduler`` is stepped after each epoch.

Ctrl-C: the native call runs on a worker thread while the main thread waits, so
KeyboardInterrupt arrives promptly; flern then asks the native loop to stop
after the step in progress, waits for it, leaves the model with the
parameters of the last completed step, and re-raises KeyboardInterrupt (the
Python norm) with the history so far attached as ``exc.history`` (also in
``flern.train.last_history``).

``check_finite=True`` stops at the first NaN/inf loss with a ValueError naming
the epoch and step.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import signal
import sys
import threading
from typing import Any

import numpy as np

from . import _collect, _native, _state
from .staged import Stage
from . import tensor as _t
from .errors import FlernError, FlernTypeError, FlernValueError

__all__ = ["fit", "History"]


@dataclasses.dataclass
class History:
    """What ``fit`` logged.

    Attributes:
        steps: global step numbers (1-based) of the logged losses.
        loss: the training loss at each logged step.
        epoch_loss: the mean training loss of each epoch.
        val_loss: the validation loss after each epoch (empty without validation).
        lr: the learning rate of the first param group during each epoch.
        interrupted: True when Ctrl-C stopped training.
    """

    steps: list = dataclasses.field(default_factory=list)
    loss: list = dataclasses.field(default_factory=list)
    epoch_loss: list = dataclasses.field(default_factory=list)
    val_loss: list = dataclasses.field(default_factory=list)
    lr: list = dataclasses.field(default_factory=list)
    interrupted: bool = False


last_history: History | None = None


def _as_array(x: Any) -> np.ndarray:
    from .nn.modules import _to_numpy
    a = np.ascontiguousarray(_to_numpy(x))
    if a.dtype.kind == "f" and a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float32)
    if a.ndim == 0:
        raise FlernValueError("fit needs arrays with a leading row dimension", kind="Value")
    return a


def _trace(model: Any, loss_fn: Any, optimizer: Any, xb: _state.StateEntry, yb: _state.StateEntry,
           stage: Stage):
    """Record one training step on the batch entries; returns (plan, commit, loss loc)."""
    saved = {}
    for g in optimizer.param_groups:
        for p in g["params"]:
            saved[id(p)] = (p, p.grad)
            p.grad = None
    try:
        with _t.enable_grad(), stage.recording():
            out = model(_t.Tensor._from_node(xb.node, track=False))
            loss = loss_fn(out, _t.Tensor._from_node(yb.node, track=False))
            writes = stage.writes
        if not isinstance(loss, _t.Tensor):  # (one element: checked by the native loop's first step)
            raise FlernTypeError(f"fit: loss_fn must return a tensor, got {type(loss).__name__}", kind="Type")
        loss.backward()
        outs, commit = optimizer._record(write_grads=False)
        if not outs:
            raise FlernValueError("fit: the loss does not depend on any parameter of the optimizer", kind="Value",
                                  loc=loss._node.loc)
        plan, _ = _collect.cached_plan([loss._node] + outs + writes, _collect.STEP_OPTIONS)
        return plan, commit, loss._node.loc
    finally:
        for p, g in saved.values():
            p.grad = g


def _val_plan(model: Any, loss_fn: Any, xv: _state.StateEntry, yv: _state.StateEntry, stage: Stage):
    was = model.training
    model.eval()
    try:
        with _t.no_grad(), stage.recording():
            loss = loss_fn(model(_t.Tensor._from_node(xv.node, track=False)),
                           _t.Tensor._from_node(yv.node, track=False))
        plan, _ = _collect.cached_plan([loss._node], _collect.STEP_OPTIONS)
        return plan
    finally:
        model.train(was)


class _Progress:
    def __init__(self, enabled: bool, epochs: int) -> None:
        self.bar = None
        self.plain = False
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=epochs, unit="epoch")
        except ImportError:
            print("flern.fit: progress=True shows a tqdm bar when tqdm is installed (pip install tqdm); "
                  "printing one line per epoch instead", file=sys.stderr)
            self.plain = True

    def update(self, epoch: int, epochs: int, loss: float, val: float | None) -> None:
        if self.bar is not None:
            post = {"loss": f"{loss:.4g}"}
            if val is not None:
                post["val_loss"] = f"{val:.4g}"
            self.bar.set_postfix(post)
            self.bar.update(1)
        elif self.plain:
            v = "" if val is None else f"  val_loss {val:.6g}"
            print(f"epoch {epoch + 1}/{epochs}  loss {loss:.6g}{v}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fit(model: Any, loss_fn: Any, optimizer: Any, X: Any, y: Any, *, epochs: int = 1, batch_size: int = 32,
        shuffle: bool = True, seed: int = 0, validation: tuple | None = None, validation_split: float = 0.0,
        log_every: int = 1, progress: bool = False, check_finite: bool = True, scheduler: Any = None) -> History:
    """Train ``model`` on (X, y) with the whole loop staged in the native core.

    X and y are numpy arrays, flern tensors or torch tensors with the same
    number of rows. Returns a :class:`History`. See the module docstring for
    batch order, validation, Ctrl-C and NaN handling.
    """
    if epochs < 0 or batch_size <= 0 or log_every <= 0:
        raise FlernValueError("fit: epochs must be >= 0, batch_size and log_every > 0", kind="Value")
    from . import _handoff
    _handoff.materialize(X, y)  # X and y recorded from one ETL plan: it runs once (_handoff.py)
    X, y = _as_array(X), _as_array(y)
    if len(X) != len(y):
        raise FlernValueError(f"fit: X has {len(X)} rows, y has {len(y)}", kind="Value")
    if validation is not None and validation_split:
        raise FlernValueError("fit: pass validation or validation_split, not both", kind="Value")
    if validation_split:
        if not 0 < validation_split < 1:
            raise FlernValueError("fit: validation_split must be in (0, 1)", kind="Value")
        cut = int(len(X) * (1 - validation_split))  # Keras' split point (the last rows validate)
        validation = (X[cut:], y[cut:])
        X, y = X[:cut], y[:cut]
    n = len(X)
    if n == 0:
        raise FlernValueError("fit: no training rows", kind="Value")
    bs = min(batch_size, n)
    xe, ye = _state.StateEntry(X, borrow=True), _state.StateEntry(y, borrow=True)  # read in place, no copy
    xb = _state.StateEntry(np.zeros((bs,) + X.shape[1:], X.dtype))
    yb = _state.StateEntry(np.zeros((bs,) + y.shape[1:], y.dtype))
    stage = Stage()
    stage.attach_stats(model)  # BatchNorm running statistics live in the store while fit runs
    steps = [0]
    try:
        with _sigint_guard():
            return _fit(model, loss_fn, optimizer, X, y, xe, ye, xb, yb, n, bs, stage, steps, epochs=epochs,
                        shuffle=shuffle, seed=seed, validation=validation, log_every=log_every, progress=progress,
                        check_finite=check_finite, scheduler=scheduler)
    finally:
        stage.detach_stats(steps[0])


# Ctrl-C while fit runs. A KeyboardInterrupt raised by Python's default SIGINT handler can
# be lost: if it is raised while a __del__ method or a weakref callback runs (objects freed
# during fit's setup or between calls), Python prints it as an ignored exception, and the
# training then ran all its epochs (a CI run hung in test_one_call_ctrl_c_stops_the_native_loop).
# While fit runs on the main thread with the default handler in place, SIGINT instead sets a
# flag and cancels the native loop; fit turns the flag into a KeyboardInterrupt (with its
# history) where it checks it: before and while each native call, and when it returns.
_SIGINT: dict = {"hit": False, "trainer": None}


@contextlib.contextmanager
def _sigint_guard():
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield  # another thread, or the user's own handler: exceptions as usual
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _SIGINT["hit"] = True
        t = _SIGINT["trainer"]
        if t is not None:
            t.cancel()

    _SIGINT.update(hit=False, trainer=None)
    prev = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, prev)
        hit = _SIGINT["hit"]
        _SIGINT.update(hit=False, trainer=None)
    if hit:  # a Ctrl-C after the last native call: raised as Python would have
        e = KeyboardInterrupt()
        if last_history is not None:
            last_history.interrupted = True
            e.history = last_history  # type: ignore[attr-defined]
        raise e


def _fit(model: Any, loss_fn: Any, optimizer: Any, X: np.ndarray, y: np.ndarray, xe: _state.StateEntry,
         ye: _state.StateEntry, xb: _state.StateEntry, yb: _state.StateEntry, n: int, bs: int, stage: Stage,
         steps: list, *, epochs: int, shuffle: bool, seed: int, validation: Any, log_every: int, progress: bool,
         check_finite: bool, scheduler: Any) -> History:
    """fit after its checks; steps[0] counts the steps run."""
    global last_history
    step_plan, commit, loss_loc = _trace(model, loss_fn, optimizer, xb, yb, stage)
    spec = {"x": xe.key, "y": ye.key, "xb": xb.key, "yb": yb.key, "batch_size": bs, "check_finite": check_finite}
    tail_plan, keep = None, [xe, ye, xb, yb]
    rest = n % bs
    if rest:
        xt = _state.StateEntry(np.zeros((rest,) + X.shape[1:], X.dtype))
        yt = _state.StateEntry(np.zeros((rest,) + y.shape[1:], y.dtype))
        tail_plan, _, _ = _trace(model, loss_fn, optimizer, xt, yt, stage)
        spec.update(x_tail=xt.key, y_tail=yt.key)
        keep += [xt, yt]
    val_plan = None
    if validation is not None:
        Xv, yv = _as_array(validation[0]), _as_array(validation[1])
        xv, yv_e = _state.StateEntry(Xv, borrow=True), _state.StateEntry(yv, borrow=True)
        keep += [xv, yv_e]
        val_plan = _val_plan(model, loss_fn, xv, yv_e, stage)
    spec.update(seeds=[e.key for e in stage.seeds], seed=int(seed) & (2**64 - 1))
    keep += stage.seeds
    trainer = _native.Trainer(step_plan, tail_plan, spec)
    steps_per_epoch = n // bs + (1 if rest else 0)
    rng = np.random.default_rng(seed)
    hist = History()
    last_history = hist
    if scheduler is None and not progress and hasattr(_native.lib(), "flern_trainer_run"):  # (a lib built before it)
        try:
            return _fit_native(trainer, optimizer, commit, hist, rng, n, steps_per_epoch, steps, val_plan,
                               epochs=epochs, shuffle=shuffle, log_every=log_every, check_finite=check_finite,
                               loss_loc=loss_loc)
        finally:
            del keep
    bar = _Progress(progress, epochs)
    gstep = 0
    pending = False  # an epoch ran natively and its Python bookkeeping (commit) is still due
    try:
        for epoch in range(epochs):
            perm = _native.permutation(rng, n) if shuffle else np.arange(n, dtype=np.int64)
            losses = np.zeros(steps_per_epoch, np.float64)
            hist.lr.append(optimizer.param_groups[0]["lr"])
            optimizer._sync_lr()
            pending = True
            done, err, interrupted = _run_epoch(trainer, perm, losses)
            if done:
                commit()
            pending = False
            for i in range(done):
                if (gstep + i + 1) % log_every == 0:
                    hist.steps.append(gstep + i + 1)
                    hist.loss.append(float(losses[i]))
            gstep += done
            steps[0] = gstep
            if err is not None:
                if "loss is" in str(err) and check_finite:
                    raise FlernValueError(f"fit: loss is {losses[done - 1]} at epoch {epoch + 1}, step {done} "
                                          f"(global step {gstep}); training stopped (check_finite=True)",
                                          kind="Value", loc=loss_loc) from None
                raise err
            if interrupted:
                hist.interrupted = True
                e = KeyboardInterrupt()
                e.history = hist  # type: ignore[attr-defined]
                raise e
            hist.epoch_loss.append(float(losses[:done].mean()) if done else float("nan"))
            val = None
            if val_plan is not None:
                val = float(_collect.tensor_to_numpy(_native.run_step(val_plan, [], 1)[0]).reshape(()))
                hist.val_loss.append(val)
            bar.update(epoch, epochs, hist.epoch_loss[-1], val)
            if scheduler is not None:
                scheduler.step()
    except KeyboardInterrupt as e:  # (one that arrived outside the native epoch's wait)
        if pending:
            commit()
        hist.interrupted = True
        e.history = hist  # type: ignore[attr-defined]
        raise
    finally:
        bar.close()
        del keep
    return hist


# Row indices handed to one native Run call at most (8 bytes each): longer
# trainings run as several calls of whole epochs.
_RUN_ROWS = 1 << 22


def _fit_native(trainer: _native.Trainer, optimizer: Any, commit: Any, hist: History, rng: np.random.Generator,
                n: int, spe: int, steps: list, val_plan: Any, *, epochs: int, shuffle: bool, log_every: int,
                check_finite: bool, loss_loc: Any) -> History:
    """The epochs of ``_fit`` when nothing runs in Python between them (no scheduler, no
    progress bar): whole runs of epochs, validation included, in one native call each
    (exec.Trainer.Run), the parameters committed once at the end. Same history, batch
    order, errors and Ctrl-C behaviour as the per-epoch loop."""
    lr = optimizer.param_groups[0]["lr"]
    optimizer._sync_lr()
    per_call = max(1, _RUN_ROWS // max(n, 1))
    gstep = 0
    try:
        for e0 in range(0, epochs, per_call):
            k = min(per_call, epochs - e0)
            if shuffle:
                perms = np.empty((k, n), np.int64)
                for i in range(k):
                    _native.permutation(rng, n, perms[i])
            else:
                perms = np.broadcast_to(np.arange(n, dtype=np.int64), (k, n)).copy()
            losses = np.zeros((k, spe), np.float64)
            vals = np.zeros(k if val_plan is not None else 0, np.float64)
            done_steps, done, err, interrupted = _run_native(trainer, perms, k, losses, val_plan, vals)
            if done_steps:
                commit()  # (several commits only for trainings longer than one call)
            flat = losses.reshape(-1)
            hist.lr.extend([lr] * (k if done == k else done + 1))  # an lr for each epoch started
            first = gstep + 1
            gstep += done_steps
            steps[0] = gstep
            if log_every == 1:
                hist.steps.extend(range(first, gstep + 1))
                hist.loss.extend(flat[:done_steps].tolist())
            else:
                for i in range(done_steps):
                    if (first + i) % log_every == 0:
                        hist.steps.append(first + i)
                        hist.loss.append(float(flat[i]))
            if err is not None:
                step_in = done_steps - done * spe  # steps of the failing epoch that ran
                if "loss is" in str(err) and check_finite:
                    raise FlernValueError(f"fit: loss is {flat[done_steps - 1]} at epoch {e0 + done + 1}, step "
                                          f"{step_in} (global step {gstep}); training stopped (check_finite=True)",
                                          kind="Value", loc=loss_loc) from None
                raise err
            if interrupted or done < k:  # (Run stops early only on an error or a cancel)
                hist.epoch_loss.extend(losses[:done].mean(axis=1).tolist())
                hist.val_loss.extend(vals[:done].tolist())
                hist.interrupted = True
                e = KeyboardInterrupt()
                e.history = hist  # type: ignore[attr-defined]
                raise e
            hist.epoch_loss.extend(losses.mean(axis=1).tolist() if spe else [float("nan")] * k)
            hist.val_loss.extend(vals.tolist())
    except KeyboardInterrupt as e:  # (one that arrived outside the native call's wait)
        hist.interrupted = True
        e.history = hist  # type: ignore[attr-defined]
        raise
    return hist


def _trainer_run(trainer: _native.Trainer, perms: np.ndarray, epochs: int, losses: np.ndarray, val: Any,
                 vals: np.ndarray) -> tuple[int, int, Exception | None]:
    """flern_trainer_run (capi/train_run.go, exec.Trainer.Run): ``epochs`` epochs in one
    call, epoch e visiting the rows ``perms[e]`` and writing its step losses to
    ``losses[e]``, the ``val`` plan's loss after it to ``vals[e]``. Returns (steps done,
    epochs done, error or None); ctypes releases the GIL during the call."""
    L = _native.lib()
    fn = L.flern_trainer_run
    if not fn.argtypes:
        i64, vp, i64p = ctypes.c_int64, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64)
        fn.argtypes = [ctypes.c_size_t, vp, i64, i64, vp, i64, ctypes.c_size_t, vp, i64, i64p, i64p,
                       ctypes.POINTER(ctypes.c_void_p)]
        fn.restype = ctypes.c_int
    steps, done, err = ctypes.c_int64(0), ctypes.c_int64(0), ctypes.c_void_p(None)
    rc = fn(trainer._h, perms.ctypes.data, perms.size, epochs, losses.ctypes.data, losses.size,
            val._h if val is not None else 0, vals.ctypes.data, vals.size, ctypes.byref(steps), ctypes.byref(done),
            ctypes.byref(err))
    if rc != 0:
        try:
            _native._raise(err)
        except FlernError as e:
            return steps.value, done.value, e
    return steps.value, done.value, None


def _on_worker(trainer: _native.Trainer, call: Any) -> tuple[Any, BaseException | None, bool]:
    """``call()`` (a native training call) on a worker thread, so Ctrl-C reaches the main
    thread, which then cancels the native loop. Returns (result, exception raised by the
    call, interrupted); the callers turn a Cancelled error into an interruption. The wait is on an Event, not Thread.join: a join interrupted by
    KeyboardInterrupt can mark a running thread as stopped (CPython 3.11's
    _wait_for_tstate_lock), so the loop would stop waiting while the native call still
    runs. A Ctrl-C that arrives while the thread starts, or before the native call is
    entered (which clears the cancel flag), is not lost: the cancel is repeated until the
    worker finishes, and the main thread never returns while the native call runs."""
    box: dict = {}
    finished = threading.Event()

    def work() -> None:
        try:
            box["r"] = call()
        except BaseException as e:  # noqa: BLE001 (re-raised on the main thread)
            box["e"] = e
        finally:
            finished.set()

    if _SIGINT["hit"]:  # a Ctrl-C (caught by _sigint_guard) before this call
        return None, None, True
    _SIGINT["trainer"] = trainer
    t = threading.Thread(target=work, name="flern-fit", daemon=True)
    interrupted = False
    try:
        t.start()
    except KeyboardInterrupt:
        interrupted = True
    while True:
        try:
            interrupted = interrupted or _SIGINT["hit"]
            if interrupted:
                trainer.cancel()
                if not t.is_alive() and not finished.is_set():  # interrupted before it started
                    return None, None, True
            if finished.wait(0.1):
                break
        except KeyboardInterrupt:
            interrupted = True
    return box.get("r"), box.get("e"), interrupted or _SIGINT["hit"]


def _run_native(trainer: _native.Trainer, perms: np.ndarray, epochs: int, losses: np.ndarray, val_plan: Any,
                vals: np.ndarray):
    """_trainer_run on a worker thread (_on_worker): (steps, epochs done, error, interrupted)."""
    r, exc, interrupted = _on_worker(trainer, lambda: _trainer_run(trainer, perms, epochs, losses, val_plan, vals))
    steps, done, err = r if r is not None else (0, 0, exc)
    if isinstance(err, FlernError) and err.kind == "Cancelled":
        err, interrupted = None, True
    return steps, done, err, interrupted


def _run_epoch(trainer: _native.Trainer, perm: np.ndarray, losses: np.ndarray):
    """One native epoch (trainer.epoch) on a worker thread (_on_worker): (steps done,
    error, interrupted)."""
    r, exc, interrupted = _on_worker(trainer, lambda: trainer.epoch(perm, losses))
    done, err = r if r is not None else (0, exc)
    if isinstance(err, FlernError) and err.kind == "Cancelled":
        err, interrupted = None, True
    return done, err, interrupted
