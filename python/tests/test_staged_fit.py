"""flern.fit with layers that change between steps: BatchNorm1d running statistics
(store entries the staged step writes, compared with PyTorch from the same weights
and batches) and Dropout (a fresh seeded mask per step)."""

import numpy as np
import pytest

import flern
import flern.torch as ft

torch = pytest.importorskip("torch")


def _data(n=100, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) * 2 + 1).astype(np.float32)
    y = (X[:, :1] * 0.5 + np.sin(X[:, 1:2])).astype(np.float32)
    return X, y


def _bn_models(momentum=0.1, affine=True, bias=True):
    ft.manual_seed(0)
    fm = ft.nn.Sequential(ft.nn.Linear(5, 16, bias=bias), ft.nn.BatchNorm1d(16, momentum=momentum, affine=affine),
                          ft.nn.ReLU(), ft.nn.Linear(16, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(5, 16, bias=bias), torch.nn.BatchNorm1d(16, momentum=momentum, affine=affine),
                             torch.nn.ReLU(), torch.nn.Linear(16, 1))
    tm.load_state_dict({k: torch.as_tensor(np.array(v.numpy())) for k, v in fm.state_dict().items()})
    return fm, tm


# (Adam: no bias in front of BatchNorm. Its true gradient is 0 there, and Adam
# scales the float noise of a zero gradient up to lr-sized steps of any sign.)
@pytest.mark.parametrize("momentum,affine,opt", [(0.1, True, "SGD"), (0.3, False, "Adam")])
def test_batchnorm_running_stats_follow_torch(momentum, affine, opt):
    X, y = _data()
    fm, tm = _bn_models(momentum, affine, bias=opt == "SGD")
    kw = dict(lr=0.05) if opt == "SGD" else dict(lr=1e-2)
    epochs, bs, seed = 3, 32, 7
    # 80 training rows: batches of 32, 32 and a tail of 16 (two staged plans)
    h = flern.fit(fm, ft.nn.MSELoss(), getattr(ft.optim, opt)(fm.parameters(), **kw), X, y, epochs=epochs,
                  batch_size=bs, seed=seed, validation_split=0.2)
    to = getattr(torch.optim, opt)(tm.parameters(), **kw)
    rng = np.random.default_rng(seed)
    Xt, yt = X[:80], y[:80]
    losses, val = [], []
    for _ in range(epochs):
        tm.train()
        perm = rng.permutation(80)
        for i in range(0, 80, bs):
            idx = perm[i:i + bs]
            to.zero_grad()
            loss = torch.nn.functional.mse_loss(tm(torch.as_tensor(Xt[idx])), torch.as_tensor(yt[idx]))
            loss.backward()
            to.step()
            losses.append(loss.item())
        tm.eval()
        with torch.no_grad():
            val.append(torch.nn.functional.mse_loss(tm(torch.as_tensor(X[80:])), torch.as_tensor(y[80:])).item())
    np.testing.assert_allclose(h.loss, losses, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.val_loss, val, rtol=1e-4, atol=1e-5)
    sd, tsd = fm.state_dict(), tm.state_dict()
    assert set(sd) == set(tsd)
    for k in ("1.running_mean", "1.running_var"):
        np.testing.assert_allclose(np.asarray(sd[k].numpy()), tsd[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert int(sd["1.num_batches_tracked"].item()) == int(tsd["1.num_batches_tracked"]) == 9
    # the buffers are plain tensors again: eval-mode inference equals torch's
    fm.eval()
    np.testing.assert_allclose(fm(ft.from_numpy(X[80:])).numpy(), tm(torch.as_tensor(X[80:])).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_batchnorm_momentum_none_is_refused_clearly():
    X, y = _data(32)
    ft.manual_seed(0)
    m = ft.nn.Sequential(ft.nn.Linear(5, 4), ft.nn.BatchNorm1d(4, momentum=None), ft.nn.Linear(4, 1))
    before = m.state_dict()["1.running_mean"].numpy().copy()
    with pytest.raises(NotImplementedError, match="momentum=None"):
        flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=0.01), X, y, epochs=1, batch_size=8)
    np.testing.assert_array_equal(m.state_dict()["1.running_mean"].numpy(), before)
    # the model still trains with an explicit loop afterwards
    loss = ft.nn.MSELoss()(m(ft.from_numpy(X)), ft.from_numpy(y))
    assert np.isfinite(loss.item())


def _dropout_model(p=0.3):
    ft.manual_seed(0)
    return ft.nn.Sequential(ft.nn.Linear(5, 64), ft.nn.ReLU(), ft.nn.Dropout(p), ft.nn.Linear(64, 1))


def test_dropout_masks_are_fresh_per_step_and_reproducible():
    X, y = _data(256)

    def run(seed):
        m = _dropout_model()
        h = flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=0.01), X, y, epochs=2, batch_size=32,
                      seed=seed, validation_split=0.25)
        return h, m

    (a, ma), (b, mb), (c, _) = run(1), run(1), run(2)
    assert a.loss == b.loss and a.val_loss == b.val_loss
    np.testing.assert_array_equal(ma.state_dict()["0.weight"].numpy(), mb.state_dict()["0.weight"].numpy())
    assert a.loss != c.loss
    # validation runs in eval mode: no dropout, so it is deterministic given the weights
    mb.eval()
    val = ft.nn.MSELoss()(mb(ft.from_numpy(X[192:])), ft.from_numpy(y[192:])).item()
    assert val == pytest.approx(b.val_loss[-1], rel=1e-5)


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_loss_distribution_matches_dropin_loop(p):
    # lr=0: every step evaluates the same weights on the same batch under a new
    # mask, so the step losses are draws of one distribution in both paths
    X, y = _data(32)
    steps = 300
    Xr, yr = np.tile(X, (steps, 1)), np.tile(y, (steps, 1))
    m = _dropout_model(p)
    h = flern.fit(m, ft.nn.MSELoss(), ft.optim.SGD(m.parameters(), lr=0.0), Xr, yr, epochs=1, batch_size=32,
                  shuffle=False, seed=5)
    staged = np.array(h.loss)
    assert len(staged) == steps and len(np.unique(staged)) > steps // 2
    m2 = _dropout_model(p)
    crit = ft.nn.MSELoss()
    dropin = np.array([crit(m2(ft.from_numpy(X)), ft.from_numpy(y)).item() for _ in range(steps)])
    se = np.sqrt(staged.var() / steps + dropin.var() / steps)
    assert abs(staged.mean() - dropin.mean()) < 4 * se, (staged.mean(), dropin.mean(), se)
    assert 0.7 < staged.std() / dropin.std() < 1.4
    # no dropout without training mode: eval() turns the masks off, all losses equal
    m3 = _dropout_model(p)
    m3.eval()
    h3 = flern.fit(m3, ft.nn.MSELoss(), ft.optim.SGD(m3.parameters(), lr=0.0), Xr[:320], yr[:320], epochs=1,
                   batch_size=32, shuffle=False)
    assert len(set(h3.loss)) == 1
