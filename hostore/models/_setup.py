"""Configuration of concrete chunk stores, done once when Django prepares the class.

Validates the class settings, finds the business keys, and adds the unique constraint on
(keys..., ``chunk_index``), the ``updated_at`` index and the ``(sync_seq, id)`` index (the
order in which changes are served to sync clients) to ``Meta`` so that ``makemigrations``
picks them up whatever ``Meta`` the user wrote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models

from .. import codecs
from ..exceptions import InvalidAttrsError, StoreConfigurationError, UnknownCodecError
from ..grid import Grid, get_grid
from ._curves import check_text

RESERVED = (
    "chunk_index",
    "start_ts",
    "dtype",
    "updated_at",
    "is_deleted",
    "data",
    "sync_seq",
    "stat_count",
    "stat_first",
    "stat_last",
    "stat_days",
    "stat_at",
)


@dataclass(frozen=True)
class StoreInfo:
    """What the store methods need to know about one concrete store class."""

    grid: Grid
    keys: tuple[str, ...]
    codec_id: str
    label: str
    # the business keys' model fields, which check their values as filter() would
    fields: tuple = field(default=(), compare=False)

    def key_of(self, attrs) -> tuple:
        """The key tuple of ``attrs``, which must name exactly the business keys."""
        if not isinstance(attrs, dict):
            raise InvalidAttrsError(
                f"attrs must be a dict of the business keys {list(self.keys)}, "
                f"not {type(attrs).__name__}"
            )
        if set(attrs) != set(self.keys):
            missing = sorted(set(self.keys) - set(attrs))
            unknown = sorted(set(attrs) - set(self.keys))
            raise InvalidAttrsError(
                f"attrs of {self.label} must name exactly its business keys {list(self.keys)}"
                + (f"; missing: {missing}" if missing else "")
                + (f"; unknown: {unknown}" if unknown else "")
            )
        return tuple(self._value(k, attrs[k]) for k in self.keys)

    def check_filters(self, filters) -> dict:
        """``filters`` as a dict of exact business-key values (None means all series)."""
        if filters is not None and not isinstance(filters, Mapping):
            raise InvalidAttrsError(
                f"filters of {self.label} must be a dict of business-key values or None, "
                f"not {type(filters).__name__}"
            )
        filters = dict(filters or {})
        unknown = sorted(set(filters) - set(self.keys))
        if unknown:
            raise InvalidAttrsError(
                f"filters of {self.label} may only use its business keys {list(self.keys)} "
                f"with exact values; not {unknown}"
            )
        return {k: self._value(k, v) for k, v in filters.items()}

    def _value(self, name: str, value):
        """``value`` as the business key ``name``'s field prepares it (``"3"`` -> ``3``), if
        it can be its value: hashable, accepted by the field, within its ``max_length``,
        without NUL characters (PostgreSQL refuses them), within 64 bits for integers. So
        neither the ORM nor the database raises its own ``TypeError``/``DataError`` later."""
        value = _key_value(name, value)
        for f in self.fields:
            if f.name != name:
                continue
            try:
                value = f.get_prep_value(value)
            except (TypeError, ValueError, OverflowError) as exc:
                raise InvalidAttrsError(f"the value of {name!r} is refused: {exc}") from None
            check_text(name, value)
            limit = getattr(f, "max_length", None)
            if isinstance(value, str) and limit and len(value) > limit:
                raise InvalidAttrsError(
                    f"the value of {name!r} has {len(value)} characters, more than the "
                    f"field's max_length {limit}"
                )
            return _key_value(name, value)
        return value

    def clean_key(self, key: tuple, model) -> tuple:
        """``key`` with each value converted by its field (``"3"`` -> ``3`` for an integer
        key, an ISO string -> a date...): keys that came as text, from JSON or a URL.
        Raises Django's ``ValidationError`` for a value the field refuses."""
        fields = [model._meta.get_field(name) for name in self.keys]
        return tuple(f.to_python(v) for f, v in zip(fields, key, strict=True))

    def attrs_of(self, key: tuple) -> dict:
        return dict(zip(self.keys, key, strict=True))


def _key_value(name: str, value):
    """``value`` if it can be a business-key value: hashable, integers within 64 bits."""
    try:
        hash(value)
    except TypeError:
        raise InvalidAttrsError(
            f"the value of {name!r} must be a single value, not {type(value).__name__}"
        ) from None
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise InvalidAttrsError(f"the value of {name!r} is out of the 64-bit range: {value}")
    return value


def _short_name(table: str, suffix: str, limit: int = 30) -> str:
    digest = hashlib.sha1(table.encode()).hexdigest()[:8]
    head = table[: limit - len(digest) - len(suffix) - 2]
    return f"{head}_{digest}_{suffix}"


def _check_reserved(cls) -> None:
    from .chunk_store import TimeseriesChunkStore

    for name in RESERVED:
        field = cls._meta.get_field(name)
        expected = TimeseriesChunkStore._meta.get_field(name)
        if type(field) is not type(expected):
            raise StoreConfigurationError(
                f"{cls.__name__} redefines the reserved field {name!r}; reserved names are "
                f"{', '.join(RESERVED)} (and id): rename your field"
            )


def configure(cls) -> None:
    """Validate a concrete store class and complete its Meta; raises on bad settings."""
    try:
        grid = get_grid(cls.STORE_FREQ, cls.STORE_TZ, tuple(cls.CHUNK_AXIS))
        codecs.get_codec(cls.STORE_CODEC)
    except (StoreConfigurationError, UnknownCodecError) as exc:
        raise StoreConfigurationError(f"{cls.__name__}: {exc}") from None
    except TypeError as exc:
        raise StoreConfigurationError(f"{cls.__name__}: invalid store settings: {exc}") from None
    _check_reserved(cls)
    keys = tuple(
        f.name for f in cls._meta.concrete_fields if f.name not in RESERVED and not f.primary_key
    )
    meta = cls._meta
    unique_fields = (*keys, "chunk_index")
    constraints = list(meta.constraints)
    declared = [set(c.fields) for c in constraints if isinstance(c, models.UniqueConstraint)]
    declared += [set(t) for t in meta.unique_together]
    if set(unique_fields) not in declared:
        constraints.append(
            models.UniqueConstraint(
                fields=list(unique_fields), name=_short_name(meta.db_table, "chunk", 63)
            )
        )
    indexes = list(meta.indexes)
    if not any(list(i.fields) == ["updated_at"] for i in indexes):
        indexes.append(models.Index(fields=["updated_at"], name=_short_name(meta.db_table, "upd")))
    if not any(list(i.fields) == ["sync_seq", "id"] for i in indexes):
        indexes.append(
            models.Index(fields=["sync_seq", "id"], name=_short_name(meta.db_table, "seq"))
        )
    meta.constraints, meta.indexes = constraints, indexes
    meta.original_attrs["constraints"] = constraints
    meta.original_attrs["indexes"] = indexes
    cls._hostore = StoreInfo(
        grid=grid,
        keys=keys,
        codec_id=cls.STORE_CODEC,
        label=meta.label,
        fields=tuple(meta.get_field(k) for k in keys),
    )
