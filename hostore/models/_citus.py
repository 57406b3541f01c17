"""Citus: a store's table spread over worker nodes by one of its business keys.

A store declares ``DISTRIBUTE_BY = "<business key>"``. On a database with the Citus
extension, ``migrate`` (its ``post_migrate`` step) then makes the table a distributed
table by that column: Citus wants the distribution column in the primary key and in every
unique constraint, so the primary key becomes ``(key, id)`` (Django still addresses rows by
``id``, which stays unique: it comes from one sequence on the coordinator); the unique
constraints of the stores already hold their business keys. Citus colocates tables
distributed by columns of the same type, so the series of one meter in several stores live
on one worker. Rows already in the table are moved into the shards. On PostgreSQL without
Citus and on SQLite the attribute changes nothing.

Everything else works unchanged because every statement of a store names its series' keys
(one shard) or reads many series with one statement per shard, and the series locks and the
change numbers live on the coordinator (see :mod:`._changes`).
"""

from __future__ import annotations

from typing import cast

from django.db import DatabaseError, connections, models, router, transaction

from ..exceptions import InvalidAttrsError, StoreConfigurationError
from ._typing import ModelMixinBase


def is_citus(connection) -> bool:
    """Whether ``connection``'s database has the Citus extension (looked up once per
    database)."""
    if connection.vendor != "postgresql":
        return False
    cache = connection.__dict__.setdefault("_hostore_citus", {})
    name = connection.settings_dict["NAME"]
    if name not in cache:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
            cache[name] = cursor.fetchone() is not None
    return cache[name]


def distribute_by(model) -> str | None:
    """The column ``model`` declares to be distributed by, if any."""
    return getattr(model, "DISTRIBUTE_BY", None)


def business_keys(model) -> tuple[str, ...]:
    """The fields that name a series (or a frame) of ``model``: what may distribute it."""
    from .chunk_store import TimeseriesChunkStore
    from .dataframe_store import DataFrameStore
    from .store import Store
    from .timeseries_store import _key_sets

    if issubclass(model, TimeseriesChunkStore):
        return model._hostore.keys
    if issubclass(model, Store):
        return ("prm", "client_id")
    if issubclass(model, DataFrameStore):
        return ("client_id", "key")
    return tuple(dict.fromkeys(name for key in _key_sets(model) for name in key))


def unique_sets(model) -> list[tuple[str, ...]]:
    """The field sets ``model``'s table keeps unique, besides its primary key."""
    meta = model._meta
    sets = [tuple(names) for names in meta.unique_together]
    sets += [tuple(c.fields) for c in meta.constraints if getattr(c, "fields", None)]
    sets += [(f.name,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    return sets


def declaration_problems(model) -> list[str]:
    """What is wrong with ``model``'s ``DISTRIBUTE_BY`` (nothing if it declares none)."""
    column = distribute_by(model)
    if column is None:
        return []
    keys = business_keys(model)
    if not isinstance(column, str) or column not in keys:
        return [f"DISTRIBUTE_BY = {column!r} is not one of its business keys {list(keys)}"]
    return [
        f"its unique constraint on {list(names)} does not include DISTRIBUTE_BY "
        f"{column!r} (Citus keeps unique only what includes the distribution column)"
        for names in unique_sets(model)
        if column not in names
    ]


def distributed_column(connection, table: str) -> str | None:
    """The column ``table`` is hash-distributed by on this Citus database, if it is."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition "
            "WHERE logicalrelid = to_regclass(%s) AND partmethod = 'h'",
            [connection.ops.quote_name(table)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def distribute(model, using: str) -> bool:
    """Make ``model``'s table a distributed table by its ``DISTRIBUTE_BY`` column, with its
    rows, if the database has Citus and it is not one yet; True if it did."""
    connection = connections[using]
    column = distribute_by(model)
    if column is None or not router.allow_migrate_model(using, model):
        return False
    if not is_citus(connection):
        return False
    problems = declaration_problems(model)
    if problems:
        raise StoreConfigurationError(f"{model._meta.label}: {'; '.join(problems)}")
    table = model._meta.db_table
    current = distributed_column(connection, table)
    if current is not None:
        return False
    quote = connection.ops.quote_name
    db_column = model._meta.get_field(column).column
    pk = model._meta.pk.column
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                "AND contype = 'p'",
                [quote(table)],
            )
            row = cursor.fetchone()
            drop = f"DROP CONSTRAINT {quote(row[0])}, " if row else ""
            cursor.execute(
                f"ALTER TABLE {quote(table)} {drop}ADD PRIMARY KEY ({quote(db_column)}, "
                f"{quote(pk)})"
            )
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
            (has_rows,) = cursor.fetchone()
            cursor.execute(
                "SELECT create_distributed_table(%s, %s, colocate_with => 'default')",
                [quote(table), db_column],
            )
            if has_rows:  # copied into the shards: the coordinator's own copy goes
                cursor.execute(
                    "SELECT truncate_local_data_after_distributing_table(%s)", [quote(table)]
                )
    except DatabaseError as exc:
        raise StoreConfigurationError(
            f"{model._meta.label}: Citus could not distribute {table} by {column!r}: "
            f"{str(exc).strip()}. A foreign key must point to a reference table "
            "(create_reference_table) or to a table distributed by the same key."
        ) from exc
    return True


class DistributedSaveMixin(ModelMixinBase):
    """``save()`` of a row that exists on a Citus table: the UPDATE leaves out the
    distribution column, which Citus refuses to assign, even its own value (after checking
    that it did not change: a row cannot move to another series by ``save()``)."""

    def save(self, *args, **kwargs) -> None:
        model = type(self)
        column = distribute_by(model)
        if column is None:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(model, instance=self)
        if (
            not args
            and not kwargs.get("force_insert")
            and not self._state.adding
            and self.pk is not None
            and is_citus(connections[using])
        ):
            field = cast(models.Field, model._meta.get_field(column))
            manager = model._default_manager.using(using)
            stored = list(manager.filter(pk=self.pk).values_list(field.attname, flat=True)[:1])
            if stored:  # an UPDATE (else Django inserts the row, column included)
                if stored[0] != field.to_python(getattr(self, field.attname)):  # "3" is 3
                    raise InvalidAttrsError(
                        f"{model._meta.label}: the row's {column!r} cannot change, it is the "
                        "column the table is distributed by on Citus; write the data under "
                        "the new key and delete this row"
                    )
                names = kwargs.get("update_fields")
                if names is None:
                    names = [f.name for f in model._meta.concrete_fields if not f.primary_key]
                kwargs["update_fields"] = [n for n in names if n not in (column, field.attname)]
        super().save(*args, **kwargs)
