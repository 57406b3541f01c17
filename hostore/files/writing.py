"""Write series to CSV or Parquet, as ``hostore_import`` reads them back.

Long files (``keys..., timestamp, value``; missing values left out) are written while the
series stream in, a few million rows at a time, so memory holds one buffer, not the store.
Wide files (a timestamp column, a column per series named by its key values joined with
``key_sep``) need every series at once: they hold the selection in memory.

Times are ISO 8601 with their UTC offset (``2024-03-31T03:00:00+02:00``) in CSV, and
zone-aware timestamps in Parquet, so that DST days read back exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..grid import nanoseconds

_NS_PER_MIN = 60 * 10**9


@dataclass
class ExportOptions:
    """How to write the file (see ``hostore_export --help``)."""

    wide: bool = False
    key_sep: str = "/"
    tz: str | None = None  # zone of the written times (None: each series' own)
    timestamp: str = "timestamp"
    value: str = "value"
    buffer_rows: int = 1_000_000


@dataclass
class ExportResult:
    series: int = 0
    points: int = 0
    rows: int = 0


def _offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def iso_times(index: pd.DatetimeIndex) -> pa.Array:
    """ISO 8601 text of each time, with its UTC offset when aware, as an Arrow string array
    (built by Arrow kernels: a series' offsets take a handful of values)."""
    naive = index if index.tz is None else index.tz_localize(None)
    wall = nanoseconds(naive)
    unit = "s" if not (wall % 10**9).any() else "us"
    local = pa.array(wall.view("datetime64[ns]").astype(f"datetime64[{unit}]"))
    text = pc.utf8_replace_slice(pc.cast(local, pa.string()), 10, 11, "T")  # "... 00:00"
    if index.tz is None:
        return text
    offsets = (wall - nanoseconds(index)) // _NS_PER_MIN
    found, where = np.unique(offsets, return_inverse=True)
    suffix = pa.DictionaryArray.from_arrays(
        pa.array(where.reshape(-1).astype(np.int32)), pa.array([_offset_text(m) for m in found])
    )
    return pc.binary_join_element_wise(text, suffix.cast(pa.string()), "")


_NEEDS_QUOTES = (",", '"', "\n", "\r")


def _zoned(serie: pd.Series, tz: str | None) -> pd.Series:
    if tz is not None and cast(pd.DatetimeIndex, serie.index).tz is not None:
        return serie.tz_convert(tz)
    return serie


class _LongWriter:
    """Buffered rows ``keys..., timestamp, value``, written a buffer at a time."""

    def __init__(self, path: str, fmt: str, names, opts: ExportOptions) -> None:
        self.path, self.fmt, self.names, self.opts = path, fmt, list(names), opts
        self.columns = [*self.names, opts.timestamp, opts.value]
        self.frames: list = []  # Arrow tables (CSV) or DataFrames (Parquet)
        self.rows = 0
        self.parquet: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.file = None
        if fmt == "csv":
            self.file = open(path, "wb")  # noqa: SIM115
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow(self.columns)
            self.file.write(header.getvalue().encode())

    def add(self, serie: pd.Series, attrs: dict) -> int:
        serie = serie[serie.notna().to_numpy()]
        n = len(serie)
        if not n:
            return 0
        values = serie.to_numpy(dtype=np.float64)
        if self.fmt == "csv":  # Arrow columns: its CSV writer formats floats exactly, fast
            codes = pa.array(np.zeros(n, dtype=np.int32))
            data = {
                name: pa.DictionaryArray.from_arrays(codes, pa.array([str(attrs[name])]))
                for name in self.names
            }
            data[self.opts.timestamp] = iso_times(cast(pd.DatetimeIndex, serie.index))
            data[self.opts.value] = pa.array(values)
            self.frames.append(pa.table(data))
        else:
            data = {name: [attrs[name]] * n for name in self.names}
            data[self.opts.timestamp] = serie.index
            data[self.opts.value] = values
            self.frames.append(pd.DataFrame(data, columns=self.columns))
        self.rows += n
        if self.rows >= self.opts.buffer_rows:
            self.flush()
        return n

    def flush(self) -> None:
        if not self.frames:
            return
        frames, self.frames, self.rows = self.frames, [], 0
        if self.fmt == "csv":
            table = pa.concat_tables(frames)
            table = table.cast(
                pa.schema(
                    [(c, pa.string()) for c in self.columns[:-1]]
                    + [(self.opts.value, pa.float64())]
                )
            )
            keys = [v for name in self.names for v in pc.unique(table[name]).to_pylist()]
            quote = any(mark in key for key in keys for mark in _NEEDS_QUOTES)
            options = pa_csv.WriteOptions(
                include_header=False, quoting_style="needed" if quote else "none"
            )
            pa_csv.write_csv(table, self.file, write_options=options)
            return
        table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
        if self.parquet is None:
            self.schema = table.schema
            self.parquet = pq.ParquetWriter(self.path, self.schema)
        self.parquet.write_table(table.cast(self.schema))

    def close(self) -> None:
        self.flush()
        if self.file is not None:
            self.file.close()
        if self.fmt == "parquet":
            if self.parquet is None:  # nothing exported: an empty file with the columns
                empty = {c: pa.array([], pa.string()) for c in self.columns}
                empty[self.opts.value] = pa.array([], pa.float64())
                pq.write_table(pa.table(empty), self.path)
            else:
                self.parquet.close()


def _column_name(attrs: dict, names, sep: str) -> str:
    return sep.join(str(attrs[n]) for n in names)


def export_series(
    series: Iterable[tuple[pd.Series, dict]],
    path: str,
    fmt: str,
    names,
    opts: ExportOptions,
    progress: Callable[[int], object] | None = None,
) -> ExportResult:
    """Write ``(serie, attrs)`` pairs to ``path`` (``names``: the key names, in order)."""
    progress = progress or (lambda n: None)
    result = ExportResult()
    if not opts.wide:
        writer = _LongWriter(path, fmt, names, opts)
        try:
            for serie, attrs in series:
                count = writer.add(_zoned(serie, opts.tz), attrs)
                result.series += 1 if count else 0
                result.points += count
                progress(1)
        finally:
            writer.close()
        result.rows = result.points
        return result
    columns: dict[str, pd.Series] = {}
    for serie, attrs in series:
        serie = _zoned(serie, opts.tz).dropna()
        if len(serie):
            columns[_column_name(attrs, names, opts.key_sep)] = serie
            result.points += len(serie)
        progress(1)
    result.series = len(columns)
    frame = pd.DataFrame(columns) if columns else pd.DataFrame({}, index=pd.DatetimeIndex([]))
    frame = frame.sort_index()
    result.rows = len(frame)
    if fmt == "csv":
        times = iso_times(pd.DatetimeIndex(frame.index)).to_numpy(zero_copy_only=False)
        frame.index = pd.Index(times, name=opts.timestamp)
        frame.to_csv(path)
    else:
        frame.index.name = opts.timestamp
        pq.write_table(pa.Table.from_pandas(frame.reset_index(), preserve_index=False), path)
    return result
