"""Bulk writes of model rows for the key:value stores, blobs bound as binary parameters.

Django's PostgreSQL cursor binds parameters on the client: a blob becomes hex text twice its
size inside the SQL, which the server parses again. These statements run on the driver's
server-binding cursor instead (:mod:`._driver`), prepared, as the chunk store's do; other
databases (and connections with execute wrappers) use Django's ``bulk_create`` /
``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections

from . import _driver

# Bytes of blobs per statement of insert/update on PostgreSQL: big enough for few
# round trips, small enough not to hold many copies of a large write in memory.
_STATEMENT_BYTES = 16 * 2**20


def _statements(head: str, mark: str, tail: str, rows: list[list], limit: int):
    """``(sql, params)`` of multi-row statements, each at most ``limit`` rows (and about
    :data:`_STATEMENT_BYTES` of bytes values)."""
    batch: list[list] = []
    size = 0
    for row in [*rows, None]:
        if row is not None:
            batch.append(row)
            size += sum(len(v) for v in row if isinstance(v, (bytes, memoryview)))
        if batch and (row is None or len(batch) >= limit or size >= _STATEMENT_BYTES):
            sql = head + ", ".join([mark] * len(batch)) + tail
            yield sql, [v for r in batch for v in r]
            batch, size = [], 0


def _rows_per_statement(conn, fields: list) -> int:
    """At most 500 rows a statement, within the driver's parameter limit."""
    return min(500, (_driver.max_params(conn) or 500 * len(fields)) // len(fields))


def _raw_ok(conn) -> bool:
    return conn.vendor == "postgresql" and not conn.execute_wrappers


def insert(model, objs: list, alias: str) -> None:
    """``bulk_create(objs)``. On PostgreSQL as prepared multi-row INSERTs on the driver's
    server-binding cursor: blobs travel as binary parameters, not as hex text twice their
    size in the SQL (which made writes of large curves three times slower)."""
    conn = connections[alias]
    if not objs:
        return
    if not _raw_ok(conn):
        model._default_manager.using(alias).bulk_create(objs, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields] for obj in objs]
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    mark = "(" + ", ".join(["%s"] * len(fields)) + ")"
    _driver.execute(
        conn, list(_statements(head, mark, "", rows, _rows_per_statement(conn, fields)))
    )


def update(model, objs: list, names: Sequence[str], alias: str) -> None:
    """``bulk_update(objs, names)``. On PostgreSQL as prepared ``UPDATE ... FROM (VALUES
    ...)`` statements, blobs bound as binary parameters (see :func:`insert`)."""
    conn = connections[alias]
    if not objs:
        return
    if not _raw_ok(conn):
        model._default_manager.using(alias).bulk_update(objs, names, batch_size=500)
        return
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(n) for n in names)]
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields] for obj in objs]
    quote = conn.ops.quote_name
    table = quote(meta.db_table)
    cols = [quote(f.column) for f in fields]
    mark = "(" + ", ".join(f"%s::{f.db_type(conn)}" for f in fields) + ")"
    sets = ", ".join(f"{c} = v.{c}" for c in cols[1:])
    head = f"UPDATE {table} SET {sets} FROM (VALUES "
    tail = f") AS v ({', '.join(cols)}) WHERE {table}.{cols[0]} = v.{cols[0]}"
    _driver.execute(
        conn, list(_statements(head, mark, tail, rows, _rows_per_statement(conn, fields)))
    )
