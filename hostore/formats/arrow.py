"""Arrow blobs of the key:value stores: a series as Feather (LZ4), a frame as Parquet (zstd).

These are the formats holcstore 0.5/0.6 wrote, so that their tables keep working in place and
what we write stays readable by them:

- ``Store`` and ``TimeseriesStore`` keep a series as an Arrow IPC file ("Feather v2") of a
  one-column table, LZ4-compressed, the index stored through pyarrow's pandas metadata.
  Releases running pandas < 2.2 wrote the index as a leading column named ``index`` instead:
  both layouts are read.
- ``DataFrameStore`` keeps a frame as Parquet, zstd-compressed, through pyarrow too. The
  frame's ``attrs`` and its index's ``freq`` (which Parquet does not keep) travel in the
  file's key-value metadata, so that a frame comes back equal, ``freq`` included.
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

from ..exceptions import CorruptBlobError

_OLD_INDEX = "index"  # the index column of blobs written with pandas < 2.2
_META_KEY = b"hostore"
_ATTRS_KEY = b"PANDAS_ATTRS"  # where pandas itself keeps ``DataFrame.attrs`` in Parquet


def write_series(serie: pd.Series, column: str) -> bytes:
    """A series as Feather (LZ4): a table of one column named ``column``, plus its index."""
    table = pa.Table.from_pandas(serie.to_frame(name=column), preserve_index=True)
    sink = io.BytesIO()
    feather.write_feather(table, sink, compression="lz4")
    return sink.getvalue()


def read_series(blob: bytes | memoryview) -> pd.Series:
    """The series of a Feather blob of either layout (its value column's name as name)."""
    try:
        frame = feather.read_table(pa.BufferReader(_as_bytes(blob))).to_pandas()
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
    return frame.iloc[:, 0]


def write_frame(frame: pd.DataFrame, keep_index: bool = True) -> bytes:
    """A frame as Parquet (zstd). ``keep_index=False`` drops the index (0..n-1 on read)."""
    table = pa.Table.from_pandas(frame, preserve_index=None if keep_index else False)
    extra: dict[bytes, bytes] = {}
    if frame.attrs:
        extra[_ATTRS_KEY] = json.dumps(frame.attrs).encode()
    freq = getattr(frame.index, "freqstr", None) if keep_index else None
    if freq:
        extra[_META_KEY] = json.dumps({"index_freq": freq}).encode()
    if extra:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    sink = io.BytesIO()
    parquet.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def read_frame(blob: bytes | memoryview) -> pd.DataFrame:
    """The frame of a Parquet blob, with its ``attrs`` and index ``freq`` when recorded."""
    try:
        table = parquet.read_table(pa.BufferReader(_as_bytes(blob)))
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise CorruptBlobError(
            f"a {len(blob)}-byte blob is not a readable Parquet file: {exc}"
        ) from exc
    frame = table.to_pandas()
    metadata = table.schema.metadata or {}
    if _ATTRS_KEY in metadata:
        frame.attrs = json.loads(metadata[_ATTRS_KEY])
    ours: dict[str, Any] = json.loads(metadata.get(_META_KEY, b"{}"))
    if ours.get("index_freq") and isinstance(frame.index, pd.DatetimeIndex):
        # (unless the index no longer follows its freq)
        with contextlib.suppress(ValueError):
            frame.index = pd.DatetimeIndex(frame.index, freq=ours["index_freq"])
    return frame


def _as_bytes(blob: bytes | memoryview) -> bytes:
    return blob if isinstance(blob, bytes) else bytes(blob)
