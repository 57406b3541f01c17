"""Arrow blobs of the key:value stores: a series as Feather (LZ4), a frame as Parquet (zstd).

These are the formats holcstore 0.5/0.6 wrote, so that their tables keep working in place and
what we write stays readable by them:

- ``Store`` and ``TimeseriesStore`` keep a series as an Arrow IPC file ("Feather v2") of a
  one-column table, LZ4-compressed, the index stored through pyarrow's pandas metadata.
  Releases running pandas < 2.2 wrote the index as a leading column named ``index`` instead:
  both layouts are read.
- ``DataFrameStore`` keeps a frame as Parquet, zstd-compressed, through pyarrow too.

Parquet and pyarrow's pandas conversion lose a few things on the way back: the frame's
``attrs`` and its index's ``freq``, the categories of a categorical (all of them when they
are numbers, the unused ones of text), the ``object`` dtype (pandas 3 reads text as
``str``), second units, the storage of a ``string`` column. What the frame had is noted in
the file's key-value metadata (a key of our own, which 0.5/0.6 ignore) and restored on
read. :func:`write_frame` then proves on the frame's first rows that it comes back with the
same columns, dtypes and index, and refuses (:class:`~hostore.exceptions.InvalidFrameError`)
a frame that would not: a stored frame reads back equal, or is not stored.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as parquet

from ..exceptions import CorruptBlobError, InvalidFrameError

_OLD_INDEX = "index"  # the index column of blobs written with pandas < 2.2
_META_KEY = b"hostore"
_ATTRS_KEY = b"PANDAS_ATTRS"  # where pandas itself keeps ``DataFrame.attrs`` in Parquet
# write_frame proves the round trip on this many first rows: what pyarrow loses depends on
# the dtypes and labels, which any slice has, not on the values
_PROBE_ROWS = 16
_CATEGORY_KINDS = "iufb"  # categories (besides text) restored from the notes


def write_series(serie: pd.Series, column: str) -> bytes:
    """A series as Feather (LZ4): a table of one column named ``column``, plus its index.

    Times are written in nanoseconds, as holcstore 0.5/0.6 wrote them under pandas 2: with
    pandas < 2.2 they cannot combine a version in another unit with theirs (the combined
    index turns to objects). Another unit (pandas 3 makes microseconds) is noted in the
    file's metadata and restored on read.
    """
    notes = {}
    index = serie.index
    if isinstance(index, pd.DatetimeIndex) and index.unit != "ns":
        with contextlib.suppress(pd.errors.OutOfBoundsDatetime):  # (beyond 2262: kept)
            serie = serie.set_axis(index.as_unit("ns"))
            notes["index_unit"] = index.unit
    table = pa.Table.from_pandas(serie.to_frame(name=column), preserve_index=True)
    if notes:
        metadata = {**(table.schema.metadata or {}), _META_KEY: json.dumps(notes).encode()}
        table = table.replace_schema_metadata(metadata)
    sink = io.BytesIO()
    feather.write_feather(table, sink, compression="lz4")
    return sink.getvalue()


def read_series(blob: bytes | memoryview) -> pd.Series:
    """The series of a Feather blob of either layout (its value column's name as name)."""
    try:
        table = feather.read_table(pa.BufferReader(_as_bytes(blob)))
        frame = table.to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise CorruptBlobError(
            f"a {len(blob)}-byte blob is not a readable Feather file: {exc}"
        ) from exc
    if _OLD_INDEX in frame.columns and len(frame.columns) > 1:
        frame = frame.set_index(_OLD_INDEX)
        frame.index.name = None  # that layout lost the index's name
    if len(frame.columns) != 1:
        raise CorruptBlobError(
            f"a Feather series has one value column, this blob has {list(frame.columns)}"
        )
    serie = frame.iloc[:, 0]
    unit = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}")).get("index_unit")
    if unit and isinstance(serie.index, pd.DatetimeIndex):
        serie.index = serie.index.as_unit(unit)
    return serie


def write_frame(frame: pd.DataFrame, keep_index: bool = True) -> bytes:
    """A frame as Parquet (zstd). ``keep_index=False`` drops the index (0..n-1 on read).

    Raises :class:`~hostore.exceptions.InvalidFrameError` when the frame cannot be stored
    or would not read back with the same labels, dtypes, index, ``freq`` and ``attrs``.
    """
    _refuse_lossy_labels(frame, keep_index)
    blob = _encode(frame, keep_index)
    probe = frame if len(frame) <= _PROBE_ROWS else frame.iloc[:_PROBE_ROWS]
    back = read_frame(blob if probe is frame else _encode(probe, keep_index))
    _check_same_layout(probe if keep_index else probe.reset_index(drop=True), back)
    return blob


def read_frame(blob: bytes | memoryview) -> pd.DataFrame:
    """The frame of a Parquet blob, restored as noted at write time (frames written by
    holcstore 0.6 carry no notes: they read as pyarrow converts them)."""
    try:
        table = parquet.read_table(pa.BufferReader(_as_bytes(blob)))
        frame = table.to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise CorruptBlobError(
            f"a {len(blob)}-byte blob is not a readable Parquet file: {exc}"
        ) from exc
    metadata = table.schema.metadata or {}
    if _ATTRS_KEY in metadata:
        frame.attrs = json.loads(metadata[_ATTRS_KEY])
    notes: dict[str, Any] = json.loads(metadata.get(_META_KEY, b"{}"))
    return _restore(frame, notes)


# ---------------------------------------------------------------------- writing
def _refuse_lossy_labels(frame: pd.DataFrame, keep_index: bool) -> None:
    """Labels pyarrow would silently turn into text (it only warns): refused up front."""
    if frame.columns.has_duplicates:
        dups = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
        raise InvalidFrameError(f"the frame has duplicate column names {dups[:5]}; rename them")
    for level in _levels(frame.columns):
        if level.dtype == object and "mixed" in pd.api.types.infer_dtype(level, skipna=False):
            raise InvalidFrameError(
                f"the column labels mix types ({list(level[:5])}...); they would come back "
                "as text: make them all strings (or all numbers)"
            )
    if keep_index:
        names = [n for n in frame.index.names if n is not None and not isinstance(n, str)]
        if names:
            raise InvalidFrameError(
                f"the index names {names} are not strings; they would come back as text: "
                "rename them (df.rename_axis)"
            )


def _encode(frame: pd.DataFrame, keep_index: bool) -> bytes:
    extra: dict[bytes, bytes] = {}
    try:  # before pyarrow, which would only warn and drop them
        if frame.attrs:
            extra[_ATTRS_KEY] = json.dumps(frame.attrs, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidFrameError(f"the frame's attrs are not storable as JSON: {exc}") from exc
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None if keep_index else False)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise InvalidFrameError(f"the frame cannot be stored as Parquet: {exc}") from exc
    notes = _notes(frame, keep_index)
    if notes:
        extra[_META_KEY] = json.dumps(notes).encode()
    if extra:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    sink = io.BytesIO()
    parquet.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _notes(frame: pd.DataFrame, keep_index: bool) -> dict[str, Any]:
    """What the frame had that Parquet and pyarrow may lose, for :func:`_restore`."""
    notes: dict[str, Any] = {
        "dtypes": [_dtype_note(dtype) for dtype in frame.dtypes],
        "column_dtypes": [_dtype_name(level.dtype) for level in _levels(frame.columns)],
    }
    if isinstance(frame.columns, pd.RangeIndex):  # (read back as integers otherwise)
        columns = frame.columns
        notes["column_range"] = [columns.start, columns.stop, columns.step]
    if not frame.shape[1]:  # Parquet keeps no row count without columns
        index = frame.index if keep_index else pd.RangeIndex(len(frame))
        if isinstance(index, pd.RangeIndex):
            notes["range_rows"] = [index.start, index.stop, index.step, index.name]
    categories = {
        str(i): note
        for i, dtype in enumerate(frame.dtypes)
        if (note := _categories_note(dtype)) is not None
    }
    if keep_index:
        notes["index_dtypes"] = [_dtype_name(level.dtype) for level in _levels(frame.index)]
        note = _categories_note(frame.index.dtype)
        if note is not None and not isinstance(frame.index, pd.MultiIndex):
            categories["index"] = note
        freq = getattr(frame.index, "freqstr", None)
        if freq:
            notes["index_freq"] = freq
    if categories:
        notes["categories"] = categories
    return notes


def _dtype_note(dtype) -> str | None:
    return None if isinstance(dtype, pd.CategoricalDtype) else _dtype_name(dtype)


def _dtype_name(dtype) -> str:
    """``str(dtype)``, with the storage of a ``string`` dtype (both print ``string``)."""
    if isinstance(dtype, pd.StringDtype) and str(dtype) == "string":
        return f"string[{dtype.storage}]"
    return str(dtype)


def _categories_note(dtype) -> dict[str, Any] | None:
    if not isinstance(dtype, pd.CategoricalDtype):
        return None
    categories = dtype.categories
    # Parquet's dictionary keeps text categories only while some value uses them (and the
    # dictionary stays small), numbers not at all: both are noted
    text = pd.api.types.infer_dtype(categories, skipna=False) in ("string", "empty")
    if categories.dtype.kind not in _CATEGORY_KINDS and not text:
        return None  # refused by the round-trip check
    return {
        "values": categories.tolist(),
        "dtype": str(categories.dtype),
        "ordered": bool(dtype.ordered),
    }


# ---------------------------------------------------------------------- reading
def _restore(frame: pd.DataFrame, notes: dict[str, Any]) -> pd.DataFrame:
    wanted = notes.get("dtypes") or []
    if len(wanted) == frame.shape[1]:
        have = [_dtype_name(dtype) for dtype in frame.dtypes]
        for i in [
            i for i, (w, h) in enumerate(zip(wanted, have, strict=True)) if w not in (None, h)
        ]:
            column = frame.iloc[:, i]
            restored = _as_dtype(column, wanted[i])
            if restored is not column:
                frame.isetitem(i, restored)
    for where, note in (notes.get("categories") or {}).items():
        if where == "index":
            frame.index = pd.CategoricalIndex(
                _categorical(frame.index, note), name=frame.index.name
            )
        elif int(where) < frame.shape[1]:
            frame.isetitem(int(where), _categorical(frame.iloc[:, int(where)], note))
    if "range_rows" in notes and not frame.shape[1]:
        start, stop, step, name = notes["range_rows"]
        empty = pd.DataFrame(
            index=pd.RangeIndex(start, stop, step, name=name), columns=frame.columns
        )
        frame = empty.__finalize__(frame)  # type: ignore[operator]  # (not in pandas-stubs)
    frame.columns = _restore_levels(frame.columns, notes.get("column_dtypes"))
    if "column_range" in notes and len(range(*notes["column_range"])) == frame.shape[1]:
        start, stop, step = notes["column_range"]
        frame.columns = pd.RangeIndex(start, stop, step, name=frame.columns.name)
    if "index_dtypes" in notes and "index" not in (notes.get("categories") or {}):
        frame.index = _restore_levels(frame.index, notes["index_dtypes"])
    freq = notes.get("index_freq")
    if freq and isinstance(frame.index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        # (unless the index no longer follows its freq, or this pandas spells it otherwise)
        with contextlib.suppress(ValueError, TypeError):
            frame.index = type(frame.index)(frame.index, freq=freq)
    return frame


def _as_dtype(values, wanted: str):
    """``values`` (a Series or an Index) in the dtype ``wanted`` when pyarrow gave another
    one of the same family: ``object`` for text, a datetime unit, a string storage, a
    nullable number for floats with NaN."""
    if _dtype_name(values.dtype) == wanted:
        return values
    if wanted == "object":
        restored = values.astype(object)
        if values.dtype.kind in "OUT" or isinstance(values.dtype, pd.StringDtype):
            restored = restored.where(values.notna(), None)  # missing text read as None
        return restored
    try:
        target = pd.api.types.pandas_dtype(wanted)
    except (TypeError, ValueError):
        return values  # a dtype this pandas does not know: left as pyarrow made it
    kind, have = getattr(target, "kind", None), getattr(values.dtype, "kind", None)
    same_family = (
        (kind in ("M", "m") and have == kind)
        or (isinstance(target, pd.StringDtype) and isinstance(values.dtype, pd.StringDtype))
        or (
            getattr(target, "na_value", None) is pd.NA
            and kind is not None
            and kind in "iufb"
            and have is not None
            and have in "iufbO"
        )
    )
    return values.astype(target) if same_family else values


def _categorical(values, note: dict[str, Any]) -> pd.Categorical:
    dtype: Any = pd.api.types.pandas_dtype(note["dtype"])
    if dtype.kind not in _CATEGORY_KINDS + "O":  # "O": object, and pandas' string dtypes
        dtype = object  # text noted as ``str`` by pandas 3, read by pandas 2
    categories = pd.Index(note["values"], dtype=dtype)
    return pd.Categorical(values, categories=categories, ordered=note["ordered"])


def _restore_levels(index: pd.Index, wanted: list[str] | None) -> pd.Index:
    if not wanted:
        return index
    levels = _levels(index)
    if len(levels) != len(wanted):
        return index
    restored = [_as_dtype(level, dtype) for level, dtype in zip(levels, wanted, strict=True)]
    if all(r is level for r, level in zip(restored, levels, strict=True)):
        return index
    if isinstance(index, pd.MultiIndex):
        return index.set_levels(restored, verify_integrity=False)
    return restored[0]


def _levels(index: pd.Index) -> list[pd.Index]:
    return list(index.levels) if isinstance(index, pd.MultiIndex) else [index]


# ---------------------------------------------------------------------- checking
def _check_same_layout(frame: pd.DataFrame, back: pd.DataFrame) -> None:
    """Refuse a frame whose labels, dtypes or index would not come back as they are."""
    problems = []
    if not _same_index(frame.columns, back.columns):
        problems.append(f"the column labels would come back as {back.columns!r}")
    for i, (dtype, got) in enumerate(zip(frame.dtypes, back.dtypes, strict=False)):
        if dtype != got:
            problems.append(
                f"column {frame.columns[i]!r} would come back as {got!r}, not {dtype!r}"
            )
    if not _same_index(frame.index, back.index):
        problems.append(
            f"the index ({type(frame.index).__name__}, {_index_dtypes(frame.index)}) would "
            f"come back as {type(back.index).__name__}, {_index_dtypes(back.index)}"
        )
    if back.attrs != frame.attrs:
        problems.append(f"attrs would come back as {back.attrs!r}")
    if problems:
        raise InvalidFrameError(
            "the frame cannot be stored exactly: " + "; ".join(problems[:5]) + ". Convert "
            "these to common dtypes (numbers, text, datetimes, categoricals of text) first"
        )


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    return (
        type(a) is type(b)
        and _index_dtypes(a) == _index_dtypes(b)
        and list(a.names) == list(b.names)
        and getattr(a, "freq", None) == getattr(b, "freq", None)
        and a.equals(b)
    )


def _index_dtypes(index: pd.Index) -> list:
    if isinstance(index, pd.MultiIndex):
        return [level.dtype for level in index.levels]
    return [index.dtype]


def _as_bytes(blob: bytes | memoryview) -> bytes:
    return blob if isinstance(blob, bytes) else bytes(blob)
