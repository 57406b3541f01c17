"""Every input rule of SPEC section 3: the stated error, and the store left unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import IntegrityError

from hostore.exceptions import (
    AmbiguousTimeError,
    DuplicateTimestampError,
    InvalidAttrsError,
    InvalidSeriesError,
    NonNumericError,
    OffGridError,
    SeriesExistsError,
)
from tests.conftest import snapshot
from tests.testapp.models import HourlyStore

ATTRS = {"version": 1, "kind": "a"}
OTHER = {"version": 2, "kind": "b"}


def hourly(start="2024-01-31 20:00", periods=10, tz="Europe/Paris", values=None) -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq="1h", tz=tz)
    return pd.Series(np.arange(periods, dtype=float) if values is None else values, index=idx)


@pytest.fixture
def stored(db):
    """A store holding one series (over a chunk boundary) and a tombstone."""
    HourlyStore.set_ts(ATTRS, hourly())
    HourlyStore.set_ts({"version": 9, "kind": "gone"}, hourly())
    HourlyStore.objects.filter(version=9).delete()
    return snapshot(HourlyStore)


def off_grid():
    s = hourly()
    return s.set_axis(s.index[:-1].append(pd.DatetimeIndex([s.index[-1] + pd.Timedelta("7min")])))


def duplicated():
    s = hourly()
    return s.set_axis(s.index[:-1].append(s.index[:1]))


BAD_SERIES = {
    "off-grid": (off_grid, OffGridError, "not on the store's grid"),
    "duplicated": (duplicated, DuplicateTimestampError, "more than once"),
    "strings": (lambda: hourly().astype(str), NonNumericError, "numbers only"),
    "objects": (lambda: hourly().astype(object), NonNumericError, "numbers only"),
    "complex": (lambda: hourly().astype(complex), NonNumericError, "numbers only"),
    "infinite": (
        lambda: hourly(values=np.r_[np.arange(9.0), np.inf]),
        InvalidSeriesError,
        "infinite",
    ),
    "minus-infinite": (
        lambda: hourly(values=np.r_[-np.inf, np.arange(9.0)]),
        InvalidSeriesError,
        "infinite",
    ),
    "range-index": (lambda: pd.Series([1.0, 2.0]), NonNumericError, "DatetimeIndex"),
    "string-index": (
        lambda: pd.Series([1.0], index=["2024-01-01 00:00"]),
        NonNumericError,
        "DatetimeIndex",
    ),
    "not-a-series": (lambda: [1.0, 2.0], NonNumericError, "pandas Series"),
    "nat-in-index": (
        lambda: pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", None])),
        InvalidSeriesError,
        "NaT",
    ),
    "ambiguous-naive": (
        lambda: hourly("2024-10-27 00:00", periods=4, tz=None),
        AmbiguousTimeError,
        "ambiguous",
    ),
    "nonexistent-naive": (
        lambda: hourly("2024-03-31 01:00", periods=3, tz=None),
        AmbiguousTimeError,
        "do not exist",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SERIES))
@pytest.mark.parametrize("mode", ["new", "update", "replace", "many"])
def test_bad_series_raises_and_writes_nothing(stored, case, mode):
    make, error, message = BAD_SERIES[case]
    with pytest.raises(error, match=message):
        if mode == "many":
            HourlyStore.set_many_ts(
                {(2, "b"): hourly(), (3, "c"): make()}, keys=("version", "kind")
            )
        else:
            target = OTHER if mode == "new" else ATTRS
            HourlyStore.set_ts(target, make(), update=mode == "update", replace=mode == "replace")
    assert snapshot(HourlyStore) == stored


def test_type_errors_are_type_errors_and_value_errors_value_errors():
    assert issubclass(NonNumericError, TypeError)
    for error in (OffGridError, DuplicateTimestampError, AmbiguousTimeError, InvalidAttrsError):
        assert issubclass(error, ValueError)
    assert issubclass(SeriesExistsError, IntegrityError)


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"version": 1}, r"missing: \['kind'\]"),
        ({"version": 1, "kind": "a", "extra": 3}, r"unknown: \['extra'\]"),
        ({}, "missing"),
        ([("version", 1), ("kind", "a")], "must be a dict"),
    ],
)
def test_incomplete_or_unknown_attrs(stored, attrs, message):
    with pytest.raises(InvalidAttrsError, match=message):
        HourlyStore.set_ts(attrs, hourly(), update=True)
    with pytest.raises(InvalidAttrsError, match=message):
        HourlyStore.get_ts(attrs)
    assert snapshot(HourlyStore) == stored


@pytest.mark.parametrize(
    "keys",
    [("version",), ("version", "kind", "extra"), ("version", "version"), ("kind", "nope")],
)
def test_set_many_ts_with_wrong_keys(stored, keys):
    with pytest.raises(InvalidAttrsError, match="keys must list"):
        HourlyStore.set_many_ts({(5, "x"): hourly()}, keys=keys)
    assert snapshot(HourlyStore) == stored


def test_set_many_ts_mapping_key_of_wrong_length(stored):
    with pytest.raises(InvalidAttrsError, match="one value per"):
        HourlyStore.set_many_ts({(5, "x", 1): hourly()}, keys=("version", "kind"))
    assert snapshot(HourlyStore) == stored


def test_update_with_replace_is_a_value_error(stored):
    with pytest.raises(ValueError, match="not both"):
        HourlyStore.set_ts(ATTRS, hourly(), update=True, replace=True)
    assert snapshot(HourlyStore) == stored


def test_writing_over_an_existing_series_without_flag(stored):
    with pytest.raises(IntegrityError, match="update=True"):
        HourlyStore.set_ts(ATTRS, hourly("2030-01-01"))
    assert snapshot(HourlyStore) == stored


def test_set_many_over_an_existing_series_writes_none(stored):
    mapping = {(5, "new"): hourly(), (1, "a"): hourly("2030-01-01")}
    with pytest.raises(IntegrityError, match="already exist"):
        HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    assert snapshot(HourlyStore) == stored
    assert HourlyStore.get_ts({"version": 5, "kind": "new"}) is None


@pytest.mark.parametrize("flags", [{}, {"update": True}, {"replace": True}])
@pytest.mark.parametrize(
    "serie",
    [
        pd.Series(dtype=float),
        pd.Series([np.nan, np.nan], index=pd.date_range("2024-01-01", periods=2, freq="h")),
        pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
    ],
    ids=["empty", "all-nan", "empty-datetime"],
)
def test_empty_or_all_nan_series_write_nothing(stored, flags, serie):
    HourlyStore.set_ts(ATTRS, serie, **flags)
    assert snapshot(HourlyStore) == stored


def test_unsorted_index_is_sorted(db):
    serie = hourly()
    HourlyStore.set_ts(OTHER, serie.iloc[::-1])
    pd.testing.assert_series_equal(HourlyStore.get_ts(OTHER), serie)


def test_ints_and_bools_are_stored_as_float64(db):
    HourlyStore.set_ts(OTHER, hourly(values=np.arange(10)))
    HourlyStore.set_ts(ATTRS, hourly(values=np.arange(10) % 2 == 0))
    assert HourlyStore.get_ts(OTHER).tolist() == list(map(float, range(10)))
    assert HourlyStore.get_ts(ATTRS).tolist() == [1.0, 0.0] * 5
    assert HourlyStore.get_ts(ATTRS).dtype == np.float64
