"""flern: pandas- and PyTorch-shaped APIs recorded into one lazy graph and run
by a native (Go) core that optimizes across the whole pipeline.

    import flern.pandas as pd          # the drop-in namespace
    df = pd.read_csv("cars.csv")
    print(df[df["Horsepower"] > 100].groupby("Origin").agg({"Weight_in_lbs": "mean"}).to_pandas())
"""

from __future__ import annotations

from . import autograd, errors
from .errors import FlernError
from .frame import DataFrame, get_dummies, merge
from .index import Index
from .io import from_arrow, from_dict, from_numpy, from_pandas, read_csv, read_feather, read_ipc, read_parquet
from .jsonio import read_json
from .series import Series
from .train import fit
from .staged import staged

__version__ = "0.1.0"

__all__ = ["DataFrame", "Series", "Index", "read_csv", "read_parquet", "read_feather", "read_ipc", "from_pandas", "from_arrow", "from_dict",
           "from_numpy", "merge", "get_dummies", "errors", "autograd", "FlernError", "set_option", "fit", "staged"]


def set_option(name: str, value) -> None:
    """Set a process-wide option: ``optimizer.disable`` (list of pass names) or ``optimizer.enabled``."""
    from . import _config
    if name == "optimizer.disable":
        _config.disabled_passes = set(value)
    elif name == "optimizer.enabled":
        _config.no_opt = not value
    else:
        raise KeyError(f"unknown option {name!r}")
