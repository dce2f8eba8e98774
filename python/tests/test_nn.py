"""flern.torch.nn / optim vs numpy references (PyTorch is not installed here):
Linear forward, losses and their gradients, and a 9-64-64-1 MLP trained with
SGD(momentum) and Adam from identical weights against a numpy implementation
of the same forward / backward / torch update formulas."""

import math

import numpy as np
import pytest

import flern.torch as torch
from flern.errors import FlernNotImplementedError

nn = torch.nn
F = torch.nn.functional
RNG = np.random.default_rng(11)


def test_linear_forward_and_default_init():
    torch.manual_seed(3)
    lin = nn.Linear(5, 4)
    assert tuple(lin.weight.shape) == (4, 5) and tuple(lin.bias.shape) == (4,)
    assert lin.weight.dtype is torch.float32
    bound = 1 / math.sqrt(5)
    for p in (lin.weight, lin.bias):
        a = p.numpy()
        assert np.all(np.abs(a) <= bound) and p.requires_grad and p.is_leaf
    x = RNG.standard_normal((7, 5)).astype(np.float32)
    want = x @ lin.weight.numpy().T + lin.bias.numpy()
    np.testing.assert_allclose(lin(torch.tensor(x)).numpy(), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(F.linear(torch.tensor(x), lin.weight).numpy(), x @ lin.weight.numpy().T,
                               rtol=1e-6, atol=1e-6)
    # Same seed, same values; different seed, different values.
    torch.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(5, 4).weight.numpy(), lin.weight.numpy())
    torch.manual_seed(4)
    assert not np.array_equal(nn.Linear(5, 4).weight.numpy(), lin.weight.numpy())
    nob = nn.Linear(5, 4, bias=False)
    assert nob.bias is None and [n for n, _ in nob.named_parameters()] == ["weight"]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("kind", ["mse", "l1"])
def test_losses_values_and_grads(kind, reduction):
    x = RNG.standard_normal((6, 3))
    y = RNG.standard_normal((6, 3))
    xt = torch.tensor(x, requires_grad=True)
    mod = (nn.MSELoss if kind == "mse" else nn.L1Loss)(reduction=reduction)
    fn = F.mse_loss if kind == "mse" else F.l1_loss
    loss = mod(xt, torch.tensor(y))
    d = x - y
    scale = 1.0 / d.size if reduction == "mean" else 1.0
    if kind == "mse":
        want, gwant = (d * d).sum() * scale, 2 * d * scale
    else:
        want, gwant = np.abs(d).sum() * scale, np.sign(d) * scale
    assert loss.item() == pytest.approx(want, rel=1e-12)
    assert fn(xt, torch.tensor(y), reduction=reduction).item() == pytest.approx(want, rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(xt.grad.numpy(), gwant, rtol=1e-12)
    none = fn(xt, torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(none, d * d if kind == "mse" else np.abs(d), rtol=1e-12)


# ---- the MLP: flern vs a numpy implementation -----------------------------------------
def numpy_mlp_loss_and_grads(params, x, y):
    W1, b1, W2, b2, W3, b3 = params
    h1 = x @ W1.T + b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ W2.T + b2
    a2 = np.maximum(h2, 0)
    out = a2 @ W3.T + b3
    d = out - y
    loss = (d * d).mean()
    dout = 2 * d / d.size
    gW3, gb3 = dout.T @ a2, dout.sum(0)
    dh2 = (dout @ W3) * (h2 > 0)
    gW2, gb2 = dh2.T @ a1, dh2.sum(0)
    dh1 = (dh2 @ W2) * (h1 > 0)
    gW1, gb1 = dh1.T @ x, dh1.sum(0)
    return loss, [gW1, gb1, gW2, gb2, gW3, gb3]


def numpy_sgd(params, grads, state, lr, momentum, weight_decay=0.0, nesterov=False):
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        g = g + weight_decay * p if weight_decay else g
        buf = state.get(i)
        buf = g.copy() if buf is None else momentum * buf + g
        state[i] = buf
        g = g + momentum * buf if nesterov else buf
        out.append(p - lr * g)
    return out


def numpy_adam(params, grads, state, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    state["t"] = t = state.get("t", 0) + 1
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        g = g + weight_decay * p if weight_decay else g
        m, v = state.get(("m", i), np.zeros_like(p)), state.get(("v", i), np.zeros_like(p))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        state[("m", i)], state[("v", i)] = m, v
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
        out.append(p - (lr / (1 - b1 ** t)) * (m / denom))
    return out


def make_problem(dtype):
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((32, 9)).astype(dtype)
    y = (np.sin(x[:, :1] * 2) + x[:, 1:2] * x[:, 2:3]).astype(dtype)
    sizes = [(64, 9), (64,), (64, 64), (64,), (1, 64), (1,)]
    init = [rng.uniform(-0.3, 0.3, s).astype(dtype) for s in sizes]
    return x, y, init


def make_model(dtype):
    d = torch.float64 if dtype == np.float64 else torch.float32
    return nn.Sequential(nn.Linear(9, 64, dtype=d), nn.ReLU(), nn.Linear(64, 64, dtype=d), nn.ReLU(),
                         nn.Linear(64, 1, dtype=d))


OPTS = {
    "sgd": (lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
            lambda p, g, s: numpy_sgd(p, g, s, lr=0.05, momentum=0.9)),
    "sgd_nesterov_wd": (lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
                        lambda p, g, s: numpy_sgd(p, g, s, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    "adam": (lambda ps: torch.optim.Adam(ps, lr=1e-2),
             lambda p, g, s: numpy_adam(p, g, s, lr=1e-2)),
    "adam_wd": (lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2),
                lambda p, g, s: numpy_adam(p, g, s, lr=1e-2, b1=0.8, b2=0.99, eps=1e-6, weight_decay=1e-2)),
}


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 1e-5)], ids=["float64", "float32"])
@pytest.mark.parametrize("opt", list(OPTS))
def test_mlp_training_matches_numpy(opt, dtype, rtol):
    x, y, init = make_problem(dtype)
    model = make_model(dtype)
    names = [n for n, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, init)))
    make_opt, np_step = OPTS[opt]
    optimizer = make_opt(model.parameters())
    loss_fn = nn.MSELoss()
    xt, yt = torch.tensor(x), torch.tensor(y)
    params, state = [a.copy() for a in init], {}
    got, want = [], []
    for _ in range(20):
        optimizer.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        got.append(loss.item())
        optimizer.step()
        lw, grads = numpy_mlp_loss_and_grads(params, x, y)
        want.append(float(lw))
        params = np_step(params, grads, state)
    assert want[-1] < want[0]
    np.testing.assert_allclose(got, want, rtol=rtol)
    final = model.state_dict()
    for n, p in zip(names, params):
        assert final[n].numpy().dtype == dtype
        np.testing.assert_allclose(final[n].numpy(), p, rtol=100 * rtol, atol=100 * rtol)


def test_parameter_identity_kept_across_steps():
    model = nn.Linear(3, 1)
    w = model.weight
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before, bias_before = w.numpy().copy(), model.bias.numpy().copy()
    x = torch.tensor(RNG.standard_normal((4, 3)).astype(np.float32))
    out = model(x).sum()  # recorded before the step: keeps the old values
    out.backward()
    opt.step()
    assert model.weight is w and list(model.parameters())[0] is w
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.numpy(), before - 0.1 * x.numpy().sum(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(out.item(), (x.numpy() @ before.T).sum() + 4 * bias_before[0],
                               rtol=1e-5)


def test_state_dict_round_trip():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    torch.manual_seed(1)
    b = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    b.load_state_dict(sd)
    for (n1, p1), (n2, p2) in zip(a.named_parameters(), b.named_parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(p1.numpy(), p2.numpy())
    # numpy arrays and objects with .numpy() / __array__ (like torch tensors) load too
    class FakeTorchTensor:
        def __init__(self, a): self.a = a
        def detach(self): return self
        def cpu(self): return self
        def numpy(self): return self.a
    b.load_state_dict({k: (FakeTorchTensor(np.asarray(v) * 2) if i % 2 else np.asarray(v) * 3)
                       for i, (k, v) in enumerate(sd.items())})
    np.testing.assert_allclose(b[0].weight.numpy(), a[0].weight.numpy() * 3, rtol=1e-6)
    np.testing.assert_allclose(b[0].bias.numpy(), a[0].bias.numpy() * 2, rtol=1e-6)
    with pytest.raises(RuntimeError, match="Missing key"):
        b.load_state_dict({"0.weight": sd["0.weight"]})
    with pytest.raises(RuntimeError, match="size mismatch"):
        b.load_state_dict(dict(sd, **{"0.bias": np.zeros(5, np.float32)}))
    res = b.load_state_dict({"0.weight": sd["0.weight"]}, strict=False)
    assert res.missing_keys == ["0.bias", "2.weight", "2.bias"]


def test_parameters_order_and_registration():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc2 = nn.Linear(3, 2)
            self.scale = nn.Parameter(np.ones(2, np.float32))
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.plain = 5

        def forward(self, x):
            return self.fc2(self.body(x)) * self.scale

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # like torch: a module's own parameters first, then each child's, in registration order
    assert names == ["scale", "fc2.weight", "fc2.bias", "body.0.weight", "body.0.bias"]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_children()] == ["fc2", "body"]
    assert len(list(net.modules())) == 5 and net.plain == 5
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    out = net(torch.tensor(np.ones((4, 2), np.float32)))
    assert tuple(out.shape) == (4, 2)
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, torch.Tensor)
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad


def test_zero_grad_semantics():
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.tensor(np.ones((3, 2), np.float32))
    assert model.weight.grad is None
    model(x).sum().backward()
    g1 = model.weight.grad.numpy().copy()
    model(x).sum().backward()  # accumulates
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * g1)
    model.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(model.weight.grad.numpy(), np.zeros((1, 2), np.float32))
    opt.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None
    opt.step()  # no grads: no-op
    model(x).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), g1)


def test_train_eval_flags():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.train(False)
    assert not m[1][0].training


def test_no_grad_forward_and_unsupported():
    m = nn.Linear(2, 1)
    with torch.no_grad():
        assert not m(torch.tensor(np.ones((1, 2), np.float32))).requires_grad
    with pytest.raises(NotImplementedError, match="ConvTranspose2d"):
        nn.ConvTranspose2d
    with pytest.raises(FlernNotImplementedError, match="conv_transpose2d"):
        F.conv_transpose2d
    with pytest.raises(NotImplementedError, match="Adagrad"):
        torch.optim.Adagrad
