"""``mlp_fuse``: at inference, Linear -> ReLU -> Linear becomes one ``dense_relu_dense`` node
that runs a row at a time with the hidden layer in registers.

Each test checks the optimized plan (the fused node is shown and the pass is switchable by
name), then the predictions: against PyTorch on the same weights and inputs, and against the
same flern plan with the pass switched off.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import flern.torch as ftorch
from flern import _config

OPT_ON = not _config.no_opt


def _pair(layers: list[int], seed: int = 0):
    """A torch MLP (ReLU between Linear layers) and a flern one with the same weights."""
    def build(lib):
        mods = []
        for i in range(len(layers) - 1):
            mods.append(lib.nn.Linear(layers[i], layers[i + 1]))
            if i < len(layers) - 2:
                mods.append(lib.nn.ReLU())
        return lib.nn.Sequential(*mods)
    torch.manual_seed(seed)
    tm = build(torch)
    fm = build(ftorch)
    fm.load_state_dict({k: ftorch.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    tm.eval()
    fm.eval()
    return tm, fm


@pytest.mark.parametrize("layers,rows", [([19, 64, 1], 50_000), ([9, 64, 64, 1], 3_000), ([5, 13, 3], 777),
                                         ([4, 32, 1], 0)])
def test_mlp_head_fused_matches_torch(passes, layers, rows):
    rs = np.random.RandomState(len(layers) + rows)
    a = rs.normal(0, 2, (rows, layers[0])).astype(np.float32)
    if rows:
        a[::101, 0] = np.nan  # NaN rows stay NaN through the fused head, as in torch
        a[1::103] = 0.0
    tm, fm = _pair(layers)
    with ftorch.no_grad():
        out = fm(ftorch.from_numpy(a))
        plan = out.explain()
    if OPT_ON:  # the last two layers fused; a deeper model's first layer stays a matmul
        assert "dense_relu_dense" in plan, plan
        assert ("matmul" in plan) == (len(layers) > 3), plan
    with torch.no_grad():
        want = tm(torch.from_numpy(a)).numpy()
    got = out.numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    passes("mlp_fuse")
    with ftorch.no_grad():
        off = fm(ftorch.from_numpy(a))
    assert "dense_relu_dense" not in off.explain()
    np.testing.assert_allclose(off.numpy(), got, rtol=1e-4, atol=1e-5)


def test_training_keeps_the_layers():
    """A step that trains the model is not rewritten (the backward graph reads the hidden
    layer), and its loss equals torch's."""
    rs = np.random.RandomState(3)
    a = rs.normal(0, 1, (256, 6)).astype(np.float32)
    y = rs.normal(0, 1, (256, 1)).astype(np.float32)
    tm, fm = _pair([6, 16, 1])
    tm.train()
    fm.train()
    losses = []
    for lib, m in ((torch, tm), (ftorch, fm)):
        opt = lib.optim.SGD(m.parameters(), lr=0.01)
        for _ in range(3):
            opt.zero_grad()
            loss = ((m(lib.from_numpy(a)) - lib.from_numpy(y)) ** 2).mean()
            loss.backward()
            opt.step()
        losses.append(float(loss.item()))
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)


def test_hidden_layer_read_elsewhere_is_not_fused():
    """When the hidden activations are also a result, the head stays two Linear layers."""
    rs = np.random.RandomState(4)
    a = rs.normal(0, 1, (5_000, 4)).astype(np.float32)
    tm, fm = _pair([4, 8, 1])
    with ftorch.no_grad():
        h = fm[1](fm[0](ftorch.from_numpy(a)))
        both = fm[2](h) + h.sum(1, keepdim=True)
        plan = both.explain()
    assert "dense_relu_dense" not in plan
    with torch.no_grad():
        th = tm[1](tm[0](torch.from_numpy(a)))
        want = (tm[2](th) + th.sum(1, keepdim=True)).numpy()
    np.testing.assert_allclose(both.numpy(), want, rtol=1e-4, atol=1e-5)
