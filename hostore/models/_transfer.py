"""Chunk-level transfer: what changed, the changed chunks' bytes, and importing them.

These are the building blocks of replication (``hostore.sync``) and of file export: the
bytes move as they are stored, never decoded and re-encoded on the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from .. import codecs
from ..exceptions import HostoreError, InvalidPayloadError
from . import _queries as q

_EXPORT_FIELDS = ("chunk_index", "start_ts", "dtype", "data", "updated_at", "is_deleted")


class ChunkTransferMixin:
    """``list_updates`` / ``export_chunks`` / ``import_chunks`` of TimeseriesChunkStore."""

    @classmethod
    def list_updates(
        cls, since=None, filters: Mapping[str, Any] | None = None, limit: int | None = None
    ) -> list[dict]:
        """Chunks changed after ``since`` (all when None), oldest change first.

        Each item: ``{"attrs", "chunk_index", "updated_at", "is_deleted", "id"}``.
        """
        info = cls._hostore
        qs = cls._default_manager.filter(**info.check_filters(filters))
        if since is not None:
            qs = qs.filter(updated_at__gt=since)
        qs = qs.order_by("updated_at", "pk").values_list(
            *info.keys, "chunk_index", "updated_at", "is_deleted", "pk"
        )
        if limit is not None:
            qs = qs[:limit]
        nk = len(info.keys)
        return [
            {
                "attrs": info.attrs_of(r[:nk]),
                "chunk_index": r[nk],
                "updated_at": r[nk + 1],
                "is_deleted": r[nk + 2],
                "id": r[nk + 3],
            }
            for r in qs
        ]

    @classmethod
    def export_chunks(cls, spec: Iterable[Mapping[str, Any]]) -> list[dict]:
        """The stored rows named by ``spec`` (``[{"attrs": {...}, "chunk_index": n}, ...]``).

        Each item: ``attrs``, ``chunk_index``, ``start_ts``, ``dtype``, ``data`` (the blob
        bytes as stored), ``updated_at``, ``is_deleted``. Unknown chunks are left out.
        """
        info = cls._hostore
        wanted: dict[tuple, list[int]] = {}
        for item in spec:
            wanted.setdefault(info.key_of(dict(item["attrs"])), []).append(int(item["chunk_index"]))
        nk = len(info.keys)
        rows = q.select_chunks(cls, info.keys, wanted, (*info.keys, *_EXPORT_FIELDS))
        return [
            {"attrs": info.attrs_of(r[:nk]), **dict(zip(_EXPORT_FIELDS, r[nk:], strict=True))}
            | {"data": bytes(r[nk + 3])}
            for r in rows
        ]

    @classmethod
    def _check_item(cls, n: int, item: Mapping[str, Any]) -> tuple[tuple, int, bool]:
        info = cls._hostore
        try:
            key = info.key_of(dict(item["attrs"]))
            chunk = item["chunk_index"]
            if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)):
                raise InvalidPayloadError(f"chunk_index must be an integer, not {chunk!r}")
            deleted = bool(item.get("is_deleted", False))
            if not deleted:
                dtype = np.dtype(item["dtype"])
                if dtype.kind != "f":
                    raise InvalidPayloadError(f"dtype must be a float type, not {dtype}")
                length = len(codecs.decode(item["data"], dtype))
                lo, hi = info.grid.chunk_bounds(np.array([chunk]))
                if length != hi[0] - lo[0]:
                    raise InvalidPayloadError(
                        f"the blob holds {length} values, chunk {chunk} has {hi[0] - lo[0]} "
                        "slots: were client and server declared with the same settings?"
                    )
        except (KeyError, TypeError, ValueError, OverflowError, HostoreError) as exc:
            raise InvalidPayloadError(
                f"payload item {n} is invalid ({type(exc).__name__}: {exc}); nothing was imported"
            ) from None
        return key, int(chunk), deleted

    @classmethod
    def import_chunks(cls, payload: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Write exported chunks as they are, atomically and idempotently.

        Deleted items leave tombstones on the matching local chunks. Returns the counts
        ``{"imported": n, "deleted": m}``.
        """
        info = cls._hostore
        payload = list(payload)
        checked = [cls._check_item(n, item) for n, item in enumerate(payload)]
        seen = {(k, c) for k, c, _ in checked}
        if len(seen) != len(checked):
            raise InvalidPayloadError("the payload names the same chunk twice; nothing imported")
        now = q.db_datetime(timezone.now())
        rows, gone = [], {}
        for (key, chunk, deleted), item in zip(checked, payload, strict=True):
            if deleted:
                gone.setdefault(key, []).append(chunk)
                continue
            start = q.db_datetime(info.grid.chunk_start_datetime(chunk))
            dtype = np.dtype(item["dtype"]).name
            rows.append((*key, chunk, start, dtype, bytes(item["data"]), now, False))
        alias = q.write_alias(cls)
        with transaction.atomic(using=alias):
            q.lock_series(cls, [k for k, _, _ in checked], alias)
            q.write_rows(cls, rows, alias)
            deleted = 0
            if gone:
                pks = [r[0] for r in q.select_chunks(cls, info.keys, gone, ("pk",), alias)]
                deleted = q.tombstone(cls._default_manager.using(alias).filter(pk__in=pks))
        return {"imported": len(rows), "deleted": deleted}
