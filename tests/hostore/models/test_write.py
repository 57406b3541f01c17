"""Write semantics: plain, update (combine_first), replace, bulk; atomicity; concurrency."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import uuid

import numpy as np
import pandas as pd
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings

from hostore import codecs
from hostore.exceptions import SeriesExistsError
from hostore.models import _queries
from tests.conftest import snapshot
from tests.testapp.models import HourlyStore, KeylessStore, TypedKeyStore, YearlyStore

ATTRS = {"version": 1, "kind": "a"}


def series(start, periods, freq="1h", values=None, tz="Europe/Paris") -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq=freq, tz=tz)
    data = np.arange(periods, dtype=float) if values is None else np.asarray(values, float)
    return pd.Series(data, index=idx)


def live_chunks(model, **filters) -> list[int]:
    qs = model.objects.filter(is_deleted=False, **filters).order_by("chunk_index")
    return list(qs.values_list("chunk_index", flat=True))


def test_update_is_combine_first_of_new_over_stored(db):
    old = series("2024-01-31 00:00", 48, values=np.r_[np.arange(40.0), [np.nan] * 8])
    new = series("2024-01-31 12:00", 60, values=np.where(np.arange(60) % 3, np.nan, -1.0))
    HourlyStore.set_ts(ATTRS, old)
    HourlyStore.set_ts(ATTRS, new, update=True)
    expected = new.combine_first(old).dropna()
    got = HourlyStore.get_ts(ATTRS)
    pd.testing.assert_series_equal(got.dropna(), expected, check_freq=False)
    assert got.index.freq == "h"


def test_update_creates_missing_series_and_chunks(db):
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 5), update=True)
    HourlyStore.set_ts(ATTRS, series("2024-06-01", 5), update=True)
    assert live_chunks(HourlyStore) == [2024 * 12, 2024 * 12 + 5]
    got = HourlyStore.get_ts(ATTRS)
    assert got.count() == 10 and got.index[0] == pd.Timestamp("2024-01-01", tz="Europe/Paris")


def test_replace_makes_the_stored_series_exactly_the_new_one(db):
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 24 * 90))  # Jan, Feb, Mar
    new = series("2024-02-10", 24, values=np.full(24, 7.0))
    HourlyStore.set_ts(ATTRS, new, replace=True)
    pd.testing.assert_series_equal(HourlyStore.get_ts(ATTRS), new)
    assert live_chunks(HourlyStore) == [2024 * 12 + 1]
    # the chunks it does not cover are tombstones now, so sync clients learn of them
    gone = HourlyStore.objects.filter(is_deleted=True).values_list("chunk_index", "data")
    assert sorted((c, bytes(d)) for c, d in gone) == [(2024 * 12, b""), (2024 * 12 + 2, b"")]


def test_plain_write_over_a_deleted_series_works(db):
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 10))
    HourlyStore.objects.filter(**ATTRS).delete()
    assert HourlyStore.get_ts(ATTRS) is None
    new = series("2024-01-01 05:00", 3, values=[5.0, 6.0, 7.0])
    HourlyStore.set_ts(ATTRS, new)
    pd.testing.assert_series_equal(HourlyStore.get_ts(ATTRS), new)


def test_update_ignores_tombstoned_values(db):
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 10))
    HourlyStore.objects.filter(**ATTRS).delete()
    new = series("2024-01-01 05:00", 1, values=[1.5])
    HourlyStore.set_ts(ATTRS, new, update=True)
    pd.testing.assert_series_equal(HourlyStore.get_ts(ATTRS), new)


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_writes_leave_the_callers_series_as_it_was(db, read_only):
    """Float values are written straight from the caller's array, without a copy: no write
    path may change them, and an array the caller made read-only must do."""
    data = np.r_[np.arange(30.0), [np.nan] * 6, np.arange(12.0)]
    data.flags.writeable = not read_only
    mine = series("2024-01-31 00:00", len(data), values=data)
    if read_only:
        mine = pd.Series(data, index=mine.index, copy=False)
        assert not mine.to_numpy().flags.writeable
    kept = mine.copy(deep=True)
    HourlyStore.set_ts(ATTRS, mine)
    HourlyStore.set_ts(ATTRS, mine * 0 + 7, update=True)
    HourlyStore.set_ts(ATTRS, mine, update=True)
    HourlyStore.set_ts({**ATTRS, "version": 2}, mine, replace=True)
    HourlyStore.set_many_ts({(3, "a"): mine}, keys=["version", "kind"])
    pd.testing.assert_series_equal(mine, kept)
    got = HourlyStore.get_ts({**ATTRS, "version": 3})
    pd.testing.assert_series_equal(got, kept, check_freq=False)


def test_set_many_ts_writes_all(db):
    mapping = {f"m{i}": series("2023-12-31", 72, freq="30min") * i for i in range(5)}
    YearlyStore.set_many_ts(mapping, keys=("meter",))
    for meter, serie in mapping.items():
        pd.testing.assert_series_equal(YearlyStore.get_ts({"meter": meter}), serie)
    assert live_chunks(YearlyStore, meter="m1") == [2023, 2024]


def test_keyless_store(db):
    serie = series("2024-01-01", 96, freq="15min")
    KeylessStore.set_ts({}, serie)
    pd.testing.assert_series_equal(KeylessStore.get_ts({}), serie)
    with pytest.raises(Exception, match="already"):
        KeylessStore.set_ts({}, serie)


@pytest.mark.parametrize("mode", ["plain", "update", "replace", "many"])
def test_failure_after_the_first_chunk_leaves_nothing(db, monkeypatch, mode):
    """Inject a database-side failure after the first chunk row was written."""
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 24 * 60))
    HourlyStore.set_ts({"version": 8, "kind": "x"}, series("2024-03-01", 5))
    HourlyStore.objects.filter(version=8).delete()
    before = snapshot(HourlyStore)
    real_upsert = _queries.write_rows

    def upsert_then_fail(model, rows, alias, fresh=False):
        real_upsert(model, list(rows)[:1], alias, fresh)  # the first chunk reaches the table ...
        assert model.objects.filter(updated_at__gt=before_max).exists()
        raise RuntimeError("injected failure")  # ... then the write breaks

    before_max = HourlyStore.last_updated_at()
    monkeypatch.setattr(_queries, "write_rows", upsert_then_fail)
    new = series("2024-01-15", 24 * 80, values=np.full(24 * 80, 3.0))
    with pytest.raises(RuntimeError, match="injected"):
        if mode == "many":
            HourlyStore.set_many_ts({(8, "x"): new, (9, "y"): new}, keys=("version", "kind"))
        else:
            target = {"version": 8, "kind": "x"} if mode == "plain" else ATTRS
            HourlyStore.set_ts(target, new, update=mode == "update", replace=mode == "replace")
    assert snapshot(HourlyStore) == before


def test_failure_in_a_later_batch_of_set_many_leaves_nothing(db):
    mapping = {(i, "k"): series("2024-01-01", 48) for i in range(6)}
    mapping[(5, "k")] = series("2024-01-01 00:07", 2)  # off grid, in the last batch
    small_batches = override_settings(HOSTORE={"BULK_BATCH_SIZE": 1})
    with small_batches, pytest.raises(ValueError, match="grid"):
        HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    assert HourlyStore.objects.count() == 0


def test_statements_per_write_are_bounded(db):
    """A bulk write sends a bounded number of statements, not one per chunk or series."""
    mapping = {(i, "k"): series("2024-01-01", 24 * 366) for i in range(30)}  # 360 chunks
    with CaptureQueriesContext(connection) as ctx:
        HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    sqls = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    table = connection.ops.quote_name(HourlyStore._meta.db_table).upper()
    writes = [s for s in sqls if s.startswith((f"INSERT INTO {table}", f"COPY {table}"))]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("COPY")  # one binary COPY
    else:  # one multi-row INSERT per batch; SQLite caps the parameters of a statement
        n_fields = len(HourlyStore._meta.concrete_fields) - 1
        per_batch = min(500, connection.ops.bulk_batch_size([None] * n_fields, [None] * 360))
        assert len(writes) == -(-360 // per_batch)
    # savepoints, lock and change number, existence check
    assert len(ctx.captured_queries) - len(writes) <= 5
    with CaptureQueriesContext(connection) as ctx:
        HourlyStore.set_ts({"version": 1, "kind": "k"}, series("2024-02-01", 24 * 60), update=True)
    assert len(ctx.captured_queries) <= 5


def test_blobs_are_written_with_the_store_codec(db):
    from tests.testapp.models import ZstdStore

    serie = series("2024-01-01", 48, freq="30min")
    ZstdStore.set_ts({"meter": "z"}, serie)
    YearlyStore.set_ts({"meter": "z"}, serie)
    zblob = bytes(ZstdStore.objects.get().data)
    lblob = bytes(YearlyStore.objects.get().data)
    assert codecs.codec_of(zblob).codec_id == "shuffle-zstd"
    assert codecs.codec_of(lblob).codec_id == codecs.DEFAULT_CODEC == "pco"


def test_a_store_reads_chunks_of_another_codec(db):
    """Changing STORE_CODEC keeps old chunks readable: blobs name their codec."""
    serie = series("2024-01-01", 48, freq="30min")
    YearlyStore.set_ts({"meter": "z"}, serie)
    row = YearlyStore.objects.get()
    row.data = codecs.encode(codecs.decode(bytes(row.data), row.dtype), "shuffle-zstd")
    row.save()
    pd.testing.assert_series_equal(YearlyStore.get_ts({"meter": "z"}), serie)
    YearlyStore.set_ts({"meter": "z"}, series("2024-01-02", 1, values=[99.0]), update=True)
    assert YearlyStore.get_ts({"meter": "z"}).iloc[48] == 99.0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_of_one_series_lose_no_value():
    """Several threads update disjoint slots of the same chunks at once (real PostgreSQL)."""
    n_threads, per_thread = 6, 40
    start = pd.Timestamp("2024-01-31 00:00", tz="Europe/Paris")
    barrier = threading.Barrier(n_threads)
    errors = []

    def writer(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                slot = start + pd.Timedelta(hours=i * n_threads + k)
                serie = pd.Series([float(k * 1000 + i)], index=pd.DatetimeIndex([slot]))
                HourlyStore.set_ts(ATTRS, serie, update=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = HourlyStore.get_ts(ATTRS)
    assert got.count() == n_threads * per_thread
    for k in range(n_threads):
        for i in (0, per_thread - 1):
            assert got[start + pd.Timedelta(hours=i * n_threads + k)] == k * 1000 + i


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plain_writes_one_wins_the_other_gets_integrity_error():
    from django.db import IntegrityError

    barrier = threading.Barrier(2)
    outcomes = []

    def writer(value: float) -> None:
        try:
            barrier.wait()
            HourlyStore.set_ts(ATTRS, series("2024-01-01", 3, values=[value] * 3))
            outcomes.append("ok")
        except IntegrityError:
            outcomes.append("integrity")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(v,)) for v in (1.0, 2.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["integrity", "ok"]
    assert HourlyStore.get_ts(ATTRS).nunique() == 1


def test_bad_series_met_during_a_streamed_copy_leaves_nothing(db):
    """Enough rows for the COPY path on PostgreSQL; the bad series comes last."""
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 24))
    before = snapshot(HourlyStore)
    mapping = {(i, "k"): series("2024-01-01", 24 * 60) for i in range(2, 60)}  # 116 rows
    mapping[(99, "k")] = series("2024-01-01 00:30", 2)  # off grid
    with pytest.raises(ValueError, match="grid"):
        HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    assert snapshot(HourlyStore) == before


def test_set_many_ts_writes_new_series_and_revives_deleted_ones(db):
    deleted = [(i, "k") for i in range(5)]
    HourlyStore.set_many_ts(
        {k: series("2024-01-01", 24) for k in deleted}, keys=("version", "kind")
    )
    HourlyStore.objects.all().delete()
    mapping = {
        (i, "k"): series("2024-03-01", 24 * 70, values=np.full(24 * 70, i)) for i in range(40)
    }
    HourlyStore.set_many_ts(mapping, keys=("version", "kind"))  # 35 new, 5 revived
    for (version, kind), serie in mapping.items():
        pd.testing.assert_series_equal(
            HourlyStore.get_ts({"version": version, "kind": kind}), serie
        )
    # the revived series' old January chunk stays a tombstone, their new chunks are live
    assert HourlyStore.objects.filter(is_deleted=True).count() == 5
    assert HourlyStore.objects.filter(is_deleted=False).count() == 40 * 3


def test_existing_series_are_found_whatever_the_key_types(db):
    """The existence check compares keys as the database returns them (SQLite: dates,
    UUIDs and decimals as text), after Django's conversions."""
    keys = ("day", "uid", "at", "ratio")
    key = (
        dt.date(2024, 5, 1),
        uuid.UUID(int=7),
        dt.datetime(2024, 5, 1, 6, tzinfo=dt.timezone.utc),
        decimal.Decimal("1.50"),
    )
    other = (key[0], uuid.UUID(int=8), key[2], key[3])
    TypedKeyStore.set_many_ts({key: series("2024-05-01", 24, tz="UTC")}, keys=keys)
    before = snapshot(TypedKeyStore)
    with pytest.raises(SeriesExistsError, match="1 series"):
        TypedKeyStore.set_many_ts(
            {other: series("2024-05-01", 24, tz="UTC"), key: series("2024-06-01", 5, tz="UTC")},
            keys=keys,
        )
    assert snapshot(TypedKeyStore) == before
    TypedKeyStore.objects.filter(uid=key[1]).delete()  # tombstones: the series may return
    TypedKeyStore.set_many_ts({key: series("2024-06-01", 5, tz="UTC", values=[1] * 5)}, keys=keys)
    got = TypedKeyStore.get_ts(dict(zip(keys, key, strict=True)))
    assert got.tolist() == [1.0] * 5 and got.index[0] == pd.Timestamp("2024-06-01", tz="UTC")


def test_existence_check_of_many_series_spans_several_statements(db):
    """More keys than one existence statement takes (two keys each): every one is seen."""
    mapping = {(v, "k"): series("2024-01-01", 3) for v in range(450)}
    HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    HourlyStore.objects.filter(version__gte=400).delete()  # tombstones only: may return
    before = snapshot(HourlyStore)
    again = {key: series("2024-02-01", 2) for key in mapping}
    with pytest.raises(SeriesExistsError, match="400 series of the mapping already exist"):
        HourlyStore.set_many_ts(again, keys=("version", "kind"))
    assert snapshot(HourlyStore) == before
    revived = {(v, "k"): series("2024-02-01", 2) for v in range(400, 450)}
    HourlyStore.set_many_ts(revived, keys=("version", "kind"))
    assert HourlyStore.get_ts({"version": 420, "kind": "k"}).index[0].month == 2


def test_update_without_pipelines_locks_then_fetches(db, monkeypatch):
    """With a libpq older than 14 (no pipeline), the lock and the fetch go one by one."""
    monkeypatch.setattr(_queries, "pipeline_supported", lambda: False)
    HourlyStore.set_ts(ATTRS, series("2024-01-01", 4))
    with CaptureQueriesContext(connection) as queries:
        HourlyStore.set_ts(ATTRS, series("2024-01-01 02:00", 3, values=[7, 8, 9]), update=True)
    assert HourlyStore.get_ts(ATTRS).tolist() == [0.0, 1.0, 7.0, 8.0, 9.0]
    if connection.vendor == "postgresql":
        sql = [q["sql"] for q in queries.captured_queries]
        lock = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s)
        fetch = next(i for i, s in enumerate(sql) if s.startswith("SELECT") and "ORDER BY" in s)
        assert lock < fetch
