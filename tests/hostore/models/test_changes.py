"""The change sequence: every write gets a number, and the horizon holds back what is in flight."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from django.db import connection, connections, transaction

from hostore.models import ChangeClock, _changes
from tests.testapp.models import HourlyMirror, HourlyStore, YearlyStore

A = {"version": 1, "kind": "a"}
B = {"version": 2, "kind": "b"}


def serie(start="2024-01-30", periods=72) -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(periods, dtype=float), index=idx)


def seqs(model=HourlyStore, **filters) -> list[int]:
    qs = model.objects.filter(**filters).order_by("chunk_index")
    return list(qs.values_list("sync_seq", flat=True))


def test_every_write_takes_a_new_number_shared_by_its_rows(db):
    HourlyStore.set_ts(A, serie())  # two chunks, one write
    first = seqs(kind="a")
    assert len(first) == 2 and first[0] == first[1] > 0
    HourlyStore.set_ts(A, serie("2024-01-31", 3), update=True)
    assert seqs(kind="a", chunk_index=2024 * 12)[0] > first[0]
    HourlyStore.set_many_ts({(2, "b"): serie(), (3, "c"): serie()}, keys=("version", "kind"))
    bulk = set(seqs(version__gt=1))
    assert len(bulk) == 1 and bulk.pop() > max(seqs(kind="a"))


def test_deletes_updates_and_saves_take_new_numbers(db):
    HourlyStore.set_ts(A, serie())
    before = max(seqs())
    HourlyStore.objects.filter(chunk_index=2024 * 12).delete()
    deleted = HourlyStore.objects.get(chunk_index=2024 * 12)
    assert deleted.is_deleted and deleted.sync_seq > before
    HourlyStore.objects.filter(chunk_index=2024 * 12 + 1).update(dtype="float64")
    updated = HourlyStore.objects.get(chunk_index=2024 * 12 + 1)
    assert updated.sync_seq > deleted.sync_seq
    by_update = updated.sync_seq
    updated.save()
    updated.refresh_from_db()
    assert updated.sync_seq > by_update
    instance = HourlyStore.objects.get(chunk_index=2024 * 12 + 1)
    instance.delete()
    assert instance.is_deleted and instance.sync_seq > updated.sync_seq


def test_imports_take_numbers_of_the_importing_store(db):
    HourlyStore.set_ts(A, serie())
    payload = HourlyStore.export_chunks(
        [{"attrs": A, "chunk_index": c} for c in (2024 * 12, 2024 * 12 + 1)]
    )
    HourlyMirror.import_chunks(payload)
    mirrored = seqs(HourlyMirror)
    assert len(set(mirrored)) == 1 and mirrored[0] > 0


def test_changes_are_listed_in_number_order_with_resumable_positions(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie())
    HourlyStore.set_ts(A, serie("2024-01-31", 2), update=True)  # A's January moves last
    items = HourlyStore.list_changes()
    assert [(i["attrs"]["kind"], i["chunk_index"]) for i in items] == [
        ("a", 2024 * 12 + 1),
        ("b", 2024 * 12),
        ("b", 2024 * 12 + 1),
        ("a", 2024 * 12),
    ]
    positions = [i["position"] for i in items]
    assert positions == sorted(positions)
    rest = HourlyStore.list_changes(after=positions[1])
    assert [i["position"] for i in rest] == positions[2:]
    assert HourlyStore.list_changes(after=positions[-1]) == []
    assert [i["position"] for i in HourlyStore.list_changes(limit=2, offset=1)] == positions[1:3]
    assert {i["attrs"]["kind"] for i in HourlyStore.list_changes(filters={"kind": "b"})} == {"b"}


def test_stores_have_distinct_tags_and_sqlite_counters(db):
    assert _changes.store_tag(HourlyStore) != _changes.store_tag(HourlyMirror)
    assert 0 < _changes.store_tag(HourlyStore) < 2**23
    HourlyStore.set_ts(A, serie())
    YearlyStore.set_ts({"meter": "m"}, serie())
    if connection.vendor == "sqlite":
        clocks = dict(ChangeClock.objects.values_list("name", "value"))
        assert clocks["testapp.hourlystore"] == max(seqs())
        assert clocks["testapp.yearlystore"] == max(seqs(YearlyStore))
    else:
        assert _changes.horizon(HourlyStore, "default") >= max(seqs())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_in_flight_holds_the_horizon_below_its_number():
    """While a transaction that took number n is open, nothing from n on is listed, even
    changes committed after it took n; once it commits, all are listed in number order."""
    holding, release = threading.Event(), threading.Event()
    errors = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                HourlyStore.set_ts(A, serie())
                holding.set()
                release.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert holding.wait(10)
        HourlyStore.set_ts(B, serie())  # a later number, committed first
        in_flight = HourlyStore.objects.filter(kind="b").values_list("sync_seq", flat=True)[0]
        assert _changes.horizon(HourlyStore, "default") < in_flight
        assert HourlyStore.list_changes() == []
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert [i["attrs"]["kind"] for i in HourlyStore.list_changes()] == ["a", "a", "b", "b"]
    assert _changes.horizon(HourlyStore, "default") >= in_flight


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_write_releases_its_number():
    """A write that rolls back leaves a gap in the numbers, not a hole in the horizon."""
    with pytest.raises(RuntimeError), transaction.atomic():
        HourlyStore.set_ts(A, serie())
        raise RuntimeError("abort")
    HourlyStore.set_ts(B, serie())
    assert [i["attrs"]["kind"] for i in HourlyStore.list_changes()] == ["b", "b"]
    with connection.cursor() as cursor:  # the gate is never left held
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
