"""The sync wire format: cursors, pages of changes, and packs of chunks (JSON or binary).

The only module that knows how changes and chunks look on the wire, so that a client in
another language can follow ``docs/sync.md``:

- a *cursor* is an opaque token (``c1.<change>.<row>`` today) saying where a client stands
  in the server's change order; ``since`` also takes an ISO 8601 time, the cursor of
  holcstore 0.5/0.6 clients;
- a *change* is ``{"attrs", "chunk_index", "dtype", "start_ts", "updated_at", "is_deleted",
  "cursor"}`` (the cursor of the position right after it);
- a JSON *pack* item is ``{"attrs": {keys..., "chunk_index"}, "blob": <base64>, "meta":
  {"dtype", "start_ts", "is_deleted", "updated_at"}}``, the shape holcstore 0.6 clients
  import; the binary pack (media type :data:`PACK_MEDIA_TYPE`) carries the same fields
  without base64: ``HSPK`` and a version byte, then per chunk a big-endian ``uint32``
  length and a UTF-8 JSON header, a ``uint32`` length and the blob bytes.

Blobs travel as stored when the client says it reads their codec; otherwise (holcstore
0.5/0.6 clients, or clients in other languages) they are sent as LZ4 frames of the raw array,
the format every release decodes.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import re
import struct
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from .. import codecs
from ..exceptions import SyncProtocolError
from ..models._changes import START, Position

JSON_MEDIA_TYPE = "application/json"
PACK_MEDIA_TYPE = "application/vnd.hostore.pack"
PACK_MAGIC = b"HSPK\x01"
UNIVERSAL_CODEC = "lz4"  # what every holcstore release, and any LZ4 library, can decode
EPOCH = "1970-01-01T00:00:00+00:00"  # ``since`` of a first pull: every change

_CURSOR = re.compile(r"^c1\.(-?\d{1,19})\.(\d{1,19})(?:\.(-?\d{1,19}))?$")
_BIGINT = 2**63
_LENGTH = struct.Struct(">I")
_META_FIELDS = ("dtype", "start_ts", "is_deleted", "updated_at")


# --------------------------------------------------------------------------- cursors
def encode_cursor(position: Position, since: dt.datetime | None = None) -> str:
    """The opaque token of ``position`` (and of the ``since`` time it filters on, for the
    pages of a holcstore 0.6 client that started from a time)."""
    token = f"c1.{int(position.seq)}.{int(position.row_id)}"
    if since is not None:
        micros = (since - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(
            microseconds=1
        )
        token += f".{micros}"
    return token


def parse_since(value: str) -> tuple[Position, dt.datetime | None]:
    """``(position, since time)`` of a ``since`` parameter: a cursor token or an ISO 8601
    time (a naive time is taken as UTC). Raises :class:`SyncProtocolError`."""
    value = value.strip()
    found = _CURSOR.match(value)
    if found:
        seq, row, micros = found.groups()
        position = Position(int(seq), int(row))
        if not (-_BIGINT <= position.seq < _BIGINT and position.row_id < _BIGINT):
            raise SyncProtocolError(f"cursor {value!r} is out of range")
        since = None
        if micros is not None:
            since = _from_micros(int(micros), value)
        return position, since
    return START, parse_time(value, "since")


def _from_micros(micros: int, value: str) -> dt.datetime:
    try:
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=micros)
    except OverflowError:
        raise SyncProtocolError(f"cursor {value!r} is out of range") from None


def parse_time(value: str, name: str) -> dt.datetime:
    """An aware datetime from ISO 8601 text (naive = UTC; a bare date = its midnight UTC)."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = None if day is None else dt.datetime(day.year, day.month, day.day)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise SyncProtocolError(
            f"{name} must be a cursor given by the server or an ISO 8601 time "
            f"(e.g. 2024-01-31T00:00:00+00:00), not {value!r}"
        )
    try:  # in UTC: databases refuse some offsets Python accepts (PostgreSQL: beyond 15:59)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        raise SyncProtocolError(f"{name} {value!r} is out of range") from None


# --------------------------------------------------------------------------- values
def json_default(value: Any) -> Any:
    """JSON for the key and metadata values of stores: times, dates, UUIDs, decimals."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def change_item(item: Mapping[str, Any], since: dt.datetime | None = None) -> dict:
    """A change as served by ``updates/`` (values left for the JSON encoder)."""
    return {
        "attrs": item["attrs"],
        "chunk_index": item["chunk_index"],
        "dtype": item["dtype"],
        "start_ts": item["start_ts"],
        "updated_at": item["updated_at"],
        "is_deleted": item["is_deleted"],
        "cursor": encode_cursor(item["position"], since),
    }


def wire_blob(data: bytes, dtype: str, accepted: Iterable[str] | None) -> bytes:
    """The blob to send: as stored if the client reads its codec, else an LZ4 frame."""
    if not data:
        return b""  # a tombstone
    codec = codecs.codec_of(data)
    if codec.codec_id == UNIVERSAL_CODEC or (accepted is not None and codec.codec_id in accepted):
        return data
    return codecs.encode(codecs.decode(data, dtype), UNIVERSAL_CODEC)


def compressible(items: list[Mapping[str, Any]], accepted: Iterable[str] | None) -> bool:
    """Whether the blobs sent for ``items`` gain from gzip: LZ4 frames do (a third), the
    denser codecs hardly (judged on the first live chunk: a store has one codec at a time)."""
    for item in items:
        if item["data"]:
            codec = codecs.codec_of(item["data"]).codec_id
            return codec == UNIVERSAL_CODEC or accepted is None or codec not in accepted
    return False


def _meta(item: Mapping[str, Any]) -> dict:
    return {name: item[name] for name in _META_FIELDS}


# --------------------------------------------------------------------------- packs
def pack_json(items: Iterable[Mapping[str, Any]], accepted=None) -> list[dict]:
    """JSON pack items (holcstore 0.6's shape) of exported chunks."""
    return [
        {
            "attrs": {**item["attrs"], "chunk_index": item["chunk_index"]},
            "blob": base64.b64encode(wire_blob(item["data"], item["dtype"], accepted)).decode(),
            "meta": _meta(item),
        }
        for item in items
    ]


def pack_binary(items: Iterable[Mapping[str, Any]], accepted=None) -> bytes:
    """The binary pack of exported chunks: no base64, one JSON header per chunk."""
    parts = [PACK_MAGIC]
    for item in items:
        head = {"attrs": item["attrs"], "chunk_index": item["chunk_index"], **_meta(item)}
        header = json.dumps(head, default=json_default, separators=(",", ":")).encode()
        blob = wire_blob(item["data"], item["dtype"], accepted)
        parts += [_LENGTH.pack(len(header)), header, _LENGTH.pack(len(blob)), blob]
    return b"".join(parts)


def read_pack_json(payload: Any) -> list[dict]:
    """``import_chunks`` items of a JSON pack (ours or a holcstore 0.6 server's)."""
    if not isinstance(payload, list):
        raise SyncProtocolError(f"a JSON pack is a list, not {type(payload).__name__}")
    out = []
    for n, item in enumerate(payload):
        try:
            attrs = dict(item["attrs"])
            chunk = attrs.pop("chunk_index")
            meta = item["meta"]
            out.append(
                {
                    "attrs": attrs,
                    "chunk_index": chunk,
                    "dtype": meta["dtype"],
                    "data": base64.b64decode(item["blob"], validate=True),
                    "is_deleted": bool(meta.get("is_deleted", False)),
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SyncProtocolError(f"JSON pack item {n} is malformed: {exc!r}") from None
    return out


def read_pack_binary(data: bytes) -> list[dict]:
    """``import_chunks`` items of a binary pack."""
    view = memoryview(data)
    if bytes(view[: len(PACK_MAGIC)]) != PACK_MAGIC:
        raise SyncProtocolError("not a holcstore binary pack (bad magic or version)")
    pos, out = len(PACK_MAGIC), []
    try:
        while pos < len(view):
            (size,) = _LENGTH.unpack_from(view, pos)
            head = json.loads(bytes(view[pos + 4 : pos + 4 + size]))
            pos += 4 + size
            (size,) = _LENGTH.unpack_from(view, pos)
            blob = bytes(view[pos + 4 : pos + 4 + size])
            if len(blob) != size:
                raise ValueError("truncated blob")
            pos += 4 + size
            out.append(
                {
                    "attrs": head["attrs"],
                    "chunk_index": head["chunk_index"],
                    "dtype": head["dtype"],
                    "data": blob,
                    "is_deleted": bool(head["is_deleted"]),
                }
            )
    except (struct.error, ValueError, KeyError, TypeError) as exc:
        raise SyncProtocolError(f"binary pack is malformed at byte {pos}: {exc!r}") from None
    return out
