"""Reading the admin pages' query parameters: every bad value is a :class:`ParamError`
(answered 400 with its message), never a 500 and never a write.

A series is named in URLs by the JSON list of its key values (``s=["A1", 0]``), converted by
the key fields themselves (``"0"`` -> ``0`` for an integer key, an ISO text -> a date).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import models

MAX_CHART_SERIES = 20
MIN_POINTS, MAX_POINTS = 10, 20_000


class ParamError(ValueError):
    """A query parameter the admin cannot use; the message says which and why."""


def clean_value(field: models.Field, raw: Any, where: str) -> Any:
    """``raw`` (text, or a JSON value) as ``field`` stores it."""
    if raw is None:
        if field.null:
            return None
        raise ParamError(f"{where}: {field.name} cannot be null")
    try:
        value = field.to_python(raw)
        field.run_validators(value)
    except (ValidationError, TypeError, ValueError) as exc:
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise ParamError(f"{where}: {raw!r} is not a valid {field.name} ({detail})") from None
    return value


def parse_key(model, names: Sequence[str], text: str) -> tuple:
    """The key tuple named by the JSON list ``text`` (one value per field of ``names``)."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise ParamError(f"s={text!r} is not JSON: expected a list of {list(names)}") from None
    if not isinstance(raw, list) or len(raw) != len(names):
        raise ParamError(f"s={text!r} must be a JSON list of {len(names)} values {list(names)}")
    fields = [model._meta.get_field(name) for name in names]
    return tuple(clean_value(f, v, "s") for f, v in zip(fields, raw, strict=True))


def parse_keys(model, names: Sequence[str], texts: Sequence[str], limit: int | None) -> list:
    """Distinct key tuples, in the order given; at most ``limit`` of them."""
    keys = list(dict.fromkeys(parse_key(model, names, t) for t in texts))
    if limit is not None and len(keys) > limit:
        raise ParamError(f"at most {limit} series at once, {len(keys)} given")
    return keys


def parse_time(text: str | None, name: str) -> pd.Timestamp | None:
    """An instant: seconds since the epoch (what the chart sends) or an ISO 8601 time with
    its offset (a time without one is read as UTC); empty or absent: no bound."""
    if text is None or text == "":
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    try:
        if seconds is not None:
            if not -1e11 < seconds < 1e11:
                raise ParamError(f"{name}={text!r} is out of range")
            return pd.Timestamp(round(seconds * 1000), unit="ms", tz="UTC")
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError) as exc:
        raise ParamError(f"{name}={text!r} is not a time ({exc})") from None
    if pd.isna(stamp):
        raise ParamError(f"{name}={text!r} is not a time")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp


def parse_window(start: str | None, end: str | None):
    """``(start, end)``, checked to be in order."""
    lo, hi = parse_time(start, "start"), parse_time(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise ParamError(f"end={end!r} is before start={start!r}")
    return lo, hi


def parse_int(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """An integer in ``[low, high]``."""
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ParamError(f"{name}={text!r} is not an integer") from None
    if not low <= value <= high:
        raise ParamError(f"{name}={value} must be between {low} and {high}")
    return value
