"""optim vs PyTorch: every optimizer's fused update, schedulers, state dicts,
and the Go-resident state semantics (loss after step, stale reads, plan cache)."""

import math

import numpy as np
import pytest

import flern.torch as ft
from flern import _collect
from flern.errors import FlernValueError

torch = pytest.importorskip("torch")


def _pair(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((4, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    X = rng.standard_normal((6, 3)).astype(dtype)
    y = rng.standard_normal((6, 4)).astype(dtype)
    return w, b, X, y


OPTIMIZERS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd_momentum": ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    "adam": ("Adam", dict(lr=1e-2)),
    "adam_wd": ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adamw": ("AdamW", dict(lr=1e-2)),
    "adamw_wd": ("AdamW", dict(lr=3e-2, weight_decay=0.5, maximize=True)),
    "rmsprop": ("RMSprop", dict(lr=1e-2)),
    "rmsprop_full": ("RMSprop", dict(lr=1e-2, alpha=0.9, eps=1e-6, weight_decay=0.05, momentum=0.5,
                                     centered=True)),
    "rmsprop_centered": ("RMSprop", dict(lr=1e-3, centered=True)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_matches_torch(name, dtype):
    cls, kw = OPTIMIZERS[name]
    w, b, X, y = _pair(dtype=dtype)
    fw, fb = ft.nn.Parameter(w), ft.nn.Parameter(b)
    tw, tb = torch.nn.Parameter(torch.tensor(w)), torch.nn.Parameter(torch.tensor(b))
    fopt = getattr(ft.optim, cls)([fw, fb], **kw)
    topt = getattr(torch.optim, cls)([tw, tb], **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for step in range(6):
        fopt.zero_grad()
        topt.zero_grad()
        fl = (((ft.from_numpy(X) @ fw.transpose(0, 1) + fb) - ft.from_numpy(y)) ** 2).mean()
        tl = (((torch.tensor(X) @ tw.T + tb) - torch.tensor(y)) ** 2).mean()
        fl.backward()
        tl.backward()
        fopt.step()
        topt.step()
        assert fl.item() == pytest.approx(tl.item(), rel=tol, abs=tol)
        np.testing.assert_allclose(fw.numpy(), tw.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(fb.numpy(), tb.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=tol, atol=tol)
    # optimizer state in torch's layout
    fs, ts = fopt.state_dict()["state"][0], topt.state_dict()["state"].get(0, {})
    for k, v in ts.items():
        if isinstance(v, torch.Tensor):
            np.testing.assert_allclose(np.asarray(fs[k]), v.numpy(), rtol=tol, atol=tol)


def test_scheduler_formulas_match_torch():
    for make in (lambda o, m: m.StepLR(o, step_size=3, gamma=0.5),
                 lambda o, m: m.CosineAnnealingLR(o, T_max=4, eta_min=0.01)):
        fo = ft.optim.SGD([ft.nn.Parameter(np.ones(2, np.float32))], lr=0.1)
        to = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1)
        fs, ts = make(fo, ft.optim.lr_scheduler), make(to, torch.optim.lr_scheduler)
        for _ in range(12):
            assert fs.get_last_lr()[0] == pytest.approx(ts.get_last_lr()[0], rel=1e-12, abs=1e-15)
            to.step()
            fs.step()
            ts.step()


def test_scheduler_changes_lr_without_recompile():
    w = ft.nn.Parameter(np.ones(3, np.float32))
    opt = ft.optim.SGD([w], lr=1.0)
    sched = ft.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    before = None
    expect = np.ones(3)
    for i in range(4):
        opt.zero_grad()
        (w * 1.0).sum().backward()
        opt.step()
        expect = expect - 0.5 ** i
        sched.step()
        if i == 1:
            before = len(_collect._PLAN_CACHE)
    np.testing.assert_allclose(w.numpy(), expect)
    assert len(_collect._PLAN_CACHE) == before  # steps 3 and 4 reused the compiled plan


def test_loss_after_step_and_stale_reads():
    w = ft.nn.Parameter(np.array([2.0], np.float32))
    opt = ft.optim.SGD([w], lr=0.25)
    loss = (w * w).sum()
    out = w * 3.0
    loss.backward()
    opt.step()
    assert loss.item() == pytest.approx(4.0)  # computed by the step, before the update
    assert w.item() == pytest.approx(2.0 - 0.25 * 4.0)
    with pytest.raises(FlernValueError, match="optimizer step"):
        out.numpy()  # recorded on the old values, never evaluated: a clear error, not new values
    assert (w * 3.0).item() == pytest.approx(3.0)


def test_zero_grad_and_accumulation():
    w = ft.nn.Parameter(np.array([1.0, 2.0], np.float32))
    opt = ft.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0])
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.6, 1.2], rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0])  # the grad stays readable after step
    opt.zero_grad(set_to_none=False)
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # no grads: no-op
    np.testing.assert_allclose(w.numpy(), [0.6, 1.2], rtol=1e-6)


def test_param_groups_and_state_dict_roundtrip():
    a, b = ft.nn.Parameter(np.ones(2, np.float32)), ft.nn.Parameter(np.ones(3, np.float32))
    opt = ft.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        ((a * a).sum() + (b * b).sum()).backward()
        opt.step()
    assert a.item if True else None
    assert abs(1 - b.numpy()[0]) > abs(1 - a.numpy()[0])  # the second group's larger lr
    sd = opt.state_dict()
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["state"][1]["exp_avg"].shape == (3,)
    # torch loads flern's optimizer state (through numpy) and vice versa
    ta, tb = torch.nn.Parameter(torch.tensor(a.numpy())), torch.nn.Parameter(torch.tensor(b.numpy()))
    topt = torch.optim.Adam([{"params": [ta]}, {"params": [tb], "lr": 0.1}], lr=0.01)
    topt.load_state_dict({"state": {k: {n: torch.as_tensor(np.asarray(v)) for n, v in s.items()}
                                    for k, s in sd["state"].items()},
                          "param_groups": sd["param_groups"]})
    opt2 = ft.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    opt2.load_state_dict(topt.state_dict())
    for o in (opt2, topt):
        o.zero_grad()
    ((a * a).sum() + (b * b).sum()).backward()
    ((ta * ta).sum() + (tb * tb).sum()).backward()
    opt2.step()
    topt.step()
    np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-6)


def test_bad_optimizer_input():
    with pytest.raises(ValueError, match="learning rate"):
        ft.optim.RMSprop([ft.nn.Parameter(np.ones(1, np.float32))], lr=-1)
    with pytest.raises(NotImplementedError, match="nn.Parameter"):
        ft.optim.AdamW([ft.ones(2)])
    w = ft.nn.Parameter(np.ones(2, np.float32))
    opt = ft.optim.SGD([w], lr=0.1)
    w.grad = ft.ones(3)
    with pytest.raises(FlernValueError, match="gradient"):
        opt.step()
