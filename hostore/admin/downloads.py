"""Admin actions that answer a zip of CSV files: one per selected series, and a summary.

For a ``TimeseriesStore`` a file per row, for a ``Store`` a file per curve (its selected
versions combined), for a ``TimeseriesChunkStore`` a file per chunk (its whole period).

The layout is holcstore 0.5/0.6's, so that what people and scripts did with those files
keeps working: ``export_<n>_<Model>_<UTC time, ISO>.zip`` holds ``export_serie_<i>.csv``
(the series as ``<index name>;data`` rows) then ``content_summary.csv`` (one line per file:
its name and the fields of its row). CSV: ``;`` separated, ``.`` decimals, floats with 8
decimals, NaN as an empty field, fields holding ``;`` quoted.

Rows are read with one query and streamed into the zip, one series decoded at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.messages import constants
from django.http import HttpRequest, HttpResponse

from ..formats import arrow

DESCRIPTION = "Download selected timeseries"
CHUNKS_DESCRIPTION = "Download selected timeseries chunks"
EMPTY_SELECTION = "Please select at least one object"
SUMMARY = "content_summary.csv"
_READ_CHUNK = 100  # rows fetched per round trip: a few blobs in memory, not the selection


def download_timeseries_from_store(
    modeladmin, request: HttpRequest, queryset
) -> HttpResponse | None:
    """Admin action: a zip of the selected series, one CSV each.

    A ``TimeseriesStore`` gives one file per row; a ``Store`` one per ``client_id`` and
    ``prm``, its selected versions combined (the first in the queryset's order wins where it
    has values, as :meth:`Store.get_lc` combines them). Nothing selected: a warning message.
    """
    return _download(modeladmin, request, queryset)


def download_timeseries_from_legacy_store(
    modeladmin, request: HttpRequest, queryset
) -> HttpResponse | None:
    """:func:`download_timeseries_from_store`, under holcstore 0.6's name for ``Store``."""
    return _download(modeladmin, request, queryset)


def download_timeseries_from_chunkstore(
    modeladmin, request: HttpRequest, queryset
) -> HttpResponse | None:
    """Admin action of a ``TimeseriesChunkStore``: a zip of the selected chunks, one CSV
    each over the chunk's whole period (NaN, an empty field, where nothing is stored; a
    deleted chunk gives a file without rows)."""
    return _download(modeladmin, request, queryset)


# what @admin.action sets, without the admin
for _action in (download_timeseries_from_store, download_timeseries_from_legacy_store):
    _action.short_description = DESCRIPTION  # type: ignore[attr-defined]
download_timeseries_from_chunkstore.short_description = CHUNKS_DESCRIPTION  # type: ignore[attr-defined]


def _download(modeladmin, request, queryset) -> HttpResponse | None:
    # models need the app registry: not imported with the package
    from ..models import Store, TimeseriesChunkStore, TimeseriesStore

    model = queryset.model
    if not queryset.ordered:  # the admin hands an unordered queryset: pk order, not chance
        queryset = queryset.order_by("pk")
    if issubclass(model, TimeseriesStore):
        fields, files = _timeseries_files(queryset)
    elif issubclass(model, Store):
        fields, files = _store_files(queryset)
    elif issubclass(model, TimeseriesChunkStore):
        fields, files = _chunk_files(queryset)
    else:
        raise TypeError(
            "the download actions export a TimeseriesStore, a Store or a TimeseriesChunkStore, "
            f"not {model.__name__}"
        )
    content, count = _zip(fields, files)
    if not count:
        modeladmin.message_user(request, EMPTY_SELECTION, constants.WARNING)
        return None
    stamp = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
    response = HttpResponse(content, content_type="application/zip")
    name = f"export_{count}_{model.__name__}_{stamp}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _timeseries_files(queryset) -> tuple[list[str], Iterable[tuple[pd.Series, list]]]:
    """The user fields of a TimeseriesStore, and ``(series, their values)`` per row."""
    model = queryset.model
    fields = [
        f.attname for f in model._meta.concrete_fields if not f.primary_key and f.name != "data"
    ]
    rows = queryset.values_list(*fields, "data").iterator(chunk_size=_READ_CHUNK)
    return fields, ((_series(row[-1]), list(row[:-1])) for row in rows)


def _store_files(queryset) -> tuple[list[str], Iterable[tuple[pd.Series, list]]]:
    """A Store's fields, and per ``(client_id, prm)`` its combined series and the values of
    its first row."""
    from ..models._curves import combine

    names = [f.attname for f in queryset.model._meta.concrete_fields]
    entries = []
    for row in queryset.values_list(*names).iterator(chunk_size=_READ_CHUNK):
        entry = dict(zip(names, row, strict=True))
        entry["data"] = _series(entry["data"])
        entries.append(entry)
    fields = [name for name in names if name != "data"]
    combined = combine(entries, ("client_id", "prm"), None)
    return fields, [(entry["data"], [entry[name] for name in fields]) for entry in combined]


def _chunk_files(queryset) -> tuple[list[str], Iterable[tuple[pd.Series, list]]]:
    """The fields of a chunk store's rows (but the blob and the change number), and per
    selected chunk its series over the chunk's period."""
    from .. import chunking
    from ..models._corrupt import decode_chunk

    model = queryset.model
    grid, keys = model._hostore.grid, model._hostore.keys
    fields = [  # 0.6's columns: not the blob, the change number or the (uneditable) stats
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.editable and f.name not in ("data", "sync_seq")
    ]
    rows = queryset.values_list(*fields, "data").iterator(chunk_size=_READ_CHUNK)
    at = {name: i for i, name in enumerate(fields)}
    key_at = [at[model._meta.get_field(k).attname] for k in keys]

    def series(row) -> pd.Series:
        if row[at["is_deleted"]]:
            return chunking.to_series(grid, 0, np.empty(0))
        chunk, key = row[at["chunk_index"]], tuple(row[i] for i in key_at)
        values = decode_chunk(model, bytes(row[-1]), row[at["dtype"]], key, chunk)
        return chunking.to_series(grid, grid.cached_chunk_start(chunk), values)

    return fields, ((series(row), list(row[:-1])) for row in rows)


def _zip(fields: list[str], files: Iterable[tuple[pd.Series, list]]) -> tuple[bytes, int]:
    """The zip of the files and their summary, and how many files (0: no zip to send)."""
    buffer = io.BytesIO()
    summary: list[list[Any]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (serie, values) in enumerate(files):
            name = f"export_serie_{i}.csv"
            archive.writestr(name, _csv(serie.to_frame(name="data")))
            summary.append([name, *values])
        if summary:
            table = pd.DataFrame(summary, columns=["filename", *fields])
            archive.writestr(SUMMARY, _csv(table))
    return buffer.getvalue(), len(summary)


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(sep=";", decimal=".", float_format="%.8f")


def _series(blob) -> pd.Series:
    """A stored series; a row without data exports as an empty file (header only)."""
    if blob is None:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    return arrow.read_series(blob)
