"""Downloads of series picked in the admin, streamed: memory holds one batch, never all.

- :func:`zip_response`: a zip of one CSV per series (``export_serie_<i>.csv``, the layout
  and CSV dialect of the download actions, :mod:`.downloads`) and ``content_summary.csv``
  (each file's name and the fields naming its series).
- :func:`parquet_response`: one Parquet file in long format (the naming fields, then
  ``timestamp`` in UTC and ``value``), a row group per batch of series.

Both are written into a small buffer that the response hands out as it fills, so any number
of series can be downloaded.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.db import models
from django.http import StreamingHttpResponse

from ..grid import nanoseconds
from .downloads import SUMMARY, _csv

ROW_GROUP_ROWS = 1_000_000  # rows per Parquet row group: about 20 MB of columns in memory


class _Sink:
    """A write-only file whose bytes are taken away as they come (never seekable)."""

    closed = False

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data) -> int:
        data = bytes(data)
        self._parts.append(data)
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _attachment(chunks: Iterator[bytes], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def zip_response(
    model, names: tuple[str, ...], items: Iterable[tuple[dict, pd.Series]]
) -> StreamingHttpResponse:
    """A zip of the series of ``items`` (``(fields, series)``), streamed."""

    def chunks() -> Iterator[bytes]:
        sink = _Sink()
        summary = []
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            for i, (fields, serie) in enumerate(items):
                name = f"export_serie_{i}.csv"
                archive.writestr(name, _csv(serie.to_frame(name="data")))
                summary.append([name, *(fields[n] for n in names)])
                yield sink.take()
            archive.writestr(SUMMARY, _csv(pd.DataFrame(summary, columns=["filename", *names])))
        yield sink.take()

    return _attachment(chunks(), "application/zip", f"{model.__name__}_{_stamp()}.zip")


def arrow_type(field: models.Field) -> pa.DataType:
    """The Parquet column type of a naming field: integers, floats and booleans as such,
    anything else as its text."""
    if isinstance(field, (models.IntegerField, models.AutoField)):
        return pa.int64()
    if isinstance(field, models.FloatField):
        return pa.float64()
    if isinstance(field, models.BooleanField):
        return pa.bool_()
    return pa.string()


def _key_column(value, n: int, kind: pa.DataType) -> pa.Array:
    if value is not None and pa.types.is_string(kind):
        value = str(value)
    return pa.array([value] * n, type=kind) if n else pa.array([], type=kind)


def _table(schema: pa.Schema, names, fields: dict, serie: pd.Series) -> pa.Table:
    index = cast(pd.DatetimeIndex, serie.index)
    utc = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    n = len(serie)
    columns = [_key_column(fields[name], n, schema.field(name).type) for name in names]
    stamps = pa.array(nanoseconds(utc), type=pa.int64()).cast(schema.field("timestamp").type)
    values = pd.to_numeric(serie, errors="coerce").astype("float64").to_numpy()
    columns += [stamps, pa.array(values, type=pa.float64(), from_pandas=True)]
    return pa.Table.from_arrays(columns, schema=schema)


def parquet_response(
    model, names: tuple[str, ...], items: Iterable[tuple[dict, pd.Series]]
) -> StreamingHttpResponse:
    """One Parquet file of the series of ``items`` in long format, streamed."""
    schema = pa.schema(
        [pa.field(n, arrow_type(model._meta.get_field(n))) for n in names]
        + [pa.field("timestamp", pa.timestamp("ns", tz="UTC")), pa.field("value", pa.float64())]
    )

    def chunks() -> Iterator[bytes]:
        sink = _Sink()
        writer = pq.ParquetWriter(sink, schema, compression="zstd")
        batch: list[pa.Table] = []
        rows = 0
        for fields, serie in items:
            serie = serie[~np.isnan(pd.to_numeric(serie, errors="coerce").astype("float64"))]
            batch.append(_table(schema, names, fields, serie))
            rows += len(serie)
            if rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(batch), row_group_size=rows)
                batch, rows = [], 0
                yield sink.take()
        if batch:
            writer.write_table(pa.concat_tables(batch), row_group_size=max(rows, 1))
        writer.close()
        yield sink.take()

    return _attachment(
        chunks(), "application/vnd.apache.parquet", f"{model.__name__}_{_stamp()}.parquet"
    )
