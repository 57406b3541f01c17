"""``upsample_using_reference_serie``: coarse values spread along a finer reference profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore.exceptions import DuplicateTimestampError
from hostore.tools import upsample_using_reference_serie as upsample


def at(clocks, values, tz="UTC", **kwargs):
    index = pd.DatetimeIndex([pd.Timestamp(f"2024-01-01 {c}") for c in clocks]).tz_localize(tz)
    return pd.Series(values, index=index, **kwargs)


def half_hours(values, start="2024-01-01 00:00", tz="UTC", **kwargs):
    index = pd.date_range(start, periods=len(values), freq="30min", tz=tz)
    return pd.Series(values, index=index, dtype=float, **kwargs)


COARSE = at(["00:00", "01:00"], [10.0, 20.0])


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ([1, 3, 2, 2], [5, 15, 20, 20]),
        ([1, 3, 2, 2, 5, 5], [5, 15, 20 * 2 / 3.5, 20 * 2 / 3.5, 20 * 5 / 3.5, 20 * 5 / 3.5]),
        ([1, np.nan, 2, 2], [10 / 1.5, np.nan, 20, 20]),  # the mean skips NaN
        ([0, 0, 0, 1], [10, 10, 0, 40]),  # a zero mean: the coarse value itself
        ([1, -1, 0, 1], [10, 10, 0, 40]),
        ([0, np.nan, 0, 1, 1], [10, 10, 0, 30, 30]),
        ([np.nan, np.nan, np.nan, 1], [np.nan, np.nan, np.nan, 20]),
        ([1, 3, np.nan, 4, 5], [5, 15, np.nan, 20 * 4 / 4.5, 20 * 5 / 4.5]),
    ],
)
def test_groups_span_from_one_coarse_timestamp_to_the_next_included(reference, expected):
    got = upsample(COARSE, half_hours(reference))
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)


def test_result_is_an_unnamed_float_series_on_the_reference_index():
    reference = half_hours([1, 3, 2, 2], name="ref").rename_axis("when")
    got = upsample(COARSE.astype(int).rename("coarse"), reference)
    assert got.name is None and got.dtype == np.float64
    assert got.index.equals(reference.index) and got.index.name == "when"


def test_points_before_the_first_coarse_value_are_nan():
    got = upsample(COARSE, half_hours([1, 1, 1, 3, 2, 2], start="2023-12-31 23:00"))
    assert got.iloc[:2].isna().all() and got.iloc[2:4].tolist() == [5.0, 15.0]


def test_coarse_values_off_the_reference_or_nan_are_ignored():
    reference = half_hours([1, 3, 2, 2, 2])
    got = upsample(at(["00:00", "00:45", "01:00"], [10.0, 15.0, 20.0]), reference)
    assert got.tolist() == upsample(COARSE, reference).tolist()
    got = upsample(at(["00:00", "01:00", "01:30"], [10.0, np.nan, 5.0]), reference)
    assert got.tolist() == [5.0, 15.0, 10.0, 5.0, 5.0]
    naive = upsample(COARSE.tz_localize(None), reference)  # matches no reference timestamp
    assert naive.isna().all()


def test_unsorted_inputs_follow_time():
    # 0.5/0.6 gave order-dependent results here
    reference = half_hours([1, 3, 2, 2])
    expected = upsample(COARSE, reference)
    assert upsample(COARSE.iloc[::-1], reference).tolist() == expected.tolist()
    backwards = upsample(COARSE, reference.iloc[::-1])
    assert backwards.index.equals(reference.index[::-1])
    assert backwards.tolist() == expected.tolist()[::-1]


@pytest.mark.parametrize("which", ["ds_resampled", "ds_reference"])
def test_duplicated_timestamps_raise(which):
    coarse, reference = COARSE, half_hours([1, 3, 2, 2])
    if which == "ds_resampled":
        coarse = pd.concat([coarse, coarse.iloc[:1]])
    else:
        reference = pd.concat([reference, reference.iloc[:1]])
    with pytest.raises(DuplicateTimestampError, match=which):
        upsample(coarse, reference)


def test_empty_inputs():
    reference = half_hours([1, 3])
    assert upsample(COARSE.iloc[:0], reference).isna().all()
    assert upsample(COARSE, reference.iloc[:0]).empty


def test_daily_over_hourly_across_a_dst_change():
    days = pd.date_range("2024-10-26", periods=3, freq="D", tz="Europe/Paris")
    hours = pd.date_range(days[0], days[-1] + pd.Timedelta("23h"), freq="h")
    profile = pd.Series(np.arange(len(hours)) % 7 + 1.0, index=hours)
    got = upsample(pd.Series([24.0, 50.0, 12.0], index=days), profile)
    day2 = (hours >= days[1]) & (hours < days[2])
    assert day2.sum() == 25  # the day clocks go back
    # each group runs to the next midnight included: its mean is over 26 points here
    group = profile[(hours >= days[1]) & (hours <= days[2])]
    np.testing.assert_allclose(got[day2], 50.0 * profile[day2] / group.mean(), rtol=1e-12)
    # the last group has no shared point: it averages to its coarse value
    assert got[hours >= days[2]].mean() == pytest.approx(12.0, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    # integers: sums are exact, so a zero mean is zero whatever the order of the additions
    st.lists(st.one_of(st.just(np.nan), st.integers(-3, 3).map(float)), min_size=1, max_size=20),
    st.lists(st.integers(0, 19), max_size=5, unique=True),
    st.lists(st.floats(-100, 100), min_size=5, max_size=5),
)
def test_matches_a_group_by_group_computation(reference, anchor_positions, coarse_values):
    ref = half_hours(reference)
    anchors = sorted(p for p in anchor_positions if p < len(reference))
    coarse = pd.Series(coarse_values[: len(anchors)], index=ref.index[anchors], dtype=float)
    got = upsample(coarse, ref)
    expected = np.full(len(reference), np.nan)
    for k, start in enumerate(anchors):  # later groups overwrite the shared point
        stop = anchors[k + 1] if k + 1 < len(anchors) else len(reference) - 1
        group = np.asarray(reference[start : stop + 1], dtype=float)
        mean = np.nanmean(group) if not np.isnan(group).all() else np.nan
        value = coarse.iloc[k]
        expected[start : stop + 1] = value if mean == 0 else value * group / mean
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9, atol=1e-9)
