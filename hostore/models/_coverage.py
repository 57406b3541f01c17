"""Coverage and holes of many series, from the per-chunk statistics (``_stats``).

Chunks whose statistics are valid are never decoded when the answer follows from them: a
chunk's count, first and last value, and (for ``holes``) whether its values run without a
gap. The others (rows written before the statistics or rewritten by an older holcstore,
chunks with gaps for ``holes``, chunks with gaps that the window cuts for ``coverage``) come
with their blob in the same statement and are decoded. A page of rows at a time, in the
order of the business keys, each page worked out with numpy over all its rows: memory stays
bounded whatever the number of series, and Python runs per page and per decoded chunk.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import router

from ..conf import hostore_settings
from ..grid import OUTPUT_UNIT, Grid
from . import _corrupt, _driver, _stats
from ._sql import store_sql

_STATS_ROW_BYTES = 64  # what a stats row without its blob weighs in a page
_NONE = np.empty(0, np.int64)


@dataclass
class Window:
    """Inclusive slot bounds (None: the series' own first or last value) and their chunks."""

    lo: int | None
    hi: int | None
    clo: int | None
    chi: int | None


@dataclass
class Page:
    """The series of one page: keys, values in the window (how many, first and last slot
    holding one, -1 when none), the window's bounds once each series' own first and last
    values close its open sides (-1 when empty) and, for holes, the runs of present slots
    (``run_series`` tells whose)."""

    keys: list[tuple]
    present: np.ndarray
    first: np.ndarray
    last: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    run_series: np.ndarray
    run_starts: np.ndarray
    run_ends: np.ndarray

    @property
    def slots(self) -> np.ndarray:
        return np.where(self.lo >= 0, self.hi - self.lo + 1, 0).clip(0)

    def holes(self, min_slots: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(series, first, last)``: each run of at least ``min_slots`` missing slots of
        each series' window, in order."""
        empty = self.slots > 0
        s, a, b = self.run_series, self.run_starts, self.run_ends
        windows = np.flatnonzero(empty)
        # between runs of a series, before its first run and after its last
        same = s[1:] == s[:-1]
        gap_s = s[1:][same]
        gap_a, gap_b = b[:-1][same] + 1, a[1:][same] - 1
        head = np.ones(len(s), bool)
        head[1:] = ~same
        tail = np.ones(len(s), bool)
        tail[:-1] = ~same
        lead_s, lead_a, lead_b = s[head], self.lo[s[head]], a[head] - 1
        end_s, end_a, end_b = s[tail], b[tail] + 1, self.hi[s[tail]]
        bare = windows[~np.isin(windows, s)]  # a window without any value: one hole
        series = np.concatenate([gap_s, lead_s, end_s, bare])
        first = np.concatenate([gap_a, lead_a, end_a, self.lo[bare]])
        last = np.concatenate([gap_b, lead_b, end_b, self.hi[bare]])
        keep = (last - first + 1 >= min_slots) & empty[series]
        series, first, last = series[keep], first[keep], last[keep]
        order = np.lexsort((first, series))
        return series[order], first[order], last[order]


def _runs(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inclusive ``(start, end)`` positions of each run of True."""
    edges = np.diff(np.concatenate(([0], valid.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _page(model, rows: list[tuple], nk: int, window: Window, holes: bool) -> Page:
    """Work out one page of stats rows (keys, chunk, dtype, count, first, last, blob)."""
    grid = model._hostore.grid
    key_of = operator.itemgetter(*range(nk)) if nk else (lambda row: ())
    keys, sizes = [], []
    for key, group in itertools.groupby(rows, key=key_of):
        keys.append((key,) if nk == 1 else tuple(key))
        sizes.append(sum(1 for _ in group))
    series = np.repeat(np.arange(len(keys)), sizes)
    columns = list(zip(*rows, strict=True))
    chunk = np.array(columns[nk], dtype=np.int64)
    count = np.array(columns[nk + 2], dtype=np.float64)  # NaN: not valid
    first = np.array(columns[nk + 3], dtype=np.float64)
    last = np.array(columns[nk + 4], dtype=np.float64)
    blobs = columns[nk + 5]
    start = np.array(grid.cached_chunk_starts(chunk.tolist()), dtype=np.int64)
    end = np.array(grid.cached_chunk_starts((chunk + 1).tolist()), dtype=np.int64) - 1
    a = start if window.lo is None else np.maximum(start, window.lo)
    b = end if window.hi is None else np.minimum(end, window.hi)
    inside = a <= b
    if window.clo is not None:
        inside &= chunk >= window.clo
    if window.chi is not None:
        inside &= chunk <= window.chi
    # chunks answered by their statistics: values run from first to last, or not cut
    lo_v, hi_v = np.maximum(a, start + first), np.minimum(b, start + last)
    whole = (lo_v == start + first) & (hi_v == start + last)
    got = np.where(lo_v <= hi_v, np.where(whole, count, hi_v - lo_v + 1), 0)
    decoded = np.array([blob is not None for blob in blobs]) & inside
    fresh = inside & ~np.isnan(count) & ~decoded & (got > 0)
    got = np.where(fresh, got, 0).astype(np.int64)
    v_first = np.where(fresh, lo_v, -1).astype(np.int64)
    v_last = np.where(fresh, hi_v, -1).astype(np.int64)
    runs = [(series[fresh], v_first[fresh], v_last[fresh])] if holes else []
    todo = np.flatnonzero(decoded)
    if len(todo):
        arrays = _corrupt.decode_chunks(
            model,
            [blobs[i] for i in todo],
            [columns[nk + 1][i] for i in todo],
            lambda j: (tuple(rows[todo[j]][:nk]), columns[nk][todo[j]]),
        )
        # the decoded chunks' windows end to end, a missing slot between two: runs at once
        parts, offsets, at = [], [], 0
        for i, array in zip(todo.tolist(), arrays, strict=True):
            part = array[int(a[i] - start[i]) : int(b[i] - start[i]) + 1]
            parts.append(~np.isnan(part) if part.dtype.kind == "f" else np.ones(len(part), bool))
            parts.append(np.zeros(1, bool))
            offsets.append(at)
            at += len(part) + 1
        r_a, r_b = _runs(np.concatenate(parts))
        row = np.searchsorted(np.array(offsets), r_a, side="right") - 1
        shift = a[todo][row] - np.array(offsets)[row]
        r_s, r_a, r_b = series[todo][row], r_a + shift, r_b + shift
        rows_of = todo[row]
        got[todo] = 0
        np.add.at(got, rows_of, r_b - r_a + 1)
        if len(rows_of):
            change = rows_of[1:] != rows_of[:-1]
            firsts = np.flatnonzero(np.concatenate(([True], change)))
            lasts = np.flatnonzero(np.concatenate((change, [True])))
            v_first[rows_of[firsts]] = r_a[firsts]
            v_last[rows_of[lasts]] = r_b[lasts]
        if holes:
            runs.append((r_s, r_a, r_b))
    edges = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    present = np.add.reduceat(got, edges)
    big = np.iinfo(np.int64).max
    s_first = np.minimum.reduceat(np.where(got > 0, v_first, big), edges)
    s_last = np.maximum.reduceat(np.where(got > 0, v_last, -1), edges)
    s_first = np.where(present > 0, s_first, -1)
    lo = s_first if window.lo is None else np.full(len(keys), window.lo)
    hi = s_last if window.hi is None else np.full(len(keys), window.hi)
    lo, hi = np.where((lo >= 0) & (hi >= 0) & (hi >= lo), lo, -1), hi
    hi = np.where(lo >= 0, hi, -1)
    r_s, r_a, r_b = _NONE, _NONE, _NONE
    if holes and runs:
        r_s, r_a, r_b = (np.concatenate(x).astype(np.int64) for x in zip(*runs, strict=True))
        order = np.lexsort((r_a, r_s))
        r_s, r_a, r_b = r_s[order], r_a[order], r_b[order]
        if len(r_s) > 1:  # runs that touch across a chunk boundary are one
            joined = (r_s[1:] == r_s[:-1]) & (r_a[1:] == r_b[:-1] + 1)
            if joined.any():
                r_a = r_a[np.concatenate(([True], ~joined))]
                r_b = r_b[np.concatenate((~joined, [True]))]
                r_s = r_s[np.concatenate(([True], ~joined))]
    return Page(keys, present, s_first, s_last, lo, hi, r_s, r_a, r_b)


def stream(model, filters: dict, window: Window, holes: bool) -> Iterator[Page]:
    """Pages of the series matching ``filters``, in the order of their keys. ``holes``:
    every chunk with gaps is decoded; otherwise only those the window cuts."""
    info = model._hostore
    sql = store_sql(model, router.db_for_read(model))
    select = _stats.StatsSelect(sql)
    params: tuple[int, ...] = ()
    if holes:
        need = select.gappy
    else:
        chunk = select.col["chunk_index"]
        need = f"{chunk} IN (%s, %s) AND {select.gappy}"
        edges = (
            window.clo if window.lo is not None else None,
            window.chi if window.hi is not None else None,
        )
        params = tuple(_stats._INT_MIN if c is None else c for c in edges)
    columns = select.columns(window.clo, window.chi, need, params)
    nk = len(info.keys)
    pages = sql.stream(
        filters,
        None,
        None,
        lambda rows: [_page(model, rows, nk, window, holes)] if rows else [],
        _STATS_ROW_BYTES,
        10 * hostore_settings.READ_CHUNK_SIZE,
        hostore_settings.READ_BUFFER_BYTES,
        columns=columns,
    )
    for page in pages:
        yield from page


_POS_BITS = 20  # positions in a chunk (at most 527,040 slots) in a chunk_index * 2**20 + pos


def grouped(model, filters: dict, window: Window) -> Page | None:
    """``coverage`` in one ``GROUP BY`` statement, when every row in the window has valid
    statistics and no row is cut by the window (the usual case, without bounds or with
    bounds on chunk boundaries); None otherwise, and the caller streams the rows."""
    info = model._hostore
    grid = info.grid
    sql = store_sql(model, router.db_for_read(model))
    conn = sql.connection
    select = _stats.StatsSelect(sql)
    col = select.col
    chunk, nk = col["chunk_index"], len(info.keys)
    inside, params = [], []
    for bound, edge, side in ((window.lo, window.clo, ">="), (window.hi, window.chi, "<=")):
        if edge is None:
            continue
        first = grid.cached_chunk_start(edge)
        if bound != (first if side == ">=" else grid.cached_chunk_start(edge + 1) - 1):
            return None  # the window cuts a chunk: its values must be looked at
        inside.append(f"{chunk} {side} %s")
        params.append(edge)
    in_range = " AND ".join(inside) or "1 = 1"
    inner = f"{select.fresh} AND {in_range}"
    counted = f"{inner} AND {col['stat_count']} > 0"
    wide = f"CAST({chunk} AS BIGINT) * {1 << _POS_BITS}"
    keys = ", ".join(sql.columns[:nk])
    by_name = {f.name: f for f in sql.fields}
    where = "".join(f"{conn.ops.quote_name(by_name[k].column)} = %s AND " for k in filters)
    deleted = sql.columns[nk + 5]
    text = (
        f"SELECT {keys}{', ' if nk else ''}"
        f"SUM(CASE WHEN {inner} THEN {col['stat_count']} ELSE 0 END), "
        f"MIN(CASE WHEN {counted} THEN {wide} + {col['stat_first']} END), "
        f"MAX(CASE WHEN {counted} THEN {wide} + {col['stat_last']} END), "
        f"SUM(CASE WHEN {in_range} AND {select.stale} THEN 1 ELSE 0 END) "
        f"FROM {sql.table} WHERE {where}{deleted} = %s"
        + (f" GROUP BY {keys} ORDER BY {keys}" if nk else "")
    )
    args = [*params, *params, *params, *params]
    args += [by_name[k].get_db_prep_value(v, conn) for k, v in filters.items()] + [False]
    rows = _driver.fetchall(conn, text, args, binary=sql.binary_keys)
    convert = sql._key_converters()
    rows = [sql._convert(r, convert) for r in rows] if convert else rows
    if not nk and rows and rows[0][0] is None:  # a keyless store without any row
        rows = []
    if any(r[nk + 3] for r in rows):  # rows without valid statistics: decode them
        return None
    keys_found = [tuple(r[:nk]) for r in rows]
    present = np.array([int(r[nk] or 0) for r in rows], dtype=np.int64)
    firsts = np.array([-1 if r[nk + 1] is None else int(r[nk + 1]) for r in rows], np.int64)
    lasts = np.array([-1 if r[nk + 2] is None else int(r[nk + 2]) for r in rows], np.int64)

    def slots(packed: np.ndarray) -> np.ndarray:
        out = np.full(len(packed), -1, dtype=np.int64)
        held = np.flatnonzero(packed >= 0)
        chunks = (packed[held] >> _POS_BITS).tolist()
        start = np.array(grid.cached_chunk_starts(chunks), dtype=np.int64)
        out[held] = start + (packed[held] & ((1 << _POS_BITS) - 1))
        return out

    s_first, s_last = slots(firsts), slots(lasts)
    lo = s_first if window.lo is None else np.full(len(rows), window.lo)
    hi = s_last if window.hi is None else np.full(len(rows), window.hi)
    lo = np.where((lo >= 0) & (hi >= 0) & (hi >= lo), lo, -1)
    hi = np.where(lo >= 0, hi, -1)
    return Page(keys_found, present, s_first, s_last, lo, hi, _NONE, _NONE, _NONE)


def timestamps(grid: Grid, slots: np.ndarray) -> pd.DatetimeIndex:
    """The instants of slots (NaT for -1), in ``STORE_TZ``."""
    slots = np.asarray(slots, dtype=np.int64)
    ns = grid.slot_instants_ns(np.where(slots >= 0, slots, 0))
    values = np.where(slots >= 0, ns, np.iinfo(np.int64).min).astype("datetime64[ns]")
    index = pd.DatetimeIndex(values).tz_localize("UTC")
    return index.tz_convert(grid.tz).as_unit(OUTPUT_UNIT)


def coverage_frame(model, pages: list[Page]) -> pd.DataFrame:
    """The ``coverage`` DataFrame of the pages' series."""
    info = model._hostore
    keys = [k for p in pages for k in p.keys]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in pages]) if pages else _NONE

    slots, present = joined("slots"), joined("present")
    frame = pd.DataFrame({name: [k[i] for k in keys] for i, name in enumerate(info.keys)})
    frame["first"] = timestamps(info.grid, joined("first"))
    frame["last"] = timestamps(info.grid, joined("last"))
    frame["slots"] = slots
    frame["present"] = present
    frame["missing"] = slots - present
    return frame
