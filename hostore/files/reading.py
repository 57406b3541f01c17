"""Stream a CSV or Parquet file as pandas batches that know their place in the file.

Neither format is read whole: CSV by ``pyarrow.csv.open_csv`` (blocks of about the
wanted number of rows), Parquet by
``pyarrow.parquet.ParquetFile.iter_batches``, so memory holds one batch of rows at a time.
Every batch carries the position of its first row, so that errors name it: for CSV the file
line (1-based, the header being line 1: exact for files without line breaks inside quoted
fields), for Parquet the row (1-based).
"""

from __future__ import annotations

import csv
import gc
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..exceptions import FileColumnsError, FileRowError, InvalidFileError
from ..grid import OUTPUT_UNIT

FORMATS = ("csv", "parquet")
# what a value cell may hold for "no value" (key and timestamp cells are kept as written)
NA_VALUES = ["", "nan", "NaN", "NA", "N/A", "null", "NULL", "None"]


def file_format(path: str, given: str | None = None) -> str:
    """``csv`` or ``parquet``: ``given``, else from the file's extension."""
    if given:
        return given
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext in ("csv", "txt"):
        return "csv"
    if ext in ("parquet", "pq"):
        return "parquet"
    raise InvalidFileError(
        f"cannot tell the format of {path!r} from its extension: name it .csv or .parquet, "
        "or pass --format csv|parquet"
    )


@dataclass
class Batch:
    """Consecutive rows of the file, the first of them at ``first`` (a line or a row)."""

    frame: pd.DataFrame
    first: int
    unit: str  # "line" (CSV) or "row" (Parquet)

    def where(self, position: int) -> int:
        """The line (or row) number of the batch's row at ``position``."""
        return self.first + int(position)


class FileReader:
    """The columns of a file, then its rows in batches of about ``rows``."""

    def __init__(self, path: str, fmt: str, rows: int = 100_000) -> None:
        if not os.path.exists(path):
            raise InvalidFileError(f"no file at {path!r}")
        self.path, self.format, self.rows = path, fmt, max(int(rows), 1)
        self.unit = "line" if fmt == "csv" else "row"
        self.batches = 0  # batches read so far (memory stays one batch deep)
        try:
            if fmt == "csv":
                self.columns = _csv_header(path)
                self.total_rows = None
            else:
                meta = pq.ParquetFile(path)
                self.columns = list(meta.schema_arrow.names)
                self.total_rows = meta.metadata.num_rows
        except (ValueError, OSError, UnicodeDecodeError, pa.ArrowException) as exc:
            raise InvalidFileError(f"cannot read {path!r} as {fmt}: {exc}") from None
        repeated = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if repeated:
            raise FileColumnsError(f"the file names the columns {repeated} more than once")

    def require(self, names: Sequence[str], what: str) -> None:
        """:class:`FileColumnsError` unless the file has every column of ``names``."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise FileColumnsError(
                f"the file has no {what} column(s) {missing}; its columns are {self.columns}. "
                "Name them with --keys / --timestamp / --value, or rename the file's header"
            )

    def iter_batches(
        self, text: Sequence[str], values: Sequence[str], time: str | None = None
    ) -> Iterator[Batch]:
        """Batches of the columns ``text`` (read as text in CSV: keys, timestamps) and
        ``values`` (numbers; empty cells and ``NA_VALUES`` are missing values). CSV times
        of the column ``time`` are parsed by pyarrow when they all follow the first row's
        style (with or without offsets), else handed over as text."""
        if self.format == "csv":
            yield from self._csv(text, values, time)
        else:
            yield from self._parquet([*text, *values])

    def _block_size(self) -> int:
        """Bytes per CSV block for about ``rows`` rows (line length from the file's start)."""
        with open(self.path, "rb") as f:
            head = f.read(1 << 16)
        per_line = len(head) / max(head.count(b"\n"), 1)
        return int(min(max(per_line * self.rows, 1 << 12), 1 << 30))

    def _csv(self, text: Sequence[str], values: Sequence[str], time: str | None):
        # pyarrow's streaming reader: exact float parsing under every pandas, rows with too
        # many or too few cells are errors (pandas 2 drops extra cells in some chunks), and
        # ISO 8601 times are parsed in C++. On a cell it cannot convert, the rest of the
        # file is read again with the times as text (pandas then parses them, or names the
        # bad line); a second failure is a bad number or row, found by _diagnose.
        wanted = [*text, *values]
        types = {name: pa.string() for name in text} | {name: pa.float64() for name in values}
        fast = dict(types)
        if time is not None:
            zone = "UTC" if _first_is_aware(self.path, time) else None
            fast[time] = pa.timestamp(OUTPUT_UNIT, tz=zone)  # the unit pandas makes
        first = 2
        for attempt in (fast, types):
            try:
                for record in self._csv_blocks(wanted, attempt, first - 2):
                    self.batches += 1
                    frame = record.to_pandas()
                    yield Batch(frame[wanted], first, "line")
                    first += len(frame)
                    del frame
                    _collect()
                return
            except pa.ArrowInvalid as exc:
                if attempt is types or fast == types:
                    raise _diagnose(self.path, first, self.columns, values, exc) from None

    def _csv_blocks(self, wanted, types, skip: int) -> Iterator[pa.RecordBatch]:
        yield from pa_csv.open_csv(
            self.path,
            read_options=pa_csv.ReadOptions(
                block_size=self._block_size(), skip_rows_after_names=skip
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                include_columns=wanted,
                null_values=NA_VALUES,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _parquet(self, wanted: Sequence[str]) -> Iterator[Batch]:
        first = 1
        for record in pq.ParquetFile(self.path).iter_batches(
            batch_size=self.rows, columns=list(wanted)
        ):
            self.batches += 1
            frame = record.to_pandas()
            yield Batch(frame[list(wanted)], first, "row")
            first += len(frame)
            del frame
            _collect()


def _collect() -> None:
    """Free the batch just handled: pandas objects form reference cycles, which only the
    cycle collector frees, and it runs by object counts, not bytes: without this, a few
    batches of garbage pile up (measured: 8 MB instead of 1.4 MB on 5,000-row batches)."""
    gc.collect(1)


_OFFSET = re.compile(r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$")


def _first_is_aware(path: str, time: str) -> bool:
    """Whether the first row's time (column ``time``) ends in a UTC offset."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows, [])
        first = next(rows, None)
    if first is None or time not in header or len(first) != len(header):
        return False
    return bool(_OFFSET.search(first[header.index(time)].strip()))


def _csv_header(path: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise InvalidFileError(f"{path!r} is empty: a CSV file starts with a header line")
    return header


def _diagnose(path: str, first: int, columns: list[str], values, exc) -> InvalidFileError:
    """The error of the first bad line at or after line ``first`` (only run once the fast
    reader has failed: a plain scan of the lines of one block)."""
    positions = [columns.index(name) for name in values]
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        for number, row in enumerate(rows, start=1):
            if number < first:
                continue
            if len(row) != len(columns):
                return FileRowError(
                    f"line {number}: {len(row)} cells where the header has {len(columns)}: "
                    "fix that line (a missing or extra separator?)",
                    line=number,
                )
            for position in positions:
                cell = row[position]
                if cell in NA_VALUES:
                    continue
                try:
                    float(cell)
                except ValueError:
                    return FileRowError(
                        f"line {number}: {cell!r} in column {columns[position]!r} is not a "
                        "number; leave the cell empty for a missing value",
                        line=number,
                    )
    return InvalidFileError(
        f"{path!r} is not a CSV file this import can read after line {first - 1}: {exc}"
    )
