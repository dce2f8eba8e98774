"""nn layers' module behaviour: dropout (seeded, train/eval), default initialization,
buffers in state_dict, train/eval switches, repr; torch is the reference where it
has one."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flern.nn as nn
import flern.nn.functional as F
import flern.torch as torch
from flern import _collect

R = np.random.default_rng(3)


def test_dropout_train_eval_and_seed():
    x = torch.ones(20000)
    d = nn.Dropout(0.3)
    torch.manual_seed(5)
    a = d(x).numpy()
    torch.manual_seed(5)
    b = d(x).numpy()
    np.testing.assert_array_equal(a, b)  # reproducible for a seed
    assert set(np.unique(a).tolist()) <= {0.0, np.float32(1 / 0.7)}
    assert abs((a == 0).mean() - 0.3) < 0.02
    assert not np.array_equal(d(x).numpy(), a)  # the next call draws a new mask
    d.eval()
    np.testing.assert_array_equal(d(x).numpy(), x.numpy())
    assert F.dropout(x, 0.0).numpy().tolist() == x.numpy().tolist()
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    g = torch.Generator().manual_seed(1)
    g2 = torch.Generator().manual_seed(1)
    np.testing.assert_array_equal(F.dropout(x, 0.5, generator=g).numpy(), F.dropout(x, 0.5, generator=g2).numpy())


def test_dropout_gradient_is_the_scaled_mask():
    x = torch.tensor(R.standard_normal((50, 4)), requires_grad=True)
    y = F.dropout(x, 0.25)
    y.sum().backward()
    out, xv, g = y.numpy(), x.numpy(), x.grad.numpy()
    kept = out != 0
    np.testing.assert_allclose(g[kept], 1 / 0.75)
    assert (g[~kept] == 0).all()
    np.testing.assert_allclose(out[kept], xv[kept] / 0.75)


def test_dropout_training_steps_reuse_one_plan():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    xb, yb = torch.tensor(R.standard_normal((16, 3)).astype(np.float32)), torch.zeros(16, 1)
    losses = []
    before = None
    for step in range(4):
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1:
            before = len(_collect._PLAN_CACHE)
    assert len(_collect._PLAN_CACHE) == before  # same structure, new seeds as run data
    assert len(set(losses)) == 4 and all(math.isfinite(v) for v in losses)


def test_default_init_bounds_and_seed():
    torch.manual_seed(0)
    c = nn.Conv2d(3, 4, (2, 3))
    bound = 1 / math.sqrt(3 * 2 * 3)
    w, b = c.weight.numpy(), c.bias.numpy()
    assert w.shape == (4, 3, 2, 3) and b.shape == (4,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound and w.std() > bound / 4
    torch.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(3, 4, (2, 3)).weight.numpy(), w)
    e = nn.Embedding(5, 3, padding_idx=1)
    ev = e.weight.numpy()
    assert (ev[1] == 0).all() and ev.dtype == np.float32 and ev[0].std() > 0
    ln = nn.LayerNorm([2, 3])
    assert (ln.weight.numpy() == 1).all() and (ln.bias.numpy() == 0).all()
    assert [n for n, _ in nn.LayerNorm(3, elementwise_affine=False).named_parameters()] == []


def test_embedding_from_pretrained_and_padding_grad():
    w = R.standard_normal((4, 2)).astype(np.float32)
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(torch.tensor([3, 0])).numpy(), w[[3, 0]])
    e2 = nn.Embedding(4, 2, padding_idx=0)
    e2(torch.tensor([[0, 2], [2, 0]])).sum().backward()
    g = e2.weight.grad.numpy()
    assert (g[0] == 0).all() and (g[2] == 2).all() and (g[1] == 0).all()


def test_batchnorm_modes_and_buffers():
    bn = nn.BatchNorm1d(2)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    x = torch.tensor(R.standard_normal((8, 2)).astype(np.float32) * 3 + 1)
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    bn.eval()
    m, v = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(bn(x).numpy(), (x.numpy() - m) / np.sqrt(v + 1e-5), rtol=1e-5, atol=1e-6)
    nb = nn.BatchNorm1d(2, track_running_stats=False, affine=False)
    assert list(nb.state_dict()) == [] and nb.running_mean is None
    nb.eval()
    np.testing.assert_allclose(nb(x).numpy().mean(0), 0, atol=1e-5)  # batch statistics in eval too
    bn2 = nn.BatchNorm2d(3)
    z = bn2(torch.tensor(R.standard_normal((2, 3, 4, 4)).astype(np.float32))).numpy()
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    with pytest.raises(ValueError, match="expected 4D input"):
        bn2(x)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 2"):
        bn(torch.zeros(4, 3))


def test_nested_state_dict_roundtrip():
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Identity())
    m(torch.tensor(R.standard_normal((3, 1, 5, 5)).astype(np.float32)))
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                        "1.num_batches_tracked"]
    m2 = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Identity())
    m2.load_state_dict(sd)
    for k, v in m2.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())


def test_layer_reprs_and_flatten():
    assert repr(nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Dropout(0.1)) == "Dropout(p=0.1, inplace=False)"
    assert repr(nn.Embedding(5, 3, padding_idx=0)) == "Embedding(5, 3, padding_idx=0)"
    assert "kernel_size=(3, 3)" in repr(nn.Conv2d(1, 2, 3))
    assert tuple(nn.Flatten()(torch.zeros(2, 3, 4)).shape) == (2, 12)
    assert tuple(nn.Flatten(0, 1)(torch.zeros(2, 3, 4)).shape) == (6, 4)
    with pytest.raises(NotImplementedError):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


def test_init_functions_match_torch_formulas():
    torch.manual_seed(1)
    w = nn.Parameter(np.zeros((200, 300), np.float32))
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 500)
    a = w.numpy()
    assert np.abs(a).max() <= bound and abs(a.std() - bound / math.sqrt(3)) < 0.02 * bound
    nn.init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2.0 / 500)) < 0.02 * math.sqrt(2.0 / 500)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2.0 / 300)) < 0.02 * math.sqrt(2.0 / 300)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2.0 / 200)) < 0.02 * math.sqrt(2.0 / 200)


def test_fit_trains_dropout_and_running_stats():
    # staged per-step masks and running statistics: python/tests/test_staged_fit.py
    import flern
    X = R.standard_normal((32, 3)).astype(np.float32)
    Y = X[:, :1] * 2
    for layer in (nn.Dropout(0.2), nn.BatchNorm1d(4)):
        m = nn.Sequential(nn.Linear(3, 4), layer, nn.ReLU(), nn.Linear(4, 1))
        h = flern.fit(m, nn.MSELoss(), torch.optim.SGD(m.parameters(), lr=0.01), X, Y, epochs=1, batch_size=8)
        assert len(h.loss) == 4 and all(math.isfinite(v) for v in h.loss)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False), nn.Dropout(0.0),
                      nn.Linear(4, 1))
    h = flern.fit(m, nn.MSELoss(), torch.optim.SGD(m.parameters(), lr=0.01), X, Y, epochs=2, batch_size=8)
    assert len(h.epoch_loss) == 2 and all(math.isfinite(v) for v in h.epoch_loss)
