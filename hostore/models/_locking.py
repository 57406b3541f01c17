"""Write transactions that queue for their locks, and wait for them at most ``LOCK_TIMEOUT``.

- SQLite: every store write transaction writes first (the change counter, or a no-op
  ``UPDATE``), so it takes the database's write lock at once and waits for it under the
  busy timeout; a deferred transaction that reads first and then writes would fail at once
  with ``database is locked`` instead of waiting. New connections switch the database to
  WAL (readers never wait for writers) and wait ``LOCK_TIMEOUT`` for locks, unless the
  database's ``OPTIONS`` name a ``timeout``.
- PostgreSQL: ``lock_timeout`` is set for the transaction before the series' advisory locks
  (or row locks) are taken; it lasts until the outermost transaction ends. On Citus the
  setting is also sent to the workers, where the rows of distributed tables are locked.

A wait that runs out raises :class:`~hostore.exceptions.LockTimeoutError` naming the store
and the series.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import OperationalError, connections, transaction

from ..conf import hostore_settings
from ..exceptions import LockTimeoutError
from . import _citus


def timeout_ms() -> int:
    """``LOCK_TIMEOUT`` (seconds) in whole milliseconds, at least 1."""
    return max(1, round(float(hostore_settings.LOCK_TIMEOUT) * 1000))


def lock_timeout_arg() -> str:
    """The value of PostgreSQL's ``lock_timeout`` for a store write (the chunk stores set it
    in the statement that takes the series' locks, saving a round trip)."""
    return f"{timeout_ms()}ms"


def series_text(info, keys) -> str:
    """The series ``keys`` (key tuples) of a chunk store, as error messages name them."""
    keys = sorted(set(keys), key=repr)
    named = ", ".join(str(info.attrs_of(k)) for k in keys[:3])
    return f"the series {named}" if len(keys) == 1 else f"{len(keys)} series ({named}, ...)"


def _is_lock_timeout(exc: BaseException) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "55P03":  # lock_not_available
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def _start(model, alias: str, writes_first: bool) -> None:
    conn = connections[alias]
    if conn.vendor == "postgresql" and not writes_first:
        with conn.cursor() as cursor:  # row locks too (writes_first: see lock_timeout_arg)
            if _citus.is_citus(conn):  # the rows are locked on the workers: tell them too
                # (two statements: a server-side binding cursor runs one per call)
                cursor.execute("SET LOCAL citus.propagate_set_commands TO 'local'")
                cursor.execute(f"SET LOCAL lock_timeout = '{lock_timeout_arg()}'")
            else:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout_arg()])
    if conn.vendor != "sqlite":
        return
    from .sync_state import ChangeClock

    conn.ensure_connection()
    conn.connection.execute(f"PRAGMA busy_timeout = {timeout_ms()}")  # no I/O: not logged
    with conn.cursor() as cursor:
        if not writes_first:
            # a write matching no row: takes the write lock now (see the module docstring)
            table = conn.ops.quote_name(ChangeClock._meta.db_table)
            cursor.execute(f"UPDATE {table} SET value = value WHERE name = %s", [""])


@contextlib.contextmanager
def writing(model, alias: str, series, writes_first: bool = False) -> Iterator[None]:
    """An atomic write of ``series`` (a description for errors) of ``model``. With
    ``writes_first`` the block's first statement is a write (the chunk stores' change
    number): no lock-taking write is added."""
    try:
        with transaction.atomic(using=alias):
            _start(model, alias, writes_first)
            yield
    except OperationalError as exc:
        if _is_lock_timeout(exc):
            wait = hostore_settings.LOCK_TIMEOUT
            raise LockTimeoutError(
                f"{model._meta.label}: waited more than LOCK_TIMEOUT={wait}s for the write "
                f"lock of {series}; another writer holds it. Nothing was written"
            ) from exc
        raise


def on_connection_created(sender, connection, **kwargs) -> None:
    """SQLite: WAL, and ``LOCK_TIMEOUT`` as the busy timeout unless ``OPTIONS`` set one."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    if "timeout" not in connection.settings_dict.get("OPTIONS", {}):
        raw.execute(f"PRAGMA busy_timeout = {timeout_ms()}")
    if connection.is_in_memory_db():
        return
    mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        with contextlib.suppress(Exception):  # locked by another connection: it will do it
            raw.execute("PRAGMA journal_mode = WAL")
