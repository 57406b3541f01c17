"""Chunk-level transfer: what changed, the changed chunks' bytes, and importing them.

These are the building blocks of replication (``hostore.sync``) and of file export: the
bytes move as they are stored, never decoded and re-encoded on the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, cast

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .. import codecs
from ..exceptions import HostoreError, InvalidPayloadError
from . import _changes, _corrupt, _locking, _stats
from . import _queries as q
from ._changes import START, Position
from ._typing import ChunkStoreMixinBase

_EXPORT_FIELDS = ("chunk_index", "start_ts", "dtype", "data", "updated_at", "is_deleted")
_CHANGE_FIELDS = ("chunk_index", "dtype", "start_ts", "updated_at", "is_deleted", "sync_seq", "pk")


def _after(model: Any, alias: str, position: Position) -> RawSQL:
    """Rows after ``position`` in change order: a row comparison, which walks the
    ``(sync_seq, id)`` index from there (an OR of two conditions would not)."""
    quote = connections[alias].ops.quote_name
    seq, pk = quote(model._meta.get_field("sync_seq").column), quote(model._meta.pk.column)
    return RawSQL(
        f"({seq}, {pk}) > (%s, %s)",
        (int(position.seq), int(position.row_id)),
        output_field=models.BooleanField(),
    )


class ChunkTransferMixin(ChunkStoreMixinBase):
    """``list_updates`` / ``export_chunks`` / ``import_chunks`` of TimeseriesChunkStore."""

    @classmethod
    def list_changes(
        cls,
        after: Position | tuple[int, int] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        changed_since: dt.datetime | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Chunks changed after position ``after`` (all when None), in change order.

        Only changes below the horizon are listed (:mod:`._changes`): a change that commits
        later always comes after the last position listed now, so a reader that resumes
        after it never misses one. ``changed_since`` (a datetime) keeps only chunks whose
        ``updated_at`` is at or after it (the cursor of holcstore 0.5/0.6 clients).

        Each item: ``attrs``, ``chunk_index``, ``dtype``, ``start_ts``, ``updated_at``,
        ``is_deleted`` and ``position`` (resume after it to get the next changes).
        """
        when = {} if changed_since is None else {"updated_at__gte": changed_since}
        return cls._changes(after, filters, limit, offset, when)

    @classmethod
    def _changes(
        cls,
        after: Position | tuple[int, int] | None,
        filters: Mapping[str, Any] | None,
        limit: int | None,
        offset: int,
        when: dict,
    ) -> list[dict]:
        info = cls._hostore
        # The primary, not a read replica: the horizon is what the primary has settled.
        alias = q.write_alias(cls)
        qs = cls._default_manager.using(alias).filter(**info.check_filters(filters), **when)
        if after is not None and tuple(after) != tuple(START):
            qs = qs.filter(_after(cls, alias, Position(*after)))
        top = _changes.horizon(cls, alias)
        if top is not None:
            qs = qs.filter(sync_seq__lte=top)
        qs = qs.order_by("sync_seq", "pk").values_list(*info.keys, *_CHANGE_FIELDS)
        if limit is not None or offset:
            qs = qs[offset : None if limit is None else offset + limit]
        nk = len(info.keys)
        return [
            {
                "attrs": info.attrs_of(r[:nk]),
                **dict(zip(_CHANGE_FIELDS[:-2], r[nk:-2], strict=True)),
                "position": Position(r[-2], r[-1]),
            }
            for r in cast("Iterable[tuple[Any, ...]]", qs)
        ]

    @classmethod
    def list_updates(
        cls,
        since: Position | tuple[int, int] | dt.datetime | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Chunks changed after ``since``, oldest change first (see :meth:`list_changes`).

        ``since`` is a position an earlier item gave (``item["position"]``), or a datetime:
        then chunks whose ``updated_at`` is later are listed (a clock is no safe cursor:
        prefer positions).
        """
        if since is None or isinstance(since, tuple):
            return cls.list_changes(after=since, filters=filters, limit=limit)
        return cls._changes(None, filters, limit, 0, {"updated_at__gt": since})

    @classmethod
    def export_chunks(cls, spec: Iterable[Mapping[str, Any]]) -> list[dict]:
        """The stored rows named by ``spec`` (``[{"attrs": {...}, "chunk_index": n}, ...]``).

        Each item: ``attrs``, ``chunk_index``, ``start_ts``, ``dtype``, ``data`` (the blob
        bytes as stored), ``updated_at``, ``is_deleted``. Unknown chunks are left out; a
        damaged one raises :class:`~hostore.exceptions.CorruptChunkError`.
        """
        info = cls._hostore
        wanted: dict[tuple, list[int]] = {}
        for item in spec:
            wanted.setdefault(info.key_of(dict(item["attrs"])), []).append(int(item["chunk_index"]))
        nk = len(info.keys)
        rows = list(q.select_chunks(cls, info.keys, wanted, (*info.keys, *_EXPORT_FIELDS)))
        for r in rows:  # a damaged chunk is named here, never shipped
            if r[nk + 3] and not r[nk + 5]:
                _corrupt.verify_chunk(cls, r[nk + 3], r[nk + 2], tuple(r[:nk]), r[nk])
        return [
            {"attrs": info.attrs_of(r[:nk]), **dict(zip(_EXPORT_FIELDS, r[nk:], strict=True))}
            | {"data": bytes(r[nk + 3])}
            for r in rows
        ]

    @classmethod
    def _check_item(cls, n: int, item: Mapping[str, Any]) -> tuple[tuple, int, bool, tuple]:
        """``(key, chunk_index, is_deleted, chunk statistics)`` of a valid payload item."""
        info = cls._hostore
        stats = (0, None, None, None)
        try:
            key = info.clean_key(info.key_of(dict(item["attrs"])), cls)
            chunk = item["chunk_index"]
            if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)):
                raise InvalidPayloadError(f"chunk_index must be an integer, not {chunk!r}")
            deleted = bool(item.get("is_deleted", False))
            if not deleted:
                dtype = np.dtype(item["dtype"])
                if dtype.kind != "f":
                    raise InvalidPayloadError(f"dtype must be a float type, not {dtype}")
                values = codecs.decode(item["data"], dtype)
                length = len(values)
                # memoised chunk starts: a time-zone conversion per chunk cost more than
                # the rest of an import
                slots = info.grid.cached_chunk_start(int(chunk) + 1)
                slots -= info.grid.cached_chunk_start(int(chunk))
                if length != slots:
                    raise InvalidPayloadError(
                        f"the blob holds {length} values, chunk {chunk} has {slots} "
                        "slots: were client and server declared with the same settings?"
                    )
                stats = _stats.of_chunk(info.grid, int(chunk), values)
        except (
            AttributeError,
            IndexError,
            KeyError,
            TypeError,
            ValueError,
            OverflowError,
            HostoreError,
            ValidationError,
        ) as exc:
            raise InvalidPayloadError(
                f"payload item {n} is invalid ({type(exc).__name__}: {exc}); nothing was imported"
            ) from None
        return key, int(chunk), deleted, stats

    @classmethod
    def import_chunks(cls, payload: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Write exported chunks as they are, atomically and idempotently.

        Deleted items leave tombstones on the matching local chunks. Returns the counts
        ``{"imported": n, "deleted": m}``.
        """
        info = cls._hostore
        if isinstance(payload, (str, bytes, Mapping)) or not hasattr(payload, "__iter__"):
            raise InvalidPayloadError(
                f"the payload must be a list of chunk items, not {type(payload).__name__}"
            )
        payload = list(payload)
        checked = [cls._check_item(n, item) for n, item in enumerate(payload)]
        seen = {(k, c) for k, c, _, _ in checked}
        if len(seen) != len(checked):
            raise InvalidPayloadError("the payload names the same chunk twice; nothing imported")
        now = q.db_datetime(timezone.now())
        rows: list[list[Any]] = []
        gone: dict[tuple, list[int]] = {}
        for (key, chunk, is_deleted, stats), item in zip(checked, payload, strict=True):
            if is_deleted:
                gone.setdefault(key, []).append(chunk)
                continue
            start = q.db_datetime(info.grid.chunk_start_datetime(chunk))
            dtype = np.dtype(item["dtype"]).name
            rows.append([*key, chunk, start, dtype, bytes(item["data"]), now, False, stats])
        alias = q.write_alias(cls)
        keys = [k for k, _, _, _ in checked]
        with _locking.writing(cls, alias, _locking.series_text(info, keys), True):
            seq = q.begin_write(cls, keys, alias)
            q.write_rows(cls, [(*row[:-1], seq, *row[-1], now) for row in rows], alias)
            deleted = 0
            if gone:
                pks = [r[0] for r in q.select_chunks(cls, info.keys, gone, ("pk",), alias)]
                live = cls._default_manager.using(alias).filter(pk__in=pks)
                deleted = q.tombstone(live, seq)
        return {"imported": len(rows), "deleted": deleted}
