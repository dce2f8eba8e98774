"""``torch.optim`` for flern: SGD, Adam, AdamW, RMSprop and ``lr_scheduler``
(StepLR, CosineAnnealingLR).

Each ``step()`` records one fused update node per parameter; parameters,
gradients and optimizer state stay in the native core's memory, and the
step's graph is compiled once and reused (see :mod:`flern.optim.optimizer`).
The update formulas are torch's (each optimizer module states its own).
"""

from __future__ import annotations

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ..errors import FlernNotImplementedError
    raise FlernNotImplementedError(f"torch.optim.{name} is not supported by flern (yet)", kind="NotImplemented")
