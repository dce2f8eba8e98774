"""Random tensors: ``manual_seed``, ``Generator``, ``rand``/``randn``/``randperm``
and the ``*_like`` forms (recorded as the seeded ops of golib/tensor/random.go).

Every random op reads its own 53-bit seed, drawn from a generator when the op
is recorded: the default generator (reset by ``flern.torch.manual_seed``) or a
:class:`Generator` passed as ``generator=``. The seed is a 0-dim int64 input of
the op (run data, not an attribute), so training steps with dropout compile to
the same plan (the plan cache hits) while each step draws new values. A generator's draws are
``splitmix64(seed + k * golden_gamma)`` for k = 0, 1, 2, ..., so a seed fixes
every value of every random op recorded after it, in recording order. The
stream of values (defined in Go, exec/interp/tensor_random.go) differs from
torch's for the same seed.
"""

from __future__ import annotations

from typing import Any

from ._graph import Node

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_DEFAULT_SEED = 67280421310721  # torch's default seed (the stream differs from torch's)


def _splitmix64(x: int) -> int:
    x = (x + _GAMMA) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


class Generator:
    """``torch.Generator``: a seedable source of op seeds (CPU only)."""

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            from .errors import not_implemented
            raise not_implemented(f"torch.Generator(device={device!r})")
        self._seed = _DEFAULT_SEED
        self._count = 0

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed) & _MASK64
        self._count = 0
        return self

    def seed(self) -> int:
        import os
        self.manual_seed(int.from_bytes(os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> tuple[int, int]:
        """The generator state (seed, draws so far); flern's own format."""
        return (self._seed, self._count)

    def set_state(self, state: tuple[int, int]) -> "Generator":
        self._seed, self._count = int(state[0]), int(state[1])
        return self

    def _next_seed(self) -> int:
        x = _splitmix64((self._seed + self._count * _GAMMA) & _MASK64)
        self._count += 1
        return x >> 11  # 53 bits: exact in the plan's JSON numbers


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reset the default generator (``torch.manual_seed``)."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def _gen(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a flern.torch.Generator, not {type(generator).__name__}")
    return generator


def _float_dtype(dtype: Any, op: str) -> str:
    from .tensor import _as_dtype, float32
    d = _as_dtype(dtype) or float32
    if not d.is_floating_point:
        raise TypeError(f"\"{op}\" not implemented for '{d.name}'")
    return d.name


def _seed_node(generator: Any) -> Node:
    """The next seed of generator as a 0-dim int64 source tensor."""
    import numpy as np

    from .staged import current
    from .tensor import from_numpy
    stage = current()
    if stage is not None:  # a staged step: the native loop refreshes this seed per step (from its own seed)
        return stage.seed_node()
    node = from_numpy(np.array(_gen(generator)._next_seed(), dtype=np.int64))._node
    node.attrs["rng_seed"] = True  # marks the seed inputs (a staged loop must feed fresh ones per step)
    return node


def _source(op: str, size: tuple, generator: Any, dtype: Any, requires_grad: bool):
    from .tensor import Tensor, _shape_args
    node = Node(op, [_seed_node(generator)], {"shape": _shape_args(size), "dtype": _float_dtype(dtype, op)})
    t = Tensor._from_node(node)
    return t.requires_grad_() if requires_grad else t


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False):
    """Uniform values in [0, 1) (``torch.rand``)."""
    return _source("rand", size, generator, dtype, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False):
    """Standard normal values (``torch.randn``)."""
    return _source("randn", size, generator, dtype, requires_grad)


def _like(op: str, input: Any, generator: Any, dtype: Any):
    from .tensor import Tensor, _as_dtype
    attrs = {}
    if dtype is not None:
        attrs["dtype"] = _float_dtype(dtype, op)
    return Tensor._from_node(Node(op, [input._node, _seed_node(generator)], attrs))


def rand_like(input: Any, dtype: Any = None, generator: Generator | None = None):
    return _like("rand_like", input, generator, dtype)


def randn_like(input: Any, dtype: Any = None, generator: Generator | None = None):
    return _like("randn_like", input, generator, dtype)


def randperm(n: int, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False):
    """A random permutation of ``0..n-1`` (int64 by default).

    Computed at once (as torch does) and returned as a tensor over its values: a
    permutation is made to index batches (``x[perm[i:i + bs]]``), and a tensor over
    known values is sliced without recording a slice (tensor_index._slice_source), so
    every step of such a loop records the same plan, which reads the batch's indices
    as data instead of computing the permutation again."""
    from .tensor import Tensor, _as_dtype, from_numpy, int64
    d = _as_dtype(dtype) or int64
    t = Tensor._from_node(Node("randperm", [_seed_node(generator)], {"n": int(n), "dtype": d.name}))
    if requires_grad:
        return t.requires_grad_()
    return from_numpy(t.numpy())
