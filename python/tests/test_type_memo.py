"""Tensor types by structure (_collect._TYPE_MEMO): a subgraph recorded again with the
same ops and attributes over inputs of the same types takes the type inferred the first
time, without a native inference; different input types or attributes give their own."""

import numpy as np

import flern.torch as ft
from flern import _collect


def _count_inferences(monkeypatch):
    calls = []
    real = _collect._compile

    def spy(outputs, *a, **k):
        calls.append(outputs[0].op)
        return real(outputs, *a, **k)
    monkeypatch.setattr(_collect, "_compile", spy)
    return calls


def test_the_same_step_ops_are_typed_once(monkeypatch):
    x = ft.from_numpy(np.arange(60, dtype=np.float32).reshape(20, 3))
    perm = ft.randperm(20, generator=ft.Generator().manual_seed(1))
    shapes = []
    calls = _count_inferences(monkeypatch)
    for i in range(0, 20, 4):
        b = x[perm[i:i + 4]]
        codes = b[:, 2].long()
        shapes.append((tuple(b.shape), tuple(codes.shape), codes.dtype))
    assert shapes == [((4, 3), (4,), ft.int64)] * 5
    first = len(calls)
    assert first > 0
    for i in range(0, 20, 4):  # again: every type from the memo
        b = x[perm[i:i + 4]]
        assert tuple(b[:, 2].long().shape) == (4,)
    assert len(calls) == first


def test_different_input_shapes_or_attributes_are_typed_apart():
    x = ft.from_numpy(np.zeros((10, 6), np.float32))
    for n in (3, 5, 3, 5):
        idx = ft.from_numpy(np.arange(n, dtype=np.int64))
        assert tuple(x[idx].shape) == (n, 6)
        assert tuple(x[idx][:, 1:4].shape) == (n, 3)
        assert tuple(x[idx][:, ::2].shape) == (n, 3)
        assert tuple(x[idx].sum(0).shape) == (6,) and tuple(x[idx].sum(1).shape) == (n,)
        assert x[idx].double().dtype == ft.float64 and x[idx].long().dtype == ft.int64
