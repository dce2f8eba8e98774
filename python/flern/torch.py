"""The drop-in namespace: ``import flern.torch as torch``.

Exports flern's lazy :class:`~flern.tensor.Tensor` API under PyTorch's names.
Anything else raises ``NotImplementedError`` naming it, so a script fails
clearly at the first call flern does not support yet (no silent fallback).
"""

from __future__ import annotations

from . import autograd
from . import nn, optim  # noqa: F401  (torch.nn, torch.optim)
from .nn.init import manual_seed  # noqa: F401
from . import tensor as _t
from .errors import FlernNotImplementedError
from .tensor import (Size, Tensor, arange, as_tensor, cat, clamp, clip, concat, concatenate, dtype, enable_grad, erf,
                     float32, float64, from_numpy, full, gather, index_select, int64, is_grad_enabled,
                     log_softmax, matmul, maximum, minimum, no_grad, ones, ones_like, set_grad_enabled, softmax,
                     stack, tensor, var, where, zeros, zeros_like)
from .tensor_random import Generator, default_generator, initial_seed, rand, rand_like, randn, randn_like, randperm

bool = _t.bool_  # noqa: A001  (torch.bool)
float = float32  # noqa: A001  (torch.float)
double = float64
long = int64

__all__ = ["Tensor", "Size", "dtype", "float32", "float64", "int64", "bool", "float", "double", "long",
           "tensor", "from_numpy", "as_tensor", "zeros", "ones", "full", "arange", "matmul", "where", "maximum",
           "minimum", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "neg", "add", "sub", "mul",
           "div", "pow", "eq", "ne", "lt", "le", "gt", "ge", "sum", "mean", "max", "min", "argmax",
           "argmin", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten", "is_tensor",
           "result_type", "autograd", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled",
           "detach", "nn", "optim", "manual_seed", "cat", "concat", "concatenate", "stack", "gather",
           "index_select", "softmax", "log_softmax", "clamp", "clip", "erf", "var", "std", "zeros_like",
           "ones_like", "Generator", "default_generator", "initial_seed", "rand", "randn", "randperm",
           "rand_like", "randn_like", "square", "masked_fill", "split", "chunk", "unbind"]


def _method(name: str):
    def f(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            input = tensor(input)
        return getattr(input, name)(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = f"torch.{name}: see Tensor.{name}."
    return f


for _name in ("exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "neg", "sum", "mean", "max", "min",
              "argmax", "argmin", "detach", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten",
              "std", "square", "masked_fill", "split", "chunk", "unbind"):
    globals()[_name] = _method(_name)


def _binary(op: str):
    def f(input, other):
        return _t._binary(op, input, other)
    f.__name__ = op
    return f


for _name in ("add", "sub", "mul", "div", "pow", "eq", "ne", "lt", "le", "gt", "ge"):
    globals()[_name] = _binary(_name)
del _name


def is_tensor(obj):
    return isinstance(obj, Tensor)


def result_type(a, b) -> dtype:
    """torch.result_type, answered by the native core's promotion rules."""
    return _t._binary("add", a, b).dtype if not (isinstance(a, Tensor) and isinstance(b, Tensor)
                                                   and a.dtype is _t.bool_ and b.dtype is _t.bool_) else _t.bool_


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise FlernNotImplementedError(
        f"torch.{name} is not supported by flern (yet)", kind="NotImplemented")
