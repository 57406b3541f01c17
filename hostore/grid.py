"""The time grid of a store: slots, chunk periods, zones and DST.

Every instant a store can hold is a *slot*, numbered by one global integer:

- sub-daily steps (``1min`` ... ``1h``): slot ``k`` is the instant ``anchor + k * step``
  in absolute time, where ``anchor`` is the zone's UTC offset modulo the step (so local
  wall-clock multiples of the step are exactly the slots, also across DST changes);
- ``1D``: slot ``k`` is the start of the ``k``-th local calendar day after 1970-01-01
  (23 or 25 hours long on DST days).

Chunks are local calendar periods (a year, or a month) in ``STORE_TZ``; a chunk covers
the slots ``[start_slot(c), start_slot(c + 1))``. No Django here: pure numpy/pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset

from .exceptions import (
    AmbiguousTimeError,
    InvalidBoundsError,
    OffGridError,
    StoreConfigurationError,
)

CHUNK_AXES = (("year",), ("year", "month"))
BOUND_YEARS = (1700, 2200)  # pandas' nanosecond range, less a margin for chunk arithmetic


# What ``start``/``end`` bounds may be: None (open), a Timestamp, a datetime, a date, an ISO
# string or a numpy datetime64; naive ones are wall times of the store's zone.
TimeBound = pd.Timestamp | dt.datetime | dt.date | str | np.datetime64 | None


def parse_bound(value: TimeBound, side: str) -> pd.Timestamp | None:
    """A ``start``/``end`` bound as a Timestamp (None for None or NaT); anything that is
    not a time within :data:`BOUND_YEARS` is an :class:`InvalidBoundsError`."""
    if value is None:
        return None
    try:
        ts = value if isinstance(value, pd.Timestamp) else pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        ts, problem = None, f" ({exc})"
    else:
        problem = ""
        if pd.isna(ts):
            return None
    if ts is None or not BOUND_YEARS[0] <= ts.year <= BOUND_YEARS[1]:
        raise InvalidBoundsError(
            f"{side} bound {value!r} is not a time{problem}: give None, a datetime, a "
            f"Timestamp or an ISO 8601 string, between the years {BOUND_YEARS[0]} and "
            f"{BOUND_YEARS[1]}"
        )
    return ts


_NS_PER_MIN = 60 * 10**9
_NS_PER_HOUR = 60 * _NS_PER_MIN
_EPOCH_MONTH = 1970 * 12
_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
# pandas 2 builds nanosecond indexes by default, pandas 3 microsecond ones: we return the
# unit the installed pandas would have picked, so results compare equal to user-built data.
OUTPUT_UNIT = pd.date_range("2000-01-01", periods=1, freq="D").unit
# Range over which a zone's offsets are checked against the step at class creation.
_CHECK_RANGE = ("1990-01-01", "2100-01-01")
_MAX_CACHED_STARTS = 65536


@dataclass(frozen=True)
class Grid:
    """Grid of one store, built once per distinct (freq, tz, chunk axis) by :func:`get_grid`."""

    freq: str
    tz: str
    # Internal arithmetic uses zoneinfo under every pandas version (pandas 2 would pick pytz,
    # whose rules stop in 2037), so chunks agree between deployments; output keeps ``tz``.
    zone: zoneinfo.ZoneInfo = field(repr=False)
    chunk_axis: tuple[str, ...]
    offset: BaseOffset = field(repr=False)
    daily: bool
    step_ns: int
    anchor_ns: int
    monthly: bool
    # first slot of each chunk met so far: asked for every chunk of every read
    _starts: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    # ----------------------------------------------------------------- timestamps -> slots
    def localize(self, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Return ``index`` in ``STORE_TZ``: aware ones converted, naive ones as wall time."""
        if index.tz is not None:
            return index.tz_convert(self.zone)
        try:
            return index.tz_localize(self.zone, ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # pytz errors (pandas 2) are not ValueErrors
            raise AmbiguousTimeError(
                f"naive timestamps are read as {self.tz} wall time, and some are ambiguous or "
                f"do not exist there because of a DST change ({exc}); pass timezone-aware "
                "timestamps instead"
            ) from None

    def regular_slots(self, index: pd.DatetimeIndex) -> np.ndarray | None:
        """Slot numbers of an aware index that runs one step at a time along the grid (the
        usual input), or None if it does not. Sorted and unique when not None."""
        if self.daily or not len(index):
            return None
        # in the index's own unit (pandas 3: often us), so that nothing is converted;
        # steps and anchors are whole seconds, so they divide exactly
        factor = _NS_PER_UNIT[index.unit]
        raw, step, anchor = _ints(index), self.step_ns // factor, self.anchor_ns // factor
        first, rem = divmod(int(raw[0]) - anchor, step)
        # every value is looked at: an index's freq is not proof (pandas 2 keeps it through
        # DatetimeIndex.where, whatever the new values)
        if rem or not (np.diff(raw) == step).all():
            return None
        return np.arange(first, first + len(raw), dtype=np.int64)

    def slots(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Slot numbers of an aware index; :class:`OffGridError` for any off-grid timestamp."""
        regular = self.regular_slots(index)
        return regular if regular is not None else self.irregular_slots(index)

    def irregular_slots(self, index: pd.DatetimeIndex) -> np.ndarray:
        """:meth:`slots` of any aware index, checked value by value (unsorted, maybe
        with duplicates: callers check)."""
        if self.daily:
            ns = nanoseconds(index)
            local = nanoseconds(index.tz_convert(self.zone).tz_localize(None))
            slots = local // (24 * _NS_PER_HOUR)
            bad = self.slot_instants_ns(slots) != ns
        else:
            factor = _NS_PER_UNIT[index.unit]
            step, anchor = self.step_ns // factor, self.anchor_ns // factor
            slots, rem = np.divmod(_ints(index) - anchor, step)
            bad = rem != 0
        if bad.any():
            sample = ", ".join(str(t) for t in index[bad][:5])
            raise OffGridError(
                f"{int(bad.sum())} timestamp(s) are not on the store's grid "
                f"(STORE_FREQ={self.freq!r}, STORE_TZ={self.tz!r}): {sample}. Resample or "
                "round the series to the grid first; nothing was written"
            )
        return slots

    # ----------------------------------------------------------------- slots -> instants
    def slot_instants_ns(self, slots: np.ndarray) -> np.ndarray:
        """UTC nanoseconds of each slot."""
        slots = np.asarray(slots, dtype=np.int64)
        if not self.daily:
            return slots * self.step_ns + self.anchor_ns
        return self._localize_wall_ns(slots.astype("datetime64[D]").astype("datetime64[ns]"))

    def _localize_wall_ns(self, wall: np.ndarray) -> np.ndarray:
        """UTC ns of local wall times; a skipped time moves to the first instant after it."""
        idx = pd.DatetimeIndex(wall).tz_localize(
            self.zone, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
        )
        return nanoseconds(idx)

    def index(self, first_slot: int, n: int) -> pd.DatetimeIndex:
        """The DatetimeIndex of ``n`` slots from ``first_slot``, in STORE_TZ with freq set."""
        first_slot, n = int(first_slot), int(n)
        chunk = self.chunk_of_slot(first_slot)
        start = self.cached_chunk_start(chunk)
        if first_slot + n <= self.cached_chunk_start(chunk + 1):  # within one chunk: a slice
            return _chunk_index(self, chunk)[first_slot - start : first_slot - start + n]
        # many series of a stream share one range; a slice is a new Index over new arrays, so
        # that setting .name or .freq on one result cannot leak into another (a view would
        # share pandas 2's DatetimeArray, which holds the freq)
        return _range_index(self, first_slot, n)[:n]

    def _build_index(self, first_slot: int, n: int) -> pd.DatetimeIndex:
        if self.daily:
            first = self._wall_to_ns(first_slot * 24 * _NS_PER_HOUR, earliest=True)
        else:
            first = first_slot * self.step_ns + self.anchor_ns
        start = pd.Timestamp(first, tz=self.tz)  # an int is UTC nanoseconds
        return pd.date_range(start=start, periods=n, freq=self.offset, unit=OUTPUT_UNIT)

    # ----------------------------------------------------------------- chunks
    def chunk_start_slot(self, chunks: np.ndarray) -> np.ndarray:
        """First slot of each chunk (local midnight starting its year or month)."""
        chunks = np.asarray(chunks, dtype=np.int64)
        if self.monthly:
            wall = (chunks - _EPOCH_MONTH).astype("datetime64[M]")
        else:
            wall = (chunks - 1970).astype("datetime64[Y]")
        days = wall.astype("datetime64[D]")
        if self.daily:
            return days.astype(np.int64)
        ns = self._localize_wall_ns(days.astype("datetime64[ns]"))
        return -((self.anchor_ns - ns) // self.step_ns)  # ceil division

    def chunk_of_slot(self, slot: int) -> int:
        """Chunk index of one slot, without pandas (hot path of windowed reads)."""
        if self.daily:
            local = _EPOCH_DATE + dt.timedelta(days=int(slot))
        else:
            seconds = (int(slot) * self.step_ns + self.anchor_ns) // 10**9
            local = dt.datetime.fromtimestamp(seconds, tz=self.zone)
        return local.year * 12 + local.month - 1 if self.monthly else local.year

    def cached_chunk_start(self, chunk: int) -> int:
        """First slot of one chunk, memoised (hot path of every read)."""
        try:
            return self._starts[chunk]
        except KeyError:
            if len(self._starts) > _MAX_CACHED_STARTS:
                self._starts.clear()
            start = self._starts[chunk] = int(self.chunk_start_slot(np.array([chunk]))[0])
            return start

    def cached_chunk_starts(self, chunks: Sequence[int]) -> list[int]:
        """:meth:`cached_chunk_start` of each chunk (a series' chunks, on every read)."""
        try:
            return list(map(self._starts.__getitem__, chunks))  # no Python call per chunk
        except KeyError:
            return [self.cached_chunk_start(c) for c in chunks]

    @property
    def max_chunk_slots(self) -> int:
        """Slots in the longest chunk (a 31-day month or a leap year, with a DST hour more):
        bounds what one chunk row decodes to."""
        days = 31 if self.monthly else 366
        if self.daily:
            return days
        return (days * 24 + 1) * _NS_PER_HOUR // self.step_ns

    def chunk_bounds(self, chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(first slot, one past the last slot)`` of each chunk."""
        chunks = np.asarray(chunks, dtype=np.int64)
        return self.chunk_start_slot(chunks), self.chunk_start_slot(chunks + 1)

    # ----------------------------------------------------------------- window bounds
    def bound_slot(self, value: TimeBound, side: str) -> int | None:
        """First slot at/after a ``start`` bound, or last slot at/before an ``end`` bound.

        ``value`` may be None, NaT, a string, a datetime or a Timestamp, in any zone; naive
        means STORE_TZ wall time (an ambiguous one is read to widen the window, a skipped
        one as the instant the clocks jumped).
        """
        ts = parse_bound(value, side)
        if ts is None:
            return None
        ns = _ns(ts)
        if ts.tzinfo is None:
            ns = self._wall_to_ns(ns, earliest=side == "start")
        if self.daily:
            offset = cast(
                dt.timedelta, dt.datetime.fromtimestamp(ns // 10**9, tz=self.zone).utcoffset()
            )
            day = (ns + int(offset.total_seconds()) * 10**9) // (24 * _NS_PER_HOUR)
            at_start = self._wall_to_ns(day * 24 * _NS_PER_HOUR, earliest=True) == ns
            return int(day) if side == "end" or at_start else int(day) + 1
        q, r = divmod(ns - self.anchor_ns, self.step_ns)
        return int(q + 1) if side == "start" and r else int(q)

    def _wall_to_ns(self, wall_ns: int, earliest: bool) -> int:
        """UTC ns of a local wall time (given as naive ns); pandas decides near DST changes."""
        wall_ns = int(wall_ns)
        naive = _EPOCH_NAIVE + dt.timedelta(microseconds=wall_ns // 1000)
        before = cast(dt.timedelta, naive.replace(tzinfo=self.zone, fold=0).utcoffset())
        if before == naive.replace(tzinfo=self.zone, fold=1).utcoffset():
            return wall_ns - int(before.total_seconds()) * 10**9
        ts = pd.Timestamp(wall_ns, unit="ns").tz_localize(
            self.zone, ambiguous=earliest, nonexistent="shift_forward"
        )
        return ts.as_unit("ns").value

    def datetime_of_slot(self, slot: int) -> pd.Timestamp:
        """Aware Timestamp (STORE_TZ) of one slot."""
        ns = int(self.slot_instants_ns(np.array([slot]))[0])
        return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(self.tz)

    def chunk_start_datetime(self, chunk: int) -> dt.datetime:
        """Aware UTC datetime of a chunk's first slot (the ``start_ts`` column)."""
        return _chunk_start_datetime(self, int(chunk))


def nanoseconds(index: pd.DatetimeIndex) -> np.ndarray:
    """The index's times as int64 nanoseconds (UTC instants for an aware index, wall times
    for a naive one), whatever its unit."""
    return _ints(index.as_unit("ns"))


def _ints(index: pd.DatetimeIndex) -> np.ndarray:
    """The index's integers in its own unit (``asi8``, which pandas-stubs does not declare)."""
    return index.asi8  # type: ignore[attr-defined]


def _ns(ts: pd.Timestamp) -> int:
    """Nanoseconds of a Timestamp of any unit (``.value`` is in ns whatever the unit, and
    costs far less than ``as_unit``, which raises the clearer error out of range)."""
    try:
        return ts.value
    except OverflowError:
        return ts.as_unit("ns").value


@functools.lru_cache(maxsize=32)
def _chunk_index(grid: Grid, chunk: int) -> pd.DatetimeIndex:
    """Index of a whole chunk, kept for the many reads that fall inside one chunk."""
    start = grid.cached_chunk_start(chunk)
    return grid._build_index(start, grid.cached_chunk_start(chunk + 1) - start)


@functools.lru_cache(maxsize=4)
def _range_index(grid: Grid, first_slot: int, n: int) -> pd.DatetimeIndex:
    return grid._build_index(first_slot, n)


@functools.lru_cache(maxsize=65536)
def _chunk_start_datetime(grid: Grid, chunk: int) -> dt.datetime:
    ns = int(grid.slot_instants_ns(np.array([grid.cached_chunk_start(chunk)]))[0])
    return pd.Timestamp(ns, unit="ns", tz="UTC").to_pydatetime()


@functools.cache
def get_grid(freq: str, tz: str, chunk_axis: tuple[str, ...]) -> Grid:
    """Validate a store's settings and build its grid; :class:`StoreConfigurationError` if bad."""
    chunk_axis = tuple(chunk_axis)
    if chunk_axis not in CHUNK_AXES:
        raise StoreConfigurationError(
            f"CHUNK_AXIS={chunk_axis!r} is not supported; use ('year',) or ('year', 'month')"
        )
    if not isinstance(tz, str):
        raise StoreConfigurationError(f"STORE_TZ must be an IANA zone name string, not {tz!r}")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise StoreConfigurationError(
            f"STORE_TZ={tz!r} is not an IANA time zone name (e.g. 'Europe/Paris', 'UTC')"
        ) from None
    try:
        offset = to_offset(freq)
    except (ValueError, TypeError):
        offset = None
    hint = "use a step from '1min' to '1h' that divides one hour, or '1D'"
    if offset is None:
        raise StoreConfigurationError(f"STORE_FREQ={freq!r} is not a pandas frequency; {hint}")
    daily = type(offset).__name__ == "Day"
    if daily and offset.n != 1:
        raise StoreConfigurationError(f"STORE_FREQ={freq!r} is not supported; {hint}")
    if daily:
        step_ns = 24 * _NS_PER_HOUR
    else:
        try:
            step_ns = int(pd.Timedelta(cast(Any, offset)).value)  # a Tick; others raise
        except (ValueError, TypeError):
            raise StoreConfigurationError(
                f"STORE_FREQ={freq!r} is not a fixed step; {hint}"
            ) from None
        if step_ns < _NS_PER_MIN or _NS_PER_HOUR % step_ns:
            raise StoreConfigurationError(f"STORE_FREQ={freq!r} is not supported; {hint}")

    # Offsets seen by the zone over the checked range: noon UTC of every day catches every
    # offset that lasts at least a day.
    days = pd.date_range(*_CHECK_RANGE, freq="D", tz="UTC") + pd.Timedelta(hours=12)
    zone = zoneinfo.ZoneInfo(tz)
    local = days.tz_convert(zone)
    offsets_ns = nanoseconds(local.tz_localize(None)) - nanoseconds(days)
    anchor_ns = 0
    if not daily:
        # local wall time is a multiple of the step  <=>  utc = -offset (mod step)
        residues = np.unique((-offsets_ns) % step_ns)
        if len(residues) > 1:
            raise StoreConfigurationError(
                f"STORE_TZ={tz!r} changes its UTC offset by amounts that are not multiples of "
                f"STORE_FREQ={freq!r}, so its wall-clock grid is not regular; choose a smaller "
                "step or another zone"
            )
        anchor_ns = int(residues[0]) if len(residues) else 0
    else:
        midnights = pd.DatetimeIndex(pd.date_range(*_CHECK_RANGE, freq="D").values)
        try:
            midnights.tz_localize(zone, ambiguous="raise", nonexistent="raise")
        except Exception:
            raise StoreConfigurationError(
                f"STORE_FREQ='1D' needs a zone where every local midnight exists once; "
                f"{tz!r} skips or repeats midnight on some DST days. Store hourly data or "
                "use another zone"
            ) from None
    return Grid(
        freq=freq,
        tz=tz,
        zone=zone,
        chunk_axis=chunk_axis,
        offset=offset,
        daily=daily,
        step_ns=step_ns,
        anchor_ns=anchor_ns,
        monthly=chunk_axis == ("year", "month"),
    )
