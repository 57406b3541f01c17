"""What the admin pages read from each kind of store, through the stores' public API.

A *source* names the series of one store (the fields that identify one: its *key*), lists
them as a lazy queryset of dicts (one line per series, filtered, searched and sliced in the
database by the pages), describes the lines of one page (first and last timestamp holding a
value, number of values) and reads series, or windows of them, for the chart and the
downloads.

- ``TimeseriesChunkStore``: a series per business-key tuple (``series_list``,
  ``describe_series``, ``get_ts`` with a window, ``yield_many_ts``).
- ``Store``: a series per ``(client_id, prm)``, its versions combined (``get_many_lc``).
- ``TimeseriesStore``: a series per row, named by its primary key (``get_ts``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Length

_READ_BATCH = 100  # series read per call of the store for the downloads and the list


class Source:
    """How the admin reads one store; see the module docstring."""

    key_names: tuple[str, ...] = ()
    filter_names: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (line field, title) after the key fields
    resolution: str | None = None
    tz: str | None = None

    def __init__(self, model) -> None:
        self.model = model

    # ----------------------------------------------------------------- listing
    def lines(self) -> models.QuerySet:
        """One dict per series, ordered: filter and slice it in the database."""
        raise NotImplementedError

    def describe(self, lines: list[dict]) -> None:
        """Add ``first``, ``last`` and ``values`` to each line of a page."""
        raise NotImplementedError

    def search_names(self) -> tuple[str, ...]:
        """The fields the search box looks into: those stored as text; others only match
        a term equal to one of their values."""
        return self.filter_names

    def display_names(self) -> tuple[str, ...]:
        """The naming fields shown in the list, first columns."""
        return self.key_names

    def key_of(self, line: dict) -> tuple:
        return tuple(line[name] for name in self.key_names)

    def key_text(self, key: tuple) -> str:
        """The JSON list naming a series in URLs (``s=``)."""
        return json.dumps(list(key), cls=DjangoJSONEncoder)

    def label(self, key: tuple) -> str:
        return ", ".join(f"{n}={v}" for n, v in zip(self.key_names, key, strict=True))

    # ----------------------------------------------------------------- reading
    def read(self, key: tuple, start=None, end=None) -> pd.Series | None:
        """The series (or its ``[start, end]`` window), None when nothing is stored."""
        raise NotImplementedError

    def export_names(self) -> tuple[str, ...]:
        """The fields naming a series in exported files (its key, or a row's own fields)."""
        return self.key_names

    def iter_series(self, keys: Iterable[tuple]) -> Iterator[tuple[dict, pd.Series]]:
        """``(fields, whole series)`` for each key holding one, in the order given;
        ``fields`` are the :meth:`export_names` values."""
        for key in keys:
            serie = self.read(key)
            if serie is not None:
                yield dict(zip(self.key_names, key, strict=True)), serie

    def iter_matching(
        self, lines: models.QuerySet, exact: dict[str, Any] | None
    ) -> Iterator[tuple[dict, pd.Series]]:
        """Every series of ``lines`` (the filtered list), read ``100`` at a time.

        ``exact`` is the filter when it is exact key values only (no search): a store may
        then stream them in one pass."""
        page = list(lines.values_list(*self.key_names)[:_READ_BATCH])
        offset = 0
        while page:
            yield from self.iter_series(page)
            offset += len(page)
            page = list(lines.values_list(*self.key_names)[offset : offset + _READ_BATCH])


def _summary(serie: pd.Series | None) -> dict[str, Any]:
    if serie is None or not len(serie):
        return {"first": None, "last": None, "values": 0}
    return {
        "first": serie.first_valid_index(),
        "last": serie.last_valid_index(),
        "values": int(serie.count()),
    }


def window(serie: pd.Series, start, end) -> pd.Series:
    """``serie`` within ``[start, end]`` (aware bounds; a naive series is read as UTC)."""
    index = cast(pd.DatetimeIndex, serie.index)
    if index.tz is None:
        start = None if start is None else start.tz_convert("UTC").tz_localize(None)
        end = None if end is None else end.tz_convert("UTC").tz_localize(None)
    keep = np.ones(len(index), dtype=bool)
    if start is not None:
        keep &= index >= start
    if end is not None:
        keep &= index <= end
    return serie[keep]


class ChunkSource(Source):
    """A ``TimeseriesChunkStore``: a series per business-key tuple."""

    columns = (("chunks", "chunks"), ("stored_bytes", "stored bytes"))

    def __init__(self, model) -> None:
        super().__init__(model)
        info = model._hostore
        self.key_names = self.filter_names = info.keys
        self.resolution = info.grid.freq
        self.tz = info.grid.tz

    def lines(self) -> models.QuerySet:
        return self.model.series_list()

    def describe(self, lines: list[dict]) -> None:
        keys = [{n: line[n] for n in self.key_names} for line in lines]
        for line, found in zip(lines, self.model.describe_series(keys), strict=True):
            line.update(found)

    def read(self, key: tuple, start=None, end=None) -> pd.Series | None:
        return self.model.get_ts(dict(zip(self.key_names, key, strict=True)), start, end)

    def iter_matching(self, lines, exact):
        if exact is None:
            yield from super().iter_matching(lines, exact)
            return
        for serie, attrs in self.model.yield_many_ts(exact):
            yield attrs, serie


class StoreSource(Source):
    """A ``Store``: a series per ``(client_id, prm)``, its versions combined as
    ``get_lc`` combines them (the newest wins where it has values)."""

    key_names = filter_names = ("client_id", "prm")
    columns = (
        ("versions", "versions"),
        ("stored_bytes", "stored bytes"),
        ("last_modified", "last modified"),
    )

    def lines(self) -> models.QuerySet:
        return (
            self.model._default_manager.values("client_id", "prm")
            .annotate(
                versions=models.Count("pk"),
                stored_bytes=models.Sum(Length("data")),
                last_modified=models.Max("last_modified"),
            )
            .order_by("client_id", "prm")
        )

    def search_names(self) -> tuple[str, ...]:
        return ("prm", "client_id")

    def _read_many(self, keys: Sequence[tuple]) -> dict[tuple, pd.Series]:
        by_client: dict[Any, list[str]] = defaultdict(list)
        for client_id, prm in keys:
            by_client[client_id].append(prm)
        found = {}
        for client_id, prms in by_client.items():
            for prm, entries in self.model.get_many_lc(prms, client_id).items():
                if entries:
                    found[(client_id, prm)] = entries[0]["data"]
        return found

    def describe(self, lines: list[dict]) -> None:
        found = self._read_many([self.key_of(line) for line in lines])
        for line in lines:
            line.update(_summary(found.get(self.key_of(line))))

    def read(self, key: tuple, start=None, end=None) -> pd.Series | None:
        entries = self.model.get_lc(key[1], key[0])
        if not entries:
            return None
        return window(entries[0]["data"], start, end)

    def iter_series(self, keys):
        keys = list(keys)
        for i in range(0, len(keys), _READ_BATCH):
            part = keys[i : i + _READ_BATCH]
            found = self._read_many(part)
            for key in part:
                if key in found:
                    yield dict(zip(self.key_names, key, strict=True)), found[key]


class RowSource(Source):
    """A ``TimeseriesStore``: a series per row, named by its primary key; its own fields
    are shown, filterable and searchable."""

    columns = (("stored_bytes", "stored bytes"),)

    def __init__(self, model) -> None:
        super().__init__(model)
        pk = model._meta.pk.attname
        self.key_names = (pk,)
        self.filter_names = tuple(
            f.attname for f in model._meta.concrete_fields if not f.primary_key and f.name != "data"
        )

    def lines(self) -> models.QuerySet:
        pk = self.key_names[0]
        return (
            self.model._default_manager.values(pk, *self.filter_names)
            .annotate(stored_bytes=Length("data"))
            .order_by(pk)
        )

    def label(self, key: tuple) -> str:
        row = self.model._default_manager.filter(pk=key[0]).values(*self.filter_names).first()
        fields = row or {self.key_names[0]: key[0]}
        return ", ".join(f"{n}={v}" for n, v in fields.items())

    def export_names(self) -> tuple[str, ...]:
        return self.filter_names

    def display_names(self) -> tuple[str, ...]:
        return self.key_names + self.filter_names

    def _entries(self, pks: Sequence[Any]) -> dict[Any, dict]:
        entries = self.model.get_ts({"pk__in": list(pks), "data__isnull": False})
        return {entry[self.key_names[0]]: entry for entry in entries}

    def _read_many(self, pks: Sequence[Any]) -> dict[Any, pd.Series]:
        return {pk: entry["data"] for pk, entry in self._entries(pks).items()}

    def describe(self, lines: list[dict]) -> None:
        found = self._read_many([line[self.key_names[0]] for line in lines])
        for line in lines:
            line.update(_summary(found.get(line[self.key_names[0]])))

    def read(self, key: tuple, start=None, end=None) -> pd.Series | None:
        found = self._read_many([key[0]])
        return None if key[0] not in found else window(found[key[0]], start, end)

    def iter_series(self, keys):
        pks = [key[0] for key in keys]
        for i in range(0, len(pks), _READ_BATCH):
            part = pks[i : i + _READ_BATCH]
            found = self._entries(part)
            for pk in part:
                if pk in found:
                    entry = found[pk]
                    yield {n: entry[n] for n in self.filter_names}, entry["data"]


def source_for(model) -> Source:
    """The source of ``model``, by the kind of store it is."""
    from ..models import Store, TimeseriesChunkStore, TimeseriesStore

    if issubclass(model, TimeseriesChunkStore):
        return ChunkSource(model)
    if issubclass(model, Store):
        return StoreSource(model)
    if issubclass(model, TimeseriesStore):
        return RowSource(model)
    raise TypeError(
        f"the series admin shows a TimeseriesChunkStore, a Store or a TimeseriesStore, "
        f"not {model.__name__}"
    )
