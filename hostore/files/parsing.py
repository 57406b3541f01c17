"""Turn a batch's cells into checked timestamps and numbers, vectorised.

Every check finds the first bad row of the batch and raises :class:`FileRowError` naming its
line (CSV) or row (Parquet), and what to do about it. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..exceptions import FileRowError
from ..grid import OUTPUT_UNIT, nanoseconds
from .reading import Batch

# an ISO time ending in an offset: Z, +01, +0100 or +01:00
_OFFSET = r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"


def _fail(batch: Batch, bad: np.ndarray, message: Callable[[int], str]) -> None:
    """Raise about the first True of ``bad`` (a boolean array over the batch's rows)."""
    position = int(np.flatnonzero(bad)[0])
    line = batch.where(position)
    raise FileRowError(f"{batch.unit} {line}: {message(position)}", line=line)


class TimeStyle:
    """Whether the file's times carry UTC offsets, as its first row says: every row of the
    file must follow it (a file mixing both is most likely an error)."""

    def __init__(self) -> None:
        self.aware: bool | None = None
        self.first: int | None = None

    def check(self, batch: Batch, aware: np.ndarray, text: pd.Series) -> None:
        if not len(aware):
            return
        if self.aware is None:
            self.aware, self.first = bool(aware[0]), batch.first
        odd = aware != self.aware
        if odd.any():
            mine, theirs = ("lacks", "has") if self.aware else ("has", "lacks")
            _fail(
                batch,
                odd,
                lambda p: (
                    f"{text.iloc[p]!r} {mine} a UTC offset while {batch.unit} "
                    f"{self.first} {theirs} one: write every time the same way (ISO 8601 with "
                    "offsets is safest)"
                ),
            )


def timestamps(
    batch: Batch, column: str, tz: str | None, style: TimeStyle | None = None
) -> pd.DatetimeIndex:
    """The column as a DatetimeIndex: aware ones converted to ``tz`` (UTC if None), naive
    ones read as ``tz`` wall time (kept naive if None). Missing, unparsable, mixed
    (offsets on some rows only) and DST-ambiguous naive times are errors."""
    raw = batch.frame[column]
    style = style or TimeStyle()
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):  # Parquet timestamps
        index = pd.DatetimeIndex(raw)
        with contextlib.suppress(pd.errors.OutOfBoundsDatetime):  # the unit pandas makes
            index = index.as_unit(OUTPUT_UNIT)
        if index.hasnans:
            _fail(batch, np.asarray(index.isna()), lambda p: f"the {column!r} cell is empty")
        style.check(batch, np.full(len(index), index.tz is not None), raw)
        if index.tz is not None:
            return index.tz_convert(tz or "UTC")
        return _localize(batch, index, tz, raw)
    text = raw.fillna("") if raw.hasnans else raw
    empty = np.asarray(text.str.strip() == "")
    if empty.any():
        _fail(batch, empty, lambda p: f"the {column!r} cell is empty; every row needs a time")
    aware = np.asarray(text.str.contains(_OFFSET, regex=True))
    utc = bool(aware.any() or style.aware)  # (naive cells then read as UTC: refused below)
    try:
        index = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", errors="coerce", utc=utc))
    except (ValueError, OverflowError):  # (errors="coerce" still raises on some inputs)
        index = pd.DatetimeIndex(
            [pd.to_datetime(t, format="ISO8601", errors="coerce", utc=True) for t in text]
        )
    if index.hasnans:
        _fail(
            batch,
            np.asarray(index.isna()),
            lambda p: (
                f"cannot read {text.iloc[p]!r} as a time: write ISO 8601, e.g. "
                "2024-01-31T23:30:00+01:00"
            ),
        )
    style.check(batch, aware, text)
    if style.aware:
        return index.tz_convert(tz or "UTC")
    return _localize(batch, index, tz, text)


def _localize(batch: Batch, index: pd.DatetimeIndex, tz: str | None, cells) -> pd.DatetimeIndex:
    if tz is None:
        return index
    try:
        return index.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except Exception:  # pytz errors (pandas 2) are not ValueErrors
        lost = index.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        _fail(
            batch,
            np.asarray(lost.isna()),
            lambda p: (
                f"the naive time {str(cells.iloc[p])!r} is ambiguous or does not exist "
                f"in {tz} (a DST change): write times with their UTC offset (e.g. "
                "2024-10-27T02:00:00+02:00), or pass --tz with a zone without DST such as UTC"
            ),
        )
        raise  # (not reached: some time failed)


def numbers(batch: Batch, column: str) -> np.ndarray:
    """The column as float64 (missing cells NaN); text that is not a number, or an
    infinite value, is an error."""
    raw = batch.frame[column]
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_numeric(raw, errors="coerce")
        values = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isnan(values) & np.asarray(raw.notna())
        if bad.any():
            _fail(
                batch,
                bad,
                lambda p: (
                    f"{raw.iloc[p]!r} in column {column!r} is not a number; leave the "
                    "cell empty for a missing value"
                ),
            )
    infinite = np.isinf(values)
    if infinite.any():
        _fail(batch, infinite, lambda p: f"column {column!r} holds an infinite value")
    return values


def check_grid(
    batch: Batch, index: pd.DatetimeIndex, step_ns: int | None, label: str, freq, tz
) -> None:
    """Every time must be a slot of the store's grid: a multiple of the step in the
    store's local wall time (a local midnight for ``1D``)."""
    if step_ns is None:
        return
    wall = nanoseconds(index.tz_convert(tz).tz_localize(None))
    off = wall % step_ns != 0
    if off.any():
        _fail(
            batch,
            off,
            lambda p: (
                f"{index[p]} is not on the grid of {label} (STORE_FREQ={freq!r}, "
                f"STORE_TZ={tz!r}): resample or round the data to the grid first"
            ),
        )


def first_duplicate(ns: np.ndarray) -> tuple[int, int] | None:
    """Positions ``(earlier, later)`` of the first repeated value of ``ns``, or None."""
    if len(ns) < 2:
        return None
    order = np.argsort(ns, kind="stable")
    same = np.flatnonzero(ns[order][1:] == ns[order][:-1])
    if not len(same):
        return None
    pairs = np.stack([order[same], order[same + 1]], axis=1)
    later = int(np.argmin(pairs.max(axis=1)))  # the duplicate met first in the file
    return int(pairs[later].min()), int(pairs[later].max())
