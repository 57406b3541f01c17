"""Local dates and times in a named time zone, as holcstore 0.5/0.6's ``_localise_*`` helpers
gave them, computed with :mod:`zoneinfo` (0.5/0.6 used ``pytz`` without declaring it).

The results carry the same instants and UTC offsets as 0.5/0.6's, with a
``zoneinfo.ZoneInfo`` as ``tzinfo`` instead of a pytz zone. One consequence of Python's
model of time zones (not of these helpers): subtracting two datetimes of the *same* zone
object gives their wall-clock difference (``23:59:59.999999`` over a 23-hour DST day),
where pytz's fixed-offset datetimes gave the elapsed time (``22:59:59.999999``); convert to
UTC first to measure elapsed time. Likewise (PEP 495), a datetime within an hour repeated
by a DST change compares unequal to every datetime of another zone, even at the same instant;
compare ``.astimezone(datetime.timezone.utc)`` or ``.timestamp()`` values instead. Offsets
with seconds are exact (Paris before 1911: +00:09:21), where pytz rounded them (+00:09).

Wall times that a DST change makes ambiguous or skips are not rejected (as in 0.5/0.6):

- a skipped wall time takes the offset in force before the change: ``2024-03-31 02:30`` in
  Paris is ``02:30+01:00`` as a ``datetime``, and the same instant (``03:30+02:00``) as a
  ``pd.Timestamp``, which pandas normalises;
- a repeated wall time is read in *standard* time for a ``datetime`` (pytz's
  ``is_dst=False``): ``2024-10-27 02:30`` in Paris is ``02:30+01:00``, its second occurrence;
  but in *summer* time for a ``pd.Timestamp`` (``02:30+02:00``), as 0.5/0.6 gave through
  pandas.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import cast

import pandas as pd

from ..exceptions import TimezoneAwarenessError

TZ_PARIS = "Europe/Paris"
_LAST_MICROSECOND = dt.time(23, 59, 59, 999999)
_ZERO = dt.timedelta(0)


def get_zone(timezone_name: str) -> zoneinfo.ZoneInfo:
    """The zone named ``timezone_name``; ``zoneinfo.ZoneInfoNotFoundError`` (a ``KeyError``,
    like pytz's ``UnknownTimeZoneError``) for an unknown name or a non-string (None)."""
    if not isinstance(timezone_name, str):
        raise zoneinfo.ZoneInfoNotFoundError(f"No time zone found with key {timezone_name!r}")
    return zoneinfo.ZoneInfo(timezone_name)


def _offset(aware: dt.datetime) -> dt.timedelta:
    """The UTC offset of an aware datetime (``utcoffset()``, which is None only for naive
    ones)."""
    return cast(dt.timedelta, aware.utcoffset())


def _reading(naive: dt.datetime, zone: zoneinfo.ZoneInfo, standard: bool) -> dt.datetime:
    """``naive`` as a wall time of ``zone``.

    A wall time skipped by a DST change takes the offset in force before the change (PEP
    495's ``fold=0``). A repeated one is read in standard time if ``standard`` (pytz's
    ``is_dst=False``), else in summer time; when the zone's data mark both occurrences (or
    neither) as summer time, the later one is taken with ``standard``, the earlier without.
    Both rules reproduce what holcstore 0.5/0.6 gave (checked against it on every transition
    of every zone from 1971 to 2037).
    """
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if _offset(first) <= _offset(second):  # an ordinary or a skipped wall time
        return first
    # usually the first occurrence is summer time and the second standard time; zones with
    # a "negative" summer time (Europe/Dublin) have it the other way round
    reversed_roles = first.dst() == _ZERO and second.dst() != _ZERO
    if standard:
        return first if reversed_roles else second
    return second if reversed_roles else first


def localise_date(
    pydate: dt.date,
    time: dt.time = dt.time(),
    timezone_name: str | None = TZ_PARIS,
) -> dt.datetime:
    """The ``datetime`` of ``time`` on the day ``pydate``, in zone ``timezone_name``.

    A ``datetime`` (or ``pd.Timestamp``) given as ``pydate`` only gives its date. With
    ``timezone_name=None`` the result is naive. An aware ``time`` raises
    :class:`~hostore.exceptions.TimezoneAwarenessError` (a ``ValueError``, as in 0.5/0.6)
    unless ``timezone_name`` is None. DST: see the module's documentation (standard time).
    """
    combined = dt.datetime.combine(pydate, time)
    if timezone_name is None:
        return combined
    zone = get_zone(timezone_name)
    if combined.tzinfo is not None:
        raise TimezoneAwarenessError(
            f"localise_date needs a naive time of day, got {time!r} with tzinfo {time.tzinfo}"
        )
    return _reading(combined, zone, standard=True)


def localise_date_interval(
    date_start: dt.date,
    date_end: dt.date,
    timezone_name: str | None = TZ_PARIS,
) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last microsecond of the days ``date_start`` .. ``date_end``:
    ``(date_start 00:00, date_end 23:59:59.999999)`` in ``timezone_name`` (naive if None).

    Nothing checks that ``date_start <= date_end`` (as in 0.5/0.6).
    """
    return (
        localise_date(date_start, dt.time(), timezone_name),
        localise_date(date_end, _LAST_MICROSECOND, timezone_name),
    )


def localise_datetime(pydatetime: dt.datetime, timezone_name: str = TZ_PARIS) -> dt.datetime:
    """The naive ``pydatetime`` read as a wall time of ``timezone_name``.

    A ``pd.Timestamp`` gives a ``pd.Timestamp`` (nanoseconds kept), a ``datetime`` a
    ``datetime``. An aware value raises :class:`~hostore.exceptions.TimezoneAwarenessError`
    (a ``ValueError``, as in 0.5/0.6). DST: see the module's documentation — the two types
    resolve ambiguous and skipped wall times differently, as they did in 0.5/0.6.
    """
    zone = get_zone(timezone_name)
    if pydatetime.tzinfo is not None:
        raise TimezoneAwarenessError(
            f"localise_datetime needs a naive datetime, got {pydatetime!r} (tzinfo is set); "
            "use tz_convert_datetime to convert an aware one"
        )
    if isinstance(pydatetime, pd.Timestamp):
        wall = dt.datetime(*pydatetime.timetuple()[:6])  # offsets change on whole seconds
        offset = _offset(_reading(wall, zone, standard=False))
        return (pydatetime - offset).tz_localize("UTC").tz_convert(zone)
    return _reading(pydatetime, zone, standard=True)


def tz_convert_datetime(pydatetime: dt.datetime, timezone_name: str = TZ_PARIS) -> dt.datetime:
    """``pydatetime`` converted to ``timezone_name`` (the same instant).

    As in 0.5/0.6 (and as ``datetime.astimezone`` does), a naive ``datetime`` is taken as
    the machine's local time; a naive ``pd.Timestamp`` raises pandas' ``TypeError``.
    """
    return pydatetime.astimezone(get_zone(timezone_name))


def localised_now(timezone_name: str = TZ_PARIS) -> dt.datetime:
    """The current time in ``timezone_name``, an aware ``datetime``.

    Correction of 0.5/0.6, which labelled the machine's local wall time as UTC and so was
    only right on machines running in UTC: this is right whatever the machine's time zone.
    """
    return dt.datetime.now(get_zone(timezone_name))
