"""Reverse-mode autograd: gradients checked against central finite differences
(float64) and against a hand-derived numpy backward pass of a tiny MLP
(PyTorch is not installed here)."""

import warnings

import numpy as np
import pytest

import flern
import flern.torch as torch
from flern import _collect
from flern.errors import FlernError

RNG = np.random.default_rng(7)


def fd_grad(f, arrays, i, eps=1e-6):
    """d f(*arrays) / d arrays[i] by central differences (f returns a float)."""
    x = arrays[i]
    g = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        orig = x[j]
        x[j] = orig + eps
        hi = f(*arrays)
        x[j] = orig - eps
        lo = f(*arrays)
        x[j] = orig
        g[j] = (hi - lo) / (2 * eps)
    return g


def loss_value(fn, arrays):
    ts = [torch.tensor(a) for a in arrays]
    return float(fn(*ts).item())


CASES = [
    ("add broadcast", lambda a, b: (a + b).sum(), [(2, 3), (3,)], False),
    ("sub scalar", lambda a: (2.5 - a).pow(2).mean(), [(2, 3)], False),
    ("mul div", lambda a, b: (a * b / (b + 3.0)).sum(), [(2, 1), (1, 3)], True),
    ("pow tensor", lambda a, b: (a ** b).sum(), [(2, 3), (2, 3)], True),
    ("exp log sqrt", lambda a: (a.exp() + a.log() * a.sqrt()).sum(), [(4,)], True),
    ("sigmoid tanh abs", lambda a: (a.sigmoid() * a.tanh() + a.abs()).sum(), [(2, 3)], False),
    ("relu", lambda a: (a.relu() * a).sum(), [(3, 4)], False),
    ("maximum minimum", lambda a, b: (torch.maximum(a, b) - torch.minimum(a, b * 2)).sum(), [(2, 3), (3,)], False),
    ("where", lambda a, b: torch.where(a > 0, a * b, b.exp()).sum(), [(2, 3), (3,)], False),
    ("matmul", lambda a, b: (a @ b).tanh().sum(), [(2, 3), (3, 4)], False),
    ("matmul vec", lambda a, b: (a @ b).sum(), [(2, 3, 4), (4,)], False),
    ("sum mean dims", lambda a: (a.sum(dim=1).exp().mean() + a.mean(dim=(0, 2), keepdim=True).sum()), [(2, 3, 4)], False),
    ("views", lambda a: (a.reshape(4, 3).t().unsqueeze(0).squeeze(0).flatten() ** 2).sum(), [(2, 2, 3)], False),
    ("permute transpose", lambda a, b: (a.permute(2, 0, 1) * b.transpose(0, 1)).sum(), [(3, 4, 2), (3, 2, 4)], False),
    ("max", lambda a: a.max() * a.min(), [(2, 3)], False),
    ("fan-out", lambda a: (a * a.exp() + a.sigmoid() * a).mean(), [(5,)], False),
]


@pytest.mark.parametrize("name,fn,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_grad_matches_finite_differences(name, fn, shapes, positive):
    arrays = [(RNG.random(s) + 0.5) if positive else RNG.standard_normal(s) for s in shapes]
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    loss = fn(*xs)
    loss.backward()
    for i, x in enumerate(xs):
        want = fd_grad(lambda *a: loss_value(fn, a), arrays, i)
        got = x.grad.numpy()
        assert got.shape == arrays[i].shape and got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # The functional form gives the same gradients.
    gs = flern.autograd.grad(fn(*xs), xs)
    for x, g in zip(xs, gs):
        np.testing.assert_allclose(g.numpy(), x.grad.numpy(), rtol=1e-12)


def mlp_numpy(x, y, W1, b1, W2, b2):
    """Forward and hand-derived backward of relu MLP + mean squared error."""
    h_pre = x @ W1 + b1
    h = np.maximum(h_pre, 0)
    out = h @ W2 + b2
    diff = out - y
    loss = (diff ** 2).mean()
    d_out = 2 * diff / diff.size
    dW2 = h.T @ d_out
    db2 = d_out.sum(axis=0)
    d_h = d_out @ W2.T
    d_pre = d_h * (h_pre > 0)
    dW1 = x.T @ d_pre
    db1 = d_pre.sum(axis=0)
    return loss, dict(W1=dW1, b1=db1, W2=dW2, b2=db2)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_mlp_matches_hand_derived_gradients(dtype, rtol):
    x, y = RNG.standard_normal((8, 4)).astype(dtype), RNG.standard_normal((8, 2)).astype(dtype)
    p = dict(W1=RNG.standard_normal((4, 5)), b1=RNG.standard_normal(5), W2=RNG.standard_normal((5, 2)),
             b2=RNG.standard_normal(2))
    p = {k: v.astype(dtype) for k, v in p.items()}
    want_loss, want = mlp_numpy(x.astype(np.float64), y.astype(np.float64), *[p[k].astype(np.float64) for k in p])
    t = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    xt, yt = torch.tensor(x), torch.tensor(y)
    out = (xt @ t["W1"] + t["b1"]).relu() @ t["W2"] + t["b2"]
    loss = ((out - yt) ** 2).mean()
    loss.backward()
    np.testing.assert_allclose(loss.item(), want_loss, rtol=rtol)
    for k in p:
        g = t[k].grad
        assert g.dtype.name == np.dtype(dtype).name
        np.testing.assert_allclose(g.numpy(), want[k], rtol=rtol, atol=rtol)
    # explain() shows the expanded gradient graph: plain ops, no grad node.
    plan = _collect.explain(t["b1"].grad._node)
    assert " grad(" not in plan and "matmul" in plan and "sum_to(" in plan


def test_accumulation_reset_and_flags():
    a = np.array([1.0, 2.0, 3.0])
    x = torch.tensor(a, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a)
    (x * 3.0).sum().backward()  # accumulates
    np.testing.assert_allclose(x.grad.numpy(), 2 * a + 3)
    x.grad = None
    x.exp().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(a))

    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert y.grad is None
    assert w and "not a leaf" in str(w[0].message)
    assert not (x > 1).requires_grad
    assert not x.argmax().requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.tensor(a).sum().backward()
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2], requires_grad=True)
    z = torch.zeros(2, 3, requires_grad=True)
    assert z.requires_grad
    u = torch.ones(3).requires_grad_()
    assert u.requires_grad and u.is_leaf


def test_no_grad_and_detach():
    a = np.array([0.5, -1.0, 2.0])
    x = torch.tensor(a, requires_grad=True)
    with torch.no_grad():
        y = x * 2
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert not y.requires_grad
    d = x.detach()
    assert not d.requires_grad
    np.testing.assert_allclose(d.numpy(), a)
    (x * x.detach()).sum().backward()  # d/dx = detach(x) = x
    np.testing.assert_allclose(x.grad.numpy(), a)

    @torch.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_non_scalar_loss_and_explicit_gradient():
    x = torch.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = x * x
    y.backward()  # records only; the error comes when the gradient is needed
    with pytest.raises(FlernError, match="grad can be implicitly created only for scalar outputs") as e:
        x.grad.numpy()
    assert "test_autograd.py" in str(e.value)
    x.grad = None
    v = np.array([[1.0, 0.5], [2.0, -1.0]])
    y.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * v)


def test_functional_grad_unused_and_leaf_not_on_path():
    x = torch.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = torch.tensor(np.array([3.0, 4.0]), requires_grad=True)
    loss = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        flern.autograd.grad(loss, [x, w])
    gx, gw = flern.autograd.grad(loss, [x, w], allow_unused=True)
    assert gw is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])
    (gw0,) = flern.autograd.grad(loss, [w], materialize_grads=True)
    np.testing.assert_allclose(gw0.numpy(), [0.0, 0.0])
    assert x.grad is None  # the functional form does not touch .grad


def test_grad_through_frame_boundary_with_run_time_rows():
    # to_tensor's row count is known only at run time: sum_to/expand_as and
    # mean's count are computed from the real shapes.
    import pandas as pd
    x = np.array([[1.0, 0.5], [2.0, -1.0], [3.0, 2.0]])
    X = flern.from_pandas(pd.DataFrame({"a": x[:, 0], "b": x[:, 1]})).to_tensor(dtype=torch.float64)
    W = torch.tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    b = torch.tensor(np.array([0.5]), requires_grad=True)
    (X @ W + b).tanh().mean().backward()
    o = np.tanh(x @ np.array([[1.0], [2.0]]) + 0.5)
    d = (1 - o * o) / 3
    np.testing.assert_allclose(W.grad.numpy(), x.T @ d, rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), d.sum(0), rtol=1e-12)


def test_leaf_made_from_other_tensors_is_a_leaf():
    m = torch.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with torch.no_grad():
        l1 = m * 2
    l1.requires_grad_()
    l2 = (m * 3).detach().requires_grad_()
    (l1 * m + l2 * l2).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), [2.0, 4.0])  # = l1, not through l1
    np.testing.assert_allclose(l1.grad.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(l2.grad.numpy(), [6.0, 12.0])
