"""The change sequence: a number for every write, and the horizon below which all are settled.

Replication must be able to tell a client "you have everything up to here". A timestamp
cannot say it (clocks differ, and a transaction can commit after a later one), so every write
transaction of a store takes a number from one sequence and stores it in the rows it writes
(``sync_seq``). A reader serves rows up to a *horizon*: a number below which every write has
committed or rolled back, so no later commit can land behind a position a client holds.
``docs/sync.md`` proves it.

- PostgreSQL: numbers come from the sequence ``hostore_change_seq``. ``hostore_next_change``
  takes one and holds a transaction-scoped advisory lock on it until the writer ends.
  ``hostore_change_horizon`` returns the sequence's last value, or the smallest number still
  locked less one. Writers hold a gate (a shared advisory lock) while they take a number and
  lock it, and the horizon is read under the gate held exclusively, so no writer is ever
  between the two steps when it is read. Only advisory locks and a sequence are used, no
  transaction ids or snapshots, so it holds when the table is distributed with Citus (the
  functions run on the coordinator).
- SQLite serialises writers: a number is taken from a counter row (``ChangeClock``) under the
  writer's lock, so writers commit in number order and every snapshot sees a prefix of the
  numbers. No horizon is needed.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from django.db import connections

_SEQUENCE = "hostore_change_seq"
_SEQ_BITS = 40  # numbers below 2**40: a million writes a second for 12 days... per 1000 years
_SEQ_MASK = (1 << _SEQ_BITS) - 1

# Installed by the hostore migration and after every ``migrate`` (see ``_storage``).
INSTALL_SQL = (
    f"CREATE SEQUENCE IF NOT EXISTS {_SEQUENCE}",
    # A writer's number, locked until its transaction ends. The gate (the store's key with
    # number 0) is held shared while the number is taken and locked, and released on error:
    # a session lock outlives a failed transaction.
    f"""
CREATE OR REPLACE FUNCTION hostore_next_change(tag bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  gate constant bigint := tag << {_SEQ_BITS};
  n bigint;
BEGIN
  PERFORM pg_advisory_lock_shared(gate);
  BEGIN
    n := nextval('{_SEQUENCE}');
    PERFORM pg_advisory_xact_lock(gate | n);
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock_shared(gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock_shared(gate);
  RETURN n;
END $$""",
    # The highest number below which no writer of the store is still running: the sequence's
    # last value, or the smallest number still locked by another session, less one. Read
    # under the gate, so that every number taken so far is either locked or settled.
    f"""
CREATE OR REPLACE FUNCTION hostore_change_horizon(tag bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  gate constant bigint := tag << {_SEQ_BITS};
  taken bigint;
  busy bigint;
BEGIN
  PERFORM pg_advisory_lock(gate);
  BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO taken FROM {_SEQUENCE};
    SELECT min(((l.classid::bigint << 32) | l.objid::bigint) & {_SEQ_MASK}) INTO busy
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
       AND l.pid <> pg_backend_pid()
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND (l.classid::bigint >> {_SEQ_BITS - 32}) = tag
       AND ((l.classid::bigint << 32) | l.objid::bigint) & {_SEQ_MASK} > 0;
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(gate);
  RETURN least(taken, coalesce(busy - 1, taken));
END $$""",
)


class Position(NamedTuple):
    """Where a reader of changes stands: after the row ``row_id`` of change ``seq``."""

    seq: int
    row_id: int


START = Position(-1, 0)


def store_tag(model) -> int:
    """A store's 23-bit tag: the high bits of its lock keys (distinct tables, distinct tags)."""
    digest = hashlib.blake2b(f"hostore-changes\x00{model._meta.db_table}".encode(), digest_size=4)
    return int.from_bytes(digest.digest(), "big") % ((1 << 23) - 1) + 1


def install(connection) -> None:
    """Create the sequence and functions of the change log (PostgreSQL; idempotent)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in INSTALL_SQL:
            cursor.execute(statement)


# Series locks first (a writer may wait for them), then the number: the number is held, and
# holds the horizon back, only while the writer actually writes. The aggregate in the FROM
# clause is computed before the outer function runs.
# ``lock_timeout`` is set for the transaction in the argument of the first lock, so that it
# applies to every one of them.
_LOCK_AND_TAKE_SQL = (
    "SELECT hostore_next_change(%s) FROM "
    "(SELECT count(pg_advisory_xact_lock(k + 0 * length(set_config('lock_timeout', %s, true))))"
    " FROM unnest(%s::bigint[]) AS k) AS locked"
)


def lock_and_take_sql(model, lock_ids: list[int]) -> tuple[str, list]:
    """PostgreSQL ``(sql, params)``: take the series locks ``lock_ids``, then a new change
    number of ``model`` (the statement's one value), waiting ``LOCK_TIMEOUT`` at most."""
    from ._locking import lock_timeout_arg

    return _LOCK_AND_TAKE_SQL, [store_tag(model), lock_timeout_arg(), lock_ids]


def take(model, alias: str) -> int:
    """A new change number of ``model`` for the current (writing) transaction.

    Must run inside the transaction that writes the number into its rows.
    """
    conn = connections[alias]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT hostore_next_change(%s)", [store_tag(model)])
        else:
            _tick(cursor, model)
        return int(cursor.fetchone()[0])


def _tick(cursor, model) -> None:
    """Increment the store's counter row; the cursor then holds the new value (SQLite)."""
    from .sync_state import ChangeClock

    table = cursor.db.ops.quote_name(ChangeClock._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} (name, value) VALUES (%s, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        [model._meta.label_lower],
    )


def horizon(model, alias: str) -> int | None:
    """The highest change number below which every write of ``model`` is settled (None: no
    bound, as on SQLite where snapshots always see a prefix of the numbers)."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT hostore_change_horizon(%s)", [store_tag(model)])
        return int(cursor.fetchone()[0])
