"""Every error holcstore raises on purpose.

Each class also subclasses the builtin (or Django) exception a caller would naturally
catch, so ``except ValueError`` keeps working while tests and callers can be precise.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError


class HostoreError(Exception):
    """Base class of all holcstore errors."""


class StoreConfigurationError(HostoreError, ImproperlyConfigured):
    """A store class declares invalid settings (``STORE_FREQ``, ``STORE_TZ``, ...)."""


class InvalidAttrsError(HostoreError, ValueError):
    """``attrs``/``filters`` do not name the store's business keys as required."""


class InvalidSeriesError(HostoreError, ValueError):
    """The series to write breaks an input rule; nothing was written."""


class OffGridError(InvalidSeriesError):
    """Timestamps that are not slots of the store's grid (never silently dropped)."""


class DuplicateTimestampError(InvalidSeriesError):
    """The same slot appears more than once in the series."""


class AmbiguousTimeError(InvalidSeriesError):
    """A naive timestamp is ambiguous or does not exist in ``STORE_TZ`` (DST change)."""


class NonNumericError(HostoreError, TypeError):
    """The series' values or index have a type the store cannot hold."""


class SeriesExistsError(HostoreError, IntegrityError):
    """A plain write targets a series that already has live data."""


class InvalidPayloadError(HostoreError, ValueError):
    """A chunk payload given to ``import_chunks`` is malformed; nothing was imported."""


class UnknownCodecError(HostoreError, ValueError):
    """A blob names a codec this installation does not know, or a store names one."""


class CorruptBlobError(HostoreError, ValueError):
    """A blob names a known codec but cannot be decoded (truncated or damaged bytes)."""


class SyncSafetyError(HostoreError, ValueError):
    """A deletion would hide changes from sync clients (``keep_tracking=False`` on a store
    declaring ``ALLOW_CLIENT_SERVER_SYNC = True``)."""


class SyncError(HostoreError):
    """Base class of the errors of replication (``hostore.sync``)."""


class SyncConfigurationError(SyncError, ImproperlyConfigured):
    """A sync view or client is set up on a store that cannot be synced."""


class SyncProtocolError(SyncError, ValueError):
    """A sync request or answer breaks the wire format (see ``docs/sync.md``)."""


class SyncHTTPError(SyncError):
    """A sync request failed: a refusal (4xx), or errors that outlasted every retry.

    ``url`` and ``status`` (None when no answer came) name what failed.
    """

    def __init__(self, message: str, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url, self.status = url, status


class TimeseriesExistsError(SeriesExistsError, ValueError):
    """``TimeseriesStore.set_ts`` over a stored series without ``update`` or ``replace``
    (holcstore 0.5/0.6 raised ``ValueError``: both can be caught)."""


class SeriesNotFoundError(HostoreError, ValueError):
    """``get_ts(..., flat=True)`` found no series for the attributes."""


class MultipleSeriesError(HostoreError, ValueError):
    """``get_ts(..., flat=True)`` (or an update) found several series for the attributes."""


class InvalidFrameError(HostoreError, TypeError):
    """``DataFrameStore`` was given something that is not a storable DataFrame."""


class InvalidRangeError(HostoreError, ValueError, AssertionError):
    """A ``Range`` whose start is after its end (holcstore 0.5/0.6 raised ``AssertionError``)."""


class InvalidBoundsError(HostoreError, ValueError):
    """Time bounds that cannot be compared with the stored curves (a naive bound on aware
    data, or the reverse), or a start after the end where that is refused."""


class TimezoneAwarenessError(HostoreError, ValueError, TypeError):
    """A time zone-aware value where a naive one is required (``localise_datetime``; holcstore
    0.5/0.6 raised ``ValueError``), or naive and aware series mixed (``ts_combine_first``;
    0.5/0.6 raised pandas' ``TypeError``). Time bounds raise :class:`InvalidBoundsError`."""


class InvalidMetaError(HostoreError, TypeError):
    """``DataFrameStore`` was given a ``meta`` that is not a JSON object (holcstore 0.6
    raised ``TypeError``)."""


class InvalidFileError(HostoreError, ValueError):
    """A file given to ``hostore_import`` (or its options) breaks a rule; nothing was
    imported. ``line`` is the 1-based file line (CSV, header included) or row (Parquet) at
    fault, when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class FileColumnsError(InvalidFileError):
    """The file lacks a column the import needs, or names one it cannot use."""


class FileRowError(InvalidFileError):
    """A row of the file holds a value that cannot be imported (timestamp, number, key,
    off-grid time, duplicate): the message starts with its line (or row) number."""


class InvalidQuestionError(HostoreError, ValueError):
    """A question across series (``coverage``, ``holes``, ``total_ts``, ``aggregate_ts``) was
    given an argument it cannot use: an unknown ``how`` or ``period``, a ``min_coverage``
    outside (0, 1], a ``min_slots`` below 1. Bounds with the start after the end raise
    :class:`InvalidBoundsError`, filters naming other fields :class:`InvalidAttrsError`."""


class LockTimeoutError(HostoreError, OperationalError):
    """A store write waited more than ``HOSTORE["LOCK_TIMEOUT"]`` seconds for the lock of
    its series (another writer held it); nothing was written. The message names the store
    and the series."""


class CorruptChunkError(CorruptBlobError):
    """A stored chunk is damaged (its checksum fails, or it does not decode): the message
    names the store, the series' keys, the chunk's index and its period."""
