"""The benchmark's correctness checks: a wrong result must stop it, a right one must not."""

import numpy as np
import pandas as pd
import pytest

from bench.checks import WrongResult, same_chunks, same_series, trim

INDEX = pd.date_range("2023-03-26", periods=6, freq="30min", tz="Europe/Paris")


def serie(values, index=INDEX):
    return pd.Series(values, index=index[: len(values)], dtype=float)


def test_equal_series_pass_nan_included():
    same_series(serie([1, np.nan, 3]), serie([1, np.nan, 3]), "x", tz="Europe/Paris")
    same_series(None, None, "x")


@pytest.mark.parametrize(
    ("got", "want", "message"),
    [
        (
            serie([1, 2, 4]),
            serie([1, 2, 3]),
            r"value at 2023-03-26 01:00:00\+01:00 is 4.0, expected 3.0",
        ),
        (serie([1, np.nan]), serie([1, 2]), "value at .* is nan, expected 2.0"),
        (serie([1, 2]), serie([1, 2, 3]), "x: expected 3 points, got 2"),
        (None, serie([1]), "x: expected 1 points, got nothing"),
        (serie([1]), None, "x: expected nothing, got 1 points"),
        (serie([1, 2], INDEX[1:]), serie([1, 2]), "timestamp #0 is 2023-03-26 00:30"),
    ],
)
def test_wrong_series_are_named(got, want, message):
    with pytest.raises(WrongResult, match=message):
        same_series(got, want, "x")


def test_the_zone_is_checked_when_asked():
    utc = serie([1, 2]).tz_convert("UTC")
    same_series(utc, serie([1, 2]), "x")  # the same instants
    with pytest.raises(WrongResult, match="index in zone UTC, expected Europe/Paris"):
        same_series(utc, serie([1, 2]), "x", tz="Europe/Paris")


def test_trim_drops_leading_and_trailing_nan_only():
    got = trim(serie([np.nan, 1, np.nan, 2, np.nan]))
    pd.testing.assert_series_equal(got, serie([1, np.nan, 2], INDEX[1:]))
    assert trim(serie([np.nan, np.nan])) is None


def test_chunk_mappings_name_the_series_and_chunks_that_differ():
    want = {"m1": [(0, "float64", b"a"), (1, "float64", b"b")]}
    same_chunks({"m1": list(want["m1"])}, want, "x")
    with pytest.raises(WrongResult, match=r"series m1: chunks \[0\] instead of \[0, 1\]"):
        same_chunks({"m1": want["m1"][:1]}, want, "x")
    with pytest.raises(WrongResult, match="series m1: chunk bytes differ"):
        same_chunks({"m1": [(0, "float64", b"a"), (1, "float64", b"c")]}, want, "x")
    with pytest.raises(WrongResult, match=r"series m2: chunks \[0\] instead of \[\]"):
        same_chunks({**want, "m2": [(0, "float64", b"a")]}, want, "x")
