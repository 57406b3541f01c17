"""Raw statements of the hot paths, built once per store and database connection.

The ORM costs more than the database on small calls (a one-day read) and binds big blobs
slowly on bulk writes, so reads and writes of chunk rows go through these cached
statements: one ``SELECT`` per read, multi-row ``INSERT ... ON CONFLICT DO UPDATE`` per
batch, and binary ``COPY`` for bulk inserts of new series on PostgreSQL.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connections

from ..exceptions import InvalidAttrsError
from . import _driver
from ._stats import STAT_FIELDS

# Columns written for each chunk row, after the business keys.
ROW_FIELDS = (
    "chunk_index",
    "start_ts",
    "dtype",
    "data",
    "updated_at",
    "is_deleted",
    "sync_seq",
    *STAT_FIELDS,
)
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_MAX_PARAMS = 999  # parameters per statement that every supported SQLite accepts
# Key fields whose values come back alike from the text and the binary result formats.
# Django registers text-only loaders for some types (inet and jsonb as strings, timestamptz
# made naive when USE_TZ=False): keys of other fields are read in the text format.
_BINARY_SAFE = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DecimalField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallAutoField",
    "SmallIntegerField",
    "TextField",
    "UUIDField",
}


class StoreSQL:
    """The statements of one concrete store on one database alias."""

    def __init__(self, model, alias: str) -> None:
        self.model, self.alias = model, alias
        ops = connections[alias].ops
        meta = model._meta
        self.keys = model._hostore.keys
        self.fields = [meta.get_field(name) for name in (*self.keys, *ROW_FIELDS)]
        self.table = ops.quote_name(meta.db_table)
        q = [ops.quote_name(f.column) for f in self.fields]
        self.columns = q
        nk = len(self.keys)
        key_cols, chunk, dtype, data, deleted = q[:nk], q[nk], q[nk + 2], q[nk + 3], q[nk + 5]
        # what every read selects, and its condition: live chunks in [lo, hi]
        self.chunk_cols = f"{chunk}, {dtype}, {data}"
        self.live = f"{deleted} = %s AND {chunk} >= %s AND {chunk} <= %s"
        where = "".join(f"{c} = %s AND " for c in key_cols)
        self.select = (
            f"SELECT {self.chunk_cols} FROM {self.table} WHERE {where}{self.live} ORDER BY {chunk}"
        )
        conflict = ", ".join((*key_cols, chunk))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in q[nk + 1 :])
        self.insert_head = f"INSERT INTO {self.table} ({', '.join(q)}) VALUES "
        self.row_marks = "(" + ", ".join(["%s"] * len(q)) + ")"
        self.insert_tail = f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        self.copy = f"COPY {self.table} ({', '.join(q)}) FROM STDIN (FORMAT BINARY)"
        self._copy_types: list[int] | None = None
        # Blobs come back as raw bytes in the binary format, not hex text twice their size
        # that the driver must decode: reads of whole series take about 40% less time.
        self.binary_keys = all(f.get_internal_type() in _BINARY_SAFE for f in self.fields[:nk])

    # ------------------------------------------------------------------ adaptation
    @property
    def connection(self):
        return connections[self.alias]  # per thread

    def key_params(self, key: Sequence) -> list:
        """Key values as the database driver wants them (what ``filter()`` would send)."""
        conn = self.connection
        fields = self.fields[: len(self.keys)]
        try:
            params = [f.get_db_prep_value(v, conn) for f, v in zip(fields, key, strict=True)]
        except (TypeError, ValueError, OverflowError) as exc:  # what filter() raises
            raise InvalidAttrsError(f"a business-key value is refused: {exc}") from None
        if any(isinstance(p, int) and not -(2**63) <= p < 2**63 for p in params):
            raise InvalidAttrsError(f"a business-key value is out of the 64-bit range: {key}")
        return params

    @staticmethod
    def live_params(lo: int | None, hi: int | None) -> list:
        """Parameters of :attr:`live`: not deleted, chunk indexes in ``[lo, hi]``."""
        return [False, _INT_MIN if lo is None else lo, _INT_MAX if hi is None else hi]

    def prepare_rows(self, rows: Iterable[Sequence]) -> Iterator[tuple]:
        """Rows (keys, then :data:`ROW_FIELDS`) as the driver wants them.

        Only the keys and datetimes need the fields' preparation, and they repeat: keys
        from row to row of a series, datetimes across a write. The other columns are plain
        ints, strings, bytes and bools.
        """
        conn = self.connection
        nk = len(self.keys)
        when = self.fields[nk + 1]
        prepared_at: dict = {}
        last_key, key_params = None, []
        for row in rows:
            if row[:nk] != last_key:
                last_key = row[:nk]
                key_params = self.key_params(last_key)
            chunk, start, dtype, data, updated, deleted, seq, count, first, last, days, stat_at = (
                row[nk:]
            )
            for value in (start, updated, stat_at):
                if value not in prepared_at:
                    prepared_at[value] = when.get_db_prep_value(value, conn)
            yield (
                *key_params,
                chunk,
                prepared_at[start],
                dtype,
                data,
                prepared_at[updated],
                deleted,
                seq,
                count,
                first,
                last,
                days,
                prepared_at[stat_at],
            )

    # ------------------------------------------------------------------ statements
    def fetch(
        self,
        key: tuple,
        lo: int | None = None,
        hi: int | None = None,
        only=None,
        before=None,
        before_rows: list | None = None,
    ):
        """``(chunk_index, dtype, data)`` of one series' live chunks in ``[lo, hi]``.

        ``only`` keeps just those chunk indexes (fetched rows outside it are dropped).
        ``before``, a PostgreSQL ``(sql, params)`` statement, runs first in the same round
        trip (a pipeline): the fetch starts, with its own snapshot, once it is done. Its
        rows go to ``before_rows``.
        """
        params = [*self.key_params(key), *self.live_params(lo, hi)]
        rows = self._fetchall(
            self.select, params, binary=True, before=before, reuse=True, before_rows=before_rows
        )
        if only is not None:
            wanted = set(only)
            rows = [r for r in rows if r[0] in wanted]
        return rows

    def _fetchall(self, sql: str, params: list, **options) -> list[tuple]:
        """A read on the driver's own cursor (see :func:`_driver.fetchall`)."""
        return _driver.fetchall(self.connection, sql, params, **options)

    def stream(
        self,
        filters: dict,
        lo: int | None,
        hi: int | None,
        process: Callable[[list[tuple]], list],
        row_bytes: int,
        max_rows: int,
        budget: int,
        columns: tuple[str, list] | None = None,
    ) -> Iterator[list]:
        """Yield ``process(rows)`` for successive pages of ``(*keys, chunk_index, dtype,
        data)`` rows: the live chunks of every series matching ``filters``, ordered by series
        then chunk, each series whole within one page. ``columns``, an SQL select list and
        its parameters, replaces what follows the keys (its last column a blob, or NULL).

        Pages are plain queries resuming after the last row seen (keyset pagination on the
        unique index): no cursor stays open between pages. A page holds about ``budget``
        bytes, counting each row as its blob or ``row_bytes`` (what it decodes to) if more,
        and at most ``max_rows`` rows. On PostgreSQL the next page is asked for before
        ``process`` runs on this one, so the server reads it while the client decodes.
        """
        conn = self.connection
        by_name = {f.name: f for f in self.fields}
        nk = len(self.keys)
        order = self.columns[: nk + 1]  # keys, then chunk_index: the unique index
        where = "".join(f"{conn.ops.quote_name(by_name[k].column)} = %s AND " for k in filters)
        keys = "".join(f"{c}, " for c in order[:nk])
        select, params = columns or (self.chunk_cols, [])
        head = f"SELECT {keys}{select} FROM {self.table} WHERE {where}{self.live}"
        after_sql = f" AND ({', '.join(order)}) > ({', '.join(['%s'] * len(order))})"
        tail = f" ORDER BY {', '.join(order)} LIMIT %s"
        params = [*params, *(by_name[k].get_db_prep_value(v, conn) for k, v in filters.items())]
        params += self.live_params(lo, hi)
        convert = self._key_converters()

        def page(after, size: int, ready: list[tuple]) -> tuple[list[tuple], list]:
            """Fetch a page; process the rows ``ready`` while the server reads it."""
            sql = head + (after_sql if after else "") + tail
            args = [*params, *(after or ()), size]
            done: list = []

            def during() -> None:
                done.append(process(ready))
                ready.clear()  # their blobs are no longer needed while the page arrives

            rows = self._fetchall(
                sql, args, binary=self.binary_keys, during=during if ready else None
            )
            return rows, done

        size = min(64, max_rows)
        rows, _ = page(None, size, [])
        held: list[tuple] = []
        while rows:
            full = len(rows) == size
            after = rows[-1][: nk + 1]  # raw driver values, before any conversion
            rows = held + ([self._convert(r, convert) for r in rows] if convert else rows)
            if not full:
                yield process(rows)
                return
            # the last series may go on in the next page: it waits for it
            cut = len(rows) - 1
            while cut > 0 and rows[cut - 1][:nk] == rows[-1][:nk]:
                cut -= 1
            ready, held = rows[:cut], rows[cut:]
            blob = sum([len(r[-1] or b"") for r in rows]) / len(rows)
            size = int(min(max_rows, max(16, budget // max(blob, row_bytes, 1))))
            rows = []  # the rows now live in ``ready`` (dropped once decoded) and ``held``
            rows, done = page(after, size, ready)
            yield from done
        if held:
            yield process(held)

    def key_states(self, keys: Sequence[tuple], per_statement: int) -> set[tuple[tuple, bool]]:
        """``(key, is_deleted)`` pairs present among the rows of the given series.

        One statement per ``per_statement`` keys, with the keys as a row-value ``IN``
        list: building the same condition as an ORM ``Q`` costs more than running it.
        """
        nk = len(self.keys)
        deleted = self.columns[nk + 5]
        if not nk:  # a keyless store holds one series
            rows = self._fetchall(f"SELECT DISTINCT {deleted} FROM {self.table}", [])
            return {((), bool(flag)) for (flag,) in rows} if keys else set()
        cols = self.columns[:nk]
        target = cols[0] if nk == 1 else f"({', '.join(cols)})"
        mark = "%s" if nk == 1 else "(" + ", ".join(["%s"] * nk) + ")"
        convert = self._key_converters()
        per_statement = max(1, min(per_statement, _MAX_PARAMS // nk))
        found = set()
        for i in range(0, len(keys), per_statement):
            batch = keys[i : i + per_statement]
            values = ", ".join([mark] * len(batch))
            listed = f"({values})" if nk == 1 else f"(VALUES {values})"
            sql = f"SELECT DISTINCT {', '.join(cols)}, {deleted} FROM {self.table} "
            sql += f"WHERE {target} IN {listed}"
            params = [p for key in batch for p in self.key_params(key)]
            for row in self._fetchall(sql, params):
                row = self._convert(row, convert) if convert else row
                found.add((tuple(row[:nk]), bool(row[nk])))
        return found

    def _key_converters(self) -> list[tuple[int, list]]:
        """``from_db_value``/backend converters of the key columns (as the ORM applies)."""
        conn = self.connection
        out = []
        for i, field in enumerate(self.fields[: len(self.keys)]):
            found = conn.ops.get_db_converters(field.cached_col) + field.get_db_converters(conn)
            if found:
                out.append((i, found))
        return out

    def _convert(self, row: tuple, convert: list[tuple[int, list]]) -> tuple:
        values = list(row)
        for i, funcs in convert:
            for func in funcs:
                values[i] = func(values[i], self.fields[i].cached_col, self.connection)
        return tuple(values)

    def upsert(self, rows: Sequence[Sequence], batch_size: int) -> None:
        """Insert rows, overwriting the (live or tombstoned) rows they collide with."""
        if not rows:
            return
        conn = self.connection
        width = len(self.fields)
        per_batch = min(batch_size, conn.ops.bulk_batch_size([None] * width, rows))
        limit = _driver.max_params(conn)
        if limit is not None:
            per_batch = min(per_batch, limit // width)
        statements = []
        for i in range(0, len(rows), per_batch):
            batch = rows[i : i + per_batch]
            sql = self.insert_head + ", ".join([self.row_marks] * len(batch)) + self.insert_tail
            statements.append((sql, [p for row in self.prepare_rows(batch) for p in row]))
        _driver.execute(conn, statements)

    def copy_insert(self, rows: Iterable[Sequence]) -> None:
        """Binary ``COPY`` of rows that collide with nothing (PostgreSQL only)."""
        conn = self.connection
        with conn.cursor() as cursor, conn.wrap_database_errors, _driver.quiet_teardown():
            raw = cursor.cursor
            if self._copy_types is None:
                raw.execute(
                    "SELECT attname, atttypid FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0",
                    [self.model._meta.db_table],
                )
                oids = dict(raw.fetchall())
                self._copy_types = [oids[f.column] for f in self.fields]
            started, count = time.monotonic(), 0
            with raw.copy(self.copy) as copy:
                copy.set_types(self._copy_types)
                for count, row in enumerate(self.prepare_rows(rows), 1):  # noqa: B007
                    copy.write_row(row)
            _driver.log_text(self.connection, f"{self.copy} -- {count} rows", started)


@functools.lru_cache(maxsize=256)
def store_sql(model, alias: str) -> StoreSQL:
    """The cached statements of ``model`` on ``alias``."""
    return StoreSQL(model, alias)
