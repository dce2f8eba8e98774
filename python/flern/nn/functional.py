"""``torch.nn.functional`` (v0 slice): relu, tanh, sigmoid, linear, mse_loss, l1_loss.

Each records plain tensor ops, so gradients come from the Go core's autodiff.
"""

from __future__ import annotations

from ..tensor import Tensor, _binary, matmul

__all__ = ["relu", "tanh", "sigmoid", "linear", "mse_loss", "l1_loss"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` (weight is [out_features, in_features])."""
    out = matmul(input, weight.transpose(0, 1))
    return out if bias is None else out + bias


def _reduce(x: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return x.mean()
    if reduction == "sum":
        return x.sum()
    if reduction == "none":
        return x
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    d = _binary("sub", input, target)
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    return _reduce(_binary("sub", input, target).abs(), reduction)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ..errors import FlernNotImplementedError
    raise FlernNotImplementedError(f"torch.nn.functional.{name} is not supported by flern (yet)",
                                   kind="NotImplemented")
