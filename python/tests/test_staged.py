"""@flern.staged: a define-by-run training step traced once, then run natively per
call. Compared with PyTorch and with the plain drop-in loop; retracing on new
shapes; clear errors for bodies that cannot be staged."""

import numpy as np
import pytest

import flern
import flern.torch as ft
from flern.errors import FlernTypeError, FlernValueError

torch = pytest.importorskip("torch")


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 9)).astype(np.float32)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    return X, y


def _models(seed=0, bn=False):
    ft.manual_seed(seed)
    mid_f = [ft.nn.BatchNorm1d(32)] if bn else []
    mid_t = [torch.nn.BatchNorm1d(32)] if bn else []
    fm = ft.nn.Sequential(ft.nn.Linear(9, 32), *mid_f, ft.nn.ReLU(), ft.nn.Linear(32, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(9, 32), *mid_t, torch.nn.ReLU(), torch.nn.Linear(32, 1))
    tm.load_state_dict({k: torch.as_tensor(np.array(v.numpy())) for k, v in fm.state_dict().items()})
    return fm, tm


def _batches(n, bs):
    return [slice(i, i + bs) for i in range(0, n, bs)]


@pytest.mark.parametrize("opt_name,kw,bn", [("Adam", dict(lr=1e-2), False), ("SGD", dict(lr=0.05, momentum=0.9), True),
                                            ("AdamW", dict(lr=1e-2, weight_decay=0.1), False)])
def test_staged_step_follows_torch(opt_name, kw, bn):
    X, y = _data()
    fm, tm = _models(bn=bn)
    fo, to = getattr(ft.optim, opt_name)(fm.parameters(), **kw), getattr(torch.optim, opt_name)(tm.parameters(), **kw)
    fs = ft.optim.lr_scheduler.StepLR(fo, step_size=1, gamma=0.5)
    ts = torch.optim.lr_scheduler.StepLR(to, step_size=1, gamma=0.5)
    crit = ft.nn.MSELoss()

    @flern.staged
    def step(xb, yb):
        fo.zero_grad()
        loss = crit(fm(xb), yb)
        loss.backward()
        fo.step()
        return loss

    got, ref = [], []
    for _ in range(3):
        for b in _batches(len(X), 48):  # 4 batches of 48 and a tail of 8: two traces
            got.append(step(X[b], y[b]).item())
            to.zero_grad()
            loss = torch.nn.functional.mse_loss(tm(torch.as_tensor(X[b])), torch.as_tensor(y[b]))
            loss.backward()
            to.step()
            ref.append(loss.item())
        fs.step()
        ts.step()
    assert step.traces == 2
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-6)
    sd, tsd = fm.state_dict(), tm.state_dict()
    for k in tsd:
        np.testing.assert_allclose(np.asarray(sd[k].numpy()), tsd[k].numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def test_staged_step_equals_the_dropin_loop():
    X, y = _data()
    fa, _ = _models()
    fb, _ = _models()
    oa, ob = ft.optim.SGD(fa.parameters(), lr=0.05, momentum=0.9), ft.optim.SGD(fb.parameters(), lr=0.05, momentum=0.9)
    crit = ft.nn.MSELoss()

    def body(model, opt, xb, yb):
        opt.zero_grad()
        out = model(xb)
        loss = crit(out, yb)
        loss.backward()
        opt.step()
        return loss, out

    step = flern.staged(lambda xb, yb: body(fa, oa, xb, yb))
    for b in _batches(160, 32):
        loss_s, out_s = step(ft.from_numpy(X[b]), torch.as_tensor(y[b]))  # flern and torch arguments
        out_d = fb(ft.from_numpy(X[b])).numpy()  # (the drop-in output must be read before its step)
        loss_d, _ = body(fb, ob, ft.from_numpy(X[b]), ft.from_numpy(y[b]))
        assert isinstance(loss_s, ft.Tensor) and list(out_s.shape) == [32, 1]
        np.testing.assert_allclose(loss_s.item(), loss_d.item(), rtol=1e-6)
        np.testing.assert_allclose(out_s.numpy(), out_d, rtol=1e-6, atol=1e-7)
    for (k, v), (_, w) in zip(fa.state_dict().items(), fb.state_dict().items()):
        np.testing.assert_allclose(np.asarray(v.numpy()), np.asarray(w.numpy()), rtol=1e-6, atol=1e-7, err_msg=k)
    assert step.traces == 1


def test_staged_returns_and_scalar_arguments():
    X, y = _data(64)
    fm, _ = _models()
    opt = ft.optim.SGD(fm.parameters(), lr=0.01)

    @flern.staged
    def step(xb, yb, scale):
        opt.zero_grad()
        out = fm(xb)
        loss = ft.nn.functional.mse_loss(out, yb) * scale
        loss.backward()
        opt.step()
        return {"loss": loss, "mean_out": out.mean()}

    r1 = step(X[:32], y[:32], 1.0)
    assert set(r1) == {"loss", "mean_out"}
    r2 = step(X[:32], y[:32], 2.0)  # a new scalar value retraces
    assert step.traces == 2 and r2["loss"].item() > 0
    assert "adam" not in step.explain(X[:32], y[:32], 1.0) and "sgd_update" in step.explain(X[:32], y[:32], 1.0)

    @flern.staged
    def forward_only(xb):
        with ft.no_grad():
            return fm(xb)

    np.testing.assert_allclose(forward_only(X[:5]).numpy(), fm(ft.from_numpy(X[:5])).numpy(), rtol=1e-6)


def test_staged_dropout_reproducible_and_fresh_per_call():
    X, y = _data(64)

    def run():
        ft.manual_seed(0)
        m = ft.nn.Sequential(ft.nn.Linear(9, 64), ft.nn.ReLU(), ft.nn.Dropout(0.5), ft.nn.Linear(64, 1))
        opt = ft.optim.SGD(m.parameters(), lr=0.0)

        @flern.staged
        def step(xb, yb):
            opt.zero_grad()
            loss = ft.nn.functional.mse_loss(m(xb), yb)
            loss.backward()
            opt.step()
            return loss

        ft.manual_seed(42)
        return [step(X, y).item() for _ in range(20)]

    a, b = run(), run()
    assert a == b
    assert len(set(a)) == 20  # lr=0: only the masks change between calls


def test_staged_unstageable_bodies_fail_clearly():
    X, y = _data(32)
    fm, _ = _models()
    opt = ft.optim.SGD(fm.parameters(), lr=0.01)

    @flern.staged
    def reads_value(xb, yb):
        loss = ft.nn.functional.mse_loss(fm(xb), yb)
        if loss.item() > 1:  # data-dependent Python control flow
            loss = loss * 2
        return loss

    with pytest.raises(FlernValueError, match="inside a staged step") as e:
        reads_value(X, y)
    assert "test_staged.py" in str(e.value)

    @flern.staged
    def returns_float(xb):
        return 1.5

    with pytest.raises(FlernTypeError, match="must return a tensor"):
        returns_float(X)
    with pytest.raises(FlernTypeError, match="takes tensors"):
        flern.staged(lambda a: a)(object())

    @flern.staged
    def outer(xb):
        return inner(xb)

    @flern.staged
    def inner(xb):
        return fm(xb)

    with pytest.raises(FlernValueError, match="cannot be called inside another"):
        outer(X)
    # the model still works eagerly after the failed traces
    assert np.isfinite(ft.nn.functional.mse_loss(fm(ft.from_numpy(X)), ft.from_numpy(y)).item())


def test_staged_retraces_when_a_module_changes_train_eval_mode():
    X, y = _data(64)
    ft.manual_seed(0)
    m = ft.nn.Sequential(ft.nn.Linear(9, 32), ft.nn.ReLU(), ft.nn.Dropout(0.5), ft.nn.Linear(32, 1))

    @flern.staged
    def loss_of(xb, yb):
        with ft.no_grad():
            return ft.nn.functional.mse_loss(m(xb), yb)

    train = [loss_of(X, y).item() for _ in range(3)]
    assert len(set(train)) == 3 and loss_of.traces == 1  # fresh masks per call
    m.eval()
    ev = [loss_of(X, y).item() for _ in range(3)]
    assert loss_of.traces == 2 and len(set(ev)) == 1  # no dropout in eval mode
    assert ev[0] == pytest.approx(ft.nn.functional.mse_loss(m(ft.from_numpy(X)), ft.from_numpy(y)).item(), rel=1e-6)
    m.train()
    assert loss_of(X, y).item() not in ev and loss_of.traces == 2  # the train-mode trace again


def test_staged_without_zero_grad_raises_not_accumulates():
    """PyTorch sums .grad over calls when the body never zeroes it; a staged step keeps no
    gradients between calls, so that body is refused while tracing (never a silent different
    result), and zero_grad() at the start or after step() matches torch."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 16, 9)).astype(np.float32)
    y = rng.standard_normal((4, 16, 1)).astype(np.float32)

    def build(zero):
        ft.manual_seed(0)
        fm = ft.nn.Sequential(ft.nn.Linear(9, 8), ft.nn.ReLU(), ft.nn.Linear(8, 1))
        opt = ft.optim.SGD(fm.parameters(), lr=0.05)

        @flern.staged
        def step(xb, yb):
            if zero == "start":
                opt.zero_grad()
            loss = ft.nn.functional.mse_loss(fm(xb), yb)
            loss.backward()
            opt.step()
            if zero == "end":
                fm.zero_grad()
            return loss
        return fm, step

    fm, step = build(None)
    with pytest.raises(NotImplementedError, match=r"zero_grad\(\).*accumulate"):
        step(X[0], y[0])
    for zero in ("start", "end"):
        fm, step = build(zero)
        tm = torch.nn.Sequential(torch.nn.Linear(9, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        tm.load_state_dict({k: torch.as_tensor(v.numpy().copy()) for k, v in fm.state_dict().items()})
        topt = torch.optim.SGD(tm.parameters(), lr=0.05)
        for i in range(4):
            got = step(X[i], y[i]).item()
            topt.zero_grad()
            want = torch.nn.functional.mse_loss(tm(torch.as_tensor(X[i])), torch.as_tensor(y[i]))
            want.backward()
            topt.step()
            assert np.isclose(got, want.item(), rtol=1e-5, atol=1e-6), (zero, i, got, want.item())
        for a, b in zip(fm.state_dict().values(), tm.state_dict().values()):
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_staged_check_finite_stops_with_message():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 8, 9)).astype(np.float32)
    y = rng.standard_normal((3, 8, 1)).astype(np.float32)
    y[2, 5, 0] = np.nan
    for check in (True, False):
        ft.manual_seed(0)
        fm = ft.nn.Sequential(ft.nn.Linear(9, 4), ft.nn.ReLU(), ft.nn.Linear(4, 1))
        opt = ft.optim.SGD(fm.parameters(), lr=0.01)

        def body(xb, yb):
            opt.zero_grad()
            loss = ft.nn.functional.mse_loss(fm(xb), yb)
            loss.backward()
            opt.step()
            return loss
        step = flern.staged(check_finite=True)(body) if check else flern.staged(body)
        assert np.isfinite(step(X[0], y[0]).item()) and np.isfinite(step(X[1], y[1]).item())
        if check:
            with pytest.raises(ValueError, match=r"returned nan at call 3 \(check_finite=True\)"):
                step(X[2], y[2])
        else:  # the default, as PyTorch: the NaN loss is returned
            assert np.isnan(step(X[2], y[2]).item())
