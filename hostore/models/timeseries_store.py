"""TimeseriesStore: one blob per series, identified by the user's own fields.

The abstract model of holcstore 0.5/0.6 (its tables work in place): a concrete store adds its
key fields and their ``unique_together``; each row holds one series as an Arrow Feather blob
(:mod:`hostore.formats.arrow`). Unlike those releases, the blob itself carries no index and
no unique constraint: PostgreSQL refused any blob over 2,704 bytes in such an index (about
a hundred points), and two keys holding the same series collided.

Which fields identify a series: those of a ``unique_together`` entry, of a
``UniqueConstraint`` on plain fields, or one ``unique=True`` field; a store declaring none
is keyed by all its fields. A write must give exact values for one of these sets (it may
give other fields too: they are stored on the row). Reads filter like the ORM.

Writes are atomic and serialised per series (a PostgreSQL advisory lock): a failure writes
nothing, and concurrent ``update=True`` writers of one series lose no values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, cast

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import models, router

from ..exceptions import (
    CorruptBlobError,
    DuplicateTimestampError,
    InvalidAttrsError,
    InvalidSeriesError,
    MultipleSeriesError,
    NonNumericError,
    SeriesNotFoundError,
    TimeseriesExistsError,
)
from ..formats import arrow
from . import _locking
from . import _queries as q
from ._citus import DistributedSaveMixin
from ._curves import check_curve, check_lookups, check_text, storable

# The value column of the blobs 0.5/0.6 wrote and read: series come back named so.
COLUMN = "name"


class TimeseriesStore(DistributedSaveMixin, models.Model):
    """Abstract store of one series per row, keyed by the subclass's fields.

    ``class Meta(TimeseriesStore.Meta): unique_together = ("year", "kind")``.
    """

    data = models.BinaryField(blank=True, null=True)
    # Citus: the business key the table is distributed by (see hostore.models._citus)
    DISTRIBUTE_BY: ClassVar[str | None] = None

    class Meta:
        abstract = True

    # ------------------------------------------------------------------ writing
    @classmethod
    def set_ts(
        cls,
        ts_attributes: Mapping[str, Any],
        ds: pd.Series,
        update: bool = False,
        replace: bool = False,
    ) -> None:
        """Store the series ``ds`` under ``ts_attributes``.

        Without flags the series must not exist yet (:class:`TimeseriesExistsError`);
        ``update=True`` merges (new values win, stored values fill the rest);
        ``replace=True`` makes the stored series exactly ``ds``. ``ds`` is a Series of
        numbers on a DatetimeIndex without NaT or duplicates (it is stored sorted); an
        empty or all-NaN series writes nothing. Atomic: an error writes nothing.
        """
        if update and replace:
            raise InvalidAttrsError("set_ts takes update=True or replace=True, not both")
        lookup, extra = cls._series_key(ts_attributes)
        if isinstance(ds, pd.Series) and ds.empty:  # whatever its index, as the chunk store
            return
        serie = check_curve(ds, f"{cls.__name__}.set_ts({lookup})")
        if serie is None:
            return
        blob = None if update else arrow.write_series(serie, COLUMN)  # errors before any query
        alias = router.db_for_write(cls)
        with _locking.writing(cls, alias, f"the series {lookup}"):
            q.lock_keys(cls, [tuple(sorted(lookup.items(), key=str))], alias)
            rows = cls._default_manager.using(alias).filter(**lookup).order_by("pk")
            if update:
                found = list(rows.select_for_update().values_list("pk", "data")[:2])
                if len(found) > 1:
                    raise MultipleSeriesError(
                        f"{cls._meta.label} holds several series for {lookup}; "
                        "update one at a time, or write with replace=True"
                    )
                if found and found[0][1] is not None:  # (a row without data: nothing to merge)
                    stored = arrow.read_series(found[0][1])
                    blob = arrow.write_series(_merged(serie, stored, lookup), COLUMN)
                else:
                    blob = arrow.write_series(serie, COLUMN)
                pks = [pk for pk, _ in found]
            else:
                pks = list(rows.select_for_update().values_list("pk", flat=True))
                if pks and not replace:
                    raise TimeseriesExistsError(
                        f"{cls._meta.label} already holds a series for {lookup}; pass "
                        "update=True to merge or replace=True to overwrite"
                    )
            manager = cls._default_manager.using(alias)
            if not pks:
                manager.create(**lookup, **extra, data=blob)
                return
            if len(pks) > 1:  # only a table without the unique constraint: keep one row
                manager.filter(pk__in=pks[1:]).delete()
            manager.filter(pk=pks[0]).update(data=blob, **extra)

    @staticmethod
    def encode_serie(ds: pd.Series) -> bytes:
        """The blob of ``ds`` as :meth:`set_ts` stores it (checked by the same rules)."""
        serie = check_curve(ds, "encode_serie")
        return arrow.write_series(storable(ds) if serie is None else serie, COLUMN)

    # ------------------------------------------------------------------ reading
    @classmethod
    def get_ts(
        cls, ts_attributes: Mapping[str, Any], flat: bool = False
    ) -> pd.Series | list[dict[str, Any]]:
        """The series whose fields match ``ts_attributes`` (exact values or ORM lookups,
        ``{}`` for all), in ``id`` order: a list of dicts of the row's fields with
        ``'data'`` (the Series), or with ``flat=True`` the one Series
        (:class:`SeriesNotFoundError` / :class:`MultipleSeriesError` otherwise)."""
        qs = cls._filtered(ts_attributes, "ts_attributes").order_by("pk")
        if flat:
            found = list(qs.values_list("pk", "data")[:2])
            if not found:
                raise SeriesNotFoundError(f"no series in {cls._meta.label} for {ts_attributes}")
            if len(found) > 1:
                raise MultipleSeriesError(
                    f"several series in {cls._meta.label} match {ts_attributes}; "
                    "give all the fields of its key"
                )
            return _decode(found[0][1], cls, found[0][0])
        names = [f.attname for f in cls._meta.concrete_fields]
        entries = [dict(zip(names, row, strict=True)) for row in qs.values_list(*names)]
        for entry in entries:
            entry["data"] = _decode(entry["data"], cls, entry[cls._meta.pk.attname])
        return entries

    @property
    def decoded_ts_data(self) -> dict[str, Any]:
        """The row's fields with ``'data'`` decoded (a new dict: the instance is unchanged)."""
        entry = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}
        entry["data"] = _decode(entry["data"], type(self), self.pk)
        return entry

    # ------------------------------------------------------------------ deleting
    @classmethod
    def clear(cls, custom_filters: Mapping[str, Any]) -> int:
        """Delete the series matching ``custom_filters`` (``{}``: all); returns how many."""
        count, _ = cls._filtered(custom_filters, "custom_filters").delete()
        return count

    # ------------------------------------------------------------------ keys
    @classmethod
    def _filtered(cls, filters: Any, what: str) -> models.QuerySet:
        if filters is None:
            raise InvalidAttrsError(f"{what} must be a dict of field values ({{}} for all)")
        lookups = check_lookups(cls, _dict_of(filters, what), what)
        try:
            return cls._default_manager.filter(**lookups)
        except (TypeError, ValueError, OverflowError) as exc:  # Django refuses a value
            raise InvalidAttrsError(f"{what} {filters!r}: {exc}") from None

    @classmethod
    def _series_key(cls, ts_attributes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(lookup, extra)``: the cleaned exact values of a key of the store, and the
        other fields given (stored on the row)."""
        attrs = _dict_of(ts_attributes, "ts_attributes")
        fields = _own_fields(cls)
        unknown = sorted(name for name in attrs if name not in fields)
        if unknown:
            raise InvalidAttrsError(
                f"ts_attributes of a write name exact values of the fields of "
                f"{cls._meta.label} {sorted(fields)}; not {unknown}"
            )
        cleaned = {name: _clean(fields[name], value) for name, value in attrs.items()}
        keys = _key_sets(cls)
        for key in keys:
            if set(key) <= set(cleaned):
                lookup = {name: cleaned[name] for name in key}
                return lookup, {k: v for k, v in cleaned.items() if k not in lookup}
        wanted = " or ".join(str(list(key)) for key in keys)
        raise InvalidAttrsError(
            f"ts_attributes {attrs} do not identify one series of {cls._meta.label}: give "
            f"the values of {wanted}"
        )


@functools.cache
def _key_sets(model: Any) -> list[tuple[str, ...]]:
    """The sets of fields that identify a series of ``model``, declared ones first."""
    fields = _own_fields(model)
    meta = model._meta
    declared = [tuple(names) for names in meta.unique_together]
    declared += [
        tuple(c.fields)
        for c in meta.total_unique_constraints  # plain fields, no condition
        if c.fields
    ]
    declared += [(name,) for name, field in fields.items() if field.unique]
    keys = [key for key in dict.fromkeys(declared) if all(name in fields for name in key)]
    return keys or [tuple(fields)]


def _own_fields(model: Any) -> dict[str, models.Field]:
    return {
        f.name: f for f in model._meta.concrete_fields if not f.primary_key and f.name != "data"
    }


def _clean(field: models.Field, value: Any) -> Any:
    """``value`` as ``field`` stores it (``"2020"`` -> 2020), or a clear error."""
    if value is None:
        if not field.null:
            raise InvalidAttrsError(f"field {field.name!r} cannot be None")
        return None
    if field.is_relation:
        return value
    try:
        value = field.to_python(value)
        check_text(field.name, value)
        field.run_validators(value)
    except ValidationError as exc:
        raise InvalidAttrsError(f"field {field.name!r}: {'; '.join(exc.messages)}") from None
    except OverflowError as exc:  # int(inf)
        raise InvalidAttrsError(f"field {field.name!r}: {exc}") from None
    return value


def _dict_of(value: Any, what: str) -> dict:
    if not isinstance(value, Mapping):
        raise InvalidAttrsError(f"{what} must be a dict, not {type(value).__name__}")
    return dict(value)


# ---------------------------------------------------------------------- series
def _merged(new: pd.Series, stored: pd.Series, lookup: dict) -> pd.Series:
    """``new.combine_first(stored)`` (new values win, stored ones fill the rest, the union
    of both indexes), refusing what would not make a valid series."""
    where = f"the stored series of {lookup}"
    if not len(stored):
        return new
    old_index, new_index = stored.index, cast(pd.DatetimeIndex, new.index)
    if not isinstance(old_index, pd.DatetimeIndex):
        raise NonNumericError(
            f"{where} has a {type(old_index).__name__} (an older release wrote it): "
            "write with replace=True"
        )
    if (old_index.tz is None) != (new_index.tz is None):
        states = ["tz-naive" if i.tz is None else "tz-aware" for i in (old_index, new_index)]
        raise InvalidSeriesError(
            f"{where} is {states[0]}, the new one {states[1]}: localize or convert it first"
        )
    if not old_index.is_unique:
        raise DuplicateTimestampError(
            f"{where} holds duplicated timestamps (an older release wrote it): write with "
            "replace=True"
        )
    dtype = stored.dtype
    if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        raise NonNumericError(f"{where} holds values of dtype {dtype}: write with replace=True")
    if str(new_index.tz) != str(old_index.tz):  # two zones: UTC, as combine_first
        new_index, old_index = new_index.tz_convert("UTC"), old_index.tz_convert("UTC")
    unit = min((new_index.unit, old_index.unit), key=_UNITS.index)  # the finer one
    new, stored = new.set_axis(new_index.as_unit(unit)), stored.set_axis(old_index.as_unit(unit))
    # combine_first by hand: pandas 2.2's fails on some unit mixes, warns on empty parts,
    # and turns integers into floats (losing digits) whenever the indexes differ
    missing = new.isna().to_numpy()
    kept = ~stored.index.isin(new.index[~missing])
    gaps = missing & ~new.index.isin(stored.index)  # NaN of the new series nothing fills
    parts = [part for part in (new[~missing], stored[kept], new[gaps]) if len(part)]
    if len({str(part.dtype) for part in parts}) > 1:  # booleans among numbers count as 0/1
        parts = [_numbers(part) for part in parts]
    merged = pd.concat(parts) if len(parts) > 1 else parts[0]
    return merged.sort_index(kind="stable")


_UNITS = ["ns", "us", "ms", "s"]


def _numbers(part: pd.Series) -> pd.Series:
    if not pd.api.types.is_bool_dtype(part.dtype):
        return part
    return part.astype("float64" if part.dtype == bool else "Float64")


def _decode(blob: bytes | memoryview | None, model: Any, pk: Any) -> pd.Series:
    if blob is None:
        raise CorruptBlobError(
            f"{model._meta.label} row id={pk} holds no data; delete it or write its series again"
        )
    return arrow.read_series(blob)
