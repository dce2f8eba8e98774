"""nn.Parameter, nn.Module and the v0 layers/losses.

A :class:`Parameter` is a leaf tensor (requires_grad=True) whose values live
in the native core's state store (Go memory), read by the graph through a
``state`` node. Updating it (an optimizer step, ``load_state_dict``,
``nn.init``) replaces the values there and gives the Parameter a new version
of its node; a graph recorded before the update that was not evaluated in
time raises a clear error when run (flern keeps no old versions).
"""

from __future__ import annotations

import collections
import math
from typing import Any, Iterator

import numpy as np

from .. import _state
from .. import tensor as _t
from ..staged import current as _staging_now
from ..tensor import Tensor
from . import functional as F
from . import init


def _to_numpy(value: Any) -> np.ndarray:
    """A numpy array from a flern/torch tensor, numpy array or array-like."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value.numpy()
    for chain in (("detach", "cpu", "numpy"), ("numpy",)):
        obj = value
        try:
            for name in chain:
                obj = getattr(obj, name)()
            return np.asarray(obj)
        except (AttributeError, TypeError, RuntimeError):
            continue
    return np.asarray(value)


class Parameter(Tensor):
    """``nn.Parameter``: a leaf tensor that requires grad (by default) and is
    registered by the Module it is assigned to.

    Its values live in the native core (a :class:`flern._state.StateEntry`):
    the graph reads them through a ``state`` node, an optimizer step replaces
    them in place there, and ``numpy()``/``item()`` copy them out on demand.
    """

    __slots__ = ("_np_dtype", "_entry")

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        a = np.empty((0,), np.float32) if data is None else _to_numpy(data)
        if a.dtype.kind == "f" and a.dtype not in (np.float32, np.float64):
            a = a.astype(np.float32)
        self._np_dtype = a.dtype
        self._node = None
        self._entry = None
        self._set_data(a, requires_grad=requires_grad)

    def _set_data(self, a: np.ndarray, requires_grad: bool | None = None) -> None:
        """Replace the values (same Parameter object; a new version of its state node)."""
        a = np.array(a, dtype=self._np_dtype, copy=True, order="C")
        a.flags.writeable = False
        if self._entry is None or self._entry.shape != tuple(a.shape):
            self._entry = _state.StateEntry(a)
            node = self._entry.node
        else:
            node = self._entry.write(a)
        self._swap_node(node, requires_grad)
        self._value = a
        self._type = (_t._as_dtype(a.dtype).name, tuple(int(s) for s in a.shape))

    def _swap_node(self, node: Any, requires_grad: bool | None = None) -> None:
        old = self._node
        if requires_grad is None:
            requires_grad = old is not None and old in _t._REQUIRES_GRAD
        grad = _t._GRADS.pop(old, None) if old is not None else None
        if old is not None:
            _t._REQUIRES_GRAD.discard(old)
            _t._LEAVES.discard(old)
        self._node = node
        if requires_grad:
            _t._REQUIRES_GRAD.add(node)
            _t._LEAVES.add(node)
        if grad is not None:
            _t._GRADS[node] = grad

    def _after_write(self) -> None:
        """A plan replaced the values in the native store (an optimizer step)."""
        self._swap_node(self._entry.bump())
        self._value = None

    def numpy(self) -> np.ndarray:
        if self._value is None:
            a = self._entry.read()
            a.flags.writeable = False
            self._value = a
        return self._value

    @property
    def data(self) -> Tensor:
        """The values as a tensor that does not require grad."""
        v = self.numpy()
        t = _t.from_numpy(v)
        t._value = v
        return t

    @data.setter
    def data(self, value: Any) -> None:
        self._set_data(_to_numpy(value))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):
        return (Parameter, (np.array(self.numpy()), self.requires_grad))


class Module:
    """``nn.Module``: parameters and submodules are registered by assignment
    (in registration order, like torch); ``__call__`` runs ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", collections.OrderedDict())
        object.__setattr__(self, "_modules", collections.OrderedDict())
        object.__setattr__(self, "_buffers", collections.OrderedDict())
        object.__setattr__(self, "_non_persistent", set())

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self.__dict__.pop(name, None)
            self._modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self.__dict__.pop(name, None)
            params.pop(name, None)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif params is not None and name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            self._buffers[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A named tensor that is state but not a parameter (BatchNorm's running stats);
        persistent buffers are in state_dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def _persistent_buffers(self, prefix: str = "") -> dict:
        out = {}
        for mp, m in self.named_modules(prefix=prefix):
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[mp + ("." if mp else "") + name] = (m, name)
        return out

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, b in m._buffers.items():
                if b is not None:
                    yield mp + ("." if mp else "") + name, b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def add_module(self, name: str, module: "Module | None") -> None:
        self._modules[name] = module

    register_module = add_module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stage = _staging_now()
        if stage is not None:  # a staged step is recorded: it depends on this module's train/eval mode
            stage.note_mode(self)
        return self.forward(*args, **kwargs)

    # ---- traversal ------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, prefix + ("." if prefix else "") + name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen: set = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, p in m._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield mp + ("." if mp else "") + name, p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    # ---- modes and grads ---------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            _zero_grad(p, set_to_none)

    # ---- state -------------------------------------------------------------------
    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """name -> tensor (a detached copy of each parameter's current values)."""
        out = collections.OrderedDict() if destination is None else destination
        for name, p in self.named_parameters(prefix=prefix.rstrip("."), remove_duplicate=False):
            if keep_vars:
                out[name] = p
            else:
                out[name] = p.data
        bufs = self._persistent_buffers(prefix.rstrip("."))
        for name, (m, bname) in bufs.items():
            b = m._buffers[bname]
            out[name] = b if keep_vars else _t.from_numpy(np.array(b.numpy()))
        if bufs and destination is None:  # torch's order: each module's parameters, then its buffers
            mods = {mp: i for i, (mp, _) in enumerate(self.named_modules(prefix=prefix.rstrip(".")))}
            out = collections.OrderedDict(sorted(out.items(), key=lambda kv: (
                mods.get(kv[0].rpartition(".")[0], -1), kv[0] in bufs)))
        return out

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False):
        """Copy values in from a state dict whose values are flern tensors, numpy
        arrays or anything numpy-convertible (a torch state dict works)."""
        params = dict(self.named_parameters(remove_duplicate=False))
        owners = self._persistent_buffers()
        params.update(owners)
        missing = [k for k in params if k not in state_dict]
        unexpected = [k for k in state_dict if k not in params]
        if strict and (missing or unexpected):
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                               f"Missing key(s): {missing}. Unexpected key(s): {unexpected}.")
        for name, p in params.items():
            if name not in state_dict:
                continue
            a = _to_numpy(state_dict[name])
            if name in owners:
                m, bname = owners[name]
                old = m._buffers[bname]
                if tuple(a.shape) != tuple(old.shape):
                    raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: size mismatch "
                                       f"for {name}: copying a buffer with shape {tuple(a.shape)} from checkpoint, "
                                       f"the shape in current model is {tuple(old.shape)}.")
                m._buffers[bname] = _t.from_numpy(np.array(a, dtype=old.dtype.name))
                continue
            if tuple(a.shape) != tuple(p._entry.shape):
                raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: size mismatch "
                                   f"for {name}: copying a param with shape {tuple(a.shape)} from checkpoint, "
                                   f"the shape in current model is {tuple(p._entry.shape)}.")
            p._set_data(a)
        return _IncompatibleKeys(missing, unexpected)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(lines) + "\n)" if lines else ")")


# load_state_dict's result (torch's _IncompatibleKeys), made once: a namedtuple class per call
# cost more than the rest of loading a small model's state
_IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _zero_grad(p: Tensor, set_to_none: bool) -> None:
    from ..staged import current
    if (st := current()) is not None:  # a staged step's body cleared it (staged.py checks)
        st.zeroed.add(id(p))
    g = p.grad
    if g is None:
        return
    if set_to_none:
        p.grad = None
    else:
        p.grad = _t.zeros(*p.shape, dtype=p.dtype)


class Linear(Module):
    """``y = x @ weight.T + bias``; weight [out, in], bias [out], both drawn from
    U(-1/sqrt(in), 1/sqrt(in)) like torch (kaiming_uniform(a=sqrt(5)))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        npd = np.dtype((_t._as_dtype(dtype) or _t.float32).name)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), npd))
        if bias:
            self.bias = Parameter(np.zeros((self.out_features,), npd))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Sigmoid(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Sequential(Module):
    """Modules applied in order; children are named "0", "1", ..."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for k, m in args[0].items():
                self.add_module(k, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx: int) -> Module:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            input = m(input)
        return input


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.reduction = reduction


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)
