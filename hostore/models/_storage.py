"""What ``migrate`` cannot declare: the blob column's storage, and the change log.

Blobs are compressed already: PostgreSQL's default ``EXTENDED`` storage tries (and fails)
to compress them again on every write. ``EXTERNAL`` keeps large blobs out of line
without that attempt. It is a catalog-only change, applied after ``migrate``, which also
installs the change log's sequence and functions (:mod:`._changes`) on each database that
holds a store.
"""

from __future__ import annotations

from django.apps import apps
from django.db import DatabaseError, connections, router

from . import _changes


def prefer_external_storage(model, using: str) -> bool:
    """Set ``STORAGE EXTERNAL`` on ``model``'s ``data`` column; True if it changed anything."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not router.allow_migrate_model(using, model):
        return False
    table = model._meta.db_table
    column = model._meta.get_field("data").column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s",
            [connection.ops.quote_name(table), column],
        )
        row = cursor.fetchone()
        if row is None or row[0] == "e":
            return False
        cursor.execute(
            f"ALTER TABLE {connection.ops.quote_name(table)} "
            f"ALTER COLUMN {connection.ops.quote_name(column)} SET STORAGE EXTERNAL"
        )
    return True


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate``: every chunk store of the migrated app gets external storage."""
    from .chunk_store import TimeseriesChunkStore

    stores = [
        model
        for model in apps.get_app_config(sender.label).get_models()
        if issubclass(model, TimeseriesChunkStore)
    ]
    if any(router.allow_migrate_model(using, model) for model in stores):
        _changes.install(connections[using])
    for model in stores:
        try:
            prefer_external_storage(model, using)
        except DatabaseError:  # e.g. no privilege to ALTER: a missed optimisation only
            continue
