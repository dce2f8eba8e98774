"""Training parity with PyTorch: the same MLP from the same initial weights and
batch order follows the same loss curve, in the drop-in loop and staged with
flern.fit; fit's options (validation, logging, tail batch, NaN stop, Ctrl-C)."""

import _thread
import threading

import numpy as np
import pytest

import flern
import flern.torch as ft

torch = pytest.importorskip("torch")


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 9)).astype(np.float32)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    return X, y


def _models(seed=0):
    ft.manual_seed(seed)
    fm = ft.nn.Sequential(ft.nn.Linear(9, 64), ft.nn.ReLU(), ft.nn.Linear(64, 64), ft.nn.ReLU(),
                          ft.nn.Linear(64, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(9, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                             torch.nn.Linear(64, 1))
    tm.load_state_dict({k: torch.as_tensor(v.numpy().copy()) for k, v in fm.state_dict().items()})
    return fm, tm


def _torch_curve(tm, opt, X, y, epochs, bs, perms, sched=None):
    losses = []
    for e in range(epochs):
        order = perms[e]
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(tm(torch.as_tensor(X[idx])), torch.as_tensor(y[idx]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        if sched is not None:
            sched.step()
    return np.array(losses)


@pytest.mark.parametrize("opt_name,kw", [("Adam", dict(lr=1e-3)), ("SGD", dict(lr=0.05, momentum=0.9)),
                                         ("AdamW", dict(lr=3e-3, weight_decay=0.1)),
                                         ("RMSprop", dict(lr=1e-3, centered=True))])
def test_dropin_loop_follows_torch(opt_name, kw):
    X, y = _data()
    fm, tm = _models()
    fo, to = getattr(ft.optim, opt_name)(fm.parameters(), **kw), getattr(torch.optim, opt_name)(tm.parameters(), **kw)
    crit = ft.nn.MSELoss()
    perms = [np.arange(len(X))] * 2
    ref = _torch_curve(tm, to, X, y, 2, 32, perms)
    got = []
    for e in range(2):
        for i in range(0, len(X), 32):
            fo.zero_grad()
            loss = crit(fm(ft.from_numpy(X[i:i + 32])), ft.from_numpy(y[i:i + 32]))
            loss.backward()
            fo.step()
            got.append(loss.item())
    np.testing.assert_allclose(got, ref, rtol=2e-4, atol=1e-6)
    for k, v in fm.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tm.state_dict()[k].numpy(), rtol=1e-3, atol=1e-5)


def test_dropin_step_runs_unfused_on_the_step_executor(monkeypatch):
    """The drop-in loop's optimizer.step() compiles its step like fit does, without the
    elementwise fusion stage: the Go step executor prepares the unfused ops into its own
    kernels (a fused node there ran through the general executor's per-call setup, 40-130 us
    per node at batch 1024); the step still follows torch."""
    from flern import _collect, _native

    plans = []
    orig = _native.run_step
    monkeypatch.setattr(_native, "run_step", lambda plan, inputs, n: plans.append(plan) or orig(plan, inputs, n))
    X, y = _data()
    fm, tm = _models()
    fo, to = ft.optim.Adam(fm.parameters(), lr=1e-3), torch.optim.Adam(tm.parameters(), lr=1e-3)
    ref = _torch_curve(tm, to, X, y, 1, 32, [np.arange(len(X))])
    got = []
    for i in range(0, len(X), 32):
        fo.zero_grad()
        loss = ft.nn.MSELoss()(fm(ft.from_numpy(X[i:i + 32])), ft.from_numpy(y[i:i + 32]))
        loss.backward()
        fo.step()
        got.append(loss.item())
    np.testing.assert_allclose(got, ref, rtol=2e-4, atol=1e-6)
    assert plans and _collect.STEP_OPTIONS == {"fuse": False}
    text = plans[0].explain()
    assert "adam_update" in text and "fused" not in text


def test_fit_follows_torch_with_shuffle_tail_scheduler_and_validation():
    X, y = _data(230)  # 230 = 7 * 32 + 6: a tail batch every epoch
    fm, tm = _models(1)
    fo, to = ft.optim.Adam(fm.parameters(), lr=3e-3), torch.optim.Adam(tm.parameters(), lr=3e-3)
    fs = ft.optim.lr_scheduler.StepLR(fo, step_size=1, gamma=0.5)
    ts = torch.optim.lr_scheduler.StepLR(to, step_size=1, gamma=0.5)
    Xv, yv = _data(50, seed=3)
    hist = flern.fit(fm, ft.nn.MSELoss(), fo, X, y, epochs=3, batch_size=32, shuffle=True, seed=7,
                     validation=(Xv, yv), log_every=1, scheduler=fs)
    rng = np.random.default_rng(7)
    perms = [rng.permutation(len(X)) for _ in range(3)]
    ref = _torch_curve(tm, to, X, y, 3, 32, perms, ts)
    assert hist.steps == list(range(1, 25))
    np.testing.assert_allclose(hist.loss, ref, rtol=2e-4, atol=1e-6)
    assert hist.lr == [3e-3, 1.5e-3, 7.5e-4]
    with torch.no_grad():
        tv = torch.nn.functional.mse_loss(tm(torch.as_tensor(Xv)), torch.as_tensor(yv)).item()
    assert hist.val_loss[-1] == pytest.approx(tv, rel=1e-4)
    assert len(hist.epoch_loss) == 3 and not hist.interrupted
    for k, v in fm.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tm.state_dict()[k].numpy(), rtol=1e-3, atol=1e-5)
    # the model keeps working define-by-run after fit
    out = fm(ft.from_numpy(Xv))
    np.testing.assert_allclose(out.numpy(), tm(torch.as_tensor(Xv)).detach().numpy(), rtol=1e-3, atol=1e-5)


def test_fit_log_every_and_validation_split():
    X, y = _data(100)
    fm, _ = _models()
    hist = flern.fit(fm, ft.nn.MSELoss(), ft.optim.SGD(fm.parameters(), lr=0.01), X, y, epochs=2,
                     batch_size=10, validation_split=0.2, log_every=3, shuffle=False)
    assert hist.steps == [3, 6, 9, 12, 15]  # 80 training rows -> 8 steps per epoch
    assert len(hist.val_loss) == 2 and all(np.isfinite(hist.val_loss))


def test_fit_stops_on_nan_with_step():
    X, y = _data(64)
    y[40] = np.nan
    fm, _ = _models()
    with pytest.raises(ValueError, match=r"loss is nan at epoch 1, step 2"):
        flern.fit(fm, ft.nn.MSELoss(), ft.optim.SGD(fm.parameters(), lr=0.01), X, y, epochs=1, batch_size=32,
                  shuffle=False)
    fm2, _ = _models()
    hist = flern.fit(fm2, ft.nn.MSELoss(), ft.optim.SGD(fm2.parameters(), lr=0.01), X, y, epochs=1,
                     batch_size=32, shuffle=False, check_finite=False)
    assert np.isnan(hist.loss[1])


def test_fit_bad_input():
    X, y = _data(10)
    fm, _ = _models()
    opt = ft.optim.SGD(fm.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="rows"):
        flern.fit(fm, ft.nn.MSELoss(), opt, X, y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        flern.fit(fm, ft.nn.MSELoss(), opt, X, y, batch_size=0)
    with pytest.raises(ValueError, match=r"size|shape|broadcast"):
        flern.fit(fm, ft.nn.MSELoss(), opt, X[:, :4], y)
    with pytest.raises(ValueError, match="scalar"):
        flern.fit(fm, ft.nn.MSELoss(reduction="none"), opt, X, y)
    with pytest.raises(TypeError, match="loss_fn must return a tensor"):
        flern.fit(fm, lambda out, target: 1.0, opt, X, y)


class _InterruptAfterFirstEpoch:
    """A stand-in lr scheduler (fit steps it after each epoch) that sends Ctrl-C shortly after
    the first epoch ended, so the interrupt lands while a later epoch runs natively, however
    slow tracing and compiling the step were (a wall-clock timer from the test's start could
    fire before the first step on the reference path)."""

    def __init__(self):
        self.timer = None

    def step(self):
        if self.timer is None:
            self.timer = threading.Timer(0.05, _thread.interrupt_main)
            self.timer.start()


def test_fit_ctrl_c_stops_between_steps():
    X, y = _data(4000)
    fm, _ = _models()
    opt = ft.optim.SGD(fm.parameters(), lr=0.001)
    sched = _InterruptAfterFirstEpoch()
    with pytest.raises(KeyboardInterrupt) as info:
        flern.fit(fm, ft.nn.MSELoss(), opt, X, y, epochs=1000, batch_size=8, shuffle=False, scheduler=sched)
    sched.timer.cancel()
    hist = info.value.history
    # stopped after the first epoch (500 steps), long before the 1000th
    assert hist.interrupted and 500 <= len(hist.loss) < 1000 * 500 and len(hist.epoch_loss) >= 1
    assert hist.steps == list(range(1, len(hist.loss) + 1))
    assert flern.train.last_history is hist
    # the parameters are those of the last completed step: finite, and replaying the logged
    # steps' batches on a fresh model with PyTorch-style SGD gives them
    for p in fm.parameters():
        assert np.isfinite(p.numpy()).all()
    _, tm = _models()
    opt2 = torch.optim.SGD(tm.parameters(), lr=0.001)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for i in range(len(hist.loss)):
        r = (i % 500) * 8
        opt2.zero_grad()
        loss = torch.nn.MSELoss()(tm(Xt[r:r + 8]), yt[r:r + 8])
        loss.backward()
        opt2.step()
    assert np.isclose(loss.item(), hist.loss[-1], rtol=1e-3, atol=1e-6), (loss.item(), hist.loss[-1])
    for (name, a), b in zip(fm.state_dict().items(), tm.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)


def test_fit_progress_shows_epochs(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    X, y = _data(64)
    fm, _ = _models()
    flern.fit(fm, ft.nn.MSELoss(), ft.optim.SGD(fm.parameters(), lr=0.01), X, y, epochs=3, batch_size=16,
              progress=True, validation_split=0.25)
    err = capsys.readouterr().err
    assert "3/3" in err and "epoch" in err and "loss=" in err and "val_loss=" in err, err
    # without tqdm: one plain line per epoch
    import sys
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    flern.fit(fm, ft.nn.MSELoss(), ft.optim.SGD(fm.parameters(), lr=0.01), X, y, epochs=2, batch_size=16,
              progress=True)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("epoch ")]
    assert [ln.split()[1] for ln in lines] == ["1/2", "2/2"], lines
    flern.fit(fm, ft.nn.MSELoss(), ft.optim.SGD(fm.parameters(), lr=0.01), X, y, epochs=2, batch_size=16)
    assert capsys.readouterr().err == ""
