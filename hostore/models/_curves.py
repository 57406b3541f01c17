"""Input rules of the stores that keep a curve as it is (no grid): Store and TimeseriesStore.

A curve is a pandas Series on a DatetimeIndex of numbers. Unlike the chunk store, these stores
keep any time step and the values' dtype; what they refuse is what the chunk store refuses
too: another type than a Series, another index than a DatetimeIndex, NaT, duplicated
timestamps, values that are not numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

import pandas as pd

from ..chunking import is_number_dtype
from ..exceptions import (
    DuplicateTimestampError,
    InvalidAttrsError,
    InvalidSeriesError,
    NonNumericError,
)


def check_curve(serie, what: str) -> pd.Series | None:
    """``serie`` sorted by time, or None when it holds no value (empty or all NaN).

    Raises a ``hostore.exceptions`` error naming ``what`` when it breaks a rule.
    """
    if not isinstance(serie, pd.Series):
        raise InvalidSeriesError(f"{what}: expected a pandas Series, got {type(serie).__name__}")
    if not isinstance(serie.index, pd.DatetimeIndex):
        raise NonNumericError(
            f"{what}: the index must be a DatetimeIndex, not {type(serie.index).__name__}; "
            "use pd.to_datetime() on it"
        )
    if not is_number_dtype(serie.dtype):
        raise NonNumericError(
            f"{what}: the values have dtype {serie.dtype}; only numbers (float, int, bool) are "
            "stored. Convert them with pd.to_numeric() first"
        )
    if serie.isna().all():
        return None
    if serie.index.hasnans:
        raise InvalidSeriesError(f"{what}: the index holds NaT; drop those rows first")
    if not serie.index.is_monotonic_increasing:
        serie = serie.sort_index(kind="stable")
    if not serie.index.is_unique:
        dup = serie.index[serie.index.duplicated()]
        raise DuplicateTimestampError(
            f"{what}: {len(dup)} timestamp(s) appear more than once (first: {dup[0]}); "
            "aggregate or drop duplicates first"
        )
    return storable(serie)


def storable(serie: pd.Series) -> pd.Series:
    """What pyarrow needs on top of the input rules: dense values, a text index name."""
    if isinstance(serie.dtype, pd.SparseDtype):
        serie = cast(Any, serie).sparse.to_dense()  # (pandas-stubs misses the accessor)
    name = serie.index.name
    if name is not None and not isinstance(name, str):
        serie = serie.rename_axis(str(name))
    return serie


def check_ids(model, client_id, prms=()) -> None:
    """``InvalidAttrsError`` (or Django's ``ValidationError`` for a value out of the
    field's range) unless ``client_id`` and each ``prm`` are values their fields take."""
    for name, value in [("client_id", client_id), *(("prm", p) for p in prms)]:
        field = model._meta.get_field(name)
        try:
            hash(value)
            prepared = field.get_prep_value(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidAttrsError(f"{name} {value!r} is refused: {exc}") from None
        if isinstance(prepared, int) and not -(2**63) <= prepared < 2**63:
            raise InvalidAttrsError(f"{name} is out of the 64-bit range: {prepared}")
        if prepared is not None:
            field.run_validators(prepared)
        check_text(name, prepared)


def check_lookups(model, filters, what: str) -> dict:
    """``filters`` as a dict of ORM lookups whose first part names a field of ``model``
    (``{"version__lte": 2}`` is fine, ``{"colour": 1}`` is an ``InvalidAttrsError``)."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise InvalidAttrsError(f"{what} must be a dict, not {type(filters).__name__}")
    names = {f.name for f in model._meta.concrete_fields} | {
        f.attname for f in model._meta.concrete_fields
    }
    names.add("pk")
    unknown = sorted(k for k in filters if k.split("__", 1)[0] not in names)
    if unknown:
        raise InvalidAttrsError(
            f"{what} of {model._meta.label} name unknown fields {unknown}; fields: "
            f"{sorted(f.name for f in model._meta.concrete_fields)}"
        )
    for name, value in filters.items():
        for item in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
            check_text(name, item)
    return dict(filters)


def check_text(name: str, value) -> None:
    """Refuse what one database would take and another refuse, or what the driver cannot
    send: a string holding a NUL character (PostgreSQL cannot store or compare it), an
    integer beyond 64 bits. The same error on every database."""
    if isinstance(value, str) and "\x00" in value:
        raise InvalidAttrsError(f"the value of {name!r} holds a NUL character")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise InvalidAttrsError(f"the value of {name!r} is out of the 64-bit range: {value}")


def combine(entries: list[dict], combined_by: Sequence[str], delay) -> list[dict]:
    """One entry per group of ``combined_by`` values (in order of first appearance): the
    first entry's fields, and the curves combined, earlier ones winning where they have
    values (after ``delay`` is dropped from the start of each)."""
    by = [combined_by] if isinstance(combined_by, str) else list(combined_by)
    groups: dict[tuple, list[dict]] = {}
    for entry in entries:
        try:
            key = tuple(entry[name] for name in by)
        except KeyError as exc:
            raise InvalidAttrsError(f"combined_by names an unknown field {exc}") from None
        groups.setdefault(key, []).append(entry)
    out = []
    for members in groups.values():
        curves = [m["data"] for m in members]
        if delay is not None:
            delay = pd.to_timedelta(delay)
            curves = [c[c.index.min() + delay :] if len(c) else c for c in curves]
        curves = [c for c in curves if len(c)]
        head = dict(members[0])
        if len(curves) > 1:
            head["data"] = functools.reduce(lambda a, b: a.combine_first(b), curves)
        elif curves:
            head["data"] = curves[0]
        else:
            head["data"] = members[0]["data"].iloc[:0]
        out.append(head)
    return out
