"""Regenerates the pandas-written fixtures of parquetio's tests (pandas 3.1.1, pyarrow 26).

    cd golib/parquetio/testdata && python gen.py
"""

import numpy as np
import pandas as pd

df = pd.DataFrame({
    "i": np.array([5, -1, 9_007_199_254_740_993, 0, 7], dtype=np.int64),
    "i32": np.array([1, 2, 3, -4, 5], dtype=np.int32),
    "f": [1.5, np.nan, -0.0, 3.25, 1e300],
    "f32": np.array([0.5, 1.5, np.nan, 2.0, -3.0], dtype=np.float32),
    "b": [True, False, True, True, False],
    "s": pd.Series(["a", None, "日本", "", "z"], dtype="str"),
    "t": pd.to_datetime(["2021-01-05", None, "1969-12-31 23:59:59.5", "2262-04-11", "2000-02-29"], format="ISO8601").as_unit("us"),
    "tn": pd.to_datetime(["2021-01-05 00:00:00.000000001", "2021-01-06", None, "1970-01-01", "2000-02-29"], format="ISO8601").as_unit("ns"),
})
# sorted by "i": the index is no longer a range, so pandas stores it as __index_level_0__
df.sort_values("i").to_parquet("pandas_types.parquet", row_group_size=2)
# a named RangeIndex that does not start at 0
r = df[["i", "s"]].iloc[2:]
r.index.name = "r"
r.to_parquet("pandas_range_index.parquet")
# a two-level index with names
df[["s", "i", "f"]].set_index(["s", "i"]).to_parquet("pandas_multiindex.parquet")
