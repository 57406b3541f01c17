"""Store: load curves as key:value rows per ``prm`` and ``client_id``, with versions.

The abstract model of holcstore 0.5/0.6, kept column for column so that its tables work in
place. A row holds one curve (any DatetimeIndex: the store keeps no grid) as an Arrow
Feather blob (:mod:`hostore.formats.arrow`); ``version`` numbers the curves written with
``versionning=True``. Reads combine versions: the version first in ``order_by`` (the newest
by default) wins where it has values, the others fill its gaps.

Bulk calls are bulk: ``set_many_lc`` and ``get_many_lc`` of N curves run a few statements
per 500 curves, not N; the holes of ``find_holes``/``find_groups`` are found with numpy.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
from django.db import models, router
from django.db.models import Max
from django.utils import timezone

from ..exceptions import CorruptBlobError, InvalidAttrsError
from ..formats import arrow
from ..grid import TimeBound
from . import _bulk, _locking
from . import _queries as q
from ._citus import DistributedSaveMixin
from ._curves import check_curve, check_ids, check_lookups, combine
from ._holes import Grid, check_awareness, missing_runs

logger = logging.getLogger("hostore.store")

_NO_MARGIN = pd.Timedelta(0)
_BATCH = 500  # prms per statement (SQLite binds at most 999 parameters before 3.32)
_OWN_FIELDS = ("id", "client_id", "prm", "last_modified", "created_at", "data", "version")


class StoreQuerySet(models.QuerySet):
    """The Store's queryset (holcstore 0.5/0.6 exported it from ``hostore.models``)."""


class Store(DistributedSaveMixin, models.Model):
    """Abstract store of load curves per ``prm`` (meter) and ``client_id``, with versions.

    Subclass it (``class Meta(Store.Meta): abstract = False``, or no Meta at all), add fields
    of your own if needed (set them with ``attributes_to_set``), then use the class methods.
    """

    client_id = models.IntegerField()
    prm = models.CharField(max_length=70)
    last_modified = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    data = models.BinaryField(blank=True, null=True)
    version = models.IntegerField(default=0)

    objects = StoreQuerySet.as_manager()
    # Citus: the business key the table is distributed by (see hostore.models._citus)
    DISTRIBUTE_BY: ClassVar[str | None] = None

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["prm", "client_id", "version"],
                name="%(app_label)s_%(class)s_prm_clientid_version",
            )
        ]
        indexes = [models.Index(fields=["prm", "client_id"])]

    # ------------------------------------------------------------------ writing
    @classmethod
    def set_lc(
        cls,
        prm: str,
        value: pd.Series,
        client_id: int,
        versionning: bool = False,
        versionning_by: Sequence[str] = ("prm",),
        attributes_to_set: Mapping[str, Any] | None = None,
    ) -> None:
        """Store the curve ``value`` of ``prm``: as a new version (``versionning=True``,
        numbered from 0 among the rows of the same ``versionning_by`` values) or over the
        curve stored for ``prm``, ``client_id`` and ``attributes_to_set``. An all-NaN curve
        is skipped with a warning; anything but a Series of numbers on a DatetimeIndex is an
        error."""
        check_ids(cls, client_id, [prm])
        check_curve(value, f"{cls.__name__}.set_lc({prm!r})")  # before any skip
        cls.set_many_lc({prm: value}, client_id, versionning, versionning_by, attributes_to_set)

    @classmethod
    def set_many_lc(
        cls,
        dataseries: Mapping[str, pd.Series] | pd.DataFrame,
        client_id: int,
        versionning: bool = False,
        versionning_by: Sequence[str] = ("prm",),
        attributes_to_set: Mapping[str, Any] | None = None,
    ) -> None:
        """:meth:`set_lc` of every curve of ``dataseries`` (a dict of Series, or a DataFrame
        with a column per prm) in one transaction: all are checked first, and an error
        writes none. ``None``, empty and all-NaN curves are skipped."""
        check_ids(cls, client_id)
        attrs = cls._attributes(attributes_to_set)
        if versionning and "prm" not in versionning_by:
            raise InvalidAttrsError(f"versionning_by must contain 'prm', got {versionning_by!r}")
        curves = []
        for prm, serie in _items(dataseries):
            if serie is None or (isinstance(serie, pd.Series) and serie.empty):
                continue
            checked = check_curve(serie, f"{cls.__name__} curve {prm!r}")
            if checked is None:
                logger.warning("%s: curve %r is ignored: it holds only NaN", cls.__name__, prm)
                continue
            curves.append((str(prm), checked))
        if not curves:
            return
        blobs = {prm: arrow.write_series(serie, prm) for prm, serie in curves}
        alias = router.db_for_write(cls)
        # versions count among the rows of the same prm and versionning_by attributes
        scope = {k: v for k, v in attrs.items() if k in versionning_by} if versionning else attrs
        with _locking.writing(cls, alias, f"client {client_id}'s curves {sorted(blobs)}"):
            keys = [(client_id, prm, *sorted(scope.items())) for prm in blobs]
            q.lock_keys(cls, keys, alias)
            if versionning:
                cls._append_versions(alias, client_id, blobs, attrs, scope)
            else:
                cls._overwrite(alias, client_id, blobs, attrs)

    @classmethod
    def _attributes(cls, attributes_to_set: Any) -> dict:
        attrs = dict(attributes_to_set or {})
        own = {f.name for f in cls._meta.concrete_fields if f.name not in _OWN_FIELDS}
        unknown = sorted(set(attrs) - own)
        if unknown:
            raise InvalidAttrsError(
                f"attributes_to_set of {cls._meta.label} may name its own fields {sorted(own)}; "
                f"not {unknown}"
            )
        return attrs

    @classmethod
    def _append_versions(
        cls, alias: str, client_id: int, blobs: dict, attrs: dict, scope: dict
    ) -> None:
        """New rows, each numbered one above the newest version of its prm in ``scope``."""
        manager = cls._default_manager.using(alias)
        newest: dict[str, int] = {}
        for part in _batches(list(blobs)):
            found = manager.filter(client_id=client_id, prm__in=part, **scope).values("prm")
            newest.update(found.annotate(top=Max("version")).values_list("prm", "top"))
        rows = [
            cls(
                client_id=client_id,
                prm=prm,
                data=blob,
                version=newest[prm] + 1 if prm in newest else 0,
                **attrs,
            )
            for prm, blob in blobs.items()
        ]
        _bulk.insert(cls, rows, alias)

    @classmethod
    def _overwrite(cls, alias: str, client_id: int, blobs: dict, attrs: dict) -> None:
        """Overwrite the row of each prm (whatever its version), or create it (version 0)."""
        manager = cls._default_manager.using(alias)
        found: dict[str, list[int]] = defaultdict(list)
        for part in _batches(list(blobs)):
            rows = manager.filter(client_id=client_id, prm__in=part, **attrs)
            for pk, prm in rows.values_list("pk", "prm"):
                found[prm].append(pk)
        several = sorted(prm for prm, pks in found.items() if len(pks) > 1)
        if several:
            raise cls.MultipleObjectsReturned(
                f"{cls.__name__} holds several versions of {several[:5]} for client "
                f"{client_id}: write with versionning=True, or clear the old versions first"
            )
        now = timezone.now()
        updated = [
            cls(pk=found[prm][0], data=blob, last_modified=now)  # type: ignore[misc]  # (django-stubs: pk=)
            for prm, blob in blobs.items()
            if prm in found
        ]
        _bulk.update(cls, updated, ["data", "last_modified"], alias)
        created = [
            cls(client_id=client_id, prm=prm, data=blob, **attrs)
            for prm, blob in blobs.items()
            if prm not in found
        ]
        _bulk.insert(cls, created, alias)

    # ------------------------------------------------------------------ reading
    @classmethod
    def get_lc(
        cls,
        prm: str,
        client_id: int,
        combined_versions: bool = True,
        version: int | None = None,
        custom_filters: Mapping[str, Any] | None = None,
        combined_by: Sequence[str] = ("prm",),
        order_by: Sequence[str] = ("-version",),
        combined_delay: pd.Timedelta | None = None,
    ) -> list[dict]:
        """The stored curves of ``prm``, as dicts of the row's fields with ``'data'`` (the
        Series) and ``'last_modified'``: one per group of ``combined_by`` values, versions
        combined (the first in ``order_by`` wins where it has values; ``combined_delay`` first
        drops that much from the start of each), or every version (``combined_versions=False``),
        or version ``version`` only. ``[]`` when nothing is stored."""
        check_ids(cls, client_id, [prm])
        filters = check_lookups(cls, custom_filters, "custom_filters")
        qs = cls._default_manager.filter(prm=prm, client_id=client_id, **filters)
        if version is not None:
            qs = qs.filter(version=version)
        entries = cls._entries(qs.order_by(*cls._order(order_by)))
        if combined_versions:
            entries = combine(entries, combined_by, combined_delay)
        return entries

    @classmethod
    def get_many_lc(
        cls,
        prms: Iterable[str],
        client_id: int,
        combined_versions: bool = True,
        custom_filters: Mapping[str, Any] | None = None,
        combined_by: Sequence[str] = ("prm",),
        order_by: Sequence[str] = ("-version",),
        combined_delay: pd.Timedelta | None = None,
    ) -> defaultdict[str, list[dict]]:
        """:meth:`get_lc` of many prms at once: ``{prm: [entries]}`` (a ``defaultdict``, as
        in holcstore 0.5/0.6: an absent prm reads as ``[]``). One query per 500 prms."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        prms = [prms] if isinstance(prms, str) else list(prms)
        order = cls._order(order_by)
        results: defaultdict[str, list[dict]] = defaultdict(list)
        for part in _batches(prms):
            qs = cls._default_manager.filter(prm__in=part, client_id=client_id, **filters)
            for entry in cls._entries(qs.order_by(*order)):
                results[entry["prm"]].append(entry)
        if combined_versions:
            for prm, entries in results.items():
                results[prm] = combine(entries, combined_by, combined_delay)
        return results

    @classmethod
    def get_last_version_lc(
        cls,
        prm: str,
        client_id: int,
        custom_filters: Mapping[str, Any] | None = None,
        order_by: Sequence[str] = ("-version",),
    ) -> pd.Series | None:
        """The curve of the first row of ``prm`` in ``order_by`` (the newest version), not
        combined with the others; None when nothing is stored."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        qs = cls._default_manager.filter(prm=prm, client_id=client_id, **filters)
        entries = cls._entries(qs.order_by(*cls._order(order_by))[:1])
        return entries[0]["data"] if entries else None

    @classmethod
    def _order(cls, order_by: Sequence[str]) -> list[str]:
        order = [order_by] if isinstance(order_by, str) else list(order_by)
        check_lookups(cls, {name.lstrip("-"): None for name in order}, "order_by")
        return order

    @classmethod
    def _entries(cls, qs: models.QuerySet) -> list[dict]:
        """The rows of ``qs`` as dicts of their fields, ``'data'`` decoded."""
        names = [f.attname for f in cls._meta.concrete_fields]
        entries = []
        for row in qs.values_list(*names):
            entry = dict(zip(names, row, strict=True))
            if entry["data"] is None:
                raise CorruptBlobError(
                    f"{cls._meta.label} row id={entry['id']} (prm {entry['prm']!r}) holds no "
                    "data; delete it or write its curve again"
                )
            entry["data"] = arrow.read_series(entry["data"])
            entries.append(entry)
        return entries

    # ------------------------------------------------------------------ counting, deleting
    @classmethod
    def count(cls, client_id: int, custom_filters: Mapping[str, Any] | None = None) -> int:
        """Rows of ``client_id`` (every version counts)."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        return cls._default_manager.filter(client_id=client_id, **filters).count()

    @classmethod
    def clear(
        cls,
        prms: Iterable[str],
        client_id: int,
        version: int | None = None,
        custom_filters: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete the rows of ``prms`` of ``client_id`` (only ``version``, if given)."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        prms = [prms] if isinstance(prms, str) else list(prms)
        if version is not None:
            filters["version"] = version
        with _locking.writing(cls, router.db_for_write(cls), f"client {client_id}'s curves"):
            for part in _batches(prms):
                cls._default_manager.filter(prm__in=part, client_id=client_id, **filters).delete()

    @classmethod
    def clear_all(
        cls, client_id: int | None = None, custom_filters: Mapping[str, Any] | None = None
    ) -> None:
        """Delete every row matching ``custom_filters`` (of ``client_id``, if given)."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        if client_id is not None:
            filters["client_id"] = client_id
        cls._default_manager.filter(**filters).delete()

    # ------------------------------------------------------------------ holes
    @classmethod
    def find_holes(
        cls,
        client_id: int,
        sd: TimeBound,
        ed: TimeBound,
        freq: str = "30min",
        prms: Iterable[str] | None = None,
        chunk_size: int = 50,
        freq_margin: Any = _NO_MARGIN,
        custom_filters: Mapping[str, Any] | None = None,
        combined_by: Sequence[str] = ("prm",),
        order_by: Sequence[str] = ("-version",),
    ) -> Iterator[tuple[str, list[tuple[pd.Timestamp, pd.Timestamp]]]]:
        """Yield ``(prm, holes)`` per prm: the missing stretches of its combined curve on the
        grid ``pd.date_range(sd, ed, freq)`` (both bounds included), each ``(first missing,
        last missing)`` widened by ``freq_margin`` (None: by ``freq``). A prm with nothing
        stored is one hole ``(sd, ed)``. ``prms=None``: every prm of the client. Reads
        ``chunk_size`` prms at a time."""
        filters = check_lookups(cls, custom_filters, "custom_filters")
        grid = Grid(sd, ed, freq)
        margin = pd.to_timedelta(freq if freq_margin is None else freq_margin)
        if prms is None:
            qs = cls._default_manager.filter(client_id=client_id, **filters)
            prms = list(qs.order_by("prm").values_list("prm", flat=True).distinct())
        prms = [prms] if isinstance(prms, str) else list(prms)
        size = max(1, int(chunk_size))
        for part in (prms[i : i + size] for i in range(0, len(prms), size)):
            data = cls.get_many_lc(
                part, client_id, custom_filters=filters, combined_by=combined_by, order_by=order_by
            )
            for prm in part:
                entries = data.get(prm) or []
                if not entries:
                    yield prm, [(grid.first, grid.last)]
                    continue
                holes = []
                for first, last in missing_runs(entries[0]["data"], grid.index, prm):
                    holes.append((first - margin, last + margin))
                yield prm, holes

    @classmethod
    def find_groups(
        cls,
        client_id: int,
        prms: Iterable[str],
        drr: Any,
        freq: str = "30min",
        combined_by: Sequence[str] = ("prm",),
        order_by: Sequence[str] = ("-version",),
    ) -> tuple[defaultdict, defaultdict]:
        """Group ``prms`` by identical missing ranges within ``drr`` (a
        :class:`~hostore.tools.ranges.Range`, bounds included), so that a caller fetches
        each range once per group: ``(groups, data)`` with ``groups`` ``{Range: [prm, ...]}``
        (a prm with nothing in ``drr`` is under ``drr`` itself) and ``data`` what
        :meth:`get_many_lc` read, sliced to ``drr`` (prms with nothing in it left out)."""
        from ..tools.ranges import Range

        grid = Grid(drr.sd, drr.ed, freq)
        prms = [prms] if isinstance(prms, str) else list(prms)
        data = cls.get_many_lc(prms, client_id, combined_by=combined_by, order_by=order_by)
        groups: defaultdict = defaultdict(list)
        for prm in prms:
            entries = data.get(prm)
            if not entries:
                groups[drr].append(prm)
                continue
            entry = entries[0]
            serie = entry["data"]
            check_awareness(serie.index, grid.index, prm)
            entry["data"] = serie = serie[(serie.index >= grid.first) & (serie.index <= grid.last)]
            if not serie.notna().any():
                groups[drr].append(prm)
                del data[prm]
                continue
            for first, last in missing_runs(serie, grid.index, prm):
                groups[Range(first, last)].append(prm)
        return groups, data


# ---------------------------------------------------------------------- helpers
def _items(dataseries: Any) -> list[tuple[Any, Any]]:
    if isinstance(dataseries, pd.DataFrame):
        if not dataseries.columns.is_unique:
            dup = dataseries.columns[dataseries.columns.duplicated()].tolist()
            raise InvalidAttrsError(f"the DataFrame names prms {dup} more than once")
        return list(dataseries.items())
    if isinstance(dataseries, Mapping):
        return list(dataseries.items())
    raise InvalidAttrsError(
        f"dataseries must be a dict of Series or a DataFrame, not {type(dataseries).__name__}"
    )


def _batches(items: list) -> Iterator[list]:
    for i in range(0, len(items), _BATCH):
        yield items[i : i + _BATCH]
