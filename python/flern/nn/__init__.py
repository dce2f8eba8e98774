"""``torch.nn`` for flern (v0 slice): Parameter, Module, Linear, Sequential,
ReLU/Tanh/Sigmoid, MSELoss/L1Loss, plus ``nn.functional`` and ``nn.init``.

Modules only record into flern's lazy graph (forward builds Tensor ops;
``loss.backward()`` records grad nodes the Go core expands). Anything else in
``torch.nn`` raises ``NotImplementedError`` naming it.
"""

from __future__ import annotations

from . import functional, init
from .layers import (ELU, GELU, AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Embedding,
                     Flatten, Identity, LayerNorm, LeakyReLU, LogSoftmax, MaxPool2d, ModuleList, SiLU, Softmax,
                     Softplus)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, NLLLoss, SmoothL1Loss
from .modules import (L1Loss, Linear, Module, MSELoss, Parameter, ReLU, Sequential, Sigmoid, Tanh)

__all__ = ["Parameter", "Module", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid", "MSELoss", "L1Loss",
           "functional", "init", "GELU", "LeakyReLU", "Softmax", "LogSoftmax", "Dropout", "Embedding",
           "LayerNorm", "BatchNorm1d", "BatchNorm2d", "Conv2d", "MaxPool2d", "Flatten", "Identity",
           "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "SiLU", "ELU",
           "Softplus", "AvgPool2d", "AdaptiveAvgPool2d", "ModuleList"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ..errors import FlernNotImplementedError
    raise FlernNotImplementedError(f"torch.nn.{name} is not supported by flern (yet)", kind="NotImplemented")
