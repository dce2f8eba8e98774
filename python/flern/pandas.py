"""``import flern.pandas as pd``: the supported subset of pandas under its names.

Anything not listed here raises NotImplementedError naming the function, so a
notebook fails loudly instead of silently doing something different.
"""

from __future__ import annotations

import numpy as _np

from .errors import not_implemented as _not_implemented
from .frame import DataFrame, get_dummies, merge
from .index import Index
from .io import from_arrow, from_pandas, read_csv, read_feather, read_parquet
from .jsonio import read_json
from .series import Series as _Series

NA = None
NaT = _np.datetime64("NaT")
nan = _np.nan


def isna(obj):
    """Missing-value mask of a Series or DataFrame (or of a scalar)."""
    if isinstance(obj, (DataFrame, _Series)):
        return obj.isna()
    import pandas
    return pandas.isna(obj)


def notna(obj):
    """Negation of isna."""
    if isinstance(obj, (DataFrame, _Series)):
        return obj.notna()
    import pandas
    return pandas.notna(obj)


isnull, notnull = isna, notna


def Series(data=None, name=None, **kwargs):
    """A Series from a list or numpy array (index other than the default is not supported)."""
    if kwargs:
        raise _not_implemented(f"Series({', '.join(kwargs)}=...)")
    label = name if isinstance(name, str) else "__value__"
    df = DataFrame({label: data})
    s = df[label]
    s.name = name
    return s


__all__ = ["DataFrame", "Series", "Index", "read_csv", "read_parquet", "read_feather", "merge", "get_dummies", "isna", "notna", "isnull",
           "notnull", "from_pandas", "from_arrow", "NA", "NaT", "nan"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _not_implemented(f"pandas.{name}")
