"""nn layers beyond v0: GELU, LeakyReLU, Softmax, LogSoftmax, Dropout, Embedding,
LayerNorm, BatchNorm1d/2d, Conv2d, MaxPool2d, Flatten, Identity.

Each forward calls :mod:`flern.nn.functional`; parameters start as torch's
defaults (kaiming_uniform(a=sqrt(5)) for Conv2d like Linear, N(0, 1) for
Embedding, ones/zeros for the norms), drawn from the generator that
``flern.torch.manual_seed`` seeds (values differ from torch's stream; load a
torch state dict to match torch exactly).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

from .. import tensor as _t
from ..tensor import Tensor
from . import functional as F
from . import init
from .modules import Module, Parameter

__all__ = ["GELU", "LeakyReLU", "Softmax", "LogSoftmax", "Dropout", "Embedding", "LayerNorm", "BatchNorm1d",
           "BatchNorm2d", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Identity", "SiLU",
           "ELU", "Softplus", "ModuleList"]


def _np_dtype(dtype: Any) -> np.dtype:
    return np.dtype((_t._as_dtype(dtype) or _t.float32).name)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class SiLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ModuleList(Module):
    """A list of submodules registered as children "0", "1", ... (``nn.ModuleList``)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx: Any) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(mods[idx])
        return mods[idx]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[idx]
        self.add_module(key, module)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Any) -> "ModuleList":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it instead")


class Softmax(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zeroes elements with probability p in training mode (seeded); identity in eval."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"


class Embedding(Module):
    """A [num_embeddings, embedding_dim] table looked up by int64 indices; the
    padding_idx row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = padding_idx % self.num_embeddings
        self.padding_idx = padding_idx
        if max_norm is not None or scale_grad_by_freq or sparse:
            from ..errors import not_implemented
            raise not_implemented("nn.Embedding(max_norm / scale_grad_by_freq / sparse)")
        if _weight is None:
            a = init.default_generator().normal(0.0, 1.0, size=(self.num_embeddings, self.embedding_dim))
            if padding_idx is not None:
                a[padding_idx] = 0
            a = a.astype(_np_dtype(dtype))
        else:
            a = _weight
        self.weight = Parameter(a, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        **kwargs: Any) -> "Embedding":
        a = np.asarray(embeddings.numpy() if hasattr(embeddings, "numpy") else embeddings)
        return cls(a.shape[0], a.shape[1], padding_idx=padding_idx, _weight=a, _freeze=freeze, **kwargs)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(d) for d in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        npd = _np_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, npd))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, npd))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class _BatchNorm(Module):
    """Batch normalization over dim 1 with running statistics (buffers running_mean,
    running_var, num_batches_tracked, in state_dict as torch).

    In training mode the updated running statistics are computed right away (one
    small run of the graph up to this layer per forward): they read this step's
    parameters, which an optimizer step replaces in native memory (flern keeps no
    old versions), so they cannot stay lazy."""

    _dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        npd = _np_dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones(self.num_features, npd))
            self.bias = Parameter(np.zeros(self.num_features, npd))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _t.from_numpy(np.zeros(self.num_features, npd)))
            self.register_buffer("running_var", _t.from_numpy(np.ones(self.num_features, npd)))
            self.register_buffer("num_batches_tracked", _t.from_numpy(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            npd = np.dtype(self.running_mean.dtype.name)
            self.running_mean = _t.from_numpy(np.zeros(self.num_features, npd))
            self.running_var = _t.from_numpy(np.ones(self.num_features, npd))
            self.num_batches_tracked = _t.from_numpy(np.array(0, np.int64))

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {want} input (got {input.dim()}D input)")

    def _materialize(self) -> None:
        """Replace the lazy running statistics by their values (one run)."""
        from .. import _collect
        names = ("running_mean", "running_var")
        tables = _collect.collect([self._buffers[k]._node for k in names])
        for k, tbl in zip(names, tables):
            self._buffers[k] = _t.from_numpy(np.array(_collect.tensor_to_numpy(tbl)))

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        from ..staged import current
        stage = current()
        staged = stage is not None and self.track_running_stats
        if staged and self.momentum is None:
            from ..errors import not_implemented
            raise not_implemented(f"{type(self).__name__} with momentum=None (a cumulative average) in a staged "
                                  "step (flern.fit / flern.staged)")
        if staged:
            stage.attach_module(self)  # running statistics as store entries the step writes
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"running_mean should contain {input.shape[1]} elements not {self.num_features}")
        factor = 0.0 if self.momentum is None else self.momentum
        use_batch = self.training or not self.track_running_stats
        if self.training and self.track_running_stats and not staged:  # (staged: counted when it ends)
            n = int(self.num_batches_tracked.item()) + 1
            self._buffers["num_batches_tracked"] = _t.from_numpy(np.array(n, np.int64))
            factor = 1.0 / n if self.momentum is None else self.momentum
        track = self.training and self.track_running_stats
        out = F.batch_norm(input, self.running_mean if track or not use_batch else None,
                           self.running_var if track or not use_batch else None, self.weight, self.bias,
                           use_batch, factor, self.eps)
        if track and staged:
            for k in ("running_mean", "running_var"):
                stage.write_stat(self, k, self._buffers[k])
        elif track:
            self._materialize()
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    _dims = (4,)


class Conv2d(Module):
    """2-D convolution; weight [out, in/groups, kh, kw] and bias drawn as torch's defaults."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_mode != "zeros":
            from ..errors import not_implemented
            raise not_implemented(f"nn.Conv2d(padding_mode={padding_mode!r})")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = tuple(F._pair(kernel_size, "kernel_size"))
        self.stride = tuple(F._pair(stride, "stride"))
        self.padding = padding if isinstance(padding, str) else tuple(F._pair(padding, "padding"))
        self.dilation = tuple(F._pair(dilation, "dilation"))
        npd = _np_dtype(dtype)
        self.weight = Parameter(np.zeros((self.out_channels, self.in_channels // self.groups) + self.kernel_size, npd))
        if bias:
            self.bias = Parameter(np.zeros(self.out_channels, npd))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = (self.in_channels // self.groups) * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")
