"""The scatter-add loop (golib/lower/scatter.go): the gradients of embedding,
index_select and advanced indexing (index_add along dim 0) run as one fused
loop with the elementwise chain that computes the added rows, natively and on
the Go evaluator. Values equal torch's (tolerance: torch's CPU embedding
backward adds in its own order) and numpy's np.add.at bit for bit (flern adds
each element's values in index order, in the gradient's dtype, as its
reference interpreter); bad indices raise as torch."""

from __future__ import annotations

import numpy as np
import pytest

import flern.nn as nn
import flern.torch as torch
from flern import _collect, _config

FUSING = _config.executor != "interp" and not _config.no_opt


@pytest.fixture(params=["native", "go"])
def mode(request, monkeypatch):
    """Every loop compiled natively, then every loop on the Go evaluator."""
    if request.param == "native":
        monkeypatch.setattr(_config, "codegen", True)
        monkeypatch.setattr(_config, "codegen_min_rows", 1)
        monkeypatch.setattr(_config, "codegen_sync", True)
    else:
        monkeypatch.setattr(_config, "codegen", False)
    return request.param


def plan(t) -> str:
    return _collect.explain(t._node)


def check_scatter(text: str, what: str) -> None:
    if not FUSING:
        assert "fused(" not in text, text
        return
    assert "kernel=scatter[" in text and "vec_merge(" in text and what in text, text


def add_at(n: int, idx: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """index_add in index order, rounding in rows' dtype after every addition."""
    out = np.zeros((n,) + rows.shape[1:], dtype=rows.dtype)
    np.add.at(out, idx, rows)
    return out


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (300, 40), (3000, 11)])
@pytest.mark.parametrize("dim", [1, 64])
def test_embedding_grad_matches_torch(mode, shape, dim):
    """relu(embedding) * 2, squared and summed: w.grad is one scatter loop
    over the relu'/mul gradient chain; repeated indices, 1-D and 2-D index
    inputs, an empty one."""
    import torch as real_torch
    r = np.random.default_rng(dim + len(shape))
    wa = r.standard_normal((100, dim)).astype(np.float32)
    ia = r.integers(0, 100, shape)
    if ia.size:
        ia.flat[::3] = 5  # many repeats of one row
    emb = nn.Embedding.from_pretrained(wa.copy(), freeze=False)
    y = emb(torch.tensor(ia)).relu() * 2.0
    (y * y).sum().backward()
    g = emb.weight.grad
    check_scatter(plan(g), "index_add]")
    te = real_torch.nn.Embedding.from_pretrained(real_torch.tensor(wa), freeze=False)
    ty = te(real_torch.tensor(ia)).relu() * 2.0
    (ty * ty).sum().backward()
    got = g.numpy()
    np.testing.assert_allclose(got, te.weight.grad.numpy(), rtol=1e-5, atol=1e-4)
    # exact: the rows 2 * (2 * relu(w[i]) * 2) * (w[i] > 0) added in index order
    rows = wa[ia.reshape(-1)]
    y32 = np.maximum(rows, 0) * np.float32(2)
    gr = (y32 + y32) * np.float32(2) * (rows > 0)
    np.testing.assert_array_equal(got, add_at(100, ia.reshape(-1), gr.astype(np.float32)))


def test_embedding_padding_idx_gets_no_gradient(mode):
    import torch as real_torch
    r = np.random.default_rng(3)
    wa = r.standard_normal((20, 6)).astype(np.float32)
    ia = r.integers(0, 20, (50, 3))
    ia[::4, 0] = 7
    emb = nn.Embedding.from_pretrained(wa.copy(), freeze=False, padding_idx=7)
    (emb(torch.tensor(ia)).tanh() * 3.0).sum().backward()
    te = real_torch.nn.Embedding.from_pretrained(real_torch.tensor(wa), freeze=False, padding_idx=7)
    (te(real_torch.tensor(ia)).tanh() * 3.0).sum().backward()
    got = emb.weight.grad.numpy()
    assert not got[7].any()
    np.testing.assert_allclose(got, te.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    check_scatter(plan(emb.weight.grad), "index_add]")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_index_select_grad_matches_torch(mode, dtype):
    import torch as real_torch
    r = np.random.default_rng(4)
    xa = r.standard_normal((30, 5, 2)).astype(dtype)
    ia = r.integers(0, 30, 4000)
    x = torch.tensor(xa, requires_grad=True)
    y = torch.index_select(x, 0, torch.tensor(ia))
    (y.sigmoid() * y).sum().backward()
    check_scatter(plan(x.grad), "index_add]")
    tx = real_torch.tensor(xa, requires_grad=True)
    ty = real_torch.index_select(tx, 0, real_torch.tensor(ia))
    (ty.sigmoid() * ty).sum().backward()
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


def test_int_index_add_wraps_as_the_interpreter():
    """index_add itself on int64 rows (not a gradient): wrapping int64 sums."""
    big = np.iinfo(np.int64).max
    rows = np.array([[big, 1], [1, -big], [big, 2]], dtype=np.int64)
    ia = np.array([0, 0, 1])
    from flern.tensor import Tensor
    from flern._graph import Node
    src = torch.tensor(rows) * 1
    t = Tensor._from_node(Node("index_add", [src._node, torch.tensor(ia)._node, torch.zeros(2, 2, dtype=torch.int64)._node],
                               {"dim": 0}))
    with np.errstate(over="ignore"):
        want = add_at(2, ia, rows * 1)
    np.testing.assert_array_equal(t.numpy(), want)


def test_negative_indices_wrap_in_advanced_indexing(mode):
    import torch as real_torch
    r = np.random.default_rng(5)
    xa = r.standard_normal((9, 4)).astype(np.float32)
    ia = np.array([-1, 0, -9, 3, -1, 8])
    x = torch.tensor(xa, requires_grad=True)
    (x[torch.tensor(ia)].abs() * 2.0).sum().backward()
    tx = real_torch.tensor(xa, requires_grad=True)
    (tx[real_torch.tensor(ia)].abs() * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    check_scatter(plan(x.grad), "index_add]")


@pytest.mark.parametrize("bad", [100, -1])
def test_bad_embedding_index_raises_as_torch(mode, bad):
    import torch as real_torch
    wa = np.ones((100, 4), dtype=np.float32)
    ia = np.array([1, bad, 2])
    te = real_torch.nn.Embedding.from_pretrained(real_torch.tensor(wa))
    with pytest.raises(IndexError) as want:
        te(real_torch.tensor(ia))
    emb = nn.Embedding.from_pretrained(wa.copy(), freeze=False)
    with pytest.raises(IndexError) as got:
        (emb(torch.tensor(ia)).relu() * 2.0).sum().backward()
        emb.weight.grad.numpy()
    assert str(want.value) in str(got.value)


def test_bad_index_in_the_gradient_alone_raises(mode):
    """index_add (the gradient loop) checks its indices itself: a bad index
    raises the interpreter's IndexError, never writes out of bounds."""
    from flern.tensor import Tensor
    from flern._graph import Node
    g = torch.tensor(np.ones((3, 4), dtype=np.float32)) * 2.0
    for ia in ([0, 5, 1], [0, -1, 1]):
        t = Tensor._from_node(Node("index_add", [g._node, torch.tensor(np.array(ia))._node,
                                                 torch.zeros(5, 4)._node], {"dim": 0}))
        with pytest.raises(IndexError, match="index out of range in self"):
            t.numpy()
