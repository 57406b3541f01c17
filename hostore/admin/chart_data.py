"""The points a chart draws: several series on one time axis, exact or reduced.

A window holding at most ``max_points`` instants is sent exactly (every stored point, the
union of the series' times, ``null`` where a series has no value). A longer one is cut into
``max_points / 2`` equal time buckets and each series sends, per bucket, its smallest and its
largest value in the order they occur, at the bucket's start and middle: the drawn envelope
is the true one (no peak is lost), and all series share the buckets' times.

Times are seconds since the epoch (uPlot's axis), values floats or ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from ..grid import nanoseconds


def _utc_ns(index: pd.Index) -> np.ndarray:
    times = cast(pd.DatetimeIndex, index)  # the stores' series are on a DatetimeIndex
    if times.tz is None:
        times = times.tz_localize("UTC")
    return nanoseconds(times)


def _floats(serie: pd.Series) -> np.ndarray:
    return pd.to_numeric(serie, errors="coerce").astype("float64").to_numpy()


def _json_values(values: np.ndarray) -> list:
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def points(series: Sequence[pd.Series | None], max_points: int) -> dict[str, Any]:
    """``{"t": [...], "values": [[...] per series], "downsampled": bool}``."""
    present = [s.dropna() if s is not None else None for s in series]
    stamps = [_utc_ns(s.index) for s in present if s is not None and len(s)]
    if not stamps:
        return {"t": [], "values": [[] for _ in series], "downsampled": False}
    union = np.unique(np.concatenate(stamps))
    if len(union) <= max_points:
        columns = []
        for serie in present:
            column = np.full(len(union), np.nan)
            if serie is not None and len(serie):
                column[np.searchsorted(union, _utc_ns(serie.index))] = _floats(serie)
            columns.append(column)
        return {
            "t": (union / 1e9).tolist(),
            "values": [_json_values(c) for c in columns],
            "downsampled": False,
        }
    buckets = max(1, max_points // 2)
    lo, hi = int(union[0]), int(union[-1]) + 1
    edges = np.linspace(lo, hi, buckets + 1)
    times = np.empty(2 * buckets)
    times[0::2] = edges[:-1]
    times[1::2] = (edges[:-1] + edges[1:]) / 2
    columns = [_envelope(serie, edges, buckets) for serie in present]
    return {
        "t": (times / 1e9).tolist(),
        "values": [_json_values(c) for c in columns],
        "downsampled": True,
    }


def _envelope(serie: pd.Series | None, edges: np.ndarray, buckets: int) -> np.ndarray:
    """Per bucket, the min and max of ``serie`` in time order (NaN for an empty bucket)."""
    out = np.full(2 * buckets, np.nan)
    if serie is None or not len(serie):
        return out
    bucket = np.clip(np.searchsorted(edges, _utc_ns(serie.index), side="right") - 1, 0, buckets - 1)
    frame = pd.DataFrame({"b": bucket, "v": _floats(serie)})
    frame = frame[~np.isnan(frame["v"].to_numpy())].reset_index(drop=True)
    if frame.empty:
        return out
    grouped = frame.groupby("b")["v"]
    at_min, at_max = grouped.idxmin().to_numpy(), grouped.idxmax().to_numpy()
    which = grouped.idxmin().index.to_numpy()
    values = frame["v"].to_numpy()
    min_first = at_min <= at_max
    out[2 * which] = np.where(min_first, values[at_min], values[at_max])
    out[2 * which + 1] = np.where(min_first, values[at_max], values[at_min])
    return out
