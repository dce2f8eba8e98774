"""flern.fit's one-call loop (no scheduler, no progress bar: every epoch and its
validation run in one native call, exec.Trainer.Run) against fit's per-epoch loop
(taken when a scheduler is passed; a scheduler that does nothing keeps the training
the same) and against PyTorch: the same history, parameters, errors and Ctrl-C."""

import _thread
import threading
import time

import numpy as np
import pytest

import flern
import flern.torch as ft
from flern import train as _train


class _NoopScheduler:
    """A scheduler that changes nothing: fit then runs its per-epoch loop."""

    def step(self) -> None:
        pass


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 9)).astype(np.float32)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    return X, y


def _model(seed=0):
    ft.manual_seed(seed)
    return ft.nn.Sequential(ft.nn.Linear(9, 16), ft.nn.ReLU(), ft.nn.Linear(16, 1))


def _fit(per_epoch, opt_name="Adam", n=100, **kw):
    X, y = _data(n)
    m = _model()
    opt = getattr(ft.optim, opt_name)(m.parameters(), lr=1e-2)
    hist = flern.fit(m, ft.nn.L1Loss(), opt, X, y, scheduler=_NoopScheduler() if per_epoch else None, **kw)
    return hist, [p.numpy().copy() for p in m.parameters()]


@pytest.mark.parametrize("kw", [
    dict(epochs=5, batch_size=16, shuffle=True, seed=3, validation_split=0.2),
    dict(epochs=4, batch_size=32, shuffle=False, log_every=3),
    dict(epochs=3, batch_size=7, shuffle=True, seed=1, validation_split=0.25, log_every=2),
    dict(epochs=0, batch_size=8),
    dict(epochs=2, batch_size=500, validation_split=0.1),  # one batch of every row
])
@pytest.mark.parametrize("opt_name", ["Adam", "RMSprop"])
@pytest.mark.parametrize("run_rows", [None, 150])
def test_one_call_loop_equals_per_epoch_loop(kw, opt_name, run_rows, monkeypatch):
    if run_rows is not None:  # several native calls (whole epochs each)
        monkeypatch.setattr(_train, "_RUN_ROWS", run_rows)
    h1, p1 = _fit(False, opt_name, **kw)
    h2, p2 = _fit(True, opt_name, **kw)
    assert h1.steps == h2.steps and h1.lr == h2.lr and not h1.interrupted
    assert h1.loss == h2.loss and h1.epoch_loss == h2.epoch_loss
    np.testing.assert_allclose(h1.val_loss, h2.val_loss, rtol=1e-6)
    assert len(h1.val_loss) == (kw["epochs"] if kw.get("validation_split") else 0)
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a, b)


def test_one_call_validation_follows_torch():
    torch = pytest.importorskip("torch")
    X, y = _data(120)
    m = _model(2)
    tm = torch.nn.Sequential(torch.nn.Linear(9, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    tm.load_state_dict({k: torch.as_tensor(v.numpy().copy()) for k, v in m.state_dict().items()})
    hist = flern.fit(m, ft.nn.MSELoss(), ft.optim.Adam(m.parameters(), lr=3e-3), X, y, epochs=4, batch_size=16,
                     shuffle=True, seed=5, validation_split=0.25)
    to = torch.optim.Adam(tm.parameters(), lr=3e-3)
    cut = int(len(X) * 0.75)
    Xt, yt, Xv, yv = (torch.as_tensor(a) for a in (X[:cut], y[:cut], X[cut:], y[cut:]))
    rng = np.random.default_rng(5)
    losses, vals = [], []
    for _ in range(4):
        order = rng.permutation(cut)
        for i in range(0, cut, 16):
            idx = order[i:i + 16]
            to.zero_grad()
            loss = torch.nn.functional.mse_loss(tm(Xt[idx]), yt[idx])
            loss.backward()
            to.step()
            losses.append(loss.item())
        with torch.no_grad():
            vals.append(torch.nn.functional.mse_loss(tm(Xv), yv).item())
    np.testing.assert_allclose(hist.loss, losses, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(hist.val_loss, vals, rtol=2e-4, atol=1e-6)
    assert hist.steps == list(range(1, len(losses) + 1)) and len(hist.epoch_loss) == 4


def test_one_call_nan_stop_names_the_same_epoch_and_step():
    X, y = _data(64)
    y[50] = np.nan  # row 50 is in the last batch of every epoch (no shuffle)
    msgs = []
    for per_epoch in (False, True):
        m = _model()
        with pytest.raises(ValueError, match=r"loss is nan at epoch 1, step 4 \(global step 4\)") as info:
            flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=0.01), X, y, epochs=3, batch_size=16,
                      shuffle=False, scheduler=_NoopScheduler() if per_epoch else None)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
    # a later epoch: diverging SGD, the same stop in both loops
    X, y = _data(64)
    out = []
    for per_epoch in (False, True):
        m = _model()
        try:
            flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=0.02), X * 10, y, epochs=50,
                      batch_size=16, shuffle=True, seed=0, scheduler=_NoopScheduler() if per_epoch else None)
            out.append(None)
        except ValueError as e:
            out.append(str(e))
    assert out[0] == out[1] and "at epoch 2, step 4 (global step 8)" in out[0], out


def test_one_call_ctrl_c_stops_the_native_loop():
    X, y = _data(4000)
    m = _model()
    # 2 s: on a loaded machine compiling the step and the validation plan took over 0.5 s, and
    # a Ctrl-C before the first step leaves no loss to check
    timer = threading.Timer(2.0, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=1e-3), X, y, epochs=100000, batch_size=8,
                  validation_split=0.1)
    timer.cancel()
    hist = info.value.history
    assert hist.interrupted and hist is flern.train.last_history
    steps_per_epoch = 450  # 3600 training rows / 8
    assert len(hist.loss) > 0 and hist.steps[-1] == len(hist.loss)
    epochs = len(hist.loss) // steps_per_epoch  # (one less when stopped right after an epoch's last step)
    assert len(hist.epoch_loss) == len(hist.val_loss) in (epochs, epochs - 1)
    # an lr for each epoch started: the finished ones, and the one the Ctrl-C cut short. When no
    # step of it ran, the history cannot tell whether the Ctrl-C landed inside a native call (the
    # epoch was started: an lr) or between two of them (each runs whole epochs: none)
    finished = len(hist.epoch_loss)
    if len(hist.loss) > finished * steps_per_epoch:
        assert len(hist.lr) == finished + 1
    else:
        assert len(hist.lr) in (finished, finished + 1)
    # the native loop has stopped: the parameters no longer change
    before = [p.numpy().copy() for p in m.parameters()]
    time.sleep(0.3)
    for a, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(a, p.numpy())
        assert np.isfinite(a).all()


@pytest.mark.parametrize("per_epoch", [False, True])
def test_ctrl_c_before_the_native_call_starts_still_stops_it(per_epoch, monkeypatch):
    """A Ctrl-C that reaches the main thread after the worker thread started but before it
    entered the native loop (which clears the cancel flag when it starts) still stops the
    training: the cancel is repeated until the worker finishes. Before, such a cancel was
    lost and the fit ran all its epochs (a hung CI run)."""
    name = "trainer.epoch" if per_epoch else "_trainer_run"
    import flern._native as native
    real_run, real_epoch = _train._trainer_run, native.Trainer.epoch

    ended = threading.Event()

    def late(*args, **kw):
        _thread.interrupt_main()
        time.sleep(0.4)  # the main thread's wait loop gets the interrupt and cancels first
        try:
            return (real_epoch if per_epoch else real_run)(*args, **kw)
        finally:
            ended.set()

    if per_epoch:
        monkeypatch.setattr(native.Trainer, "epoch", late)
    else:
        monkeypatch.setattr(_train, "_trainer_run", late)
    X, y = _data(4000)
    m = _model()
    epochs = 300
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt) as info:
        flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=1e-3), X, y, epochs=epochs, batch_size=8,
                  validation_split=0.1, scheduler=_NoopScheduler() if per_epoch else None)
    assert ended.is_set(), "fit returned while the native call was still running"
    hist = info.value.history
    assert hist.interrupted and time.perf_counter() - t0 < 60
    assert len(hist.loss) < epochs * 450 // 2, (name, len(hist.loss))
    # the native loop has stopped: the parameters no longer change
    before = [p.numpy().copy() for p in m.parameters()]
    time.sleep(0.6)
    for a, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(a, p.numpy())


def test_ctrl_c_while_a_finalizer_runs_is_not_lost(monkeypatch):
    """Python drops a KeyboardInterrupt raised inside a __del__ method ("Exception ignored");
    a Ctrl-C that lands there while fit runs must still stop the training (fit handles SIGINT
    itself while it runs)."""
    import flern._native as native

    class Finalized:
        def __del__(self):
            _thread.interrupt_main()
            for _ in range(1000):  # the pending SIGINT is handled here, inside __del__
                pass

    real = native.permutation

    def permutation(*args, **kw):
        Finalized()  # freed at once, on the main thread, just before the native call
        return real(*args, **kw)

    monkeypatch.setattr(native, "permutation", permutation)
    X, y = _data(4000)
    m = _model()
    with pytest.raises(KeyboardInterrupt) as info:
        flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=1e-3), X, y, epochs=30, batch_size=8)
    hist = info.value.history
    assert hist.interrupted and len(hist.loss) < 30 * 500


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 3])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 70_001])
@pytest.mark.parametrize("buffered", [False, True])
def test_native_permutation_is_numpys(seed: int, n: int, buffered: bool, monkeypatch) -> None:
    """fit's shuffled orders: the native PCG64 permutation equals numpy's
    Generator.permutation, and the generator continues identically after it
    (including a buffered 32-bit half left by an earlier draw)."""
    from flern import _native
    monkeypatch.setattr(_native, "_NATIVE_PERM_MIN", 2)  # the native draw at every size
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    if buffered:
        assert a.integers(0, 2**32, dtype=np.uint32) == b.integers(0, 2**32, dtype=np.uint32)
    got, want = _native.permutation(a, n), b.permutation(n)
    assert got.dtype == np.int64 and np.array_equal(got, want)
    out = np.empty(n, np.int64)
    assert _native.permutation(a, n, out) is out and np.array_equal(out, b.permutation(n))
    assert a.bit_generator.state == b.bit_generator.state
    assert a.integers(0, 2**32, dtype=np.uint32) == b.integers(0, 2**32, dtype=np.uint32)
    assert a.random() == b.random()


def test_fit_inputs_are_read_in_place():
    """fit's X and y become store entries over the arrays' own buffers (no copy): the
    entry reads what the array holds, and cannot be written."""
    from flern import _state
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    e = _state.StateEntry(a, borrow=True)
    assert e.borrowed is a
    np.testing.assert_array_equal(e.read(), a)
    a[1, 2] = -7.0  # the same memory
    assert e.read()[1, 2] == -7.0
    with pytest.raises(RuntimeError, match="borrowed"):
        e.write(np.zeros((4, 3), np.float32))
    c = _state.StateEntry(a)  # the default copies
    a[0, 0] = 99.0
    assert c.read()[0, 0] == 0.0 and c.borrowed is None
    for dt in (np.float64, np.int64, np.bool_):
        b = (np.arange(6) % 2).astype(dt)
        np.testing.assert_array_equal(_state.StateEntry(b, borrow=True).read(), b)
