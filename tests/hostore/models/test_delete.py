"""Tombstone deletes, hard deletes and the purge of old tombstones."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.utils import timezone

from tests.testapp.models import HourlyStore

A = {"version": 1, "kind": "a"}
B = {"version": 2, "kind": "b"}


def serie(start="2024-01-30", periods=72) -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(periods, dtype=float), index=idx)


def test_queryset_delete_leaves_tombstones(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie())
    before = HourlyStore.last_updated_at()
    count, detail = HourlyStore.objects.filter(version=1).delete()
    assert count == 2 and detail == {"testapp.HourlyStore": 2}
    rows = HourlyStore.objects.filter(version=1).values_list("is_deleted", "data", "updated_at")
    assert [(d, bytes(b)) for d, b, _ in rows] == [(True, b""), (True, b"")]
    assert all(u > before for _, _, u in rows)
    assert HourlyStore.get_ts(A) is None
    pd.testing.assert_series_equal(HourlyStore.get_ts(B), serie())
    assert [a for _, a in HourlyStore.yield_many_ts()] == [B]


def test_deleting_twice_does_not_bump_tombstones(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.objects.all().delete()
    first = HourlyStore.last_updated_at()
    assert HourlyStore.objects.all().delete()[0] == 0
    assert HourlyStore.last_updated_at() == first


def test_instance_delete_leaves_a_tombstone(db):
    HourlyStore.set_ts(A, serie())
    row = HourlyStore.objects.order_by("chunk_index").first()
    row.delete()
    assert row.is_deleted and bytes(row.data) == b""
    assert HourlyStore.objects.count() == 2
    got = HourlyStore.get_ts(A)
    assert got.index[0] == pd.Timestamp("2024-02-01", tz="Europe/Paris")


def test_hard_delete_removes_rows(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie())
    HourlyStore.objects.filter(version=1).delete(hard_delete=True)
    assert HourlyStore.objects.filter(version=1).count() == 0
    HourlyStore.objects.filter(version=2).first().delete(hard_delete=True)
    assert HourlyStore.objects.count() == 1


def test_purge_removes_only_old_tombstones(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie())
    HourlyStore.objects.filter(version=1).delete()
    old = timezone.now() - dt.timedelta(days=40)
    HourlyStore.objects.filter(version=1, chunk_index=2024 * 12).update(updated_at=old)
    assert HourlyStore.purge_tombstones(older_than=timezone.now() - dt.timedelta(days=30)) == 1
    left = HourlyStore.objects.values_list("version", "chunk_index", "is_deleted")
    assert sorted(left) == [
        (1, 2024 * 12 + 1, True),
        (2, 2024 * 12, False),
        (2, 2024 * 12 + 1, False),
    ]
    assert HourlyStore.objects.purge_tombstones(timezone.now() + dt.timedelta(seconds=1)) == 1
    assert not HourlyStore.objects.filter(is_deleted=True).exists()


def test_update_after_delete_starts_from_nothing(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.objects.all().delete()
    HourlyStore.set_ts(A, serie("2024-01-30 05:00", 1) * 0 + 42, update=True)
    got = HourlyStore.get_ts(A)
    assert got.tolist() == [42.0]
