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


def test_ops_over_a_file_hand_off_are_typed_once_while_the_file_is_unchanged(tmp_path, monkeypatch):
    """A drop-in loop over torch.from_numpy(df.to_numpy()) of a Parquet frame: the batch ops
    of every step are typed from the memo (the hand-off node's type is remembered with the
    file's identity); rewriting the file with another dtype is seen at once."""
    import os

    import pandas
    import flern.pandas as fpd

    p = str(tmp_path / "d.parquet")
    pandas.DataFrame({"a": np.arange(40, dtype=np.int64), "b": np.arange(40, dtype=np.int64) * 2}).to_parquet(p)
    df = fpd.read_parquet(p)
    x = ft.from_numpy(df[["a", "b"]].to_numpy(dtype="float32"))
    perm = ft.randperm(40, generator=ft.Generator().manual_seed(2))
    calls = _count_inferences(monkeypatch)
    for i in range(0, 40, 8):
        b = x[perm[i:i + 8]]
        assert (tuple(b.shape), b[:, 1].long().dtype) == ((8, 2), ft.int64)
    first = len(calls)
    for i in range(0, 40, 8):
        b = x[perm[i:i + 8]]
        assert tuple(b[:, 1].long().shape) == (8,)
    assert len(calls) == first
    # the frame's own schema follows the file
    assert str(df.dtypes["a"]) == "int64"
    st = os.stat(p)
    pandas.DataFrame({"a": np.arange(40, dtype=np.float64), "b": np.arange(40, dtype=np.int64)}).to_parquet(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert str(df.dtypes["a"]) == "float64"
