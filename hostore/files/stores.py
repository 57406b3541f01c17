"""What the file commands need to know of each store kind, through its public API only.

A :class:`Target` names a store's series keys, the zone of its timestamps and its grid
(when it has one), writes a batch of series and streams series out. One subclass per store
kind: :class:`ChunkTarget` (``TimeseriesChunkStore``), :class:`SeriesTarget`
(``TimeseriesStore``) and :class:`CurveTarget` (``Store``, with its ``client_id``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from django.apps import apps
from django.core.exceptions import ValidationError
from pandas.tseries.frequencies import to_offset

from ..exceptions import InvalidFileError
from ..models import Store, TimeseriesChunkStore, TimeseriesStore

MODES = ("insert", "update", "replace")
_READ_BATCH = 200  # series per query when reading a store without a streaming read


def resolve_model(label: str):
    """The store model named ``app_label.ModelName``, or :class:`InvalidFileError`."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        model = None
    if model is None or not issubclass(model, (TimeseriesChunkStore, TimeseriesStore, Store)):
        raise InvalidFileError(
            f"{label} is not a store model: give app_label.ModelName of a "
            "TimeseriesChunkStore, TimeseriesStore or Store"
        )
    return model


def all_store_models() -> list:
    """Every concrete store model of the project (chunk stores first), by label."""
    kinds = (TimeseriesChunkStore, TimeseriesStore, Store)
    found = [m for m in apps.get_models() if issubclass(m, kinds)]
    return sorted(found, key=lambda m: (not issubclass(m, TimeseriesChunkStore), m._meta.label))


def chunk_keys(model) -> tuple[str, ...]:
    """Business keys of a chunk store, in declaration order."""
    return model._hostore.keys


def expand_filters(model, filters: Sequence[str]) -> dict[str, list[Any]]:
    """``key=value`` / ``key__in=a,b`` options as ``{key: [values]}`` (values as text)."""
    out: dict[str, list[Any]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidFileError(f"--filter takes key=value or key__in=a,b, not {item!r}")
        if name.endswith("__in"):
            out.setdefault(name[:-4], []).extend(v for v in value.split(",") if v != "")
        else:
            out.setdefault(name, []).append(value)
    return out


class Target:
    """A store seen by the file commands."""

    model: Any
    keys: tuple[str, ...]
    tz: str | None = None  # zone of naive timestamps (None: keep them naive)
    freq: str | None = None  # the grid step, for stores that keep a grid

    def __init__(self, model) -> None:
        self.model = model
        self.label = model._meta.label

    # --------------------------------------------------------------- keys
    def clean_key(self, names: Sequence[str], raw: Sequence[Any]) -> tuple:
        """Key values as the fields store them (``"3"`` -> 3), or ValueError."""
        out = []
        for name, value in zip(names, raw, strict=True):
            field = self.model._meta.get_field(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"the {name!r} key is empty")
            try:
                value = field.to_python(value)
                field.run_validators(value)
            except ValidationError as exc:
                raise ValueError(f"{name}={value!r}: {'; '.join(exc.messages)}") from None
            out.append(value)
        return tuple(out)

    def step_ns(self) -> int | None:
        """The grid step in nanoseconds (a calendar day for ``1D``), None without a grid."""
        if self.freq is None:
            return None
        return 86_400 * 10**9 if self.freq.upper() == "1D" else to_offset(self.freq).nanos

    # --------------------------------------------------------------- writing
    merges = True  # whether the store can merge a series written in several parts

    def default_keys(self) -> tuple[str, ...]:
        """The key names an import uses when ``--keys`` is not given."""
        return self.keys

    def check_names(self, names: Sequence[str]) -> None:
        """:class:`InvalidFileError` unless ``names`` (keys and fixed values of an import)
        identify the store's series."""
        if sorted(names) != sorted(self.keys) or len(set(names)) != len(names):
            raise InvalidFileError(
                f"{self.label} names a series by {list(self.keys)}: --keys and --set must "
                f"give each of them once, not {list(names)}"
            )

    def write(self, names: Sequence[str], mapping: dict[tuple, pd.Series], mode: str) -> None:
        """Write ``{key values in the order of names: serie}`` with ``mode`` (insert,
        update or replace)."""
        raise NotImplementedError

    # --------------------------------------------------------------- reading
    def read(self, filters: dict[str, list[Any]], start, end) -> Iterator[tuple[pd.Series, dict]]:
        """Stream ``(serie, attrs)`` of the series matching ``filters`` (values per key)."""
        raise NotImplementedError

    def _check_filter_names(self, filters: Mapping[str, Any], allowed: Sequence[str]) -> None:
        unknown = sorted(set(filters) - set(allowed))
        if unknown:
            raise InvalidFileError(
                f"--filter of {self.label} may use {sorted(allowed)}; not {unknown}"
            )


class ChunkTarget(Target):
    """A ``TimeseriesChunkStore``: bulk ``set_many_ts`` for new series, streamed reads."""

    def __init__(self, model) -> None:
        super().__init__(model)
        self.keys = chunk_keys(model)
        self.tz, self.freq = model.STORE_TZ, model.STORE_FREQ

    def write(self, names, mapping, mode):
        if mode == "insert":
            self.model.set_many_ts(mapping, names)
            return
        for key, serie in mapping.items():
            attrs = dict(zip(names, key, strict=True))
            self.model.set_ts(attrs, serie, update=mode == "update", replace=mode == "replace")

    def read(self, filters, start, end):
        self._check_filter_names(filters, self.keys)
        names = list(filters)
        cleaned = [[self.model._meta.get_field(n).to_python(v) for v in filters[n]] for n in names]
        for combo in itertools.product(*cleaned):  # yield_many_ts takes exact values only
            yield from self.model.yield_many_ts(dict(zip(names, combo, strict=True)), start, end)


def _window(serie: pd.Series, start, end) -> pd.Series:
    """``serie`` cut to an inclusive ``[start, end]`` (naive bounds in the series' zone)."""
    index = cast(pd.DatetimeIndex, serie.index)
    keep = np.ones(len(serie), dtype=bool)
    for bound, after in ((start, True), (end, False)):
        if bound is None:
            continue
        ts = pd.Timestamp(bound)
        if index.tz is not None and ts.tzinfo is None:
            ts = ts.tz_localize(index.tz)
        elif index.tz is None and ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        keep &= np.asarray(index >= ts) if after else np.asarray(index <= ts)
    return serie if keep.all() else serie[keep]


class SeriesTarget(Target):
    """A ``TimeseriesStore``: the user's fields name a series; no grid."""

    def __init__(self, model) -> None:
        super().__init__(model)
        self.keys = tuple(
            f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "data"
        )

    def default_keys(self):
        meta = self.model._meta
        for names in meta.unique_together:
            return tuple(names)
        unique = tuple(n for n in self.keys if meta.get_field(n).unique)
        return unique[:1] or self.keys

    def check_names(self, names):
        unknown = sorted(set(names) - set(self.keys))
        if unknown or not names or len(set(names)) != len(names):
            raise InvalidFileError(
                f"{self.label} names a series by some of its fields {list(self.keys)}: "
                f"--keys and --set must give them once each, not {list(names)}"
            )

    def write(self, names, mapping, mode):
        for key, serie in mapping.items():
            attrs = dict(zip(names, key, strict=True))
            self.model.set_ts(attrs, serie, update=mode == "update", replace=mode == "replace")

    def read(self, filters, start, end):
        self._check_filter_names(filters, self.keys)
        lookups = {f"{name}__in": values for name, values in filters.items()}
        pks = self.model._default_manager.filter(**lookups).order_by("pk")
        pks = list(pks.values_list("pk", flat=True))
        for i in range(0, len(pks), _READ_BATCH):
            for entry in self.model.get_ts({"pk__in": pks[i : i + _READ_BATCH]}):
                serie = _window(entry["data"], start, end)
                yield serie, {name: entry[name] for name in self.keys}


class CurveTarget(Target):
    """A ``Store`` of load curves of one ``client_id``: ``prm`` and its own fields name a
    curve; reads combine versions as ``get_many_lc`` does."""

    def __init__(self, model, client_id: int | None, versionning: bool = False) -> None:
        super().__init__(model)
        if client_id is None:
            raise InvalidFileError(f"{self.label} is a Store: give its --client-id")
        self.client_id, self.versionning = client_id, versionning
        own = ("id", "client_id", "prm", "last_modified", "created_at", "data", "version")
        extra = [f.name for f in model._meta.concrete_fields if f.name not in own]
        self.keys = ("prm", *extra)

    merges = False

    def default_keys(self):
        return ("prm",)

    def check_names(self, names):
        unknown = sorted(set(names) - set(self.keys))
        if unknown or "prm" not in names or len(set(names)) != len(names):
            raise InvalidFileError(
                f"{self.label} names a curve by 'prm' (and its own fields {list(self.keys[1:])}"
                f"): --keys and --set must give 'prm' and any of those once, not {list(names)}"
            )

    def write(self, names, mapping, mode):
        if mode == "update":
            raise InvalidFileError(
                f"{self.label} is a Store: it has no merging write; import without --update "
                "(each curve replaces the stored one) or with --versionning"
            )
        at = list(names).index("prm")
        others = [n for n in names if n != "prm"]
        groups: dict[tuple, dict[str, pd.Series]] = {}
        for key, serie in mapping.items():
            extra = tuple(v for i, v in enumerate(key) if i != at)
            groups.setdefault(extra, {})[str(key[at])] = serie
        for extra, curves in groups.items():
            attrs = dict(zip(others, extra, strict=True)) or None
            self.model.set_many_lc(
                curves, self.client_id, versionning=self.versionning, attributes_to_set=attrs
            )

    def read(self, filters, start, end):
        self._check_filter_names(filters, self.keys)
        lookups = {f"{name}__in": values for name, values in filters.items()}
        rows = self.model._default_manager.filter(client_id=self.client_id, **lookups)
        prms = list(rows.order_by("prm").values_list("prm", flat=True).distinct())
        extra = self.keys[1:]
        for i in range(0, len(prms), _READ_BATCH):
            found = self.model.get_many_lc(
                prms[i : i + _READ_BATCH],
                self.client_id,
                combined_by=self.keys,
                custom_filters={f"{k}__in": v for k, v in filters.items() if k in extra} or None,
            )
            for prm in prms[i : i + _READ_BATCH]:
                for entry in found.get(prm, []):
                    attrs = {"prm": prm, **{k: entry[k] for k in extra}}
                    yield _window(entry["data"], start, end), attrs


def target_for(model, client_id: int | None = None, versionning: bool = False) -> Target:
    """The :class:`Target` of a store model."""
    if issubclass(model, TimeseriesChunkStore):
        return ChunkTarget(model)
    if issubclass(model, TimeseriesStore):
        return SeriesTarget(model)
    return CurveTarget(model, client_id, versionning)
