"""Basic indexing of a tensor over known data (from_numpy / tensor, no requires_grad) is done
on the numpy view and gives a new source of the batch's shape, so a Python training loop's
``X[i:i + bs]`` records the same step every time and compiles it once. Same values, dtypes
and shapes as torch; errors as torch's; tensors that need a gradient stay in the graph."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import flern.torch as ft  # noqa: E402
from flern import _collect  # noqa: E402

A = np.arange(60, dtype=np.float32).reshape(5, 3, 4)
KEYS = [np.s_[1:3], np.s_[-1], np.s_[:, 1], np.s_[..., -2], np.s_[None, 2:, ::2], np.s_[1, 2, 3],
        np.s_[7:9], np.s_[-10:2, 0], np.s_[::3, None, 1:2], np.s_[...], np.s_[2, ..., None]]


@pytest.mark.parametrize("key", KEYS, ids=[str(k) for k in KEYS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_basic_indexing_of_known_data_matches_torch(key, dtype):
    a = A.astype(dtype)
    got = ft.from_numpy(a)[key]
    want = torch.from_numpy(a)[key]
    assert got._node.op == "source_tensor"
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_out_of_range_and_grad_stay_in_the_graph():
    with pytest.raises(IndexError):
        torch.from_numpy(A)[5]
    with pytest.raises(IndexError):
        ft.from_numpy(A)[5].numpy()
    w = ft.tensor(A, requires_grad=True)
    s = w[1:3]
    assert s._node.op != "source_tensor"
    s.sum().backward()
    want = np.zeros_like(A)
    want[1:3] = 1
    np.testing.assert_array_equal(w.grad.numpy(), want)


def test_python_loop_over_batches_compiles_the_step_once():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32 * 6 + 5, 9)).astype(np.float32)
    Y = rng.standard_normal((32 * 6 + 5, 1)).astype(np.float32)
    ft.manual_seed(0)
    m = ft.nn.Sequential(ft.nn.Linear(9, 8), ft.nn.ReLU(), ft.nn.Linear(8, 1))
    t = torch.nn.Sequential(torch.nn.Linear(9, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    opt, topt = ft.optim.SGD(m.parameters(), lr=0.1), torch.optim.SGD(t.parameters(), lr=0.1)
    fx, fy, tx, ty = ft.from_numpy(X), ft.from_numpy(Y), torch.from_numpy(X), torch.from_numpy(Y)
    misses = []
    for i in range(0, len(X), 32):
        misses.append(_collect.PLAN_CACHE_STATS["misses"])
        opt.zero_grad()
        loss = ft.nn.functional.mse_loss(m(fx[i:i + 32]), fy[i:i + 32])
        loss.backward()
        opt.step()
        topt.zero_grad()
        tl = torch.nn.functional.mse_loss(t(tx[i:i + 32]), ty[i:i + 32])
        tl.backward()
        topt.step()
        assert loss.item() == pytest.approx(tl.item(), rel=1e-5, abs=1e-6)
    if _collect._PLAN_CACHE_ON:
        # steps 2..6 (same batch shape) compile nothing; the last, shorter batch may
        assert misses[5] == misses[1], misses


def test_non_positive_steps_raise_as_torch():
    for step in (-1, 0):
        with pytest.raises(ValueError, match="step must be greater than zero"):
            ft.from_numpy(A)[::step]
        with pytest.raises(ValueError):
            torch.from_numpy(A)[::step]


def test_shuffled_batches_by_randperm_compile_the_step_once():
    """The canonical PyTorch loop ``idx = perm[i:i + bs]; x[idx]`` with ``perm =
    torch.randperm(n, generator=g)``: randperm is computed when called (a tensor over its
    values, the same values as the recorded op), so the slice is data and each step
    records the same plan (the permutation is not computed again per step)."""
    ft.manual_seed(0)
    g = ft.Generator().manual_seed(5)
    perm = ft.randperm(200, generator=g)
    assert perm._node.op == "source_tensor" and perm.dtype == ft.int64
    assert sorted(perm.tolist()) == list(range(200))
    g2 = ft.Generator().manual_seed(5)
    lazy = ft.randperm(200, generator=g2, requires_grad=False)
    np.testing.assert_array_equal(perm.numpy(), lazy.numpy())  # seeded: the same draw
    X = np.random.default_rng(1).standard_normal((200, 4)).astype(np.float32)
    fx = ft.from_numpy(X)
    m = ft.nn.Linear(4, 1)
    opt = ft.optim.SGD(m.parameters(), lr=0.1)
    misses = []
    for i in range(0, 160, 32):
        misses.append(_collect.PLAN_CACHE_STATS["misses"])
        idx = perm[i:i + 32]
        assert idx._node.op == "source_tensor"
        np.testing.assert_array_equal(fx[idx].numpy(), X[perm.numpy()[i:i + 32]])
        opt.zero_grad()
        m(fx[idx]).pow(2).mean().backward()
        opt.step()
    if _collect._PLAN_CACHE_ON:
        assert misses[4] == misses[1], misses
