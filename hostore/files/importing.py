"""Import a file into a store: streamed, checked batch by batch, all or nothing.

Long files (``keys..., timestamp, value``) must hold each series' rows together (the way
they are usually written, and the way ``hostore_export`` writes them): a series is written
once its rows are over, so memory holds one series and one batch. A series whose rows come
back after another series' is an error naming the line (sort the file by its keys, or
import the parts one after the other with ``--update``).

Wide files (a timestamp column, a column per series) are written batch by batch: the first
part of a series with the chosen mode, the next parts merged (``update=True``); their times
must be unique over the file. A ``Store`` cannot merge, so a wide file into a ``Store``
holds its curves in memory until the end.

Every write runs in one transaction: an error on any line leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import router

from ..exceptions import FileColumnsError, FileRowError, InvalidFileError
from ..grid import nanoseconds
from ..models import _locking
from . import parsing
from .reading import Batch, FileReader
from .stores import Target


@dataclass
class ImportOptions:
    """How to read the file (see ``hostore_import --help``)."""

    keys: tuple[str, ...] | None = None  # None: the store's default key names
    fixed: Mapping[str, str] = field(default_factory=dict)  # --set key=value
    timestamp: str = "timestamp"
    value: str = "value"
    wide: bool = False
    key_sep: str | None = None
    tz: str | None = None  # zone of naive times (None: the store's)
    mode: str = "insert"  # insert, update or replace
    flush_points: int = 2_000_000  # values buffered before a bulk write


@dataclass
class ImportResult:
    series: int = 0
    points: int = 0  # values written (missing ones not counted)
    rows: int = 0
    batches: int = 0


class _Importer:
    def __init__(self, target: Target, reader: FileReader, options: ImportOptions, progress):
        self.target, self.reader, self.opts = target, reader, options
        self.progress = progress or (lambda rows: None)
        self.result = ImportResult()
        fixed_names = tuple(options.fixed)
        keys = options.keys
        if keys is None:
            keys = tuple(k for k in target.default_keys() if k not in fixed_names)
        self.keys = tuple(keys)
        self.names = (*self.keys, *fixed_names)
        target.check_names(self.names)
        self.fixed = tuple(options.fixed.values())
        self.naive_tz = options.tz or target.tz
        self.step = target.step_ns()
        self._clean_cache: dict[tuple, tuple] = {}
        self.style = parsing.TimeStyle()

    # ---------------------------------------------------------------- helpers
    def key(self, raw: tuple, batch: Batch, position: int, what: str) -> tuple:
        try:
            found = self._clean_cache.get(raw)
            if found is None:
                found = self._clean_cache[raw] = self.target.clean_key(self.names, raw)
            return found
        except ValueError as exc:
            line = batch.where(position)
            raise FileRowError(f"{batch.unit} {line}: {what}: {exc}", line=line) from None

    def times(self, batch: Batch) -> pd.DatetimeIndex:
        target = self.target
        index = parsing.timestamps(batch, self.opts.timestamp, self.naive_tz, self.style)
        index = index.rename(None)
        if target.tz is not None and index.tz is not None:
            index = index.tz_convert(target.tz)
        parsing.check_grid(batch, index, self.step, target.label, target.freq, target.tz)
        return index

    def write(self, mapping: dict, mode: str) -> None:
        if mapping:
            self.target.write(self.names, mapping, mode)

    # ---------------------------------------------------------------- long files
    def run_long(self) -> None:
        opts, reader = self.opts, self.reader
        reader.require(self.keys, "key")
        reader.require([opts.timestamp], "timestamp")
        reader.require([opts.value], "value")
        pending: _Series | None = None
        done: dict[tuple, int] = {}  # key -> first line of its rows
        buffer: dict[tuple, pd.Series] = {}
        buffered = 0
        texts = [*self.keys, opts.timestamp]
        for batch in reader.iter_batches(texts, [opts.value], opts.timestamp):
            n = len(batch.frame)
            index, values = self.times(batch), parsing.numbers(batch, opts.value)
            change = np.zeros(n, dtype=bool)
            if n:
                change[0] = True
            for name in self.keys:  # (codes: no Python string per row)
                codes = pd.factorize(batch.frame[name], use_na_sentinel=False)[0]
                change[1:] |= codes[1:] != codes[:-1]
            starts = np.flatnonzero(change)
            ends = np.append(starts[1:], n)
            key_cells = batch.frame[list(self.keys)].iloc[starts].to_numpy()
            for cells, s, e in zip(key_cells, starts.tolist(), ends.tolist(), strict=True):
                key = self.key((*cells, *self.fixed), batch, s, "key")
                if pending is None or key != pending.key:
                    if pending is not None:
                        buffered += self.finish(pending, buffer)
                        if buffered >= opts.flush_points:
                            self.write(buffer, opts.mode)
                            buffer, buffered = {}, 0
                    if key in done:
                        line = batch.where(s)
                        raise FileRowError(
                            f"{batch.unit} {line}: the rows of series "
                            f"{dict(zip(self.names, key, strict=True))} started on "
                            f"{batch.unit} {done[key]} and come back here after another "
                            "series': sort the file by its key columns (or import its parts "
                            "one after the other with --update)",
                            line=line,
                        )
                    pending = _Series(key, batch.where(s), batch.unit)
                    done[key] = pending.first
                pending.add(index[s:e], values[s:e])
            self.result.rows += n
            self.progress(n)
        if pending is not None:
            self.finish(pending, buffer)
        self.write(buffer, opts.mode)

    def finish(self, pending: _Series, buffer: dict) -> int:
        """Check one complete series (duplicates) and buffer it; returns its length."""
        index = pending.index()
        values = np.concatenate(pending.values)
        dup = parsing.first_duplicate(nanoseconds(index))
        if dup is not None:
            first, again = (pending.first + p for p in dup)
            raise FileRowError(
                f"{pending.unit} {again}: the time {index[dup[1]]} of series "
                f"{dict(zip(self.names, pending.key, strict=True))} is already on "
                f"{pending.unit} {first}: drop or aggregate duplicated rows first",
                line=again,
            )
        count = int(np.count_nonzero(~np.isnan(values)))
        if count:
            buffer[pending.key] = pd.Series(values, index=index)
            self.result.series += 1
            self.result.points += count
        return len(values)

    # ---------------------------------------------------------------- wide files
    def run_wide(self) -> None:
        opts, reader = self.opts, self.reader
        reader.require([opts.timestamp], "timestamp")
        columns = [c for c in reader.columns if c != opts.timestamp]
        if not columns:
            raise FileColumnsError("a wide file needs a column per series besides the times")
        keys: dict[str, tuple] = {}
        for column in columns:
            parts = column.split(opts.key_sep) if opts.key_sep else [column]
            if len(parts) != len(self.keys):
                raise FileColumnsError(
                    f"column {column!r} does not give one value per key {list(self.keys)}"
                    + ("" if opts.key_sep else ": split it with --key-sep")
                    + (" (fix the others with --set key=value)" if len(self.keys) > 1 else "")
                )
            try:
                key = self.target.clean_key(self.names, (*parts, *self.fixed))
            except ValueError as exc:
                raise FileColumnsError(f"column {column!r}: {exc}") from None
            if key in keys.values():
                raise FileColumnsError(f"column {column!r} names the same series as another")
            keys[column] = key
        seen = np.empty(0, dtype=np.int64)
        written: set[tuple] = set()
        held: dict[tuple, list[pd.Series]] = {}  # stores that cannot merge: kept to the end
        for batch in reader.iter_batches([opts.timestamp], columns, opts.timestamp):
            index = self.times(batch).rename(None)
            ns = nanoseconds(index)
            dup = parsing.first_duplicate(ns)
            again = np.isin(ns, seen)
            if dup is not None or again.any():
                p = dup[1] if dup is not None else int(np.flatnonzero(again)[0])
                line = batch.where(p)
                raise FileRowError(
                    f"{batch.unit} {line}: the time {index[p]} is already on an earlier "
                    f"{batch.unit}: drop or aggregate duplicated rows first",
                    line=line,
                )
            seen = np.union1d(seen, ns)
            fresh, more = {}, {}
            for column, key in keys.items():
                values = parsing.numbers(batch, column)
                count = int(np.count_nonzero(~np.isnan(values)))
                if not count:
                    continue
                serie = pd.Series(values, index=index)
                self.result.points += count
                if not self.target.merges:
                    held.setdefault(key, []).append(serie)
                elif key in written:
                    more[key] = serie
                else:
                    fresh[key] = serie
            self.write(fresh, opts.mode)
            self.write(more, "update")
            written.update(fresh)
            self.result.rows += len(batch.frame)
            self.progress(len(batch.frame))
        if held:
            self.write({k: pd.concat(parts) for k, parts in held.items()}, opts.mode)
            written.update(held)
        self.result.series = len(written)


@dataclass
class _Series:
    """The rows of one series met so far (consecutive lines from ``first``)."""

    key: tuple
    first: int
    unit: str
    indexes: list = field(default_factory=list)
    values: list = field(default_factory=list)

    def add(self, index: pd.DatetimeIndex, values: np.ndarray) -> None:
        self.indexes.append(index)
        self.values.append(values)

    def index(self) -> pd.DatetimeIndex:
        first = self.indexes[0]
        return first.append(self.indexes[1:]) if len(self.indexes) > 1 else first


def import_file(
    target: Target,
    reader: FileReader,
    options: ImportOptions,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Import the file of ``reader`` into ``target``'s store in one transaction; an
    :class:`~hostore.exceptions.InvalidFileError` (or a store error) leaves it unchanged."""
    if options.mode not in ("insert", "update", "replace"):
        raise InvalidFileError(f"unknown import mode {options.mode!r}")
    importer = _Importer(target, reader, options, progress)
    alias = router.db_for_write(target.model)
    with _locking.writing(target.model, alias, "the series of the file"):
        if options.wide:
            importer.run_wide()
        else:
            importer.run_long()
    importer.result.batches = reader.batches
    return importer.result
