"""Curve blobs as holcstore 0.5/0.6 wrote them: times in nanoseconds, whatever the index unit.

pandas 3 makes microsecond indexes. Under pandas < 2.2, holcstore 0.5/0.6 cannot combine a
version in microseconds with its own nanosecond versions (the combined index turns to
objects, and reading it fails): ``test_tables_in_place`` found it with 0.5.12 and pandas
2.1. So our curves are written in nanoseconds, and their unit restored on read.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from hostore.formats import arrow


def _index_type(blob: bytes) -> pa.DataType:
    schema = feather.read_table(pa.BufferReader(blob)).schema
    return schema.field(schema.names[-1]).type


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_curves_are_written_in_nanoseconds_and_read_in_their_unit(unit, tz):
    index = pd.date_range("2024-03-31", periods=5, freq="30min", tz=tz, unit=unit, name="t")
    serie = pd.Series([1.0, 2.0, None, 4.0, 5.0], index=index)
    blob = arrow.write_series(serie, "p1")
    assert _index_type(blob) == pa.timestamp("ns", tz=tz)
    back = arrow.read_series(blob)
    pd.testing.assert_series_equal(back, serie.rename("p1"), check_freq=False)
    assert back.index.unit == unit and back.index.name == "t"


def test_times_beyond_nanoseconds_keep_their_unit():
    index = pd.date_range("2300-01-01", periods=3, freq="h", unit="us", tz="UTC")
    serie = pd.Series([1, 2, 3], index=index)
    blob = arrow.write_series(serie, "p1")
    assert _index_type(blob) == pa.timestamp("us", tz="UTC")
    pd.testing.assert_series_equal(arrow.read_series(blob), serie.rename("p1"), check_freq=False)
