"""Shift this process's wall clock by ``HOSTORE_E2E_CLOCK_SHIFT`` seconds (end-to-end test).

Python imports ``sitecustomize`` at startup from ``sys.path``: the test puts this directory on
the ``PYTHONPATH`` of one client process, which then lives hours ahead of (or behind) the
server, as a deployment with a wrong clock would. Shifted: ``time.time``, ``time.time_ns``,
the ``time`` functions that default to the current time, and ``django.utils.timezone.now``,
through which Django and holcstore read the time (patched before Django is imported anywhere
else, so that field defaults such as ``default=timezone.now`` take the shifted one too).
``datetime.datetime.now`` is a method of a C type and cannot be replaced; ``time.monotonic``
is left alone, as a wrong wall clock does not move it.
"""

import os

_SHIFT = float(os.environ.get("HOSTORE_E2E_CLOCK_SHIFT") or 0)


def _install(shift: float) -> None:
    import datetime
    import functools
    import time

    real_time, real_time_ns = time.time, time.time_ns

    def shifted_time() -> float:
        return real_time() + shift

    def shifted_time_ns() -> int:
        return real_time_ns() + round(shift * 1e9)

    def defaulting(function):
        @functools.wraps(function)
        def wrapper(*args):
            return function(*args) if args and args[0] is not None else function(shifted_time())

        return wrapper

    time.time, time.time_ns = shifted_time, shifted_time_ns
    for name in ("gmtime", "localtime", "ctime"):
        setattr(time, name, defaulting(getattr(time, name)))

    try:
        from django.utils import timezone
    except ImportError:
        return
    real_now, delta = timezone.now, datetime.timedelta(seconds=shift)

    @functools.wraps(real_now)
    def shifted_now():
        return real_now() + delta

    timezone.now = shifted_now


if _SHIFT:
    _install(_SHIFT)
