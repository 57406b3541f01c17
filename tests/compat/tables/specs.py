"""Curves and frames described by small JSON specs, and the canonical form of what is read.

Shared by ``driver.py`` (run by holcstore 0.5/0.6's venvs and by ours) and by our tests: it
imports only numpy and pandas, and works with pandas 2.1 to 3.

A curve spec: ``{"start": "2024-03-31 00:00", "periods": 46, "freq": "30min",
"tz": "Europe/Paris", "seed": 3, "dtype": "float64", "scale": 0.5, "offset": 0,
"nan": [[4, 9]]}`` (``"tz": null`` for a naive index). Values come from integer arithmetic
and one multiplication and addition, so that every numpy version computes the very same
numbers; ``nan`` ranges are positions set to NaN (float curves only).

A frame spec: ``{"rows": 30, "start": "2024-10-26 22:00", "freq": "1h", "tz":
"Europe/Paris", "seed": 1, "attrs": {...}}``, or ``"start": null`` for a frame on 0..n-1:
columns of floats with NaN, integers, text, booleans and UTC datetimes.

The canonical forms are JSON: times as integer nanoseconds since the epoch (UTC for aware
indexes), NaN and missing values as ``null``, dtypes without their time unit (pandas 3 may
read microseconds where pandas 2 read nanoseconds) and text dtypes as ``text`` (``object``
under pandas 2, ``str`` under pandas 3).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

PARIS = "Europe/Paris"


def _raw(n: int, seed: int) -> np.ndarray:
    """Integers in [0, 10007): the same on every platform and numpy version."""
    return (np.arange(n, dtype=np.int64) * 7919 + int(seed) * 104729) % 10007


def curve(spec: dict) -> pd.Series:
    """The curve a spec describes (a Series on a DatetimeIndex, no name)."""
    tz = spec.get("tz", PARIS)
    start = pd.Timestamp(spec["start"])
    if tz is not None:
        start = start.tz_localize(tz)
    index = pd.date_range(start, periods=int(spec["periods"]), freq=spec.get("freq", "30min"))
    raw = _raw(len(index), spec.get("seed", 0))
    dtype = spec.get("dtype", "float64")
    if np.dtype(dtype).kind in "iu":
        if spec.get("nan"):
            raise ValueError("an integer curve cannot hold NaN")
        return pd.Series((raw + int(spec.get("offset", 0))).astype(dtype), index=index)
    values = raw.astype(np.float64) * float(spec.get("scale", 0.5)) + float(spec.get("offset", 0))
    for lo, hi in spec.get("nan", ()):
        values[lo:hi] = np.nan
    return pd.Series(values.astype(dtype), index=index)


def frame(spec: dict) -> pd.DataFrame:
    """The frame a spec describes."""
    rows, seed = int(spec["rows"]), spec.get("seed", 0)
    if spec.get("start") is None:
        index = pd.RangeIndex(rows)
    else:
        start = pd.Timestamp(spec["start"]).tz_localize(spec.get("tz", PARIS))
        index = pd.date_range(start, periods=rows, freq=spec.get("freq", "1h"), name="ts")
    raw = _raw(rows, seed)
    power = raw.astype(np.float64) * 0.25
    power[::7] = np.nan
    seen = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(raw * 60, unit="s")
    df = pd.DataFrame(
        {
            "power": power,
            "count": (raw % 97).astype(np.int64),
            "label": np.array(["north", "south", "east"], dtype=object)[raw % 3],
            "flag": raw % 2 == 0,
            "seen": seen,
        },
        index=index,
    )
    df.attrs = dict(spec.get("attrs") or {})
    return df


# ---------------------------------------------------------------------- canonical forms
def dtype_name(dtype) -> str:
    """A dtype's name without its time unit; text dtypes (``object``, ``str``) as ``text``."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"datetime64[{dtype.tz}]"
    text = str(dtype)
    if text in ("object", "str"):
        return "text"
    if text.startswith(("datetime64[", "timedelta64[")):
        return text.split("[")[0]
    return text


def values(data) -> list:
    """The values of a Series or an Index as JSON: numbers, text, booleans, datetimes as
    nanoseconds since the epoch; NaN, NaT, None and NA as ``null``."""
    data = pd.Series(data) if isinstance(data, pd.Index) else data
    missing = data.isna().to_numpy()
    kind = getattr(data.dtype, "kind", "O")
    if kind == "M":
        index = pd.DatetimeIndex(data)
        if index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        out = [int(v) for v in index.to_numpy().astype("datetime64[ns]").view(np.int64)]
    elif kind == "f":
        out = [float(v) for v in data.to_numpy()]
    elif kind in "iu":
        out = [int(v) for v in data.to_numpy()]
    elif kind == "b":
        out = [bool(v) for v in data.to_numpy()]
    else:
        out = [v if isinstance(v, (str, bool, int, float)) else str(v) for v in data.tolist()]
    return [None if m else v for v, m in zip(out, missing, strict=True)]


def canon_curve(serie: pd.Series) -> dict:
    """A curve as read: its name, dtype, index zone and points (NaN kept, as stored).

    The index name ``index`` (how 0.5/0.6 read a curve written with pandas < 2.2, whose
    layout lost the index's name) counts as no name.
    """
    index = pd.DatetimeIndex(serie.index)
    name = index.name if index.name != "index" else None
    return {
        "name": None if serie.name is None else str(serie.name),
        "dtype": dtype_name(serie.dtype),
        "tz": None if index.tz is None else str(index.tz),
        "index_name": name,
        "t": values(index),
        "v": values(serie),
    }


def canon_frame(df: pd.DataFrame) -> dict:
    """A frame as read: labels, dtypes, index (type, names, dtype, values), data, attrs."""
    return {
        "columns": [str(c) for c in df.columns],
        "dtypes": [dtype_name(d) for d in df.dtypes],
        "index": {
            "type": type(df.index).__name__,
            "names": [None if n is None else str(n) for n in df.index.names],
            "dtype": dtype_name(df.index.dtype),
            "values": values(df.index),
        },
        "data": [values(df.iloc[:, i]) for i in range(df.shape[1])],
        "attrs": dict(df.attrs),
    }


def fingerprint(serie: pd.Series) -> str:
    """A digest of a curve's points (the benchmark's check of 1,000 curves in one line each):
    its index zone, times as nanoseconds since the epoch and values as float64, NaN kept."""
    index = pd.DatetimeIndex(serie.index).as_unit("ns")
    values = serie.to_numpy(dtype="float64")
    values = np.where(np.isnan(values), np.nan, values)  # one NaN bit pattern
    digest = hashlib.sha256(str(index.tz).encode())
    digest.update(index.asi8.astype("<i8").tobytes())
    digest.update(values.astype("<f8").tobytes())
    return digest.hexdigest()
