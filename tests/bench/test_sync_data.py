"""The sync phase's data: which series a round changes, its patches, the expected state."""

import numpy as np
import pandas as pd
import pytest

from bench.data import make_workload
from bench.sync_data import (
    Expected,
    changed_meters,
    chunk_of,
    patch_month,
    patches,
    write_series,
)


@pytest.mark.parametrize("n", [1, 10, 99, 100, 1000, 1234])
def test_a_round_changes_one_percent_of_the_series_at_least_one(n):
    for round_ in range(3):
        meters = changed_meters(n, round_)
        assert len(meters) == max(1, n // 100)
        assert all(0 <= int(m[1:]) < n for m in meters)


def test_rounds_change_other_series_and_other_months():
    assert changed_meters(1000, 0) != changed_meters(1000, 1)
    assert len({patch_month(r) for r in range(12)}) == 12


def test_a_patch_is_ten_days_of_values_inside_one_monthly_chunk():
    for round_ in range(12):
        for patch in patches(200, round_).values():
            assert len(patch) >= 10 * 48 - 2  # a DST change may take an hour
            assert not patch.isna().any()
            assert chunk_of(patch.index[0]) == chunk_of(patch.index[-1])
            assert str(patch.index.tz) == "Europe/Paris"


def test_expected_follows_the_patches_chunk_by_chunk():
    work = make_workload("realistic", 3)
    expected = Expected(work)
    assert expected.chunk_count == 36
    for meter, serie in work.series.items():  # the stored year, month by month
        joined = np.concatenate([expected.chunks[meter][c] for c in sorted(expected.chunks[meter])])
        np.testing.assert_array_equal(joined, serie.to_numpy())
    changes = patches(3, 1)
    before = {m: {c: a.copy() for c, a in chunks.items()} for m, chunks in expected.chunks.items()}
    touched = expected.apply(changes)
    assert touched == [(m, chunk_of(p.index[0])) for m, p in changes.items()]
    for meter, chunks in expected.chunks.items():
        for ci, values in chunks.items():
            if (meter, ci) not in touched:
                np.testing.assert_array_equal(values, before[meter][ci])
    meter, ci = touched[0]
    month = work.series[meter].copy()
    month[changes[meter].index] = changes[meter]
    month = month[(month.index.year * 12 + month.index.month - 1) == ci]
    np.testing.assert_array_equal(expected.chunks[meter][ci], month.to_numpy())


def test_series_files_carry_the_very_values(tmp_path):
    work = make_workload("realistic", 2)
    path = write_series(tmp_path / "s.npz", work.series)
    with np.load(path) as data:
        assert list(data["meters"]) == list(work.series)
        start = pd.Timestamp(str(data["start"])).tz_convert(str(data["tz"]))
        index = pd.date_range(start, periods=data["values"].shape[1], freq=str(data["freq"]))
        assert index.equals(work.index)
        for row, serie in zip(data["values"], work.series.values(), strict=True):
            np.testing.assert_array_equal(row, serie.to_numpy())
