"""DataFrameStore: whole DataFrames per ``client_id`` and ``key``, with a JSON ``meta``.

The abstract model of holcstore 0.6 (its tables work in place); payloads are Parquet
(:mod:`hostore.formats.arrow`). Its unique constraint is named after the concrete model
(0.6 named it ``unique_client_key`` for every subclass, so a project could have only one).

A frame comes back equal to what was stored: index (a RangeIndex too, and its ``freq``),
columns, dtypes and ``attrs``; a frame that would not is refused before anything is written.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import models, router

from ..exceptions import InvalidAttrsError, InvalidFrameError, InvalidMetaError
from ..formats import arrow
from . import _locking
from ._citus import DistributedSaveMixin
from ._curves import check_text

# The key of ``meta`` that records whether the payload holds the frame's index.
STORE_INDEX = "store_index"
_INT32 = (-(2**31), 2**31 - 1)  # client_id's column (SQLite would take more, not PostgreSQL)


class DataFrameStore(DistributedSaveMixin, models.Model):
    """Abstract store of DataFrames, one per (``client_id``, ``key``)."""

    client_id = models.IntegerField(db_index=True)
    key = models.CharField(max_length=255, db_index=True)
    meta = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Citus: the business key the table is distributed by (see hostore.models._citus)
    DISTRIBUTE_BY: ClassVar[str | None] = None

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["client_id", "key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "key"], name="%(app_label)s_%(class)s_client_key"
            )
        ]

    # ------------------------------------------------------------------ writing
    @classmethod
    def update_or_create_df(
        cls,
        client_id: int,
        key: str,
        df: pd.DataFrame,
        meta: dict[str, Any] | None = None,
        *,
        store_index: bool = True,
    ) -> tuple[DataFrameStore, bool]:
        """Store ``df`` under (``client_id``, ``key``), replacing the frame and the meta
        stored there; returns ``(row, created)``.

        ``meta`` (a JSON object, not modified) is stored with ``meta["store_index"]`` set
        to ``store_index``; ``store_index=False`` drops the frame's index (it reads back
        as 0..n-1). A frame that cannot be stored exactly raises
        :class:`~hostore.exceptions.InvalidFrameError`, and nothing is written.
        """
        client_id, key = cls._ident(client_id, key)
        if not isinstance(df, pd.DataFrame):
            raise InvalidFrameError(f"df must be a pandas DataFrame, not {type(df).__name__}")
        keep_index = True if store_index is None else bool(store_index)
        stored_meta = _checked_meta(meta, keep_index)
        payload = arrow.write_frame(df, keep_index=keep_index)  # errors before any query
        alias = router.db_for_write(cls)
        with _locking.writing(cls, alias, f"the frame {key!r} of client {client_id}"):
            # Django's update_or_create locks the row, and when a concurrent writer
            # inserts the same key first, reads that row and updates it
            return cls._default_manager.using(alias).update_or_create(
                client_id=client_id,
                key=key,
                defaults={"meta": stored_meta, "payload": payload},
            )

    @classmethod
    def delete_df(cls, client_id: int, key: str) -> bool:
        """Delete the frame stored under (``client_id``, ``key``); False if there was none."""
        client_id, key = cls._ident(client_id, key)
        count, _ = cls._default_manager.filter(client_id=client_id, key=key).delete()
        return bool(count)

    # ------------------------------------------------------------------ reading
    @classmethod
    def load_df(cls, client_id: int, key: str) -> pd.DataFrame | None:
        """The frame stored under (``client_id``, ``key``), or None."""
        payload = cls._value(client_id, key, "payload")
        return None if payload is None else arrow.read_frame(payload)

    @classmethod
    def load_meta(cls, client_id: int, key: str) -> dict[str, Any] | None:
        """The meta stored with the frame of (``client_id``, ``key``), or None."""
        return cls._value(client_id, key, "meta")

    @classmethod
    def keys(cls, client_id: int) -> list[str]:
        """The keys of the frames stored for ``client_id``, sorted."""
        client_id = _clean(cls, "client_id", client_id)
        rows = cls._default_manager.filter(client_id=client_id).order_by("key")
        return list(rows.values_list("key", flat=True))

    @classmethod
    def _value(cls, client_id: Any, key: Any, column: str) -> Any:
        client_id, key = cls._ident(client_id, key)
        rows = cls._default_manager.filter(client_id=client_id, key=key)
        found = list(rows.values_list(column, flat=True)[:1])
        return found[0] if found else None

    @classmethod
    def _ident(cls, client_id: Any, key: Any) -> tuple[int, str]:
        if not isinstance(key, str) or not key:
            raise InvalidAttrsError(f"key must be a non-empty string, not {key!r}")
        return _clean(cls, "client_id", client_id), _clean(cls, "key", key)


def _clean(model: Any, name: str, value: Any) -> Any:
    """``value`` as the field ``name`` stores it, checked the same way on every database
    (SQLite would take a key longer than ``max_length``, PostgreSQL would refuse it)."""
    field = model._meta.get_field(name)
    if value is None or isinstance(value, bool):
        raise InvalidAttrsError(f"{name} cannot be {value!r}")
    try:
        value = field.to_python(value)
        field.run_validators(value)
    except ValidationError as exc:
        raise InvalidAttrsError(f"{name}: {'; '.join(exc.messages)}") from None
    if isinstance(field, models.IntegerField) and not _INT32[0] <= value <= _INT32[1]:
        raise InvalidAttrsError(f"{name} must fit a 32-bit integer column, not {value}")
    check_text(name, value)
    return value


def _checked_meta(meta: Any, store_index: bool) -> dict[str, Any]:
    """A copy of ``meta`` with ``store_index`` recorded, if it is a JSON object."""
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InvalidMetaError(f"meta must be a dict, not {type(meta).__name__}")
    if STORE_INDEX in meta and meta[STORE_INDEX] != store_index:
        raise InvalidMetaError(
            f"meta[{STORE_INDEX!r}] is {meta[STORE_INDEX]!r} but store_index is "
            f"{store_index}: the key records the store_index argument, leave it out"
        )
    stored = {**meta, STORE_INDEX: store_index}
    try:
        json.dumps(stored, allow_nan=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidMetaError(f"meta must hold JSON values only: {exc}") from None
    return stored
