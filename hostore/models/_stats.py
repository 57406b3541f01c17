"""Per-chunk statistics, written with every chunk and read without decoding it.

Each chunk row holds, besides its blob, how many values it holds (``stat_count``), the
positions in the chunk of its first and last one (``stat_first``, ``stat_last``; NULL when it
holds none) and, for sub-daily grids, the sum and count of its values per local calendar day
(``stat_days``, a day never straddling two chunks since chunks start at local midnight; see
:func:`pack_days` for its layout). They are valid only while
``stat_at`` equals the row's ``updated_at``: every write of ours sets both to the same
value, while whatever rewrites a row without knowing the statistics (holcstore 0.5/0.6 in
place, which save ``updated_at = now()``; a user's raw SQL) leaves them unequal;
``QuerySet.update()`` and ``save()`` of the data clear them. Rows from before the
statistics have NULLs.
Readers take the statistics where they are valid and decode the blob elsewhere, in the same
statement: its select list sends the blob only for the rows that need it.
"""

from __future__ import annotations

import functools
import struct
from typing import NamedTuple

import numpy as np

from .. import codecs
from ..exceptions import CorruptBlobError
from ..grid import Grid
from . import _periods

# Columns written with each chunk row after its data (see ``_sql.ROW_FIELDS``).
STAT_FIELDS = ("stat_count", "stat_first", "stat_last", "stat_days", "stat_at")
# What any write that changes a row's data outside our write paths sets: no valid statistics.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
NO_STATS = dict.fromkeys(STAT_FIELDS)


_DATA_FIELDS = {"data", "dtype", "updated_at"}


def cleared(values: dict) -> dict:
    """``QuerySet.update()`` values, with the statistics cleared if the data changes."""
    return {**NO_STATS, **values} if _DATA_FIELDS & set(values) else values


def clear_on_save(row, update_fields) -> list | None:
    """Clear a row's statistics before ``save()`` when the data may change; returns the
    ``update_fields`` to save (the statistics added)."""
    if update_fields is not None and not _DATA_FIELDS & set(update_fields):
        return update_fields
    for name, value in NO_STATS.items():
        setattr(row, name, value)
    return None if update_fields is None else [*update_fields, *NO_STATS]


class ChunkStats(NamedTuple):
    """Values in a chunk, and the positions of its first and last one (None when empty)."""

    count: int  # type: ignore[assignment]  # (shadows tuple.count, which nobody calls here)
    first: int | None
    last: int | None

    @property
    def dense(self) -> bool:
        """Whether the values run without a gap from the first to the last."""
        first, last = self.first, self.last
        return first is not None and last is not None and self.count == last - first + 1


def of_array(values: np.ndarray) -> ChunkStats:
    """The statistics of one chunk's array (NaN are missing values)."""
    if values.dtype.kind != "f":  # holcstore 0.5 kept gapless int/bool chunks as they were
        n = len(values)
        return ChunkStats(n, 0, n - 1) if n else ChunkStats(0, None, None)
    valid = ~np.isnan(values)
    count = int(np.count_nonzero(valid))
    if not count:
        return ChunkStats(0, None, None)
    if count == len(values):
        return ChunkStats(count, 0, count - 1)
    first = int(valid.argmax())
    last = len(values) - 1 - int(valid[::-1].argmax())
    return ChunkStats(count, first, last)


@functools.lru_cache(maxsize=4096)
def first_day(grid: Grid, chunk: int) -> int:
    """The local day (since 1970-01-01) a chunk starts on."""
    return _periods.local_day(grid, grid.cached_chunk_start(chunk))


@functools.lru_cache(maxsize=4096)
def day_cuts(grid: Grid, chunk: int) -> np.ndarray:
    """Where each local day of a chunk starts, as positions in the chunk (the first at 0)."""
    first = grid.cached_chunk_start(chunk)
    last = grid.cached_chunk_start(chunk + 1) - 1
    cuts = _periods.periods(grid, "day", first, last).starts[:-1] - first
    cuts.flags.writeable = False
    return cuts


def day_sums(grid: Grid, chunk: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sums, counts)`` of a chunk's values per local day (NaN skipped)."""
    cuts = day_cuts(grid, chunk)
    size = grid.cached_chunk_start(chunk + 1) - grid.cached_chunk_start(chunk)
    if len(values) != size:  # a legacy chunk shorter (or longer) than its period
        padded = np.full(size, np.nan)
        padded[: min(size, len(values))] = values[:size]
        values = padded
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return _totals(values, cuts)


def _totals(values: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sums, counts)`` of the values between consecutive ``cuts`` (NaN skipped)."""
    valid = ~np.isnan(values)
    with np.errstate(over="ignore", invalid="ignore"):  # huge values sum to inf, as in pandas
        sums = np.add.reduceat(np.where(valid, values, 0.0), cuts, dtype=np.float64)
    return sums, np.add.reduceat(valid, cuts, dtype=np.int64)


@functools.lru_cache(maxsize=4096)
def day_lengths(grid: Grid, chunk: int) -> np.ndarray:
    """How many slots each local day of a chunk has (23, 24 or 25 hours of them)."""
    size = grid.cached_chunk_start(chunk + 1) - grid.cached_chunk_start(chunk)
    lengths = np.diff(np.append(day_cuts(grid, chunk), size))
    lengths.flags.writeable = False
    return lengths


# ``stat_days`` layouts. The first (rows written before the compact one): a record of a
# float64 sum and a uint16 count per day, 10 bytes a day, so always an even length. The
# compact one, always an odd length: a flag byte, then per day the sum (int32 when every sum
# of the chunk is an integer that fits, bit for bit; float64 otherwise) and, only when a day
# misses values, its count (uint16). Gapless metered integers take 4 bytes a day instead of 10.
# Chunks of many days (yearly ones) may instead hold the sums and counts compressed by the
# ``pco`` codec (flag ``_PACKED``, ``<II`` their lengths), when that is smaller: 1-2 bytes a day.
DAY_RECORD = np.dtype([("sum", "<f8"), ("count", "<u2")])
_INT_SUMS, _COUNTS, _PACKED = 0x01, 0x02, 0x04
_PACKED_FROM = 64  # days: below, the codec's headers cost more than it saves
_LENGTHS = struct.Struct("<II")
_UNREADABLE = "clear them with QuerySet.update(stat_at=None): answers then decode the blobs"
_COMPACT = {
    flags: np.dtype(
        [("sum", "<i4" if flags & _INT_SUMS else "<f8")]
        + ([("count", "<u2")] if flags & _COUNTS else [])
    )
    for flags in range(4)
}


def pack_days(sums: np.ndarray, counts: np.ndarray, full: np.ndarray) -> bytes:
    """The compact ``stat_days`` of a chunk's daily ``sums`` and ``counts`` (``full``: the
    slots of each day)."""
    flags = _flags(bool(_integral(sums).all()), np.array_equal(counts, full))
    fields = _fields(flags, sums, counts)
    plain = _layout(flags, fields)
    if len(sums) < _PACKED_FROM:
        return plain
    parts = [codecs.encode(field, "pco") for field in fields]
    packed = bytes([flags | _PACKED]) + _LENGTHS.pack(
        len(parts[0]), len(parts[-1]) if flags & _COUNTS else 0
    )
    packed += b"".join(parts)
    packed += b"" if len(packed) % 2 else b"\0"
    return packed if len(packed) < len(plain) else plain


def _integral(sums: np.ndarray) -> np.ndarray:
    """Per day, whether its sum is kept as an int32: an integer that fits, bit for bit (so
    not -0.0, which would come back as 0.0)."""
    return (np.rint(sums) == sums) & (np.abs(sums) < 2**31) & ~((sums == 0) & np.signbit(sums))


def _flags(integral: bool, full: bool) -> int:
    return (_INT_SUMS if integral else 0) | (0 if full else _COUNTS)


def _fields(flags: int, sums: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """The sums (and counts) in the dtypes of the compact layout ``flags``."""
    record = _COMPACT[flags]
    fields = [(np.rint(sums) if flags & _INT_SUMS else sums).astype(record["sum"])]
    if flags & _COUNTS:
        fields.append(np.asarray(counts).astype(record["count"]))
    return fields


def _layout(flags: int, fields: list[np.ndarray]) -> bytes:
    """The compact ``stat_days``: the flag byte, then a record per day."""
    if len(fields) == 1:
        return bytes([flags]) + fields[0].tobytes()
    records = np.empty(len(fields[0]), _COMPACT[flags])
    records["sum"], records["count"] = fields
    return bytes([flags]) + records.tobytes()


def _unpacked(blob, days: int) -> np.ndarray:
    """The records of a ``_PACKED`` ``stat_days``."""
    flags = blob[0] & ~_PACKED
    record = _COMPACT[flags]
    n_sums, n_counts = _LENGTHS.unpack_from(blob, 1)
    at = 1 + _LENGTHS.size
    records = np.empty(days, record)
    records["sum"] = codecs.decode(blob[at : at + n_sums], record["sum"])
    if flags & _COUNTS:
        records["count"] = codecs.decode(blob[at + n_sums : at + n_sums + n_counts], "<u2")
    return records


def unpack_many(blobs: list, grid: Grid, chunks: list[int]) -> tuple[np.ndarray, ...]:
    """``(sums, counts, days)`` of several chunks' ``stat_days``: their daily sums and
    counts one chunk after the other, and how many days each chunk has. Rows of one layout
    are read together (one ``frombuffer``), whatever their number."""
    lengths = [day_lengths(grid, c) for c in chunks]
    days = np.array([len(x) for x in lengths], dtype=np.int64)
    counts = np.concatenate(lengths).astype(np.int64) if lengths else np.empty(0, np.int64)
    sums = np.empty(len(counts))
    starts = np.cumsum(days) - days
    # the layout of each row: -1 for the first one, else the compact one's flags
    kinds = np.array([b[0] if len(b) % 2 else -1 for b in blobs], dtype=np.int64)
    for kind in np.unique(kinds).tolist():
        rows = np.flatnonzero(kinds == kind)
        n = days[rows]
        if kind >= 0 and kind & _PACKED and kind & ~_PACKED in _COMPACT:
            try:
                found = np.concatenate([_unpacked(memoryview(blobs[r]), days[r]) for r in rows])
            except (ValueError, struct.error, CorruptBlobError) as exc:
                raise ValueError(
                    f"daily statistics that cannot be read ({exc}): {_UNREADABLE}"
                ) from exc
        else:
            record = DAY_RECORD if kind < 0 else _COMPACT.get(kind)
            skip = 0 if kind < 0 else 1
            if record is None or any(
                len(blobs[r]) != skip + days[r] * record.itemsize for r in rows
            ):
                raise ValueError(f"daily statistics that cannot be read: {_UNREADABLE}")
            found = np.frombuffer(b"".join(bytes(blobs[r])[skip:] for r in rows), record)
        at = np.repeat(starts[rows] - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        sums[at] = found["sum"]
        if "count" in (found.dtype.names or ()):
            counts[at] = found["count"]
    return sums, counts, days


def unpack_days(blob, grid: Grid, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """``(sums, counts)`` of one chunk's ``stat_days``."""
    sums, counts, _ = unpack_many([blob], grid, [chunk])
    return sums, counts


def of_chunk(grid: Grid, chunk: int, values: np.ndarray) -> tuple:
    """The statistics of a chunk (:data:`STAT_FIELDS` but ``stat_at``)."""
    days = None
    if not grid.daily:
        days = pack_days(*day_sums(grid, chunk, values), day_lengths(grid, chunk))
    return (*of_array(values), days)


def of_chunks(grid: Grid, chunks: list[int], arrays: list[np.ndarray]) -> list[tuple]:
    """:func:`of_chunk` of a series' chunks, with numpy calls per series rather than per
    chunk (their fixed costs exceed the work on a month of values) when every array is a
    whole float64 period of a sub-daily grid; chunk by chunk otherwise."""
    sizes = [grid.cached_chunk_start(c + 1) - grid.cached_chunk_start(c) for c in chunks]
    if (
        grid.daily
        or len(chunks) < 2
        or any(a.dtype != np.float64 or len(a) != n for a, n in zip(arrays, sizes, strict=True))
    ):
        return [of_chunk(grid, c, a) for c, a in zip(chunks, arrays, strict=True)]
    starts = np.cumsum([0, *sizes[:-1]])
    cuts = [day_cuts(grid, c) + at for c, at in zip(chunks, starts.tolist(), strict=True)]
    days = np.array([len(c) for c in cuts])
    sums, counts = _totals(np.concatenate(arrays), np.concatenate(cuts))
    full = np.concatenate([day_lengths(grid, c) for c in chunks])
    # the compact layout's choices, for every day at once, then per chunk
    firsts = np.cumsum(days) - days
    int_sums = np.logical_and.reduceat(_integral(sums), firsts).tolist()
    full_days = np.logical_and.reduceat(counts == full, firsts).tolist()
    held = np.add.reduceat(counts, firsts).tolist()
    out = []
    for i, array in enumerate(arrays):
        a, b = int(firsts[i]), int(firsts[i] + days[i])
        if days[i] >= _PACKED_FROM:  # a year of days: maybe packed by the codec
            packed = pack_days(sums[a:b], counts[a:b], full[a:b])
        else:
            flags = _flags(int_sums[i], full_days[i])
            packed = _layout(flags, _fields(flags, sums[a:b], counts[a:b]))
        count = held[i]  # a whole chunk of values (the usual case) needs no search
        stats = (count, 0, count - 1) if count == sizes[i] else tuple(of_array(array))
        out.append((*stats, packed))
    return out


class StatsSelect:
    """The select list of rows read for their statistics: after the keys, ``chunk_index``,
    ``dtype``, the three statistics (NULL where they are not valid) and the blob where it
    must be decoded: rows of the chunk range asked for whose statistics are not valid, or
    that match ``need`` (an SQL condition, such as :attr:`gappy`)."""

    def __init__(self, sql) -> None:
        conn = sql.connection
        col = {
            name: conn.ops.quote_name(sql.model._meta.get_field(name).column)
            for name in ("chunk_index", "dtype", "data", "updated_at", *STAT_FIELDS)
        }
        self.col = col
        self.fresh = fresh = f"{col['stat_at']} = {col['updated_at']}"
        self.stale = f"({col['stat_at']} IS NULL OR NOT ({fresh}))"
        self.stats = ", ".join(f"CASE WHEN {fresh} THEN {col[n]} END" for n in STAT_FIELDS[:3])
        # values missing between the first and the last: only the blob says where
        count, first, last = col["stat_count"], col["stat_first"], col["stat_last"]
        self.gappy = f"({count} > 0 AND {count} < {last} - {first} + 1)"

    def day_columns(self, lo: int | None, hi: int | None, edges: tuple) -> tuple[str, list]:
        """The select list of daily sums: ``chunk_index``, ``dtype``, ``stat_days`` (NULL
        where not valid) and the blob of chunks ``lo`` to ``hi`` without valid daily sums,
        or among ``edges`` (chunks the window cuts)."""
        col = self.col
        chunk = col["chunk_index"]
        data = (
            f"CASE WHEN {chunk} >= %s AND {chunk} <= %s AND ({self.stale} OR "
            f"{col['stat_days']} IS NULL OR {chunk} IN (%s, %s)) THEN {col['data']} END"
        )
        days = f"CASE WHEN {self.fresh} THEN {col['stat_days']} END"
        bounds = [_INT_MIN if lo is None else lo, _INT_MAX if hi is None else hi]
        cut = [_INT_MIN if c is None else c for c in edges]
        return f"{chunk}, {col['dtype']}, {days}, {data}", [*bounds, *cut]

    def columns(
        self, lo: int | None, hi: int | None, need: str = "", params: tuple = ()
    ) -> tuple[str, list]:
        """The select list after the keys and its parameters: blobs are sent for chunks
        ``lo`` to ``hi`` (None: no bound) that are stale or match ``need`` (and its
        ``params``)."""
        col = self.col
        why = f"{self.stale} OR ({need})" if need else self.stale
        data = (
            f"CASE WHEN {col['chunk_index']} >= %s AND {col['chunk_index']} <= %s "
            f"AND ({why}) THEN {col['data']} END"
        )
        select = f"{col['chunk_index']}, {col['dtype']}, {self.stats}, {data}"
        return select, [_INT_MIN if lo is None else lo, _INT_MAX if hi is None else hi, *params]
