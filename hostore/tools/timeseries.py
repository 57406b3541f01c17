"""Small operations on time series (pandas Series, sometimes DataFrames) that code written for
holcstore 0.5/0.6 calls: combining versions, cutting, normalising, finding constant runs.

Slicing follows pandas' ``ds[a:b]`` as 0.5/0.6 did: by label (ends included) on a
``DatetimeIndex``, by position on an integer index.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from ..exceptions import InvalidRangeError, TimezoneAwarenessError

Data = TypeVar("Data", pd.Series, pd.DataFrame)


def ts_combine_first(
    ds_list: Iterable[pd.Series | pd.DataFrame | None], default_type: type | None = None
) -> Any:
    """Combine series so that earlier ones win: ``first.combine_first(second)...``.

    Each later series only fills the timestamps where the result so far has no value (NaN or
    absent); the result covers the union of the indexes (sorted, unless the indexes are all
    equal), named after the first series. ``None`` and empty entries are skipped; when a
    single series remains it is returned itself (not a copy); when none remains,
    ``default_type(dtype=float)`` (an empty float ``pd.Series`` by default; ``pd.DataFrame``
    gives an empty frame). Any iterable is
    accepted (a generator too), and DataFrames combine column by column. Aware indexes in
    several zones give UTC; mixing naive and aware indexes raises
    :class:`~hostore.exceptions.TimezoneAwarenessError`, a ``TypeError`` as pandas 2 raised
    in 0.5/0.6 (pandas 3 would build an index of both kinds).
    """
    kept = [ds for ds in ds_list if ds is not None and not ds.empty]
    if not kept:
        return (pd.Series if default_type is None else default_type)(dtype=float)
    awareness = {ds.index.tz is None for ds in kept if isinstance(ds.index, pd.DatetimeIndex)}
    if len(awareness) > 1:
        # pandas 2 raised TypeError, pandas 3 would mix both kinds in an object index
        raise TimezoneAwarenessError(
            "ts_combine_first: some series have naive timestamps and others aware ones"
        )
    return functools.reduce(lambda acc, ds: acc.combine_first(ds), cast(list[Any], kept))


def equalp(x: Any, y: Any) -> bool:
    """Whether two scalars are equal, missing values (NaN, None, NaT, ``pd.NA``) being equal
    to each other and to nothing else.

    0.5/0.6 raised ``TypeError`` when both were ``pd.NA``; this returns True.
    """
    x_missing, y_missing = bool(pd.isna(x)), bool(pd.isna(y))
    if x_missing or y_missing:
        return x_missing and y_missing
    return bool(x == y)


def find_constant_sequences(ds: pd.Series) -> tuple[tuple[tuple[Any, Any], Any], ...]:
    """The runs of equal consecutive values of ``ds``, in the series' order.

    Each run is ``((first_label, last_label), value)`` with the run's first value, as Python
    objects (``float``, ``int``, ``str``, ``pd.Timestamp`` labels...). Missing values are equal
    to each other (a run of NaN is one run). An empty series gives ``()``. Works on any
    index; the order of the series is used as is (unsorted indexes are not sorted).

    Unlike 0.5/0.6, a nullable series holding ``pd.NA`` works (0.5/0.6 raised ``TypeError``).
    """
    n = len(ds)
    if n == 0:
        return ()
    values = ds.to_numpy()
    missing = np.asarray(pd.isna(values), dtype=bool)
    if values.dtype == object:
        # pd.NA cannot be compared; missing entries are handled through ``missing``
        values = np.where(missing, cast(Any, None), values)
    equal = np.asarray(values[1:] == values[:-1], dtype=bool)
    same = (equal & ~missing[1:] & ~missing[:-1]) | (missing[1:] & missing[:-1])
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    ends = np.concatenate((starts[1:] - 1, [n - 1]))
    # labels as Python objects, each built once (a one-point run starts and ends on it)
    needed = np.union1d(starts, ends)
    labels = ds.index[needed].tolist()
    firsts = [labels[i] for i in np.searchsorted(needed, starts).tolist()]
    lasts = [labels[i] for i in np.searchsorted(needed, ends).tolist()]
    run_values = ds.iloc[starts].tolist()
    return tuple(((a, b), v) for a, b, v in zip(firsts, lasts, run_values, strict=True))


def split_ts(
    ds: Data, idx_split: Any, idx_min: Any = None, idx_max: Any = None
) -> tuple[Data, Data]:
    """Cut ``ds`` in two at ``idx_split``: ``(ds[idx_min:idx_split], ds[idx_split:idx_max])``.

    Label slices on a ``DatetimeIndex``, so a point at ``idx_split`` belongs to both parts;
    ``idx_min``/``idx_max`` (None: no bound) bound the first and the second part.
    :class:`~hostore.exceptions.InvalidRangeError` (a ``ValueError``, as in 0.5/0.6) when
    ``idx_min >= idx_split`` or ``idx_max <= idx_split``.
    """
    if idx_min is not None and idx_min >= idx_split:
        raise InvalidRangeError(f"idx_min ({idx_min}) must be before idx_split ({idx_split})")
    if idx_max is not None and idx_max <= idx_split:
        raise InvalidRangeError(f"idx_max ({idx_max}) must be after idx_split ({idx_split})")
    return ds[idx_min:idx_split], ds[idx_split:idx_max]


def slice_ts(ds: Data, start: Any, end: Any) -> Data:
    """The rows of ``ds`` (a Series or a DataFrame) with ``start <= index < end``: the end is
    excluded, unlike a label slice. Bounds of another kind than the index (naive against
    aware) raise pandas' ``TypeError``; strings are parsed by pandas."""
    index = ds.index
    return ds[(index >= start) & (index < end)]


def ts_normalize(ds: Data) -> Data:
    """``ds`` rescaled to ``[0, 1]``: ``(ds - min) / (max - min)``, column by column for a
    DataFrame. Missing values are ignored by min and max and stay missing; a constant series
    becomes all NaN (0 / 0)."""
    low, high = ds.min(), ds.max()
    return (ds - low) / (high - low)


def slice_with_delay(ds: Data | None, delay: Any) -> Data | None:
    """``ds`` without its first ``delay``: a copy of ``ds[ds.index.min() + delay:]``.

    The cut is a label slice, so the point exactly ``delay`` after the first one is kept. A
    negative delay keeps everything, a delay beyond the end gives an empty series. ``None``
    and empty inputs are returned as they are (the same object). ``delay`` must support
    addition to the index's labels (a ``pd.Timedelta`` for a ``DatetimeIndex``; a string
    raises ``TypeError``).
    """
    if ds is None or ds.empty:
        return ds
    return ds[ds.index.min() + delay :].copy()
