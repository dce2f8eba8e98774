"""A source tensor's numpy() reads its own data instead of compiling and running a plan:
the same values, dtype, shape and read-only flag as the collect path."""

import numpy as np
import pytest

import flern.torch as ft
from flern import _collect


def _collected(t):
    return _collect.tensor_to_numpy(_collect.collect([t._node])[0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4)])
def test_source_numpy_equals_collect(dtype, shape):
    rng = np.random.default_rng(len(shape))
    a = (rng.standard_normal(shape) * 1e3).astype(dtype)
    if dtype.startswith("float") and a.size:
        a.reshape(-1)[0] = np.nan
    if dtype == "int64" and a.size:
        a.reshape(-1)[-1] = np.iinfo(np.int64).min
    for make in (ft.from_numpy, ft.tensor):
        t = make(a)
        got, ref = t.numpy(), _collected(make(a))
        assert got.dtype == ref.dtype and got.shape == ref.shape == a.shape
        np.testing.assert_array_equal(got, ref)
        assert got.flags.writeable == ref.flags.writeable


def test_source_numpy_of_strided_input_and_torch_conversion():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]  # not contiguous
    t = ft.from_numpy(a)
    np.testing.assert_array_equal(t.numpy(), a)
    t2 = ft.tensor([[1.5, 2.0], [3.0, 4.25]])
    np.testing.assert_array_equal(t2.numpy(), np.array([[1.5, 2.0], [3.0, 4.25]], np.float32))


def test_load_state_dict_from_flern_tensors():
    m = ft.nn.Linear(3, 2)
    sd = {"weight": np.arange(6, dtype=np.float32).reshape(2, 3), "bias": np.array([0.5, -1.0], np.float32)}
    m.load_state_dict({k: ft.tensor(v) for k, v in sd.items()})
    out = m(ft.from_numpy(np.ones((1, 3), np.float32))).numpy()
    np.testing.assert_allclose(out, np.ones((1, 3), np.float32) @ sd["weight"].T + sd["bias"])
