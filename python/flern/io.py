"""Entry points that create frames: read_csv and conversions from memory.

In-memory data becomes a ``source`` node holding a pyarrow Table that is
handed to the native core zero-copy (Arrow C Data Interface) at run time.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from ._collect import arrow_to_dtype
from ._graph import Node
from .errors import FlernFileNotFoundError, FlernValueError, not_implemented
from .frame import DataFrame, _check_names


def source_node(table: pa.Table, n_index: int = 0, index_names: Sequence[Any] | None = None) -> Node:
    """A source node for ``table`` whose first ``n_index`` columns are index levels.

    Columns split in several chunks are joined once here: the table crosses to the native core
    as a stream of record batches on every run, and mixed chunkings (pandas' Arrow-backed
    strings come in many chunks) would make the core concatenate every column each time."""
    if any(c.num_chunks > 1 for c in table.columns):
        table = table.combine_chunks()
    fields = []
    for i, f in enumerate(table.schema):
        c = table.column(i)
        t = arrow_to_dtype(f.type)
        nullable = c.null_count > 0 and t not in ("float64", "float32")
        fields.append({"name": f.name, "type": t, "nullable": bool(nullable)})
    idx = fields[:n_index]
    for i, f in enumerate(idx):
        name = (index_names or [None] * n_index)[i]
        f["name"] = "" if name is None else str(name)
    return Node("source", attrs={"fields": fields[n_index:], "index": idx}, data=table)


def _normalize(arr: pa.ChunkedArray | pa.Array, name: str):
    """Arrow column -> the type pandas would hold (ints with nulls become float64)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        raise not_implemented(f"categorical column {name!r}")
    if pa.types.is_integer(t) and arr.null_count > 0:
        return arr.cast(pa.float64())
    if pa.types.is_null(t):
        raise not_implemented(f"column {name!r} holding only None (pandas makes an object column)")
    return arr


def from_arrow(data: Any) -> DataFrame:
    """A frame over an Arrow table (or anything with ``__arrow_c_stream__``, e.g. polars)."""
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    elif not isinstance(data, pa.Table):
        data = pa.table(data)
    _check_names(data.column_names, "from_arrow")
    if len(set(data.column_names)) != len(data.column_names):
        raise not_implemented("frames with duplicate column names")
    cols = [_normalize(data.column(i), n) for i, n in enumerate(data.column_names)]
    return DataFrame._from_node(source_node(pa.table(cols, names=data.column_names)))


def from_arrow_result(t: pa.Table) -> DataFrame:
    """A frame over a result table produced by the native core (index kept)."""
    from ._collect import index_names
    names = index_names(t)
    n = 0 if names is None else len(names)
    return DataFrame._from_node(source_node(t.replace_schema_metadata(None), n, names))


def from_pandas(df: Any) -> DataFrame:
    """A frame over a pandas DataFrame (its index is kept unless it is a default RangeIndex)."""
    import pandas as pd

    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        raise not_implemented(f"from_pandas({type(df).__name__})")
    names = _check_names(df.columns, "from_pandas")
    if len(set(names)) != len(names):
        raise not_implemented("frames with duplicate column names")
    if df.columns.name is not None or df.columns.nlevels > 1:
        raise not_implemented("from_pandas of a frame whose columns Index has a name or several levels")
    for name, dt in df.dtypes.items():
        _check_pandas_dtype(df[name], dt, name)
    arrays, labels = [], []
    idx = df.index
    n_index = 0
    index_names: list[Any] = []
    if not (isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None):
        for i in range(idx.nlevels):
            arrays.append(pa.array(idx.get_level_values(i), from_pandas=True))
            labels.append(f"__index_level_{i}__")
            index_names.append(idx.names[i])
        n_index = idx.nlevels
    try:
        body = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise not_implemented(f"from_pandas of these columns ({e})") from None
    for i, name in enumerate(names):
        arrays.append(_normalize(body.column(i), name))
        labels.append(name)
    table = pa.table(arrays, names=labels) if arrays else pa.table({})
    if not arrays:
        raise not_implemented("from_pandas of a frame without columns")
    return DataFrame._from_node(source_node(table, n_index, index_names))


def _check_pandas_dtype(col: Any, dt: Any, name: str) -> None:
    """Raise NotImplementedError for pandas dtypes flern cannot hold as pandas shows them."""
    import pandas as pd

    if isinstance(dt, pd.StringDtype):
        if dt.na_value is pd.NA:
            raise not_implemented(f"column {name!r} of dtype 'string' (pd.NA missing values)")
        return
    if isinstance(dt, pd.api.extensions.ExtensionDtype) and not isinstance(dt, pd.DatetimeTZDtype):
        raise not_implemented(f"column {name!r} of extension dtype {dt}")
    if dt == object:
        # pandas keeps an object column as object; flern can mirror only a
        # bool column with missing values (which flern shows as object too,
        # with NaN for the missing values, as pandas' merges and reads do)
        vals = [v for v in col.tolist() if not (v is None or v != v)]
        if not (vals and len(vals) < len(col) and all(isinstance(v, (bool, np.bool_)) for v in vals)):
            raise not_implemented(f"column {name!r} of dtype object")


def from_dict(data: dict) -> DataFrame:
    """A frame from {column: values} (lists, numpy arrays, pandas/flern Series of equal length)."""
    if any(type(v).__module__.startswith("pandas") for v in data.values()):
        import pandas as pd  # pandas aligns Series on their index: let it build the frame
        return from_pandas(pd.DataFrame(data))
    from ._expr import is_scalar
    lengths = {len(v) for v in data.values() if not (is_scalar(v) and not isinstance(v, np.ndarray))}
    if data and not lengths:
        raise FlernValueError("If using all scalar values, you must pass an index", kind="Value")
    n = next(iter(lengths)) if len(lengths) == 1 else None
    cols, names = [], []
    for k, v in data.items():
        if is_scalar(v) and not isinstance(v, np.ndarray) and n is not None:
            v = [v] * n  # a scalar is broadcast, as pandas

        if not isinstance(k, str):
            raise not_implemented(f"column label {k!r} (only str labels are supported)")
        if type(v).__module__.startswith("pandas"):
            v = v.to_numpy()
        if isinstance(v, np.ndarray):
            if v.ndim != 1:
                raise FlernValueError(f"column {k!r}: expected a 1-D array, got {v.ndim}-D", kind="Value")
            arr = pa.array(v, from_pandas=True) if v.dtype != object else pa.array(list(v), from_pandas=True)
        else:
            try:
                arr = pa.array(list(v), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
                raise not_implemented(f"column {k!r} with mixed value types ({e})") from None
        cols.append(_normalize(arr, k))
        names.append(k)
    lens = {len(c) for c in cols}
    if len(lens) > 1:
        raise FlernValueError("All arrays must be of the same length", kind="Value")
    if not cols:
        raise not_implemented("an empty DataFrame()")
    return DataFrame._from_node(source_node(pa.table(cols, names=names)))


def from_numpy(data: np.ndarray, columns: Sequence[str] | None = None) -> DataFrame:
    """A frame from a 1-D or 2-D numpy array; columns names are required."""
    if data.ndim == 1:
        data = data.reshape(-1, 1)
    if data.ndim != 2:
        raise FlernValueError(f"Must pass 2-d input. shape={data.shape}", kind="Value")
    if columns is None:
        raise not_implemented("from_numpy without column names (pandas would use integer labels)")
    columns = _check_names(columns, "from_numpy")
    if len(columns) != data.shape[1]:
        raise FlernValueError(f"Shape of passed values is {data.shape}, indices imply {(data.shape[0], len(columns))}", kind="Value")
    return from_dict({c: np.ascontiguousarray(data[:, i]) for i, c in enumerate(columns)})


_READ_CSV_SUPPORTED = {"sep", "delimiter", "header", "names", "usecols", "dtype", "na_values",
                       "keep_default_na", "parse_dates", "quotechar"}


def read_csv(filepath_or_buffer: Any, *, sep: str | None = ",", delimiter: str | None = None,
             header: Any = "infer", names: Sequence[str] | None = None, usecols: Sequence[str] | None = None,
             dtype: Any = None, na_values: Any = None, keep_default_na: bool = True,
             parse_dates: Any = None, quotechar: str = '"', **kwargs: Any) -> DataFrame:
    """Read a CSV file lazily (pandas.read_csv semantics for the supported options).

    Only the columns the rest of the plan uses are parsed (see ``explain()``).
    """
    for k in kwargs:
        raise not_implemented(f"read_csv({k}=...)")
    if not isinstance(filepath_or_buffer, (str, os.PathLike)):
        raise not_implemented("read_csv from a file object (pass a path)")
    path = os.path.abspath(os.fspath(filepath_or_buffer))
    if not os.path.exists(path):
        raise FlernFileNotFoundError(f"[Errno 2] No such file or directory: '{filepath_or_buffer}'", kind="IO")
    if delimiter is not None:
        sep = delimiter
    if sep is None or len(sep) != 1:
        raise not_implemented(f"read_csv(sep={sep!r}) (single-character separators only)")
    attrs: dict[str, Any] = {"path": path, "sep": sep, "quotechar": quotechar, "keep_default_na": bool(keep_default_na)}
    if header not in ("infer", 0, None):
        raise not_implemented(f"read_csv(header={header!r})")
    if names is not None:
        attrs["names"] = _check_names(names, "read_csv")
        attrs["header"] = header == 0
    elif header is None:
        raise not_implemented("read_csv(header=None) without names (pandas would use integer labels)")
    else:
        attrs["header"] = True
    if usecols is not None:
        if callable(usecols):
            raise not_implemented("read_csv(usecols=<callable>)")
        attrs["usecols"] = _check_names(usecols, "read_csv usecols")
    if dtype is not None:
        from .series import _dtype_name
        if not isinstance(dtype, dict):
            raise not_implemented("read_csv(dtype=<single dtype>) (pass a {column: dtype} dict)")
        attrs["dtype"] = {str(k): _dtype_name(v) for k, v in dtype.items()}
    if na_values is not None:
        if isinstance(na_values, dict):
            raise not_implemented("read_csv(na_values=<dict>)")
        attrs["na_values"] = [str(v) for v in ([na_values] if isinstance(na_values, str) else na_values)]
    if parse_dates:
        if parse_dates is True:
            raise not_implemented("read_csv(parse_dates=True)")
        attrs["parse_dates"] = _check_names(parse_dates, "read_csv parse_dates")
    return DataFrame._from_node(Node("scan_csv", attrs=attrs))


# read_parquet parameters whose default is None: passing None is the default.
_READ_PARQUET_NONE_DEFAULTS = {"storage_options", "filesystem", "filters", "to_pandas_kwargs"}


def read_parquet(path: Any, engine: str = "auto", columns: Sequence[str] | None = None,
                 **kwargs: Any) -> DataFrame:
    """Read a Parquet file lazily (pandas.read_parquet semantics, engine pyarrow).

    Only the columns the rest of the plan uses are read (see ``explain()``), row
    groups in parallel. The schema is read (and checked) at call time: columns
    pandas would show with a dtype flern lacks raise NotImplementedError here.
    """
    for k, v in kwargs.items():
        if k in _READ_PARQUET_NONE_DEFAULTS and v is None:
            continue
        raise not_implemented(f"read_parquet({k}=...)")
    if engine not in ("auto", "pyarrow"):
        raise not_implemented(f"read_parquet(engine={engine!r}) (flern reads as engine='pyarrow' does)")
    if not isinstance(path, (str, os.PathLike)):
        raise not_implemented("read_parquet from a file object (pass a path)")
    spath = os.fspath(path)
    if isinstance(spath, bytes) or "://" in spath:
        raise not_implemented(f"read_parquet({spath!r}) (local file paths only)")
    full = os.path.abspath(spath)
    if not os.path.exists(full):
        raise FlernFileNotFoundError(f"[Errno 2] No such file or directory: '{spath}'", kind="IO")
    if os.path.isdir(full):
        raise not_implemented("read_parquet of a directory (a partitioned dataset)")
    attrs: dict[str, Any] = {"path": full}
    if columns is not None:
        if isinstance(columns, str):
            raise not_implemented("read_parquet(columns=<str>) (pass a list of column names)")
        attrs["usecols"] = _check_names(columns, "read_parquet columns")
    df = DataFrame._from_node(Node("scan_parquet", attrs=attrs))
    df._schema()  # reads the footer now (cached): errors surface at this call, as in pandas
    return df


def _ipc_path(path: Any, func: str) -> tuple[str, str]:
    """(user's spelling, absolute path) of an existing local file for ``func``."""
    if not isinstance(path, (str, os.PathLike)):
        raise not_implemented(f"{func} from a file object (pass a path)")
    spath = os.fspath(path)
    if isinstance(spath, bytes) or "://" in spath:
        raise not_implemented(f"{func}({spath!r}) (local file paths only)")
    full = os.path.abspath(spath)
    if not os.path.exists(full):
        raise FlernFileNotFoundError(f"[Errno 2] No such file or directory: '{spath}'", kind="IO")
    return spath, full


def read_feather(path: Any, columns: Sequence[str] | None = None, use_threads: bool = True,
                 storage_options: Any = None, dtype_backend: Any = None) -> DataFrame:
    """Read an Arrow IPC file (Feather v2) lazily (pandas.read_feather semantics).

    Only the columns the rest of the plan uses are read (the scan's ``columns``);
    the index pandas stored is restored from the file's pandas metadata. An
    uncompressed file is memory-mapped and used in place. The schema is read
    (and checked) at call time, as pandas reads the file at once.
    """
    if storage_options is not None:
        raise not_implemented("read_feather(storage_options=...)")
    if dtype_backend is not None:
        raise not_implemented("read_feather(dtype_backend=...)")
    return _scan_ipc(path, columns, "read_feather")


def read_ipc(path: Any, columns: Sequence[str] | None = None) -> DataFrame:
    """Read an Arrow IPC file or stream lazily (``read_feather``, also accepting the stream format)."""
    return _scan_ipc(path, columns, "read_ipc")


def _scan_ipc(path: Any, columns: Sequence[str] | None, func: str) -> DataFrame:
    _, full = _ipc_path(path, func)
    if os.path.isdir(full):
        raise not_implemented(f"{func} of a directory")
    attrs: dict[str, Any] = {"path": full}
    if columns is not None:
        if isinstance(columns, str):
            raise not_implemented(f"{func}(columns=<str>) (pass a list of column names)")
        attrs["usecols"] = _check_names(columns, f"{func} columns")
    df = DataFrame._from_node(Node("scan_ipc", attrs=attrs))
    df._schema()  # reads the schema now (cached): errors surface at this call, as in pandas
    return df


def to_feather(df: DataFrame, path: Any, compression: str | None = "lz4", **kwargs: Any) -> None:
    """Write ``df`` as an Arrow IPC file (DataFrame.to_feather): pandas' layout and metadata.

    The plan runs once; the file is written by the native core (arrow-go) to a
    temporary name and renamed, so a failure leaves no partial file.
    """
    for k in kwargs:
        raise not_implemented(f"to_feather({k}=...)")
    if not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes):
        raise not_implemented("to_feather to a file object (pass a path)")
    comp = "uncompressed" if compression is None else compression
    if comp not in ("lz4", "zstd", "uncompressed"):
        raise FlernValueError(f"to_feather: compression must be one of 'lz4', 'zstd', 'uncompressed' or None, got {compression!r}",
                              kind="Value")
    full = os.path.abspath(os.fspath(path))
    from . import _collect
    node = Node("write_ipc", inputs=[df._node], attrs={"path": full, "compression": comp})
    _collect.collect([node])
