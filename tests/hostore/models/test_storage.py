"""The blob column of every store uses EXTERNAL storage on PostgreSQL after migrate."""

import pytest
from django.db import connection

from hostore.models._storage import prefer_external_storage
from tests.conftest import CITUS, CITUS_SHARDS
from tests.testapp.models import (
    CustomMetaStore,
    FrameStore,
    HourlyStore,
    LoadStore,
    YearKindSeries,
)


def storage_of(model, column: str = "data") -> str:
    """The column's storage; on Citus, the one of the table and of each of its shards."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, column],
        )
        found = {cursor.fetchone()[0]}
        if CITUS:
            cursor.execute(
                "SELECT success, result FROM run_command_on_shards(%s, $$SELECT attstorage "
                "FROM pg_attribute WHERE attrelid = '%%s'::regclass AND attname = '$$ || %s "
                "|| $$'$$)",
                [table, column],
            )
            shards = cursor.fetchall()
            assert len(shards) == CITUS_SHARDS and all(ok for ok, _ in shards)
            found |= {result for _, result in shards}
    assert len(found) == 1, found
    return found.pop()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("model", "column"),
    [
        (HourlyStore, "data"),
        (CustomMetaStore, "data"),
        (LoadStore, "data"),
        (YearKindSeries, "data"),
        (FrameStore, "payload"),
    ],
)
def test_migrate_sets_external_storage(db, model, column):
    assert storage_of(model, column) == "e"
    assert prefer_external_storage(model, "default", column) is False  # nothing left to do


@pytest.mark.postgres
def test_prefer_external_storage_changes_a_default_column(db):
    if CITUS:
        pytest.skip("Citus refuses SET STORAGE on a distributed table: migrate sets it first")
    table = connection.ops.quote_name(HourlyStore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTENDED")
    assert storage_of(HourlyStore) == "x"
    assert prefer_external_storage(HourlyStore, "default") is True
    assert storage_of(HourlyStore) == "e"


def test_other_databases_are_left_alone(db):
    if connection.vendor == "postgresql":
        pytest.skip("covered above")
    assert prefer_external_storage(HourlyStore, "default") is False
