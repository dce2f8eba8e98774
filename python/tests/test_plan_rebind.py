"""The plan cache across models: a training step, a staged step or a prediction is compiled
once with slot keys for its parameters and optimizer state (encode_plan's state_keys) and each
model's state is bound to it (Plan.rebind). A second model of the same shapes compiles nothing,
trains its own parameters (never the first model's), and gives exactly what a cold cache gives."""

import numpy as np
import pytest
import torch

import flern
import flern.torch as ft
from flern import _collect


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 9)).astype(np.float32)
    y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    return X, y


def _model(seed):
    ft.manual_seed(seed)
    return ft.nn.Sequential(ft.nn.Linear(9, 16), ft.nn.ReLU(), ft.nn.Linear(16, 1))


def _params(m):
    return [p.numpy().copy() for p in m.parameters()]


def _fit(m, X, y):
    opt = ft.optim.Adam(m.parameters(), lr=1e-2)
    h = flern.fit(m, ft.nn.MSELoss(), opt, X, y, epochs=3, batch_size=16, shuffle=True, seed=2,
                  validation_split=0.25)
    with ft.no_grad():
        pred = m(ft.from_numpy(X)).numpy().copy()
    return h, pred


@pytest.mark.skipif(not _collect._PLAN_CACHE_ON, reason="FLERN_PLAN_CACHE=0")
def test_second_model_compiles_nothing_and_trains_itself():
    X, y = _data()
    _collect.clear_plan_cache()
    a = _model(1)
    _fit(a, X, y)
    a_after = _params(a)
    misses = _collect.PLAN_CACHE_STATS["misses"]
    b = _model(2)
    hb, pred_b = _fit(b, X, y)
    assert _collect.PLAN_CACHE_STATS["misses"] == misses, "the second model's fit compiled again"
    for p, q in zip(a_after, _params(a)):  # b's steps wrote b's state, not a's
        np.testing.assert_array_equal(p, q)
    b_params = _params(b)

    _collect.clear_plan_cache()  # the same model trained from a cold cache: the same numbers
    c = _model(2)
    hc, pred_c = _fit(c, X, y)
    assert hb.loss == hc.loss and hb.val_loss == hc.val_loss
    for p, q in zip(b_params, _params(c)):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(pred_b, pred_c)


def test_interleaved_models_drop_in_loop_match_torch():
    """Two models stepped alternately in one Python loop share one compiled step (one
    template, two bindings); each follows its own PyTorch twin."""
    X, y = _data(64)
    ms, ts, opts, topts = [], [], [], []
    for seed in (3, 4):
        m = _model(seed)
        t = torch.nn.Sequential(torch.nn.Linear(9, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
        t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
        ms.append(m), ts.append(t)
        opts.append(ft.optim.SGD(m.parameters(), lr=0.05, momentum=0.9))
        topts.append(torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.9))
    xb, yb = ft.from_numpy(X), ft.from_numpy(y)
    txb, tyb = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(4):
        for m, t, o, to in zip(ms, ts, opts, topts):
            o.zero_grad()
            loss = ft.nn.functional.mse_loss(m(xb), yb)
            loss.backward()
            o.step()
            to.zero_grad()
            tl = torch.nn.functional.mse_loss(t(txb), tyb)
            tl.backward()
            to.step()
            assert loss.item() == pytest.approx(tl.item(), rel=1e-4, abs=1e-6)
    for m, t in zip(ms, ts):
        for (k, v), (k2, w) in zip(m.state_dict().items(), t.state_dict().items()):
            np.testing.assert_allclose(v.numpy(), w.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
