"""``torch.nn.functional``: activations, linear/conv/pooling, normalization,
dropout, embedding and the losses.

Each records plain tensor ops (composites of golib/tensor's ops: conv2d is
``weight @ im2col(x)``, max_pool2d a max over im2col's window dim, layer/batch
norm are means and variances), so gradients come from the Go core's autodiff.
Shapes are checked here where torch's message names the layer's arguments.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

from .. import tensor as _t
from .._graph import Node
from ..tensor import Tensor, _binary, log_softmax, matmul, softmax, where

__all__ = ["relu", "tanh", "sigmoid", "linear", "mse_loss", "l1_loss", "gelu", "leaky_relu", "softmax",
           "log_softmax", "dropout", "embedding", "layer_norm", "batch_norm", "conv2d", "max_pool2d",
           "cross_entropy", "nll_loss", "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss",
           "logsigmoid", "softplus", "one_hot", "silu", "elu", "avg_pool2d", "adaptive_avg_pool2d"]


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


# ---- activations --------------------------------------------------------------------
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (exact, with erf) or torch's tanh approximation."""
    if approximate == "none":
        return input * 0.5 * (1.0 + (input * (1.0 / math.sqrt(2.0))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + inner.tanh())
    raise RuntimeError(f"approximate argument must be either none or tanh (got {approximate!r})")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x`` (torch's gradient at 0: the slope)."""
    return where(_binary("gt", input, 0), input, input * float(negative_slope))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``."""
    return input * input.sigmoid()


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    neg = where(_binary("gt", input, 0), 0.0, input)  # exp only of the non-positive part
    return where(_binary("gt", input, 0), input, (neg.exp() - 1.0) * float(alpha))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed stably."""
    return -_softplus0(-input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (torch)."""
    bx = input * float(beta)
    return where(_binary("gt", bx, float(threshold)), input, _softplus0(bx) / float(beta))


def _softplus0(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log(1 + exp(-|x|))``; both
    pieces use x >= 0 as the branch, so the gradient at 0 is sigmoid(0) = 0.5."""
    pos = _binary("ge", x, 0)
    mx = where(pos, x, 0.0)
    ax = where(pos, x, -x)
    return mx + ((-ax).exp() + 1.0).log()


# ---- dropout, embedding -------------------------------------------------------------
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Any = None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (training);
    identity otherwise. The mask comes from a seeded rand_like (flern.torch.manual_seed)."""
    p = float(p)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    from ..tensor_random import rand_like  # (staged: a seed the native loop refreshes per step, flern/staged.py)
    keep = _binary("ge", rand_like(input.detach(), generator=generator), p)
    return input * (keep.to(input.dtype) * (1.0 / (1.0 - p)))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight at the int64 indices of input (any shape): ``input.shape + [dim]``.
    The padding_idx row gets no gradient, as torch."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        from ..errors import not_implemented
        raise not_implemented("embedding(max_norm / scale_grad_by_freq / sparse)")
    if not isinstance(input, Tensor):
        input = _t.tensor(input)
    if input.dtype is not _t.int64:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long; but got {input.dtype} instead (while checking arguments for embedding)")
    if input.dim() == 1:  # (a 1-D input's row count may be known only at run time: no shape read)
        out = _t.index_select(weight, 0, input)
    else:
        ishape = list(input.shape)
        out = _t.index_select(weight, 0, input.reshape(-1)).reshape(ishape + [weight.shape[1]])
    if padding_idx is not None:
        n = weight.shape[0]
        pi = int(padding_idx)
        if not -n <= pi < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        pi = pi % n
        out = where(_binary("eq", input, pi).unsqueeze(-1), out.detach(), out)
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``torch.nn.functional.one_hot`` (int64 result, a trailing class dim)."""
    if num_classes < 0:
        num_classes = int(tensor.max().item()) + 1
    return _binary("eq", tensor.unsqueeze(-1), _t.arange(int(num_classes))).long()


# ---- normalization ------------------------------------------------------------------
def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dims (biased variance), then
    scale by weight and shift by bias."""
    ns = [int(normalized_shape)] if isinstance(normalized_shape, numbers.Integral) else [int(d) for d in normalized_shape]
    shape = list(input.shape)
    k = len(ns)
    if k == 0 or shape[len(shape) - k:] != ns or len(shape) < k:
        raise RuntimeError(f"Given normalized_shape={ns}, expected input with shape [*, {', '.join(map(str, ns))}], "
                           f"but got input of size{shape}")
    dims = list(range(-k, 0))
    mu = input.mean(dims, keepdim=True)
    d = input - mu
    v = (d * d).mean(dims, keepdim=True)
    out = d / (v + float(eps)).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    """A [C] tensor shaped to broadcast over dim 1 of an ndim-dim input."""
    return t.reshape([1, -1] + [1] * (ndim - 2)) if ndim > 2 else t


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) by the batch's statistics (training) or the
    running ones. In training, running_mean/running_var are updated in place (the
    tensor objects now hold the new lazy values): ``(1 - momentum) * running +
    momentum * batch`` with the unbiased batch variance, as torch."""
    shape = list(input.shape)
    if len(shape) < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {len(shape)}D input)")
    dims = [0] + list(range(2, len(shape)))
    nd = len(shape)
    if training:
        n = int(shape[0]) * int(math.prod(shape[2:]))
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape}")
        mu = input.mean(dims, keepdim=True)
        d = input - mu
        v = (d * d).mean(dims, keepdim=True)
        with _t.no_grad():
            if running_mean is not None:
                _assign(running_mean, running_mean * (1.0 - momentum) + mu.reshape(-1).detach() * momentum)
            if running_var is not None:
                unbiased = v.reshape(-1).detach() * (n / (n - 1))
                _assign(running_var, running_var * (1.0 - momentum) + unbiased * momentum)
        out = d / (v + float(eps)).sqrt()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        out = (input - _channel_view(running_mean, nd)) / (_channel_view(running_var, nd) + float(eps)).sqrt()
    if weight is not None:
        out = out * _channel_view(weight, nd)
    if bias is not None:
        out = out + _channel_view(bias, nd)
    return out


def _assign(buf: Tensor, value: Tensor) -> None:
    """In-place update of a (non-parameter) tensor: it now stands for value."""
    value = value.to(buf.dtype) if value.dtype is not buf.dtype else value
    buf._node, buf._type, buf._value = value._node, None, None


# ---- convolution and pooling ----------------------------------------------------------
def _pair(v: Any, name: str) -> list[int]:
    if isinstance(v, numbers.Integral):
        return [int(v), int(v)]
    v = [int(x) for x in v]
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                           f"convolution dimensions, but got {name}={v}")
    return v


def _batched(input: Tensor, fn: str) -> tuple[Tensor, bool]:
    nd = input.dim()
    if nd == 3:
        return input.unsqueeze(0), True
    if nd != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to {fn}, but got input of size: "
                           f"{list(input.shape)}")
    return input, False


def _out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as torch) as ``weight @ im2col(input)``."""
    x, unbatched = _batched(input, "conv2d")
    N, C, H, W = x.shape
    O, Cg, KH, KW = weight.shape
    groups = int(groups)
    st, dl = _pair(stride, "stride"), _pair(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pd = [0, 0]
        elif padding == "same":
            if st != [1, 1]:
                raise ValueError("padding='same' is not supported for strided convolutions")
            tot = [dl[0] * (KH - 1), dl[1] * (KW - 1)]
            if tot[0] % 2 or tot[1] % 2:
                from ..errors import not_implemented
                raise not_implemented("conv2d(padding='same') with an even effective kernel size (asymmetric padding)")
            pd = [tot[0] // 2, tot[1] // 2]
        else:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        pd = _pair(padding, "padding")
    if groups <= 0 or C % groups or O % groups:
        raise RuntimeError("non-positive groups is not supported" if groups <= 0 else
                           f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0 and "
                           f"input channels {C} to be divisible by groups")
    if Cg * groups != C:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {Cg * groups} channels, but got {C} channels instead")
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({x.dtype.name}) and weight type ({weight.dtype.name}) should be the same")
    cols = Tensor._from_node(Node("im2col", [x._node], {"kernel": [KH, KW], "stride": st, "padding": pd,
                                                         "dilation": dl, "pad": "0"}))
    OH = _out_size(H, KH, st[0], pd[0], dl[0])
    OW = _out_size(W, KW, st[1], pd[1], dl[1])
    K = Cg * KH * KW
    if groups == 1:
        out = matmul(weight.reshape(O, K), cols)
    else:
        out = matmul(weight.reshape(groups, O // groups, K), cols.reshape(-1, groups, K, OH * OW))
    out = out.reshape(-1, O, OH, OW)
    if bias is not None:
        out = out + bias.reshape(1, O, 1, 1)
    return out.squeeze(0) if unbatched else out


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """Max over each window (padding counts as -inf), as a max over im2col's window dim;
    the gradient goes to the first maximum of each window."""
    if ceil_mode or return_indices:
        from ..errors import not_implemented
        raise not_implemented("max_pool2d(ceil_mode=True / return_indices=True)")
    x, unbatched = _batched(input, "max_pool2d")
    k = _pair(kernel_size, "kernel_size")
    st = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) else _pair(stride, "stride")
    pd, dl = _pair(padding, "padding"), _pair(dilation, "dilation")
    if pd[0] > k[0] // 2 or pd[1] > k[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pd[0]}, "
                           f"kernel_size={k[0]} and dilation={dl[0]}")
    N, C, H, W = x.shape
    OH = _out_size(H, k[0], st[0], pd[0], dl[0])
    OW = _out_size(W, k[1], st[1], pd[1], dl[1])
    planes = x.reshape(-1, 1, H, W)
    cols = Tensor._from_node(Node("im2col", [planes._node], {"kernel": k, "stride": st, "padding": pd,
                                                              "dilation": dl, "pad": "-inf"}))
    out = cols.max(1).values.reshape(-1, C, OH, OW)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window (zero padding counted, torch's default), as a mean over
    im2col's window dim."""
    if ceil_mode or not count_include_pad or divisor_override is not None:
        from ..errors import not_implemented
        raise not_implemented("avg_pool2d(ceil_mode=True / count_include_pad=False / divisor_override)")
    x, unbatched = _batched(input, "avg_pool2d")
    k = _pair(kernel_size, "kernel_size")
    st = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) else _pair(stride, "stride")
    pd = _pair(padding, "padding")
    if pd[0] > k[0] // 2 or pd[1] > k[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pd[0]}, "
                           f"kernel_size={k[0]}")
    N, C, H, W = x.shape
    OH = _out_size(H, k[0], st[0], pd[0], 1)
    OW = _out_size(W, k[1], st[1], pd[1], 1)
    cols = Tensor._from_node(Node("im2col", [x.reshape(-1, 1, H, W)._node], {"kernel": k, "stride": st,
                                                                         "padding": pd, "pad": "0"}))
    out = cols.mean(1).reshape(-1, C, OH, OW)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Global average pooling (output_size 1 or (1, 1)); other sizes are not supported."""
    if _pair(output_size, "output_size") != [1, 1]:
        from ..errors import not_implemented
        raise not_implemented("adaptive_avg_pool2d with an output size other than 1")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    return input.mean([-2, -1], keepdim=True)


# ---- losses --------------------------------------------------------------------------
def _flat_classes(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, list[int] | None]:
    """(N', C) scores and (N',) targets from (C)/(N, C)/(N, C, d1, ...) input; the
    target shape to restore for reduction='none' (None: keep (N',))."""
    nd = input.dim()
    if nd == 1:
        return input.unsqueeze(0), target.reshape(1), []
    if nd == 2:
        return input, target, None
    perm = [0] + list(range(2, nd)) + [1]
    C = input.shape[1]
    return input.permute(*perm).reshape(-1, C), target.reshape(-1), list(target.shape)


def _restore(loss: Tensor, shape: list[int] | None) -> Tensor:
    return loss if shape is None else loss.reshape(shape)


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """``-input[i, target[i]] * weight[target[i]]``; mean = sum / sum of the weights of
    the non-ignored targets (nan when all are ignored, as torch)."""
    _check_reduction(reduction)
    if not isinstance(target, Tensor):
        target = _t.tensor(target)
    if target.dtype is not _t.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name}")
    x, t, shape = _flat_classes(input, target)
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({t.shape[0]}).")
    keep = _binary("ne", t, int(ignore_index))
    safe = where(keep, t, 0)
    picked = x.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(x.dtype)
    if weight is not None:
        w = w * _t.index_select(weight, 0, safe)
    # where(keep, ...): an ignored target gets an exact zero gradient even when every
    # target is ignored (mean = 0/0 = nan, as torch, but no nan gradient).
    loss = where(keep, -picked * w, 0.0)
    if reduction == "none":
        return _restore(loss, shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices; for float
    class-probability targets ``-sum(weight * target * log_softmax)``; label smoothing
    as torch (mixing in ``-sum_c weight_c * logp_c / C``)."""
    _check_reduction(reduction)
    ls = float(label_smoothing)
    if not 0.0 <= ls <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
    if not isinstance(target, Tensor):
        target = _t.tensor(target)
    cdim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, cdim)
    C = input.shape[cdim]
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected floating point type target to have the same shape as the input "
                               f"{list(input.shape)}, got {list(target.shape)}")
        tgt = target * (1.0 - ls) + ls / C if ls > 0 else target
        prod = logp * tgt
        if weight is not None:
            prod = prod * _channel_view(weight, input.dim())
        loss = -prod.sum(cdim)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return loss.sum()
        n = input.shape.numel() // C if C else 0
        return loss.sum() / float(n)
    nll = nll_loss(logp, target, weight=weight, ignore_index=ignore_index, reduction=reduction)
    if ls == 0.0:
        return nll
    lw = logp if weight is None else logp * _channel_view(weight, input.dim())
    smooth = -lw.sum(cdim)
    keep = _binary("ne", target, int(ignore_index))
    smooth = where(keep, smooth, 0.0)
    if reduction == "sum":
        ret = smooth.sum()
    elif reduction == "none":
        ret = smooth
    elif weight is None:
        ret = smooth.sum() / keep.to(smooth.dtype).sum()
    else:
        tw = _t.index_select(weight, 0, where(keep, target, 0).reshape(-1)) * keep.reshape(-1).to(weight.dtype)
        ret = smooth.sum() / tw.sum()
    return nll * (1.0 - ls) + ret * (ls / C)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``(1 - y) x + (1 + (pos_weight - 1) y) * softplus(-x)``, computed stably (torch's formula)."""
    _check_reduction(reduction)
    if not isinstance(target, Tensor):
        target = _t.tensor(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_t.Size(target.shape)}) must be the same as input size "
                         f"({_t.Size(input.shape)})")
    sp = _softplus0(-input)
    if pos_weight is not None:
        loss = (1.0 - target) * input + ((pos_weight - 1.0) * target + 1.0) * sp
    else:
        loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - delta/2)``."""
    _check_reduction(reduction)
    d = _binary("sub", input, target)
    ad = d.abs()
    loss = where(_binary("lt", ad, float(delta)), d * d * 0.5, (ad - 0.5 * float(delta)) * float(delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta/2`` (beta 0: L1)."""
    _check_reduction(reduction)
    d = _binary("sub", input, target)
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, reduction)
    loss = where(_binary("lt", ad, float(beta)), d * d * (0.5 / float(beta)), ad - 0.5 * float(beta))
    return _reduce(loss, reduction)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ..errors import FlernNotImplementedError
    raise FlernNotImplementedError(f"torch.nn.functional.{name} is not supported by flern (yet)",
                                   kind="NotImplemented")
