"""Series described by small JSON specs, and the canonical form both sides dump them in.

Shared by the legacy driver (run by holcstore 0.6.7's venv) and our tests (run by ours):
it imports only numpy and pandas, and works with the versions of both environments.

A spec is ``{"start": "2024-01-15 00:00", "periods": 500, "freq": "1h", "tz": "Europe/Paris",
"seed": 3, "scale": 0.25, "offset": 10.0, "gaps": [[10, 20]], "dtype": "float64"}``: values
come from integer arithmetic and one multiplication and addition, so that every numpy version
computes the very same floats; ``gaps`` are positions set to NaN.

The canonical form of a series is what a store holds, whatever the library: its non-NaN
points (a NaN and a missing point are the same thing to both releases), times as integer
seconds since the epoch, values as Python floats (exact for float32 and float64), and the
dtype name.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def build(spec: dict) -> pd.Series:
    """The series a spec describes."""
    start = pd.Timestamp(spec["start"])
    if start.tzinfo is None:
        start = start.tz_localize(spec.get("tz", "Europe/Paris"))
    index = pd.date_range(start, periods=int(spec["periods"]), freq=spec.get("freq", "1h"))
    n = np.arange(len(index), dtype=np.int64)
    seed = int(spec.get("seed", 0))
    raw = (n * 7919 + seed * 104729) % 10007  # integers: the same on every platform
    values = raw.astype(np.float64) * float(spec.get("scale", 0.25)) + float(spec.get("offset", 0))
    for lo, hi in spec.get("gaps", ()):
        values[lo:hi] = np.nan
    return pd.Series(values.astype(spec.get("dtype", "float64")), index=index)


def synthetic(number: int, year: int, freq: str, tz: str = "Europe/Paris") -> pd.Series:
    """A full year of values for series ``number`` (benchmarks: many distinct series)."""
    start = pd.Timestamp(f"{year}-01-01").tz_localize(tz)
    end = pd.Timestamp(f"{year + 1}-01-01").tz_localize(tz)
    periods = int((end - start) / pd.Timedelta(freq))
    return build(
        {"start": str(start), "periods": periods, "freq": freq, "seed": number, "offset": year}
    )


def canonical(serie: pd.Series | None) -> dict:
    """``{"dtype", "t": [epoch seconds], "v": [floats]}`` of the non-NaN points of a series."""
    if serie is None:
        return {"dtype": None, "t": [], "v": []}
    dtype = str(serie.dtype)
    serie = serie.dropna()
    index = pd.DatetimeIndex(serie.index)
    if index.tz is None:
        raise ValueError("a stored series must have a time-zone aware index")
    seconds = (index - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    return {
        "dtype": dtype,
        "t": [int(s) for s in seconds],
        "v": [float(v) for v in serie.to_numpy()],
    }


def key(attrs: dict) -> str:
    """A series' business keys as one comparable string (JSON, keys sorted)."""
    return json.dumps(attrs, sort_keys=True)
