"""Store.find_holes and Store.find_groups: missing stretches on the grid of expected times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hostore.exceptions import InvalidBoundsError
from tests.testapp.models import LoadStore

from .store_data import at, curve

NAN = np.nan
T = pd.Timestamp
SD, ED = "2024-01-01 00:00+00:00", "2024-01-01 02:00+00:00"  # 5 half-hours


def holes(prms=None, **kwargs) -> dict:
    return dict(LoadStore.find_holes(1, SD, ED, prms=prms, **kwargs))


def utc(hhmm: str) -> pd.Timestamp:
    return T(f"2024-01-01 {hhmm}", tz="UTC")


@pytest.mark.parametrize(
    ("values", "times", "expected"),
    [
        ([1, 1, 1, 1, 1], ("00:00", "00:30", "01:00", "01:30", "02:00"), []),
        ([1, NAN, NAN, 1, 1], ("00:00", "00:30", "01:00", "01:30", "02:00"), [("00:30", "01:00")]),
        ([1, 1], ("01:00", "01:30"), [("00:00", "00:30"), ("02:00", "02:00")]),
        ([1, 1], ("00:00", "00:30"), [("01:00", "02:00")]),
        ([1, 1], ("05:00", "05:30"), [("00:00", "02:00")]),  # only outside the window
        ([NAN, 2], ("00:00", "03:00"), [("00:00", "02:00")]),  # NaN inside, value outside
        ([1, 1, 1], ("00:00", "00:10", "01:30"), [("00:30", "01:00"), ("02:00", "02:00")]),
    ],
)
def test_holes_are_the_missing_runs_of_the_grid_bounds_included(db, values, times, expected):
    LoadStore.set_lc("A", pd.Series(values, at(*times), dtype=float), 1)
    assert holes(["A"]) == {"A": [(utc(a), utc(b)) for a, b in expected]}


def test_an_absent_prm_is_one_hole_and_margins_widen_holes(db):
    LoadStore.set_lc(
        "A", pd.Series([1, NAN, NAN, 1, 1], at("00:00", "00:30", "01:00", "01:30", "02:00")), 1
    )
    assert holes(["Z"]) == {"Z": [(T(SD), T(ED))]}
    assert holes(["A"], freq_margin=pd.Timedelta("30min")) == {"A": [(utc("00:00"), utc("01:30"))]}
    assert holes(["A"], freq_margin="1h") == {
        "A": [(utc("23:30") - pd.Timedelta("1D"), utc("02:00"))]
    }
    assert holes(["A"], freq_margin=None) == {"A": [(utc("00:00"), utc("01:30"))]}  # None: freq


def test_versions_combine_before_holes_are_found(db):
    LoadStore.set_lc("A", pd.Series([1.0, 1.0], at("00:00", "00:30")), 1, versionning=True)
    LoadStore.set_lc("A", pd.Series([2.0, 2.0], at("01:30", "02:00")), 1, versionning=True)
    assert holes(["A"]) == {"A": [(utc("01:00"), utc("01:00"))]}


def test_every_prm_of_the_client_once_and_filters_apply(db):
    for _ in (0, 1):
        LoadStore.set_lc("A", curve(values=[1, NAN, 1, 1]), 1, versionning=True)
    LoadStore.set_lc("B", curve(periods=5), 1)
    LoadStore.set_lc("C", curve(), 2)
    found = list(LoadStore.find_holes(1, SD, ED))
    assert [prm for prm, _ in found] == ["A", "B"]  # 0.6 listed A once per version
    assert dict(found)["B"] == []
    only_b = list(LoadStore.find_holes(1, SD, ED, custom_filters={"prm": "B"}))
    assert [prm for prm, _ in only_b] == ["B"]
    assert list(LoadStore.find_holes(1, SD, ED, prms=["B"], chunk_size=1)) == [("B", [])]


def test_a_dst_day_has_23_hours(db):
    day = pd.date_range("2024-03-31", periods=23, freq="1h", tz="Europe/Paris")
    values = np.ones(23)
    values[2] = NAN  # 03:00+02:00, the hour after the change
    LoadStore.set_lc("A", pd.Series(values, day), 1)
    [(_, found)] = LoadStore.find_holes(1, day[0], day[-1], freq="1h", prms=["A"])
    assert found == [(day[2], day[2])] and day[2].hour == 3


def test_bounds_unlike_the_data_are_an_error_not_a_whole_hole(db):
    LoadStore.set_lc("A", curve(), 1)
    with pytest.raises(InvalidBoundsError, match="naive"):
        list(LoadStore.find_holes(1, "2024-01-01 00:00", "2024-01-01 02:00", prms=["A"]))
    with pytest.raises(InvalidBoundsError, match="cannot build"):
        list(LoadStore.find_holes(1, "yesterday", ED, prms=["A"]))


def test_find_holes_is_vectorised_on_a_year(db):
    year = pd.date_range("2023-01-01", "2023-12-31 23:30", freq="30min", tz="Europe/Paris")
    values = np.ones(len(year))
    values[100:148] = NAN
    values[-10:] = NAN
    LoadStore.set_lc("A", pd.Series(values, year), 1)
    [(_, found)] = LoadStore.find_holes(1, year[0], year[-1], prms=["A"])
    assert found == [(year[100], year[147]), (year[-10], year[-1])]


def test_find_groups_groups_prms_by_identical_missing_ranges(db):
    from hostore.tools.ranges import Range

    day = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC")
    gappy = np.ones(24)
    gappy[[3, 4, 5, 10]] = NAN
    LoadStore.set_lc("a", pd.Series(gappy, day), 1)
    LoadStore.set_lc("b", pd.Series(gappy * 2, day), 1)
    LoadStore.set_lc("c", pd.Series(np.ones(16), day[5:21]), 1)
    LoadStore.set_lc("e", pd.Series(np.ones(3), day[:3] + pd.Timedelta("2D")), 1)
    drr = Range(day[0], day[-1])
    groups, data = LoadStore.find_groups(1, ["a", "b", "c", "d", "e"], drr, freq="1h")
    assert dict(groups) == {
        Range(day[3], day[5]): ["a", "b"],
        Range(day[10], day[10]): ["a", "b"],
        Range(day[0], day[4]): ["c"],
        Range(day[21], day[23]): ["c"],
        drr: ["d", "e"],  # nothing stored, nothing in the range
    }
    assert sorted(data) == ["a", "b", "c"]
    assert data["c"][0]["data"].index.equals(day[5:21])
    assert drr == Range(day[0], day[-1])  # not changed (0.6 could mutate it)
