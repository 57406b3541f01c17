"""The benchmark's workloads: deterministic, on the store's grid, shaped as documented."""

import numpy as np
import pandas as pd
import pytest

from bench import data


@pytest.fixture(scope="module")
def realistic():
    return data.make_workload("realistic", 4)


def test_year_index_is_every_local_half_hour_of_2023():
    index = data.year_index()
    assert len(index) == 17_520
    assert str(index.tz) == data.TZ
    per_day = pd.Series(1, index=index).groupby(index.date).size()
    assert per_day[pd.Timestamp("2023-03-26").date()] == 46  # spring forward
    assert per_day[pd.Timestamp("2023-10-29").date()] == 50  # fall back
    assert set(per_day.drop([pd.Timestamp(d).date() for d in ("2023-03-26", "2023-10-29")])) == {48}


def test_realistic_series_are_integer_watts_with_a_few_inner_gaps(realistic):
    for serie in realistic.series.values():
        values = serie.to_numpy()
        assert values.dtype == np.float64
        valid = values[~np.isnan(values)]
        np.testing.assert_array_equal(valid, np.round(valid))
        assert valid.min() >= 0 and valid.max() > 100
        missing = np.isnan(values)
        assert 1 <= missing.sum() <= 3 * 96
        runs = np.flatnonzero(np.diff(missing.astype(int)) == 1)
        assert 1 <= len(runs) <= 3
        assert not missing[:48].any() and not missing[-48 * 19 :].any()


def test_random_series_have_no_gap_and_stay_in_range():
    work = data.make_workload("random", 2)
    for serie in work.series.values():
        values = serie.to_numpy()
        assert not np.isnan(values).any()
        assert values.min() >= 0 and values.max() < 1000
        assert not np.array_equal(values, np.round(values))


def test_workloads_are_deterministic_and_a_small_one_is_a_prefix(realistic):
    again = data.make_workload("realistic", 2)
    assert list(again.series) == realistic.meters[:2]
    for meter in again.meters:
        pd.testing.assert_series_equal(again.series[meter], realistic.series[meter])
        pd.testing.assert_series_equal(again.patches[meter], realistic.patches[meter])
        assert again.windows[meter] == realistic.windows[meter]
    first, other = list(realistic.series.values())[:2]
    assert not first.equals(other)  # each meter its own home
    assert not data.make_workload("random", 1).series[realistic.meters[0]].equals(first)


def test_patch_is_30_days_half_over_the_stored_year(realistic):
    for meter, patch in realistic.patches.items():
        assert len(patch) == 30 * 48
        assert not patch.isna().any()
        assert patch.index[0] == pd.Timestamp("2023-12-17", tz=data.TZ)
        inside = patch.index < pd.Timestamp("2024-01-01", tz=data.TZ)
        assert inside.sum() == 15 * 48
        updated = realistic.updated(meter)
        pd.testing.assert_series_equal(updated[patch.index], patch, check_names=False)
        before = realistic.series[meter][: patch.index[0] - pd.Timedelta(data.FREQ)]
        pd.testing.assert_series_equal(updated[before.index], before, check_names=False)


def test_windows_are_one_local_day_each(realistic):
    for meter, (start, end) in realistic.windows.items():
        assert start == start.normalize()
        assert end == start + pd.DateOffset(days=1) - pd.Timedelta(data.FREQ)
        assert len(realistic.series[meter][start:end]) in (46, 48, 50)
    assert realistic.window_points() == sum(
        len(realistic.series[m][a:b]) for m, (a, b) in realistic.windows.items()
    )
    assert realistic.points == 4 * 17_520


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile 'smooth'"):
        data.make_workload("smooth", 1)
