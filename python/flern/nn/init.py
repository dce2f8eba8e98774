"""``torch.nn.init`` and flern's parameter random generator.

Random initial values come from a numpy ``Generator`` (PCG64) seeded by
:func:`manual_seed` (exported as ``flern.torch.manual_seed``). The values are
deterministic for a seed but DIFFER from PyTorch's RNG stream for the same
seed: to reproduce a torch model exactly, load its weights with
``model.load_state_dict(torch_model.state_dict())`` (tensors convert through
numpy), which gives identical parameters.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["manual_seed", "uniform_", "normal_", "zeros_", "ones_", "constant_", "kaiming_uniform_",
           "calculate_gain", "kaiming_normal_", "xavier_uniform_", "xavier_normal_"]

_DEFAULT_SEED = 67280421310721  # torch's default seed (the stream still differs from torch's)
_generator = np.random.default_rng(_DEFAULT_SEED)


def manual_seed(seed: int):
    """Seed flern's parameter-initialization generator (``torch.manual_seed``)."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    from ..tensor_random import manual_seed as _seed_ops
    _seed_ops(seed)  # the random ops' generator (rand, randn, dropout, ...)
    return _generator


def default_generator() -> np.random.Generator:
    return _generator


def _fill(tensor, values: np.ndarray):
    from .modules import Parameter
    if not isinstance(tensor, Parameter):
        from ..errors import not_implemented
        raise not_implemented("nn.init on a tensor that is not an nn.Parameter")
    tensor._set_data(np.asarray(values, dtype=tensor._np_dtype).reshape(tensor.shape))
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    g = generator or _generator
    return _fill(tensor, g.uniform(a, b, size=tuple(tensor.shape)))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    g = generator or _generator
    return _fill(tensor, g.normal(mean, std, size=tuple(tensor.shape)))


def constant_(tensor, val: float):
    return _fill(tensor, np.full(tuple(tensor.shape), val))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def calculate_gain(nonlinearity: str, param=None) -> float:
    if nonlinearity in ("linear", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fan_in_out(shape) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    fan_in, fan_out = _fan_in_out(tuple(tensor.shape))
    fan = fan_in if mode == "fan_in" else fan_out
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan) if fan else 0.0
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    fan_in, fan_out = _fan_in_out(tuple(tensor.shape))
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0
    return normal_(tensor, 0.0, std, generator)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    fan_in, fan_out = _fan_in_out(tuple(tensor.shape))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    fan_in, fan_out = _fan_in_out(tuple(tensor.shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std, generator)
