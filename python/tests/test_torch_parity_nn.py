"""nn.functional and nn layers/losses against PyTorch: forward values and the
gradients of every float input (and of layer parameters loaded from a torch
module's state dict)."""

from __future__ import annotations

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import flern.nn as fnn  # noqa: E402
import flern.torch as ft  # noqa: E402
from flern.errors import FlernError  # noqa: E402
from test_torch_parity import TOL, both  # noqa: E402

R = np.random.default_rng(5)


def rn(*shape):
    return R.standard_normal(shape)


# ---- embedding / norms -------------------------------------------------------------------
def test_embedding():
    w = rn(6, 3)
    idx = np.array([[0, 5, 2], [2, 2, 1]])
    both(lambda T, F, w, i: F.embedding(i, w), w, idx)
    both(lambda T, F, w, i: F.embedding(i, w, padding_idx=2), w, idx)
    both(lambda T, F, w, i: F.embedding(i, w, padding_idx=-1), w, np.array([5, 0, 5]))
    both(lambda T, F, w, i: F.embedding(i, w), w, np.zeros((0,), np.int64))
    with pytest.raises(RuntimeError, match="Long"):
        ft.nn.functional.embedding(ft.tensor([0.0]), ft.tensor(w))
    with pytest.raises(IndexError):
        ft.nn.functional.embedding(ft.tensor([6]), ft.tensor(w)).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm(dtype):
    x = rn(2, 3, 4) * 3 + 1
    both(lambda T, F, x, w, b: F.layer_norm(x, [4], w, b), x, rn(4), rn(4), dtype=dtype)
    both(lambda T, F, x, w: F.layer_norm(x, (3, 4), w, eps=1e-3), x, rn(3, 4), dtype=dtype)
    both(lambda T, F, x: F.layer_norm(x, [4]), x, dtype=dtype)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        ft.nn.functional.layer_norm(ft.tensor(x), [3])


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 2, 2)])
def test_batch_norm_functional(shape):
    x = rn(*shape) * 2 + 0.5
    rm, rv = rn(3), np.abs(rn(3)) + 0.5

    def run(T, F, x, w, b):
        m, v = T.tensor(rm), T.tensor(rv)
        out = F.batch_norm(x, m, v, w, b, training=True, momentum=0.3)
        return out, m * 1.0, v * 1.0  # the running stats after the in-place update

    both(run, x, rn(3), rn(3))
    both(lambda T, F, x: F.batch_norm(x, T.tensor(rm), T.tensor(rv), training=False), x)


def test_batch_norm_module_running_stats_and_state_dict():
    tm = torch_ref.nn.BatchNorm1d(3, momentum=None)
    fm = fnn.BatchNorm1d(3, momentum=None)
    tm2 = torch_ref.nn.BatchNorm1d(3)
    fm2 = fnn.BatchNorm1d(3)
    for step in range(4):
        x = (rn(6, 3) * (step + 1)).astype(np.float32)
        for t, f in ((tm, fm), (tm2, fm2)):
            np.testing.assert_allclose(f(ft.tensor(x)).numpy(), t(torch_ref.tensor(x)).detach().numpy(),
                                       **TOL[np.float32])
    for t, f in ((tm, fm), (tm2, fm2)):
        tsd, fsd = t.state_dict(), f.state_dict()
        assert list(fsd) == list(tsd)
        for k in tsd:
            np.testing.assert_allclose(fsd[k].numpy(), tsd[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
        t.eval()
        f.eval()
        x = rn(4, 3).astype(np.float32)
        np.testing.assert_allclose(f(ft.tensor(x)).numpy(), t(torch_ref.tensor(x)).detach().numpy(), rtol=1e-5,
                                   atol=1e-5)
    # a torch state dict loads into flern, buffers included
    f3 = fnn.BatchNorm1d(3)
    f3.load_state_dict(tm2.state_dict())
    np.testing.assert_allclose(f3.running_var.numpy(), tm2.running_var.numpy(), rtol=1e-6)
    assert int(f3.num_batches_tracked.item()) == 4
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        fm(ft.zeros(2, 3, 4, 5))


def test_batch_norm_running_stats_across_optimizer_steps():
    """Running statistics read the parameters of their step; they must survive the
    optimizer replacing those parameters (and match torch after several steps)."""
    torch_ref.manual_seed(3)
    t = torch_ref.nn.Sequential(torch_ref.nn.Linear(3, 4), torch_ref.nn.BatchNorm1d(4), torch_ref.nn.ReLU(),
                                torch_ref.nn.Linear(4, 1))
    f = fnn.Sequential(fnn.Linear(3, 4), fnn.BatchNorm1d(4), fnn.ReLU(), fnn.Linear(4, 1))
    f.load_state_dict(t.state_dict())
    topt = torch_ref.optim.SGD(t.parameters(), lr=0.1)
    fopt = ft.optim.SGD(f.parameters(), lr=0.1)
    for _ in range(4):
        x, y = rn(8, 3).astype(np.float32), rn(8, 1).astype(np.float32)
        topt.zero_grad()
        tl = torch_ref.nn.functional.mse_loss(t(torch_ref.tensor(x)), torch_ref.tensor(y))
        tl.backward()
        topt.step()
        fopt.zero_grad()
        fl = fnn.functional.mse_loss(f(ft.tensor(x)), ft.tensor(y))
        fl.backward()
        fopt.step()
        np.testing.assert_allclose(fl.item(), tl.item(), rtol=1e-5)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(f.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


# ---- conv / pool ------------------------------------------------------------------------
CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 1), stride=(1, 2)),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(padding="same"),
    dict(padding="valid", stride=(2, 1)),
]


@pytest.mark.parametrize("kw", CONV_CASES, ids=[str(k) for k in CONV_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d(kw, dtype):
    x = rn(2, 4, 7, 6)
    cin = 4 // kw.get("groups", 1)
    both(lambda T, F, x, w, b: F.conv2d(x, w, b, **kw), x, rn(6, cin, 3, 3), rn(6), dtype=dtype)


def test_conv2d_no_bias_unbatched_rect_kernel():
    both(lambda T, F, x, w: F.conv2d(x, w), rn(3, 5, 5), rn(2, 3, 2, 3))
    both(lambda T, F, x, w: F.conv2d(x, w, stride=2, padding=1), rn(1, 1, 4, 4), rn(1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 4 channels"):
        ft.nn.functional.conv2d(ft.zeros(1, 4, 5, 5), ft.zeros(2, 3, 3, 3))
    with pytest.raises(FlernError, match="Kernel size can't be greater than actual input size") as e:
        ft.nn.functional.conv2d(ft.zeros(1, 1, 2, 2), ft.zeros(1, 1, 3, 3)).numpy()
    assert "test_torch_parity_nn.py" in str(e.value)


POOL_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=2, padding=1),
              dict(kernel_size=(2, 3), stride=(1, 2)), dict(kernel_size=2, dilation=2)]


@pytest.mark.parametrize("kw", POOL_CASES, ids=[str(k) for k in POOL_CASES])
def test_max_pool2d(kw):
    both(lambda T, F, x: F.max_pool2d(x, **kw), rn(2, 3, 7, 6))
    both(lambda T, F, x: F.max_pool2d(x, **kw), rn(3, 7, 6), dtype=np.float32)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=(1, 2))], ids=str)
def test_avg_pool2d(kw):
    both(lambda T, F, x: F.avg_pool2d(x, **kw), rn(2, 3, 7, 6))
    both(lambda T, F, x: F.adaptive_avg_pool2d(x, 1), rn(2, 3, 5, 4))
    both(lambda T, F, x: F.adaptive_avg_pool2d(x, (1, 1)), rn(3, 5, 4))


def test_more_activations():
    x = np.concatenate([rn(12) * 3, [0.0, -50.0, 50.0]])
    both(lambda T, F, x: F.silu(x), x)
    both(lambda T, F, x: F.elu(x), x)
    both(lambda T, F, x: F.elu(x, alpha=0.5), x)
    both(lambda T, F, x: F.softplus(x, beta=2.0, threshold=5.0), x)


def test_max_pool2d_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        ft.nn.functional.max_pool2d(ft.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        ft.nn.functional.max_pool2d(ft.zeros(1, 1, 4, 4), 2, ceil_mode=True)


# ---- losses -----------------------------------------------------------------------------
CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(ignore_index=1),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, reduction="sum"),
    dict(label_smoothing=0.2, reduction="none", ignore_index=0),
]


@pytest.mark.parametrize("kw", CE_CASES, ids=[str(k) for k in CE_CASES])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy(kw, weighted, dtype):
    x, t = rn(5, 4) * 2, np.array([0, 3, 1, 1, 2])
    if weighted:
        both(lambda T, F, x, w, t: F.cross_entropy(x, t, weight=w.detach(), **kw), x, np.abs(rn(4)) + 0.1, t,
             dtype=dtype)
    else:
        both(lambda T, F, x, t: F.cross_entropy(x, t, **kw), x, t, dtype=dtype)


def test_cross_entropy_shapes_and_prob_targets():
    both(lambda T, F, x, t: F.cross_entropy(x, t), rn(2, 3, 4, 2), R.integers(0, 3, (2, 4, 2)))
    both(lambda T, F, x, t: F.cross_entropy(x, t, reduction="none"), rn(2, 3, 4), R.integers(0, 3, (2, 4)))
    both(lambda T, F, x, t: F.cross_entropy(x, t), rn(3), np.array(1))
    p = np.abs(rn(4, 3))
    p /= p.sum(1, keepdims=True)
    both(lambda T, F, x, t: F.cross_entropy(x, t.detach()), rn(4, 3), p)
    both(lambda T, F, x, t: F.cross_entropy(x, t.detach(), label_smoothing=0.3), rn(4, 3), p)
    both(lambda T, F, x: F.cross_entropy(x, T.tensor([1, 1]), ignore_index=1), rn(2, 3))  # all ignored: nan


def test_nll_loss():
    lp = rn(4, 3)
    t = np.array([2, 0, 1, 2])
    both(lambda T, F, x, t: F.nll_loss(x, t), lp, t)
    both(lambda T, F, x, w, t: F.nll_loss(x, t, weight=w.detach(), ignore_index=2), lp, np.abs(rn(3)), t)
    both(lambda T, F, x, t: F.nll_loss(x, t, reduction="none"), lp, t)
    with pytest.raises(ValueError, match="batch_size"):
        ft.nn.functional.nll_loss(ft.zeros(3, 2), ft.tensor([0, 1]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits(reduction):
    x = np.concatenate([rn(6) * 4, [0.0, 60.0, -60.0]]).reshape(3, 3)
    y = (R.random((3, 3)) > 0.5).astype(np.float64)
    both(lambda T, F, x, y: F.binary_cross_entropy_with_logits(x, y.detach(), reduction=reduction), x, y)
    both(lambda T, F, x, y, pw: F.binary_cross_entropy_with_logits(x, y.detach(), reduction=reduction,
                                                                    pos_weight=pw.detach()), x, y, np.abs(rn(3)))
    both(lambda T, F, x, y, w: F.binary_cross_entropy_with_logits(x, y, weight=w.detach(), reduction=reduction),
         x, R.random((3, 3)), rn(3))
    with pytest.raises(ValueError, match="must be the same as input size"):
        ft.nn.functional.binary_cross_entropy_with_logits(ft.zeros(3), ft.zeros(2))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_huber_smooth_l1(reduction):
    a, b = rn(4, 3) * 2, rn(4, 3)
    both(lambda T, F, a, b: F.huber_loss(a, b, reduction=reduction), a, b)
    both(lambda T, F, a, b: F.huber_loss(a, b, reduction=reduction, delta=0.5), a, b)
    both(lambda T, F, a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.7), a, b)
    both(lambda T, F, a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0), a, b)


# ---- modules with torch's weights ------------------------------------------------------
def _module_parity(tmod, fmod, *xs, dtype=np.float32):
    fmod.load_state_dict(tmod.state_dict())
    assert list(fmod.state_dict()) == list(tmod.state_dict())
    tx = [torch_ref.tensor(x.astype(dtype) if x.dtype.kind == "f" else x) for x in xs]
    fx = [ft.tensor(x.astype(dtype) if x.dtype.kind == "f" else x) for x in xs]
    tout, fout = tmod(*tx), fmod(*fx)
    tol = TOL[dtype] if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fout.numpy(), tout.detach().numpy(), **tol)
    w = R.standard_normal(tuple(tout.shape)).astype(dtype)
    (tout * torch_ref.tensor(w)).sum().backward()
    (fout * ft.tensor(w)).sum().backward()
    tp, fp = dict(tmod.named_parameters()), dict(fmod.named_parameters())
    assert list(tp) == list(fp)
    for k in tp:
        np.testing.assert_allclose(fp[k].grad.numpy(), tp[k].grad.numpy(), err_msg=k, **tol)


def test_cnn_module_parity():
    torch_ref.manual_seed(0)
    t = torch_ref.nn.Sequential(torch_ref.nn.Conv2d(2, 4, 3, padding=1), torch_ref.nn.GELU(),
                                torch_ref.nn.MaxPool2d(2), torch_ref.nn.Conv2d(4, 4, 3, groups=2),
                                torch_ref.nn.LeakyReLU(0.1), torch_ref.nn.Flatten(), torch_ref.nn.Linear(4, 3),
                                torch_ref.nn.LogSoftmax(dim=1))
    f = fnn.Sequential(fnn.Conv2d(2, 4, 3, padding=1), fnn.GELU(), fnn.MaxPool2d(2), fnn.Conv2d(4, 4, 3, groups=2),
                       fnn.LeakyReLU(0.1), fnn.Flatten(), fnn.Linear(4, 3), fnn.LogSoftmax(dim=1))
    _module_parity(t, f, rn(2, 2, 6, 6))


def test_module_list_and_pool_modules():
    torch_ref.manual_seed(4)

    def build(nnm):
        class Net(nnm.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nnm.ModuleList([nnm.Conv2d(2, 3, 3, padding=1), nnm.Conv2d(3, 3, 1)])
                self.pool = nnm.AvgPool2d(2)
                self.gap = nnm.AdaptiveAvgPool2d(1)
                self.act = nnm.ModuleList([nnm.SiLU(), nnm.ELU()])
                self.head = nnm.Linear(3, 2)

            def forward(self, x):
                for conv, act in zip(self.blocks, self.act):
                    x = act(conv(x))
                return self.head(self.gap(self.pool(x)).flatten(1))
        return Net()

    _module_parity(build(torch_ref.nn), build(fnn), rn(2, 2, 6, 6))


def test_text_module_parity():
    torch_ref.manual_seed(1)
    t = torch_ref.nn.Sequential(torch_ref.nn.Embedding(10, 4, padding_idx=0), torch_ref.nn.LayerNorm(4),
                                torch_ref.nn.Linear(4, 5), torch_ref.nn.Softmax(dim=-1))
    f = fnn.Sequential(fnn.Embedding(10, 4, padding_idx=0), fnn.LayerNorm(4), fnn.Linear(4, 5),
                       fnn.Softmax(dim=-1))
    _module_parity(t, f, np.array([[0, 3, 9], [4, 0, 0]]))


def test_bn_mlp_module_parity_train():
    torch_ref.manual_seed(2)
    t = torch_ref.nn.Sequential(torch_ref.nn.Linear(3, 5), torch_ref.nn.BatchNorm1d(5), torch_ref.nn.ReLU(),
                                torch_ref.nn.Linear(5, 2))
    f = fnn.Sequential(fnn.Linear(3, 5), fnn.BatchNorm1d(5), fnn.ReLU(), fnn.Linear(5, 2))
    _module_parity(t, f, rn(6, 3))
    np.testing.assert_allclose(f[1].running_mean.numpy(), t[1].running_mean.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [("CrossEntropyLoss", dict(label_smoothing=0.1)),
                                     ("NLLLoss", dict(ignore_index=0)), ("HuberLoss", dict(delta=0.3)),
                                     ("SmoothL1Loss", dict(beta=0.5)), ("BCEWithLogitsLoss", dict())])
def test_loss_modules(name, kw):
    x = rn(4, 3)
    if name in ("CrossEntropyLoss", "NLLLoss"):
        y = np.array([0, 2, 1, 0])
    elif name == "BCEWithLogitsLoss":
        y = (R.random((4, 3)) > 0.5).astype(np.float64)
    else:
        y = rn(4, 3)
    tl = getattr(torch_ref.nn, name)(**kw)
    fl = getattr(fnn, name)(**kw)
    both(lambda T, F, x, y: (tl if T is torch_ref else fl)(x, y.detach() if y.dtype.is_floating_point else y),
         x, y)


def test_bce_pos_weight_module_buffer():
    pw = np.array([1.0, 2.0, 3.0], np.float32)
    t = torch_ref.nn.BCEWithLogitsLoss(pos_weight=torch_ref.tensor(pw))
    f = fnn.BCEWithLogitsLoss(pos_weight=ft.tensor(pw))
    assert list(f.state_dict()) == list(t.state_dict()) == ["pos_weight"]
    x, y = rn(2, 3).astype(np.float32), (R.random((2, 3)) > 0.5).astype(np.float32)
    np.testing.assert_allclose(f(ft.tensor(x), ft.tensor(y)).item(), t(torch_ref.tensor(x), torch_ref.tensor(y)).item(),
                               rtol=1e-6)


# ---- hypothesis: conv2d / pooling geometry ----------------------------------------------
try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @settings(max_examples=15, deadline=None)
    @given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 2)),
           d=st.tuples(st.integers(1, 2), st.integers(1, 2)), p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
           groups=st.sampled_from([1, 2]), hw=st.tuples(st.integers(5, 8), st.integers(5, 8)), bias=st.booleans())
    def test_conv2d_hypothesis(k, s, d, p, groups, hw, bias):
        x = R.standard_normal((2, 2 * groups, *hw))
        w = R.standard_normal((2 * groups, 2, *k))
        if bias:
            both(lambda T, F, x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=groups),
                 x, w, R.standard_normal(2 * groups))
        else:
            both(lambda T, F, x, w: F.conv2d(x, w, stride=s, padding=p, dilation=d, groups=groups), x, w)

    @settings(max_examples=15, deadline=None)
    @given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 2)),
           d=st.integers(1, 2), hw=st.tuples(st.integers(5, 7), st.integers(5, 7)), data=st.data())
    def test_max_pool2d_hypothesis(k, s, d, hw, data):
        p = (data.draw(st.integers(0, k[0] // 2)), data.draw(st.integers(0, k[1] // 2)))
        both(lambda T, F, x: F.max_pool2d(x, k, s, p, dilation=d), R.standard_normal((2, 2, *hw)))
