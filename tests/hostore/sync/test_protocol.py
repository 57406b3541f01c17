"""The wire format: cursors, JSON and binary packs, codecs sent to old clients, gzip."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import uuid

import lz4.frame
import numpy as np
import pandas as pd
import pytest
from django.test import Client

from hostore import codecs
from hostore.exceptions import SyncProtocolError
from hostore.models._changes import START, Position
from hostore.sync import protocol
from tests.testapp.models import TypedKeyMirror, TypedKeyStore, ZstdMirror, ZstdStore

from .test_pull import same_stores

UTC = dt.timezone.utc


def test_cursors_round_trip_and_times_parse():
    assert protocol.parse_since(protocol.encode_cursor(Position(12, 345))) == (
        Position(12, 345),
        None,
    )
    when = dt.datetime(2024, 3, 31, 1, 30, 0, 123456, tzinfo=UTC)
    assert protocol.parse_since(protocol.encode_cursor(Position(-1, 0), when)) == (START, when)
    for text, expected in [
        ("2024-03-31T01:30:00Z", dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),
        ("2024-03-31T03:30:00+02:00", dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),
        ("2024-03-31 01:30", dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),  # naive: UTC
        ("2024-03-31", dt.datetime(2024, 3, 31, tzinfo=UTC)),
        ("1024-07-10T21:49:26-18:11", dt.datetime(1024, 7, 11, 16, 0, 26, tzinfo=UTC)),
    ]:
        position, since = protocol.parse_since(text)
        assert position == START and since == expected
    for bad in ("", "c1", "c1.a.b", "c2.1.2", "2024-02-30", "tomorrow"):
        with pytest.raises(SyncProtocolError):
            protocol.parse_since(bad)


def exported(n: int = 3) -> list[dict]:
    values = np.arange(48.0)
    values[5] = np.nan
    items = [
        {
            "attrs": {"meter": f"m{i}", "day": dt.date(2024, 1, i + 1)},
            "chunk_index": 24288 + i,
            "dtype": "float64",
            "start_ts": dt.datetime(2024, 1, 1, tzinfo=UTC),
            "updated_at": dt.datetime(2024, 5, 1, 12, tzinfo=UTC),
            "is_deleted": False,
            "data": codecs.encode(values * i, "delta"),
        }
        for i in range(n)
    ]
    items.append({**items[0], "chunk_index": 1, "is_deleted": True, "data": b""})
    return items


def test_binary_packs_round_trip_without_base64():
    items = exported()
    blob = protocol.pack_binary(items, accepted={"delta", "lz4"})
    read = protocol.read_pack_binary(blob)
    assert [r["data"] for r in read] == [i["data"] for i in items]  # as stored
    assert [r["is_deleted"] for r in read] == [False, False, False, True]
    assert read[1]["attrs"] == {"meter": "m1", "day": "2024-01-02"}
    assert len(blob) < sum(len(i["data"]) for i in items) + 200 * len(items)
    as_json = json.dumps(protocol.pack_json(items, accepted={"delta"}), default=str)
    assert len(blob) < len(as_json)


def test_blobs_go_as_lz4_frames_to_clients_that_do_not_read_their_codec():
    items = exported()
    for accepted in (None, {"lz4"}, set()):
        for got, item in zip(
            protocol.read_pack_binary(protocol.pack_binary(items, accepted)), items, strict=True
        ):
            if item["is_deleted"]:
                assert got["data"] == b""
                continue
            raw = lz4.frame.decompress(got["data"])  # what holcstore 0.6 does with a blob
            np.testing.assert_array_equal(
                np.frombuffer(raw, dtype="float64"), codecs.decode(item["data"], "float64")
            )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HSPK\x02",
        b"HSPK\x01\x00\x00\x00\x05{}",
        b"HSPK\x01\x00\x00\x00\x02{}\x00\x00\x00\x09ab",
    ],
)
def test_malformed_binary_packs_are_refused(data):
    with pytest.raises(SyncProtocolError):
        protocol.read_pack_binary(data)


@pytest.mark.parametrize(
    "payload",
    [
        {"a": 1},
        [{"attrs": {}, "blob": "", "meta": {}}],
        [{"attrs": {"chunk_index": 1}, "blob": "!!", "meta": {"dtype": "float64"}}],
    ],
)
def test_malformed_json_packs_are_refused(payload):
    with pytest.raises(SyncProtocolError):
        protocol.read_pack_json(payload)


@pytest.fixture
def zstd_server(db):
    idx = pd.date_range("2024-01-15", periods=48 * 40, freq="30min", tz="Europe/Paris")
    for i in range(3):
        ZstdStore.set_ts(
            {"meter": f"m{i}"},
            pd.Series(np.round(np.sin(np.arange(len(idx))) * 100 + i), index=idx),
        )
    return ZstdStore


def test_our_client_gets_the_stored_bytes_in_the_binary_format(zstd_server, make_client, adapter):
    client = make_client("zstd", ZstdMirror)
    assert client.pull().fetched == 6
    assert all(status == 200 for _, _, status in adapter.calls("POST", "pack"))
    server = {
        (m, c): bytes(d)
        for m, c, d in ZstdStore.objects.values_list("meter", "chunk_index", "data")
    }
    mirror = {
        (m, c): bytes(d)
        for m, c, d in ZstdMirror.objects.values_list("meter", "chunk_index", "data")
    }
    assert (
        mirror == server and codecs.codec_of(next(iter(mirror.values()))).codec_id == "shuffle-zstd"
    )
    same_stores(ZstdStore, ZstdMirror)


def test_holcstore_06_requests_get_lz4_frames_of_the_same_values(zstd_server):
    changes = Client().get("/api/sync/zstd/updates/").json()["results"]
    for method in ("GET", "POST"):  # 0.6's GET, or a plain list POSTed by another client
        answer = Client().generic(
            method, "/api/sync/zstd/pack/", json.dumps(changes), "application/json"
        )
        assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
        for item in answer.json():
            key = item["attrs"]
            raw = lz4.frame.decompress(base64.b64decode(item["blob"]))
            values = np.frombuffer(raw, dtype=item["meta"]["dtype"])
            ci = key.pop("chunk_index")
            stored = ZstdStore.objects.get(meter=key["meter"], chunk_index=ci)
            np.testing.assert_array_equal(values, codecs.decode(stored.data, stored.dtype))
            assert set(item["meta"]) == {"dtype", "start_ts", "is_deleted", "updated_at"}


def test_large_json_answers_and_packs_of_lz4_blobs_are_gzipped(zstd_server):
    big = Client().get("/api/sync/zstd/updates/", HTTP_ACCEPT_ENCODING="gzip")
    assert big["Content-Encoding"] == "gzip" and "Accept-Encoding" in big["Vary"]
    plain = Client().get("/api/sync/zstd/updates/")
    assert not plain.has_header("Content-Encoding")
    assert len(big.content) < len(plain.content) / 2
    tiny = Client().get("/api/sync/zstd/updates/?meter=none", HTTP_ACCEPT_ENCODING="gzip")
    assert not tiny.has_header("Content-Encoding")  # an empty page: not worth it
    body = {
        "chunks": [
            {"attrs": c["attrs"], "chunk_index": c["chunk_index"]} for c in plain.json()["results"]
        ]
    }
    binary = Client().post(
        "/api/sync/zstd/pack/",
        json.dumps({**body, "codecs": ["shuffle-zstd"]}),
        "application/json",
        HTTP_ACCEPT=protocol.PACK_MEDIA_TYPE,
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert binary["Content-Type"] == protocol.PACK_MEDIA_TYPE
    assert not binary.has_header("Content-Encoding")  # shuffle-zstd blobs: not worth it
    as_lz4 = Client().post(
        "/api/sync/zstd/pack/",
        json.dumps({**body, "codecs": ["lz4"]}),  # the blobs are sent as LZ4 frames
        "application/json",
        HTTP_ACCEPT=protocol.PACK_MEDIA_TYPE,
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert as_lz4["Content-Encoding"] == "gzip"
    raw = gzip.decompress(as_lz4.content)
    assert len(as_lz4.content) < 0.9 * len(raw)
    assert len(protocol.read_pack_binary(raw)) == len(body["chunks"])


def test_typed_keys_survive_the_trip(db, make_client):
    for i in range(2):
        attrs = {
            "day": dt.date(2024, 2, 1 + i),
            "uid": uuid.UUID(int=i + 1),
            "at": dt.datetime(2024, 2, 1, 6, tzinfo=UTC),
            "ratio": decimal.Decimal("1.25") * (i + 1),
        }
        idx = pd.date_range("2024-02-27", periods=96, freq="1h", tz="UTC")  # Feb and March
        TypedKeyStore.set_ts(attrs, pd.Series(np.arange(96.0) + i, index=idx))
    assert make_client("typed", TypedKeyMirror).pull().fetched == 4
    same_stores(TypedKeyStore, TypedKeyMirror)
    day = dt.date(2024, 2, 2)
    assert make_client("typed", TypedKeyMirror).pull(filters={"day": day}) == (2, 0)


def test_datetime_keys_with_offsets_the_database_refuses_are_read_in_utc(db):
    """Python takes offsets up to 23:59, PostgreSQL up to 15:59 (found by schemathesis)."""
    answer = Client().get("/api/sync/typed/updates/", {"at": "1024-07-10T21:49:26-18:11"})
    assert answer.status_code == 200 and answer.json()["results"] == []
    answer = Client().get("/api/sync/typed/updates/", {"at": "0001-01-01T00:00:00+05:00"})
    assert answer.status_code == 400 and "out of range" in answer.json()["at"][0]
