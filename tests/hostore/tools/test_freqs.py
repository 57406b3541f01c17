"""Frequency helpers: 0.5/0.6's ``pd_freq_fix`` and ``pd_min_freq``, and the translation of
pandas' retired aliases (``H``, ``T``...) that pandas 3 rejects."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import pytest

from hostore.tools import modern_freq, pd_freq_fix, pd_min_freq, to_step


@pytest.mark.parametrize(
    ("given", "fixed"),
    [("H", "1H"), ("h", "1h"), ("min", "1min"), ("D", "1D"), ("30min", "30min"), ("15T", "15T"),
     ("-1h", "1-1h"), ("W-MON", "1W-MON")],
)  # fmt: skip
def test_pd_freq_fix_prefixes_a_count(given, fixed):
    assert pd_freq_fix(given) == fixed


def test_pd_freq_fix_returns_other_types_unchanged_with_a_warning(caplog):
    hour = pd.Timedelta("1h")
    with caplog.at_level(logging.WARNING, logger="hostore.utils.timeseries"):
        assert pd_freq_fix(None) is None
        assert pd_freq_fix(hour) is hour
    assert caplog.messages == [
        "freq_str None is not a string",
        "freq_str 0 days 01:00:00 is not a string",
    ]


def test_pd_freq_fix_of_empty_text_raises_index_error():
    with pytest.raises(IndexError):
        pd_freq_fix("")


@pytest.mark.parametrize(
    ("given", "modern"),
    [("H", "h"), ("1H", "1h"), ("15T", "15min"), ("T", "min"), ("S", "s"), ("10L", "10ms"),
     ("U", "us"), ("N", "ns"), ("1H30T", "1h30min"), ("0.5H", "0.5h"),
     # current aliases and longer ones that merely contain a retired letter are left alone
     ("h", "h"), ("30min", "30min"), ("MS", "MS"), ("SM", "SM"), ("W-SUN", "W-SUN"),
     ("BH", "BH"), ("QS", "QS"), ("D", "D")],
)  # fmt: skip
def test_modern_freq(given, modern):
    assert modern_freq(given) == modern


def test_modern_freq_gives_working_frequencies_without_warnings():
    # pytest turns warnings into errors: pandas 2.2 warns on "H", pandas 3 rejects it
    index = pd.date_range("2024-01-01", periods=3, freq=modern_freq("H"))
    assert index[1] - index[0] == pd.Timedelta("1h")
    assert modern_freq(None) is None
    offset = pd.offsets.Minute(15)
    assert modern_freq(offset) is offset


@pytest.mark.parametrize(
    ("value", "step"),
    [("h", "1h"), ("H", "1h"), ("30min", "30min"), ("15T", "15min"), ("D", "1D"),
     (pd.Timedelta("2h"), "2h"), (dt.timedelta(minutes=5), "5min"),
     (pd.offsets.Minute(15), "15min"), (0, "0s")],
)  # fmt: skip
def test_to_step(value, step):
    assert to_step(value) == pd.Timedelta(step)


def test_pd_min_freq():
    regular = pd.date_range("2024-01-01", periods=5, freq="30min", tz="UTC")
    assert pd_min_freq(regular) == pd.Timedelta("30min")
    assert pd_min_freq(regular[::-1]) == pd.Timedelta("30min")  # absolute value
    assert pd_min_freq(regular[:1]) is None and pd_min_freq(regular[:0]) is None
    assert pd_min_freq(regular[[0, 0, 1]]) == pd.Timedelta(0)
    # steps are taken in the index's order: [4, -2] -> abs(-2)
    got = pd_min_freq(pd.Index([1, 5, 3]))
    assert got == 2 and isinstance(got, np.integer)
    # absolute time over a DST change: every step of an hourly Paris index is one hour
    paris = pd.date_range("2024-10-27 00:00", periods=5, freq="h", tz="Europe/Paris")
    assert pd_min_freq(paris) == pd.Timedelta("1h")
