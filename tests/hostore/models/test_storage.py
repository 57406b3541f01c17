"""The blob column of every store uses EXTERNAL storage on PostgreSQL after migrate."""

import pytest
from django.db import connection

from hostore.models._storage import prefer_external_storage
from tests.testapp.models import (
    CustomMetaStore,
    FrameStore,
    HourlyStore,
    LoadStore,
    YearKindSeries,
)


def storage_of(model, column: str = "data") -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [model._meta.db_table, column],
        )
        return cursor.fetchone()[0]


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
