"""Tensor ops and their gradients against PyTorch: the same computation is built in
torch and in flern.torch from the same numpy data; forward values and the .grad of
every float input are compared (float64 tight, float32 looser)."""

from __future__ import annotations

import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import flern.nn.functional as FF  # noqa: E402
import flern.torch as ft  # noqa: E402
from flern.errors import FlernError  # noqa: E402

TF = torch_ref.nn.functional
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-5, atol=2e-6)}


def both(fn, *arrays, dtype=np.float64, grad=True, tol=None, seed=0):
    """Run fn(T, F, *tensors) with T = torch and with T = flern.torch; compare the
    outputs (a tensor or a tuple) and the gradients of a random weighting of them
    with respect to every float input. Non-float arrays pass through as int/bool
    tensors."""
    tol = tol or TOL[dtype]
    rng = np.random.default_rng(seed)

    def inputs(T):
        out = []
        for a in arrays:
            a = np.asarray(a)
            if a.dtype.kind == "f":
                out.append(T.tensor(a.astype(dtype), requires_grad=grad))
            else:
                out.append(T.tensor(a))
        return out

    tin, fin = inputs(torch_ref), inputs(ft)
    tout, fout = fn(torch_ref, TF, *tin), fn(ft, FF, *fin)
    touts = tout if isinstance(tout, tuple) else (tout,)
    fouts = fout if isinstance(fout, tuple) else (fout,)
    assert len(touts) == len(fouts)
    for t, f in zip(touts, fouts):
        tv = t.detach().numpy()
        fv = f.numpy()
        assert fv.shape == tv.shape, (fv.shape, tv.shape)
        assert fv.dtype == tv.dtype, (fv.dtype, tv.dtype)
        np.testing.assert_allclose(fv, tv, **tol)
    if not grad:
        return fout
    diff = [(t, f) for t, f in zip(touts, fouts) if t.requires_grad]
    if not diff:
        return fout
    ws = [rng.standard_normal(t.shape).astype(t.detach().numpy().dtype) for t, _ in diff]
    tl = sum((t * torch_ref.tensor(w)).sum() for (t, _), w in zip(diff, ws))
    fl = sum((f * ft.tensor(w)).sum() for (_, f), w in zip(diff, ws))
    tl.backward()
    fl.backward()
    for i, (t, f) in enumerate(zip(tin, fin)):
        if not t.requires_grad:
            continue
        tg = np.zeros(t.shape, t.detach().numpy().dtype) if t.grad is None else t.grad.numpy()
        fg = f.grad.numpy() if f.grad is not None else np.zeros_like(tg)
        np.testing.assert_allclose(fg, tg, err_msg=f"grad of input {i}", **tol)
    return fout


R = np.random.default_rng(42)


def rn(*shape):
    return R.standard_normal(shape)


# ---- indexing ----------------------------------------------------------------------
INDEX_CASES = [
    ("int", lambda x: x[1]),
    ("negative int", lambda x: x[-1, -2]),
    ("slice", lambda x: x[:, 1:3]),
    ("slice step", lambda x: x[::2, 1::3]),
    ("negative slice", lambda x: x[-3:-1]),
    ("empty slice", lambda x: x[3:1]),
    ("clamped slice", lambda x: x[1:100, -100:2]),
    ("ellipsis", lambda x: x[..., 2]),
    ("none", lambda x: x[None, :, None, 0]),
    ("ellipsis none", lambda x: x[..., None]),
    ("int then slice", lambda x: x[2, ::-1 + 3]),
]


@pytest.mark.parametrize("name,f", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_basic_indexing(name, f, dtype):
    both(lambda T, F, x: f(x), rn(4, 5), dtype=dtype)


def test_advanced_indexing():
    idx = np.array([3, 0, 0, -1])
    both(lambda T, F, x, i: x[i], rn(4, 3), idx)
    both(lambda T, F, x, i: x[:, i], rn(2, 4), idx)
    both(lambda T, F, x, i: x[1:, i], rn(3, 4, 2), idx)
    both(lambda T, F, x, i: x[i], rn(5, 2), np.array([[0, 4], [2, 2], [1, 3]]))
    both(lambda T, F, x, i: x[i], rn(5, 2), np.zeros(0, np.int64))
    both(lambda T, F, x: x[[2, 0]], rn(3, 2))
    both(lambda T, F, x, i: x[0, i], rn(3, 4), idx)  # int next to the index tensor


def test_mask_indexing():
    x = rn(5, 3)
    both(lambda T, F, x, m: x[m], x, x[:, 0] > 0)
    both(lambda T, F, x, m: x[m], x, x > 0)
    both(lambda T, F, x, m: x[m], x, np.zeros((5, 3), bool))
    both(lambda T, F, x: x[x > 0.5] * 2, x)


def test_indexing_int_and_bool_dtypes():
    a = np.arange(12).reshape(3, 4)
    both(lambda T, F, x: x[1:, ::2], a, grad=False)
    both(lambda T, F, x: x[x > 3], a, grad=False)
    both(lambda T, F, x: x[:, [1, 1]], a > 5, grad=False)


def test_indexing_errors():
    x = ft.tensor(rn(3, 4))
    with pytest.raises(IndexError, match="out of bounds"):
        x[3].numpy()
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 3"):
        x[ft.tensor([0, 5])].numpy()
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(NotImplementedError):
        x[ft.tensor([0]), ft.tensor([1])]
    with pytest.raises(NotImplementedError, match="__setitem__"):
        x[0] = 1.0
    try:
        x[7].numpy()
    except FlernError as e:
        assert "test_torch_parity.py" in str(e)  # the user's line


# ---- gather / index_select / cat / stack -----------------------------------------------
def test_gather():
    idx = np.array([[0, 2, 2], [1, 0, 1]])
    both(lambda T, F, x, i: T.gather(x, 1, i), rn(2, 3), idx)
    both(lambda T, F, x, i: x.gather(0, i), rn(3, 4), np.array([[2, 0, 1, 1]]))
    both(lambda T, F, x, i: x.gather(-1, i), rn(2, 2, 3), np.array([[[2], [0]], [[1], [1]]]))
    with pytest.raises(FlernError, match="out of bounds"):
        ft.gather(ft.tensor(rn(2, 3)), 1, ft.tensor([[0, 3]])).numpy()
    with pytest.raises(FlernError, match="int64"):
        ft.gather(ft.tensor(rn(2, 3)), 1, ft.tensor([[0.0]])).numpy()


def test_index_select():
    idx = np.array([2, 0, 2])
    both(lambda T, F, x, i: T.index_select(x, 0, i), rn(3, 2), idx)
    both(lambda T, F, x, i: x.index_select(-1, i), rn(2, 3), idx)
    both(lambda T, F, x, i: x.index_select(1, i), np.arange(6).reshape(2, 3), idx, grad=False)
    with pytest.raises(IndexError, match="index out of range"):
        ft.index_select(ft.tensor(rn(3)), 0, ft.tensor([-1])).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cat_stack(dtype):
    both(lambda T, F, a, b: T.cat([a, b, a], 0), rn(2, 3), rn(1, 3), dtype=dtype)
    both(lambda T, F, a, b: T.cat([a, b], dim=-1), rn(2, 3), rn(2, 1), dtype=dtype)
    both(lambda T, F, a, b: T.cat([a, b], 1), rn(2, 0), rn(2, 2), dtype=dtype)
    both(lambda T, F, a, b: T.stack([a, b], 1), rn(2, 3), rn(2, 3), dtype=dtype)
    both(lambda T, F, a, b: T.stack([a, b], -1), rn(3), rn(3), dtype=dtype)


def test_split_chunk_unbind_expand_repeat():
    both(lambda T, F, x: x.split(2, 1), rn(3, 5))
    both(lambda T, F, x: T.split(x, [1, 3, 1], dim=-1), rn(2, 5))
    both(lambda T, F, x: x.chunk(3, 0), rn(7, 2))
    both(lambda T, F, x: T.chunk(x, 4, 1), rn(2, 3))
    both(lambda T, F, x: x.unbind(1), rn(2, 3))
    both(lambda T, F, x: x.expand(2, -1, 3), rn(4, 1))
    both(lambda T, F, x, y: x.expand_as(y) * y, rn(1, 3), rn(2, 3))
    both(lambda T, F, x: x.repeat(2, 1, 3), rn(2, 2))
    both(lambda T, F, x: x.expand(3, 2), np.array([True, False]), grad=False)
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        ft.tensor(rn(4)).split([1, 2])


def test_cat_promotes_and_errors():
    both(lambda T, F, a, b: T.cat([a, b]), rn(2), np.array([1, 2]), grad=False)
    both(lambda T, F, a, b: T.cat([a, b]), np.array([True]), np.array([1, 2]), grad=False)
    with pytest.raises(FlernError, match="Sizes of tensors must match except in dimension 0") as e:
        ft.cat([ft.tensor(rn(2, 3)), ft.tensor(rn(2, 2))]).numpy()
    assert "test_torch_parity.py" in str(e.value)
    with pytest.raises(FlernError, match="Dimension out of range"):
        ft.cat([ft.tensor(rn(2))], 1).numpy()
    with pytest.raises(RuntimeError, match="non-empty"):
        ft.cat([])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        ft.stack([ft.tensor(rn(2)), ft.tensor(rn(3))])


# ---- softmax and friends ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dtype, dim):
    x = rn(3, 4) * 5
    both(lambda T, F, x: T.softmax(x, dim), x, dtype=dtype)
    both(lambda T, F, x: F.log_softmax(x, dim=dim), x, dtype=dtype)
    both(lambda T, F, x: x.softmax(dim) * x.log_softmax(dim), x, dtype=dtype)


def test_softmax_stable_and_empty():
    big = np.array([[1000.0, 0.0, -1000.0], [3e4, 3e4, 3e4]])
    both(lambda T, F, x: F.log_softmax(x, 1), big)
    both(lambda T, F, x: F.softmax(x, 1), big)
    both(lambda T, F, x: F.softmax(x, 1), rn(0, 3))
    both(lambda T, F, x: F.softmax(x, -1), rn(2, 3, 4))
    both(lambda T, F, x: F.softmax(x, 0), np.array(2.5))
    both(lambda T, F, x: F.log_softmax(x, 1), np.array([[np.inf, 0.0], [-np.inf, 0.0], [np.nan, 1.0]]), grad=False)
    both(lambda T, F, x: T.softmax(x, 1, dtype=T.float64), rn(2, 3), dtype=np.float32)
    with pytest.raises(FlernError, match="not implemented for 'Long'"):
        ft.softmax(ft.tensor([1, 2]), 0).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations(dtype):
    x = np.concatenate([rn(10) * 3, [0.0, -0.0, 1e-3, -40.0, 40.0]])
    both(lambda T, F, x: F.gelu(x), x, dtype=dtype)
    both(lambda T, F, x: F.gelu(x, approximate="tanh"), x, dtype=dtype)
    both(lambda T, F, x: F.leaky_relu(x), x, dtype=dtype)
    both(lambda T, F, x: F.leaky_relu(x, 0.2), x, dtype=dtype)
    both(lambda T, F, x: F.logsigmoid(x), x, dtype=dtype)
    both(lambda T, F, x: F.softplus(x), x, dtype=dtype)
    both(lambda T, F, x: T.erf(x), x, dtype=dtype)


def test_clamp():
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.nan])
    both(lambda T, F, x: T.clamp(x, -1.0, 1.0), x)
    both(lambda T, F, x: x.clamp(min=0.0), x)
    both(lambda T, F, x: x.clamp(max=0.5), x)
    both(lambda T, F, x: x.clip(-0.5, 0.5), x)
    both(lambda T, F, x, lo: T.clamp(x, min=lo), rn(2, 3), rn(3))
    both(lambda T, F, x: T.clamp(x, 0.5, 3), np.arange(-3, 5), grad=False)
    both(lambda T, F, x: T.clamp(x, 1, 3), np.arange(-3, 5), grad=False)
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ft.clamp(ft.tensor([1.0]))


def test_elementwise_math():
    a, b = rn(2, 3), np.abs(rn(3)) + 0.5
    both(lambda T, F, a, b: T.maximum(a, b) + T.minimum(a, b), a, b)
    both(lambda T, F, a, b: b ** a, a, b)
    both(lambda T, F, a, b: T.pow(b, 2.5).sqrt() + a.abs(), a, b)
    both(lambda T, F, a: T.var(a, 1, keepdim=True) + a.std(0, keepdim=True), a)
    both(lambda T, F, a: a.var(unbiased=False) + a.var(correction=0, dim=[0, 1]), a)


# ---- hypothesis: slicing on random shapes ------------------------------------------------
try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @settings(max_examples=25, deadline=None)
    @given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=3), data=st.data())
    def test_slicing_hypothesis(shape, data):
        key = []
        for d in shape:
            kind = data.draw(st.sampled_from(["slice", "int", "all"]))
            if kind == "int" and d > 0:
                key.append(data.draw(st.integers(-d, d - 1)))
            elif kind == "slice":
                key.append(slice(data.draw(st.one_of(st.none(), st.integers(-5, 5))),
                                 data.draw(st.one_of(st.none(), st.integers(-5, 5))),
                                 data.draw(st.one_of(st.none(), st.integers(1, 3)))))
            else:
                key.append(slice(None))
        x = R.standard_normal(shape)
        both(lambda T, F, x: x[tuple(key)] * 1.0, x)

    @settings(max_examples=20, deadline=None)
    @given(shapes=st.lists(st.integers(0, 3), min_size=1, max_size=4), rows=st.integers(1, 3),
           dim=st.sampled_from([0, 1, -1]))
    def test_cat_softmax_hypothesis(shapes, rows, dim):
        xs = [R.standard_normal((rows, s)) if dim != 0 else R.standard_normal((s, rows)) for s in shapes]
        d = 0 if dim == 0 else dim
        both(lambda T, F, *ts: F.log_softmax(T.cat(list(ts), d), dim=-1 if d == 0 else 0), *xs)


# ---- random ops -----------------------------------------------------------------------
def test_random_ops_seeded_and_deterministic():
    ft.manual_seed(123)
    a = ft.randn(1000).numpy()
    b = ft.rand(3, 4, dtype=ft.float64).numpy()
    p = ft.randperm(50).numpy()
    ft.manual_seed(123)
    np.testing.assert_array_equal(ft.randn(1000).numpy(), a)
    np.testing.assert_array_equal(ft.rand(3, 4, dtype=ft.float64).numpy(), b)
    np.testing.assert_array_equal(ft.randperm(50).numpy(), p)
    assert a.dtype == np.float32 and b.dtype == np.float64 and p.dtype == np.int64
    assert abs(a.mean()) < 0.15 and 0.85 < a.std() < 1.15
    assert ((b >= 0) & (b < 1)).all()
    assert sorted(p.tolist()) == list(range(50))
    assert not np.array_equal(ft.randn(1000).numpy(), a)  # the stream moves on
    g1, g2 = ft.Generator().manual_seed(7), ft.Generator().manual_seed(7)
    np.testing.assert_array_equal(ft.rand(5, generator=g1).numpy(), ft.rand(5, generator=g2).numpy())
    x = ft.zeros(2, 3, dtype=ft.float64)
    r = ft.randn_like(x)
    assert r.dtype is ft.float64 and tuple(r.shape) == (2, 3)
    assert ft.randperm(0).numpy().shape == (0,)
    with pytest.raises(TypeError):
        ft.rand(2, dtype=ft.int64)
