"""What ``migrate`` cannot declare: the blob column's storage, the change log, and the
distribution of the tables on Citus (:mod:`._citus`).

Blobs are compressed already (chunks by their codec, curves by LZ4, frames by zstd):
PostgreSQL's default ``EXTENDED`` storage tries (and fails) to compress them again on every
write, which halves the speed of bulk writes. ``EXTERNAL`` keeps large blobs out of line
without that attempt. It is a catalog-only change, applied after ``migrate``, which also
installs the change log's sequence and functions (:mod:`._changes`) on each database that
holds a store.
"""

from __future__ import annotations

import contextlib

from django.apps import apps
from django.db import DatabaseError, connections, router

from . import _changes, _citus


def prefer_external_storage(model, using: str, field: str = "data") -> bool:
    """Set ``STORAGE EXTERNAL`` on ``model``'s blob column (``field``); True if it changed
    anything."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not router.allow_migrate_model(using, model):
        return False
    table = model._meta.db_table
    column = model._meta.get_field(field).column
    if _citus.is_citus(connection) and _citus.distributed_column(connection, table):
        return False  # Citus refuses this ALTER on a distributed table (see on_post_migrate)
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


def blob_field(model) -> str | None:
    """The column of ``model`` holding compressed blobs, if it is one of the stores."""
    from .chunk_store import TimeseriesChunkStore
    from .dataframe_store import DataFrameStore
    from .store import Store
    from .timeseries_store import TimeseriesStore

    if issubclass(model, (TimeseriesChunkStore, Store, TimeseriesStore)):
        return "data"
    if issubclass(model, DataFrameStore):
        return "payload"  # Parquet, compressed by zstd
    return None


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate``: every store of the migrated app is distributed on Citus if it
    declares ``DISTRIBUTE_BY`` and gets external storage for its blobs, and the change log
    is installed where chunk stores live."""
    from .chunk_store import TimeseriesChunkStore

    models = apps.get_app_config(sender.label).get_models()
    stores = [(model, field) for model in models if (field := blob_field(model))]
    chunked = [m for m, _ in stores if issubclass(m, TimeseriesChunkStore)]
    if any(router.allow_migrate_model(using, model) for model in chunked):
        _changes.install(connections[using])
    for model, field in stores:
        # first: Citus copies the column's storage into the shards it creates. A failure
        # (no privilege to ALTER, say) is a missed optimisation only.
        with contextlib.suppress(DatabaseError):
            prefer_external_storage(model, using, field)
        _citus.distribute(model, using)
