"""Indexing, joins and nn ops on tensors whose row count is known only at run
time (DataFrame.to_tensor() after a filter), checked against torch on the
materialized data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch_ref = pytest.importorskip("torch")

import flern.nn as fnn  # noqa: E402
import flern.nn.functional as FF  # noqa: E402
import flern.pandas as fpd  # noqa: E402
import flern.torch as ft  # noqa: E402

R = np.random.default_rng(11)
PDF = pd.DataFrame({"k": R.integers(0, 10, 40), "a": R.standard_normal(40), "b": R.standard_normal(40),
                    "c": R.standard_normal(40)})


def dyn():
    """(flern tensor with a run-time row count, the same values in numpy)."""
    df = fpd.DataFrame(PDF)
    x = df[df["k"] > 4][["a", "b", "c"]].to_tensor(dtype=ft.float64)
    ref = PDF[PDF["k"] > 4][["a", "b", "c"]].to_numpy()
    assert x._infer()[1][0] == -1  # the row count is dynamic
    return x, ref


CASES = [
    ("slice rows", lambda T, F, x: x[1:-1:2]),
    ("slice cols", lambda T, F, x: x[:, 1:]),
    ("select row", lambda T, F, x: x[-1]),
    ("select col", lambda T, F, x: x[:, 0]),
    ("mask", lambda T, F, x: x[x[:, 0] > 0]),
    ("index tensor", lambda T, F, x: x[T.tensor([0, 2, -1])]),
    ("gather", lambda T, F, x: x.gather(1, T.zeros_like(x).long())),
    ("cat rows", lambda T, F, x: T.cat([x, x[:2]], 0)),
    ("cat cols", lambda T, F, x: T.cat([x, x.exp()], 1)),
    ("stack", lambda T, F, x: T.stack([x, x * 2], 1)),
    ("softmax", lambda T, F, x: F.log_softmax(x, 1)),
    ("layer_norm", lambda T, F, x: F.layer_norm(x, [3])),
    ("batch_norm", lambda T, F, x: F.batch_norm(x, None, None, training=True)),
    ("cross_entropy", lambda T, F, x: F.cross_entropy(x, (x[:, 0] > 0).long())),
    ("max dim", lambda T, F, x: x.max(0).values + x.min(1).values.sum()),
]


@pytest.mark.parametrize("name,f", CASES, ids=[c[0] for c in CASES])
def test_dynamic_rows(name, f):
    x, ref = dyn()
    x.requires_grad_()
    tx = torch_ref.tensor(ref, requires_grad=True)
    got, want = f(ft, FF, x), f(torch_ref, torch_ref.nn.functional, tx)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-9, atol=1e-12)
    w = R.standard_normal(tuple(want.shape))
    (got * ft.tensor(w)).sum().backward()
    (want * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_dynamic_rows_through_layers():
    x, ref = dyn()
    torch_ref.manual_seed(0)
    t = torch_ref.nn.Sequential(torch_ref.nn.Linear(3, 4), torch_ref.nn.GELU(), torch_ref.nn.Dropout(0.0),
                                torch_ref.nn.Linear(4, 2)).double()
    f = fnn.Sequential(fnn.Linear(3, 4, dtype=ft.float64), fnn.GELU(), fnn.Dropout(0.0),
                       fnn.Linear(4, 2, dtype=ft.float64))
    f.load_state_dict(t.state_dict())
    np.testing.assert_allclose(f(x).numpy(), t(torch_ref.tensor(ref)).detach().numpy(), rtol=1e-9, atol=1e-12)
    assert tuple(f(x).shape) == (len(ref), 2)
