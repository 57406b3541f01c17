"""Validation of what sync clients send: the ``updates/`` query and the ``pack/`` body.

Nothing a client sends reaches the ORM as a lookup: filters are built from the store's
declared business keys only, each value converted and checked by its model field, and any
other name (``id__gt``, ``kind__regex``, ``data``...) is refused with a 400 naming it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from .. import codecs
from ..conf import hostore_settings
from ..exceptions import SyncProtocolError
from ..models._changes import Position
from . import protocol

UPDATES_PARAMS = ("since", "limit", "offset")
# Keys of a change that 0.5/0.6 clients send back as they got them in ``pack/`` requests.
_ECHOED = ("dtype", "start_ts", "updated_at", "is_deleted", "cursor")
_MAX_OFFSET = 2**31 - 1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class UpdatesQuery:
    """A valid ``updates/`` request."""

    after: Position
    since: dt.datetime | None
    limit: int
    offset: int
    filters: dict[str, Any]


@dataclass(frozen=True)
class PackRequest:
    """A valid ``pack/`` request: the chunks named, and the codecs the client reads."""

    spec: list[dict]
    codecs: frozenset[str] | None


def _refuse(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def key_value(model, name: str, raw: Any) -> Any:
    """A business-key value from the wire, converted and validated by its model field."""
    field = model._meta.get_field(name)
    if isinstance(raw, str) and "\x00" in raw:
        raise _refuse(name, "must not contain NUL characters")
    if isinstance(raw, (dict, list)):
        raise _refuse(name, f"must be a single value, not {type(raw).__name__}")
    try:
        value = field.to_python(raw)
        field.run_validators(value)
    except DjangoValidationError as exc:
        raise _refuse(name, "; ".join(exc.messages)) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise _refuse(name, f"invalid value {raw!r}: {exc}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        # what every database stores; Django does not check it on SQLite before 5.0
        if value >= 2**63:
            raise _refuse(name, f"Ensure this value is less than or equal to {2**63 - 1}.")
        if value < -(2**63):
            raise _refuse(name, f"Ensure this value is greater than or equal to {-(2**63)}.")
    if isinstance(value, dt.datetime):
        # in UTC: databases refuse some offsets Python accepts (PostgreSQL: beyond 15:59)
        try:
            if timezone.is_naive(value):
                value = value.replace(tzinfo=dt.timezone.utc)
            value = value.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError):
            raise _refuse(name, f"{raw!r} is out of range") from None
    return value


def _integer(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _refuse(name, f"must be an integer, not {raw!r}") from None
    if value < low:
        raise _refuse(name, f"must be at least {low}")
    return min(value, high)


def parse_updates(model, params) -> UpdatesQuery:
    """The ``updates/`` query: ``since``, ``limit`` (capped), ``offset`` and exact
    business-key filters; anything else is a 400."""
    keys = model._hostore.keys
    unknown = sorted(set(params) - set(UPDATES_PARAMS) - set(keys))
    if unknown:
        raise ValidationError(
            {
                "detail": f"unknown parameter(s) {unknown}: updates/ takes {list(UPDATES_PARAMS)} "
                f"and exact values of the business keys {list(keys)}"
            }
        )
    for name, values in params.lists():
        if len(values) > 1:
            raise _refuse(name, "is given more than once")
    after, since = protocol.START, None
    if "since" in params:
        try:
            after, since = protocol.parse_since(params["since"])
        except SyncProtocolError as exc:
            raise _refuse("since", str(exc)) from None
        if since is not None and since <= _EPOCH:
            since = None  # every change (the first pull of a client): no time filter
    cap = hostore_settings.SYNC_MAX_PAGE_SIZE
    limit = hostore_settings.SYNC_PAGE_SIZE
    if "limit" in params:
        limit = _integer("limit", params["limit"], 1, cap)
    offset = _integer("offset", params["offset"], 0, _MAX_OFFSET) if "offset" in params else 0
    filters = {k: key_value(model, k, params[k]) for k in keys if k in params}
    return UpdatesQuery(after, since, min(limit, cap), offset, filters)


def parse_pack(model, body: Any) -> PackRequest:
    """The ``pack/`` body: a list of ``{"attrs", "chunk_index"}`` (holcstore 0.6's, which
    may echo the other fields of a change), or ``{"chunks": [...], "codecs": [...]}``."""
    accepted = None
    if isinstance(body, dict):
        extra = sorted(set(body) - {"chunks", "codecs"})
        if extra:
            raise _refuse("detail", f"unknown field(s) {extra}: the body takes chunks and codecs")
        raw_codecs = body.get("codecs", [])
        if not isinstance(raw_codecs, list) or not all(isinstance(c, str) for c in raw_codecs):
            raise _refuse("codecs", "must be a list of codec names")
        accepted = frozenset(c for c in raw_codecs if c in codecs.available())
        body = body.get("chunks")
    if not isinstance(body, list):
        raise _refuse("detail", "the body must be a JSON list of {attrs, chunk_index} items")
    cap = hostore_settings.SYNC_MAX_PACK_ITEMS
    if len(body) > cap:
        raise _refuse("detail", f"{len(body)} chunks asked for; at most {cap} per request")
    keys = model._hostore.keys
    spec = []
    for n, item in enumerate(body):
        where = f"item {n}"
        if not isinstance(item, dict):
            raise _refuse(where, "must be an object with attrs and chunk_index")
        extra = sorted(set(item) - {"attrs", "chunk_index", *_ECHOED})
        if extra:
            raise _refuse(where, f"unknown field(s) {extra}")
        attrs, chunk = item.get("attrs"), item.get("chunk_index")
        if not isinstance(attrs, dict) or set(attrs) != set(keys):
            raise _refuse(where, f"attrs must name exactly the business keys {list(keys)}")
        if isinstance(chunk, bool) or not isinstance(chunk, int) or not -(2**31) <= chunk < 2**31:
            raise _refuse(where, f"chunk_index must be an integer, not {chunk!r}")
        spec.append(
            {"attrs": {k: key_value(model, k, attrs[k]) for k in keys}, "chunk_index": chunk}
        )
    return PackRequest(spec, accepted)
