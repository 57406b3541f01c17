"""``check_ts_completeness``: holes of a series on a regular grid, widened by a margin."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore.exceptions import DuplicateTimestampError, InvalidBoundsError
from hostore.tools import check_ts_completeness


def utc(clock, day="2024-01-01"):
    return pd.Timestamp(f"{day} {clock}", tz="UTC")


def half_hours(values, start="2024-01-01 00:00", tz="UTC"):
    index = pd.date_range(start, periods=len(values), freq="30min", tz=tz)
    return pd.Series(values, index=index, dtype=float)


def clocks(holes):
    return [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in holes]


S = half_hours([1, np.nan, np.nan, 1, 1])  # 00:00 .. 02:00


def test_holes_are_widened_by_the_frequency_by_default():
    got = check_ts_completeness(S, utc("00:00"), utc("03:00"))
    assert clocks(got) == [("00:00", "01:30"), ("02:00", "03:30")]
    assert isinstance(got, list) and all(isinstance(t, pd.Timestamp) for h in got for t in h)


@pytest.mark.parametrize(
    ("kwargs", "holes"),
    [
        ({"freq_margin": pd.Timedelta(0)}, [("00:30", "01:00"), ("02:30", "03:00")]),
        ({"freq": "1h", "freq_margin": pd.Timedelta(0)}, [("01:00", "01:00"), ("03:00", "03:00")]),
        ({"freq": "H", "freq_margin": "0min"}, [("01:00", "01:00"), ("03:00", "03:00")]),
        ({"freq": "1h"}, [("00:00", "02:00"), ("02:00", "04:00")]),
        ({"freq_margin": "h"}, [("23:30", "02:00"), ("01:30", "04:00")]),
        ({"freq_margin": "15T"}, [("00:15", "01:15"), ("02:15", "03:15")]),
        ({"freq_margin": pd.offsets.Minute(15)}, [("00:15", "01:15"), ("02:15", "03:15")]),
    ],
)
def test_frequency_and_margin(kwargs, holes):
    assert clocks(check_ts_completeness(S, utc("00:00"), utc("03:00"), **kwargs)) == holes


def test_complete_reversed_and_point_windows():
    assert check_ts_completeness(S.fillna(0), utc("00:00"), utc("02:00")) == []
    assert check_ts_completeness(S, utc("03:00"), utc("00:00")) == []
    assert clocks(check_ts_completeness(S, utc("00:30"), utc("00:30"))) == [("00:00", "01:00")]


def test_empty_or_missing_series_give_the_whole_window_as_a_list():
    # 0.5/0.6 returned the tuple ((start, end),) and raised on None
    for ds in (pd.Series(dtype=float), None, pd.DataFrame()):
        assert check_ts_completeness(ds, "a", "b") == [("a", "b")]


def test_messages_go_to_msgs_or_to_the_legacy_logger(caplog):
    msgs = ["before"]
    check_ts_completeness(S, utc("00:00"), utc("02:00"), tag="X", msgs=msgs)
    assert msgs == [
        "before",
        "X contains NaNs",
        "X   from 2024-01-01 00:30:00+00:00 to 2024-01-01 01:00:00+00:00 (0 days 00:30:00) "
        "(holes widen by 0 days 00:30:00)",
    ]
    with caplog.at_level(logging.WARNING, logger="hostore.utils.timeseries"):
        check_ts_completeness(pd.Series(dtype=float), utc("00:00"), utc("02:00"))
        check_ts_completeness(S, utc("00:00"), utc("02:00"), freq_margin="0min")
    assert caplog.messages == [
        "is empty",
        "contains NaNs",
        "  from 2024-01-01 00:30:00+00:00 to 2024-01-01 01:00:00+00:00 (0 days 00:30:00) "
        "(holes widen by 0 days 00:00:00)",
    ]
    assert {r.name for r in caplog.records} == {"hostore.utils.timeseries"}
    msgs = []
    check_ts_completeness(S.fillna(0), utc("00:00"), utc("02:00"), msgs=msgs)
    assert msgs == []


@pytest.mark.parametrize(
    ("data_tz", "bounds_tz"), [("UTC", None), (None, "UTC"), ("Europe/Paris", None)]
)
def test_naive_bounds_with_aware_data_or_the_reverse_raise(data_tz, bounds_tz):
    # 0.5/0.6 silently reported the whole window missing
    ds = half_hours([1.0, 1.0], tz=data_tz)
    start = pd.Timestamp("2024-01-01 00:00", tz=bounds_tz)
    with pytest.raises(InvalidBoundsError, match="bounds are") as info:
        check_ts_completeness(ds, start, start + pd.Timedelta("1h"))
    assert isinstance(info.value, ValueError)


def test_bounds_in_another_zone_give_holes_in_theirs():
    paris = [pd.Timestamp(f"2024-01-01 {h}", tz="Europe/Paris") for h in ("01:00", "03:00")]
    got = check_ts_completeness(S, *paris, freq_margin="0min")
    assert [(a.isoformat(), b.isoformat()) for a, b in got] == [
        ("2024-01-01T01:30:00+01:00", "2024-01-01T02:00:00+01:00")
    ]


def test_dst_days_margin_is_absolute_time():
    days = pd.date_range("2024-03-29", periods=5, freq="D", tz="Europe/Paris")
    ds = pd.Series([1, 1, np.nan, 1, 1], index=days, dtype=float)
    ((start, end),) = check_ts_completeness(ds, days[0], days[-1], freq="D")
    assert start.isoformat() == "2024-03-30T00:00:00+01:00"
    assert end.isoformat() == "2024-04-01T01:00:00+02:00"  # 24 h after the missing midnight
    fall = pd.date_range("2024-10-27 00:00", "2024-10-27 05:00", freq="30min", tz="Europe/Paris")
    values = np.ones(len(fall))
    values[4:8] = np.nan  # 02:00+02:00 .. 02:30+01:00
    ((start, end),) = check_ts_completeness(pd.Series(values, index=fall), fall[0], fall[-1])
    assert (start.isoformat(), end.isoformat()) == (
        "2024-10-27T01:30:00+02:00",
        "2024-10-27T03:00:00+01:00",
    )


def test_frames_are_summed_so_only_absent_rows_are_holes():
    index = pd.DatetimeIndex([utc("00:00"), utc("00:30"), utc("01:30")])
    frame = pd.DataFrame({"a": [1.0, np.nan, 1.0], "b": [1.0, np.nan, np.nan]}, index=index)
    assert clocks(check_ts_completeness(frame, utc("00:00"), utc("01:30"), freq_margin="0min")) == [
        ("01:00", "01:00")
    ]


def test_duplicated_timestamps_raise():
    ds = pd.Series([1.0, 2.0], index=[utc("00:00"), utc("00:00")])
    with pytest.raises(DuplicateTimestampError) as info:
        check_ts_completeness(ds, utc("00:00"), utc("01:00"))
    assert isinstance(info.value, ValueError)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["value", "nan", "absent"]), min_size=1, max_size=30),
    st.integers(0, 3),
    st.integers(0, 4),
)
def test_holes_match_a_point_by_point_scan(states, margin_steps, shift):
    grid = pd.date_range("2024-01-01", periods=len(states), freq="30min", tz="UTC")
    present = [i for i, s in enumerate(states) if s != "absent"]
    values = [1.0 if states[i] == "value" else np.nan for i in present]
    ds = pd.Series(values, index=grid[present], dtype=float).iloc[::-1]  # order is irrelevant
    margin = pd.Timedelta(minutes=30 * margin_steps)
    window = grid[min(shift, len(grid) - 1) :]
    got = check_ts_completeness(ds, window[0], window[-1], freq_margin=margin)
    if ds.empty:  # no data at all: the window as given, not widened (as in 0.5/0.6)
        assert got == [(window[0], window[-1])]
        return
    expected, run = [], None
    for t in window:
        missing = states[grid.get_loc(t)] != "value"
        if missing and run is None:
            run = [t, t]
        elif missing:
            run[1] = t
        elif run is not None:
            expected.append((run[0] - margin, run[1] + margin))
            run = None
    if run is not None:
        expected.append((run[0] - margin, run[1] + margin))
    assert got == expected
