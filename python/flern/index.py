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

    def __getitem__(self, key: Any):
        """Labels by position (computed now; a pandas Index for a slice or mask)."""
        return self.to_pandas()[key]

    def __contains__(self, label: Any) -> bool:
        return label in self.to_pandas()

    def __bool__(self) -> bool:
        raise ValueError("The truth value of a Index is ambiguous. Use a.empty, a.item(), a.any() or a.all().")

    def _compare(self, other: Any, op: str):
        raise not_implemented(f"Index comparison ({op}); use df.index.to_pandas() {op} ...")

    def __eq__(self, other: Any): return self._compare(other, "==")  # type: ignore[override]
    def __ne__(self, other: Any): return self._compare(other, "!=")  # type: ignore[override]
    def __lt__(self, other: Any): return self._compare(other, "<")
    def __le__(self, other: Any): return self._compare(other, "<=")
    def __gt__(self, other: Any): return self._compare(other, ">")
    def __ge__(self, other: Any): return self._compare(other, ">=")
    __hash__ = None  # type: ignore[assignment]

    def equals(self, other: Any) -> bool:
        """Same labels in the same order (pandas Index.equals)."""
        if isinstance(other, Index):
            other = other.to_pandas()
        return bool(self.to_pandas().equals(other))

    @property
    def size(self) -> int:
        return len(self)

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    @property
    def nlevels(self) -> int:
        return self.to_pandas().nlevels

    @property
    def dtype(self):
        return self.to_pandas().dtype

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
    try:
        arr = pa.array(labels)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise not_implemented("drop of row labels of mixed types") from None
    if pa.types.is_null(arr.type):
        raise not_implemented("drop of missing row labels only (None/NaN)")
    t = pa.table({"__index_level_0__": arr})
    return source_node(t, n_index=1, index_names=[None])
