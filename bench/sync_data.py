"""Data of the sync phase: the series-years every server holds, the 1% patches, what the
stores must hold after each, and the files that carry values to holcstore 0.6.7's process.

The stored year is the realistic profile of :mod:`bench.data` (series ``i`` is the same as in
the other phases). A *round* of changes patches ten days of one month of 1% of the series
(at least one) with ``set_ts(update=True)``: one monthly chunk per series changed. Each round
picks other series and another month, so the server's state grows round after round, and
:class:`Expected` follows it chunk by chunk. No Django here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .data import FREQ, TZ, YEAR, Calendar, Workload, make_values, meter_id
from .measure import series_chunks

PATCH_DAYS = 10  # a patch: ten days from the 10th of a month, inside one monthly chunk
PATCH_FIRST_DAY = 10
CHANGED_SHARE = 100  # 1 series in 100 changes per round


def chunk_of(ts: pd.Timestamp) -> int:
    """The chunk index of a local timestamp (monthly chunks: ``year * 12 + month - 1``)."""
    return ts.year * 12 + ts.month - 1


def changed_meters(n: int, round_: int) -> list[str]:
    """The series a round changes: 1% of ``n`` (at least one), spread over the range, a
    different set each round (as long as there are enough series)."""
    count = max(1, n // CHANGED_SHARE)
    step = n // count
    return sorted({meter_id((round_ * 37 + k * step) % n) for k in range(count)})


def patch_month(round_: int) -> int:
    """The month a round patches (1-12): another one each round."""
    return (round_ * 5) % 12 + 1


def patches(n: int, round_: int) -> dict[str, pd.Series]:
    """``{meter: patch}`` of a round: ten days of new values (no NaN) in one month."""
    start = pd.Timestamp(f"{YEAR}-{patch_month(round_):02d}-{PATCH_FIRST_DAY:02d}", tz=TZ)
    index = pd.date_range(start, start + pd.Timedelta(days=PATCH_DAYS), freq=FREQ, inclusive="left")
    cal = Calendar.of(index)
    out = {}
    for meter in changed_meters(n, round_):
        i = int(meter[1:])
        out[meter] = pd.Series(make_values("realistic", i, cal, 2 + round_), index=index)
    return out


class Expected:
    """What every store must hold: ``{meter: {chunk_index: float64 array}}``, the dense
    monthly arrays of the stored year (NaN where no value), kept up to date with the
    patches applied."""

    def __init__(self, work: Workload) -> None:
        self.index = work.index
        self.slot_chunks = (work.index.year * 12 + work.index.month - 1).to_numpy()
        months = list(dict.fromkeys(self.slot_chunks.tolist()))  # in order, once each
        self.chunks: dict[str, dict[int, np.ndarray]] = {
            meter: dict(zip(months, arrays, strict=True))
            for meter, arrays in zip(work.series, series_chunks(work), strict=True)
        }

    @property
    def chunk_count(self) -> int:
        return sum(len(chunks) for chunks in self.chunks.values())

    def apply(self, changes: dict[str, pd.Series]) -> list[tuple[str, int]]:
        """Apply a round's patches (new values win); the ``(meter, chunk_index)`` changed."""
        touched = []
        for meter, patch in changes.items():
            ci = chunk_of(patch.index[0])
            if chunk_of(patch.index[-1]) != ci:
                raise ValueError("a patch must stay inside one monthly chunk")
            month = self.index[self.slot_chunks == ci]
            where = month.get_indexer(patch.index)
            if (where < 0).any():
                raise ValueError("a patch must lie on the store's grid")
            values = self.chunks[meter][ci].copy()
            values[where] = patch.to_numpy()
            self.chunks[meter][ci] = values
            touched.append((meter, ci))
        return touched


def write_series(path: Path, series: dict[str, pd.Series]) -> Path:
    """Series on one common grid, as an ``.npz`` file that holcstore 0.6.7's process reads
    (``meters``, ``values`` [series x slots], ``start``, ``freq``, ``tz``): the very same
    float64 values reach both libraries."""
    meters = list(series)
    index = series[meters[0]].index
    if any(not s.index.equals(index) for s in series.values()):
        raise ValueError("the series of one file share one index")
    values = np.vstack([series[m].to_numpy(dtype="float64") for m in meters])
    start = index[0].tz_convert("UTC").isoformat()
    np.savez(path, meters=np.array(meters), values=values, start=start, freq=FREQ, tz=TZ)
    return path
