"""Frequency strings and steps: the helpers holcstore 0.5/0.6 code calls, and the translation
of pandas' retired aliases.

pandas 2.2 deprecated the sub-daily aliases ``H``, ``T``, ``S``, ``L``, ``U`` and ``N`` (in
favour of ``h``, ``min``, ``s``, ``ms``, ``us`` and ``ns``) and pandas 3 rejects most of them.
Code written for holcstore 0.5/0.6 passes them (``freq='H'``); :func:`modern_freq` rewrites
them so that they keep their meaning under every supported pandas, without warnings.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pandas as pd

# holcstore 0.5/0.6 logged these warnings under this name: logging set-ups keep working.
LEGACY_LOGGER_NAME = "hostore.utils.timeseries"
logger = logging.getLogger(LEGACY_LOGGER_NAME)

_RETIRED_ALIASES = {"H": "h", "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns"}
# A retired alias is a unit letter at the start of the string or right after a number, and
# not the start of a longer alias ("MS", "SM", "W-SUN", "BH" are left alone).
_RETIRED_RE = re.compile(r"(?:(?<=^)|(?<=[\d.\s]))([HTSLUN])(?![A-Za-z])")


def modern_freq(freq: Any) -> Any:
    """``freq`` with pandas' retired sub-daily aliases replaced by their current spelling.

    ``'H'`` -> ``'h'``, ``'15T'`` -> ``'15min'``, ``'1H30T'`` -> ``'1h30min'``; any other
    value (current aliases, offsets, Timedeltas, None) is returned unchanged.
    """
    if not isinstance(freq, str):
        return freq
    return _RETIRED_RE.sub(lambda match: _RETIRED_ALIASES[match.group(1)], freq)


def pd_freq_fix(freq_str: Any) -> Any:
    """Give a frequency string an explicit count, so that ``pd.to_timedelta`` accepts it.

    A string that does not start with a digit gets a leading ``'1'`` (``'H'`` -> ``'1H'``,
    ``'min'`` -> ``'1min'``); other strings are returned unchanged (``'30min'``). Anything
    that is not a string is returned unchanged, with a warning logged (as in 0.5/0.6). An
    empty string raises ``IndexError`` (as in 0.5/0.6). Aliases are not modernised here (see
    :func:`modern_freq`): the result is the very string 0.5/0.6 returned.
    """
    if not isinstance(freq_str, str):
        logger.warning("freq_str %s is not a string", freq_str)
        return freq_str
    if not freq_str[0].isdigit():  # IndexError on '' (0.5/0.6 behaviour)
        return "1" + freq_str
    return freq_str


def to_step(value: Any) -> pd.Timedelta:
    """A duration given the ways holcstore 0.5/0.6 accepted one, as a ``pd.Timedelta``.

    A ``pd.Timedelta`` is returned as is; a string goes through :func:`pd_freq_fix` and
    :func:`modern_freq` (``'h'``, ``'30min'``, ``'H'``, ``'15T'``); a ``datetime.timedelta``,
    a fixed pandas offset (``Minute(30)``) or a number of nanoseconds is converted.
    """
    if isinstance(value, pd.Timedelta):
        return value
    if isinstance(value, str):
        return pd.to_timedelta(modern_freq(pd_freq_fix(value)))
    return pd.Timedelta(value)


def pd_min_freq(index: pd.Index) -> Any:
    """The smallest step between consecutive entries of ``index``, as an absolute value.

    ``None`` when the index has fewer than two entries. The steps are taken in the index's
    order (not sorted): the result is ``abs(min(index[i+1] - index[i]))``, so an unsorted
    index gives the absolute value of its most negative step, and duplicates give 0. A
    ``DatetimeIndex`` gives a ``pd.Timedelta`` (absolute time, DST changes included), a
    numeric index a numpy number.
    """
    if len(index) < 2:
        return None
    steps = index[1:] - index[:-1]
    return abs(steps.min())
