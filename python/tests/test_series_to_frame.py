"""Series.to_frame / reset_index against pandas, and Series attributes pandas has that flern
does not: NotImplementedError naming them, while a property's own AttributeError (the .str
accessor of an int column) is pandas'."""

import numpy as np
import pandas as pd
import pytest

import flern
from conftest import assert_frame_same


def _pair():
    p = pd.DataFrame({"a": [3, 1, 2, None], "s": ["x", "日本", None, ""]}, index=[10, 20, 30, 40])
    p["s"] = p["s"].astype("str")
    return p, flern.DataFrame(p)


@pytest.mark.parametrize("col", ["a", "s"])
def test_to_frame_matches_pandas(col):
    p, f = _pair()
    assert_frame_same(f[col].to_frame(), p[col].to_frame())
    assert_frame_same(f[col].to_frame(name="v"), p[col].to_frame(name="v"))
    assert_frame_same((f[col] + f[col]).rename("w").to_frame(), (p[col] + p[col]).rename("w").to_frame())


def test_reset_index_named_matches_pandas():
    p, f = _pair()
    assert_frame_same(f["a"].reset_index(), p["a"].reset_index())


def test_unnamed_series_labels_are_not_silently_strings():
    p, f = _pair()
    unnamed = f["a"] * 2
    unnamed.name = None
    assert (p["a"] * 2).rename(None).to_frame().columns.tolist() == [0]  # pandas: the int label 0
    with pytest.raises(NotImplementedError, match="to_frame"):
        unnamed.to_frame()
    with pytest.raises(NotImplementedError, match="reset_index"):
        unnamed.reset_index()
    with pytest.raises(NotImplementedError, match="non-string column label"):
        f["a"].to_frame(name=5)


def test_unsupported_pandas_attributes_raise_not_implemented():
    p, f = _pair()
    assert f["a"].ndim == p["a"].ndim == 1
    for name in ("hasnans", "is_unique", "plot"):
        assert hasattr(p["a"], name)
        with pytest.raises(NotImplementedError, match=f"Series.{name}"):
            getattr(f["a"], name)
    with pytest.raises(AttributeError, match="no attribute"):
        f["a"].not_a_pandas_attribute
    with pytest.raises(AttributeError, match="Can only use .str accessor"):
        f["a"].str
    with pytest.raises(AttributeError):
        p["a"].str
    assert np.asarray(f["a"]).shape == (4,) and not hasattr(f["a"], "__foo__")


def test_unsupported_attributes_are_not_implemented_and_hasattr_false():
    """DataFrame, Series, GroupBy and Tensor attributes pandas/PyTorch have and flern lacks:
    accessing one raises NotImplementedError naming it; hasattr() (duck typing) is False."""
    import torch
    import flern.torch as ft
    from flern.errors import FlernNotImplementedError

    p, f = _pair()
    t = ft.ones(2, 3)
    cases = [(f, "plot", "DataFrame.plot"), (f["a"], "plot", "Series.plot"),
             (f.groupby("s"), "ohlc", "DataFrameGroupBy.ohlc"), (t, "cumsum", "Tensor.cumsum")]
    for obj, name, label in cases:
        with pytest.raises(FlernNotImplementedError, match=label.replace(".", r"\.")):
            getattr(obj, name)
        with pytest.raises(NotImplementedError):
            getattr(obj, name)
        assert not hasattr(obj, name)
    assert hasattr(torch.ones(1), "cumsum") and hasattr(pd.DataFrame(), "plot")
    assert hasattr(t, "shape") and hasattr(t, "numpy") and not hasattr(t, "_nope")
