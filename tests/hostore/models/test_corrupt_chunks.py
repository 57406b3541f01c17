"""Damaged chunks (bytes changed behind the store's back): every read path names the chunk."""

from __future__ import annotations

import re

import lz4.frame
import numpy as np
import pandas as pd
import pytest

from hostore import codecs
from hostore.exceptions import CorruptBlobError, CorruptChunkError, InvalidPayloadError
from tests.conftest import snapshot
from tests.hostore.management.commands import raw_update
from tests.testapp.models import HourlyMirror, HourlyStore

pytestmark = pytest.mark.django_db

A, B = {"version": 1, "kind": "a"}, {"version": 2, "kind": "b"}
APRIL = 2024 * 12 + 3  # the last chunk of A: every read path meets it
MESSAGE = (
    r"^testapp\.HourlyStore: chunk 24291 \(2024-04\) of the series "
    r"\{'version': 1, 'kind': 'a'\} is damaged: "
)


def _serie(seed: int) -> pd.Series:
    index = pd.date_range("2024-01-15", "2024-04-20 23:00", freq="1h", tz="Europe/Paris")
    values = np.round(np.random.default_rng(seed).uniform(0, 500, len(index)), 3)
    return pd.Series(values, index=index)


@pytest.fixture
def stored():
    HourlyStore.set_ts(A, _serie(1))
    HourlyStore.set_ts(B, _serie(2))
    return HourlyStore.objects.get(**A, chunk_index=APRIL)


def _flip(blob: bytes) -> bytes:
    damaged = bytearray(blob)
    damaged[len(damaged) // 2] ^= 0x10
    return bytes(damaged)


DAMAGES = {
    "flip": _flip,
    "truncate": lambda blob: blob[: len(blob) // 2],
    "garbage": lambda blob: b"no blob at all, just garbage",
}

READS = {
    "get_ts": lambda: HourlyStore.get_ts(A),
    "window": lambda: HourlyStore.get_ts(A, "2024-04-02", "2024-04-03"),
    "yield_many_ts": lambda: list(HourlyStore.yield_many_ts({})),
    "get_many_ts": lambda: HourlyStore.get_many_ts({"kind": "a"}),
    "get_max_horodate": lambda: HourlyStore.get_max_horodate(A),
    "total_ts": lambda: HourlyStore.total_ts({}),
    "aggregate_ts max": lambda: HourlyStore.aggregate_ts(A, period="month", how="max"),
    "aggregate_ts sum cut": lambda: HourlyStore.aggregate_ts(A, "2024-04-02", "2024-04-03"),
    "export_chunks": lambda: HourlyStore.export_chunks([{"attrs": A, "chunk_index": APRIL}]),
    "describe_series": lambda: HourlyStore.describe_series([A]),
}
# Coverage and holes read the statistics stored with each chunk (written with it, so right
# whatever happened to the blob since); they decode the blobs of rows without valid ones.
DECODING_COVERAGE = {
    "coverage": lambda: HourlyStore.coverage(A, "2024-04-02", "2024-04-03"),
    "holes": lambda: list(HourlyStore.holes({}, "2024-03-02", "2024-04-03")),
}


def _failures(reads: dict) -> list[str]:
    """Names of the reads that did not raise the expected error."""
    failed = []
    for name, read in reads.items():
        try:
            read()
        except CorruptChunkError as exc:
            assert re.match(MESSAGE, str(exc)), (name, str(exc))
            assert isinstance(exc, CorruptBlobError)
        else:
            failed.append(name)
    return failed


@pytest.mark.parametrize("codec_id", ["lz4", "shuffle-zstd", "delta", "pco"])
@pytest.mark.parametrize("damage", DAMAGES)
def test_every_read_path_names_the_damaged_chunk(stored, codec_id, damage):
    blob = codecs.encode(codecs.decode(bytes(stored.data), "float64"), codec_id)
    raw_update(HourlyStore, stored.pk, data=blob)
    expected, other = HourlyStore.get_ts(A), HourlyStore.get_ts(B)
    assert expected.loc["2024-04"].notna().sum() == 20 * 24
    np.testing.assert_array_equal(expected.loc["2024-04"], _serie(1).loc["2024-04"])
    raw_update(HourlyStore, stored.pk, data=DAMAGES[damage](blob))
    assert _failures(READS) == []
    coverage = HourlyStore.coverage(A, "2024-04-02", "2024-04-03")
    assert coverage["present"].tolist() == [25]  # from the statistics: still right
    raw_update(HourlyStore, stored.pk, stat_at=None)  # statistics no longer valid
    assert _failures({**READS, **DECODING_COVERAGE}) == []
    # the other series, and A's healthy chunks, still read
    pd.testing.assert_series_equal(HourlyStore.get_ts(B), other)
    window = HourlyStore.get_ts(A, "2024-02-01", "2024-02-29 23:00")
    pd.testing.assert_series_equal(window, expected.loc["2024-02"])


@pytest.mark.parametrize("damage", DAMAGES)
def test_an_update_over_a_damaged_chunk_names_it_and_writes_nothing(stored, damage):
    raw_update(HourlyStore, stored.pk, data=DAMAGES[damage](bytes(stored.data)))
    before = snapshot(HourlyStore)
    patch = pd.Series([1.0], index=[pd.Timestamp("2024-04-05", tz="Europe/Paris")])
    with pytest.raises(CorruptChunkError, match=MESSAGE):
        HourlyStore.set_ts(A, patch, update=True)
    assert snapshot(HourlyStore) == before
    HourlyStore.set_ts(A, patch, replace=True)  # the way out: rewrite the series
    assert HourlyStore.get_ts(A).tolist() == [1.0]


def test_import_refuses_a_damaged_chunk(stored):
    items = HourlyStore.export_chunks([{"attrs": A, "chunk_index": APRIL}])
    items[0]["data"] = _flip(items[0]["data"])
    with pytest.raises(InvalidPayloadError, match=r"payload item 0 is invalid.*CorruptBlobError"):
        HourlyMirror.import_chunks(items)
    assert not HourlyMirror.objects.exists()


def test_lz4_chunks_without_checksum_still_read(stored):
    values = codecs.decode(bytes(stored.data), "float64")
    legacy = lz4.frame.compress(values.tobytes())  # how holcstore 0.5 wrote chunks
    assert not lz4.frame.get_frame_info(legacy)["content_checksum"]
    before = HourlyStore.get_ts(A)
    raw_update(HourlyStore, stored.pk, data=legacy)
    pd.testing.assert_series_equal(HourlyStore.get_ts(A), before)
    assert HourlyStore.get_max_horodate(A) == pd.Timestamp("2024-04-20 23:00", tz="Europe/Paris")
