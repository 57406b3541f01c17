"""Series helpers: combining versions, constant runs, cutting, normalising."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore.exceptions import InvalidRangeError, TimezoneAwarenessError
from hostore.tools import (
    equalp,
    find_constant_sequences,
    slice_ts,
    slice_with_delay,
    split_ts,
    ts_combine_first,
    ts_normalize,
)


def half_hours(values, start="2024-01-01 00:00", tz="UTC", **kwargs):
    index = pd.date_range(start, periods=len(values), freq="30min", tz=tz)
    return pd.Series(values, index=index, dtype=kwargs.pop("dtype", None), **kwargs)


def utc(clock):
    return pd.Timestamp(f"2024-01-01 {clock}", tz="UTC")


def points(ds):
    """{'HH:MM': value} of a series (NaN kept as NaN)."""
    return {t.strftime("%H:%M"): v for t, v in ds.items()}


# ------------------------------------------------------------------------ ts_combine_first
def test_earlier_series_win_and_later_ones_fill_their_gaps():
    a = half_hours([1.0, np.nan, 3.0, np.nan], name="a")
    b = half_hours([9.0, 9.0, 9.0, 9.0], name="b")
    got = ts_combine_first([a, b])
    assert got.tolist() == [1.0, 9.0, 3.0, 9.0] and got.name == "a"
    assert ts_combine_first([b, a]).tolist() == [9.0] * 4
    earlier = half_hours([7.0], start="2023-12-31 23:30")
    assert ts_combine_first([a, b, earlier]).tolist() == [7.0, 1.0, 9.0, 3.0, 9.0]


def test_none_and_empty_entries_are_skipped_and_a_lone_series_is_returned_itself():
    a = half_hours([1.0, np.nan])
    assert ts_combine_first([None, a, pd.Series(dtype=float), None]) is a
    assert ts_combine_first(x for x in [None, a]) is a  # any iterable


def test_nothing_gives_an_empty_float_series_or_the_default_type():
    got = ts_combine_first([None, pd.Series(dtype=float)])
    assert isinstance(got, pd.Series) and got.empty and got.dtype == np.float64
    frame = ts_combine_first([], default_type=pd.DataFrame)
    assert isinstance(frame, pd.DataFrame) and frame.empty


def test_zones_combine_into_utc_and_naive_with_aware_is_refused():
    a = half_hours([1.0, np.nan, 3.0])
    paris = half_hours([5.0, 6.0], start="2024-01-01 01:00", tz="Europe/Paris")
    got = ts_combine_first([a, paris])
    assert str(got.index.tz) == "UTC" and got.tolist() == [1.0, 6.0, 3.0]
    with pytest.raises(TimezoneAwarenessError) as info:
        ts_combine_first([a, half_hours([1.0], tz=None)])
    assert isinstance(info.value, TypeError)  # what pandas 2 raised in 0.5/0.6


def test_frames_combine_column_by_column():
    index = pd.date_range("2024-01-01", periods=2, freq="30min", tz="UTC")
    first = pd.DataFrame({"x": [1.0, np.nan]}, index=index)
    second = pd.DataFrame({"x": [5.0, 6.0], "y": [0.0, 0.0]}, index=index)
    got = ts_combine_first([first, second])
    assert got.to_dict("list") == {"x": [1.0, 6.0], "y": [0.0, 0.0]}


versions = st.lists(
    st.dictionaries(st.integers(0, 11), st.one_of(st.none(), st.floats(-5, 5)), max_size=12),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(versions)
def test_each_point_comes_from_the_first_series_with_a_value_there(specs):
    slots = pd.date_range("2024-01-01", periods=12, freq="30min", tz="UTC")
    series = [
        pd.Series([np.nan if v is None else v for v in spec.values()], index=slots[list(spec)])
        for spec in specs
    ]
    got = ts_combine_first(series)
    expected = {}
    for spec in specs:
        for slot, value in spec.items():
            if np.isnan(expected.get(slot, np.nan)):
                expected[slot] = np.nan if value is None else value
    want = pd.Series(expected, dtype=float).sort_index()
    if want.empty:
        assert got.empty
        return
    # a lone series comes back as given, and pandas keeps the order of identical indexes
    got = got.sort_index()
    assert got.index.equals(slots[want.index.to_numpy()])
    np.testing.assert_array_equal(got.to_numpy(dtype=float), want.to_numpy())


# ------------------------------------------------------------------------------ equalp
@pytest.mark.parametrize(
    ("x", "y", "equal"),
    [(1, 1, True), (1, 1.0, True), (1, 2, False), (np.nan, np.nan, True), (None, np.nan, True),
     (pd.NA, pd.NA, True), (pd.NaT, None, True), (1, np.nan, False), (np.nan, 1, False),
     ("a", "a", True), (utc("00:00"), utc("00:00").tz_convert("Europe/Paris"), True)],
)  # fmt: skip
def test_equalp(x, y, equal):
    assert equalp(x, y) is equal


# --------------------------------------------------------------- find_constant_sequences
def test_runs_with_labels_and_first_values_as_python_objects():
    got = find_constant_sequences(half_hours([1.0, 1, 2, np.nan, np.nan, 1]))
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for (a, b), _ in got] == [
        ("00:00", "00:30"),
        ("01:00", "01:00"),
        ("01:30", "02:00"),
        ("02:30", "02:30"),
    ]
    values = [v for _, v in got]
    assert values[:2] == [1.0, 2.0] and math.isnan(values[2]) and values[3] == 1.0
    assert all(type(v) is float for v in values)
    assert isinstance(got[0][0][0], pd.Timestamp)
    ints = find_constant_sequences(pd.Series([1, 1, 2]))
    assert ints == (((0, 1), 1), ((2, 2), 2)) and type(ints[0][1]) is int


def test_runs_of_text_nullable_and_unsorted_series():
    text = pd.Series(["a", "a", None, None, "b"], dtype=object)
    assert find_constant_sequences(text) == (((0, 1), "a"), ((2, 3), None), ((4, 4), "b"))
    nullable = pd.Series([pd.NA, pd.NA, 1], dtype="Int64")  # 0.5/0.6 raised TypeError
    got = find_constant_sequences(nullable)
    assert [r for r, _ in got] == [(0, 1), (2, 2)] and got[0][1] is pd.NA and got[1][1] == 1
    unsorted = pd.Series([1, 1, 2], index=[utc("01:00"), utc("00:00"), utc("00:30")])
    assert find_constant_sequences(unsorted) == (
        ((utc("01:00"), utc("00:00")), 1),
        ((utc("00:30"), utc("00:30")), 2),
    )
    assert find_constant_sequences(pd.Series([], dtype=float)) == ()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.5, np.nan, np.inf]), max_size=30))
def test_runs_match_a_plain_grouping(values):
    ds = pd.Series(values, index=pd.RangeIndex(10, 10 + len(values)))
    keyed = [("nan" if np.isnan(v) else v) for v in values]
    expected, position = [], 10
    for key, group in itertools.groupby(keyed):
        size = len(list(group))
        expected.append(((position, position + size - 1), key))
        position += size
    got = [(span, "nan" if np.isnan(v) else v) for span, v in find_constant_sequences(ds)]
    assert got == expected


# --------------------------------------------------------------- split_ts and slice_ts
def test_split_keeps_the_split_point_in_both_parts():
    ds = half_hours([1.0, 2, 3, 4, 5])
    left, right = split_ts(ds, utc("01:00"))
    assert list(points(left)) == ["00:00", "00:30", "01:00"]
    assert list(points(right)) == ["01:00", "01:30", "02:00"]
    left, right = split_ts(ds, utc("01:00"), utc("00:30"), utc("01:30"))
    assert list(points(left)) == ["00:30", "01:00"] and list(points(right)) == ["01:00", "01:30"]
    left, right = split_ts(ds, utc("01:10"))
    assert list(points(left))[-1] == "01:00" and min(points(right)) == "01:30"


@pytest.mark.parametrize(
    ("idx_min", "idx_max"), [("01:00", None), ("01:30", None), (None, "01:00")]
)
def test_split_bounds_on_the_wrong_side_raise(idx_min, idx_max):
    ds = half_hours([1.0, 2, 3, 4, 5])
    with pytest.raises(InvalidRangeError) as info:
        split_ts(ds, utc("01:00"), idx_min and utc(idx_min), idx_max and utc(idx_max))
    assert isinstance(info.value, ValueError)


def test_split_an_integer_index_by_position_as_pandas_slices():
    left, right = split_ts(pd.Series([1.0, 2, 3, 4], index=[0, 2, 4, 6]), 2)
    assert left.to_dict() == {0: 1.0, 2: 2.0} and right.to_dict() == {4: 3.0, 6: 4.0}


def test_slice_excludes_the_end():
    ds = half_hours([1.0, 2, 3, 4, 5])
    assert list(points(slice_ts(ds, utc("00:30"), utc("01:30")))) == ["00:30", "01:00"]
    assert slice_ts(ds, utc("01:30"), utc("00:30")).empty
    frame = ds.to_frame("x")
    assert slice_ts(frame, utc("00:30"), utc("01:00"))["x"].tolist() == [2.0]
    with pytest.raises(TypeError):
        slice_ts(ds, pd.Timestamp("2024-01-01 00:30"), pd.Timestamp("2024-01-01 01:30"))


# ------------------------------------------------------------------------ ts_normalize
def test_normalize():
    assert ts_normalize(half_hours([2.0, 4, 3])).tolist() == [0.0, 1.0, 0.5]
    assert ts_normalize(half_hours([2.0, 2.0])).isna().all()
    got = ts_normalize(half_hours([0.0, np.nan, 4.0]))
    assert got.iloc[0] == 0.0 and np.isnan(got.iloc[1]) and got.iloc[2] == 1.0
    frame = ts_normalize(pd.DataFrame({"a": [1.0, 2, 3], "b": [0.0, 0, 1]}))
    assert frame.to_dict("list") == {"a": [0.0, 0.5, 1.0], "b": [0.0, 0.0, 1.0]}


# -------------------------------------------------------------------- slice_with_delay
def test_slice_with_delay_drops_the_first_delay_and_copies():
    ds = half_hours([1.0, 2, 3, 4])
    got = slice_with_delay(ds, pd.Timedelta("1h"))
    assert points(got) == {"01:00": 3.0, "01:30": 4.0}
    assert list(points(slice_with_delay(ds, pd.Timedelta("45min")))) == ["01:00", "01:30"]
    same = slice_with_delay(ds, pd.Timedelta(0))
    assert same is not ds and same.equals(ds)
    same.iloc[0] = 99.0
    assert ds.iloc[0] == 1.0
    assert slice_with_delay(ds, pd.Timedelta("-1h")).equals(ds)
    assert slice_with_delay(ds, pd.Timedelta("3h")).empty


def test_slice_with_delay_returns_none_and_empty_inputs_themselves():
    empty = pd.Series(dtype=float)
    assert slice_with_delay(None, pd.Timedelta("1h")) is None
    assert slice_with_delay(empty, pd.Timedelta("1h")) is empty
    with pytest.raises(TypeError):
        slice_with_delay(half_hours([1.0]), "1h")
