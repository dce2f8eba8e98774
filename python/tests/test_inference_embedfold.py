"""``embed_fold``: at inference, embeddings concatenated into a Linear's input become lookups
into tables of the embeddings times their weight rows, and ``mlp_fuse`` runs the lookups inside
the fused perceptron head.

Each test checks the optimized plan (the folded tables and the fused head are shown; both
passes switch off by name), then the predictions: against PyTorch on the same weights and
inputs, and against the same flern plan with the passes switched off.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import flern.torch as ftorch
from flern import _config

OPT_ON = not _config.no_opt


def _net(lib, n_cat: int, emb: int, k: int, hidden: int, out: int, two_layers: bool):
    """The flights model's shape: numeric columns and two embedded codes in one float matrix."""
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.eo = lib.nn.Embedding(n_cat, emb)
            self.ed = lib.nn.Embedding(n_cat, emb)
            layers = [lib.nn.Linear(k + 2 * emb, hidden)]
            if two_layers:
                layers += [lib.nn.ReLU(), lib.nn.Linear(hidden, out)]
            self.mlp = lib.nn.Sequential(*layers)

        def forward(self, x):
            o, d = x[:, k].long(), x[:, k + 1].long()
            return self.mlp(lib.cat([x[:, :k], self.eo(o), self.ed(d)], dim=1))
    return Net()


def _pair(n_cat, emb, k, hidden, out, two_layers=True, seed=0):
    torch.manual_seed(seed)
    tm = _net(torch, n_cat, emb, k, hidden, out, two_layers)
    fm = _net(ftorch, n_cat, emb, k, hidden, out, two_layers)
    fm.load_state_dict({n: ftorch.from_numpy(v.detach().numpy().copy()) for n, v in tm.state_dict().items()})
    tm.eval()
    fm.eval()
    return tm, fm


def _data(rows, k, n_cat, seed):
    rs = np.random.RandomState(seed)
    x = np.empty((rows, k + 2), dtype=np.float32)
    x[:, :k] = rs.normal(0, 2, (rows, k))
    x[:, k] = rs.randint(0, n_cat, rows)
    x[:, k + 1] = rs.randint(0, n_cat, rows)
    if rows:
        x[::97, 0] = np.nan  # NaN rows stay NaN, as in torch
    return x


@pytest.mark.parametrize("n_cat,emb,k,hidden,out,rows", [
    (229, 8, 3, 64, 1, 40_000),   # flights: fused head with two lookups (split into chunks)
    (50, 4, 2, 32, 1, 3_000),
    (7, 3, 5, 13, 2, 777),        # the kernel's general path (hidden 13, two outputs)
    (20, 8, 3, 64, 1, 0),
])
def test_embeddings_folded_and_fused_match_torch(passes, n_cat, emb, k, hidden, out, rows):
    x = _data(rows, k, n_cat, n_cat + rows)
    tm, fm = _pair(n_cat, emb, k, hidden, out)
    with ftorch.no_grad():
        got_t = fm(ftorch.from_numpy(x))
        plan = got_t.explain()
    if OPT_ON and rows > n_cat:  # (folding pays only with more rows than the table has)
        assert 'embedded="table"' in plan, plan
        assert "dense_relu_dense" in plan and "cat(" not in plan.split("dense_relu_dense")[0].split("\n")[-1], plan
        assert "bias_folded=true" in plan, plan  # the head's bias added into its first table (bias_fold)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    got = got_t.numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    for off in (["bias_fold"], ["embed_fold"], ["mlp_fuse"], ["embed_fold", "mlp_fuse"]):
        passes(*off)
        with ftorch.no_grad():
            o = fm(ftorch.from_numpy(x))
        if OPT_ON and "embed_fold" in off:
            assert 'embedded="table"' not in o.explain()
        if OPT_ON and "bias_fold" in off:
            assert "bias_folded" not in o.explain()
        np.testing.assert_allclose(o.numpy(), got, rtol=1e-4, atol=1e-4)


def test_one_layer_folded():
    """A Linear over the embeddings with no second layer: the fold alone (matmul + lookups)."""
    x = _data(5_000, 3, 30, 1)
    tm, fm = _pair(30, 8, 3, 16, 1, two_layers=False)
    with ftorch.no_grad():
        got = fm(ftorch.from_numpy(x))
        plan = got.explain()
    if OPT_ON:
        assert 'embedded="table"' in plan and "dense_relu_dense" not in plan, plan
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("rows,bad", [(40_000, 30_001), (500, 3)])
def test_index_out_of_range_raises(rows, bad):
    """An index outside the embedding raises IndexError as torch does (the fused kernel finds
    it and the lookup's own error is raised), whether the rows run split or whole."""
    x = _data(rows, 3, 10, 2)
    x[bad, 3] = 10  # one past the table
    tm, fm = _pair(10, 4, 3, 64, 1)
    with torch.no_grad(), pytest.raises(IndexError):
        tm(torch.from_numpy(x))
    with ftorch.no_grad(), pytest.raises(IndexError, match="index out of range in self"):
        fm(ftorch.from_numpy(x)).numpy()


def test_training_matches_torch():
    """Training steps (the gradients flow into the embeddings: the step is not rewritten) give
    torch's losses and embedding weights."""
    x = _data(512, 3, 20, 4)
    x[:, 0] = np.nan_to_num(x[:, 0])
    y = np.random.RandomState(5).normal(0, 1, (512, 1)).astype(np.float32)
    tm, fm = _pair(20, 4, 3, 16, 1)
    losses = []
    for lib, m in ((torch, tm), (ftorch, fm)):
        m.train()
        opt = lib.optim.SGD(m.parameters(), lr=0.05)
        for _ in range(3):
            opt.zero_grad()
            loss = ((m(lib.from_numpy(x)) - lib.from_numpy(y)) ** 2).mean()
            loss.backward()
            opt.step()
        losses.append(float(loss.item()))
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    np.testing.assert_allclose(fm.eo.weight.detach().numpy(), tm.eo.weight.detach().numpy(), rtol=1e-4, atol=1e-6)
