"""Writes on the driver's own cursor keep Django's rules: wrappers, logging, errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from hostore import codecs
from hostore.models._sql import store_sql
from tests.conftest import snapshot
from tests.testapp.models import HourlyStore

ATTRS = {"version": 1, "kind": "a"}


def hours(start: str, periods: int, first: float = 0.0) -> pd.Series:
    index = pd.date_range(start, periods=periods, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(periods, dtype=float) + first, index=index)


def rows(count: int, data: bytes | None) -> list[tuple]:
    """Chunk rows of one HourlyStore series, in the column order of ``StoreSQL``."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    return [
        (1, "a", ci, now, "float64", data, now, False, 1, 1, 0, 0, None, now) for ci in range(count)
    ]


def test_writes_go_through_the_users_execute_wrappers(db):
    HourlyStore.set_ts(ATTRS, hours("2024-01-01", 4))
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        HourlyStore.set_ts(ATTRS, hours("2024-01-01 02:00", 3, first=7.0), update=True)
    assert HourlyStore.get_ts(ATTRS).tolist() == [0.0, 1.0, 7.0, 8.0, 9.0]
    assert any(sql.startswith("INSERT INTO") and "ON CONFLICT" in sql for sql in seen)


def test_writes_are_logged_for_debug_tools(db):
    with CaptureQueriesContext(connection) as queries:
        HourlyStore.set_ts(ATTRS, hours("2024-01-31 22:00", 4))
    table = connection.ops.quote_name(HourlyStore._meta.db_table)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith(f"INSERT INTO {table}")]
    assert len(inserts) == 1 and "ON CONFLICT" in inserts[0]["sql"]
    assert float(inserts[0]["time"]) >= 0.0
    assert HourlyStore.objects.filter(is_deleted=False).count() == 2  # January and February


def test_a_write_in_a_broken_transaction_raises_djangos_error(db):
    HourlyStore.set_ts(ATTRS, hours("2024-01-01", 4))
    before = snapshot(HourlyStore)
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            HourlyStore.set_ts(ATTRS, hours("2024-01-01", 2, first=5.0), update=True)
    assert snapshot(HourlyStore) == before


def test_driver_errors_become_djangos_and_write_nothing(db):
    """A NOT NULL violation raised by the driver reaches the caller as Django's
    IntegrityError, and the transaction it broke writes nothing."""
    HourlyStore.set_ts(ATTRS, hours("2024-01-01", 4))
    before = snapshot(HourlyStore)
    sql = store_sql(HourlyStore, "default")
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.upsert(rows(3, None), batch_size=100)
    assert snapshot(HourlyStore) == before


def test_upserts_bind_no_more_parameters_than_postgresql_accepts(db):
    """One bound statement holds at most 65,535 parameters: 8,200 rows of 14 columns take
    two statements on PostgreSQL whatever the batch size (SQLite's own limit is lower)."""
    data = codecs.encode(np.array([1.5]))
    sql = store_sql(HourlyStore, "default")
    with CaptureQueriesContext(connection) as queries:
        sql.upsert(rows(8200, data), batch_size=10_000)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT INTO")]
    if connection.vendor == "postgresql":
        assert len(inserts) == 2  # 4,681 rows, then 3,519
    assert HourlyStore.objects.count() == 8200
    assert bytes(HourlyStore.objects.filter(chunk_index=8199).get().data) == data


@pytest.mark.postgres
def test_no_statement_is_prepared_when_the_connection_turns_them_off(transactional_db):
    """``prepare_threshold=None`` (in the database OPTIONS, for poolers that cannot keep
    prepared statements) is obeyed by reads and writes alike; by default they prepare."""

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    for threshold, grows in ((None, False), (5, True)):
        connection.close()
        connection.ensure_connection()
        connection.connection.prepare_threshold = threshold
        HourlyStore.objects.all().delete()
        HourlyStore.set_ts(ATTRS, hours("2024-01-01", 4))
        HourlyStore.set_ts(ATTRS, hours("2024-01-01 02:00", 3, first=7.0), update=True)
        assert HourlyStore.get_ts(ATTRS).tolist() == [0.0, 1.0, 7.0, 8.0, 9.0]
        assert [s.tolist() for s, _ in HourlyStore.yield_many_ts()] == [[0, 1, 7, 8, 9]]
        assert (prepared() > 0) is grows
    connection.close()
