"""Drop-in optimizer steps run asynchronously (DESIGN.md point 4): optimizer.step() hands
the compiled step to a worker thread and returns; every later native call, and every read
of a result, waits for it. These tests pin what a user can observe: the same losses and
parameters as steps run in the calling thread, a step's run-time error raised by the next
call that waits (naming the step's line), and objects released while a step runs."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import flern.torch as ft
from flern import _native
from flern.errors import FlernError


def _train(steps: int, read_every: int) -> tuple[list[float], dict]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 6)).astype(np.float32)
    y = (X[:, :1] * 2 - X[:, 1:2]).astype(np.float32)
    ft.manual_seed(0)
    m = ft.nn.Sequential(ft.nn.Linear(6, 16), ft.nn.ReLU(), ft.nn.Linear(16, 1))
    opt = ft.optim.Adam(m.parameters(), lr=1e-2)
    losses = []
    for s in range(steps):
        i = (s * 32) % 256
        opt.zero_grad()
        loss = ft.nn.functional.mse_loss(m(ft.from_numpy(X[i:i + 32])), ft.from_numpy(y[i:i + 32]))
        loss.backward()
        opt.step()
        if s % read_every == 0:
            losses.append(loss.item())
    return losses, {k: v.numpy().copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("read_every", [1, 7])
def test_async_steps_equal_steps_in_the_calling_thread(monkeypatch, read_every):
    async_losses, async_state = _train(30, read_every)
    monkeypatch.setattr(_native, "ASYNC_STEPS", False)
    sync_losses, sync_state = _train(30, read_every)
    assert async_losses == sync_losses
    for k in sync_state:
        np.testing.assert_array_equal(async_state[k], sync_state[k])


def test_a_step_error_is_raised_by_the_next_call_that_waits():
    emb = ft.nn.Embedding(5, 3)
    opt = ft.optim.SGD(emb.parameters(), lr=0.1)
    before = emb.weight.numpy().copy()
    idx = ft.from_numpy(np.array([0, 7], dtype=np.int64))  # 7 is out of range: found at run time
    loss = emb(idx).sum()
    loss.backward()
    with pytest.raises(FlernError, match="index") as e:
        opt.step()
        loss.item()  # (asynchronously, the error comes with the first call that waits)
    assert "test_async_step.py" in str(e.value)
    # the process goes on; nothing is pending; the parameters are readable
    assert _native._pending is None
    np.testing.assert_array_equal(emb.weight.numpy(), before)


def test_objects_released_while_a_step_runs():
    for _ in range(5):
        m = ft.nn.Linear(4, 4)
        opt = ft.optim.Adam(m.parameters(), lr=1e-3)
        loss = m(ft.ones(8, 4)).pow(2).mean()
        loss.backward()
        opt.step()
        del m, opt, loss
        gc.collect()  # finalizers release plans and state entries: after the step
    _native.sync()
    assert _native._pending is None and not _native._deferred
    assert float(ft.ones(2).sum().item()) == 2.0
