"""Content negotiation of ``pack/``: a client naming the binary format gets it.

DRF alone answered JSON (base64 blobs) to our own client's ``Accept: <pack>, application/json``:
among equal precedences it follows the view's renderer order, and ignores ``q``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from django.test import Client

from hostore.sync import protocol
from tests.testapp.models import ZstdMirror, ZstdStore


@pytest.fixture
def served(db):
    idx = pd.date_range("2024-01-15", periods=48 * 40, freq="30min", tz="Europe/Paris")
    for i in range(2):
        ZstdStore.set_ts({"meter": f"m{i}"}, pd.Series(np.arange(len(idx)) + i, index=idx))
    changes = Client().get("/api/sync/zstd/updates/").json()["results"]
    return {"chunks": [{"attrs": c["attrs"], "chunk_index": c["chunk_index"]} for c in changes]}


@pytest.mark.parametrize(
    ("accept", "binary"),
    [
        (f"{protocol.PACK_MEDIA_TYPE}, {protocol.JSON_MEDIA_TYPE}", True),  # our client
        (f"{protocol.JSON_MEDIA_TYPE}, {protocol.PACK_MEDIA_TYPE}", True),
        (protocol.PACK_MEDIA_TYPE, True),
        (f"{protocol.PACK_MEDIA_TYPE};q=0, {protocol.JSON_MEDIA_TYPE}", False),
        ("*/*", False),  # holcstore 0.6 (requests' default)
        (protocol.JSON_MEDIA_TYPE, False),
    ],
)
def test_the_binary_pack_goes_to_clients_that_name_it(served, accept, binary):
    answer = Client().post(
        "/api/sync/zstd/pack/", json.dumps(served), "application/json", HTTP_ACCEPT=accept
    )
    assert answer.status_code == 200
    kind = protocol.PACK_MEDIA_TYPE if binary else protocol.JSON_MEDIA_TYPE
    assert answer["Content-Type"].startswith(kind)
    items = (
        protocol.read_pack_binary(answer.content)
        if binary
        else protocol.read_pack_json(answer.json())
    )
    assert len(items) == len(served["chunks"])


def test_our_client_pulls_binary_packs(served, make_client, monkeypatch):
    def refuse(payload):
        raise AssertionError("a pack came as JSON")

    monkeypatch.setattr(protocol, "read_pack_json", refuse)
    assert make_client("zstd", ZstdMirror).pull().fetched == len(served["chunks"])


def test_errors_still_reach_a_binary_client_as_json(served):
    answer = Client().post(
        "/api/sync/zstd/pack/",
        json.dumps({"chunks": [{"attrs": {"nope": 1}, "chunk_index": 0}]}),
        "application/json",
        HTTP_ACCEPT=f"{protocol.PACK_MEDIA_TYPE}, {protocol.JSON_MEDIA_TYPE}",
    )
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith(protocol.JSON_MEDIA_TYPE)
    assert isinstance(answer.json(), dict)  # what went wrong, readable
