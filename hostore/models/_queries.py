"""The chunk store's queries: one statement per batch, never one per point or chunk.

Here: series locks and change numbers, existence checks, tombstones, exports (through the
ORM, with ``values_list``: no model instances), and the choice of how rows are written.
The hot statements themselves (the read ``SELECT``, the keys' existence ``SELECT``,
multi-row upserts, ``COPY``) are in ``_sql``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone

from ..conf import hostore_settings
from . import _changes, _citus
from ._driver import pipeline_supported
from ._locking import lock_timeout_arg
from ._sql import store_sql
from ._stats import NO_STATS

# Below this many rows a multi-row INSERT beats setting up a COPY.
_COPY_MIN_ROWS = 64
# OR-ed key conditions per statement: SQLite parses ``a OR b OR ...`` into a tree whose
# depth is limited to 1000.
_OR_BATCH = 200


def write_alias(model) -> str:
    return router.db_for_write(model)


def db_datetime(value):
    """An aware datetime as the database layer wants it (naive UTC when ``USE_TZ=False``)."""
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, dt.timezone.utc)


def _lock_ids(model, keys: Iterable[tuple]) -> list[int]:
    """Advisory lock ids of series, sorted so that writers of several never deadlock."""
    table = model._meta.db_table
    return sorted(
        int.from_bytes(
            hashlib.blake2b(f"{table}\x00{key!r}".encode(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        for key in set(keys)
    )


_LOCK_SQL = (
    "SELECT count(pg_advisory_xact_lock(k + 0 * length(set_config('lock_timeout', %s, true))))"
    " FROM unnest(%s::bigint[]) AS k"
)


def lock_keys(model, keys: Iterable[tuple], alias: str) -> None:
    """Serialise writers of the same keys of ``model`` until the transaction ends
    (PostgreSQL advisory locks, taken in sorted order; SQLite serialises writers by itself)."""
    conn = connections[alias]
    ids = _lock_ids(model, keys)
    if conn.vendor == "postgresql" and ids:
        with conn.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [lock_timeout_arg(), ids])


def begin_write(model, keys: Iterable[tuple], alias: str) -> int:
    """Start a write of the given series: lock them, and take the write's change number.

    PostgreSQL: transaction-scoped advisory locks serialise writers of the same series (taken
    in sorted order, so writers of several never deadlock), then the change number is taken
    (:mod:`._changes`), all in one statement. SQLite serialises writers by itself.
    """
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return _changes.take(model, alias)
    with conn.cursor() as cursor:
        cursor.execute(*_changes.lock_and_take_sql(model, _lock_ids(model, keys)))
        return int(cursor.fetchone()[0])


def lock_and_fetch(model, key: tuple, chunks: Sequence[int], alias: str) -> tuple[int, list]:
    """:func:`begin_write` of one series, then fetch the given live chunks of it.

    Returns ``(change number, rows)``. On PostgreSQL both statements travel in one round
    trip; the fetch still runs once the lock is granted, on a snapshot taken then, so it
    sees every earlier writer's rows.
    """
    if connections[alias].vendor != "postgresql" or not chunks or not pipeline_supported():
        seq = begin_write(model, [key], alias)
        return seq, fetch_chunks(model, key, chunks, alias)
    before = _changes.lock_and_take_sql(model, _lock_ids(model, [key]))
    taken: list = []
    rows = store_sql(model, alias).fetch(
        key, min(chunks), max(chunks), chunks, before, before_rows=taken
    )
    return int(taken[0][0]), rows


def _key_q(keys: Sequence[str], key: tuple, **extra) -> models.Q:
    return models.Q(**dict(zip(keys, key, strict=True)), **extra)


def _or(qs: Iterable[models.Q]) -> models.Q:
    """OR of conditions; none matches no row, and an empty one (no keys) matches all."""
    out = None
    for q in qs:
        if not q:
            return models.Q()
        out = q if out is None else out | q
    return models.Q(pk__in=[]) if out is None else out


def existing_keys(model, candidates: Sequence[tuple], alias: str) -> tuple[set, set]:
    """``(keys with live chunks, keys with any row)`` among the candidate key tuples."""
    wanted = set(candidates)
    states = store_sql(model, alias).key_states(list(wanted), _OR_BATCH)
    states = {(key, deleted) for key, deleted in states if key in wanted}
    return {key for key, deleted in states if not deleted}, {key for key, _ in states}


def fetch_chunks(model, key: tuple, chunks: Sequence[int], alias: str) -> list[tuple]:
    """``(chunk_index, dtype, data)`` of the given live chunks of one series."""
    if not chunks:
        return []
    return store_sql(model, alias).fetch(key, min(chunks), max(chunks), only=chunks)


def write_rows(model, rows: Iterable[tuple], alias: str, fresh: bool = False) -> None:
    """Write chunk rows (keys, then ``ROW_FIELDS``) in as few statements as possible.

    ``rows`` may be a generator: it is consumed as it is written. ``fresh`` rows are known
    to collide with no row (their series have none): on PostgreSQL, once there are enough
    of them, they stream through one binary ``COPY``. Other rows are upserted in batches,
    which also overwrites tombstones.
    """
    sql = store_sql(model, alias)
    if _citus.is_citus(connections[alias]):
        # an error raised while Citus copies to its workers leaves their transactions
        # unusable even after a rollback to a savepoint: encode everything first
        rows = list(rows)
    rows = iter(rows)
    if fresh and connections[alias].vendor == "postgresql":
        head = list(itertools.islice(rows, _COPY_MIN_ROWS))
        if len(head) == _COPY_MIN_ROWS:
            sql.copy_insert(itertools.chain(head, rows))
            return
        rows = iter(head)
    size = hostore_settings.BULK_BATCH_SIZE
    while batch := list(itertools.islice(rows, size)):
        sql.upsert(batch, size)


def tombstone(queryset, seq: int | None = None) -> int:
    """Mark the live rows of ``queryset`` deleted: data emptied, ``updated_at`` bumped, and
    change number ``seq`` (a new one when None)."""
    values = {"is_deleted": True, "data": b"", "updated_at": timezone.now(), **NO_STATS}
    if seq is not None:
        values["sync_seq"] = seq
    return queryset.filter(is_deleted=False).update(**values)


def select_chunks(model, keys: Sequence[str], wanted: dict[tuple, list[int]], fields, alias=None):
    """Rows ``fields`` of the chunks ``{key tuple: [chunk_index, ...]}``, batched by series."""
    manager = model._default_manager.using(alias) if alias else model._default_manager
    items = list(wanted.items())
    for i in range(0, len(items), _OR_BATCH):
        q = _or(_key_q(keys, k, chunk_index__in=c) for k, c in items[i : i + _OR_BATCH])
        yield from manager.filter(q).values_list(*fields)
