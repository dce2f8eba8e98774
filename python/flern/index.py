"""Index: the lazily computed row labels of a frame."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._graph import Node
from .errors import not_implemented


class Index:
    """Row labels of the frame computed by ``node`` (computed when needed)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def to_pandas(self):
        """Run the plan and return the pandas Index."""
        import pandas as pd
        from . import _collect
        t = _collect.collect([Node("select", [self._node], {"columns": []})])[0]
        names = _collect.index_names(t)
        if names is None:
            return pd.RangeIndex(t.num_rows)
        return _collect.to_pandas(t).index

    def to_numpy(self) -> np.ndarray:
        return self.to_pandas().to_numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.to_pandas(), dtype=dtype)

    def tolist(self) -> list:
        return self.to_pandas().tolist()

    to_list = tolist

    def __len__(self) -> int:
        from .frame import _count_rows
        return _count_rows(self._node)

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self) -> str:
        return repr(self.to_pandas())

    @property
    def name(self) -> Any:
        return self.to_pandas().name

    @property
    def names(self) -> list:
        return list(self.to_pandas().names)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_implemented(f"Index.{name}")


def labels_node(labels: list) -> Node:
    """A source node whose index holds the given labels (for drop(index=[...]))."""
    import pyarrow as pa
    from .io import source_node
    arr = pa.array(labels)
    t = pa.table({"__index_level_0__": arr})
    return source_node(t, n_index=1, index_names=[None])
