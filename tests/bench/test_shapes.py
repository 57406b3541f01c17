"""The disk phase's shapes of data are what their names say (no database here)."""

import numpy as np
import pandas as pd
import pytest

from bench.shapes import SHAPES


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_is_deterministic_on_its_grid(name):
    shape = SHAPES[name]
    serie = shape.series(3)
    assert serie.dtype == np.dtype(shape.dtype)
    assert serie.index.equals(
        shape.index()
    ) and serie.index.freq == pd.tseries.frequencies.to_offset(shape.freq)
    pd.testing.assert_series_equal(serie, shape.series(3))
    assert not serie.equals(shape.series(4))
    assert serie.notna().mean() > 0.9
    assert serie.isna().any() == (name != "random-30min")


def test_the_decimal_shapes_hold_their_decimals():
    for name, decimals in [("kw-15min", 3), ("index-1h", 3), ("daily", 2)]:
        values = SHAPES[name].series(0).dropna().to_numpy()
        assert np.array_equal(np.round(values, decimals), values), name
        assert not np.array_equal(np.round(values, decimals - 1), values), name


def test_the_index_only_increases():
    values = SHAPES["index-1h"].series(1).dropna().to_numpy()
    assert (np.diff(values) >= 0).all() and values[-1] > values[0]
