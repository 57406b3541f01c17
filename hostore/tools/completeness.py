"""Holes of a time series on a regular grid: holcstore 0.5/0.6's ``check_ts_completeness``,
which ``Store.find_holes`` builds on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DuplicateTimestampError, InvalidBoundsError
from .freqs import LEGACY_LOGGER_NAME, modern_freq, to_step

# 0.5/0.6 logged under this name: logging set-ups keep working
logger = logging.getLogger(LEGACY_LOGGER_NAME)

DEFAULT_FREQ = "30min"


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first and of the last element of each run of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def check_ts_completeness(
    ds: pd.Series | pd.DataFrame | None,
    start: Any,
    end: Any,
    tag: str | None = None,
    freq: Any = None,
    freq_margin: Any = None,
    msgs: list[str] | None = None,
) -> list[tuple[Any, Any]]:
    """The holes of ``ds`` on the grid ``pd.date_range(start, end, freq=freq)`` (both ends
    included), each widened by ``freq_margin`` on both sides.

    A grid point is missing when ``ds`` has no value there (absent timestamp or NaN); points
    of ``ds`` off the grid are ignored. Each run of consecutive missing points gives
    ``(first - freq_margin, last + freq_margin)`` as ``pd.Timestamp``s, in the grid's time
    zone (that of ``start``/``end``); the margin is absolute time (24 hours for ``'D'``, also
    over a DST change). ``start > end`` gives ``[]``.

    - ``freq``: default ``'30min'``; any pandas frequency (pandas' retired aliases such as
      ``'H'`` and ``'15T'`` are accepted under every pandas version).
    - ``freq_margin``: default ``freq``; a ``pd.Timedelta``, a string (``'h'`` is one hour),
      a ``datetime.timedelta`` or a fixed offset.
    - A DataFrame is summed over its columns first: a row counts as present as soon as it
      exists, even full of NaN (as in 0.5/0.6).
    - Messages: ``'<tag> contains NaNs'`` then one
      ``'<tag>   from <first> to <last> (<duration>) (holes widen by <margin>)'`` per hole
      (``'is empty'`` for an empty series), appended to ``msgs`` if given, else logged as
      warnings on the ``hostore.utils.timeseries`` logger (0.5/0.6's name).

    Corrections of 0.5/0.6: the result is always a list (an empty or ``None`` series gives
    ``[(start, end)]``, the bounds as given and not widened, where 0.5/0.6 returned a tuple
    and raised on ``None``), and bounds
    that are naive while the series is aware (or the reverse) raise
    :class:`~hostore.exceptions.InvalidBoundsError` (a ``ValueError``, as the store's reads;
    0.5/0.6 reported the whole window missing). A duplicated timestamp raises
    :class:`~hostore.exceptions.DuplicateTimestampError` (a ``ValueError``, as pandas' error
    in 0.5/0.6).
    """
    freq = DEFAULT_FREQ if freq is None else freq
    margin = to_step(freq if freq_margin is None else freq_margin)
    prefix = "" if tag is None else f"{tag} "
    report: Callable[[str], None] = logger.warning if msgs is None else msgs.append

    if ds is None or ds.empty:
        report(f"{prefix}is empty")
        return [(start, end)]
    if isinstance(ds, pd.DataFrame):
        ds = ds.sum(axis=1)
    grid = pd.date_range(start, end, freq=modern_freq(freq))
    _check_same_awareness(grid, ds.index)
    if ds.index.has_duplicates:
        raise DuplicateTimestampError(
            "check_ts_completeness: the series has duplicated timestamps, e.g. "
            f"{ds.index[ds.index.duplicated()][0]}"
        )
    missing = ds.reindex(grid).isna().to_numpy()
    firsts, lasts = true_runs(missing)
    if not len(firsts):
        return []
    first_points, last_points = grid[firsts], grid[lasts]
    report(f"{prefix}contains NaNs")
    for first, last in zip(first_points, last_points, strict=True):
        report(f"{prefix}  from {first} to {last} ({last - first}) (holes widen by {margin})")
    return list(zip(first_points - margin, last_points + margin, strict=True))


def _check_same_awareness(grid: pd.DatetimeIndex, index: pd.Index) -> None:
    """Raise when the grid and the series' index are not both naive or both aware."""
    if not isinstance(index, pd.DatetimeIndex) or (grid.tz is None) == (index.tz is None):
        return
    grid_kind = "naive" if grid.tz is None else f"aware ({grid.tz})"
    index_kind = "naive" if index.tz is None else f"aware ({index.tz})"
    raise InvalidBoundsError(
        f"check_ts_completeness: the bounds are {grid_kind} but the series' timestamps are "
        f"{index_kind}; give bounds of the same kind (holcstore 0.5/0.6 silently reported "
        "the whole window missing)"
    )
