"""yield_many_ts streams: memory stays bounded by a few pages of series, not the table."""

from __future__ import annotations

import contextlib
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

from hostore import codecs
from hostore.exceptions import CorruptBlobError
from hostore.models import _driver
from tests.testapp.models import HourlyStore, YearlyStore

N_SERIES = 80


def test_yield_many_ts_holds_a_few_series_at_a_time(db):
    rng = np.random.default_rng(7)
    index = pd.date_range("2024-01-01", "2024-12-31 23:30", freq="30min", tz="Europe/Paris")
    # random floats do not compress: buffering every blob would cost as much as the table
    mapping = {f"m{i:03d}": pd.Series(rng.random(len(index)), index=index) for i in range(N_SERIES)}
    YearlyStore.set_many_ts(mapping, keys=("meter",))
    one_series = len(index) * 8
    with override_settings(HOSTORE={"READ_CHUNK_SIZE": 2}):
        tracemalloc.start()
        try:
            seen, total = 0, 0.0
            for serie, attrs in YearlyStore.yield_many_ts({}):
                assert serie.equals(mapping[attrs["meter"]])
                seen, total = seen + 1, total + serie.sum()
                del serie
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == N_SERIES
    assert total == sum(s.sum() for s in mapping.values())
    # pages of two rows: one page decoded, the next one arriving, the series cut by the page
    # end, the one handed out, and the transient buffers of decoding
    assert peak < 10 * one_series < N_SERIES * one_series / 6


def _months(meter: int, months: int) -> pd.Series:
    """An hourly series over ``months`` month chunks, its values telling the meter apart."""
    index = pd.date_range("2024-01-01", periods=months * 24 * 28, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(len(index), dtype=float) + 1000 * meter, index=index)


@pytest.fixture
def meters(db):
    """Twelve series of three month chunks each, in HourlyStore (kinds m00..m11)."""
    data = {(1, f"m{i:02d}"): _months(i, 3) for i in range(12)}
    HourlyStore.set_many_ts(data, keys=("version", "kind"))
    return data


@override_settings(HOSTORE={"READ_CHUNK_SIZE": 5})
def test_pages_cut_series_and_every_series_comes_back_whole(meters):
    got = {(a["version"], a["kind"]): s for s, a in HourlyStore.yield_many_ts()}
    assert sorted(got) == sorted(meters)
    for key, serie in meters.items():
        assert got[key].equals(serie.asfreq("1h"))


@pytest.mark.parametrize("pipeline", [True, False])
@override_settings(HOSTORE={"READ_CHUNK_SIZE": 5})
def test_each_page_is_decoded_while_the_next_one_is_read(meters, monkeypatch, pipeline):
    """On PostgreSQL the query of the next page is in flight (pipeline mode) while a page
    is decoded; the last page has none left to wait for. Nothing of this on SQLite, nor
    with a libpq older than 14 (no pipeline mode): pages are then decoded, then read."""
    if not pipeline:
        monkeypatch.setattr(_driver, "pipeline_supported", lambda: False)
    seen = []
    decode_many = codecs.decode_many

    def spy(blobs, dtypes):
        seen.append(_pipeline_on())
        return decode_many(blobs, dtypes)

    monkeypatch.setattr(codecs, "decode_many", spy)
    served = sum(1 for _ in HourlyStore.yield_many_ts())
    assert served == len(seen) == len(meters)
    if connection.vendor == "postgresql" and _driver.pipeline_supported():
        assert seen == [True] * 11 + [False]  # the last page (row 36) ends the last series
    else:
        assert not any(seen)
    assert not _pipeline_on()  # no query is left in flight when a series is handed out


def _pipeline_on() -> bool:
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    import psycopg

    return connection.connection.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF


@pytest.mark.parametrize("in_transaction", [False, True])
@override_settings(HOSTORE={"READ_CHUNK_SIZE": 5})
def test_a_corrupt_chunk_met_while_the_next_page_is_read(meters, in_transaction):
    """The error reaches the caller, and the connection (and its transaction) stay usable:
    the page in flight is drained, not left on the wire."""
    chunk = HourlyStore.objects.filter(kind="m01", chunk_index=24289)
    chunk.update(data=bytes(chunk.get().data)[:-40])  # a truncated LZ4 frame
    context = transaction.atomic() if in_transaction else contextlib.nullcontext()
    with context:
        stream = HourlyStore.yield_many_ts()
        first, attrs = next(stream)
        assert attrs == {"version": 1, "kind": "m00"} and first.equals(meters[(1, "m00")])
        with pytest.raises(CorruptBlobError, match="cannot be decoded"):
            next(stream)
        assert not _pipeline_on()
        other = HourlyStore.get_ts({"version": 1, "kind": "m07"})
        assert other.equals(meters[(1, "m07")].asfreq("1h"))
        assert HourlyStore.objects.filter(kind="m01").count() == 3
