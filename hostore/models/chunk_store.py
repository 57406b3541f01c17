"""TimeseriesChunkStore: one row per series per period, a compressed dense array in each.

The model is thin: it validates the call, opens one transaction and delegates to the grid
(time), chunking (arrays), codecs (bytes) and queries (statements).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from django.db import models, router, transaction
from django.db.models.signals import class_prepared
from django.utils import timezone

from .. import chunking, codecs
from ..conf import hostore_settings
from ..exceptions import (
    InvalidAttrsError,
    InvalidSeriesError,
    SeriesExistsError,
    SyncSafetyError,
)
from ..grid import TimeBound
from . import _changes, _corrupt, _locking, _rows, _stats
from . import _queries as q
from ._analysis import SeriesAnalysisMixin
from ._citus import DistributedSaveMixin
from ._setup import StoreInfo, configure
from ._sql import store_sql
from ._summary import SeriesSummaryMixin
from ._transfer import ChunkTransferMixin


class ChunkQuerySet(models.QuerySet):
    """Deletes leave tombstones (so sync clients learn of them) unless ``hard_delete``.

    Every ``update()`` gives the rows it changes a new change number, so that sync clients
    are sent them again.
    """

    def delete(
        self,
        hard_delete: bool = False,
        keep_tracking: bool | None = None,
        _disable_sync_safety: bool = False,
    ) -> tuple[int, dict[str, int]]:
        """Leave tombstones; remove the rows for good with ``hard_delete=True``.

        ``keep_tracking`` is holcstore 0.6's spelling: ``True`` leaves tombstones, ``False``
        removes the rows, which a store declaring ``ALLOW_CLIENT_SERVER_SYNC = True`` refuses
        (its sync clients would never learn of the deletion).
        """
        if keep_tracking is False:
            if not _disable_sync_safety:
                _refuse_untracked_delete(self.model)
            hard_delete = True
        if hard_delete:
            return super().delete()
        count = q.tombstone(self)
        return count, {self.model._meta.label: count}

    delete.alters_data = True  # type: ignore[attr-defined]  # Django's markers on methods
    delete.queryset_only = True  # type: ignore[attr-defined]

    def update(self, **kwargs: Any) -> int:
        """``QuerySet.update()``, giving the rows a new change number (unless given)."""
        kwargs = _stats.cleared(kwargs)  # a change of the data voids the statistics
        if "sync_seq" in kwargs:
            return super().update(**kwargs)
        hints = self._hints  # type: ignore[attr-defined]  # (QuerySet internals, as update())
        alias = self._db or router.db_for_write(self.model, **hints)  # type: ignore[attr-defined]
        with transaction.atomic(using=alias):
            kwargs["sync_seq"] = _changes.take(self.model, alias)
            return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def alive(self) -> ChunkQuerySet:
        """Rows holding data (tombstones left out)."""
        return self.filter(is_deleted=False)

    def purge_tombstones(self, older_than: dt.datetime) -> int:
        """Remove for good the tombstones last changed before ``older_than``."""
        count, _ = self.filter(is_deleted=True, updated_at__lt=older_than).delete(hard_delete=True)
        return count


class TimeseriesChunkStore(
    SeriesAnalysisMixin, SeriesSummaryMixin, ChunkTransferMixin, DistributedSaveMixin, models.Model
):
    """Abstract store of dense regular series, chunked by year or month.

    Subclass it, declare the business-key fields that identify a series and, if needed,
    ``CHUNK_AXIS``, ``STORE_TZ``, ``STORE_FREQ`` and ``STORE_CODEC``; then use the class
    methods (``set_ts``, ``get_ts``, ...).
    """

    CHUNK_AXIS: ClassVar[tuple[str, ...]] = ("year", "month")
    STORE_TZ: ClassVar[str] = "Europe/Paris"
    STORE_FREQ: ClassVar[str] = "1h"
    STORE_CODEC: ClassVar[str] = codecs.DEFAULT_CODEC
    # holcstore 0.6's switch: False makes the sync server and client refuse the store, True
    # makes delete(keep_tracking=False) refuse to hide deletions. Undeclared: sync allowed.
    ALLOW_CLIENT_SERVER_SYNC: ClassVar[bool | None] = None
    # Citus: the business key the table is distributed by (see hostore.models._citus)
    DISTRIBUTE_BY: ClassVar[str | None] = None

    chunk_index = models.IntegerField()
    start_ts = models.DateTimeField()
    dtype = models.CharField(max_length=16)
    updated_at = models.DateTimeField(default=timezone.now)
    is_deleted = models.BooleanField(default=False)
    # statistics of the chunk's values, valid while stat_at == updated_at (see _stats); before
    # the blob, so that a new SQLite table reads them without walking the blob's overflow pages
    stat_count = models.IntegerField(null=True, blank=True, editable=False)
    stat_first = models.IntegerField(null=True, blank=True, editable=False)
    stat_last = models.IntegerField(null=True, blank=True, editable=False)
    stat_days = models.BinaryField(null=True, blank=True, editable=False)
    stat_at = models.DateTimeField(null=True, blank=True, editable=False)
    data = models.BinaryField()
    # the change number of the last write (see _changes): the order sync clients follow
    sync_seq = models.BigIntegerField(default=0)

    objects = ChunkQuerySet.as_manager()
    _hostore: ClassVar[StoreInfo]

    class Meta:
        abstract = True

    def delete(
        self,
        using: str | None = None,
        keep_parents: bool = False,
        hard_delete: bool = False,
        keep_tracking: bool | None = None,
    ) -> tuple[int, dict[str, int]]:
        """Leave a tombstone (or remove the row for good with ``hard_delete=True``); see
        :meth:`ChunkQuerySet.delete` for holcstore 0.6's ``keep_tracking``."""
        if keep_tracking is False:
            _refuse_untracked_delete(type(self))
        if hard_delete or keep_tracking is False:
            return super().delete(using=using, keep_parents=keep_parents)
        manager = type(self)._default_manager.using(using or self._state.db)
        result = manager.filter(pk=self.pk).delete()
        self.refresh_from_db(using=using, fields=["is_deleted", "data", "updated_at", "sync_seq"])
        return result

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the row under a new change number, so that sync clients are sent it."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        update_fields = kwargs.get("update_fields")
        update_fields = _stats.clear_on_save(self, update_fields)
        if update_fields is not None:
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, "sync_seq"]))
        with transaction.atomic(using=using):
            self.sync_seq = _changes.take(type(self), using)
            super().save(*args, **kwargs)

    # ------------------------------------------------------------------ writing
    @classmethod
    def set_ts(
        cls, attrs: Mapping[str, Any], serie: pd.Series, update: bool = False, replace: bool = False
    ) -> None:
        """Write one series.

        Without flags the series must not exist yet (``IntegrityError`` otherwise);
        ``update=True`` merges (new non-NaN values win); ``replace=True`` makes the stored
        series exactly ``serie``. Atomic; nothing is written if anything is wrong.
        """
        info = cls._hostore
        key = info.key_of(attrs)
        if update and replace:
            raise InvalidAttrsError("set_ts takes update=True or replace=True, not both")
        aligned = chunking.align(serie, info.grid)
        if aligned.empty:
            return
        pieces = chunking.split(aligned, info.grid)
        attrs = info.attrs_of(key)
        alias = q.write_alias(cls)
        with _locking.writing(cls, alias, f"the series {attrs}", writes_first=True):
            if update:
                seq, old = q.lock_and_fetch(cls, key, [p.chunk_index for p in pieces], alias)
                stored = {ci: _corrupt.decode_chunk(cls, d, t, key, ci) for ci, t, d in old}
                for piece in pieces:
                    if piece.chunk_index in stored:
                        piece.values = chunking.merge(piece.values, stored[piece.chunk_index])
            else:
                seq = q.begin_write(cls, [key], alias)
                if replace:
                    covered = [p.chunk_index for p in pieces]
                    live = cls._default_manager.using(alias).filter(**attrs)
                    q.tombstone(live.exclude(chunk_index__in=covered), seq)
                elif q.existing_keys(cls, [key], alias)[0]:
                    raise SeriesExistsError(
                        f"{info.label} already holds a series for {attrs}; pass update=True "
                        "to merge or replace=True to overwrite"
                    )
            q.write_rows(cls, _rows.chunk_rows(cls, key, pieces, seq), alias)

    @classmethod
    def set_many_ts(cls, mapping: Mapping[Any, pd.Series], keys: Sequence[str]) -> None:
        """Insert many new series at once, all or nothing.

        ``mapping`` is ``{(key values in the order of keys): serie}``; ``IntegrityError``
        if any of them already has live data.
        """
        info = cls._hostore
        if not isinstance(mapping, Mapping):
            raise InvalidSeriesError(
                f"mapping must be a dict {{(key values...): serie}}, not {type(mapping).__name__}"
            )
        if isinstance(keys, str) or not isinstance(keys, Sequence):
            raise InvalidAttrsError(f"keys must be a list of business-key names, not {keys!r}")
        keys = tuple(keys)
        names = [k for k in keys if isinstance(k, str)]
        if (
            len(names) != len(keys)
            or sorted(names) != sorted(info.keys)
            or len(set(keys)) != len(keys)
        ):
            raise InvalidAttrsError(
                f"keys must list the business keys of {info.label} {list(info.keys)}, "
                f"got {list(keys)}"
            )
        items = []
        for raw, serie in mapping.items():
            values = raw if isinstance(raw, tuple) else (raw,)
            if len(values) != len(keys):
                raise InvalidAttrsError(f"mapping key {raw!r} does not give one value per {keys}")
            items.append((info.key_of(dict(zip(keys, values, strict=True))), serie))
        alias = q.write_alias(cls)
        series = _locking.series_text(info, [k for k, _ in items])
        with _locking.writing(cls, alias, series, writes_first=True):
            all_keys = [k for k, _ in items]
            seq = q.begin_write(cls, all_keys, alias)
            existing, with_rows = q.existing_keys(cls, all_keys, alias)
            if existing:
                sample = [info.attrs_of(k) for k in sorted(existing, key=repr)[:3]]
                raise SeriesExistsError(
                    f"{len(existing)} series of the mapping already exist in {info.label} "
                    f"(e.g. {sample}); nothing was written. Use set_ts(update=True) for those"
                )
            # Rows are produced while they are written (the database inserts while the next
            # series is encoded); a bad series met on the way rolls the whole call back.
            fresh = [(k, s) for k, s in items if k not in with_rows]
            revived = [(k, s) for k, s in items if k in with_rows]  # only tombstones left
            q.write_rows(cls, _rows.series_rows(cls, fresh, seq), alias, fresh=True)
            q.write_rows(cls, _rows.series_rows(cls, revived, seq), alias)

    # ------------------------------------------------------------------ reading
    @classmethod
    def _window(
        cls, start: TimeBound, end: TimeBound
    ) -> tuple[int | None, int | None, int | None, int | None]:
        """Slot bounds and chunk bounds of an inclusive ``[start, end]`` window."""
        grid = cls._hostore.grid
        lo, hi = grid.bound_slot(start, "start"), grid.bound_slot(end, "end")
        clo = None if lo is None else grid.chunk_of_slot(lo)
        chi = None if hi is None else grid.chunk_of_slot(hi)
        return lo, hi, clo, chi

    @classmethod
    def _assemble(
        cls, rows: list, lo: int | None, hi: int | None, skip: int = 0, key: tuple = ()
    ) -> tuple[int, np.ndarray] | None:
        """Decode one series' ``(chunk_index, dtype, data)`` rows (after ``skip`` leading
        columns) together, cheaper than chunk by chunk, and join them into
        ``(first_slot, values)``."""
        if not rows:
            return None
        columns = list(zip(*rows, strict=True))
        chunks, dtypes, blobs = columns[skip : skip + 3]
        arrays = _corrupt.decode_chunks(cls, blobs, dtypes, lambda i: (key, chunks[i]))
        starts = cls._hostore.grid.cached_chunk_starts(chunks)
        return chunking.assemble(zip(starts, arrays, strict=True), lo, hi)

    @classmethod
    def get_ts(
        cls, attrs: Mapping[str, Any], start: TimeBound = None, end: TimeBound = None
    ) -> pd.Series | None:
        """The stored series (or its ``[start, end]`` window), or None if nothing is stored."""
        info = cls._hostore
        key = info.key_of(attrs)
        lo, hi, clo, chi = cls._window(start, end)
        rows = store_sql(cls, router.db_for_read(cls)).fetch(key, clo, chi)
        found = cls._assemble(rows, lo, hi, key=key)
        return None if found is None else chunking.to_series(info.grid, *found)

    @classmethod
    def _iter_arrays(
        cls, filters: Mapping[str, Any] | None, start: TimeBound, end: TimeBound
    ) -> Iterator[tuple[tuple, int, np.ndarray]]:
        """Stream ``(key, first_slot, values)`` per matching series, a page at a time: each
        page of rows is decoded while the database reads the next one, so memory holds
        about three pages (``READ_BUFFER_BYTES`` each), never the table."""
        info = cls._hostore
        filters = info.check_filters(filters)
        lo, hi, clo, chi = cls._window(start, end)
        nk = len(info.keys)

        # keys of a row, by a C-level getter (a lambda would run per chunk row)
        key_of = operator.itemgetter(*range(nk)) if nk else lambda row: ()

        def decode(rows: list[tuple]) -> list[tuple[tuple, int, np.ndarray]]:
            found = []
            for key, group in itertools.groupby(rows, key=key_of):
                arrays = cls._assemble(list(group), lo, hi, nk, key)
                if arrays is not None:
                    found.append(((key,) if nk == 1 else key, *arrays))
            found.reverse()  # popped from the end: a series handed out is not held here
            return found

        sql = store_sql(cls, router.db_for_read(cls))
        row_bytes = info.grid.max_chunk_slots * 8  # float64 values
        pages = sql.stream(
            filters,
            clo,
            chi,
            decode,
            row_bytes,
            hostore_settings.READ_CHUNK_SIZE,
            hostore_settings.READ_BUFFER_BYTES,
        )
        for found in pages:
            while found:
                yield found.pop()

    @classmethod
    def yield_many_ts(
        cls,
        filters: Mapping[str, Any] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> Iterator[tuple[pd.Series, dict]]:
        """Stream ``(serie, attrs)`` for every series whose keys equal ``filters``."""
        grid, info = cls._hostore.grid, cls._hostore
        for key, first, values in cls._iter_arrays(filters, start, end):
            yield chunking.to_series(grid, first, values), info.attrs_of(key)

    @classmethod
    def get_many_ts(
        cls,
        filters: Mapping[str, Any] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pd.DataFrame:
        """One wide DataFrame, a column per matching series (columns named by their keys)."""
        info = cls._hostore
        found = list(cls._iter_arrays(filters, start, end))
        columns: pd.Index
        if not info.keys:  # a keyless store holds one series: a plain positional column
            columns = pd.RangeIndex(len(found))
        elif len(info.keys) == 1:
            columns = pd.Index([k[0] for k, _, _ in found], name=info.keys[0])
        else:
            columns = pd.MultiIndex.from_tuples([k for k, _, _ in found], names=info.keys)
        if not found:
            return pd.DataFrame(columns=columns, index=info.grid.index(0, 0), dtype=float)
        first = min(f for _, f, _ in found)
        last = max(f + len(v) for _, f, v in found)
        dtype = np.result_type(*(v.dtype for _, _, v in found))
        table = np.full((last - first, len(found)), np.nan, dtype=dtype)
        for j, (_, f, v) in enumerate(found):
            table[f - first : f - first + len(v), j] = v
        return pd.DataFrame(table, index=info.grid.index(first, last - first), columns=columns)

    @classmethod
    def get_max_horodate(cls, filters: Mapping[str, Any] | None = None) -> pd.Timestamp | None:
        """The last timestamp holding a value among the matching series, or None."""
        info = cls._hostore
        qs = cls._default_manager.filter(**info.check_filters(filters), is_deleted=False)
        fields = ("chunk_index", "dtype", "data", *info.keys)
        rows = qs.order_by("-chunk_index").values_list(*fields)
        best, best_chunk = None, None
        for ci, dtype, data, *key in rows.iterator(chunk_size=hostore_settings.READ_CHUNK_SIZE):
            if best_chunk is not None and ci < best_chunk:
                break  # later chunks hold later slots: nothing below can beat it
            values = _corrupt.decode_chunk(cls, data, dtype, tuple(key), ci)
            valid = np.flatnonzero(~np.isnan(values))
            if len(valid):
                slot = info.grid.cached_chunk_start(ci) + int(valid[-1])
                best, best_chunk = slot if best is None else max(best, slot), ci
        return None if best is None else info.grid.datetime_of_slot(best)

    @classmethod
    def last_updated_at(cls, filters: Mapping[str, Any] | None = None) -> dt.datetime | None:
        """When a matching chunk last changed (deletions included), or None."""
        qs = cls._default_manager.filter(**cls._hostore.check_filters(filters))
        return qs.aggregate(last=models.Max("updated_at"))["last"]

    @classmethod
    def purge_tombstones(cls, older_than: dt.datetime) -> int:
        """Remove tombstones older than ``older_than``; returns how many rows went.

        Sync clients that have not pulled since then will not learn of those deletions.
        """
        return cls._default_manager.all().purge_tombstones(older_than)


def _refuse_untracked_delete(model: Any) -> None:
    if model.ALLOW_CLIENT_SERVER_SYNC:
        raise SyncSafetyError(
            f"{model.__name__} declares ALLOW_CLIENT_SERVER_SYNC = True: deleting with "
            "keep_tracking=False would hide the deletion from its sync clients; use delete() "
            "(tombstones) or delete(hard_delete=True)"
        )


def _on_class_prepared(sender: type, **kwargs: Any) -> None:
    if (
        issubclass(sender, TimeseriesChunkStore)
        and not sender._meta.abstract
        and not sender._meta.proxy
    ):
        configure(sender)


class_prepared.connect(_on_class_prepared)
