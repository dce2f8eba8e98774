"""The frame -> tensor hand-off under the drop-ins (python/flern/_handoff.py):
``torch.tensor(df.values)``, ``torch.from_numpy(df.to_numpy())``, ``torch.as_tensor``
record the to_tensor edge, with torch's dtypes and pandas' values; a mutated array is
honoured; numpy users get pandas' arrays (read-only exactly where pandas 3 gives them)."""

from __future__ import annotations

import json

import numpy as np
import pandas
import pytest
import torch as T
from hypothesis import given, settings
from hypothesis import strategies as st

import flern.pandas as fpd
import flern.torch as ftorch
from flern._graph import encode_plan

FRAMES = {
    "float": {"a": [1.5, -2.0, np.nan, 4.25], "b": [0.0, 1e300, -1e-300, 7.0]},
    "int": {"a": [1, -2, 3, 2 ** 40], "b": [0, 5, 6, 7]},
    "bool": {"a": [True, False, True, True], "b": [False, False, True, False]},
    "mixed": {"a": [1.5, 2.5, np.nan, 4.0], "b": [1, 2, 3, -4]},
    "unicode": {"größe": [1.0, 2.0, 3.0, 4.0], "名前": [0.5, 0.25, 0.125, 1.0]},
    "empty": {"a": np.array([], dtype=np.float64), "b": np.array([], dtype=np.float64)},
    "f32": {"a": np.array([1.1, 2.2, 3.3], dtype=np.float32), "b": np.array([4.4, 5.5, 6.6], dtype=np.float32)},
}


def _ops(t: ftorch.Tensor, known: bool = False) -> list[str]:
    plan, _ = encode_plan([t._node], known)
    return [n["op"] for n in json.loads(plan)["nodes"]]


def _same(ft: ftorch.Tensor, tt: T.Tensor) -> None:
    assert str(ft.dtype) == str(tt.dtype), (ft.dtype, tt.dtype)
    got = ft.numpy()
    assert got.shape == tuple(tt.shape)
    np.testing.assert_array_equal(got, tt.numpy())


CONVERSIONS = {
    "tensor(values)": (lambda tm, df: tm.tensor(df.values)),
    "tensor(to_numpy())": (lambda tm, df: tm.tensor(df.to_numpy())),
    "from_numpy(to_numpy())": (lambda tm, df: tm.from_numpy(df.to_numpy())),
    "as_tensor(values)": (lambda tm, df: tm.as_tensor(df.values)),
    "tensor(to_numpy(float32))": (lambda tm, df: tm.tensor(df.to_numpy(dtype="float32"))),
    "tensor(values, dtype=float32)": (lambda tm, df: tm.tensor(df.values, dtype=tm.float32)),
    "as_tensor(values, dtype=float64)": (lambda tm, df: tm.as_tensor(df.values, dtype=tm.float64)),
}


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
@pytest.mark.parametrize("frame", sorted(FRAMES))
@pytest.mark.parametrize("conv", sorted(CONVERSIONS))
def test_handoff_records_the_edge_and_matches_pandas_torch(frame, conv):
    data = FRAMES[frame]
    f = CONVERSIONS[conv]
    ft = f(ftorch, fpd.DataFrame(data))
    assert "to_tensor" in ft.explain(), ft.explain()
    assert "to_tensor" in _ops(ft)
    _same(ft, f(T, pandas.DataFrame(data)))
    # the tensor in a computation: reads the known values, not the frame plan again
    y = ft * 2 if ft.dtype is not ftorch.bool else ft
    assert "to_tensor" not in _ops(y, known=True) and "source_tensor" in _ops(y, known=True)
    _same(y, (f(T, pandas.DataFrame(data)) * 2) if ft.dtype is not ftorch.bool else f(T, pandas.DataFrame(data)))


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_series_handoff(frame):
    data = FRAMES[frame]
    col = next(iter(data))
    ft = ftorch.tensor(fpd.DataFrame(data)[col].to_numpy())
    assert "to_tensor" in ft.explain()
    _same(ft, T.tensor(pandas.DataFrame(data)[col].to_numpy()))
    ft = ftorch.from_numpy(fpd.DataFrame(data)[col].values).reshape(-1, 1)
    _same(ft, T.from_numpy(pandas.DataFrame(data)[col].values).reshape(-1, 1))


def test_handoff_of_computed_frame_is_one_graph():
    data = {"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [2.0, 0.0, 1.0, 3.0, 4.0], "s": list("abcde")}
    def prep(pd):
        df = pd.DataFrame(data)
        df["xn"] = (df["x"] - df["x"].mean()) / df["x"].std()
        df["yn"] = df["y"] * 2.0
        return df[df["x"] > 1.5][["xn", "yn"]].values

    ft = ftorch.tensor(prep(fpd))
    text = ft.explain()
    assert "to_tensor" in text and "source(" in text  # from the data source to the tensor
    tt = T.tensor(prep(pandas))
    assert ft.dtype is ftorch.float64
    np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-15)


@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_numpy_users_get_pandas_arrays(frame):
    data = FRAMES[frame]
    for get in (lambda d: d.to_numpy(), lambda d: d.values, lambda d: d.to_numpy(dtype="float32")):
        a, b = get(fpd.DataFrame(data)), get(pandas.DataFrame(data))
        assert type(a) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
        assert a.flags.writeable == b.flags.writeable
    s, ps = fpd.DataFrame(data)["a" if "a" in data else "größe"], pandas.DataFrame(data)["a" if "a" in data else "größe"]
    a, b = s.to_numpy(), ps.to_numpy()
    assert a.flags.writeable == b.flags.writeable
    np.testing.assert_array_equal(a, b)


def test_read_only_arrays_cannot_be_made_writable():
    a = fpd.DataFrame(FRAMES["float"]).to_numpy()
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a.flags.writeable = True
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    b = a.copy()  # a copy is a new array: torch.tensor(b) copies it, no edge
    b[0, 0] = 100.0
    ft = ftorch.tensor(b)
    assert "to_tensor" not in ft.explain()
    assert ft.numpy()[0, 0] == 100.0


def test_mutation_before_tensor_is_honoured():
    data = FRAMES["mixed"]
    a = fpd.DataFrame(data).to_numpy()
    assert a.flags.writeable  # pandas copies mixed dtypes into a writable array
    a[1, 1] = -99.0
    a[2, 0] = 7.0
    ft = ftorch.tensor(a)
    assert "to_tensor" not in ft.explain()
    pa_ = pandas.DataFrame(data).to_numpy()
    pa_[1, 1] = -99.0
    pa_[2, 0] = 7.0
    _same(ft, T.tensor(pa_))
    # unmutated: the edge; mutating after the hand-off does not change the tensor (torch.tensor copies)
    a = fpd.DataFrame(data).to_numpy()
    ft = ftorch.tensor(a)
    assert "to_tensor" in ft.explain()
    a[0, 0] = 1234.0
    _same(ft, T.tensor(pandas.DataFrame(data).to_numpy()))
    assert (ft * 1).numpy()[0, 0] == 1.5


def test_in_place_shuffle_is_honoured():
    data = {"a": [1.0, 2.0, 3.0, 4.0], "b": [1, 2, 3, 4]}
    a = fpd.DataFrame(data).to_numpy()
    np.random.default_rng(0).shuffle(a)  # rows permuted in place: same sum, other order
    b = pandas.DataFrame(data).to_numpy()
    np.random.default_rng(0).shuffle(b)
    _same(ftorch.from_numpy(a), T.from_numpy(b))


def test_int_beyond_2_53_to_float32_is_not_an_edge():
    data = {"a": [2 ** 62 + 1, 3, 2 ** 53 + 1], "b": [1, 2, 3]}
    a = fpd.DataFrame(data).to_numpy(dtype="float32")
    ft = ftorch.tensor(a)
    assert "to_tensor" not in ft.explain()
    _same(ft, T.tensor(pandas.DataFrame(data).to_numpy(dtype="float32")))


def test_float_to_int_is_not_an_edge():
    data = {"a": [1.5, -2.7, 3.0]}
    ft = ftorch.tensor(fpd.DataFrame(data).to_numpy(dtype="int64"))
    assert "to_tensor" not in ft.explain()
    _same(ft, T.tensor(pandas.DataFrame(data).to_numpy(dtype="int64")))


def test_handoff_tensor_trains_like_torch():
    """A drop-in regression step on a hand-off tensor: the same loss and gradient as torch."""
    rng = np.random.default_rng(1)
    data = {f"f{i}": rng.normal(size=50) for i in range(3)}
    data["y"] = rng.normal(size=50)

    def step(pd, torch):
        df = pd.DataFrame(data)
        x = torch.tensor(df[["f0", "f1", "f2"]].to_numpy(dtype="float32"))
        y = torch.tensor(df["y"].to_numpy(dtype="float32")).reshape(-1, 1)
        w = torch.tensor(np.array([[0.5], [-0.25], [1.0]], dtype=np.float32), requires_grad=True)
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        return float(loss.item()), w.grad.numpy()

    (l1, g1), (l2, g2) = step(fpd, ftorch), step(pandas, T)
    assert l1 == pytest.approx(l2, rel=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True, width=64),
                          st.integers(-2 ** 31, 2 ** 31), st.booleans()), max_size=20),
       st.sampled_from([["f"], ["i"], ["b"], ["f", "i"], ["i", "b"], ["f", "i", "b"]]),
       st.sampled_from([None, "float32", "float64"]))
def test_handoff_random_frames(rows, cols, dtype):
    data = {"f": np.array([r[0] for r in rows], dtype=np.float64), "i": np.array([r[1] for r in rows], dtype=np.int64),
            "b": np.array([r[2] for r in rows], dtype=bool)}
    fd, pdf = fpd.DataFrame(data)[cols], pandas.DataFrame(data)[cols]
    a, b = fd.to_numpy(dtype=dtype), pdf.to_numpy(dtype=dtype)
    assert a.dtype == b.dtype
    if b.dtype == object:
        return
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(ftorch.tensor(a), T.tensor(b))


def test_to_tensor_value_is_reused_by_later_plans():
    """Once df.to_tensor() was read, plans that use it (a drop-in training step) read its value
    instead of running the frame plan again; explain() still shows the edge."""
    data = {"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]}
    x = fpd.DataFrame(data).to_tensor(dtype="float64")
    y = x * 2
    assert "to_tensor" in _ops(y, known=True)
    x.numpy()
    y = x * 2
    assert "to_tensor" not in _ops(y, known=True) and "to_tensor" in y.explain()
    np.testing.assert_array_equal(y.numpy(), np.array([[2.0, 8.0], [4.0, 10.0], [6.0, 12.0]]))


def test_handoff_leaf_with_requires_grad():
    """torch.tensor(df.values, requires_grad=True): a leaf whose gradient equals torch's."""
    data = {"a": [1.0, -2.0, 3.0], "b": [0.5, 4.0, -6.0]}
    ft = ftorch.tensor(fpd.DataFrame(data).values, requires_grad=True)
    tt = T.tensor(pandas.DataFrame(data).values, requires_grad=True)
    assert "to_tensor" in ft.explain()
    (ft * ft).sum().backward()
    (tt * tt).sum().backward()
    assert ft.is_leaf and ft.dtype is ftorch.float64
    np.testing.assert_array_equal(ft.grad.numpy(), tt.grad.numpy())
