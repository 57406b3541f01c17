"""The database driver used directly, under Django's rules.

Django's cursor wrapper costs as much as a small query (on PostgreSQL: client-side binding,
so no prepared plan and blobs inlined in the SQL text as hex), so the hot paths run on the
driver's own cursors. They still behave as Django's do: errors are translated, queries are
logged for debug tools, a transaction Django knows is broken refuses them, and when the user
has installed execute wrappers (which must see every query) Django's cursor is used instead.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence

_PG_MAX_PARAMS = 65535  # parameters of one bound statement (a 16-bit count in the protocol)


def fetchall(
    conn,
    sql: str,
    params: list,
    binary: bool = False,
    before: tuple[str, list] | None = None,
    reuse: bool = False,
    during: Callable[[], None] | None = None,
    before_rows: list | None = None,
) -> list[tuple]:
    """Run a read and return its rows. ``binary`` asks PostgreSQL for binary results (only
    for columns loaded alike in both formats); ``reuse`` runs small reads on a cursor kept
    on the connection (which holds its last result until the next read). ``before``, a
    PostgreSQL statement, runs first in the same round trip (a pipeline); its rows are added
    to ``before_rows`` when that list is given. ``during`` runs
    while the server executes the read (PostgreSQL, pipeline mode), or before it where that
    is not possible. Statements are prepared (psycopg skips that on a connection opened
    with ``prepare_threshold=None``)."""
    vendor = conn.vendor
    raw = vendor in ("postgresql", "sqlite") and not conn.execute_wrappers
    if during is not None and not (raw and vendor == "postgresql" and pipeline_supported()):
        during()
        during = None
    if not raw:
        with conn.cursor() as cursor:
            if before is not None:
                cursor.execute(*before)
                if before_rows is not None:
                    before_rows.extend(cursor.fetchall())
            cursor.execute(sql, params)
            return cursor.fetchall()
    conn.ensure_connection()
    conn.validate_no_broken_transaction()  # Django's own error, as its cursors raise
    started, spent = time.monotonic(), 0.0
    with conn.wrap_database_errors, quiet_teardown():
        if vendor == "postgresql":
            cursor = read_cursor(conn, reuse)
            try:
                if before is None and during is None:
                    cursor.execute(sql, params, prepare=True, binary=binary)
                else:
                    first = None
                    with conn.connection.pipeline():
                        if before is not None:
                            first = conn.connection.execute(*before, prepare=True)
                        cursor.execute(sql, params, prepare=True, binary=binary)
                        if during is not None:
                            spent = time.monotonic()
                            during()
                            spent = time.monotonic() - spent
                    if first is not None and before_rows is not None:
                        before_rows.extend(first.fetchall())
                rows = cursor.fetchall()
            finally:
                if cursor is not getattr(conn, "_hostore_read_cursor", None):
                    cursor.close()
        else:
            cursor = conn.connection.cursor()
            try:
                rows = cursor.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                cursor.close()
    log_statements(conn, ([before] if before else []) + [(sql, params)], started, spent)
    return rows


def execute(conn, statements: Sequence[tuple[str, list]]) -> None:
    """Run writes. On PostgreSQL they go through a server-binding cursor as prepared
    statements: blobs travel as binary parameters, not as hex text twice their size that
    the server must parse, and a statement's plan is kept for its next run (the shapes
    repeat, one per row count)."""
    if conn.vendor != "postgresql" or conn.execute_wrappers:
        with conn.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
        return
    import psycopg

    conn.ensure_connection()
    conn.validate_no_broken_transaction()
    started = time.monotonic()
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
        for sql, params in statements:
            cursor.execute(sql, params, prepare=True)
    log_statements(conn, statements, started)


def max_params(conn) -> int | None:
    """Parameters one statement of :func:`execute` may bind on ``conn`` (None: no limit)."""
    return _PG_MAX_PARAMS if conn.vendor == "postgresql" else None


def log_text(conn, text: str, started: float) -> None:
    """Log a statement run since ``started`` as Django logs ``execute()``, for debug tools."""
    if conn.queries_logged:
        conn.queries_log.append({"sql": text, "time": f"{time.monotonic() - started:.3f}"})


def log_statements(conn, statements, started: float, spent: float = 0.0) -> None:
    """Log ``(sql, params)`` statements run since ``started``, less ``spent`` elsewhere."""
    if conn.queries_logged:
        elapsed = f"{time.monotonic() - started - spent:.3f}"
        for sql, params in statements:
            conn.queries_log.append({"sql": f"{sql} -- {params!r}", "time": elapsed})


def read_cursor(conn, reuse: bool):
    """A server-binding psycopg cursor; with ``reuse``, the one kept on the Django connection
    for as long as its driver connection lives: setting up a cursor (adapters, query
    parsing) costs more than a small prepared query. A connection shared between threads
    (``inc_thread_sharing``) keeps none: one cursor cannot serve two threads at once."""
    import psycopg

    raw = conn.connection
    if not reuse or conn.allow_thread_sharing:
        return psycopg.Cursor(raw)
    kept = getattr(conn, "_hostore_read_cursor", None)
    if kept is None or kept.connection is not raw or kept.closed:
        kept = psycopg.Cursor(raw)
        conn._hostore_read_cursor = kept
    return kept


@functools.cache
def pipeline_supported() -> bool:
    """Whether the libpq under psycopg can pipeline statements (libpq 14 or later)."""
    import psycopg

    return psycopg.Pipeline.is_supported()


_quiet = threading.local()


class _TeardownFilter(logging.Filter):
    """Drops psycopg's "error ignored terminating <Copy/Pipeline>" warnings inside
    :func:`quiet_teardown` blocks."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            getattr(_quiet, "on", 0) and str(record.msg).startswith("error ignored terminating")
        )


@functools.cache
def _install_filter() -> None:
    logging.getLogger("psycopg").addFilter(_TeardownFilter())


@contextlib.contextmanager
def quiet_teardown():
    """A block whose errors propagate without psycopg also logging (on stderr, when
    logging is not configured) that closing its COPY or pipeline on the dead connection
    failed too: the error that ended the block is raised, the second says nothing more."""
    _install_filter()
    _quiet.on = getattr(_quiet, "on", 0) + 1
    try:
        yield
    finally:
        _quiet.on -= 1
