"""``series_list`` and ``describe_series`` of the chunk store: the figures of a series list,
computed in the database (the list) and from the given series' chunks only (the details)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hostore.exceptions import InvalidAttrsError
from tests.testapp.models import HourlyStore, KeylessStore

pytestmark = pytest.mark.django_db


def hourly(start: str, n: int) -> pd.Series:
    idx = pd.date_range(start, periods=n, freq="h", tz="Europe/Paris")
    return pd.Series(np.arange(n, dtype=float), idx)


@pytest.fixture
def stored(db):
    HourlyStore.set_ts({"version": 2, "kind": "b"}, hourly("2024-01-31 20:00", 10))
    gaps = hourly("2024-03-01", 24 * 40)
    gaps.iloc[:3] = np.nan
    gaps.iloc[-5:] = np.nan
    HourlyStore.set_ts({"version": 1, "kind": "a"}, gaps)
    HourlyStore.set_ts({"version": 3, "kind": "gone"}, hourly("2024-01-01", 5))
    HourlyStore.objects.filter(version=3).delete()


def blob_bytes(**attrs) -> int:
    rows = HourlyStore.objects.filter(is_deleted=False, **attrs).values_list("data", flat=True)
    return sum(len(bytes(d)) for d in rows)


def test_series_list_is_one_line_per_live_series(stored):
    got = list(HourlyStore.series_list())
    assert got == [
        {
            "version": 1,
            "kind": "a",
            "chunks": 2,
            "stored_bytes": blob_bytes(version=1),
            "first_chunk": 2024 * 12 + 2,
            "last_chunk": 2024 * 12 + 3,
        },
        {
            "version": 2,
            "kind": "b",
            "chunks": 2,
            "stored_bytes": blob_bytes(version=2),
            "first_chunk": 2024 * 12 + 0,
            "last_chunk": 2024 * 12 + 1,
        },
    ]
    assert HourlyStore.series_list().count() == 2
    assert [x["kind"] for x in HourlyStore.series_list().filter(version=2)] == ["b"]


def test_describe_series_decodes_only_the_given_series(stored):
    with CaptureQueriesContext(connection) as queries:
        found = HourlyStore.describe_series(
            [
                {"version": 2, "kind": "b"},
                {"version": 9, "kind": "none"},
                {"kind": "a", "version": 1},
            ]
        )
    assert len(queries) == 1
    assert found == [
        {
            "first": pd.Timestamp("2024-01-31 20:00", tz="Europe/Paris"),
            "last": pd.Timestamp("2024-02-01 05:00", tz="Europe/Paris"),
            "values": 10,
        },
        {"first": None, "last": None, "values": 0},
        {
            "first": pd.Timestamp("2024-03-01 03:00", tz="Europe/Paris"),
            "last": pd.Timestamp("2024-04-09 19:00", tz="Europe/Paris"),  # 23 h on 31 March
            "values": 24 * 40 - 8,
        },
    ]
    assert HourlyStore.describe_series([]) == []


def test_describe_series_of_a_deleted_series_is_empty(stored):
    assert HourlyStore.describe_series([{"version": 3, "kind": "gone"}]) == [
        {"first": None, "last": None, "values": 0}
    ]


def test_describe_series_refuses_other_fields(stored):
    with pytest.raises(InvalidAttrsError, match="business keys"):
        HourlyStore.describe_series([{"version": 1}])


def test_a_keyless_store_has_one_line(db):
    KeylessStore.set_ts({}, hourly("2024-01-01", 4).tz_convert("UTC").asfreq("15min"))
    got = list(KeylessStore.series_list())
    assert [x["chunks"] for x in got] == [1]
    assert KeylessStore.describe_series([{}]) == [
        {
            "first": pd.Timestamp("2024-01-01", tz="Europe/Paris"),
            "last": pd.Timestamp("2024-01-01 03:00", tz="Europe/Paris"),
            "values": 4,
        }
    ]
