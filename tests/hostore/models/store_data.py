"""Curves for the Store tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def curve(start="2024-01-01", periods=4, freq="30min", values=None, tz="UTC", dtype=float):
    idx = pd.date_range(start, periods=periods, freq=freq, tz=tz)
    data = np.arange(1, periods + 1) if values is None else values
    return pd.Series(np.asarray(data, dtype=dtype), index=idx)


def at(*times: str, tz="UTC") -> pd.DatetimeIndex:
    """Timestamps of 2024-01-01 given as ``"hh:mm"`` (or whole dates), in ``tz``."""
    stamps = [pd.Timestamp(t if "-" in t else f"2024-01-01 {t}") for t in times]
    return pd.DatetimeIndex(stamps).tz_localize(tz)
