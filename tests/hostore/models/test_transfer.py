"""list_updates / export_chunks / import_chunks: the building blocks of replication."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hostore import codecs
from hostore.exceptions import InvalidPayloadError
from hostore.models import _queries
from tests.conftest import snapshot
from tests.testapp.models import HourlyMirror, HourlyStore, ZstdStore

A = {"version": 1, "kind": "a"}
B = {"version": 2, "kind": "b"}


def serie(start="2024-01-30", periods=72, scale=1.0) -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(periods, dtype=float) * scale, index=idx)


def spec_of(updates) -> list[dict]:
    return [{"attrs": u["attrs"], "chunk_index": u["chunk_index"]} for u in updates]


@pytest.fixture
def server(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie(scale=2.0))
    return HourlyStore


def test_list_updates_orders_filters_and_limits(server):
    updates = server.list_updates()
    assert [(u["attrs"], u["chunk_index"]) for u in updates] == [
        (A, 2024 * 12),
        (A, 2024 * 12 + 1),
        (B, 2024 * 12),
        (B, 2024 * 12 + 1),
    ]
    assert all(not u["is_deleted"] for u in updates)
    assert [u["attrs"] for u in server.list_updates(filters={"kind": "b"})] == [B, B]
    assert len(server.list_updates(limit=3)) == 3
    since = updates[1]["updated_at"]
    later = server.list_updates(since=since)
    assert {u["attrs"]["kind"] for u in later} == {"b"}
    server.objects.filter(version=2, chunk_index=2024 * 12).delete()
    last = server.list_updates(since=later[-1]["updated_at"])
    assert [(u["attrs"], u["chunk_index"], u["is_deleted"]) for u in last] == [(B, 2024 * 12, True)]
    with pytest.raises(ValueError, match="business keys"):
        server.list_updates(filters={"data": b""})


def test_export_gives_the_stored_bytes(server):
    exported = server.export_chunks(spec_of(server.list_updates(filters={"version": 1})))
    assert len(exported) == 2
    stored = dict(server.objects.filter(version=1).values_list("chunk_index", "data"))
    for item in exported:
        assert item["attrs"] == A and item["dtype"] == "float64" and not item["is_deleted"]
        assert item["data"] == bytes(stored[item["chunk_index"]])
    assert server.export_chunks([{"attrs": A, "chunk_index": 1999 * 12}]) == []


def test_import_reproduces_the_series_and_is_idempotent(server):
    payload = server.export_chunks(spec_of(server.list_updates()))
    assert HourlyMirror.import_chunks(payload) == {"imported": 4, "deleted": 0}
    for attrs in (A, B):
        pd.testing.assert_series_equal(HourlyMirror.get_ts(attrs), server.get_ts(attrs))
    # all but updated_at, stat_at and sync_seq: a second import is a new write of the same
    # content
    names = [f.attname for f in HourlyMirror._meta.concrete_fields]
    keep = [i for i, n in enumerate(names) if n not in ("updated_at", "stat_at", "sync_seq")]
    first = [[r[i] for i in keep] for r in snapshot(HourlyMirror)]
    assert HourlyMirror.import_chunks(payload) == {"imported": 4, "deleted": 0}
    assert [[r[i] for i in keep] for r in snapshot(HourlyMirror)] == first


def test_import_propagates_deletions(server):
    HourlyMirror.import_chunks(server.export_chunks(spec_of(server.list_updates())))
    server.objects.filter(version=1).delete()
    changed = server.list_updates(filters={"version": 1})
    payload = server.export_chunks(spec_of(changed))
    assert all(p["is_deleted"] and p["data"] == b"" for p in payload)
    assert HourlyMirror.import_chunks(payload) == {"imported": 0, "deleted": 2}
    assert HourlyMirror.get_ts(A) is None
    pd.testing.assert_series_equal(HourlyMirror.get_ts(B), server.get_ts(B))
    assert HourlyMirror.import_chunks(payload) == {"imported": 0, "deleted": 0}


def test_import_keeps_the_blob_codec(db):
    """A client whose own codec differs stores the server's blobs as sent and reads them."""
    from tests.testapp.models import MATRIX, YearlyStore

    lz4_store = MATRIX[("Europe/Paris", "30min", "month")]  # same grid as ZstdStore
    z = pd.Series(
        np.arange(96.0),
        index=pd.date_range("2024-01-31", periods=96, freq="30min", tz="Europe/Paris"),
    )
    ZstdStore.set_ts({"meter": "m"}, z)
    payload = ZstdStore.export_chunks(spec_of(ZstdStore.list_updates()))
    assert all(p["data"][:3] == b"HCS" for p in payload)
    lz4_store.import_chunks([{**p, "attrs": {"name": "m"}} for p in payload])
    blobs = lz4_store.objects.values_list("data", flat=True)
    assert {codecs.codec_of(bytes(b)).codec_id for b in blobs} == {"shuffle-zstd"}
    pd.testing.assert_series_equal(lz4_store.get_ts({"name": "m"}), z)
    with pytest.raises(InvalidPayloadError, match="payload item 0"):  # month vs year chunks
        YearlyStore.import_chunks([{**p, "attrs": {"meter": "m"}} for p in payload])
    assert YearlyStore.objects.count() == 0


def good_item(server) -> dict:
    return server.export_chunks([{"attrs": A, "chunk_index": 2024 * 12}])[0]


BAD_ITEMS = {
    "missing attrs": lambda g: {k: v for k, v in g.items() if k != "attrs"},
    "incomplete attrs": lambda g: {**g, "attrs": {"version": 1}},
    "float chunk_index": lambda g: {**g, "chunk_index": 1.5},
    "bool chunk_index": lambda g: {**g, "chunk_index": True},
    "int dtype": lambda g: {**g, "dtype": "int64"},
    "unknown dtype": lambda g: {**g, "dtype": "nope"},
    "garbage blob": lambda g: {**g, "data": b"garbage-bytes"},
    "truncated blob": lambda g: {**g, "data": g["data"][:20]},
    "wrong length": lambda g: {**g, "data": codecs.encode(np.zeros(10))},
    "wrong chunk": lambda g: {**g, "chunk_index": g["chunk_index"] + 1},  # Feb has fewer slots
}


@pytest.mark.parametrize("case", list(BAD_ITEMS))
def test_invalid_payload_imports_nothing(server, case):
    good = good_item(server)
    HourlyMirror.import_chunks([good])
    before = snapshot(HourlyMirror)
    payload = [{**good, "attrs": B}, BAD_ITEMS[case](good)]
    with pytest.raises(InvalidPayloadError, match="payload item 1"):
        HourlyMirror.import_chunks(payload)
    assert snapshot(HourlyMirror) == before


def test_duplicate_chunk_in_payload_imports_nothing(server):
    good = good_item(server)
    with pytest.raises(InvalidPayloadError, match="twice"):
        HourlyMirror.import_chunks([good, good])
    assert snapshot(HourlyMirror) == []


def test_import_is_atomic(server, monkeypatch):
    HourlyMirror.import_chunks([good_item(server)])
    before = snapshot(HourlyMirror)
    real = _queries.write_rows

    def fail_after_first(model, rows, alias, fresh=False):
        real(model, list(rows)[:1], alias, fresh)
        raise RuntimeError("injected")

    monkeypatch.setattr(_queries, "write_rows", fail_after_first)
    payload = server.export_chunks(spec_of(server.list_updates()))
    with pytest.raises(RuntimeError, match="injected"):
        HourlyMirror.import_chunks(payload)
    assert snapshot(HourlyMirror) == before
