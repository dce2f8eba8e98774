"""PyTorch-shaped tensors recorded lazily into flern's one graph.

A :class:`Tensor` only records nodes (golib/tensor/tensor.go defines each op's
dtype/shape rules, exec/interp/tensor.go its semantics); nothing runs until a
value is needed (``numpy()``, ``tolist()``, ``item()``, ``repr``, ``bool``).

Shapes and dtypes are not tracked in Python: ``.shape``/``.dtype`` ask the
native core's type inference (one compile, cached per tensor), so the Python
side cannot drift from the core's PyTorch rules. A size known only at run time
(the row count of ``DataFrame.to_tensor()``) is found by running the plan.
Errors (bad shapes, dtypes) are therefore raised when a value or the shape is
first requested, naming the user's line that recorded the failing op.

Python scalars become ``full(shape=[], wrapped=True)`` nodes and promote by
category only, as torch's "wrapped numbers" (``int64 tensor + 2.5`` is
float32; ``float32 tensor * 2.0`` stays float32).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import numbers
import threading
import warnings
import weakref
from typing import Any, Sequence

import numpy as np

from ._graph import Node


class dtype:
    """A tensor element type (``flern.torch.float32`` ...)."""

    __slots__ = ("name", "is_floating_point")

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_floating_point = name in ("float32", "float64")

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float32 = dtype("float32")
float64 = dtype("float64")
int64 = dtype("int64")
bool_ = dtype("bool")
_DTYPES = {d.name: d for d in (float32, float64, int64, bool_)}


def _dtype_by_name(name: str) -> dtype:
    return _DTYPES[name]


_NP_DTYPES = {np.dtype(n): d for n, d in _DTYPES.items()}


def _as_dtype(d: Any) -> dtype | None:
    """A flern dtype from a dtype, numpy dtype, Python type or name (None stays None)."""
    if d is None or isinstance(d, dtype):
        return d
    if isinstance(d, np.dtype):  # a tensor's array's dtype (numpy's dtype.name is slow)
        hit = _NP_DTYPES.get(d)
        if hit is not None:
            return hit
    if d is bool:
        return bool_
    if d is int:
        return int64
    if d is float:
        return float32
    name = np.dtype(d).name
    if name not in _DTYPES:
        from .errors import not_implemented
        raise not_implemented(f"tensors of dtype {name}")
    return _DTYPES[name]


class Size(tuple):
    """A tensor's shape (``torch.Size``)."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])


# ---- autograd state ------------------------------------------------------------------
# Which recorded nodes require grad lives beside the graph, keyed by node, so
# every op records as before: an op's result requires grad when grad mode is on
# and one of its inputs does (ops with a bool/int result never do). backward()
# records one grad node per leaf; the Go core (golib/autodiff) derives the
# gradient graph.
_REQUIRES_GRAD: "weakref.WeakSet[Node]" = weakref.WeakSet()  # nodes that require grad
_LEAVES: "weakref.WeakSet[Node]" = weakref.WeakSet()  # user-created tensors with requires_grad=True
_GRADS: "weakref.WeakKeyDictionary[Node, Tensor]" = weakref.WeakKeyDictionary()  # leaf -> .grad
_NO_GRAD_OPS = {"eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin", "detach", "to_tensor", "rand_like",
                "randn_like"}
_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_grad_mode, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    _grad_mode.enabled = bool(mode)


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self):
        self.prev = is_grad_enabled()
        set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc) -> None:
        set_grad_enabled(self.prev)


class no_grad(_GradMode):
    """``torch.no_grad()``: operations recorded inside do not track gradients."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """``torch.enable_grad()``."""

    def __init__(self) -> None:
        super().__init__(True)


def _tracks(node: Node) -> bool:
    if not is_grad_enabled() or node.op in _NO_GRAD_OPS:
        return False
    if node.op == "cast" and node.attrs.get("dtype") not in ("float32", "float64"):
        return False
    return any(i in _REQUIRES_GRAD for i in node.inputs)


def _grad_leaves(root: Node) -> list[Node]:
    """The leaves requiring grad that root depends on through tracked ops."""
    out, seen, stack = [], set(), [root]
    while stack:
        n = stack.pop()
        if id(n) in seen or n not in _REQUIRES_GRAD:
            continue
        seen.add(id(n))
        if n in _LEAVES:
            out.append(n)
        else:
            stack.extend(n.inputs)
    return out


def _no_grad_fn_error() -> RuntimeError:
    return RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")


def _seeded(output: "Tensor", grad_output: Any) -> Node:
    """The scalar whose gradient is the vector-Jacobian product with grad_output."""
    if grad_output is None:
        return output._node
    with no_grad():
        go = grad_output if isinstance(grad_output, Tensor) else tensor(grad_output)
        go = go.detach()
    return Node("sum", [Node("mul", [output._node, go._node])], {"dims": None, "keepdim": False})


def _scalar_node(x: Any) -> Node:
    """A Python (or numpy) scalar as a wrapped 0-dim full node."""
    if isinstance(x, (bool, np.bool_)):
        return Node("full", [], {"shape": [], "value": "true" if x else "false", "dtype": "bool", "wrapped": True})
    if isinstance(x, numbers.Integral):
        return Node("full", [], {"shape": [], "value": str(int(x)), "dtype": "int64", "wrapped": True})
    if isinstance(x, numbers.Real):
        return Node("full", [], {"shape": [], "value": repr(float(x)), "dtype": "float64", "wrapped": True})
    raise TypeError(f"unsupported operand type {type(x).__name__} for a tensor operation")


def _operand(x: Any) -> tuple[Node, bool]:
    if isinstance(x, Tensor):
        return x._node, False
    if isinstance(x, np.ndarray):
        return from_numpy(x)._node, False
    return _scalar_node(x), True


def _binary(op: str, a: Any, b: Any) -> "Tensor":
    na, wa = _operand(a)
    nb, wb = _operand(b)
    attrs = {}
    if wa:
        attrs["wrapped0"] = True
    if wb:
        attrs["wrapped1"] = True
    return Tensor._from_node(Node(op, [na, nb], attrs))


def _dims(dim: Any) -> list[int] | None:
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return [int(d) for d in dim]
    return [int(dim)]


def _shape_args(shape: Sequence[Any]) -> list[int]:
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    return [int(d) for d in shape]


class Tensor:
    """A lazily computed tensor (see the module docstring)."""

    __slots__ = ("_node", "_type", "_value", "__weakref__")
    __hash__ = object.__hash__

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        t = tensor(data, dtype=dtype, requires_grad=requires_grad)
        self._node, self._type, self._value = t._node, None, None

    def __getattr__(self, name: str) -> Any:
        """A torch.Tensor attribute flern lacks: NotImplementedError naming it (also an
        AttributeError, so hasattr() answers False); a property's own AttributeError stays."""
        if name.startswith("_"):
            raise AttributeError(name)
        if any(name in k.__dict__ for k in type(self).__mro__):
            return object.__getattribute__(self, name)
        from .errors import unsupported_attribute
        raise unsupported_attribute(f"Tensor.{name}")

    @classmethod
    def _from_node(cls, node: Node, track: bool = True) -> "Tensor":
        t = cls.__new__(cls)
        t._node, t._type, t._value = node, None, None
        if track and node.inputs and _tracks(node):
            _REQUIRES_GRAD.add(node)
        return t

    # ---- autograd ---------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._node in _REQUIRES_GRAD

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        return self._node not in _REQUIRES_GRAD or self._node in _LEAVES

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad:
            if not self.dtype.is_floating_point:
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
            if self._node.inputs and self._node.op != "detach":
                # A computed tensor becomes a leaf: cut it from its inputs in the
                # graph itself, so every plan that reads it sees a leaf.
                self._node = Node("detach", [self._node])
            _REQUIRES_GRAD.add(self._node)
            _LEAVES.add(self._node)
        else:
            _REQUIRES_GRAD.discard(self._node)
            _LEAVES.discard(self._node)
        return self

    @property
    def grad(self) -> "Tensor | None":
        """The accumulated gradient (a lazy tensor) of a leaf; None for non-leaves."""
        if not self.is_leaf:
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). flern does not support "
                          "retain_grad().", UserWarning, stacklevel=2)
            return None
        return _GRADS.get(self._node)

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is None:
            _GRADS.pop(self._node, None)
        elif not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
        else:
            _GRADS[self._node] = value

    def backward(self, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Record the gradient of this tensor w.r.t. every leaf it depends on and
        add it to each leaf's ``.grad`` (nothing runs until a value is read)."""
        if create_graph:
            from .errors import not_implemented
            raise not_implemented("backward(create_graph=True)")
        if not self.requires_grad:
            raise _no_grad_fn_error()
        loss = _seeded(self, gradient)
        leaves = _grad_leaves(self._node) if inputs is None else [
            t._node for t in ([inputs] if isinstance(inputs, Tensor) else inputs)]
        for leaf in leaves:
            g = Tensor._from_node(Node("grad", [loss, leaf]), track=False)
            old = _GRADS.get(leaf)
            _GRADS[leaf] = g if old is None else Tensor._from_node(Node("add", [old._node, g._node]), track=False)

    def detach(self) -> "Tensor":
        """The same values, cut from the gradient graph."""
        return Tensor._from_node(Node("detach", [self._node]), track=False)

    def detach_(self) -> "Tensor":
        if not self.is_leaf:
            raise RuntimeError("flern does not support detach_() on a non-leaf tensor; use detach()")
        return self.requires_grad_(False)

    def zero_(self) -> "Tensor":
        from .errors import not_implemented
        raise not_implemented("in-place zero_(); set .grad = None instead")

    # ---- type and shape (native type inference) -----------------------------
    def _infer(self) -> tuple[str, tuple[int, ...]]:
        if self._type is None:
            from . import _collect
            self._type = _collect.tensor_type(self._node)
        return self._type

    @property
    def dtype(self) -> dtype:
        return _DTYPES[self._infer()[0]]

    @property
    def shape(self) -> Size:
        shape = self._infer()[1]
        if any(d < 0 for d in shape):
            return Size(self.numpy().shape)
        return Size(shape)

    def size(self, dim: int | None = None):
        s = self.shape
        return s if dim is None else s[dim]

    def dim(self) -> int:
        return len(self._infer()[1])

    ndim = property(dim)

    def numel(self) -> int:
        return self.shape.numel()

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def __len__(self) -> int:
        s = self.shape
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    # ---- results --------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a numpy array (zero-copy from the native result; read-only)."""
        if self._value is None and self._node.op == "source_tensor":
            self._value = _source_value(self._node)
        if self._value is None:
            from . import _collect
            self._value = _collect.tensor_to_numpy(_collect.collect([self._node])[0])
            if self._node.op == "to_tensor":  # the hand-off's value: later plans read it, not the ETL
                from ._graph import KNOWN
                KNOWN[self._node] = self._value
        return self._value

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def explain(self, verbose: bool = False) -> str:
        """The optimized plan that computes this tensor (verbose: plus the recorded plan and passes)."""
        from . import _collect
        return _collect.explain(self._node, verbose)

    def item(self) -> Any:
        a = self.numpy()
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        return a.reshape(()).item()

    def __bool__(self) -> bool:
        a = self.numpy()
        if a.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(a.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __repr__(self) -> str:
        a = self.numpy()
        body = np.array2string(a, separator=", ", prefix="tensor(") if a.size else "[]"
        d = self.dtype
        suffix = "" if d in (float32, int64, bool_) and a.size else f", dtype={d!r}"
        if a.size == 0 and a.ndim != 1:
            suffix = f", size={tuple(a.shape)}" + suffix
        return f"tensor({body}{suffix})"

    # ---- arithmetic -----------------------------------------------------------
    def __add__(self, o): return _binary("add", self, o)
    def __radd__(self, o): return _binary("add", o, self)
    def __sub__(self, o): return _binary("sub", self, o)
    def __rsub__(self, o): return _binary("sub", o, self)
    def __mul__(self, o): return _binary("mul", self, o)
    def __rmul__(self, o): return _binary("mul", o, self)
    def __truediv__(self, o): return _binary("div", self, o)
    def __rtruediv__(self, o): return _binary("div", o, self)
    def __pow__(self, o): return _binary("pow", self, o)
    def __rpow__(self, o): return _binary("pow", o, self)
    def __matmul__(self, o): return matmul(self, o)
    def __rmatmul__(self, o): return matmul(o, self)
    def __neg__(self): return Tensor._from_node(Node("neg", [self._node]))
    def __abs__(self): return self.abs()
    def __eq__(self, o): return _binary("eq", self, o)  # type: ignore[override]
    def __ne__(self, o): return _binary("ne", self, o)  # type: ignore[override]
    def __lt__(self, o): return _binary("lt", self, o)
    def __le__(self, o): return _binary("le", self, o)
    def __gt__(self, o): return _binary("gt", self, o)
    def __ge__(self, o): return _binary("ge", self, o)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def maximum(self, o): return _binary("maximum", self, o)
    def minimum(self, o): return _binary("minimum", self, o)

    def _unary(self, op: str) -> "Tensor":
        return Tensor._from_node(Node(op, [self._node]))

    def exp(self): return self._unary("exp")
    def log(self): return self._unary("log")
    def sqrt(self): return self._unary("sqrt")
    def abs(self): return self._unary("abs")
    def relu(self): return self._unary("relu")
    def sigmoid(self): return self._unary("sigmoid")
    def tanh(self): return self._unary("tanh")

    # ---- dtype conversion -----------------------------------------------------
    def to(self, dtype: Any) -> "Tensor":
        return Tensor._from_node(Node("cast", [self._node], {"dtype": _as_dtype(dtype).name}))

    def float(self): return self.to(float32)
    def double(self): return self.to(float64)
    def long(self): return self.to(int64)
    def bool(self): return self.to(bool_)

    # ---- reductions -------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return Tensor._from_node(Node("sum", [self._node], {"dims": _dims(dim), "keepdim": bool(keepdim)}))

    def mean(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return Tensor._from_node(Node("mean", [self._node], {"dims": _dims(dim), "keepdim": bool(keepdim)}))

    def _extreme(self, op: str, dim: Any, keepdim: bool):
        if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
            return _binary("maximum" if op == "max" else "minimum", self, dim)
        if dim is None:
            return Tensor._from_node(Node(op, [self._node], {"dim": None, "keepdim": False}))
        attrs = {"dim": int(dim), "keepdim": bool(keepdim)}
        values = Tensor._from_node(Node(op, [self._node], attrs))
        indices = Tensor._from_node(Node("arg" + op, [self._node], attrs))
        return (max_result if op == "max" else min_result)(values, indices)

    def max(self, dim: Any = None, keepdim: bool = False):
        return self._extreme("max", dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False):
        return self._extreme("min", dim, keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return Tensor._from_node(Node("argmax", [self._node], {"dim": None if dim is None else int(dim),
                                                               "keepdim": bool(keepdim)}))

    def argmin(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return Tensor._from_node(Node("argmin", [self._node], {"dim": None if dim is None else int(dim),
                                                               "keepdim": bool(keepdim)}))

    # ---- layout -----------------------------------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        return Tensor._from_node(Node("reshape", [self._node], {"shape": _shape_args(shape)}))

    view = reshape

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        return Tensor._from_node(Node("transpose", [self._node], {"dim0": int(dim0), "dim1": int(dim1)}))

    def t(self) -> "Tensor":
        if self.dim() > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
        return self.transpose(0, -1) if self.dim() == 2 else self

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.dim())))

    def permute(self, *dims: Any) -> "Tensor":
        return Tensor._from_node(Node("permute", [self._node], {"dims": _shape_args(dims)}))

    def unsqueeze(self, dim: int) -> "Tensor":
        return Tensor._from_node(Node("unsqueeze", [self._node], {"dim": int(dim)}))

    def squeeze(self, dim: Any = None) -> "Tensor":
        return Tensor._from_node(Node("squeeze", [self._node], {"dims": _dims(dim)}))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        return Tensor._from_node(Node("flatten", [self._node], {"start_dim": int(start_dim), "end_dim": int(end_dim)}))

    # ---- indexing, joins, normalizations (tensor_index.py, functions below) -----
    def __getitem__(self, key: Any) -> "Tensor":
        from .tensor_index import getitem
        return getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        from .errors import not_implemented
        raise not_implemented("in-place assignment to a tensor (Tensor.__setitem__); use torch.where")

    def gather(self, dim: int, index: "Tensor") -> "Tensor":
        return gather(self, dim, index)

    def index_select(self, dim: int, index: "Tensor") -> "Tensor":
        return index_select(self, dim, index)

    def softmax(self, dim: int, dtype: Any = None) -> "Tensor":
        return softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> "Tensor":
        return log_softmax(self, dim, dtype=dtype)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":
        return clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min: Any) -> "Tensor":
        return clamp(self, min, None)

    def clamp_max(self, max: Any) -> "Tensor":
        return clamp(self, None, max)

    def erf(self) -> "Tensor":
        return self._unary("erf")

    def square(self) -> "Tensor":
        return self * self

    def masked_fill(self, mask: "Tensor", value: Any) -> "Tensor":
        return where(mask, value, self)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None) -> "Tensor":
        return var(self, dim, unbiased=unbiased, keepdim=keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None) -> "Tensor":
        return var(self, dim, unbiased=unbiased, keepdim=keepdim, correction=correction).sqrt()

    def expand(self, *sizes: Any) -> "Tensor":
        """Broadcast to sizes (-1 keeps a dim); a copy in flern, not a view."""
        sizes = _shape_args(sizes)
        shape = list(self.shape)
        if len(sizes) < len(shape):
            raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
                               f"the number of dimensions in the tensor ({len(shape)})")
        lead = len(sizes) - len(shape)
        target = [shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)]
        if any(s < 0 for s in target):
            raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
        return self + zeros(*target, dtype=self.dtype)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return self.expand(*other.shape)

    def repeat(self, *sizes: Any) -> "Tensor":
        """Tile along each dim (``torch.Tensor.repeat``), as cat of copies."""
        sizes = _shape_args(sizes)
        if len(sizes) < self.dim():
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               "of tensor")
        out = self
        for _ in range(len(sizes) - self.dim()):
            out = out.unsqueeze(0)
        for d, r in enumerate(sizes):
            if r != 1:
                out = cat([out] * r, d) if r > 0 else out[(slice(None),) * d + (slice(0, 0),)]
        return out

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple["Tensor", ...]:
        """Pieces of split_size (the last may be smaller) or of the listed sizes along dim."""
        n = self.shape[dim]
        if isinstance(split_size_or_sections, numbers.Integral):
            step = int(split_size_or_sections)
            if step <= 0 and n > 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            bounds = [(i, min(i + step, n)) for i in range(0, n, step)] if step > 0 else [(0, 0)]
        else:
            sizes = [int(k) for k in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                                   f"size at dimension {dim}), but got split_sizes={sizes}")
            starts = np.cumsum([0] + sizes[:-1]).tolist()
            bounds = [(a, a + k) for a, k in zip(starts, sizes)]
        d = dim % max(self.dim(), 1)
        return tuple(self[(slice(None),) * d + (slice(a, b),)] for a, b in bounds)

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
        n = self.shape[dim]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple["Tensor", ...]:
        d = dim % max(self.dim(), 1)
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self.shape[dim]))


# ---- creation ---------------------------------------------------------------------
def _source_value(node: Node) -> np.ndarray | None:
    """A source_tensor's values read from its own data (no plan compile and run: what a
    collect of the node returns, a read-only array), for numeric dtypes; else None."""
    table = node.data
    if table is None or node.attrs.get("dtype") not in ("float32", "float64", "int64"):
        return None
    col = table.column(0)
    if col.null_count or col.num_chunks != 1:
        return None
    a = col.chunk(0).to_numpy(zero_copy_only=True).reshape(node.attrs["shape"])
    a.flags.writeable = False
    return a


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor over a numpy array's data (crosses to the core without a copy
    for float32/float64/int64 C-contiguous arrays; bool is bit-packed)."""
    import pyarrow as pa

    h = _handoff_tensor(a)
    if h is not None:
        return h
    d = _as_dtype(a.dtype)
    flat = np.ascontiguousarray(a).reshape(-1)
    table = pa.table({"data": pa.array(flat)})
    shape = [int(s) for s in a.shape]
    t = Tensor._from_node(Node("source_tensor", [], {"dtype": d.name, "shape": shape}, data=table))
    t._type = (d.name, tuple(shape))  # a source's type is its attributes' (no native inference)
    return t


def _handoff_tensor(a: Any) -> "Tensor | None":
    """The to_tensor edge for an array that DataFrame/Series.to_numpy() handed out (_handoff.py)."""
    from . import _handoff
    node = _handoff.tensor_node(a)
    if node is None:
        return None
    t = Tensor._from_node(node, track=False)
    t._value = _handoff.KNOWN[node]
    return t


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``torch.as_tensor``: numpy arrays keep their dtype (a DataFrame's to_numpy()
    array becomes its to_tensor edge); other data as ``tensor``."""
    return _tensor(data, dtype)


def _contains_float(data: Any) -> bool:
    if isinstance(data, (list, tuple)):
        return any(_contains_float(x) for x in data)
    return isinstance(data, float)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``torch.tensor``: Python floats give float32, ints int64, bools bool;
    numpy arrays keep their dtype."""
    t = _tensor(data, dtype)
    return t.requires_grad_() if requires_grad else t


def _tensor(data: Any, dtype: Any = None) -> Tensor:
    d = _as_dtype(dtype)
    if isinstance(data, Tensor):  # torch.tensor(t) copies and detaches
        if data.requires_grad:
            data = data.detach()
        return data if d is None else data.to(d)
    if isinstance(data, np.ndarray):
        a = data
        h = _handoff_tensor(a)
        if h is not None:  # the frame -> tensor edge, then torch's conversion
            return h if d is None or d.name == a.dtype.name else h.to(d)
    else:
        a = np.array(data)
        if a.dtype.kind == "f" and d is None:
            a = a.astype(np.float32)
        elif a.dtype.kind in "iu" and d is None:
            a = a.astype(np.int64)
    if d is not None:
        a = a.astype(d.name)
    return from_numpy(a)


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    t = _full(size, fill_value, dtype)
    return t.requires_grad_() if requires_grad else t


def _full(size: Sequence[int], fill_value: Any, dtype: Any = None) -> Tensor:
    d = _as_dtype(dtype)
    if d is None:
        d = bool_ if isinstance(fill_value, (bool, np.bool_)) else (
            int64 if isinstance(fill_value, numbers.Integral) else float32)
    if d is bool_:
        value = "true" if fill_value else "false"
    elif d is int64:
        value = str(int(fill_value))
    else:
        value = repr(float(fill_value))
    return Tensor._from_node(Node("full", [], {"shape": _shape_args([size] if not isinstance(size, (list, tuple)) else size),
                                               "value": value, "dtype": d.name}))


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(_shape_args(size), 0, dtype=dtype or float32, requires_grad=requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(_shape_args(size), 1, dtype=dtype or float32, requires_grad=requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    if end is None:
        start, end = 0, start
    d = _as_dtype(dtype)
    if d is None:
        ints = all(isinstance(x, numbers.Integral) for x in (start, end, step))
        d = int64 if ints else float32
    return Tensor._from_node(Node("arange", [], {"start": float(start), "end": float(end), "step": float(step),
                                                 "dtype": d.name}))


# ---- functions ----------------------------------------------------------------------
def matmul(a: Any, b: Any) -> Tensor:
    return Tensor._from_node(Node("matmul", [_operand(a)[0], _operand(b)[0]]))


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    na, wa = _operand(input)
    nb, wb = _operand(other)
    attrs = {}
    if wa:
        attrs["wrapped1"] = True
    if wb:
        attrs["wrapped2"] = True
    return Tensor._from_node(Node("where", [_operand(condition)[0], na, nb], attrs))


def maximum(a: Tensor, b: Any) -> Tensor:
    return _binary("maximum", a, b)


def minimum(a: Tensor, b: Any) -> Tensor:
    return _binary("minimum", a, b)


def frame_to_tensor(frame_node: Node, dtype: Any = None) -> Tensor:
    """The frame -> tensor hand-off: a frame's columns as an [N, ncols] tensor."""
    return Tensor._from_node(Node("to_tensor", [frame_node], {"dtype": (_as_dtype(dtype) or float32).name}))


# ---- indexing, joins, softmax, clamp: tensor_ops.py (torch's module-level functions; the
# Tensor methods above call them through this module's names)
from .tensor_ops import (cat, clamp, clip, concat, concatenate, erf, gather, index_select,  # noqa: E402,F401
                         log_softmax, ones_like, softmax, stack, var, zeros_like)
