"""The two baselines the store is measured against.

- :class:`PlainDjango`: one row per (meter, timestamp, value), ``bulk_create``, reads with
  ``values_list`` turned into a Series, updates as a bulk upsert of the patch rows;
- :class:`Floor`: the physical limit. The very chunk bytes the store wrote (captured once,
  untimed) go into a table of the same shape with COPY (PostgreSQL) or one prepared
  ``executemany`` (SQLite), and come back with one raw SELECT per series or one for all:
  no ORM, no pandas, no decoding. Its update reads and rewrites the touched chunks' bytes.

Each phase method times only the work inside ``with clock:``, then checks what it got.
"""

from __future__ import annotations

import itertools
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from .checks import Clock, Steps, WrongResult, same, same_chunks, same_series
from .data import TZ, Workload
from .models import FLOORS, PlainReading

BATCH_SIZE = 5000  # rows per INSERT of the plain Django way
STREAM_ROWS = 2000  # rows per round trip when streaming everything (as Django's iterator)


def chunk_of(ts: pd.Timestamp) -> int:
    """The store's chunk index of a local timestamp (month chunks: year * 12 + month - 1)."""
    return ts.year * 12 + ts.month - 1


# --------------------------------------------------------------------------- plain Django
class PlainDjango:
    """What a Django developer writes first: one model instance per reading."""

    label = "django"
    codec = None
    model = PlainReading

    @staticmethod
    def _rows(meter: str, serie: pd.Series) -> list[PlainReading]:
        serie = serie.dropna()
        return [
            PlainReading(meter=meter, ts=ts, value=value)
            for ts, value in zip(serie.index.to_pydatetime(), serie.tolist(), strict=True)
        ]

    @staticmethod
    def _series(rows) -> pd.Series:
        if not rows:
            return pd.Series([], index=pd.DatetimeIndex([], tz=TZ), dtype=float)
        stamps, values = zip(*rows, strict=True)
        return pd.Series(values, index=pd.DatetimeIndex(stamps).tz_convert(TZ), dtype=float)

    def ingest(self, work: Workload, clock: Clock) -> None:
        with clock, transaction.atomic():
            for meter, serie in work.series.items():
                PlainReading.objects.bulk_create(self._rows(meter, serie), batch_size=BATCH_SIZE)
        found = PlainReading.objects.aggregate(n=Count("id"), total=Sum("value"))
        values = np.concatenate([s.to_numpy() for s in work.series.values()])
        same(found["n"], int(np.count_nonzero(~np.isnan(values))), "django ingest: row count")
        if not np.isclose(found["total"], np.nansum(values), rtol=1e-9, atol=0):
            raise WrongResult(f"django ingest: sum {found['total']} != {np.nansum(values)}")

    def read_one(self, work: Workload, clock: Clock) -> Steps:
        for meter, serie in work.series.items():
            with clock:
                qs = PlainReading.objects.filter(meter=meter).order_by("ts")
                got = self._series(list(qs.values_list("ts", "value")))
            same_series(got, serie.dropna(), f"django read one {meter}")
            yield

    def read_window(self, work: Workload, clock: Clock) -> Steps:
        for meter, (start, end) in work.windows.items():
            lo, hi = start.to_pydatetime(), end.to_pydatetime()
            with clock:
                qs = PlainReading.objects.filter(meter=meter, ts__gte=lo, ts__lte=hi)
                got = self._series(list(qs.order_by("ts").values_list("ts", "value")))
            same_series(got, work.series[meter][start:end].dropna(), f"django window {meter}")
            yield

    def read_many(self, work: Workload, clock: Clock) -> None:
        qs = PlainReading.objects.order_by("meter", "ts").values_list("meter", "ts", "value")
        rows = qs.iterator(chunk_size=STREAM_ROWS)
        groups = itertools.groupby(rows, key=lambda row: row[0])
        seen = 0
        while True:
            with clock:
                item = next(groups, None)
                if item is None:
                    break
                meter, group = item
                got = self._series([row[1:] for row in group])
            same_series(got, work.series[meter].dropna(), f"django read many {meter}")
            seen += 1
        same(seen, len(work.series), "django read many: series count")

    def update(self, work: Workload, clock: Clock) -> Steps:
        for meter, patch in work.patches.items():
            rows = self._rows(meter, patch)
            with clock:
                PlainReading.objects.bulk_create(
                    rows,
                    batch_size=BATCH_SIZE,
                    update_conflicts=True,
                    unique_fields=["meter", "ts"],
                    update_fields=["value"],
                )
            yield
        since = work.patches[work.meters[0]].index[0] - pd.Timedelta(days=16)
        for meter in work.meters:
            qs = PlainReading.objects.filter(meter=meter, ts__gte=since.to_pydatetime())
            got = self._series(list(qs.order_by("ts").values_list("ts", "value")))
            same_series(got, work.updated(meter)[since:].dropna(), f"django update {meter}")


# --------------------------------------------------------------------------- the floor
COLUMNS = (
    "meter",
    "chunk_index",
    "start_ts",
    "dtype",
    "updated_at",
    "is_deleted",
    "data",
    "sync_seq",
)
COPY_TYPES = ("varchar", "int4", "timestamptz", "varchar", "timestamptz", "bool", "bytea", "int8")
# the floor writes one change number, as the store writes one per call (it takes it from a
# sequence; the floor's time leaves that out)
FLOOR_SEQ = 1


@dataclass
class FloorPayload:
    """The store's own bytes, adapted for raw SQL once, before any timing."""

    rows: list[tuple] = field(default_factory=list)  # COLUMNS, ingest order
    chunks: dict[str, list[tuple]] = field(default_factory=dict)  # meter -> (ci, dtype, data)
    updated: dict[str, list[tuple]] = field(default_factory=dict)  # meter -> COLUMNS rows

    @staticmethod
    def _adapt(meter, chunk_index, start_ts, dtype, data, now) -> tuple:
        ops = connection.ops
        return (
            meter,
            chunk_index,
            ops.adapt_datetimefield_value(start_ts),
            dtype,
            ops.adapt_datetimefield_value(now),
            False,
            bytes(data),
            FLOOR_SEQ,
        )

    def capture_ingest(self, store) -> None:
        """Take every chunk the store wrote for the stored year."""
        now = timezone.now()
        qs = store.objects.order_by("meter", "chunk_index")
        for meter, ci, start_ts, dtype, data in qs.values_list(
            "meter", "chunk_index", "start_ts", "dtype", "data"
        ):
            row = self._adapt(meter, ci, start_ts, dtype, data, now)
            self.rows.append(row)
            self.chunks.setdefault(meter, []).append((ci, dtype, row[6]))

    def capture_update(self, store, touched: list[int]) -> None:
        """Take the chunks the update rewrote or added (what the floor update must write)."""
        now = timezone.now()
        qs = store.objects.filter(chunk_index__in=touched).order_by("meter", "chunk_index")
        for meter, ci, start_ts, dtype, data in qs.values_list(
            "meter", "chunk_index", "start_ts", "dtype", "data"
        ):
            self.updated.setdefault(meter, []).append(
                self._adapt(meter, ci, start_ts, dtype, data, now)
            )


def _sql(text: str) -> str:
    """Our SQL is written with ``%s`` placeholders; sqlite3 wants ``?``."""
    return text if connection.vendor == "postgresql" else text.replace("%s", "?")


def _raw():
    """The DB-API connection under Django's (psycopg 3 or sqlite3)."""
    connection.ensure_connection()
    return connection.connection


def _cursor(**kwargs):
    """A raw DB-API cursor, closed on exit (sqlite3 cursors are no context managers)."""
    return closing(_raw().cursor(**kwargs))


def _read_cursor():
    """A raw cursor for reads: on PostgreSQL a server-binding psycopg cursor whose
    :func:`_fetch` asks for binary results (bytea as raw bytes, not hex text), the fastest
    way the driver has to fetch blobs."""
    if connection.vendor == "postgresql":
        import psycopg

        return closing(psycopg.Cursor(_raw()))
    return _cursor()


def _fetch(cursor, sql: str, params) -> list[tuple]:
    if connection.vendor == "postgresql":
        cursor.execute(sql, params, prepare=True, binary=True)
    else:
        cursor.execute(sql, params)
    return cursor.fetchall()


def _write(cursor, sql: str, params) -> None:
    """A write as the store's own: a prepared statement with bound binary blobs on
    PostgreSQL (the store prepares its upserts too, so the floor must)."""
    if connection.vendor == "postgresql":
        cursor.execute(sql, params, prepare=True)
    else:
        cursor.execute(sql, params)


class Floor:
    """Raw bytes in, raw bytes out: what the database itself can do with the store's blobs."""

    def __init__(self, codec: str, payload: FloorPayload, touched: list[int]) -> None:
        self.codec = codec
        self.label = f"floor:{codec}"
        self.model = FLOORS[codec]
        self.payload = payload
        self.touched = touched
        self.by_chunk = {
            (meter, ci): (dtype, data)
            for meter, chunks in payload.chunks.items()
            for ci, dtype, data in chunks
        }
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        self.sql_copy = f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)"
        self.sql_insert = _sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})")
        self.sql_one = _sql(
            f"SELECT chunk_index, dtype, data FROM {table} "
            "WHERE meter = %s AND NOT is_deleted ORDER BY chunk_index"
        )
        self.sql_window = _sql(
            f"SELECT chunk_index, dtype, data FROM {table} "
            "WHERE meter = %s AND chunk_index BETWEEN %s AND %s AND NOT is_deleted "
            "ORDER BY chunk_index"
        )
        self.sql_all = (
            f"SELECT meter, chunk_index, dtype, data FROM {table} "
            "WHERE NOT is_deleted ORDER BY meter, chunk_index"
        )
        touched_marks = ", ".join(["%s"] * len(touched))
        self.sql_touched = _sql(
            f"SELECT chunk_index, dtype, data FROM {table} "
            f"WHERE meter = %s AND chunk_index IN ({touched_marks}) AND NOT is_deleted "
            "ORDER BY chunk_index"
        )
        self.table = table

    def _upsert_sql(self, nrows: int) -> str:
        values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * nrows)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
        return _sql(
            f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES {values} "
            f"ON CONFLICT (meter, chunk_index) DO UPDATE SET {updates}"
        )

    @staticmethod
    def _check_chunks(got, want, what: str) -> None:
        got = [(ci, dtype, bytes(data)) for ci, dtype, data in got]
        if got != want:
            raise WrongResult(f"{what}: the chunk bytes differ from the store's")

    def ingest(self, work: Workload, clock: Clock) -> None:
        rows = self.payload.rows
        with clock, transaction.atomic(), _cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(self.sql_copy) as copy:
                    copy.set_types(COPY_TYPES)
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql_insert, rows)
        got: dict[str, list] = {}
        with _cursor() as cursor:
            cursor.execute(self.sql_all)
            for meter, ci, dtype, data in cursor.fetchall():
                got.setdefault(meter, []).append((ci, dtype, bytes(data)))
        same_chunks(got, self.payload.chunks, f"{self.label} ingest (against the store's bytes)")

    def read_one(self, work: Workload, clock: Clock) -> Steps:
        with _read_cursor() as cursor:
            for meter in work.meters:
                with clock:
                    got = _fetch(cursor, self.sql_one, (meter,))
                self._check_chunks(got, self.payload.chunks[meter], f"{self.label} {meter}")
                yield

    def read_window(self, work: Workload, clock: Clock) -> Steps:
        with _read_cursor() as cursor:
            for meter, (start, end) in work.windows.items():
                lo, hi = chunk_of(start), chunk_of(end)
                want = [c for c in self.payload.chunks[meter] if lo <= c[0] <= hi]
                with clock:
                    got = _fetch(cursor, self.sql_window, (meter, lo, hi))
                self._check_chunks(got, want, f"{self.label} window {meter}")
                yield

    def read_many(self, work: Workload, clock: Clock) -> None:
        seen = 0
        with transaction.atomic():  # a PostgreSQL server-side cursor lives in a transaction
            raw = _raw()
            if connection.vendor == "postgresql":
                cursor = raw.cursor(name="bench_floor_all", binary=True)
                cursor.itersize = STREAM_ROWS
            else:
                cursor = raw.cursor()
            try:
                with clock:
                    cursor.execute(self.sql_all)
                while True:
                    with clock:
                        rows = cursor.fetchmany(STREAM_ROWS)
                    if not rows:
                        break
                    for meter, ci, dtype, data in rows:
                        if self.by_chunk.get((meter, ci)) != (dtype, bytes(data)):
                            raise WrongResult(f"{self.label} read many: chunk {meter} {ci} differs")
                    seen += len(rows)
            finally:
                cursor.close()
        same(seen, len(self.payload.rows), f"{self.label} read many: chunk count")

    def update(self, work: Workload, clock: Clock) -> Steps:
        touched = self.touched
        with _read_cursor() as cursor:
            for meter in work.meters:
                rows = self.payload.updated[meter]
                sql, params = self._upsert_sql(len(rows)), [v for row in rows for v in row]
                with clock, transaction.atomic():
                    _fetch(cursor, self.sql_touched, (meter, *touched))
                    _write(cursor, sql, params)
                yield
            for meter in work.meters:
                cursor.execute(self.sql_touched, (meter, *touched))
                want = [(row[1], row[3], row[6]) for row in self.payload.updated[meter]]
                self._check_chunks(cursor.fetchall(), want, f"{self.label} update {meter}")
