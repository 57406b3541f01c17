"""The blob column of every chunk store uses EXTERNAL storage on PostgreSQL after migrate."""

import pytest
from django.db import connection

from hostore.models._storage import prefer_external_storage
from tests.testapp.models import CustomMetaStore, HourlyStore


def storage_of(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname = 'data'",
            [model._meta.db_table],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("model", [HourlyStore, CustomMetaStore])
def test_migrate_sets_external_storage(db, model):
    assert storage_of(model) == "e"
    assert prefer_external_storage(model, "default") is False  # nothing left to do


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
