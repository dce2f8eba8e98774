"""Tensor v0: differential tests against numpy (PyTorch is not installed here;
the expected dtypes follow torch's promotion rules, written out per case)."""

import itertools

import numpy as np
import pytest

import flern.pandas as fpd
import flern.torch as torch
from flern.errors import FlernNotImplementedError, FlernTypeError, FlernValueError

RNG = np.random.default_rng(0)


def rand(shape, dtype):
    if dtype == np.bool_:
        return RNG.random(shape) > 0.5
    if dtype == np.int64:
        return RNG.integers(-5, 6, size=shape).astype(np.int64)
    return RNG.standard_normal(shape).astype(dtype)


def check(t, expected, dtype=None, rtol=1e-6, atol=1e-6):
    got = t.numpy()
    expected = np.asarray(expected)
    if dtype is not None:
        assert t.dtype is dtype, (t.dtype, dtype)
        assert got.dtype == np.dtype(dtype.name)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert tuple(t.shape) == expected.shape
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, expected.astype(got.dtype), rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


# ---- creation and the boundary --------------------------------------------------
def test_roundtrip_dtypes_and_shapes():
    for dt in (np.float32, np.float64, np.int64, np.bool_):
        for shape in [(), (0,), (3,), (2, 0, 3), (2, 3, 4)]:
            a = rand(shape, dt)
            t = torch.from_numpy(a)
            check(t, a)
            assert t.dtype.name == np.dtype(dt).name


def test_numpy_result_is_zero_copy_readonly():
    t = torch.from_numpy(np.arange(6, dtype=np.float32)) + 1
    a = t.numpy()
    assert not a.flags.writeable  # shares the native buffer
    np.testing.assert_array_equal(a, np.arange(1, 7, dtype=np.float32))


def test_tensor_constructor_dtypes():
    assert torch.tensor([1.0, 2.0]).dtype is torch.float32
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor(np.array([1.0])).dtype is torch.float64
    assert torch.tensor([1, 2], dtype=torch.float64).dtype is torch.float64
    assert torch.tensor(3.5).item() == 3.5
    assert torch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


def test_int64_edges_exact():
    big = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min, 0], dtype=np.int64)
    check(torch.from_numpy(big) + 0, big)
    check(torch.from_numpy(big) + 1, big + 1)  # wraps, as torch
    check(torch.full((2,), 2**62) * 2, np.array([2**63 - 1 + 1] * 2, dtype=np.uint64).astype(np.int64))
    assert torch.full((1,), np.iinfo(np.int64).max).item() == np.iinfo(np.int64).max


def test_creation():
    check(torch.zeros(2, 3), np.zeros((2, 3), np.float32), torch.float32)
    check(torch.ones((2,), dtype=torch.int64), np.ones(2, np.int64), torch.int64)
    check(torch.full((2, 2), 7), np.full((2, 2), 7), torch.int64)
    check(torch.full((2,), float("nan")), np.full(2, np.nan, np.float32), torch.float32)
    check(torch.full((1,), True), np.array([True]), torch.bool)
    check(torch.arange(5), np.arange(5), torch.int64)
    check(torch.arange(1, 10, 3), np.arange(1, 10, 3), torch.int64)
    check(torch.arange(0, 1, 0.25), np.arange(0, 1, 0.25, dtype=np.float32), torch.float32)
    check(torch.arange(5, 0, -2), np.arange(5, 0, -2), torch.int64)
    check(torch.arange(0), np.arange(0), torch.int64)


# ---- elementwise ----------------------------------------------------------------------
SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((4, 1, 3), (2, 1)), ((0, 3), (1, 3)),
               ((), (2, 2)), ((2, 0), (2, 1)), ((1,), ())]

ARITH = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
@pytest.mark.parametrize("op", sorted(ARITH))
def test_binary_broadcast_float32(op, sa, sb):
    a, b = rand(sa, np.float32), rand(sb, np.float32)
    fn = getattr(torch, op) if op not in ("maximum", "minimum") else getattr(torch, op)
    check(fn(torch.from_numpy(a), torch.from_numpy(b)), ARITH[op](a, b), torch.float32)


@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_broadcast_int64_and_compare(sa, sb):
    a, b = rand(sa, np.int64), rand(sb, np.int64)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    check(ta + tb, a + b, torch.int64)
    check(ta * tb, a * b, torch.int64)
    check(ta - tb, a - b, torch.int64)
    for name, fn in [("lt", np.less), ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal),
                     ("eq", np.equal), ("ne", np.not_equal)]:
        check(getattr(ta, name)(tb), fn(a, b), torch.bool)


def test_true_division_int_gives_float32():
    a, b = np.array([1, -7, 0, 5], np.int64), np.array([2, 2, 0, 0], np.int64)
    with np.errstate(all="ignore"):
        check(torch.from_numpy(a) / torch.from_numpy(b), (a / b).astype(np.float32), torch.float32)


PROMOTION = [  # (a dtype, b dtype or python scalar, expected result dtype) -- torch.result_type
    (np.int64, np.float32, torch.float32), (np.int64, np.float64, torch.float64), (np.bool_, np.int64, torch.int64),
    (np.float32, np.float64, torch.float64), (np.bool_, np.bool_, torch.bool), (np.bool_, np.float32, torch.float32),
    (np.int64, 2.5, torch.float32), (np.float32, 2, torch.float32), (np.bool_, 1, torch.int64),
    (np.int64, True, torch.int64), (np.float64, 2.5, torch.float64), (np.bool_, 1.5, torch.float32),
]


@pytest.mark.parametrize("da,db,want", PROMOTION)
def test_promotion(da, db, want):
    a = rand((3,), da)
    b = rand((3,), db) if isinstance(db, type) else db
    tb = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
    r = torch.from_numpy(a) + tb
    assert r.dtype is want
    expected = a.astype(np.float64) + (np.asarray(b).astype(np.float64))
    check(r, expected.astype(want.name) if want is not torch.bool else np.logical_or(a, b))


def test_zero_dim_tensor_does_not_promote_within_category():
    a = torch.from_numpy(np.ones(3, np.float32))
    assert (a + torch.from_numpy(np.array(2.0))).dtype is torch.float32  # float64 0-dim
    assert (torch.from_numpy(np.ones(3, np.int64)) + torch.from_numpy(np.array(2.0))).dtype is torch.float64


def test_reflected_scalar_ops():
    a = rand((2, 3), np.float32)
    t = torch.from_numpy(a)
    check(1 - t, 1 - a)
    check(2 / t, np.float32(2) / a, rtol=1e-5)
    check(2 ** t, np.float32(2) ** a, rtol=1e-5)
    check(-t, -a)
    check(abs(t), np.abs(a))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh"])
def test_unary_float_with_nan_inf(name):
    a = np.array([-2.0, -0.0, 0.0, 0.5, 3.0, np.inf, -np.inf, np.nan, 1e-30, 80.0], np.float32)
    ref = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
           "relu": lambda x: np.where(np.isnan(x), x, np.maximum(x, 0)),
           "sigmoid": lambda x: 1 / (1 + np.exp(-x.astype(np.float64))), "tanh": np.tanh}[name]
    with np.errstate(all="ignore"):
        expected = ref(a)
    check(getattr(torch, name)(torch.from_numpy(a)), expected.astype(np.float32), torch.float32, rtol=2e-6)


def test_unary_int_to_float32():
    a = np.array([0, 1, 4, 9], np.int64)
    check(torch.sqrt(torch.from_numpy(a)), np.sqrt(a).astype(np.float32), torch.float32)
    check(torch.from_numpy(a).abs(), a, torch.int64)
    check(torch.from_numpy(-a).relu(), np.zeros(4, np.int64), torch.int64)


def test_where_and_pow():
    a, b = rand((2, 3), np.float32), rand((3,), np.float32)
    c = a > 0
    check(torch.where(torch.from_numpy(c), torch.from_numpy(a), torch.from_numpy(b)), np.where(c, a, b))
    check(torch.where(torch.from_numpy(c), torch.from_numpy(a), 0.0), np.where(c, a, 0).astype(np.float32),
          torch.float32)
    check(torch.from_numpy(np.array([2, 3], np.int64)) ** 3, np.array([8, 27]), torch.int64)
    with pytest.raises(FlernValueError, match="negative integer powers"):
        (torch.from_numpy(np.array([2], np.int64)) ** -1).numpy()


def test_bool_ops():
    a, b = rand((4,), np.bool_), rand((4,), np.bool_)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    check(ta + tb, a | b, torch.bool)
    check(ta * tb, a & b, torch.bool)
    with pytest.raises(FlernTypeError, match="Subtraction"):
        (ta - tb).numpy()
    with pytest.raises(FlernTypeError, match="Negation"):
        (-ta).numpy()


# ---- matmul -------------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((7, 1, 2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((0, 3), (3, 2)),
                 ((2, 0), (0, 3))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64])
def test_matmul(sa, sb, dt):
    a, b = rand(sa, dt), rand(sb, dt)
    check(torch.from_numpy(a) @ torch.from_numpy(b), np.matmul(a, b), rtol=1e-5, atol=1e-5)


def test_matmul_errors_name_user_line():
    a, b = torch.zeros(2, 3), torch.zeros(4, 5)
    c = a @ b  # the line the error must name
    line = __import__("inspect").currentframe().f_lineno - 1
    with pytest.raises(FlernValueError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)") as ei:
        c.numpy()
    assert ei.value.loc.endswith(f"test_tensor.py:{line}")
    assert ei.value.op == "matmul"
    with pytest.raises(FlernTypeError, match="same dtype"):
        (torch.zeros(2, 3) @ torch.zeros(3, 2, dtype=torch.float64)).numpy()


# ---- reductions -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (0, 3)])
def test_sum_mean(shape):
    a = rand(shape, np.float32)
    t = torch.from_numpy(a)
    check(t.sum(), a.sum(dtype=np.float64).astype(np.float32), torch.float32, rtol=1e-5)
    for d in range(-len(shape), len(shape)):
        for keep in (False, True):
            check(t.sum(d, keepdim=keep), a.sum(axis=d, keepdims=keep), rtol=1e-5, atol=1e-5)
            with np.errstate(all="ignore"):
                check(t.mean(d, keepdim=keep), a.mean(axis=d, keepdims=keep), rtol=1e-5, atol=1e-5)
    if len(shape) >= 2:
        check(t.sum((0, -1)), a.sum(axis=(0, len(shape) - 1)), rtol=1e-5, atol=1e-5)
    ai = rand(shape, np.int64)
    check(torch.from_numpy(ai).sum(0), ai.sum(0), torch.int64)
    ab = rand(shape, np.bool_)
    check(torch.from_numpy(ab).sum(), np.int64(ab.sum()), torch.int64)


def test_mean_of_int_raises():
    with pytest.raises(FlernTypeError, match="mean\\(\\): could not infer output dtype"):
        torch.arange(4).mean().numpy()


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64])
def test_max_min_argmax(dt):
    a = rand((4, 5), dt)
    t = torch.from_numpy(a)
    check(t.max(), a.max())
    check(t.min(), a.min())
    check(t.argmax(), np.int64(a.argmax()), torch.int64)
    for d in (0, 1, -1):
        v, i = t.max(d)
        check(v, a.max(axis=d))
        check(i, a.argmax(axis=d), torch.int64)
        v, i = t.min(d, keepdim=True)
        check(v, a.min(axis=d, keepdims=True))
        check(i, np.expand_dims(a.argmin(axis=d), d), torch.int64)


def test_max_nan_and_ties():
    a = np.array([[1.0, np.nan, 3.0], [2.0, 2.0, 1.0]], np.float32)
    t = torch.from_numpy(a)
    check(t.max(1).values, np.array([np.nan, 2.0], np.float32))
    check(t.argmax(1), np.array([1, 0]))  # NaN counts as largest; first of ties
    assert np.isnan(t.max().item())


def test_max_of_empty_raises():
    with pytest.raises(FlernValueError, match="Expected reduction dim to be specified"):
        torch.zeros(0).max().numpy()


# ---- layout ---------------------------------------------------------------------------------------
def test_layout_ops():
    a = rand((2, 3, 4), np.float32)
    t = torch.from_numpy(a)
    check(t.reshape(6, -1), a.reshape(6, -1))
    check(t.view(-1), a.reshape(-1))
    check(t.transpose(0, 2), a.transpose(2, 1, 0))
    check(t.permute(1, 2, 0), a.transpose(1, 2, 0))
    check(t.unsqueeze(1), a[:, None])
    check(t.unsqueeze(-1), a[..., None])
    check(t.flatten(), a.reshape(-1))
    check(t.flatten(1), a.reshape(2, -1))
    check(torch.from_numpy(a[:1, :, :1]).squeeze(), a[0, :, 0])
    check(torch.from_numpy(a[:1]).squeeze(0), a[0])
    check(t.T, a.T)
    check(t.permute(2, 0, 1).reshape(4, 6) @ torch.from_numpy(np.ones((6, 1), np.float32)),
          a.transpose(2, 0, 1).reshape(4, 6) @ np.ones((6, 1), np.float32), rtol=1e-5)
    with pytest.raises(FlernValueError, match=r"shape '\[5, 5\]' is invalid for input of size 24"):
        t.reshape(5, 5).numpy()
    with pytest.raises(FlernValueError, match="Dimension out of range"):
        t.transpose(0, 3).numpy()


# ---- Python API surface ----------------------------------------------------------------------------
def test_shape_dtype_repr_item():
    t = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.size(1) == 2 and t.dim() == 2 and t.numel() == 4 and len(t) == 2
    assert repr(t) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(torch.tensor([1, 2], dtype=torch.float64)) == "tensor([1., 2.], dtype=torch.float64)"
    assert t.sum().item() == 10.0
    assert bool(t.sum() > 5)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        t.item()


def test_torch_namespace_unknown_name():
    with pytest.raises(NotImplementedError, match="torch.conv2d"):
        torch.conv2d
    assert torch.float is torch.float32 and torch.long is torch.int64


# ---- the frame -> tensor hand-off --------------------------------------------------------------------
def test_frame_to_tensor_matmul_pipeline():
    pdf = {"a": RNG.integers(0, 10, 50), "b": RNG.standard_normal(50), "c": RNG.standard_normal(50),
           "name": ["x"] * 50}
    df = fpd.DataFrame(pdf)
    w = rand((3, 2), np.float32)
    sel = df[df["a"] > 3][["a", "b", "c"]]
    x = sel.to_tensor()
    out = (x @ torch.from_numpy(w)).relu().sum(0)
    assert x.dtype is torch.float32
    import pandas as pd
    ref_df = pd.DataFrame(pdf)
    ref = ref_df[ref_df["a"] > 3][["a", "b", "c"]].to_numpy().astype(np.float32)
    check(x, ref)
    assert x.shape == ref.shape
    check(out, np.maximum(ref @ w, 0).sum(0), rtol=1e-5, atol=1e-5)
    check(df[["a"]].to_tensor(dtype=torch.int64), pdf["a"].reshape(-1, 1), torch.int64)


def test_to_tensor_rejects_strings():
    df = fpd.DataFrame({"s": ["a", "b"]})
    with pytest.raises(FlernTypeError, match="can't convert column 's'|can't convert column \"s\""):
        df.to_tensor().numpy()
